/*
 * test_token.c: token access on the real SoftHSM2 token of the test setup.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <CUnit/CUnit.h>
#include <openssl/evp.h>

#include "fixture.h"
#include "suites.h"
#include "token.h"

static struct config *cfg;

static int
setup(void)
{
	cfg = fixture_config();
	return 0;
}

static int
teardown(void)
{
	config_free(cfg);
	return 0;
}

static struct token_params
params(void)
{
	struct token_params p = {
		.module = cfg->pkcs11_module,
		.softhsm2_conf = cfg->softhsm2_conf,
		.token = cfg->token,
		.pin_file = cfg->pin_file,
	};

	return p;
}

/* Opens with p and returns the error code (ERR_NONE on success). */
static enum err_code
open_code(const struct token_params *p)
{
	struct token *t = NULL;
	struct err e = { 0 };
	int rc = token_open(p, &t, &e);

	token_close(t);
	if (rc == 0) {
		return ERR_NONE;
	}
	CU_ASSERT(e.msg[0] != '\0');
	return e.code;
}

static void
opens_token_and_finds_ca_key(void)
{
	struct token *t = fixture_token(cfg);
	struct token_key *k = NULL;
	struct err e = { 0 };

	CU_ASSERT_EQUAL(token_find_key(t, cfg->ca_key, &k, &e), 0);
	CU_ASSERT_PTR_NOT_NULL(k);
	CU_ASSERT_EQUAL(token_health(t, &e), 0);
	token_close(t);
}

static void
finds_token_and_key_by_uri(void)
{
	struct token_params p = params();
	struct token *t = NULL;
	struct token_key *k = NULL;
	struct err e = { 0 };
	char uri[128];

	snprintf(uri, sizeof(uri), "pkcs11:token=%s", cfg->token);
	p.token = uri;
	CU_ASSERT_EQUAL_FATAL(token_open(&p, &t, &e), 0);
	CU_ASSERT_EQUAL(token_find_key(t, "pkcs11:id=%01;type=private", &k,
				       &e), 0);
	CU_ASSERT_EQUAL(token_key_type(k), EVP_PKEY_RSA);
	CU_ASSERT_EQUAL(token_find_key(t, "pkcs11:object=mycert-audit", &k,
				       &e), 0);
	CU_ASSERT_EQUAL(token_key_type(k), EVP_PKEY_EC);
	token_close(t);
}

static void
refuses_wrong_pin(void)
{
	struct token_params p = params();
	char *pin = fixture_secret_file("00000000\n");

	p.pin_file = pin;
	CU_ASSERT_EQUAL(open_code(&p), ERR_TOKEN_PIN_INCORRECT);
	free(pin);
}

static void
refuses_pin_file_open_to_others(void)
{
	struct token_params p = params();
	char *pin = fixture_secret_file("00000000\n");

	chmod(pin, 0644);
	p.pin_file = pin;
	CU_ASSERT_EQUAL(open_code(&p), ERR_TOKEN_PIN_FILE);
	free(pin);
}

static void
refuses_missing_module(void)
{
	struct token_params p = params();

	p.module = "/nonexistent/libpkcs11-missing.so";
	CU_ASSERT_EQUAL(open_code(&p), ERR_TOKEN_MODULE);
}

static void
refuses_file_that_is_not_a_module(void)
{
	struct token_params p = params();

	p.module = cfg->path;	/* a text file */
	CU_ASSERT_EQUAL(open_code(&p), ERR_TOKEN_MODULE);
}

static void
refuses_unknown_token(void)
{
	struct token_params p = params();

	p.token = "no-such-token";
	CU_ASSERT_EQUAL(open_code(&p), ERR_TOKEN_NOT_FOUND);
	p.token = "pkcs11:token=mycert-dev;serial=0000000000000000";
	CU_ASSERT_EQUAL(open_code(&p), ERR_TOKEN_NOT_FOUND);
}

static void
refuses_unknown_key(void)
{
	struct token *t = fixture_token(cfg);
	struct token_key *k = NULL;
	struct err e = { 0 };

	CU_ASSERT_EQUAL(token_find_key(t, "no-such-key", &k, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_TOKEN_KEY_NOT_FOUND);
	CU_ASSERT_PTR_NULL(k);
	CU_ASSERT_EQUAL(token_find_key(t, "pkcs11:id=%7f", &k, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_TOKEN_KEY_NOT_FOUND);
	token_close(t);
}

static int
verifies(EVP_PKEY *pub, const char *msg, const unsigned char *sig,
	 size_t sig_len)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = md != NULL &&
		 EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub) == 1 &&
		 EVP_DigestVerify(md, sig, sig_len, (const unsigned char *)msg,
				  strlen(msg)) == 1;

	EVP_MD_CTX_free(md);
	return ok;
}

static void
signs_data_that_verifies(void)
{
	const char *keys[] = { cfg->ca_key, cfg->audit_key };
	struct token *t = fixture_token(cfg);
	size_t i;

	for (i = 0; i < 2; i++) {
		struct token_key *k = NULL;
		EVP_PKEY *pub = NULL;
		unsigned char *sig = NULL;
		size_t sig_len = 0;
		struct err e = { 0 };

		CU_ASSERT_EQUAL_FATAL(token_find_key(t, keys[i], &k, &e), 0);
		CU_ASSERT_EQUAL_FATAL(token_key_public(k, &pub, &e), 0);
		CU_ASSERT_EQUAL(token_sign_data(k, (const unsigned char *)"abc",
						3, &sig, &sig_len, &e), 0);
		CU_ASSERT(verifies(pub, "abc", sig, sig_len));
		CU_ASSERT(!verifies(pub, "abd", sig, sig_len));
		OPENSSL_free(sig);
		EVP_PKEY_free(pub);
	}
	token_close(t);
}

