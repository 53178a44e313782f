/*
 * audit.c: audit entries, their canonical bytes and leaf hashes, and the
 * checkpoint message (see audit.h and docs/AUDIT.md).
 *
 * audit_decode, audit_parse_time and audit_checkpoint_verify read an
 * export, which mycert-audit treats as untrusted: they bound every length
 * and accept exactly one form of each value.
 */
#include "audit.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The events of the log; docs/AUDIT.md lists the same, with the fields
 * each one fills. */
static const struct {
	const char *name;
	const char *meaning;
} events[] = {
	{ "access_granted", "a person passed the access check" },
	{ "access_refused", "a person or an assertion was refused; the "
	  "outcome names the condition" },
	{ "terms_accepted", "the terms of use were accepted (detail: "
	  "version)" },
	{ "code_sent", "a one-time code was sent by email" },
	{ "code_failed", "a wrong one-time code was entered" },
	{ "code_locked", "too many wrong codes: the request was locked" },
	{ "store_issued", "a store was issued (object: serial; detail: "
	  "holder, key_type, channel)" },
	{ "store_issue_failed", "generation failed or timed out; nothing "
	  "was issued" },
	{ "store_downloaded", "the .p12 was first sent whole to the session "
	  "that made it; it stays for that session until saved or the "
	  "window closes" },
	{ "store_auto_revoked", "a store never downloaded was revoked when "
	  "its window closed" },
	{ "store_deactivated", "the holder deactivated a store" },
	{ "store_revoked", "a security officer revoked a certificate "
	  "(detail: reason)" },
	{ "store_superseded", "a renewed store was revoked as superseded "
	  "at the end of its grace period" },
	{ "renewal_switched", "the holder confirmed a renewal; the old "
	  "store was revoked" },
	{ "crl_published", "a CRL was signed and published (object: crl "
	  "number)" },
	{ "daemon_started", "mycertd started" },
	{ "daemon_stopped", "mycertd stopped" },
	{ "config_changed", "mycert-admin changed the configuration or a "
	  "certificate of the appliance" },
	{ "key_changed", "mycert-admin used or changed a key of the token "
	  "(CA certificate, audit certificate)" },
	{ "database_created", "mycert-admin created the database" },
};

#define EVENT_COUNT (sizeof(events) / sizeof(events[0]))

/* The kinds an object may name. */
static const char *const object_kinds[] = {
	"serial", "ehealth", "enrollment", "crl", "terms", "config",
	"token_key", "database", "daemon",
};

/* Detail names refused outright: what they would hold is a secret. */
static const char *const secret_names[] = {
	"code", "otp", "pin", "password", "passphrase", "secret", "session",
	"session_id", "sid", "csrf", "key", "private_key", "p12",
};

int
audit_event_known(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < EVENT_COUNT; i++) {
		if (strcmp(name, events[i].name) == 0) {
			return 1;
		}
	}
	return 0;
}

void
audit_event_list(void (*fn)(const char *, const char *, void *), void *arg)
{
	size_t i;

	for (i = 0; i < EVENT_COUNT; i++) {
		fn(events[i].name, events[i].meaning, arg);
	}
}

static const char *
or_empty(const char *s)
{
	return s != NULL ? s : "";
}

/* Every byte of s[0..n) is one of set, or a lowercase letter or digit. */
static int
all_word(const char *s, size_t n, const char *set)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      (c != '\0' && strchr(set, c) != NULL))) {
			return 0;
		}
	}
	return 1;
}

static int
no_control(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			return 0;
		}
	}
	return 1;
}

static int
check_actor(const char *actor, struct err *e)
{
	size_t i;

	if (strcmp(actor, "system") == 0 || strcmp(actor, "officer") == 0 ||
	    strcmp(actor, "anonymous") == 0) {
		return 0;
	}
	if (strncmp(actor, "ehealth:", 8) == 0 && strlen(actor) == 18) {
		i = 8;
		while (i < 18 && actor[i] >= '0' && actor[i] <= '9') {
			i++;
		}
		if (i == 18) {
			return 0;
		}
	}
	return err_set(e, ERR_INPUT, "audit entry: the actor must be system, "
		       "officer, anonymous or ehealth: and 10 digits");
}

