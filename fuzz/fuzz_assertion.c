/*
 * fuzz_assertion.c: the portal's signed assertion (appliance/assertion.c
 * assertion_verify, with json.c and identity.c), the whole verify path
 * with fixed test keys (fuzz/keys/) and a fixed clock.
 *
 * The first byte of an input chooses what the rest is:
 *   'E'  a compact JWS, verified against the EC P-256 key (ES256);
 *   'R'  a compact JWS, verified against the RSA-2048 key (RS256);
 *   'C'  claims (JSON text), signed here with the EC key, so that the
 *        claim checks are reached: a fuzzer cannot forge a signature;
 *   'H'  a header and claims separated by the first newline, signed
 *        with the EC key whatever the header says;
 * any other byte: one of these by its value modulo 4.
 *
 * Invariants: an accepted assertion has a 10-digit sub, a visible ASCII
 * jti, names, at most 8 visible ASCII amr, iat < exp <= iat + 300 and
 * the clock inside them (with the skew), and, for 'C', the claims it was
 * given; a refused one leaves the output all zero, says why, and its
 * message starts with that reason.
 */
#include "fuzz.h"

#include <openssl/bio.h>
#include <openssl/pem.h>

#include "assertion.h"
#include "fuzz_keys.h"
#include "json.h"

/* 2026-01-01T00:00:00Z: the seeds were minted for this instant. */
#define FUZZ_NOW 1767225600
#define FUZZ_ISSUER "https://portal.fuzz.invalid"
#define FUZZ_AUDIENCE "https://mycert.fuzz.invalid"

static EVP_PKEY *ec_key, *rsa_key;

static EVP_PKEY *
read_key(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)
				: NULL;

	BIO_free(b);
	if (k == NULL) {
		fprintf(stderr, "fuzz_assertion: cannot read a test key\n");
		abort();
	}
	return k;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ec_key = read_key(fuzz_pem_portal_ec);
	rsa_key = read_key(fuzz_pem_portal_rsa);
	return 0;
}

static int
visible(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s < 0x21 || *s > 0x7e) {
			return 0;
		}
	}
	return 1;
}

static int
all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		if (b[i] != 0) {
			return 0;
		}
	}
	return 1;
}

/* A claim of claims_json equals the one copied out ("" when absent). */
static void
same_claim(const struct json_object *c, const char *key, const char *got)
{
	const char *v = NULL;

	if (json_get_string(c, key, &v) == 1) {
		FUZZ_CHECK(strcmp(v, got) == 0, "the claim copied out is the "
			   "claim signed");
	} else {
		FUZZ_CHECK(got[0] == '\0', "an absent claim is \"\"");
	}
}

static void
check_accepted(const struct assertion *a, const char *claims_json)
{
	struct json_object *c = NULL;
	struct err e = { 0 };
	size_t i;

	FUZZ_CHECK(strlen(a->sub) == 10 && strspn(a->sub, "0123456789") == 10,
		   "sub is 10 digits");
	FUZZ_CHECK(a->jti[0] != '\0' && visible(a->jti), "jti is visible");
	FUZZ_CHECK(a->given_name[0] != '\0' && a->family_name[0] != '\0',
		   "names are present");
	FUZZ_CHECK(a->amr_count <= ASSERTION_MAX_AMR, "at most 8 amr");
	for (i = 0; i < a->amr_count; i++) {
		FUZZ_CHECK(a->amr[i][0] != '\0' && visible(a->amr[i]),
			   "amr are visible ASCII");
	}
	FUZZ_CHECK(a->iat < a->exp && a->exp - a->iat <= ASSERTION_MAX_LIFETIME,
		   "lifetime within 300 s");
	FUZZ_CHECK(FUZZ_NOW >= a->iat - ASSERTION_CLOCK_SKEW &&
		   FUZZ_NOW <= a->exp + ASSERTION_CLOCK_SKEW,
		   "the clock lies inside the lifetime");
	if (claims_json == NULL) {
		return;
	}
	FUZZ_CHECK(json_parse(claims_json, strlen(claims_json), &c, &e) == 0,
		   "accepted claims are JSON");
	same_claim(c, "jti", a->jti);
	same_claim(c, "sub", a->sub);
	same_claim(c, "given_name", a->given_name);
	same_claim(c, "family_name", a->family_name);
	same_claim(c, "profession_code", a->profession_code);
	same_claim(c, "profession_label", a->profession_label);
	same_claim(c, "primary_id", a->primary_id);
	json_free(c);
}

static void
verify(const char *token, size_t len, EVP_PKEY *key, const char *claims)
{
	struct assertion_expect x = {
		.portal_key = key, .issuer = FUZZ_ISSUER,
		.audience = FUZZ_AUDIENCE, .now = FUZZ_NOW,
	};
	struct assertion a;
	enum assertion_refusal why = ASSERTION_OK;
	struct err e = { 0 };
	char prefix[64];

	if (assertion_verify(token, len, &x, &a, &why, &e) == 0) {
		FUZZ_CHECK(why == ASSERTION_OK, "accepted means ok");
		check_accepted(&a, claims);
		return;
	}
	FUZZ_CHECK(why != ASSERTION_OK, "a refusal says why");
	FUZZ_CHECK(all_zero(&a, sizeof(a)), "a refusal leaves nothing");
	FUZZ_CHECK(e.code == ERR_INPUT, "a refusal is the input's fault");
	snprintf(prefix, sizeof(prefix), "assertion refused (%s)",
		 assertion_refusal_name(why));
	FUZZ_CHECK(strncmp(e.msg, prefix, strlen(prefix)) == 0,
		   "the message names the reason");
}

/* Signs claims (and header, or the default one) with the EC key. */
static void
sign_and_verify(const char *header, const char *claims)
{
	struct err e = { 0 };
	char *token = NULL;
	int rc = header != NULL
		? assertion_sign_with_header(header, claims, ec_key, &token, &e)
		: assertion_sign(claims, ec_key, &token, &e);

	FUZZ_CHECK(rc == 0, "the test key signs");
	verify(token, strlen(token), ec_key, header == NULL ? claims : NULL);
	free(token);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *rest, *newline;
	int mode;

	if (size == 0) {
		return 0;
	}
	mode = data[0] == 'E' ? 0 : data[0] == 'R' ? 1 : data[0] == 'C' ? 2
	       : data[0] == 'H' ? 3 : data[0] % 4;
	if (mode < 2) {
		rest = fuzz_bytes(data + 1, size - 1);
		verify(rest, size - 1, mode == 0 ? ec_key : rsa_key, NULL);
		free(rest);
		return 0;
	}
	rest = fuzz_string(data + 1, size - 1);
	if (rest == NULL || size - 1 > ASSERTION_MAX_BYTES / 2) {
		free(rest);
		return 0;
	}
	newline = mode == 3 ? strchr(rest, '\n') : NULL;
	if (newline != NULL) {
		*newline = '\0';
		sign_and_verify(rest, newline + 1);
	} else if (mode == 2) {
		sign_and_verify(NULL, rest);
	}
	free(rest);
	return 0;
}
