/*
 * test_assertion.c: the CUnit suite of assertion.c.
 *
 * Signs assertions with keys made for the run (EC P-256, RSA 2048) and
 * checks that good ones verify and that each rule refuses, with its own
 * refusal reason, the assertion that breaks it: signature, alg, iss, aud,
 * times and lifetime, every claim, the compact form and its size.  The
 * signature format is also checked against the ES256 example of RFC 7515
 * (appendix A.3), made by another implementation.  Needs no token.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "assertion.h"
#include "suites.h"

#define NOW 1767225600			/* 2026-01-01T00:00:00Z */
#define ISSUER "https://portal.example.test"
#define AUDIENCE "mycert-test"
#define ES256_HEADER "{\"alg\":\"ES256\",\"typ\":\"JWT\"}"

/* RFC 7515 A.3: the public key and the token it signed. */
static const char rfc_public_pem[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEf83OJ3D2xF1Bg8vub9tLe1gHMzV7\n"
	"6e8Tus9uPHvRVEXH8UTNG72bfocs3+257rn0s2ldbqkLJK2KRiMohYjlrQ==\n"
	"-----END PUBLIC KEY-----\n";
static const char rfc_token[] =
	"eyJhbGciOiJFUzI1NiJ9."
	"eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
	"cGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
	"DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSA"
	"pmWQxfKTUJqPP3-Kg6NU1Q";

static EVP_PKEY *ec_key, *ec_pub, *ec_other, *rsa_key, *rsa_pub, *rsa_small;

/* The claims of a test assertion, as raw JSON values; NULL leaves the
 * claim out, extra is added as it is (",\"k\":v"). */
struct claims {
	const char *iss, *aud, *iat, *exp, *jti, *sub, *given, *family;
	const char *code, *label, *primary, *amr, *extra;
};

static struct claims
good_claims(void)
{
	struct claims c = {
		.iss = "\"" ISSUER "\"",
		.aud = "\"" AUDIENCE "\"",
		.iat = "1767225600",
		.exp = "1767225900",
		.jti = "\"5f1c0e8a9b2d4c6e8f0a1b2c3d4e5f60\"",
		.sub = "\"8000000001\"",
		.given = "\"H\\u00e9l\\u00e8ne\"",
		.family = "\"Dupont-Lef\xc3\xa8vre\"",
		.code = "\"PS-001\"",
		.label = "\"M\xc3\xa9" "decin\"",
		.primary = "\"ehealth_id\"",
		.amr = "[\"smartcard\"]",
		.extra = NULL,
	};

	return c;
}

/* Records an assertion whose failure message names the case. */
static void
check(int ok, int line, const char *what, const char *input)
{
	char msg[600];

	snprintf(msg, sizeof(msg), "%.200s (%.300s)", what,
		 input != NULL ? input : "(null)");
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned)line, msg,
				__FILE__, "", CU_FALSE);
}

static char *
claims_json(const struct claims *c)
{
	const struct {
		const char *key, *value;
	} m[] = {
		{ "iss", c->iss }, { "aud", c->aud }, { "iat", c->iat },
		{ "exp", c->exp }, { "jti", c->jti }, { "sub", c->sub },
		{ "given_name", c->given }, { "family_name", c->family },
		{ "profession_code", c->code },
		{ "profession_label", c->label },
		{ "primary_id", c->primary }, { "amr", c->amr },
	};
	size_t i, size = 64 + (c->extra != NULL ? strlen(c->extra) : 0);
	char *s;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		size += m[i].value != NULL ? strlen(m[i].value) + 24 : 0;
	}
	s = malloc(size);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	strcpy(s, "{\"v\":1");
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		if (m[i].value != NULL) {
			sprintf(s + strlen(s), ",\"%s\":%s", m[i].key,
				m[i].value);
		}
	}
	if (c->extra != NULL) {
		strcat(s, c->extra);
	}
	strcat(s, "}");
	return s;
}

static char *
sign_with(const char *header, const struct claims *c, EVP_PKEY *key)
{
	struct err e = { 0 };
	char *json = claims_json(c), *token = NULL;
	int rc;

	if (header == NULL) {
		rc = assertion_sign(json, key, &token, &e);
	} else {
		rc = assertion_sign_with_header(header, json, key, &token, &e);
	}
	check(rc == 0, __LINE__, "signing works", e.msg);
	free(json);
	CU_ASSERT_PTR_NOT_NULL_FATAL(token);
	return token;
}

/* Verifies len bytes of token with pub at now; checks that the result,
 * the reason and the message agree, and that the message holds no part
 * of the token. */
static enum assertion_refusal
verify_n(const char *token, size_t len, EVP_PKEY *pub, time_t now,
	 struct assertion *a)
{
	struct assertion_expect x = { pub, ISSUER, AUDIENCE, now };
	enum assertion_refusal why = (enum assertion_refusal)99;
	struct err e = { 0 };
	struct assertion local;
	const char *dot;
	int rc;

	rc = assertion_verify(token, len, &x, a != NULL ? a : &local, &why,
			      &e);
	check((rc == 0) == (why == ASSERTION_OK), __LINE__,
	      "result and reason agree", assertion_refusal_name(why));
	if (rc != 0) {
		check(e.code == ERR_INPUT, __LINE__, "refusal is ERR_INPUT",
		      e.msg);
		check(strstr(e.msg, assertion_refusal_name(why)) != NULL,
		      __LINE__, "message names the reason", e.msg);
		dot = token != NULL ? strchr(token, '.') : NULL;
		if (dot != NULL && strlen(dot) > 13) {
			char piece[13];

			memcpy(piece, dot + 1, 12);
			piece[12] = '\0';
			check(strstr(e.msg, piece) == NULL, __LINE__,
			      "message holds no token text", e.msg);
		}
	}
	return why;
}

