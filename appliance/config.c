/*
 * config.c: reading mycertd.conf (see config.h).
 *
 * The parser is table-driven: each known key names its kind (text, path,
 * number, switch, choice), where it goes and whether it is required.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX_BYTES (64 * 1024)
#define CONFIG_MAX_LINE 1024

enum kind { TEXT, PATH, NUMBER, SWITCH, KEYTYPE, P12PROFILE, DAYLIST };

struct key_def {
	const char *name;
	enum kind kind;
	size_t offset;
	int required;
	unsigned min, max;	/* for NUMBER */
};

#define F(field) offsetof(struct config, field)

static const struct key_def keys[] = {
	{ "pkcs11_module", PATH, F(pkcs11_module), 1, 0, 0 },
	{ "softhsm2_conf", PATH, F(softhsm2_conf), 0, 0, 0 },
	{ "token", TEXT, F(token), 1, 0, 0 },
	{ "pin_file", PATH, F(pin_file), 1, 0, 0 },
	{ "ca_key", TEXT, F(ca_key), 1, 0, 0 },
	{ "audit_key", TEXT, F(audit_key), 0, 0, 0 },
	{ "ca_cert", PATH, F(ca_cert), 1, 0, 0 },
	{ "chain_file", PATH, F(chain_file), 0, 0, 0 },
	{ "audit_cert", PATH, F(audit_cert), 0, 0, 0 },
	{ "subject_country", TEXT, F(subject_country), 1, 0, 0 },
	{ "subject_organization", TEXT, F(subject_organization), 1, 0, 0 },
	{ "store_key_type", KEYTYPE, F(store_key_type), 0, 0, 0 },
	{ "validity_days", NUMBER, F(validity_days), 0, 1, 3660 },
	{ "policy_oid", TEXT, F(policy_oid), 1, 0, 0 },
	{ "crl_url", TEXT, F(crl_url), 1, 0, 0 },
	{ "ocsp_url", TEXT, F(ocsp_url), 1, 0, 0 },
	{ "ca_issuers_url", TEXT, F(ca_issuers_url), 1, 0, 0 },
	{ "p12_profile", P12PROFILE, F(p12_profile), 0, 0, 0 },
	{ "p12_iterations", NUMBER, F(p12_iterations), 0, 1000, 10000000 },
	{ "database", PATH, F(database), 1, 0, 0 },
	{ "user", TEXT, F(user), 0, 0, 0 },
	{ "listen", TEXT, F(listen), 0, 0, 0 },
	{ "tls_cert", PATH, F(tls_cert), 0, 0, 0 },
	{ "tls_key", PATH, F(tls_key), 0, 0, 0 },
	{ "status_listen", TEXT, F(status_listen), 0, 0, 0 },
	{ "appliance_id", TEXT, F(appliance_id), 0, 0, 0 },
	{ "portal_issuer", TEXT, F(portal_issuer), 0, 0, 0 },
	{ "portal_public_key", PATH, F(portal_public_key), 0, 0, 0 },
	{ "dev_portal", SWITCH, F(dev_portal), 0, 0, 0 },
	{ "dev_portal_key", PATH, F(dev_portal_key), 0, 0, 0 },
	{ "strong_amr", TEXT, F(strong_amr), 0, 0, 0 },
	{ "terms_version", TEXT, F(terms_version), 0, 0, 0 },
	{ "session_idle_seconds", NUMBER, F(session_idle_seconds), 0, 60,
	  86400 },
	{ "session_max_seconds", NUMBER, F(session_max_seconds), 0, 60,
	  604800 },
	{ "code_ttl_seconds", NUMBER, F(code_ttl_seconds), 0, 30, 3600 },
	{ "code_max_tries", NUMBER, F(code_max_tries), 0, 1, 20 },
	{ "code_max_sends", NUMBER, F(code_max_sends), 0, 1, 20 },
	{ "download_window_seconds", NUMBER, F(download_window_seconds), 0,
	  10, 86400 },
	{ "generation_timeout_seconds", NUMBER,
	  F(generation_timeout_seconds), 0, 5, 3600 },
	{ "assertions_per_minute", NUMBER, F(assertions_per_minute), 0, 1,
	  100000 },
	{ "web_threads", NUMBER, F(web_threads), 0, 1, 64 },
	{ "max_connections", NUMBER, F(max_connections), 0, 1, 100000 },
	{ "max_connections_per_ip", NUMBER, F(max_connections_per_ip), 0, 1,
	  10000 },
	{ "connection_timeout_seconds", NUMBER,
	  F(connection_timeout_seconds), 0, 1, 3600 },
	{ "max_body_bytes", NUMBER, F(max_body_bytes), 0, 1024, 1048576 },
	{ "crl_dir", PATH, F(crl_dir), 0, 0, 0 },
	{ "crl_validity_hours", NUMBER, F(crl_validity_hours), 0, 1, 8760 },
	{ "ocsp_validity_minutes", NUMBER, F(ocsp_validity_minutes), 0, 1,
	  10080 },
	{ "ocsp_key", TEXT, F(ocsp_key), 0, 0, 0 },
	{ "ocsp_cert", PATH, F(ocsp_cert), 0, 0, 0 },
	{ "renewal_window_days", NUMBER, F(renewal_window_days), 0, 1, 3660 },
	{ "renewal_grace_days", NUMBER, F(renewal_grace_days), 0, 0, 365 },
	{ "reminder_days", DAYLIST, F(reminder_days), 0, 1, 3660 },
	{ "mail_outbox", PATH, F(mail_outbox), 0, 0, 0 },
	{ "mail_from", TEXT, F(mail_from), 0, 0, 0 },
	{ "mail_smtp_url", TEXT, F(mail_smtp_url), 0, 0, 0 },
	{ "mail_smtp_user", TEXT, F(mail_smtp_user), 0, 0, 0 },
	{ "mail_smtp_password_file", PATH, F(mail_smtp_password_file), 0, 0,
	  0 },
	{ "mail_smtp_ca_file", PATH, F(mail_smtp_ca_file), 0, 0, 0 },
	{ "checkpoint_interval_seconds", NUMBER,
	  F(checkpoint_interval_seconds), 0, 10, 86400 },
	{ "checkpoint_entries", NUMBER, F(checkpoint_entries), 0, 1, 1000000 },
};