#define THREADS 4
#define SIGNATURES_PER_THREAD 25

struct worker {
	struct token_key *key;
	EVP_PKEY *pub;
	int good;
};

static void *
sign_many(void *arg)
{
	struct worker *w = arg;
	char msg[32];
	int i;

	for (i = 0; i < SIGNATURES_PER_THREAD; i++) {
		unsigned char *sig = NULL;
		size_t sig_len = 0;
		struct err e = { 0 };

		snprintf(msg, sizeof(msg), "message %p %d", (void *)w, i);
		if (token_sign_data(w->key, (const unsigned char *)msg,
				    strlen(msg), &sig, &sig_len, &e) == 0 &&
		    verifies(w->pub, msg, sig, sig_len)) {
			w->good++;
		}
		OPENSSL_free(sig);
	}
	return NULL;
}

static void
signs_from_several_threads(void)
{
	struct token *t = fixture_token(cfg);
	struct token_key *k = NULL;
	EVP_PKEY *pub = NULL;
	struct worker w[THREADS];
	pthread_t th[THREADS];
	struct err e = { 0 };
	int i, good = 0;

	CU_ASSERT_EQUAL_FATAL(token_find_key(t, cfg->ca_key, &k, &e), 0);
	CU_ASSERT_EQUAL_FATAL(token_key_public(k, &pub, &e), 0);
	for (i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ k, pub, 0 };
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, sign_many,
						     &w[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		good += w[i].good;
	}
	CU_ASSERT_EQUAL(good, THREADS * SIGNATURES_PER_THREAD);
	EVP_PKEY_free(pub);
	token_close(t);
}

/* The token folder named by the SoftHSM2 configuration of cfg. */
static int
token_folder(char *out, size_t n)
{
	const char *key = "directories.tokendir";
	char line[1024];
	FILE *f = fopen(cfg->softhsm2_conf, "r");
	int found = -1;

	while (f != NULL && found != 0 && fgets(line, sizeof(line), f)) {
		char *v = strstr(line, key);

		if (v == line) {
			v += strlen(key);
			v += strspn(v, " \t=");
			v[strcspn(v, "\r\n")] = '\0';
			found = snprintf(out, n, "%s", v) < (int)n ? 0 : -1;
		}
	}
	if (f != NULL) {
		fclose(f);
	}
	return found;
}

static void
keeps_public_keys_while_token_away(void)
{
	struct token *t = fixture_token(cfg);
	struct token_key *k = NULL;
	EVP_PKEY *pub = NULL;
	struct err e = { 0 };
	char dir[900], away[1000];

	CU_ASSERT_EQUAL_FATAL(token_folder(dir, sizeof(dir)), 0);
	snprintf(away, sizeof(away), "%s.away", dir);
	CU_ASSERT_EQUAL_FATAL(token_find_key(t, cfg->audit_key, &k, &e), 0);
	CU_ASSERT_EQUAL_FATAL(rename(dir, away), 0);
	/* The failed signature drops the connection (reconnect fails). */
	CU_ASSERT_NOT_EQUAL(token_health(t, &e), 0);
	CU_ASSERT_EQUAL(token_key_type(k), EVP_PKEY_EC);
	CU_ASSERT_EQUAL(token_key_public(k, &pub, &e), 0);
	CU_ASSERT_PTR_NOT_NULL(pub);
	EVP_PKEY_free(pub);
	CU_ASSERT_EQUAL_FATAL(rename(away, dir), 0);
	CU_ASSERT_EQUAL(token_health(t, &e), 0);
	token_close(t);
}

int
test_token_register(void)
{
	CU_pSuite s = CU_add_suite("token", setup, teardown);

	if (s == NULL ||
	    !CU_add_test(s, "opens the provisioned token and finds the CA key",
			 opens_token_and_finds_ca_key) ||
	    !CU_add_test(s, "finds the token and keys by pkcs11: URI",
			 finds_token_and_key_by_uri) ||
	    !CU_add_test(s, "refuses a wrong PIN as token-pin-incorrect",
			 refuses_wrong_pin) ||
	    !CU_add_test(s, "refuses a PIN file readable by others",
			 refuses_pin_file_open_to_others) ||
	    !CU_add_test(s, "refuses a missing module as token-module",
			 refuses_missing_module) ||
	    !CU_add_test(s, "refuses a file that is not a PKCS#11 module",
			 refuses_file_that_is_not_a_module) ||
	    !CU_add_test(s, "refuses an unknown token as token-not-found",
			 refuses_unknown_token) ||
	    !CU_add_test(s, "refuses an unknown key as token-key-not-found",
			 refuses_unknown_key) ||
	    !CU_add_test(s, "signs data that verifies with the public key",
			 signs_data_that_verifies) ||
	    !CU_add_test(s, "signs correctly from several threads at once",
			 signs_from_several_threads) ||
	    !CU_add_test(s, "gives public keys while the token is away",
			 keeps_public_keys_while_token_away)) {
		return -1;
	}
	return 0;
}