static enum assertion_refusal
verify_at(const char *token, EVP_PKEY *pub, time_t now, struct assertion *a)
{
	return verify_n(token, strlen(token), pub, now, a);
}

/* Signs c with the EC key and checks the reason of verifying it now. */
static void
expect_claims(const struct claims *c, enum assertion_refusal want,
	      const char *label)
{
	char *token = sign_with(NULL, c, ec_key);
	enum assertion_refusal got = verify_at(token, ec_pub, NOW, NULL);
	char what[128];

	snprintf(what, sizeof(what), "want %s, got %s",
		 assertion_refusal_name(want), assertion_refusal_name(got));
	check(got == want, __LINE__, what, label);
	free(token);
}

static void
expect_token(const char *token, size_t len, EVP_PKEY *pub,
	     enum assertion_refusal want, const char *label)
{
	enum assertion_refusal got = verify_n(token, len, pub, NOW, NULL);
	char what[128];

	snprintf(what, sizeof(what), "want %s, got %s",
		 assertion_refusal_name(want), assertion_refusal_name(got));
	check(got == want, __LINE__, what, label);
}

/* A malloc'd copy of s with its character at i replaced by another one
 * of the base64url alphabet. */
static char *
change_char(const char *s, size_t i)
{
	char *t = strdup(s);

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	t[i] = t[i] == 'A' ? 'B' : 'A';
	return t;
}

static char *
concat(const char *a, const char *b)
{
	char *s = malloc(strlen(a) + strlen(b) + 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	strcpy(s, a);
	strcat(s, b);
	return s;
}

/* This test's own base64url encoder (OpenSSL's base64, then the URL
 * alphabet without padding), independent of the one under test. */
static char *
b64url(const unsigned char *in, size_t n)
{
	char *s = malloc(n / 3 * 4 + 8);
	size_t i, len;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	EVP_EncodeBlock((unsigned char *)s, in, (int)n);
	len = strlen(s);
	while (len > 0 && s[len - 1] == '=') {
		s[--len] = '\0';
	}
	for (i = 0; i < len; i++) {
		s[i] = s[i] == '+' ? '-' : s[i] == '/' ? '_' : s[i];
	}
	return s;
}

/* Signs the text "h.p" as given with RS256 and returns "h.p.sig", so
 * that tests can sign parts that are not what the signer would make. */
static char *
rs256_raw(const char *input)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char sig[512];
	size_t sig_len = sizeof(sig);
	char *sig64, *with_dot, *token;

	CU_ASSERT_PTR_NOT_NULL_FATAL(md);
	CU_ASSERT_FATAL(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL,
					   rsa_key) == 1);
	CU_ASSERT_FATAL(EVP_DigestSign(md, sig, &sig_len,
				       (const unsigned char *)input,
				       strlen(input)) == 1);
	EVP_MD_CTX_free(md);
	sig64 = b64url(sig, sig_len);
	with_dot = concat(input, ".");
	token = concat(with_dot, sig64);
	free(sig64);
	free(with_dot);
	return token;
}

static EVP_PKEY *
public_only(EVP_PKEY *key)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	EVP_PKEY *pub = NULL;
	int n = i2d_PUBKEY(key, &der);

	if (n > 0) {
		p = der;
		pub = d2i_PUBKEY(NULL, &p, n);
	}
	OPENSSL_free(der);
	return pub;
}

static int
suite_init(void)
{
	ec_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ec_other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	rsa_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	rsa_small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	ec_pub = ec_key != NULL ? public_only(ec_key) : NULL;
	rsa_pub = rsa_key != NULL ? public_only(rsa_key) : NULL;
	return ec_key != NULL && ec_other != NULL && rsa_key != NULL &&
	       rsa_small != NULL && ec_pub != NULL && rsa_pub != NULL ? 0 : -1;
}

static int
suite_clean(void)
{
	EVP_PKEY_free(ec_key);
	EVP_PKEY_free(ec_pub);
	EVP_PKEY_free(ec_other);
	EVP_PKEY_free(rsa_key);
	EVP_PKEY_free(rsa_pub);
	EVP_PKEY_free(rsa_small);
	return 0;
}

/* ---- the tests -------------------------------------------------------- */

static void
test_good_es256(void)
{
	struct claims c = good_claims();
	char *token = sign_with(NULL, &c, ec_key);
	struct assertion a;
	const char *sig = strrchr(token, '.');

	CU_ASSERT_EQUAL(verify_at(token, ec_pub, NOW, &a), ASSERTION_OK);
	CU_ASSERT_STRING_EQUAL(a.jti, "5f1c0e8a9b2d4c6e8f0a1b2c3d4e5f60");
	CU_ASSERT_STRING_EQUAL(a.sub, "8000000001");
	CU_ASSERT_STRING_EQUAL(a.given_name, "H\xc3\xa9l\xc3\xa8ne");
	CU_ASSERT_STRING_EQUAL(a.family_name, "Dupont-Lef\xc3\xa8vre");
	CU_ASSERT_STRING_EQUAL(a.profession_code, "PS-001");
	CU_ASSERT_STRING_EQUAL(a.profession_label, "M\xc3\xa9" "decin");
	CU_ASSERT_STRING_EQUAL(a.primary_id, "ehealth_id");
	CU_ASSERT_EQUAL(a.amr_count, 1);
	CU_ASSERT_STRING_EQUAL(a.amr[0], "smartcard");
	CU_ASSERT_EQUAL(a.iat, NOW);
	CU_ASSERT_EQUAL(a.exp, NOW + 300);
	CU_ASSERT_EQUAL(assertion_has_amr(&a, "smartcard"), 1);
	CU_ASSERT_EQUAL(assertion_has_amr(&a, "pwd"), 0);
	/* The header is the one the signer writes; the signature is raw
	 * R||S: 64 bytes are 86 base64url characters. */
	CU_ASSERT_EQUAL(strncmp(token, "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.",
				37), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sig);
	CU_ASSERT_EQUAL(strlen(sig + 1), 86);
	/* The private key verifies too (it holds the public one). */
	CU_ASSERT_EQUAL(verify_at(token, ec_key, NOW, NULL), ASSERTION_OK);
	free(token);
}