#define KEY_COUNT (sizeof(keys) / sizeof(keys[0]))

static const char *const key_type_names[] = {
	[CONFIG_KEY_RSA3072] = "rsa3072",
	[CONFIG_KEY_P256] = "p256",
};

const char *
config_key_type_name(enum config_key_type t)
{
	return t == CONFIG_KEY_P256 ? key_type_names[CONFIG_KEY_P256]
				    : key_type_names[CONFIG_KEY_RSA3072];
}

void
config_free(struct config *c)
{
	size_t i;

	if (c == NULL) {
		return;
	}
	for (i = 0; i < KEY_COUNT; i++) {
		if (keys[i].kind == TEXT || keys[i].kind == PATH ||
		    keys[i].kind == DAYLIST) {
			free(*(char **)((char *)c + keys[i].offset));
		}
	}
	free(c->path);
	free(c->dir);
	free(c);
}

static const struct key_def *
find_key(const char *name)
{
	size_t i;

	for (i = 0; i < KEY_COUNT; i++) {
		if (strcmp(keys[i].name, name) == 0) {
			return &keys[i];
		}
	}
	return NULL;
}

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t') {
		s++;
	}
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
			   end[-1] == '\r')) {
		*--end = '\0';
	}
	return s;
}

static int
has_control_chars(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			return 1;
		}
	}
	return 0;
}

static char *
resolve_path(const struct config *c, const char *value)
{
	char *out = NULL;

	if (value[0] == '/') {
		return strdup(value);
	}
	if (asprintf(&out, "%s/%s", strcmp(c->dir, "/") == 0 ? "" : c->dir,
		     value) < 0) {
		return NULL;
	}
	return out;
}

static int
set_number(const struct key_def *k, struct config *c, const char *value,
	   int line, struct err *e)
{
	char *end = NULL;
	unsigned long n;

	errno = 0;
	n = strtoul(value, &end, 10);
	if (!isdigit((unsigned char)value[0]) || *end != '\0' || errno != 0 ||
	    n < k->min || n > k->max) {
		return err_set(e, ERR_CONFIG, "%s line %d: %s must be a whole "
			       "number from %u to %u, not \"%s\"", c->path,
			       line, k->name, k->min, k->max, value);
	}
	*(unsigned *)((char *)c + k->offset) = (unsigned)n;
	return 0;
}

/* Insertion sort, ascending: a list holds a few days. */
static void
sort_days(unsigned *days, unsigned n)
{
	unsigned i, j, v;

	for (i = 1; i < n; i++) {
		v = days[i];
		for (j = i; j > 0 && days[j - 1] > v; j--) {
			days[j] = days[j - 1];
		}
		days[j] = v;
	}
}

