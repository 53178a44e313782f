/*
 * test_audit.c: the CUnit suite of audit.c, audit_sign.c,
 * storage_audit.c and the report of audit_verify.c.
 *
 * Entries are appended to a new database in a temporary folder; the
 * checkpoint tests sign with the audit key of the provisioned SoftHSM2
 * token (MYCERT_TEST_SETUP) and verify with the audit certificate that
 * provisioning made.  The tests include storage_int.h: they open a
 * transaction around an append as storage functions do, and alter the
 * file behind the storage's back as an intruder would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <openssl/pem.h>

#include "audit.h"
#include "audit_verify.h"
#include "fixture.h"
#include "storage_int.h"
#include "suites.h"

#define T0_MS 1700000000123LL	/* 2023-11-14T22:13:20.123Z */

static struct config *cfg;
static struct token *token;
static struct token_key *audit_key;

static int
setup(void)
{
	struct err e = { 0 };

	cfg = fixture_config();
	token = fixture_token(cfg);
	if (token_find_key(token, cfg->audit_key, &audit_key, &e) != 0) {
		fprintf(stderr, "unit-tests: no audit key: %s\n", e.msg);
		return -1;
	}
	return 0;
}

static int
teardown(void)
{
	token_close(token);
	config_free(cfg);
	return 0;
}

/* A new database in a new temporary folder. */
static struct storage *
new_db(void)
{
	char *dir = fixture_temp_dir(), *path = NULL;
	struct storage *s = NULL;
	struct err e = { 0 };

	CU_ASSERT_FATAL(asprintf(&path, "%s/audit.db", dir) > 0);
	CU_ASSERT_EQUAL_FATAL(storage_create(path, &s, &e), 0);
	free(path);
	free(dir);
	return s;
}

static struct audit_entry
entry(const char *event, const char *outcome)
{
	struct audit_entry a = {
		.ts_ms = T0_MS,
		.actor = "ehealth:1000000001",
		.event = event,
		.object = "serial:0123456789abcdef0123456789abcdef",
		.outcome = outcome,
		.source = "192.0.2.1",
	};

	return a;
}

static long long
log_size(struct storage *s)
{
	struct storage_audit_state st;
	struct err e = { 0 };

	CU_ASSERT_EQUAL_FATAL(storage_audit_state(s, &st, &e), 0);
	return st.size;
}

static long
crl_rows(struct storage *s)
{
	long n = -1;
	struct err e = { 0 };

	CU_ASSERT_EQUAL(storage_count(s, "crls", &n, &e), 0);
	return n;
}

/* Another write of the same transaction: a CRL record. */
static int
other_write(struct storage *s, struct err *e)
{
	return storage_exec(s, "INSERT INTO crls (number, this_update, "
			    "next_update, revoked, sha256) VALUES "
			    "((SELECT coalesce(max(number), 0) + 1 FROM crls), "
			    "1, 2, 0, 'x')", "recording a CRL", e);
}

static void
rollback_drops_the_entry_and_the_change(void)
{
	struct storage *s = new_db();
	struct audit_entry a = entry("crl_published", "ok");
	struct err e = { 0 };

	a.actor = "system";
	a.object = "crl:1";
	CU_ASSERT_EQUAL_FATAL(storage_begin(s, &e), 0);
	CU_ASSERT_EQUAL(other_write(s, &e), 0);
	CU_ASSERT_EQUAL(storage_audit_append(s, &a, &e), 0);
	storage_rollback(s);
	CU_ASSERT_EQUAL(log_size(s), 0);
	CU_ASSERT_EQUAL(crl_rows(s), 0);

	CU_ASSERT_EQUAL_FATAL(storage_begin(s, &e), 0);
	CU_ASSERT_EQUAL(other_write(s, &e), 0);
	CU_ASSERT_EQUAL(storage_audit_append(s, &a, &e), 0);
	CU_ASSERT_EQUAL(storage_commit(s, &e), 0);
	CU_ASSERT_EQUAL(log_size(s), 1);
	CU_ASSERT_EQUAL(crl_rows(s), 1);
	storage_close(s);
}