static void
test_good_rs256(void)
{
	struct claims c = good_claims();
	char *token = sign_with(NULL, &c, rsa_key);
	struct assertion a;
	const char *sig = strrchr(token, '.');

	CU_ASSERT_EQUAL(verify_at(token, rsa_pub, NOW, &a), ASSERTION_OK);
	CU_ASSERT_STRING_EQUAL(a.sub, "8000000001");
	CU_ASSERT_STRING_EQUAL(a.given_name, "H\xc3\xa9l\xc3\xa8ne");
	/* RSA 2048: a 256-byte signature, 342 characters. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(sig);
	CU_ASSERT_EQUAL(strlen(sig + 1), 342);
	free(token);
}

static void
test_rfc7515_vector(void)
{
	BIO *bio = BIO_new_mem_buf(rfc_public_pem, -1);
	EVP_PKEY *pub = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	struct assertion_expect x = { pub, "joe", AUDIENCE, 1300819000 };
	enum assertion_refusal why = ASSERTION_OK;
	struct assertion a;
	struct err e = { 0 };
	char *flipped;

	BIO_free(bio);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pub);
	/* The signature and iss pass; the example has no aud, which is the
	 * first rule it breaks. */
	CU_ASSERT_EQUAL(assertion_verify(rfc_token, strlen(rfc_token), &x, &a,
					 &why, &e), -1);
	CU_ASSERT_EQUAL(why, ASSERTION_BAD_AUDIENCE);
	flipped = change_char(rfc_token, strlen(rfc_token) - 30);
	CU_ASSERT_EQUAL(assertion_verify(flipped, strlen(flipped), &x, &a,
					 &why, &e), -1);
	CU_ASSERT_EQUAL(why, ASSERTION_BAD_SIGNATURE);
	free(flipped);
	EVP_PKEY_free(pub);
}

static void
test_other_key(void)
{
	struct claims c = good_claims();
	char *token = sign_with(NULL, &c, ec_other);

	expect_token(token, strlen(token), ec_pub, ASSERTION_BAD_SIGNATURE,
		     "ES256 by another key");
	free(token);
}

static void
test_tampered(void)
{
	struct claims c = good_claims(), c2 = good_claims();
	char *token = sign_with(NULL, &c, ec_key);
	char *rsa_token = sign_with(NULL, &c, rsa_key);
	char *other, *spliced, *t;
	const char *dot1 = strchr(token, '.'), *dot2 = strrchr(token, '.');
	const char *odot2;
	size_t sig_at = (size_t)(dot2 - token) + 1;

	/* One character of the payload changed. */
	t = change_char(token, (size_t)(dot1 - token) + 20);
	expect_token(t, strlen(t), ec_pub, ASSERTION_BAD_SIGNATURE,
		     "payload character changed");
	free(t);
	/* One byte of the claims changed (sub), signature kept. */
	c2.sub = "\"8000000002\"";
	other = sign_with(NULL, &c2, ec_key);
	odot2 = strrchr(other, '.');
	spliced = malloc(strlen(token) + strlen(other) + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(spliced);
	memcpy(spliced, other, (size_t)(odot2 - other));
	strcpy(spliced + (odot2 - other), dot2);
	expect_token(spliced, strlen(spliced), ec_pub,
		     ASSERTION_BAD_SIGNATURE, "one claim byte changed");
	free(spliced);
	free(other);
	/* The signature changed, truncated, or all zeros. */
	t = change_char(token, sig_at + 40);
	expect_token(t, strlen(t), ec_pub, ASSERTION_BAD_SIGNATURE,
		     "signature character changed");
	free(t);
	t = strdup(token);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	/* 84 characters are exactly 63 bytes, with no unused bits. */
	t[strlen(t) - 2] = '\0';
	expect_token(t, strlen(t), ec_pub, ASSERTION_BAD_SIGNATURE,
		     "signature cut to 63 bytes");
	memset(t + sig_at, 'A', 86);
	t[sig_at + 86] = '\0';
	expect_token(t, strlen(t), ec_pub, ASSERTION_BAD_SIGNATURE,
		     "signature of zeros");
	t[sig_at] = '\0';
	expect_token(t, strlen(t), ec_pub, ASSERTION_BAD_SIGNATURE,
		     "empty signature");
	free(t);
	t = change_char(rsa_token, strlen(rsa_token) - 100);
	expect_token(t, strlen(t), rsa_pub, ASSERTION_BAD_SIGNATURE,
		     "RS256 signature character changed");
	free(t);
	free(rsa_token);
	free(token);
}

static void
test_alg_mismatch(void)
{
	struct claims c = good_claims();
	char *es = sign_with(NULL, &c, ec_key);
	char *rs = sign_with(NULL, &c, rsa_key);
	char *lie = sign_with("{\"alg\":\"RS256\"}", &c, ec_key);
	char *lie2 = sign_with("{\"alg\":\"ES256\"}", &c, rsa_key);

	expect_token(es, strlen(es), rsa_pub, ASSERTION_BAD_ALG,
		     "ES256 token, RSA key");
	expect_token(rs, strlen(rs), ec_pub, ASSERTION_BAD_ALG,
		     "RS256 token, EC key");
	expect_token(lie, strlen(lie), ec_pub, ASSERTION_BAD_ALG,
		     "header says RS256, EC key");
	expect_token(lie2, strlen(lie2), ec_pub, ASSERTION_BAD_SIGNATURE,
		     "header says ES256, signed by RSA");
	free(es);
	free(rs);
	free(lie);
	free(lie2);
}

static void
test_alg_none_and_others(void)
{
	const char *const headers[] = {
		"{\"alg\":\"none\"}", "{\"alg\":\"none\",\"typ\":\"JWT\"}",
		"{\"alg\":\"HS256\"}", "{\"alg\":\"ES384\"}",
		"{\"alg\":\"PS256\"}", "{\"alg\":\"es256\"}",
		"{\"alg\":\"ES256 \"}", "{\"alg\":\"\"}",
	};
	struct claims c = good_claims();
	char *t;
	size_t i;

	t = sign_with("{\"alg\":\"none\"}", &c, NULL);
	CU_ASSERT_EQUAL(t[strlen(t) - 1], '.');
	expect_token(t, strlen(t), ec_pub, ASSERTION_BAD_ALG,
		     "unsigned, EC key");
	expect_token(t, strlen(t), rsa_pub, ASSERTION_BAD_ALG,
		     "unsigned, RSA key");
	free(t);
	for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		t = sign_with(headers[i], &c, ec_key);
		expect_token(t, strlen(t), ec_pub, ASSERTION_BAD_ALG,
			     headers[i]);
		free(t);
	}
}