static int
check_object(const char *object, struct err *e)
{
	const char *colon = strchr(object, ':');
	size_t i, n;

	if (object[0] == '\0') {
		return 0;
	}
	if (colon == NULL || strlen(object) > AUDIT_OBJECT_MAX ||
	    colon[1] == '\0' || !no_control(object)) {
		return err_set(e, ERR_INPUT, "audit entry: the object must be "
			       "kind:value, at most %d bytes, without control "
			       "characters", AUDIT_OBJECT_MAX);
	}
	n = (size_t)(colon - object);
	for (i = 0; i < sizeof(object_kinds) / sizeof(object_kinds[0]); i++) {
		if (strlen(object_kinds[i]) == n &&
		    strncmp(object, object_kinds[i], n) == 0) {
			return 0;
		}
	}
	return err_set(e, ERR_INPUT, "audit entry: unknown object kind "
		       "\"%.*s\"", (int)(n > 32 ? 32 : n), object);
}

static int
check_outcome(const char *outcome, struct err *e)
{
	const char *reason = NULL;

	if (strcmp(outcome, "ok") == 0) {
		return 0;
	}
	if (strncmp(outcome, "refused:", 8) == 0) {
		reason = outcome + 8;
	} else if (strncmp(outcome, "failed:", 7) == 0) {
		reason = outcome + 7;
	}
	if (reason == NULL || reason[0] == '\0' ||
	    strlen(outcome) > AUDIT_OUTCOME_MAX ||
	    !all_word(reason, strlen(reason), "_.-")) {
		return err_set(e, ERR_INPUT, "audit entry: the outcome must be "
			       "ok, refused:REASON or failed:REASON, REASON "
			       "made of a-z 0-9 _ . -");
	}
	return 0;
}

static int
check_source(const char *source, struct err *e)
{
	unsigned char addr[16];

	if (source[0] == '\0') {
		return 0;
	}
	if (strlen(source) > AUDIT_SOURCE_MAX ||
	    (inet_pton(AF_INET, source, addr) != 1 &&
	     inet_pton(AF_INET6, source, addr) != 1)) {
		return err_set(e, ERR_INPUT, "audit entry: the source must be "
			       "an IPv4 or IPv6 address, or empty");
	}
	return 0;
}

static int
secret_name(const char *name, size_t n)
{
	size_t i;
	char word[40];

	snprintf(word, sizeof(word), "%.*s", (int)(n < 39 ? n : 39), name);
	for (i = 0; i < sizeof(secret_names) / sizeof(secret_names[0]); i++) {
		if (strcmp(word, secret_names[i]) == 0) {
			return 1;
		}
	}
	return strstr(word, "password") != NULL ||
	       strstr(word, "secret") != NULL || strstr(word, "pin") != NULL;
}

/* "name=value name=value": single spaces, names [a-z0-9_] (1 to 32),
 * values non-empty without spaces or control characters. */
static int
check_detail(const char *detail, struct err *e)
{
	const char *p = detail, *eq, *end;

	if (detail[0] == '\0') {
		return 0;
	}
	if (strlen(detail) > AUDIT_DETAIL_MAX || !no_control(detail)) {
		return err_set(e, ERR_INPUT, "audit entry: the detail is "
			       "longer than %d bytes or holds control "
			       "characters", AUDIT_DETAIL_MAX);
	}
	for (;;) {
		end = strchr(p, ' ');
		end = end != NULL ? end : p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq == NULL || eq == p || eq - p > 32 || eq + 1 == end ||
		    !all_word(p, (size_t)(eq - p), "_")) {
			return err_set(e, ERR_INPUT, "audit entry: the detail "
				       "must be name=value pairs separated by "
				       "one space, names made of a-z 0-9 _");
		}
		if (secret_name(p, (size_t)(eq - p))) {
			return err_set(e, ERR_INPUT, "audit entry: the detail "
				       "name \"%.*s\" would hold a secret; a "
				       "password, PIN, code, session id or key "
				       "never goes into the audit log",
				       (int)(eq - p), p);
		}
		if (*end == '\0') {
			return 0;
		}
		p = end + 1;
	}
}

int
audit_entry_check(const struct audit_entry *a, struct err *e)
{
	if (a->actor == NULL || a->event == NULL || a->outcome == NULL) {
		return err_set(e, ERR_INPUT, "audit entry: actor, event and "
			       "outcome are required");
	}
	if (!audit_event_known(a->event)) {
		return err_set(e, ERR_INPUT, "audit entry: unknown event "
			       "\"%.40s\" (see audit.c for the list)",
			       no_control(a->event) ? a->event : "?");
	}
	if (check_actor(a->actor, e) != 0 ||
	    check_object(or_empty(a->object), e) != 0 ||
	    check_outcome(a->outcome, e) != 0 ||
	    check_source(or_empty(a->source), e) != 0 ||
	    check_detail(or_empty(a->detail), e) != 0) {
		return -1;
	}
	return 0;
}