/* A list of days before expiry ("30,7"), or "none": distinct whole
 * numbers from k->min to k->max, at most CONFIG_REMINDERS_MAX, kept in
 * ascending order. */
static int
parse_daylist(const struct key_def *k, struct config *c, const char *value,
	      int line, struct err *e)
{
	const char *p = value;
	unsigned n = 0, i;
	unsigned long day;
	char *end = NULL;

	c->reminder_count = 0;
	if (strcmp(value, "none") == 0) {
		return 0;
	}
	for (;;) {
		while (*p == ' ') {
			p++;
		}
		errno = 0;
		day = isdigit((unsigned char)*p) ? strtoul(p, &end, 10) : 0;
		if (!isdigit((unsigned char)*p) || errno != 0 ||
		    day < k->min || day > k->max) {
			return err_set(e, ERR_CONFIG, "%s line %d: %s must be "
				       "days before expiry from %u to %u, "
				       "separated by commas (like 30,7), or "
				       "none; not \"%s\"", c->path, line,
				       k->name, k->min, k->max, value);
		}
		for (i = 0; i < n; i++) {
			if (c->reminder_points[i] == day) {
				return err_set(e, ERR_CONFIG, "%s line %d: %s "
					       "names %lu twice", c->path,
					       line, k->name, day);
			}
		}
		if (n == CONFIG_REMINDERS_MAX) {
			return err_set(e, ERR_CONFIG, "%s line %d: %s holds "
				       "more than %d days", c->path, line,
				       k->name, CONFIG_REMINDERS_MAX);
		}
		c->reminder_points[n++] = (unsigned)day;
		p = end;
		while (*p == ' ') {
			p++;
		}
		if (*p == '\0') {
			break;
		}
		if (*p++ != ',') {
			return err_set(e, ERR_CONFIG, "%s line %d: %s must be "
				       "days separated by commas (like 30,7), "
				       "not \"%s\"", c->path, line, k->name,
				       value);
		}
	}
	sort_days(c->reminder_points, n);
	c->reminder_count = n;
	return 0;
}

static int
set_choice(const struct key_def *k, struct config *c, const char *value,
	   int line, struct err *e)
{
	int *field = (int *)((char *)c + k->offset);

	if (k->kind == SWITCH && (strcmp(value, "on") == 0 ||
				  strcmp(value, "off") == 0)) {
		*field = strcmp(value, "on") == 0;
		return 0;
	}
	if (k->kind == KEYTYPE && (strcmp(value, "rsa3072") == 0 ||
				   strcmp(value, "p256") == 0)) {
		*field = strcmp(value, "p256") == 0 ? CONFIG_KEY_P256
						    : CONFIG_KEY_RSA3072;
		return 0;
	}
	if (k->kind == P12PROFILE && (strcmp(value, "modern") == 0 ||
				      strcmp(value, "compatible") == 0)) {
		*field = strcmp(value, "compatible") == 0
				 ? CONFIG_P12_COMPATIBLE : CONFIG_P12_MODERN;
		return 0;
	}
	return err_set(e, ERR_CONFIG, "%s line %d: %s cannot be \"%s\" "
		       "(allowed: %s)", c->path, line, k->name, value,
		       k->kind == SWITCH ? "on, off"
		       : k->kind == KEYTYPE ? "rsa3072, p256"
					    : "modern, compatible");
}

static int
set_value(const struct key_def *k, struct config *c, const char *value,
	  int line, struct err *e)
{
	char **field;

	if (k->kind == NUMBER) {
		return set_number(k, c, value, line, e);
	}
	if (k->kind == DAYLIST && parse_daylist(k, c, value, line, e) != 0) {
		return -1;
	}
	if (k->kind != TEXT && k->kind != PATH && k->kind != DAYLIST) {
		return set_choice(k, c, value, line, e);
	}
	field = (char **)((char *)c + k->offset);
	*field = k->kind == PATH ? resolve_path(c, value) : strdup(value);
	if (*field == NULL) {
		return err_set(e, ERR_INTERNAL, "out of memory reading %s",
			       c->path);
	}
	return 0;
}

static int
parse_line(struct config *c, char *line, int lineno, unsigned char *seen,
	   struct err *e)
{
	char *eq, *name, *value;
	const struct key_def *k;