static void
test_header_rules(void)
{
	const struct {
		const char *header;
		enum assertion_refusal want;
	} cases[] = {
		{ "{\"alg\":\"ES256\",\"crit\":[\"exp\"]}",
		  ASSERTION_MALFORMED },
		{ "{\"alg\":\"ES256\",\"crit\":[]}", ASSERTION_MALFORMED },
		{ "{\"alg\":\"ES256\",\"typ\":\"JOSE\"}",
		  ASSERTION_MALFORMED },
		{ "{\"alg\":\"ES256\",\"typ\":1}", ASSERTION_MALFORMED },
		{ "{\"alg\":\"ES256\",\"alg\":\"none\"}",
		  ASSERTION_MALFORMED },
		{ "{\"typ\":\"JWT\"}", ASSERTION_MALFORMED },
		{ "{\"alg\":256}", ASSERTION_MALFORMED },
		{ "[\"ES256\"]", ASSERTION_MALFORMED },
		{ "{\"alg\":\"ES256\"} ", ASSERTION_OK },
		{ "{\"alg\":\"ES256\",\"typ\":\"jwt\"}", ASSERTION_OK },
		{ "{\"alg\":\"ES256\",\"kid\":\"k1\"}", ASSERTION_OK },
	};
	struct claims c = good_claims();
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *t = sign_with(cases[i].header, &c, ec_key);

		expect_token(t, strlen(t), ec_pub, cases[i].want,
			     cases[i].header);
		free(t);
	}
}

static void
test_issuer(void)
{
	const char *const bad[] = {
		"\"https://portal.example.test/\"", "\"https://evil.test\"",
		"\"\"", "1", "[\"" ISSUER "\"]", "null",
	};
	struct claims c = good_claims();
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c.iss = bad[i];
		expect_claims(&c, ASSERTION_BAD_ISSUER, bad[i]);
	}
	c.iss = NULL;
	expect_claims(&c, ASSERTION_BAD_ISSUER, "no iss");
}

static void
test_audience(void)
{
	const char *const bad[] = {
		"\"other\"", "\"mycert-test \"", "[\"other\",\"x\"]", "[]",
		"1", "[1,\"" AUDIENCE "\"]", "{\"a\":\"" AUDIENCE "\"}",
	};
	struct claims c = good_claims();
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c.aud = bad[i];
		expect_claims(&c, ASSERTION_BAD_AUDIENCE, bad[i]);
	}
	c.aud = NULL;
	expect_claims(&c, ASSERTION_BAD_AUDIENCE, "no aud");
	c.aud = "[\"other\",\"" AUDIENCE "\"]";
	expect_claims(&c, ASSERTION_OK, c.aud);
	c.aud = "[\"" AUDIENCE "\"]";
	expect_claims(&c, ASSERTION_OK, c.aud);
}

