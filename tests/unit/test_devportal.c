/*
 * test_devportal.c: the CUnit suite of devportal.c.
 *
 * Checks the persona table (one valid doctor, one persona per failed
 * access condition, distinct eHealthIDs), that every minted assertion
 * verifies with assertion_verify and carries the persona's claims
 * unchanged (HTML characters included), and that the portal key is read
 * only from a private file.  Needs no token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "assertion.h"
#include "devportal.h"
#include "fixture.h"
#include "suites.h"

#define NOW 1767225600
#define HTML_NAME "<b>\"Zo\xc3\xa9\" & 'Ana'</b>"

static EVP_PKEY *ec_key, *rsa_key;

static int
suite_init(void)
{
	ec_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	rsa_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	return ec_key != NULL && rsa_key != NULL ? 0 : -1;
}

static int
suite_clean(void)
{
	EVP_PKEY_free(ec_key);
	EVP_PKEY_free(rsa_key);
	return 0;
}

static struct config
test_config(void)
{
	struct config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.path = "test.conf";
	cfg.portal_issuer = "https://portal.example.test";
	cfg.appliance_id = "mycert-test";
	cfg.strong_amr = "smartcard";
	return cfg;
}

/* Mints for persona with key and verifies the result into *a. */
static enum assertion_refusal
mint_and_verify(const struct devportal_persona *p, EVP_PKEY *key,
		struct assertion *a)
{
	struct config cfg = test_config();
	struct assertion_expect x = {
		key, cfg.portal_issuer, cfg.appliance_id, NOW + 10,
	};
	enum assertion_refusal why = ASSERTION_MALFORMED;
	struct err e = { 0 };
	char *jws = NULL;

	CU_ASSERT_EQUAL_FATAL(devportal_mint(&cfg, key, p, NOW, &jws, &e), 0);
	if (assertion_verify(jws, strlen(jws), &x, a, &why, &e) != 0) {
		CU_FAIL(e.msg);
	}
	free(jws);
	return why;
}

static int
is_ten_digits(const char *s)
{
	size_t i;

	for (i = 0; i < 10; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return 0;
		}
	}
	return s[10] == '\0';
}

static void
test_personas(void)
{
	const char *const keys[] = {
		"doctor", "pharmacist", "not-professional", "not-primary",
		"not-strong", "html-name",
	};
	size_t i, j, n = devportal_count();

	CU_ASSERT_EQUAL(n, 6);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		CU_ASSERT_PTR_NOT_NULL(devportal_find(keys[i]));
	}
	CU_ASSERT_PTR_NULL(devportal_find("nobody"));
	CU_ASSERT_PTR_NULL(devportal_find(NULL));
	CU_ASSERT_PTR_NULL(devportal_get(n));
	for (i = 0; i < n; i++) {
		const struct devportal_persona *p = devportal_get(i);

		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		CU_ASSERT(is_ten_digits(p->sub));
		CU_ASSERT(p->description_en[0] != '\0' &&
			  strchr(p->description_en, '\n') == NULL);
		CU_ASSERT(p->description_fr[0] != '\0' &&
			  strchr(p->description_fr, '\n') == NULL);
		CU_ASSERT(p->description_de[0] != '\0' &&
			  strchr(p->description_de, '\n') == NULL);
		CU_ASSERT_PTR_EQUAL(devportal_find(p->key), p);
		for (j = 0; j < i; j++) {
			CU_ASSERT(strcmp(devportal_get(j)->sub, p->sub) != 0);
		}
	}
}

static void
test_each_persona_verifies(void)
{
	size_t i;

	for (i = 0; i < devportal_count(); i++) {
		const struct devportal_persona *p = devportal_get(i);
		struct assertion a;

		CU_ASSERT_EQUAL(mint_and_verify(p, ec_key, &a), ASSERTION_OK);
		CU_ASSERT_STRING_EQUAL(a.sub, p->sub);
		CU_ASSERT_STRING_EQUAL(a.given_name, p->given_name);
		CU_ASSERT_STRING_EQUAL(a.family_name, p->family_name);
		CU_ASSERT_STRING_EQUAL(a.profession_code,
				       p->profession_code != NULL ?
				       p->profession_code : "");
		CU_ASSERT_STRING_EQUAL(a.profession_label,
				       p->profession_label != NULL ?
				       p->profession_label : "");
		CU_ASSERT_STRING_EQUAL(a.primary_id, p->primary_id != NULL ?
				       p->primary_id : "");
		CU_ASSERT_EQUAL(a.amr_count, 1);
		CU_ASSERT_EQUAL(a.iat, NOW);
		CU_ASSERT_EQUAL(a.exp, NOW + ASSERTION_MAX_LIFETIME);
	}
}