static void
refuses_to_append_outside_a_transaction(void)
{
	struct storage *s = new_db();
	struct audit_entry a = entry("code_sent", "ok");
	struct err e = { 0 };

	CU_ASSERT_EQUAL(storage_audit_append(s, &a, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_INTERNAL);
	CU_ASSERT_EQUAL(log_size(s), 0);
	storage_close(s);
}

struct collected {
	long long seq[16];
	unsigned char leaf[16][32];
	unsigned char again[16][32];
	size_t n;
	struct audit_checkpoint cp[4];
	unsigned char sig[4][256];
	char id[4][64];
	size_t ncp;
};

static int
collect_entry(const struct audit_entry *a, const unsigned char *leaf,
	      void *arg, struct err *e)
{
	struct collected *c = arg;

	if (c->n < 16 && leaf != NULL) {
		c->seq[c->n] = a->seq;
		memcpy(c->leaf[c->n], leaf, 32);
		if (audit_entry_leaf(a, c->again[c->n], e) != 0) {
			return -1;
		}
		c->n++;
	}
	return 0;
}

static int
collect_checkpoint(const struct audit_checkpoint *cp, void *arg,
		   struct err *e)
{
	struct collected *c = arg;

	(void)e;
	if (c->ncp < 4 && cp->signature_len <= 256) {
		c->cp[c->ncp] = *cp;
		memcpy(c->sig[c->ncp], cp->signature, cp->signature_len);
		c->cp[c->ncp].signature = c->sig[c->ncp];
		snprintf(c->id[c->ncp], 64, "%s", cp->appliance_id);
		c->cp[c->ncp].appliance_id = c->id[c->ncp];
		c->ncp++;
	}
	return 0;
}

static void
collect(struct storage *s, struct collected *c)
{
	struct storage_audit_reader r = {
		.entry = collect_entry,
		.checkpoint = collect_checkpoint,
		.arg = c,
	};
	struct err e = { 0 };

	memset(c, 0, sizeof(*c));
	CU_ASSERT_EQUAL_FATAL(storage_audit_read(s, 0, &r, &e), 0);
}

static void
numbers_entries_without_gaps(void)
{
	struct storage *s = new_db();
	struct audit_entry a = entry("code_failed", "refused:wrong_code");
	struct collected c;
	struct err e = { 0 };
	size_t i;

	CU_ASSERT_EQUAL(storage_audit_record(s, &a, &e), 0);
	CU_ASSERT_EQUAL(storage_audit_record(s, &a, &e), 0);
	/* A rolled-back append leaves no hole. */
	CU_ASSERT_EQUAL_FATAL(storage_begin(s, &e), 0);
	CU_ASSERT_EQUAL(storage_audit_append(s, &a, &e), 0);
	storage_rollback(s);
	CU_ASSERT_EQUAL(storage_audit_record(s, &a, &e), 0);
	/* A refused entry leaves no hole either. */
	a.event = "no_such_event";
	CU_ASSERT_EQUAL(storage_audit_record(s, &a, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_INPUT);
	a.event = "code_sent";
	a.outcome = "ok";
	CU_ASSERT_EQUAL(storage_audit_record(s, &a, &e), 0);
	collect(s, &c);
	CU_ASSERT_EQUAL(c.n, 4);
	for (i = 0; i < c.n; i++) {
		CU_ASSERT_EQUAL(c.seq[i], (long long)i + 1);
		/* The stored leaf is that of the canonical bytes. */
		CU_ASSERT_EQUAL(memcmp(c.leaf[i], c.again[i], 32), 0);
	}
	storage_close(s);
}

static void
canonical_bytes_are_the_documented_line(void)
{
	struct audit_entry a = entry("store_issued", "ok");
	char line[AUDIT_LINE_MAX], want[512];
	unsigned char leaf[32], check[32];
	size_t len = 0;
	struct err e = { 0 };

	a.seq = 7;
	a.detail = "holder=1000000001 key_type=p256 label=M\xc3\xa9"
		   "decin%\\";
	CU_ASSERT_EQUAL_FATAL(audit_entry_bytes(&a, line, sizeof(line), &len,
						&e), 0);
	snprintf(want, sizeof(want), "entry\t7\t2023-11-14T22:13:20.123Z\t"
		 "ehealth:1000000001\tstore_issued\t"
		 "serial:0123456789abcdef0123456789abcdef\tok\t192.0.2.1\t"
		 "holder=1000000001 key_type=p256 label=M%%C3%%A9decin%%25"
		 "%%5C");
	CU_ASSERT_STRING_EQUAL(line, want);
	CU_ASSERT_EQUAL(len, strlen(want));
	CU_ASSERT_EQUAL_FATAL(audit_entry_leaf(&a, leaf, &e), 0);
	CU_ASSERT_EQUAL_FATAL(merkle_leaf_hash(want, strlen(want), check, &e),
			      0);
	CU_ASSERT_EQUAL(memcmp(leaf, check, 32), 0);
}

static void
encodes_specials_and_decodes_one_form_only(void)
{
	char out[128];
	const char *in = "a\tb%c\\d\ne\xc3\xa9 f~";
	const char *want = "a%09b%25c%5Cd%0Ae%C3%A9 f~";
	static const char *const refused[] = {
		"%c3",		/* lowercase hex */
		"%41",		/* 'A' needs no encoding */
		"a\tb",		/* raw TAB */
		"%00",		/* NUL */
		"%4",		/* cut */
		"%",
		"\\",		/* raw backslash */
		"\xc3\xa9",	/* raw UTF-8 */
	};
	size_t i;

	CU_ASSERT_EQUAL(audit_encode(in, out, sizeof(out)), strlen(want));
	CU_ASSERT_STRING_EQUAL(out, want);
	CU_ASSERT_EQUAL(audit_decode(want, strlen(want), out, sizeof(out)),
			strlen(in));
	CU_ASSERT_STRING_EQUAL(out, in);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		CU_ASSERT_EQUAL(audit_decode(refused[i], strlen(refused[i]),
					     out, sizeof(out)), (size_t)-1);
	}
	CU_ASSERT_EQUAL(audit_encode("%%%", out, 9), (size_t)-1);
	CU_ASSERT_EQUAL(audit_encode("%%%", out, 10), 9);
}

static void
refuses_fields_that_could_hold_a_secret(void)
{
	static const struct {
		const char *field, *value;
	} refused[] = {
		{ "detail", "code=123456" },
		{ "detail", "password=Zx9kT2mQ" },
		{ "detail", "pin=1234" },
		{ "detail", "session_id=abcdef" },
		{ "detail", "smtp_password=x" },
		{ "detail", "key=-----BEGIN" },
		{ "detail", "holder=1000000001  key_type=p256" },
		{ "detail", "label=two words" },
		{ "object", "code:123456" },
		{ "object", "session:abcdef" },
		{ "object", "serial:" },
		{ "actor", "alice" },
		{ "actor", "ehealth:12345" },
		{ "event", "password_changed" },
		{ "outcome", "refused:Wrong Code" },
		{ "outcome", "denied" },
		{ "source", "example.org" },
		{ "source", "192.0.2.1; DROP" },
	};
	struct audit_entry a;
	struct err e = { 0 };
	size_t i;

	a = entry("store_issued", "ok");
	a.detail = "holder=1000000001 key_type=p256 version=2026-01";
	CU_ASSERT_EQUAL(audit_entry_check(&a, &e), 0);
	a.source = "2001:db8::1";
	CU_ASSERT_EQUAL(audit_entry_check(&a, &e), 0);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		const char *f = refused[i].field;

		a = entry("store_issued", "ok");
		a.detail = strcmp(f, "detail") == 0 ? refused[i].value : "";
		a.object = strcmp(f, "object") == 0 ? refused[i].value : "";
		a.actor = strcmp(f, "actor") == 0 ? refused[i].value : "system";
		a.event = strcmp(f, "event") == 0 ? refused[i].value
						  : "store_issued";
		a.outcome = strcmp(f, "outcome") == 0 ? refused[i].value
						      : "ok";
		a.source = strcmp(f, "source") == 0 ? refused[i].value : "";
		memset(&e, 0, sizeof(e));
		CU_ASSERT_EQUAL(audit_entry_check(&a, &e), -1);
		CU_ASSERT_EQUAL(e.code, ERR_INPUT);
		/* The message never repeats a refused value. */
		CU_ASSERT_PTR_NULL(strstr(e.msg, "123456"));
		CU_ASSERT_PTR_NULL(strstr(e.msg, "Zx9kT2mQ"));
	}
}