static void
test_times(void)
{
	struct claims c = good_claims();
	char *t = sign_with(NULL, &c, ec_key);

	/* exp + skew is the last good second; iat - skew the first. */
	CU_ASSERT_EQUAL(verify_at(t, ec_pub, NOW + 300 + 60, NULL),
			ASSERTION_OK);
	CU_ASSERT_EQUAL(verify_at(t, ec_pub, NOW + 300 + 61, NULL),
			ASSERTION_EXPIRED);
	CU_ASSERT_EQUAL(verify_at(t, ec_pub, NOW + 86400, NULL),
			ASSERTION_EXPIRED);
	CU_ASSERT_EQUAL(verify_at(t, ec_pub, NOW - 60, NULL), ASSERTION_OK);
	CU_ASSERT_EQUAL(verify_at(t, ec_pub, NOW - 61, NULL),
			ASSERTION_NOT_YET_VALID);
	free(t);
	/* Issued long ago, within its lifetime. */
	c.iat = "1767224600";
	c.exp = "1767224900";
	expect_claims(&c, ASSERTION_EXPIRED, "iat and exp in the past");
	c = good_claims();
	c.extra = ",\"nbf\":1767225700";
	expect_claims(&c, ASSERTION_NOT_YET_VALID, "nbf in the future");
	c.extra = ",\"nbf\":1767225600";
	expect_claims(&c, ASSERTION_OK, "nbf now");
	c.extra = ",\"nbf\":\"1767225600\"";
	expect_claims(&c, ASSERTION_BAD_CLAIMS, "nbf a string");
}

static void
test_lifetime(void)
{
	const struct {
		const char *iat, *exp;
		enum assertion_refusal want;
	} cases[] = {
		{ "1767225600", "1767225901", ASSERTION_TOO_LONG },
		{ "1767225600", "1767229200", ASSERTION_TOO_LONG },
		{ "1767225600", "1767225600", ASSERTION_BAD_CLAIMS },
		{ "1767225600", "1767225599", ASSERTION_BAD_CLAIMS },
		{ "1767225600", "253402300800", ASSERTION_BAD_CLAIMS },
		{ "-1", "1767225600", ASSERTION_BAD_CLAIMS },
		{ "\"1767225600\"", "1767225900", ASSERTION_BAD_CLAIMS },
		{ "1767225600.0", "1767225900", ASSERTION_BAD_CLAIMS },
		{ "1767225600", "1.7672259e9", ASSERTION_BAD_CLAIMS },
		{ "null", "1767225900", ASSERTION_BAD_CLAIMS },
		{ NULL, "1767225900", ASSERTION_BAD_CLAIMS },
		{ "1767225600", NULL, ASSERTION_BAD_CLAIMS },
		{ "1767225601", "1767225900", ASSERTION_OK },
	};
	struct claims c = good_claims();
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c.iat = cases[i].iat;
		c.exp = cases[i].exp;
		expect_claims(&c, cases[i].want, c.exp != NULL ? c.exp :
			      "no exp");
	}
}

static void
test_sub(void)
{
	const char *const bad[] = {
		"\"\"", "\"800000001\"", "\"80000000012\"", "\"80000000a1\"",
		"\" 800000001\"", "\"8000000001 \"", "8000000001",
		"\"\\uff18000000001\"",		/* a fullwidth digit */
		"[\"8000000001\"]",
	};
	struct claims c = good_claims();
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c.sub = bad[i];
		expect_claims(&c, ASSERTION_BAD_CLAIMS, bad[i]);
	}
	c.sub = NULL;
	expect_claims(&c, ASSERTION_BAD_CLAIMS, "no sub");
	c.sub = "\"0000000000\"";
	expect_claims(&c, ASSERTION_OK, c.sub);
}

/* Returns "\"" + count copies of unit + "\"", malloc'd. */
static char *
quoted_repeat(const char *unit, size_t count)
{
	size_t n = strlen(unit), i;
	char *s = malloc(n * count + 3);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	s[0] = '"';
	for (i = 0; i < count; i++) {
		memcpy(s + 1 + i * n, unit, n);
	}
	strcpy(s + 1 + n * count, "\"");
	return s;
}

static void
test_jti(void)
{
	const char *const bad[] = {
		"\"\"", "\"a b\"", "\"caf\xc3\xa9\"", "\"a\\tb\"", "12345",
		"null",
	};
	struct claims c = good_claims();
	char *max = quoted_repeat("j", 128), *over = quoted_repeat("j", 129);
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c.jti = bad[i];
		expect_claims(&c, ASSERTION_BAD_CLAIMS, bad[i]);
	}
	c.jti = NULL;
	expect_claims(&c, ASSERTION_BAD_CLAIMS, "no jti");
	c.jti = over;
	expect_claims(&c, ASSERTION_BAD_CLAIMS, "jti of 129 bytes");
	c.jti = max;
	expect_claims(&c, ASSERTION_OK, "jti of 128 bytes");
	free(max);
	free(over);
}