	line = trim(line);
	if (line[0] == '\0' || line[0] == '#') {
		return 0;
	}
	eq = strchr(line, '=');
	if (eq == NULL) {
		return err_set(e, ERR_CONFIG, "%s line %d: expected "
			       "\"key = value\"", c->path, lineno);
	}
	*eq = '\0';
	name = trim(line);
	value = trim(eq + 1);
	k = find_key(name);
	if (k == NULL) {
		return err_set(e, ERR_CONFIG, "%s line %d: unknown key \"%.64s\" "
			       "(see hsm-config/mycertd.conf.example)", c->path,
			       lineno, name);
	}
	if (seen[k - keys]) {
		return err_set(e, ERR_CONFIG, "%s line %d: %s is set twice",
			       c->path, lineno, name);
	}
	seen[k - keys] = 1;
	if (value[0] == '\0' || has_control_chars(value)) {
		return err_set(e, ERR_CONFIG, "%s line %d: %s needs a value",
			       c->path, lineno, name);
	}
	return set_value(k, c, value, lineno, e);
}

static int
check_required(const struct config *c, const unsigned char *seen,
	       struct err *e)
{
	size_t i;

	for (i = 0; i < KEY_COUNT; i++) {
		if (keys[i].required && !seen[i]) {
			return err_set(e, ERR_CONFIG, "%s: %s is missing (see "
				       "hsm-config/mycertd.conf.example)",
				       c->path, keys[i].name);
		}
	}
	if (strlen(c->subject_country) != 2 ||
	    !isupper((unsigned char)c->subject_country[0]) ||
	    !isupper((unsigned char)c->subject_country[1])) {
		return err_set(e, ERR_CONFIG, "%s: subject_country must be two "
			       "capital letters (ISO 3166), like FR", c->path);
	}
	return 0;
}

static int
default_text(char **field, const char *value)
{
	if (*field == NULL) {
		*field = strdup(value);
	}
	return *field == NULL ? -1 : 0;
}

/* Without reminder_days: 30 and 7 days before expiry, those inside the
 * renewal window (the window's first day when neither is). */
static int
default_reminders(struct config *c)
{
	static const unsigned days[] = { 7, 30 };
	char text[CONFIG_REMINDERS_MAX * 12] = "";
	size_t i, n = 0;

	c->reminder_count = 0;
	for (i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
		if (days[i] <= c->renewal_window_days) {
			c->reminder_points[c->reminder_count++] = days[i];
		}
	}
	if (c->reminder_count == 0) {
		c->reminder_points[c->reminder_count++] =
			c->renewal_window_days;
	}
	for (i = c->reminder_count; i > 0; i--) {	/* "30,7" */
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%u",
				      n > 0 ? "," : "",
				      c->reminder_points[i - 1]);
	}
	c->reminder_days = strdup(text);
	return c->reminder_days == NULL ? -1 : 0;
}

