/*
 * test_config.c: the CUnit suite of config.c.
 *
 * Parses the shipped example and small texts built from a minimal valid
 * configuration, and checks that every malformed line is refused with
 * ERR_CONFIG and a message naming its key and line number.  Runs in the
 * unit-test binary from the repository root; needs no token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "config.h"
#include "suites.h"

#define EXAMPLE_PATH "hsm-config/mycertd.conf.example"
/* A file that does not exist, so its path is taken as written. */
#define TEST_DIR "/nonexistent-mycert-test"
#define TEST_PATH TEST_DIR "/mycertd.conf"
#define LINE_LIMIT 1024		/* CONFIG_MAX_LINE in config.c */

/* A minimal valid configuration: every required key, nothing else. */
static const char *const base_lines[] = {
	"pkcs11_module = /usr/lib/softhsm/libsofthsm2.so",
	"token = mycert-test",
	"pin_file = user.pin",
	"ca_key = pkcs11:object=mycert-ca;id=%01",
	"ca_cert = ca.pem",
	"subject_country = FR",
	"subject_organization = mycert tests",
	"policy_oid = 1.3.6.1.4.1.99999.1.1",
	"crl_url = http://127.0.0.1:8080/crl/ca.crl",
	"ocsp_url = http://127.0.0.1:8080/ocsp",
	"ca_issuers_url = http://127.0.0.1:8080/ca/ca.crt",
	"database = db/mycert.db",
};

#define BASE_COUNT ((int)(sizeof(base_lines) / sizeof(base_lines[0])))
#define EXTRA_LINE "line 13:"	/* the first line after base_lines */

/* Records an assertion whose failure message names the input. */
static void
check(int ok, int line, const char *what, const char *input)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%.200s (input \"%.200s\")", what, input);
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned)line, msg,
				__FILE__, "", CU_FALSE);
}

/* Returns the base lines, without line skip (-1 for none), followed by
 * extra (may be NULL), as one malloc'd text. */