static void
test_names(void)
{
	const char *const bad[] = {
		"\"\"", "\"a\\nb\"", "\"a\\u0085b\"", "\"a\\u007fb\"",
		"\"\\u001b[31m\"", "1", "[\"Anne\"]", "null",
	};
	struct claims c = good_claims();
	char *max = quoted_repeat("a", 512), *over = quoted_repeat("a", 513);
	char *max_e = quoted_repeat("\xc3\xa9", 256);
	char *over_e = quoted_repeat("\\u00e9", 257);
	struct assertion a;
	char *t;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = good_claims();
		c.given = bad[i];
		expect_claims(&c, ASSERTION_BAD_CLAIMS, bad[i]);
		c = good_claims();
		c.family = bad[i];
		expect_claims(&c, ASSERTION_BAD_CLAIMS, bad[i]);
	}
	c = good_claims();
	c.given = NULL;
	expect_claims(&c, ASSERTION_BAD_CLAIMS, "no given_name");
	c = good_claims();
	c.family = NULL;
	expect_claims(&c, ASSERTION_BAD_CLAIMS, "no family_name");
	/* The struct holds 512 bytes; one more is refused, not cut. */
	c = good_claims();
	c.given = over;
	expect_claims(&c, ASSERTION_BAD_CLAIMS, "given_name of 513 bytes");
	c.given = over_e;
	expect_claims(&c, ASSERTION_BAD_CLAIMS, "given_name of 514 bytes");
	c.given = max_e;
	expect_claims(&c, ASSERTION_OK, "given_name of 256 x e-acute");
	c.given = max;
	c.family = max;
	t = sign_with(NULL, &c, ec_key);
	CU_ASSERT_EQUAL(verify_at(t, ec_pub, NOW, &a), ASSERTION_OK);
	CU_ASSERT_EQUAL(strlen(a.given_name), 512);
	CU_ASSERT_EQUAL(strlen(a.family_name), 512);
	free(t);
	/* Invalid UTF-8 is bad JSON. */
	c = good_claims();
	c.given = "\"Zo\xc3\x28\"";
	expect_claims(&c, ASSERTION_MALFORMED, "invalid UTF-8 given_name");
	c = good_claims();
	c.family = "\"\xed\xa0\x80\"";
	expect_claims(&c, ASSERTION_MALFORMED, "surrogate in family_name");
	free(max);
	free(over);
	free(max_e);
	free(over_e);
}

static void
test_optional_claims(void)
{
	struct claims c = good_claims();
	char *code_over = quoted_repeat("P", 17);
	char *label_over = quoted_repeat("L", 257);
	char *primary_over = quoted_repeat("p", 33);
	char *t;
	struct assertion a;

	c.code = NULL;
	c.label = NULL;
	c.primary = NULL;
	c.amr = NULL;
	t = sign_with(NULL, &c, ec_key);
	CU_ASSERT_EQUAL(verify_at(t, ec_pub, NOW, &a), ASSERTION_OK);
	CU_ASSERT_STRING_EQUAL(a.profession_code, "");
	CU_ASSERT_STRING_EQUAL(a.profession_label, "");
	CU_ASSERT_STRING_EQUAL(a.primary_id, "");
	CU_ASSERT_EQUAL(a.amr_count, 0);
	CU_ASSERT_EQUAL(assertion_has_amr(&a, "smartcard"), 0);
	free(t);
	c = good_claims();
	c.code = code_over;
	expect_claims(&c, ASSERTION_BAD_CLAIMS, "profession_code 17 bytes");
	c = good_claims();
	c.label = label_over;
	expect_claims(&c, ASSERTION_BAD_CLAIMS, "profession_label 257 bytes");
	c = good_claims();
	c.primary = primary_over;
	expect_claims(&c, ASSERTION_BAD_CLAIMS, "primary_id 33 bytes");
	c = good_claims();
	c.primary = "true";
	expect_claims(&c, ASSERTION_BAD_CLAIMS, "primary_id not a string");
	c = good_claims();
	c.label = "\"M\\u0000\"";
	expect_claims(&c, ASSERTION_MALFORMED, "NUL in profession_label");
	free(code_over);
	free(label_over);
	free(primary_over);
}

static void
test_amr(void)
{
	const char *const bad[] = {
		"1", "[1]", "[\"pwd\",2]", "[\"\"]", "\"\"", "[\"has space\"]",
		"[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\"]",
		"[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]",	/* 33 bytes */
		"{\"m\":\"smartcard\"}", "[[\"smartcard\"]]",
	};
	struct claims c = good_claims();
	struct assertion a;
	char *t;
	size_t i;

	c.amr = "\"smartcard\"";
	t = sign_with(NULL, &c, ec_key);
	CU_ASSERT_EQUAL(verify_at(t, ec_pub, NOW, &a), ASSERTION_OK);
	CU_ASSERT_EQUAL(a.amr_count, 1);
	CU_ASSERT_EQUAL(assertion_has_amr(&a, "smartcard"), 1);
	free(t);
	c.amr = "[\"pwd\",\"smartcard\"]";
	t = sign_with(NULL, &c, ec_key);
	CU_ASSERT_EQUAL(verify_at(t, ec_pub, NOW, &a), ASSERTION_OK);
	CU_ASSERT_EQUAL(a.amr_count, 2);
	CU_ASSERT_EQUAL(assertion_has_amr(&a, "pwd"), 1);
	CU_ASSERT_EQUAL(assertion_has_amr(&a, "smartcard"), 1);
	CU_ASSERT_EQUAL(assertion_has_amr(&a, "smart"), 0);
	free(t);
	c.amr = "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"smartcard\"]";
	t = sign_with(NULL, &c, ec_key);
	CU_ASSERT_EQUAL(verify_at(t, ec_pub, NOW, &a), ASSERTION_OK);
	CU_ASSERT_EQUAL(a.amr_count, ASSERTION_MAX_AMR);
	CU_ASSERT_EQUAL(assertion_has_amr(&a, "smartcard"), 1);
	free(t);
	c.amr = "[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]";	/* 32 bytes */
	expect_claims(&c, ASSERTION_OK, c.amr);
	c.amr = "[]";
	expect_claims(&c, ASSERTION_OK, c.amr);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c.amr = bad[i];
		expect_claims(&c, ASSERTION_BAD_CLAIMS, bad[i]);
	}
}