static int
set_text_defaults(struct config *c, struct err *e)
{
	if (c->mail_outbox != NULL && c->mail_smtp_url != NULL) {
		return err_set(e, ERR_CONFIG, "%s: set mail_outbox or "
			       "mail_smtp_url, not both", c->path);
	}
	if ((c->ocsp_key == NULL) != (c->ocsp_cert == NULL)) {
		return err_set(e, ERR_CONFIG, "%s: ocsp_key and ocsp_cert go "
			       "together (a delegated OCSP signer)", c->path);
	}
	if (c->mail_smtp_url != NULL &&
	    strncmp(c->mail_smtp_url, "smtp://", 7) != 0 &&
	    strncmp(c->mail_smtp_url, "smtps://", 8) != 0) {
		return err_set(e, ERR_CONFIG, "%s: mail_smtp_url must start "
			       "with smtp:// (STARTTLS) or smtps://", c->path);
	}
	if (c->reminder_days == NULL && default_reminders(c) != 0) {
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	if (c->reminder_count > 0 &&
	    c->reminder_points[c->reminder_count - 1] >
	    c->renewal_window_days) {
		return err_set(e, ERR_CONFIG, "%s: reminder_days names %u days "
			       "before expiry, more than renewal_window_days "
			       "(%u): that reminder would invite to a renewal "
			       "not possible yet", c->path,
			       c->reminder_points[c->reminder_count - 1],
			       c->renewal_window_days);
	}
	if (default_text(&c->listen, "127.0.0.1:8443") != 0 ||
	    default_text(&c->status_listen, "127.0.0.1:8080") != 0 ||
	    default_text(&c->strong_amr, "smartcard") != 0 ||
	    default_text(&c->terms_version, "2026-01") != 0 ||
	    default_text(&c->mail_from,
			 "mycert <no-reply@mycert.invalid>") != 0) {
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	return 0;
}

static struct config *
config_new(const char *path)
{
	struct config *c = calloc(1, sizeof(*c));
	const char *slash;

	if (c == NULL) {
		return NULL;
	}
	c->store_key_type = CONFIG_KEY_RSA3072;
	c->validity_days = 1095;
	c->p12_profile = CONFIG_P12_MODERN;
	c->p12_iterations = 10000;
	c->session_idle_seconds = 900;
	c->session_max_seconds = 28800;
	c->code_ttl_seconds = 300;
	c->code_max_tries = 5;
	c->code_max_sends = 3;
	c->download_window_seconds = 600;
	c->generation_timeout_seconds = 120;
	c->assertions_per_minute = 30;
	c->web_threads = 4;
	c->max_connections = 256;
	c->max_connections_per_ip = 32;
	c->connection_timeout_seconds = 30;
	c->max_body_bytes = 16384;
	c->crl_validity_hours = 24;
	c->ocsp_validity_minutes = 60;
	c->renewal_window_days = 30;
	c->renewal_grace_days = 14;
	c->checkpoint_interval_seconds = 300;
	c->checkpoint_entries = 1000;
	/* An absolute folder, so that resolved paths hold from anywhere. */
	c->path = realpath(path, NULL);
	if (c->path == NULL) {
		c->path = strdup(path);
	}
	if (c->path == NULL) {
		free(c);
		return NULL;
	}
	slash = strrchr(c->path, '/');
	c->dir = slash == NULL ? strdup(".")
	       : slash == c->path ? strdup("/")
				  : strndup(c->path,
					    (size_t)(slash - c->path));
	if (c->path == NULL || c->dir == NULL) {
		config_free(c);
		return NULL;
	}
	return c;
}

int
config_parse(const char *path, const char *text, struct config **out,
	     struct err *e)
{
	struct config *c = NULL;
	unsigned char seen[KEY_COUNT] = { 0 };
	char line[CONFIG_MAX_LINE + 2];
	const char *p = text;
	int lineno = 0;

	*out = NULL;
	c = config_new(path);
	if (c == NULL) {
		return err_set(e, ERR_INTERNAL, "out of memory reading %s",
			       path);
	}
	while (*p != '\0') {
		size_t len = strcspn(p, "\n");

		lineno++;
		if (len > CONFIG_MAX_LINE) {
			err_set(e, ERR_CONFIG, "%s line %d: line longer than %d "
				"bytes", path, lineno, CONFIG_MAX_LINE);
			goto fail;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		if (parse_line(c, line, lineno, seen, e) != 0) {
			goto fail;
		}
		p += len + (p[len] == '\n');
	}
	if (check_required(c, seen, e) != 0 || set_text_defaults(c, e) != 0) {
		goto fail;
	}
	*out = c;
	return 0;
fail:
	config_free(c);
	return -1;
}

int
config_parse_buffer(const char *path, const char *data, size_t len,
		    struct config **out, struct err *e)
{
	char *text = NULL;
	int rc;

	*out = NULL;
	/* The file's bytes become one C string: a NUL byte inside would
	 * silently cut the configuration short. */
	if (len > CONFIG_MAX_BYTES || memchr(data, '\0', len) != NULL) {
		return err_set(e, ERR_CONFIG, "%s is larger than %d bytes or "
			       "holds a NUL byte", path, CONFIG_MAX_BYTES);
	}
	text = malloc(len + 1);
	if (text == NULL) {
		return err_set(e, ERR_INTERNAL, "out of memory reading %s",
			       path);
	}
	memcpy(text, data, len);
	text[len] = '\0';
	rc = config_parse(path, text, out, e);
	free(text);
	return rc;
}

int
config_load(const char *path, struct config **out, struct err *e)
{
	FILE *f = NULL;
	char *text = NULL;
	size_t got;
	int rc = -1;

	*out = NULL;
	f = fopen(path, "re");
	if (f == NULL) {
		return err_set(e, ERR_CONFIG, "cannot read the configuration "
			       "%s: %s", path, strerror(errno));
	}
	/* One byte over the limit, so that config_parse_buffer sees it. */
	text = malloc(CONFIG_MAX_BYTES + 1);
	if (text == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory reading %s", path);
		goto out;
	}
	got = fread(text, 1, CONFIG_MAX_BYTES + 1, f);
	if (ferror(f)) {
		err_set(e, ERR_CONFIG, "cannot read the configuration %s: %s",
			path, strerror(errno));
		goto out;
	}
	rc = config_parse_buffer(path, text, got, out, e);
out:
	free(text);
	fclose(f);
	return rc;
}