static void
test_access_conditions(void)
{
	struct assertion a;

	CU_ASSERT_EQUAL(mint_and_verify(devportal_find("doctor"), ec_key, &a),
			ASSERTION_OK);
	CU_ASSERT_STRING_EQUAL(a.given_name, "H\xc3\xa9l\xc3\xa8ne");
	CU_ASSERT_STRING_EQUAL(a.family_name, "Dupont-Lef\xc3\xa8vre");
	CU_ASSERT_STRING_EQUAL(a.profession_code, "PS-001");
	CU_ASSERT_STRING_EQUAL(a.primary_id, "ehealth_id");
	CU_ASSERT_EQUAL(assertion_has_amr(&a, "smartcard"), 1);

	CU_ASSERT_EQUAL(mint_and_verify(devportal_find("pharmacist"), rsa_key,
					&a), ASSERTION_OK);
	CU_ASSERT_STRING_EQUAL(a.family_name, "O'Connor");
	CU_ASSERT_STRING_EQUAL(a.profession_code, "PS-021");
	CU_ASSERT_EQUAL(assertion_has_amr(&a, "smartcard"), 1);

	mint_and_verify(devportal_find("not-professional"), ec_key, &a);
	CU_ASSERT_STRING_EQUAL(a.profession_code, "");
	CU_ASSERT_STRING_EQUAL(a.profession_label, "");
	CU_ASSERT_STRING_EQUAL(a.primary_id, "ehealth_id");
	CU_ASSERT_EQUAL(assertion_has_amr(&a, "smartcard"), 1);

	mint_and_verify(devportal_find("not-primary"), ec_key, &a);
	CU_ASSERT(strcmp(a.primary_id, "ehealth_id") != 0);
	CU_ASSERT_STRING_EQUAL(a.profession_code, "PS-001");
	CU_ASSERT_EQUAL(assertion_has_amr(&a, "smartcard"), 1);

	mint_and_verify(devportal_find("not-strong"), ec_key, &a);
	CU_ASSERT_EQUAL(assertion_has_amr(&a, "smartcard"), 0);
	CU_ASSERT_EQUAL(assertion_has_amr(&a, "pwd"), 1);
	CU_ASSERT_STRING_EQUAL(a.primary_id, "ehealth_id");

	mint_and_verify(devportal_find("html-name"), ec_key, &a);
	CU_ASSERT_STRING_EQUAL(a.given_name, HTML_NAME);
	CU_ASSERT_STRING_EQUAL(a.primary_id, "ehealth_id");
	CU_ASSERT_EQUAL(assertion_has_amr(&a, "smartcard"), 1);
}

static void
test_fresh_jti(void)
{
	struct devportal_claims c = {
		.issuer = "i", .audience = "a", .iat = NOW, .lifetime = 300,
		.persona = devportal_find("doctor"), .strong_amr = "smartcard",
	};
	struct err e = { 0 };
	char *one = NULL, *two = NULL;
	const char *j1, *j2;

	CU_ASSERT_EQUAL_FATAL(devportal_claims_json(&c, &one, &e), 0);
	CU_ASSERT_EQUAL_FATAL(devportal_claims_json(&c, &two, &e), 0);
	j1 = strstr(one, "\"jti\":\"");
	j2 = strstr(two, "\"jti\":\"");
	CU_ASSERT_PTR_NOT_NULL_FATAL(j1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j2);
	CU_ASSERT_EQUAL(strspn(j1 + 7, "0123456789abcdef"), 32);
	CU_ASSERT_EQUAL(j1[7 + 32], '"');
	CU_ASSERT(strncmp(j1, j2, 7 + 32) != 0);
	free(one);
	free(two);
}

static void
test_claims_json(void)
{
	struct devportal_persona p = *devportal_find("doctor");
	struct devportal_claims c = {
		.issuer = "https://p.test", .audience = "", .iat = NOW,
		.lifetime = -5, .persona = &p, .strong_amr = "smartcard",
	};
	struct err e = { 0 };
	char *json = NULL;

	p.sub = "";
	p.profession_code = NULL;
	p.family_name = "a\"b\\c\nd";
	p.amr = "pwd";
	CU_ASSERT_EQUAL_FATAL(devportal_claims_json(&c, &json, &e), 0);
	/* Empty and NULL fields leave their claim out. */
	CU_ASSERT_PTR_NULL(strstr(json, "\"sub\""));
	CU_ASSERT_PTR_NULL(strstr(json, "\"aud\""));
	CU_ASSERT_PTR_NULL(strstr(json, "\"profession_code\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"profession_label\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"family_name\":"
					    "\"a\\\"b\\\\c\\u000ad\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"amr\":[\"pwd\"]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"exp\":1767225595"));
	free(json);
}