static int
needs_encoding(unsigned char c)
{
	return c < 0x20 || c > 0x7e || c == '%' || c == '\\';
}

size_t
audit_encode(const char *in, char *out, size_t size)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *in != '\0'; in++) {
		unsigned char c = (unsigned char)*in;

		if (n + (needs_encoding(c) ? 3 : 1) >= size) {
			return (size_t)-1;
		}
		if (needs_encoding(c)) {
			out[n++] = '%';
			out[n++] = digits[c >> 4];
			out[n++] = digits[c & 15];
		} else {
			out[n++] = (char)c;
		}
	}
	if (n >= size) {
		return (size_t)-1;
	}
	out[n] = '\0';
	return n;
}

static int
upper_hex(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

size_t
audit_decode(const char *in, size_t len, char *out, size_t size)
{
	size_t i, n = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (n + 1 >= size) {
			return (size_t)-1;
		}
		if (c != '%') {
			if (needs_encoding(c)) {
				return (size_t)-1;
			}
			out[n++] = (char)c;
			continue;
		}
		if (i + 2 >= len) {
			return (size_t)-1;
		}
		hi = upper_hex(in[i + 1]);
		lo = upper_hex(in[i + 2]);
		if (hi < 0 || lo < 0) {
			return (size_t)-1;
		}
		/* Only bytes that must be encoded may be, and never NUL. */
		c = (unsigned char)(hi << 4 | lo);
		if (c == 0 || !needs_encoding(c)) {
			return (size_t)-1;
		}
		out[n++] = (char)c;
		i += 2;
	}
	out[n] = '\0';
	return n;
}

void
audit_format_time(long long ts_ms, char out[AUDIT_TIME_SIZE])
{
	time_t t = (time_t)(ts_ms / 1000);
	unsigned ms = (unsigned)(ts_ms % 1000) % 1000u;
	char date[32] = "";
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, AUDIT_TIME_SIZE, "%.19s.%03uZ", date, ms);
}

/* Reads n digits at p as a number; -1 when one is not a digit. */
static long
digits_at(const char *p, int n)
{
	long v = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9') {
			return -1;
		}
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

int
audit_parse_time(const char *text, long long *ts_ms)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	struct tm tm = { 0 };
	char back[AUDIT_TIME_SIZE];
	long long ms;
	time_t t;
	size_t i;

	if (strlen(text) != sizeof(shape) - 1) {
		return -1;
	}
	for (i = 0; i < sizeof(shape) - 1; i++) {
		if (shape[i] == 'd' ? text[i] < '0' || text[i] > '9'
				    : text[i] != shape[i]) {
			return -1;
		}
	}
	tm.tm_year = (int)digits_at(text, 4) - 1900;
	tm.tm_mon = (int)digits_at(text + 5, 2) - 1;
	tm.tm_mday = (int)digits_at(text + 8, 2);
	tm.tm_hour = (int)digits_at(text + 11, 2);
	tm.tm_min = (int)digits_at(text + 14, 2);
	tm.tm_sec = (int)digits_at(text + 17, 2);
	if (tm.tm_year < 70) {
		return -1;
	}
	t = timegm(&tm);
	ms = (long long)t * 1000 + digits_at(text + 20, 3);
	/* A date that timegm normalised (Feb 30, 25:00) is refused. */
	audit_format_time(ms, back);
	if (t == (time_t)-1 || strcmp(back, text) != 0) {
		return -1;
	}
	*ts_ms = ms;
	return 0;
}

long long
audit_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Appends TAB and the encoded field to out at *n. */
static int
put_field(char *out, size_t size, size_t *n, const char *field)
{
	size_t got;

	if (*n + 1 >= size) {
		return -1;
	}
	out[(*n)++] = '\t';
	got = audit_encode(field, out + *n, size - *n);
	if (got == (size_t)-1) {
		return -1;
	}
	*n += got;
	return 0;
}

/* Years 1970 to 9999: what the time format can write. */
#define AUDIT_TIME_LAST_MS 253402300799999LL