static void
time_is_rfc3339_utc_with_milliseconds(void)
{
	char text[AUDIT_TIME_SIZE];
	long long ms = 0;

	audit_format_time(0, text);
	CU_ASSERT_STRING_EQUAL(text, "1970-01-01T00:00:00.000Z");
	audit_format_time(T0_MS, text);
	CU_ASSERT_STRING_EQUAL(text, "2023-11-14T22:13:20.123Z");
	CU_ASSERT_EQUAL(audit_parse_time(text, &ms), 0);
	CU_ASSERT_EQUAL(ms, T0_MS);
	CU_ASSERT_EQUAL(audit_parse_time("2023-02-30T00:00:00.000Z", &ms), -1);
	CU_ASSERT_EQUAL(audit_parse_time("2023-11-14T22:13:20Z", &ms), -1);
	CU_ASSERT_EQUAL(audit_parse_time("2023-11-14 22:13:20.123Z", &ms), -1);
	CU_ASSERT_EQUAL(audit_parse_time("2023-11-14T22:13:20.123+01:00",
					 &ms), -1);
}

static EVP_PKEY *
audit_cert_key(void)
{
	FILE *f = fopen(cfg->audit_cert, "re");
	X509 *x = NULL;
	EVP_PKEY *pub = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	pub = X509_get_pubkey(x);
	X509_free(x);
	return pub;
}