/* Writes key as PEM (encrypted when pass is not NULL) to dir/name with
 * mode; returns the path, malloc'd. */
static char *
write_key(const char *dir, const char *name, EVP_PKEY *key,
	  const char *pass, mode_t mode)
{
	char *path = NULL;
	FILE *f;

	CU_ASSERT_FATAL(asprintf(&path, "%s/%s", dir, name) > 0);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	if (pass != NULL) {
		CU_ASSERT(PEM_write_PrivateKey(f, key, EVP_aes_256_cbc(),
					       (const unsigned char *)pass,
					       (int)strlen(pass), NULL,
					       NULL) == 1);
	} else if (key != NULL) {
		CU_ASSERT(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL,
					       NULL) == 1);
	} else {
		fputs("not a key\n", f);
	}
	fclose(f);
	CU_ASSERT_EQUAL(chmod(path, mode), 0);
	return path;
}

static void
test_load_key(void)
{
	char *dir = fixture_temp_dir();
	char *good = write_key(dir, "good.pem", ec_key, NULL, 0600);
	char *open_key = write_key(dir, "open.pem", ec_key, NULL, 0644);
	char *enc = write_key(dir, "enc.pem", ec_key, "passphrase", 0600);
	char *junk = write_key(dir, "junk.pem", NULL, NULL, 0600);
	char *link = NULL, *missing = NULL;
	struct config cfg = test_config();
	struct assertion a;
	struct err e = { 0 };
	EVP_PKEY *k = NULL;

	CU_ASSERT_FATAL(asprintf(&link, "%s/link.pem", dir) > 0);
	CU_ASSERT_FATAL(asprintf(&missing, "%s/missing.pem", dir) > 0);
	CU_ASSERT_EQUAL(symlink(good, link), 0);

	CU_ASSERT_EQUAL(devportal_load_key(&cfg, &k, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_CONFIG);
	CU_ASSERT_PTR_NULL(k);
	cfg.dev_portal_key = open_key;
	CU_ASSERT_EQUAL(devportal_load_key(&cfg, &k, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_IO);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "chmod 600"));
	CU_ASSERT_EQUAL(devportal_load_key_file(link, &k, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_IO);
	CU_ASSERT_EQUAL(devportal_load_key_file(missing, &k, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_IO);
	CU_ASSERT_EQUAL(devportal_load_key_file(junk, &k, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_CRYPTO);
	/* An encrypted key is refused without asking for a passphrase. */
	CU_ASSERT_EQUAL(devportal_load_key_file(enc, &k, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_CRYPTO);
	CU_ASSERT_PTR_NULL(k);

	cfg.dev_portal_key = good;
	CU_ASSERT_EQUAL_FATAL(devportal_load_key(&cfg, &k, &e), 0);
	CU_ASSERT_EQUAL(mint_and_verify(devportal_find("doctor"), k, &a),
			ASSERTION_OK);
	EVP_PKEY_free(k);

	unlink(good);
	unlink(open_key);
	unlink(enc);
	unlink(junk);
	unlink(link);
	CU_ASSERT_EQUAL(rmdir(dir), 0);
	free(good);
	free(open_key);
	free(enc);
	free(junk);
	free(link);
	free(missing);
	free(dir);
}

int
test_devportal_register(void)
{
	static const struct {
		const char *name;
		CU_TestFunc fn;
	} tests[] = {
		{ "lists six personas with distinct 10-digit eHealthIDs",
		  test_personas },
		{ "mints an assertion that verifies for every persona",
		  test_each_persona_verifies },
		{ "gives each persona the claims of its access condition",
		  test_access_conditions },
		{ "draws a fresh 16-byte jti for each assertion",
		  test_fresh_jti },
		{ "escapes strings and leaves out empty claims",
		  test_claims_json },
		{ "reads the portal key only from a private PEM file",
		  test_load_key },
	};
	CU_pSuite suite = CU_add_suite("devportal", suite_init, suite_clean);
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