static void
test_duplicate_claim(void)
{
	struct claims c = good_claims();

	c.extra = ",\"sub\":\"8000000002\"";
	expect_claims(&c, ASSERTION_MALFORMED, "sub twice");
	c.extra = ",\"iss\":\"" ISSUER "\"";
	expect_claims(&c, ASSERTION_MALFORMED, "iss twice, same value");
	c.extra = ",\"e\\u0078p\":1767225900";
	expect_claims(&c, ASSERTION_MALFORMED, "exp twice, once escaped");
}

static void
test_compact_form(void)
{
	struct claims c = good_claims();
	char *token = sign_with(NULL, &c, ec_key);
	char *t, *u;
	static const char zero_bits[] = "AQgw";	/* value % 16 == 0 */
	const char *dot2 = strrchr(token, '.'), *canonical;
	size_t len = strlen(token), sig_at = (size_t)(dot2 - token) + 1;

	expect_token("", 0, ec_pub, ASSERTION_MALFORMED, "empty");
	expect_token(NULL, 0, ec_pub, ASSERTION_MALFORMED, "NULL");
	expect_token("..", 2, ec_pub, ASSERTION_MALFORMED, "two dots");
	expect_token(token, (size_t)(dot2 - token), ec_pub,
		     ASSERTION_MALFORMED, "two parts");
	t = concat(token, ".");
	expect_token(t, strlen(t), ec_pub, ASSERTION_MALFORMED, "4 parts");
	free(t);
	t = concat(token, ".AAAA");
	expect_token(t, strlen(t), ec_pub, ASSERTION_MALFORMED, "4 parts");
	free(t);
	/* Padding, the standard alphabet, stray bytes. */
	t = concat(token, "==");
	expect_token(t, strlen(t), ec_pub, ASSERTION_MALFORMED, "padding");
	free(t);
	t = strdup(token);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	t[3] = '+';
	expect_token(t, len, ec_pub, ASSERTION_MALFORMED, "+ in header");
	t[3] = '/';
	expect_token(t, len, ec_pub, ASSERTION_MALFORMED, "/ in header");
	t[3] = ' ';
	expect_token(t, len, ec_pub, ASSERTION_MALFORMED, "space in header");
	free(t);
	t = strdup(token);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	t[sig_at + 10] = '\0';
	expect_token(t, len, ec_pub, ASSERTION_MALFORMED, "NUL in signature");
	/* 86 characters end in 4 unused bits, which must be zero: the
	 * signer writes them so, the verifier wants them so. */
	strcpy(t, token);
	canonical = strchr(zero_bits, t[len - 1]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(canonical);
	t[len - 1] = "BRhx"[canonical - zero_bits];
	expect_token(t, len, ec_pub, ASSERTION_MALFORMED,
		     "non-zero unused bits in the signature");
	free(t);
	/* A header of 4n+1 characters cannot be base64url. */
	u = concat("eyJhbGciOiJFUzI1NiJ9A", strchr(token, '.'));
	expect_token(u, strlen(u), ec_pub, ASSERTION_MALFORMED,
		     "header of 21 characters");
	free(u);
	free(token);
}

static void
test_signed_but_malformed_payload(void)
{
	const char *const inputs[] = {
		"eyJhbGciOiJSUzI1NiJ9.e30*",		/* not base64url */
		"eyJhbGciOiJSUzI1NiJ9.e30=",		/* padding */
		"eyJhbGciOiJSUzI1NiJ9.e31",		/* unused bits */
		"eyJhbGciOiJSUzI1NiJ9.",		/* empty */
		"eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24",	/* "not json" */
		"eyJhbGciOiJSUzI1NiJ9.W10",		/* "[]" */
	};
	size_t i;

	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		char *t = rs256_raw(inputs[i]);

		expect_token(t, strlen(t), rsa_pub, ASSERTION_MALFORMED,
			     inputs[i]);
		free(t);
	}
	/* The same route with a good payload passes (the helper works). */
	{
		struct claims c = good_claims();
		char *json = claims_json(&c);
		char *payload = b64url((const unsigned char *)json,
				       strlen(json));
		char *input = concat("eyJhbGciOiJSUzI1NiJ9.", payload);
		char *t = rs256_raw(input);

		expect_token(t, strlen(t), rsa_pub, ASSERTION_OK,
			     "hand-made RS256 token");
		free(t);
		free(input);
		free(payload);
		free(json);
	}
}

/* Signs c under header with pad bytes of padding claim; returns the
 * token's length and checks that it verifies exactly when it is within
 * ASSERTION_MAX_BYTES. */
static size_t
check_padded(const char *header, struct claims *c, size_t pad)
{
	char extra[ASSERTION_MAX_BYTES];
	enum assertion_refusal want, got;
	char *t;
	size_t len;

	snprintf(extra, sizeof(extra), ",\"pad\":\"%0*d\"", (int)pad, 0);
	c->extra = extra;
	t = sign_with(header, c, ec_key);
	c->extra = NULL;
	len = strlen(t);
	want = len <= ASSERTION_MAX_BYTES ? ASSERTION_OK : ASSERTION_MALFORMED;
	got = verify_at(t, ec_pub, NOW, NULL);
	check(got == want, __LINE__, "within the size limit if and only if "
	      "accepted", assertion_refusal_name(got));
	free(t);
	return len;
}

