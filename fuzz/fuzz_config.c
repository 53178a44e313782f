/*
 * fuzz_config.c: the configuration file (appliance/config.c), through
 * config_parse_buffer, the step config_load takes once it has read the
 * file, so that no input goes through a temporary file.
 *
 * Invariants: an accepted configuration has every required key, a
 * two-letter capital country, numbers inside their bounds, reminder
 * days distinct, ascending and inside the renewal window, absolute
 * paths, and values without control characters; a refusal is
 * ERR_CONFIG and names the file; and the same text parses the same
 * way twice (no hidden state).
 */
#include "fuzz.h"

#include "config.h"

/* Not a file that exists: the path only names the input in messages
 * and anchors relative paths. */
#define FUZZ_PATH "/nonexistent/fuzz/mycertd.conf"

static int
clean(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			return 0;
		}
	}
	return 1;
}

static void
check_path(const char *p, int required)
{
	if (p == NULL) {
		FUZZ_CHECK(!required, "a required path is set");
		return;
	}
	FUZZ_CHECK(p[0] == '/' && clean(p), "paths are absolute and clean");
}

static void
check_text(const char *t, int required)
{
	if (t == NULL) {
		FUZZ_CHECK(!required, "a required value is set");
		return;
	}
	FUZZ_CHECK(t[0] != '\0' && clean(t), "values are clean");
}

static void
check_accepted(const struct config *c)
{
	unsigned i;

	check_path(c->pkcs11_module, 1);
	check_path(c->pin_file, 1);
	check_path(c->ca_cert, 1);
	check_path(c->database, 1);
	check_path(c->softhsm2_conf, 0);
	check_path(c->portal_public_key, 0);
	check_path(c->mail_outbox, 0);
	check_text(c->token, 1);
	check_text(c->ca_key, 1);
	check_text(c->policy_oid, 1);
	check_text(c->crl_url, 1);
	check_text(c->ocsp_url, 1);
	check_text(c->ca_issuers_url, 1);
	check_text(c->listen, 1);		/* defaulted */
	check_text(c->status_listen, 1);
	check_text(c->strong_amr, 1);
	check_text(c->terms_version, 1);
	check_text(c->mail_from, 1);
	check_text(c->reminder_days, 1);
	FUZZ_CHECK(strlen(c->subject_country) == 2 &&
		   c->subject_country[0] >= 'A' &&
		   c->subject_country[0] <= 'Z' &&
		   c->subject_country[1] >= 'A' &&
		   c->subject_country[1] <= 'Z', "country is two capitals");
	FUZZ_CHECK(c->validity_days >= 1 && c->validity_days <= 3660,
		   "validity_days in bounds");
	FUZZ_CHECK(c->p12_iterations >= 1000 && c->p12_iterations <= 10000000,
		   "p12_iterations in bounds");
	FUZZ_CHECK(c->web_threads >= 1 && c->web_threads <= 64,
		   "web_threads in bounds");
	FUZZ_CHECK(c->max_body_bytes >= 1024 && c->max_body_bytes <= 1048576,
		   "max_body_bytes in bounds");
	FUZZ_CHECK(c->renewal_window_days >= 1 &&
		   c->renewal_window_days <= 3660, "renewal window in bounds");
	FUZZ_CHECK(c->reminder_count <= CONFIG_REMINDERS_MAX,
		   "at most 8 reminders");
	for (i = 0; i < c->reminder_count; i++) {
		FUZZ_CHECK(c->reminder_points[i] >= 1 &&
			   c->reminder_points[i] <= c->renewal_window_days,
			   "reminders inside the renewal window");
		FUZZ_CHECK(i == 0 || c->reminder_points[i - 1] <
			   c->reminder_points[i],
			   "reminders distinct and ascending");
	}
	FUZZ_CHECK((c->ocsp_key == NULL) == (c->ocsp_cert == NULL),
		   "ocsp_key and ocsp_cert go together");
	FUZZ_CHECK(c->mail_outbox == NULL || c->mail_smtp_url == NULL,
		   "one mail transport");
	FUZZ_CHECK(c->dev_portal == 0 || c->dev_portal == 1, "a switch");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_bytes(data, size);
	struct config *c = NULL, *again = NULL;
	struct err e = { 0 }, e2 = { 0 };
	int rc = config_parse_buffer(FUZZ_PATH, text, size, &c, &e);
	int rc2 = config_parse_buffer(FUZZ_PATH, text, size, &again, &e2);

	FUZZ_CHECK(rc == rc2 && e.code == e2.code &&
		   strcmp(e.msg, e2.msg) == 0, "the same text, the same result");
	if (rc == 0) {
		FUZZ_CHECK(c != NULL, "an accepted configuration");
		check_accepted(c);
	} else {
		FUZZ_CHECK(c == NULL, "nothing on refusal");
		FUZZ_CHECK(e.code == ERR_CONFIG, "a refusal is ERR_CONFIG");
		FUZZ_CHECK(strstr(e.msg, FUZZ_PATH) != NULL,
			   "a refusal names the file");
	}
	config_free(c);
	config_free(again);
	free(text);
	return 0;
}