int
audit_entry_encode(const struct audit_entry *a, char *out, size_t size,
		   size_t *len)
{
	char when[AUDIT_TIME_SIZE];
	size_t n;
	int w;

	*len = 0;
	audit_format_time(a->ts_ms, when);
	w = snprintf(out, size, "entry\t%lld\t%s", a->seq, when);
	if (w < 0 || (size_t)w >= size) {
		return -1;
	}
	n = (size_t)w;
	if (put_field(out, size, &n, or_empty(a->actor)) != 0 ||
	    put_field(out, size, &n, or_empty(a->event)) != 0 ||
	    put_field(out, size, &n, or_empty(a->object)) != 0 ||
	    put_field(out, size, &n, or_empty(a->outcome)) != 0 ||
	    put_field(out, size, &n, or_empty(a->source)) != 0 ||
	    put_field(out, size, &n, or_empty(a->detail)) != 0) {
		return -1;
	}
	*len = n;
	return 0;
}

int
audit_entry_bytes(const struct audit_entry *a, char *out, size_t size,
		  size_t *len, struct err *e)
{
	*len = 0;
	if (audit_entry_check(a, e) != 0) {
		return -1;
	}
	if (a->seq <= 0 || a->ts_ms < 0 || a->ts_ms > AUDIT_TIME_LAST_MS) {
		return err_set(e, ERR_INTERNAL, "audit entry: seq %lld or time "
			       "%lld out of range", a->seq, a->ts_ms);
	}
	if (audit_entry_encode(a, out, size, len) != 0) {
		return err_set(e, ERR_INTERNAL, "audit entry: no room");
	}
	return 0;
}

int
audit_entry_leaf(const struct audit_entry *a,
		 unsigned char leaf[MERKLE_HASH_SIZE], struct err *e)
{
	char line[AUDIT_LINE_MAX];
	size_t len = 0;

	if (audit_entry_bytes(a, line, sizeof(line), &len, e) != 0) {
		return -1;
	}
	return merkle_leaf_hash(line, len, leaf, e);
}

int
audit_checkpoint_message(const struct audit_checkpoint *c, char *out,
			 size_t size, size_t *len, struct err *e)
{
	char id[3 * AUDIT_APPLIANCE_ID_MAX + 1];
	char root[MERKLE_HEX_SIZE], when[AUDIT_TIME_SIZE];
	int w;

	*len = 0;
	if (c->appliance_id == NULL || c->appliance_id[0] == '\0' ||
	    strlen(c->appliance_id) > AUDIT_APPLIANCE_ID_MAX ||
	    audit_encode(c->appliance_id, id, sizeof(id)) == (size_t)-1) {
		return err_set(e, ERR_CONFIG, "a checkpoint needs an appliance "
			       "id of 1 to %d bytes (appliance_id in the "
			       "configuration)", AUDIT_APPLIANCE_ID_MAX);
	}
	if (c->tree_size <= 0 || c->ts_ms < 0 ||
	    c->ts_ms > AUDIT_TIME_LAST_MS) {
		return err_set(e, ERR_INTERNAL, "checkpoint size %lld or time "
			       "%lld out of range", c->tree_size, c->ts_ms);
	}
	merkle_hex(c->root, root);
	audit_format_time(c->ts_ms, when);
	w = snprintf(out, size, "%s\n%s\n%lld\n%s\n%s\n",
		     AUDIT_CHECKPOINT_MAGIC, id, c->tree_size, root, when);
	if (w < 0 || (size_t)w >= size) {
		return err_set(e, ERR_INTERNAL, "checkpoint message: no room");
	}
	*len = (size_t)w;
	return 0;
}

int
audit_checkpoint_verify(EVP_PKEY *pub, const struct audit_checkpoint *c,
			struct err *e)
{
	char msg[AUDIT_MESSAGE_MAX];
	EVP_MD_CTX *ctx = NULL;
	size_t len = 0;
	int ok;

	if (audit_checkpoint_message(c, msg, sizeof(msg), &len, e) != 0) {
		return -1;
	}
	ctx = EVP_MD_CTX_new();
	ok = ctx != NULL &&
	     EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pub) == 1 &&
	     EVP_DigestVerify(ctx, c->signature, c->signature_len,
			      (const unsigned char *)msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		return err_openssl(e, ERR_CRYPTO, "the checkpoint's signature "
				   "does not verify with the audit key");
	}
	return 0;
}