static void
test_size_limit(void)
{
	/* Base64url lengths skip every 4k+1, so headers of 15, 16 and 17
	 * bytes are needed to reach every token length. */
	const char *const headers[] = {
		"{\"alg\":\"ES256\"}", "{\"alg\":\"ES256\"} ",
		"{\"alg\":\"ES256\"}  ",
	};
	struct claims c = good_claims();
	int seen_max = 0, seen_over = 0;
	size_t h, pad, len;

	for (h = 0; h < sizeof(headers) / sizeof(headers[0]); h++) {
		/* Start a little under the limit, then grow past it. */
		len = check_padded(headers[h], &c, 5600);
		CU_ASSERT(len < ASSERTION_MAX_BYTES - 8);
		for (pad = 5601; pad < 6000 && len <= ASSERTION_MAX_BYTES + 2;
		     pad++) {
			len = check_padded(headers[h], &c, pad);
			seen_max |= len == ASSERTION_MAX_BYTES;
			seen_over |= len == ASSERTION_MAX_BYTES + 1;
		}
		CU_ASSERT(len > ASSERTION_MAX_BYTES);
	}
	CU_ASSERT(seen_max);
	CU_ASSERT(seen_over);
}

static void
test_unfit_key(void)
{
	struct claims c = good_claims();
	char *token = sign_with(NULL, &c, ec_key), *t = NULL;
	char *json = claims_json(&c);
	struct assertion_expect x = { rsa_small, ISSUER, AUDIENCE, NOW };
	enum assertion_refusal why = ASSERTION_OK;
	struct assertion a;
	struct err e = { 0 };

	/* An unfit portal key is the appliance's fault, not the token's. */
	CU_ASSERT_EQUAL(assertion_verify(token, strlen(token), &x, &a, &why,
					 &e), -1);
	CU_ASSERT_EQUAL(why, ASSERTION_BAD_ALG);
	CU_ASSERT_EQUAL(e.code, ERR_CONFIG);
	x.portal_key = NULL;
	e.code = ERR_NONE;
	CU_ASSERT_EQUAL(assertion_verify(token, strlen(token), &x, &a, &why,
					 &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_CONFIG);
	x.portal_key = ec_pub;
	x.issuer = NULL;
	e.code = ERR_NONE;
	CU_ASSERT_EQUAL(assertion_verify(token, strlen(token), &x, &a, &why,
					 &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_CONFIG);
	/* Nor does the signer use such a key. */
	e.code = ERR_NONE;
	CU_ASSERT_EQUAL(assertion_sign(json, rsa_small, &t, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_CRYPTO);
	CU_ASSERT_PTR_NULL(t);
	free(json);
	free(token);
}

static void
test_refusal_names(void)
{
	CU_ASSERT_STRING_EQUAL(assertion_refusal_name(ASSERTION_OK), "ok");
	CU_ASSERT_STRING_EQUAL(assertion_refusal_name(ASSERTION_MALFORMED),
			       "malformed");
	CU_ASSERT_STRING_EQUAL(assertion_refusal_name(ASSERTION_BAD_ALG),
			       "bad-alg");
	CU_ASSERT_STRING_EQUAL(assertion_refusal_name(
				       ASSERTION_BAD_SIGNATURE),
			       "bad-signature");
	CU_ASSERT_STRING_EQUAL(assertion_refusal_name(ASSERTION_EXPIRED),
			       "expired");
	CU_ASSERT_STRING_EQUAL(assertion_refusal_name(
				       ASSERTION_NOT_YET_VALID),
			       "not-yet-valid");
	CU_ASSERT_STRING_EQUAL(assertion_refusal_name(ASSERTION_TOO_LONG),
			       "too-long");
	CU_ASSERT_STRING_EQUAL(assertion_refusal_name(ASSERTION_BAD_CLAIMS),
			       "bad-claims");
	CU_ASSERT_STRING_EQUAL(assertion_refusal_name(
				       (enum assertion_refusal)42),
			       "unknown");
}

int
test_assertion_register(void)
{
	static const struct {
		const char *name;
		CU_TestFunc fn;
	} tests[] = {
		{ "accepts a good ES256 assertion and copies every claim",
		  test_good_es256 },
		{ "accepts a good RS256 assertion", test_good_rs256 },
		{ "verifies the ES256 example of RFC 7515",
		  test_rfc7515_vector },
		{ "refuses a signature by another key", test_other_key },
		{ "refuses a changed payload or signature", test_tampered },
		{ "refuses an alg that is not the key's", test_alg_mismatch },
		{ "refuses alg none and every other alg",
		  test_alg_none_and_others },
		{ "refuses crit, a bad typ and a repeated alg",
		  test_header_rules },
		{ "refuses a wrong or missing issuer", test_issuer },
		{ "refuses an audience that does not name us",
		  test_audience },
		{ "refuses an expired or future assertion, within skew",
		  test_times },
		{ "refuses a lifetime over 5 minutes or ill-typed times",
		  test_lifetime },
		{ "refuses a sub that is not 10 digits", test_sub },
		{ "refuses a missing, long or unprintable jti", test_jti },
		{ "refuses missing, over-long or control-laden names",
		  test_names },
		{ "leaves absent optional claims empty, bounds them",
		  test_optional_claims },
		{ "reads amr as a string or an array, bounded", test_amr },
		{ "refuses a repeated claim", test_duplicate_claim },
		{ "refuses anything but three base64url parts",
		  test_compact_form },
		{ "refuses a signed payload that is not base64url JSON",
		  test_signed_but_malformed_payload },
		{ "refuses input over ASSERTION_MAX_BYTES", test_size_limit },
		{ "treats an unfit portal key as a configuration error",
		  test_unfit_key },
		{ "names each refusal for the log", test_refusal_names },
	};
	CU_pSuite suite = CU_add_suite("assertion", suite_init, suite_clean);
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