static char *
build_text(int skip, const char *extra)
{
	size_t len = extra != NULL ? strlen(extra) + 1 : 1;
	char *text, *p;
	int i;

	for (i = 0; i < BASE_COUNT; i++) {
		len += strlen(base_lines[i]) + 1;
	}
	text = malloc(len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	p = text;
	for (i = 0; i < BASE_COUNT; i++) {
		if (i != skip) {
			p += sprintf(p, "%s\n", base_lines[i]);
		}
	}
	sprintf(p, "%s", extra != NULL ? extra : "");
	return text;
}

/* Parses the base lines followed by extra as the file TEST_PATH. */
static int
parse_with(int skip, const char *extra, struct config **cfg, struct err *e)
{
	char *text = build_text(skip, extra);
	int rc;

	memset(e, 0, sizeof(*e));
	rc = config_parse(TEST_PATH, text, cfg, e);
	free(text);
	return rc;
}

/* Checks that the base lines followed by extra are refused with
 * ERR_CONFIG and a message holding both needles (when not NULL). */
static void
expect_refusal(const char *extra, const char *needle1, const char *needle2)
{
	struct config *cfg = NULL;
	struct err e;
	int rc;

	rc = parse_with(-1, extra, &cfg, &e);
	check(rc == -1, __LINE__, "config_parse refuses", extra);
	check(cfg == NULL, __LINE__, "no configuration on error", extra);
	check(e.code == ERR_CONFIG, __LINE__, "code is ERR_CONFIG", extra);
	if (needle1 != NULL) {
		check(strstr(e.msg, needle1) != NULL, __LINE__, needle1,
		      e.msg);
	}
	if (needle2 != NULL) {
		check(strstr(e.msg, needle2) != NULL, __LINE__, needle2,
		      e.msg);
	}
	config_free(cfg);
}

/* Checks that got is name in the folder dir. */
static void
expect_in_dir(const char *got, const char *dir, const char *name, int line)
{
	char want[512];

	snprintf(want, sizeof(want), "%s/%s", dir, name);
	check(got != NULL && strcmp(got, want) == 0, line, want,
	      got != NULL ? got : "(null)");
}

/* What an officer sets in the example: the keys it leaves commented out
 * with "SET" (values of no real organisation). */
const char test_config_example_set[] =
	"token = mycert-test\n"
	"subject_country = FR\n"
	"subject_organization = mycert tests\n"
	"policy_oid = 1.3.6.1.4.1.99999.1.1\n"
	"crl_url = http://127.0.0.1:8080/crl/mycert-ca.crl\n"
	"ocsp_url = http://127.0.0.1:8080/ocsp\n"
	"ca_issuers_url = http://127.0.0.1:8080/ca/mycert-ca.crt\n"
	"appliance_id = https://127.0.0.1:8443\n"
	"portal_issuer = https://portal.dev.invalid\n"
	"mail_smtp_url = smtp://127.0.0.1:2525\n"
	"mail_from = mycert <no-reply@example.org>\n";

/* Parses the shipped example, with set (may be NULL) appended, as the
 * file it is. */
int
test_config_parse_example(const char *set, struct config **cfg,
			  struct err *e)
{
	char *path = realpath(EXAMPLE_PATH, NULL);
	FILE *f = fopen(EXAMPLE_PATH, "r");
	char *text = NULL;
	size_t cap = 65536, got = 0;
	int rc = -1;

	*cfg = NULL;
	text = malloc(cap);
	if (path != NULL && f != NULL && text != NULL) {
		got = fread(text, 1, cap - 1, f);
		text[got] = '\0';
		if (set != NULL && got + strlen(set) < cap) {
			strcat(text, set);
		}
		memset(e, 0, sizeof(*e));
		rc = config_parse(path, text, cfg, e);
	}
	if (f != NULL) {
		fclose(f);
	}
	free(text);
	free(path);
	return rc;
}

/* The example alone does not start anything: the values that end up in
 * certificates (token, O, CRL and OCSP URLs...) are the officer's. */
static void
test_example_needs_the_officers_values(void)
{
	struct config *cfg = NULL;
	struct err e = { 0 };

	CU_ASSERT_EQUAL(test_config_parse_example(NULL, &cfg, &e), -1);
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_EQUAL(e.code, ERR_CONFIG);
	check(strstr(e.msg, "token is missing") != NULL, __LINE__,
	      "the example alone is refused: token is missing", e.msg);
	config_free(cfg);
}

static void
test_example(void)
{
	struct config *cfg = NULL;
	struct err e = { 0 };
	char *dir = realpath("hsm-config", NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	CU_ASSERT_EQUAL_FATAL(test_config_parse_example(test_config_example_set,
							&cfg, &e), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	/* The folder is made absolute, so that paths hold from anywhere. */
	CU_ASSERT_STRING_EQUAL(cfg->dir, dir);
	expect_in_dir(cfg->path, dir, "mycertd.conf.example", __LINE__);
	CU_ASSERT_STRING_EQUAL(cfg->pkcs11_module,
			       "/usr/lib/softhsm/libsofthsm2.so");
	/* Everything mycert writes or keeps secret is in its state folder,
	 * the only place the systemd unit lets it write. */
	CU_ASSERT_STRING_EQUAL(cfg->softhsm2_conf,
			       "/var/lib/mycert/softhsm2.conf");
	CU_ASSERT_STRING_EQUAL(cfg->pin_file, "/var/lib/mycert/user.pin");
	CU_ASSERT_STRING_EQUAL(cfg->ca_cert, "/var/lib/mycert/ca.pem");
	CU_ASSERT_STRING_EQUAL(cfg->audit_cert, "/var/lib/mycert/audit.pem");
	CU_ASSERT_STRING_EQUAL(cfg->tls_cert, "/var/lib/mycert/tls.pem");
	CU_ASSERT_STRING_EQUAL(cfg->tls_key, "/var/lib/mycert/tls-key.pem");
	CU_ASSERT_STRING_EQUAL(cfg->database, "/var/lib/mycert/mycert.db");
	CU_ASSERT_STRING_EQUAL(cfg->crl_dir, "/var/lib/mycert/crl");
	CU_ASSERT_STRING_EQUAL(cfg->portal_public_key,
			       "/etc/mycert/portal-pub.pem");
	/* The officer's values are the ones appended. */
	CU_ASSERT_STRING_EQUAL(cfg->token, "mycert-test");
	CU_ASSERT_STRING_EQUAL(cfg->subject_organization, "mycert tests");
	CU_ASSERT_STRING_EQUAL(cfg->mail_smtp_url, "smtp://127.0.0.1:2525");
	CU_ASSERT_PTR_NULL(cfg->mail_outbox);
	CU_ASSERT_STRING_EQUAL(cfg->ca_key, "mycert-ca");
	CU_ASSERT_STRING_EQUAL(cfg->audit_key, "mycert-audit");
	CU_ASSERT_PTR_NULL(cfg->chain_file);
	CU_ASSERT_EQUAL(cfg->store_key_type, CONFIG_KEY_RSA3072);
	CU_ASSERT_EQUAL(cfg->validity_days, 1095);
	CU_ASSERT_EQUAL(cfg->p12_profile, CONFIG_P12_MODERN);
	CU_ASSERT_EQUAL(cfg->p12_iterations, 10000);
	CU_ASSERT_STRING_EQUAL(cfg->user, "mycert");
	CU_ASSERT_STRING_EQUAL(cfg->listen, "127.0.0.1:8443");
	CU_ASSERT_STRING_EQUAL(cfg->status_listen, "127.0.0.1:8080");
	CU_ASSERT_EQUAL(cfg->dev_portal, 0);
	CU_ASSERT_PTR_NULL(cfg->dev_portal_key);
	CU_ASSERT_STRING_EQUAL(cfg->strong_amr, "smartcard");
	/* The commented-out defaults are the defaults. */
	CU_ASSERT_STRING_EQUAL(cfg->terms_version, "2026-01");
	CU_ASSERT_EQUAL(cfg->session_idle_seconds, 900);
	CU_ASSERT_EQUAL(cfg->web_threads, 4);
	CU_ASSERT_EQUAL(cfg->max_body_bytes, 16384);
	config_free(cfg);
	free(dir);
}

static void
test_defaults(void)
{
	struct config *cfg = NULL;
	struct err e;

	CU_ASSERT_EQUAL_FATAL(parse_with(-1, NULL, &cfg, &e), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL(cfg->store_key_type, CONFIG_KEY_RSA3072);
	CU_ASSERT_EQUAL(cfg->validity_days, 1095);
	CU_ASSERT_EQUAL(cfg->p12_profile, CONFIG_P12_MODERN);
	CU_ASSERT_EQUAL(cfg->p12_iterations, 10000);
	CU_ASSERT_EQUAL(cfg->dev_portal, 0);
	CU_ASSERT_PTR_NULL(cfg->softhsm2_conf);
	CU_ASSERT_PTR_NULL(cfg->audit_key);
	CU_ASSERT_PTR_NULL(cfg->chain_file);
	CU_ASSERT_PTR_NULL(cfg->audit_cert);
	/* No account by default: mycertd refuses to start as root then. */
	CU_ASSERT_PTR_NULL(cfg->user);
	CU_ASSERT_STRING_EQUAL(cfg->listen, "127.0.0.1:8443");
	CU_ASSERT_STRING_EQUAL(cfg->terms_version, "2026-01");
	CU_ASSERT_EQUAL(cfg->code_ttl_seconds, 300);
	CU_ASSERT_EQUAL(cfg->generation_timeout_seconds, 120);
	CU_ASSERT_PTR_NULL(cfg->mail_smtp_url);
	CU_ASSERT_PTR_NULL(cfg->dev_portal_key);
	CU_ASSERT_PTR_NULL(cfg->mail_outbox);
	CU_ASSERT_STRING_EQUAL(cfg->ca_key, "pkcs11:object=mycert-ca;id=%01");
	CU_ASSERT_STRING_EQUAL(config_key_type_name(cfg->store_key_type),
			       "rsa3072");
	config_free(cfg);
}

static void
test_choices(void)
{
	struct config *cfg = NULL;
	struct err e;

	CU_ASSERT_EQUAL_FATAL(parse_with(-1,
					 "store_key_type = p256\n"
					 "p12_profile = compatible\n"
					 "dev_portal = on\n"
					 "validity_days = 30\n"
					 "p12_iterations = 2000000\n",
					 &cfg, &e), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL(cfg->store_key_type, CONFIG_KEY_P256);
	CU_ASSERT_STRING_EQUAL(config_key_type_name(cfg->store_key_type),
			       "p256");
	CU_ASSERT_EQUAL(cfg->p12_profile, CONFIG_P12_COMPATIBLE);
	CU_ASSERT_EQUAL(cfg->dev_portal, 1);
	CU_ASSERT_EQUAL(cfg->validity_days, 30);
	CU_ASSERT_EQUAL(cfg->p12_iterations, 2000000);
	config_free(cfg);
}

static void
test_number_bounds(void)
{
	struct config *cfg = NULL;
	struct err e;

	CU_ASSERT_EQUAL_FATAL(parse_with(-1, "validity_days = 1\n"
					 "p12_iterations = 1000\n", &cfg, &e),
			      0);
	CU_ASSERT_EQUAL(cfg->validity_days, 1);
	CU_ASSERT_EQUAL(cfg->p12_iterations, 1000);
	config_free(cfg);
	CU_ASSERT_EQUAL_FATAL(parse_with(-1, "validity_days = 3660\n"
					 "p12_iterations = 10000000\n", &cfg,
					 &e), 0);
	CU_ASSERT_EQUAL(cfg->validity_days, 3660);
	CU_ASSERT_EQUAL(cfg->p12_iterations, 10000000);
	config_free(cfg);
}

static void
test_relative_paths(void)
{
	struct config *cfg = NULL;
	struct err e;
	char *text = build_text(-1, "mail_outbox = /var/spool/mycert\n");

	CU_ASSERT_EQUAL_FATAL(config_parse(TEST_PATH, text, &cfg, &e), 0);
	CU_ASSERT_STRING_EQUAL(cfg->dir, TEST_DIR);
	CU_ASSERT_STRING_EQUAL(cfg->pin_file, TEST_DIR "/user.pin");
	CU_ASSERT_STRING_EQUAL(cfg->ca_cert, TEST_DIR "/ca.pem");
	CU_ASSERT_STRING_EQUAL(cfg->database, TEST_DIR "/db/mycert.db");
	CU_ASSERT_STRING_EQUAL(cfg->pkcs11_module,
			       "/usr/lib/softhsm/libsofthsm2.so");
	CU_ASSERT_STRING_EQUAL(cfg->mail_outbox, "/var/spool/mycert");
	/* A label is not a path: it stays as written. */
	CU_ASSERT_STRING_EQUAL(cfg->token, "mycert-test");
	config_free(cfg);

	/* A file named without a folder (and not found) is in the
	 * current one. */
	CU_ASSERT_EQUAL_FATAL(config_parse("no-such-mycertd.conf", text, &cfg,
					   &e), 0);
	CU_ASSERT_STRING_EQUAL(cfg->pin_file, "./user.pin");
	config_free(cfg);
	free(text);
}

static void
test_comments(void)
{
	struct config *cfg = NULL;
	struct err e;
	char *text = build_text(-1, NULL);
	char *full = NULL;

	/* Comments, blank and blank-looking lines around and between the
	 * keys, and a CRLF line end. */
	CU_ASSERT_FATAL(asprintf(&full, "# mycertd.conf\n\n   \n\t# indented\n"
				 "%s\n# validity_days = oops\n"
				 "p12_profile = compatible\r\n   # end\n",
				 text) > 0);
	CU_ASSERT_EQUAL_FATAL(config_parse(TEST_PATH, full, &cfg, &e), 0);
	CU_ASSERT_EQUAL(cfg->validity_days, 1095);
	CU_ASSERT_EQUAL(cfg->p12_profile, CONFIG_P12_COMPATIBLE);
	CU_ASSERT_STRING_EQUAL(cfg->token, "mycert-test");
	config_free(cfg);
	free(full);
	full = NULL;

	/* Comment and blank lines still count in the line numbers. */
	CU_ASSERT_FATAL(asprintf(&full, "# one\n\n# three\n%sbogus = 1\n",
				 text) > 0);
	CU_ASSERT_EQUAL(config_parse(TEST_PATH, full, &cfg, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "line 16:"));
	free(full);
	free(text);
}

static void
test_unknown_key(void)
{
	expect_refusal("validity = 30\n", EXTRA_LINE, "\"validity\"");
	expect_refusal("Token = x\n", EXTRA_LINE, "\"Token\"");
	expect_refusal("pin = 1234\n", EXTRA_LINE, "\"pin\"");
}

static void
test_key_twice(void)
{
	expect_refusal("token = another\n", EXTRA_LINE, "token is set twice");
	expect_refusal("validity_days = 30\nvalidity_days = 30\n", "line 14:",
		       "validity_days is set twice");
}

static void
test_missing_key(void)
{
	int i;

	for (i = 0; i < BASE_COUNT; i++) {
		struct config *cfg = NULL;
		struct err e;
		char key[64];

		snprintf(key, sizeof(key), "%.*s is missing",
			 (int)strcspn(base_lines[i], " "), base_lines[i]);
		check(parse_with(i, NULL, &cfg, &e) == -1, __LINE__,
		      "refused without", key);
		check(cfg == NULL, __LINE__, "no configuration", key);
		check(e.code == ERR_CONFIG, __LINE__, "ERR_CONFIG", key);
		check(strstr(e.msg, key) != NULL, __LINE__, key, e.msg);
	}
}

static void
test_number_range(void)
{
	expect_refusal("validity_days = 0\n", EXTRA_LINE, "validity_days");
	expect_refusal("validity_days = 3661\n", EXTRA_LINE, "validity_days");
	expect_refusal("p12_iterations = 999\n", EXTRA_LINE, "p12_iterations");
	expect_refusal("p12_iterations = 10000001\n", EXTRA_LINE,
		       "p12_iterations");
	expect_refusal("validity_days = 99999999999999999999999\n", EXTRA_LINE,
		       "validity_days");
	expect_refusal("validity_days = 4294967297\n", EXTRA_LINE,
		       "validity_days");
}

static void
test_number_non_digit(void)
{
	expect_refusal("validity_days = -5\n", EXTRA_LINE, "validity_days");
	expect_refusal("validity_days = +5\n", EXTRA_LINE, "validity_days");
	expect_refusal("validity_days = thirty\n", EXTRA_LINE,
		       "validity_days");
	expect_refusal("validity_days = 0x10\n", EXTRA_LINE, "validity_days");
	expect_refusal("p12_iterations = ١٠٠٠\n",
		       EXTRA_LINE, "p12_iterations");
}

static void
test_number_trailing(void)
{
	expect_refusal("validity_days = 30days\n", EXTRA_LINE,
		       "validity_days");
	expect_refusal("validity_days = 30 0\n", EXTRA_LINE, "validity_days");
	expect_refusal("p12_iterations = 1e6\n", EXTRA_LINE, "p12_iterations");
	expect_refusal("p12_iterations = 10000.0\n", EXTRA_LINE,
		       "p12_iterations");
}

static void
test_bad_choice(void)
{
	expect_refusal("store_key_type = rsa2048\n", EXTRA_LINE,
		       "store_key_type");
	expect_refusal("store_key_type = RSA3072\n", EXTRA_LINE,
		       "store_key_type");
	expect_refusal("p12_profile = legacy\n", EXTRA_LINE, "p12_profile");
	expect_refusal("p12_profile = Modern\n", EXTRA_LINE, "p12_profile");
	expect_refusal("dev_portal = yes\n", EXTRA_LINE, "dev_portal");
	expect_refusal("dev_portal = 1\n", EXTRA_LINE, "dev_portal");
	expect_refusal("dev_portal = onn\n", EXTRA_LINE, "dev_portal");
}

static void
test_no_equals(void)
{
	expect_refusal("token mycert-test\n", EXTRA_LINE, "key = value");
	expect_refusal("validity_days\n", EXTRA_LINE, "key = value");
}

static void
test_empty_value(void)
{
	expect_refusal("audit_key =\n", EXTRA_LINE, "audit_key");
	expect_refusal("audit_key =   \n", EXTRA_LINE, "audit_key");
	expect_refusal("audit_key = a\x01z\n", EXTRA_LINE, "audit_key");
	expect_refusal("= value\n", EXTRA_LINE, NULL);
}

static void
test_long_line(void)
{
	struct config *cfg = NULL;
	struct err e;
	char line[LINE_LIMIT + 3];

	/* A comment of exactly the limit is read (and ignored). */
	memset(line, 'x', sizeof(line));
	line[0] = '#';
	line[LINE_LIMIT] = '\n';
	line[LINE_LIMIT + 1] = '\0';
	CU_ASSERT_EQUAL(parse_with(-1, line, &cfg, &e), 0);
	config_free(cfg);

	/* One byte more is refused, whatever the line holds. */
	line[LINE_LIMIT] = 'x';
	line[LINE_LIMIT + 1] = '\n';
	line[LINE_LIMIT + 2] = '\0';
	expect_refusal(line, EXTRA_LINE, "longer than");
}

static void
test_country(void)
{
	const char *const bad[] = {
		"fr", "Fr", "FRA", "F", "F1", "\xc3\x89U",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct config *cfg = NULL;
		struct err e;
		char *line = NULL;
		int idx;

		/* Replace the base subject_country line with a bad one. */
		for (idx = 0; idx < BASE_COUNT; idx++) {
			if (strncmp(base_lines[idx], "subject_country", 15)
			    == 0) {
				break;
			}
		}
		CU_ASSERT_FATAL(asprintf(&line, "subject_country = %s\n",
					 bad[i]) > 0);
		check(parse_with(idx, line, &cfg, &e) == -1, __LINE__,
		      "refused", bad[i]);
		check(cfg == NULL, __LINE__, "no configuration", bad[i]);
		check(e.code == ERR_CONFIG, __LINE__, "ERR_CONFIG", bad[i]);
		check(strstr(e.msg, "subject_country") != NULL, __LINE__,
		      "message names subject_country", e.msg);
		free(line);
	}
}

static void
test_missing_file(void)
{
	static struct config sentinel;
	struct config *cfg = &sentinel;
	struct err e = { 0 };

	CU_ASSERT_EQUAL(config_load("hsm-config/no-such-file.conf", &cfg, &e),
			-1);
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_EQUAL(e.code, ERR_CONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "hsm-config/no-such-file.conf"));
}

/* Parses reminder_days = value (and extra lines) and checks the points. */
static void
expect_reminders(const char *lines, const unsigned *want, unsigned n)
{
	struct config *cfg = NULL;
	struct err e;
	unsigned i;

	check(parse_with(-1, lines, &cfg, &e) == 0, __LINE__, "parsed",
	      lines);
	if (cfg == NULL) {
		return;
	}
	check(cfg->reminder_count == n, __LINE__, "as many points", lines);
	for (i = 0; i < n && i < cfg->reminder_count; i++) {
		check(cfg->reminder_points[i] == want[i], __LINE__,
		      "points ascending", lines);
	}
	config_free(cfg);
}

static void
test_reminder_days(void)
{
	static const unsigned both[] = { 7, 30 }, three[] = { 1, 7, 30 },
			      seven[] = { 7 }, five[] = { 5 };

	expect_reminders(NULL, both, 2);
	expect_reminders("reminder_days = 30,7\n", both, 2);
	expect_reminders("reminder_days = 7, 30\n", both, 2);
	expect_reminders("reminder_days = 1,30,7\n", three, 3);
	expect_reminders("reminder_days = none\n", NULL, 0);
	/* Without reminder_days, the defaults inside the window. */
	expect_reminders("renewal_window_days = 10\n", seven, 1);
	expect_reminders("renewal_window_days = 5\n", five, 1);
}

static void
test_reminder_days_refused(void)
{
	static const char *const bad[] = {
		"reminder_days = 0\n", "reminder_days = 30,,7\n",
		"reminder_days = 30;7\n", "reminder_days = 30,7,\n",
		"reminder_days = ,30\n", "reminder_days = seven\n",
		"reminder_days = 7,7\n", "reminder_days = -7\n",
		"reminder_days = 3661\n", "reminder_days = 99999999999999\n",
		"reminder_days = 1,2,3,4,5,6,7,8,9\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		expect_refusal(bad[i], EXTRA_LINE, "reminder_days");
	}
	/* A reminder before the window would invite to a renewal not
	 * possible yet. */
	expect_refusal("renewal_window_days = 20\nreminder_days = 30,7\n",
		       "reminder_days", "renewal_window_days");
}

/* config_parse_buffer is what config_load does after reading: the same
 * text parses the same, a NUL byte or more than 64 KiB is refused. */
static void
test_parse_buffer(void)
{
	char *text = build_text(-1, NULL), *big = NULL;
	size_t len = strlen(text), big_len = 64 * 1024 + 1;
	struct config *cfg = NULL;
	struct err e = { 0 };

	CU_ASSERT_EQUAL(config_parse_buffer(TEST_PATH, text, len, &cfg, &e),
			0);
	CU_ASSERT_PTR_NOT_NULL(cfg);
	config_free(cfg);

	/* No terminator is read: the length alone bounds the text. */
	CU_ASSERT_EQUAL(config_parse_buffer(TEST_PATH, text, len - 1, &cfg,
					    &e), 0);
	config_free(cfg);

	text[len / 2] = '\0';
	CU_ASSERT_EQUAL(config_parse_buffer(TEST_PATH, text, len, &cfg, &e),
			-1);
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_EQUAL(e.code, ERR_CONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "NUL byte"));

	big = malloc(big_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	memset(big, '#', big_len);
	CU_ASSERT_EQUAL(config_parse_buffer(TEST_PATH, big, big_len, &cfg,
					    &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "larger than"));
	free(big);
	free(text);
}

int
test_config_register(void)
{
	static const struct {
		const char *name;
		CU_TestFunc fn;
	} tests[] = {
		{ "parses the example with typed values", test_example },
		{ "refuses the example until the officer's values are set",
		  test_example_needs_the_officers_values },
		{ "fills in the defaults of optional keys", test_defaults },
		{ "reads the choices and numbers it is given", test_choices },
		{ "accepts numbers at both ends of their range",
		  test_number_bounds },
		{ "resolves relative paths from the file's folder",
		  test_relative_paths },
		{ "ignores comments and blank lines", test_comments },
		{ "refuses an unknown key naming it and its line",
		  test_unknown_key },
		{ "refuses a key set twice naming its line", test_key_twice },
		{ "refuses a missing required key naming it",
		  test_missing_key },
		{ "refuses a number out of range", test_number_range },
		{ "refuses a number with a non-digit", test_number_non_digit },
		{ "refuses a number with trailing junk",
		  test_number_trailing },
		{ "refuses a value outside its choices", test_bad_choice },
		{ "refuses a line without '='", test_no_equals },
		{ "refuses a key without a usable value", test_empty_value },
		{ "refuses a line over 1024 bytes", test_long_line },
		{ "refuses a subject_country not two capitals", test_country },
		{ "reports a missing file as ERR_CONFIG", test_missing_file },
		{ "reads reminder_days as ascending days, or none",
		  test_reminder_days },
		{ "refuses a malformed reminder_days naming its line",
		  test_reminder_days_refused },
		{ "parses a buffer as a file, refusing NUL and over 64 KiB",
		  test_parse_buffer },
	};
	CU_pSuite suite = CU_add_suite("config", NULL, NULL);
	size_t i;

	if (suite == NULL) {
		return -1;
	}
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (CU_add_test(suite, tests[i].name, tests[i].fn) == NULL) {
			return -1;
		}
	}
	return 0;
}