/* Appends n entries in their own transactions. */
static void
append_n(struct storage *s, int n)
{
	struct audit_entry a = entry("access_granted", "ok");
	struct err e = { 0 };
	int i;

	for (i = 0; i < n; i++) {
		a.ts_ms = T0_MS + i;
		CU_ASSERT_EQUAL_FATAL(storage_audit_record(s, &a, &e), 0);
	}
}

static void
signs_a_checkpoint_the_audit_certificate_verifies(void)
{
	struct storage *s = new_db();
	EVP_PKEY *pub = audit_cert_key();
	struct merkle_tree t;
	struct collected c;
	unsigned char root[32];
	struct err e = { 0 };
	size_t i;

	append_n(s, 5);
	CU_ASSERT_EQUAL_FATAL(audit_checkpoint(cfg, audit_key, s, T0_MS / 1000
					       + 60, &e), 0);
	collect(s, &c);
	CU_ASSERT_EQUAL_FATAL(c.ncp, 1);
	CU_ASSERT_EQUAL(c.cp[0].tree_size, 5);
	CU_ASSERT_EQUAL(c.cp[0].ts_ms, (T0_MS / 1000 + 60) * 1000);
	CU_ASSERT_STRING_EQUAL(c.cp[0].appliance_id, cfg->appliance_id);
	merkle_init(&t);
	for (i = 0; i < c.n; i++) {
		CU_ASSERT_EQUAL(merkle_append(&t, c.again[i], &e), 0);
	}
	CU_ASSERT_EQUAL(merkle_root(&t, root, &e), 0);
	CU_ASSERT_EQUAL(memcmp(root, c.cp[0].root, 32), 0);
	CU_ASSERT_EQUAL(audit_checkpoint_verify(pub, &c.cp[0], &e), 0);
	/* Any change of what it signs breaks the signature. */
	c.cp[0].tree_size = 4;
	CU_ASSERT_EQUAL(audit_checkpoint_verify(pub, &c.cp[0], &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_CRYPTO);
	c.cp[0].tree_size = 5;
	c.cp[0].root[0] ^= 1;
	CU_ASSERT_EQUAL(audit_checkpoint_verify(pub, &c.cp[0], &e), -1);
	EVP_PKEY_free(pub);
	storage_close(s);
}

static void
skips_a_checkpoint_with_nothing_new(void)
{
	struct storage *s = new_db();
	struct storage_audit_state st;
	struct collected c;
	struct err e = { 0 };

	CU_ASSERT_EQUAL(audit_checkpoint(cfg, audit_key, s, 100, &e), 0);
	append_n(s, 3);
	CU_ASSERT_EQUAL(audit_checkpoint(cfg, audit_key, s, 100, &e), 0);
	CU_ASSERT_EQUAL(audit_checkpoint(cfg, audit_key, s, 200, &e), 0);
	append_n(s, 2);
	CU_ASSERT_EQUAL(audit_checkpoint(cfg, audit_key, s, 300, &e), 0);
	collect(s, &c);
	CU_ASSERT_EQUAL(c.ncp, 2);
	CU_ASSERT_EQUAL(c.cp[0].tree_size, 3);
	CU_ASSERT_EQUAL(c.cp[1].tree_size, 5);
	/* Never dated before the entries it signs. */
	CU_ASSERT_EQUAL(c.cp[0].ts_ms, T0_MS + 2);
	CU_ASSERT_EQUAL(storage_audit_state(s, &st, &e), 0);
	CU_ASSERT_EQUAL(st.checkpoint_size, 5);
	storage_close(s);
}

static int
raw(struct storage *s, const char *sql)
{
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0
								       : -1;
}

static void
the_schema_keeps_the_log_append_only(void)
{
	struct storage *s = new_db();

	append_n(s, 3);
	CU_ASSERT_EQUAL(raw(s, "UPDATE audit_log SET outcome = 'x' WHERE "
			    "seq = 2"), -1);
	CU_ASSERT_EQUAL(raw(s, "DELETE FROM audit_log WHERE seq = 3"), -1);
	CU_ASSERT_EQUAL(raw(s, "INSERT INTO audit_log VALUES (5, 1, 'system',"
			    " 'daemon_started', '', 'ok', '', '', "
			    "zeroblob(32))"), -1);
	CU_ASSERT_EQUAL(raw(s, "INSERT INTO audit_checkpoints VALUES (4, "
			    "zeroblob(32), 1, 'x', x'00', x'00')"), -1);
	CU_ASSERT_EQUAL(log_size(s), 3);
	storage_close(s);
}

static void
refuses_to_sign_over_an_altered_log(void)
{
	struct storage *s = new_db();
	struct storage_audit_state st;
	struct err e = { 0 };

	append_n(s, 4);
	CU_ASSERT_EQUAL_FATAL(audit_checkpoint(cfg, audit_key, s, 100, &e), 0);
	append_n(s, 2);
	/* An intruder who can write the file drops the guard. */
	CU_ASSERT_EQUAL_FATAL(raw(s, "DROP TRIGGER audit_log_no_update"), 0);
	CU_ASSERT_EQUAL(raw(s, "UPDATE audit_log SET outcome = 'refused:x' "
			    "WHERE seq = 6"), 0);
	CU_ASSERT_EQUAL(audit_checkpoint(cfg, audit_key, s, 200, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_STORAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "entry 6"));
	CU_ASSERT_EQUAL(raw(s, "UPDATE audit_log SET outcome = 'ok' "
			    "WHERE seq = 6"), 0);
	CU_ASSERT_EQUAL(audit_checkpoint(cfg, audit_key, s, 200, &e), 0);
	/* The last checkpoint's frontier or signature altered: refused. */
	append_n(s, 1);
	CU_ASSERT_EQUAL_FATAL(raw(s, "DROP TRIGGER "
				  "audit_checkpoints_no_update"), 0);
	CU_ASSERT_EQUAL(raw(s, "UPDATE audit_checkpoints SET frontier = "
			    "zeroblob(64) WHERE tree_size = 6"), 0);
	memset(&e, 0, sizeof(e));
	CU_ASSERT_EQUAL(audit_checkpoint(cfg, audit_key, s, 300, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_STORAGE);
	CU_ASSERT_EQUAL(raw(s, "UPDATE audit_checkpoints SET frontier = "
			    "(SELECT frontier FROM audit_checkpoints WHERE "
			    "tree_size = 4) WHERE tree_size = 6"), 0);
	CU_ASSERT_EQUAL(audit_checkpoint(cfg, audit_key, s, 300, &e), -1);
	CU_ASSERT_EQUAL(raw(s, "UPDATE audit_checkpoints SET signature = "
			    "(SELECT signature FROM audit_checkpoints WHERE "
			    "tree_size = 4), frontier = (SELECT frontier FROM "
			    "audit_checkpoints WHERE tree_size = 4), root = "
			    "(SELECT root FROM audit_checkpoints WHERE "
			    "tree_size = 4) WHERE tree_size = 6"), 0);
	memset(&e, 0, sizeof(e));
	CU_ASSERT_EQUAL(audit_checkpoint(cfg, audit_key, s, 300, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "signature does not verify"));
	CU_ASSERT_EQUAL(storage_audit_state(s, &st, &e), 0);
	CU_ASSERT_EQUAL(st.checkpoint_size, 6);
	storage_close(s);
}

static void
signs_the_true_history_over_older_rows_altered(void)
{
	struct storage *s = new_db();
	struct merkle_tree t;
	struct collected c;
	unsigned char root[32];
	struct err e = { 0 };
	size_t i;

	append_n(s, 4);
	CU_ASSERT_EQUAL_FATAL(audit_checkpoint(cfg, audit_key, s, 100, &e), 0);
	collect(s, &c);
	/* Row 1 rewritten with a leaf that matches its new fields. */
	CU_ASSERT_EQUAL_FATAL(raw(s, "DROP TRIGGER audit_log_no_update"), 0);
	CU_ASSERT_EQUAL(raw(s, "UPDATE audit_log SET leaf = (SELECT leaf "
			    "FROM audit_log WHERE seq = 2), ts_ms = ts_ms + 1 "
			    "WHERE seq = 1"), 0);
	append_n(s, 2);
	CU_ASSERT_EQUAL_FATAL(audit_checkpoint(cfg, audit_key, s, 200, &e), 0);
	/* The new root builds on the signed leaves, not on the rewritten
	 * row: the export of this database fails verification. */
	merkle_init(&t);
	for (i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(merkle_append(&t, c.leaf[i], &e), 0);
	}
	collect(s, &c);
	CU_ASSERT_EQUAL_FATAL(c.ncp, 2);
	for (i = 4; i < 6; i++) {
		CU_ASSERT_EQUAL(merkle_append(&t, c.leaf[i], &e), 0);
	}
	CU_ASSERT_EQUAL(merkle_root(&t, root, &e), 0);
	CU_ASSERT_EQUAL(memcmp(root, c.cp[1].root, 32), 0);
	storage_close(s);
}

static void
a_checkpoint_is_due_after_the_count_or_the_interval(void)
{
	struct storage *s = new_db();
	unsigned entries = cfg->checkpoint_entries;
	unsigned interval = cfg->checkpoint_interval_seconds;
	time_t t0 = (time_t)(T0_MS / 1000);
	struct err e = { 0 };
	int due = -1;

	cfg->checkpoint_entries = 3;
	cfg->checkpoint_interval_seconds = 60;
	CU_ASSERT_EQUAL(audit_checkpoint_due(cfg, s, t0, &due, &e), 0);
	CU_ASSERT_EQUAL(due, 0);	/* empty log */
	append_n(s, 2);
	CU_ASSERT_EQUAL(audit_checkpoint_due(cfg, s, t0 + 59, &due, &e), 0);
	CU_ASSERT_EQUAL(due, 0);
	CU_ASSERT_EQUAL(audit_checkpoint_due(cfg, s, t0 + 61, &due, &e), 0);
	CU_ASSERT_EQUAL(due, 1);	/* the oldest waited the interval */
	append_n(s, 1);
	CU_ASSERT_EQUAL(audit_checkpoint_due(cfg, s, t0 + 1, &due, &e), 0);
	CU_ASSERT_EQUAL(due, 1);	/* three wait */
	CU_ASSERT_EQUAL(audit_checkpoint(cfg, audit_key, s, t0 + 1, &e), 0);
	CU_ASSERT_EQUAL(audit_checkpoint_due(cfg, s, t0 + 3600, &due, &e), 0);
	CU_ASSERT_EQUAL(due, 0);	/* nothing new */
	cfg->checkpoint_entries = entries;
	cfg->checkpoint_interval_seconds = interval;
	storage_close(s);
}

static void
configuration_sets_the_checkpoint_points(void)
{
	struct config *example = NULL;
	struct err e = { 0 };

	/* The provisioned configuration leaves them out: the defaults. */
	CU_ASSERT_EQUAL(cfg->checkpoint_interval_seconds, 300);
	CU_ASSERT_EQUAL(cfg->checkpoint_entries, 1000);
	CU_ASSERT_EQUAL_FATAL(test_config_parse_example(test_config_example_set,
							&example, &e), 0);
	CU_ASSERT_EQUAL(example->checkpoint_interval_seconds, 300);
	CU_ASSERT_EQUAL(example->checkpoint_entries, 1000);
	config_free(example);
}

/* Verifies the export text with the provisioned audit certificate and
 * returns the report (malloc'd); *verified gets the verdict. */
static char *
verify_text(const char *text, int *verified)
{
	FILE *in = fmemopen((void *)text, strlen(text), "r"), *out = NULL;
	FILE *pem = fopen(cfg->audit_cert, "re");
	X509 *cert = pem != NULL ? PEM_read_X509(pem, NULL, NULL, NULL) : NULL;
	char *report = NULL;
	size_t len = 0;
	struct err e = { 0 };

	out = open_memstream(&report, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cert);
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_EQUAL(audit_verify_stream(in, "x.export", NULL, NULL, cert,
					    out, verified, &e), 0);
	fclose(out);
	fclose(in);
	fclose(pem);
	X509_free(cert);
	return report;
}

/* 1 when report holds only printable ASCII lines and no line that
 * says "verified". */
static int
report_is_clean(const char *report)
{
	const char *p;

	for (p = report; *p != '\0'; p++) {
		if ((*p < 0x20 && *p != '\n') || (unsigned char)*p >= 0x7f) {
			return 0;
		}
		if ((p == report || p[-1] == '\n') &&
		    strncmp(p, "mycert-audit: verified", 22) == 0) {
			return 0;
		}
	}
	return 1;
}

/* Found by fuzz/fuzz_audit_export.c (fuzz/regressions/audit_export/):
 * raw bytes of an export reached the report, so that a forged export
 * could print a "verified" line or drive the auditor's terminal. */
static void
export_bytes_cannot_forge_the_report(void)
{
	static const char *const exports[] = {
		/* A control sequence in the header's version. */
		"mycert-audit-export\t\x1b]0;owned\x07\tid\t0\t0\t"
		"2026-01-15T10:20:30.123Z\n",
		/* In an entry's seq and time. */
		"mycert-audit-export\t1\thttps://a\t1\t1\t"
		"2026-01-15T10:20:30.123Z\n"
		"entry\t1\x1b[2J\t20\xb2" "6-01-15T10:20:30.123Z\x1b[31m\t"
		"system\tdaemon_started\t\tok\t\t\t-\n",
		/* A newline, encoded, in a checkpoint's appliance id. */
		"mycert-audit-export\t1\thttps://a\t1\t1\t"
		"2026-01-15T10:20:30.123Z\n"
		"entry\t1\t2026-01-15T10:20:30.123Z\tsystem\t"
		"daemon_started\t\tok\t\t\t-\n"
		"checkpoint\t1\t"
		"00000000000000000000000000000000"
		"00000000000000000000000000000000\t2026-01-15T10:20:30.123Z"
		"\tx%0Amycert-audit: verified x.export: 1 entries\tAAAA\n",
	};
	size_t i;

	for (i = 0; i < sizeof(exports) / sizeof(exports[0]); i++) {
		int verified = -1;
		char *report = verify_text(exports[i], &verified);

		CU_ASSERT_EQUAL(verified, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(report);
		CU_ASSERT(report_is_clean(report));
		CU_ASSERT_PTR_NOT_NULL(strstr(report, "NOT VERIFIED"));
		free(report);
	}
}

int
test_audit_register(void)
{
	CU_pSuite s = CU_add_suite("audit", setup, teardown);

	if (s == NULL ||
	    !CU_add_test(s, "a rollback drops the entry with the change it "
			 "records", rollback_drops_the_entry_and_the_change) ||
	    !CU_add_test(s, "refuses to append outside a transaction",
			 refuses_to_append_outside_a_transaction) ||
	    !CU_add_test(s, "numbers entries 1, 2, 3 without gaps and stores "
			 "their leaf", numbers_entries_without_gaps) ||
	    !CU_add_test(s, "canonical bytes are the documented line",
			 canonical_bytes_are_the_documented_line) ||
	    !CU_add_test(s, "encodes TAB, %, backslash, controls and UTF-8; "
			 "decodes one form only",
			 encodes_specials_and_decodes_one_form_only) ||
	    !CU_add_test(s, "refuses fields that could hold a secret",
			 refuses_fields_that_could_hold_a_secret) ||
	    !CU_add_test(s, "time is RFC 3339 UTC with milliseconds",
			 time_is_rfc3339_utc_with_milliseconds) ||
	    !CU_add_test(s, "signs a checkpoint in the token that the audit "
			 "certificate verifies",
			 signs_a_checkpoint_the_audit_certificate_verifies) ||
	    !CU_add_test(s, "skips a checkpoint when nothing was appended",
			 skips_a_checkpoint_with_nothing_new) ||
	    !CU_add_test(s, "the schema keeps the log append-only",
			 the_schema_keeps_the_log_append_only) ||
	    !CU_add_test(s, "refuses to sign over a log altered in the "
			 "database", refuses_to_sign_over_an_altered_log) ||
	    !CU_add_test(s, "signs the true history when older rows were "
			 "altered",
			 signs_the_true_history_over_older_rows_altered) ||
	    !CU_add_test(s, "the configuration sets when checkpoints are "
			 "made", configuration_sets_the_checkpoint_points) ||
	    !CU_add_test(s, "a checkpoint is due after the entry count or "
			 "the interval",
			 a_checkpoint_is_due_after_the_count_or_the_interval) ||
	    !CU_add_test(s, "no byte of an export can forge a line of the "
			 "verify report", export_bytes_cannot_forge_the_report)) {
		return -1;
	}
	return 0;
}
