/*
 * assertion.c: verifying (and, for tests, signing) the portal's signed
 * assertion (assertion.h).
 *
 * Order of the checks: size and shape of the compact form, the header
 * (alg must be the key's), the signature over the first two parts, and
 * only then the claims, so that the claims parser sees signed data only.
 * Messages name the rule that failed and never hold the token's text.
 */
#include "assertion.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "identity.h"
#include "json.h"

#define ES256_SIG_BYTES 64
#define RSA_MIN_BITS 2048
#define TIME_MAX_CLAIM 253402300799LL	/* 9999-12-31T23:59:59Z */

/* The three parts of a compact JWS, decoded. */
struct jws {
	size_t signed_len;		/* "header.payload" */
	const char *payload_b64;
	size_t payload_b64_len;
	unsigned char *header;
	size_t header_len;
	unsigned char *signature;
	size_t signature_len;
	unsigned char *payload;
	size_t payload_len;
};

static const char *const refusal_names[] = {
	[ASSERTION_OK] = "ok",
	[ASSERTION_MALFORMED] = "malformed",
	[ASSERTION_BAD_ALG] = "bad-alg",
	[ASSERTION_BAD_SIGNATURE] = "bad-signature",
	[ASSERTION_BAD_ISSUER] = "bad-issuer",
	[ASSERTION_BAD_AUDIENCE] = "bad-audience",
	[ASSERTION_EXPIRED] = "expired",
	[ASSERTION_NOT_YET_VALID] = "not-yet-valid",
	[ASSERTION_TOO_LONG] = "too-long",
	[ASSERTION_BAD_CLAIMS] = "bad-claims",
};

const char *
assertion_refusal_name(enum assertion_refusal why)
{
	if ((size_t)why >= sizeof(refusal_names) / sizeof(refusal_names[0])) {
		return "unknown";
	}
	return refusal_names[why];
}

/* Sets *why and e (ERR_INPUT) for a refusal; returns -1. */
static int
refuse(enum assertion_refusal *why, enum assertion_refusal reason,
       struct err *e, const char *rule)
{
	*why = reason;
	return err_set(e, ERR_INPUT, "assertion refused (%s): %s",
		       assertion_refusal_name(reason), rule);
}

/* ---- base64url (RFC 4648 section 5, no padding) ------------------------ */

static const char b64url_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int
b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z') {
		return c - 'A';
	} else if (c >= 'a' && c <= 'z') {
		return c - 'a' + 26;
	} else if (c >= '0' && c <= '9') {
		return c - '0' + 52;
	} else if (c == '-') {
		return 62;
	} else if (c == '_') {
		return 63;
	}
	return -1;
}

/* Decodes the n characters at s into a new *out.  Refuses padding, any
 * character outside the alphabet, an impossible length and non-zero
 * unused bits (so that each value has one encoding only). */
static int
b64url_decode(const char *s, size_t n, unsigned char **out, size_t *out_len)
{
	unsigned char *buf;
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t i, len = 0;

	*out = NULL;
	*out_len = 0;
	if (n % 4 == 1) {
		return -1;
	}
	buf = malloc(n / 4 * 3 + 3);
	if (buf == NULL) {
		return -1;
	}
	for (i = 0; i < n; i++) {
		int v = b64url_value((unsigned char)s[i]);

		if (v < 0) {
			free(buf);
			return -1;
		}
		acc = ((acc << 6) | (uint32_t)v) & 0xfff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[len++] = (unsigned char)(acc >> bits);
		}
	}
	if ((acc & ((1u << bits) - 1)) != 0) {
		free(buf);
		return -1;
	}
	*out = buf;
	*out_len = len;
	return 0;
}

/* Appends the base64url form of n bytes to dst (room checked by the
 * caller: 4 * n / 3 + 4 bytes) and NUL-terminates; returns its length. */
static size_t
b64url_encode(const unsigned char *in, size_t n, char *dst)
{
	size_t i, len = 0;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
			     in[i + 2];

		dst[len++] = b64url_alphabet[(v >> 18) & 63];
		dst[len++] = b64url_alphabet[(v >> 12) & 63];
		dst[len++] = b64url_alphabet[(v >> 6) & 63];
		dst[len++] = b64url_alphabet[v & 63];
	}
	if (n - i == 1) {
		dst[len++] = b64url_alphabet[in[i] >> 2];
		dst[len++] = b64url_alphabet[(in[i] & 3) << 4];
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];

		dst[len++] = b64url_alphabet[(v >> 10) & 63];
		dst[len++] = b64url_alphabet[(v >> 4) & 63];
		dst[len++] = b64url_alphabet[(v << 2) & 63];
	}
	dst[len] = '\0';
	return len;
}

static size_t
b64url_room(size_t n)
{
	return n / 3 * 4 + 4;
}

/* ---- keys --------------------------------------------------------------- */

/* The JWS alg that key is fit for: "ES256" (EC P-256) or "RS256" (RSA of
 * 2048 bits or more); NULL for any other key. */
static const char *
key_alg(EVP_PKEY *key)
{
	char group[64];
	size_t group_len = 0;

	if (key == NULL) {
		return NULL;
	}
	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_group_name(key, group, sizeof(group),
					    &group_len) != 1) {
			ERR_clear_error();
			return NULL;
		}
		return strcmp(group, "prime256v1") == 0 ||
		       strcmp(group, "P-256") == 0 ? "ES256" : NULL;
	case EVP_PKEY_RSA:
		return EVP_PKEY_get_bits(key) >= RSA_MIN_BITS ? "RS256" : NULL;
	default:
		return NULL;
	}
}

/* ---- verifying --------------------------------------------------------- */

/* Splits text into its three parts and decodes header and signature. */
static int
split(const char *text, size_t len, struct jws *j,
      enum assertion_refusal *why, struct err *e)
{
	const char *dot1, *dot2;
	size_t header_b64_len;

	if (text == NULL || len == 0) {
		return refuse(why, ASSERTION_MALFORMED, e, "empty");
	}
	if (len > ASSERTION_MAX_BYTES) {
		return refuse(why, ASSERTION_MALFORMED, e, "over the size "
			      "limit");
	}
	dot1 = memchr(text, '.', len);
	dot2 = dot1 != NULL ? memchr(dot1 + 1, '.', len - (size_t)(dot1 -
			      text) - 1) : NULL;
	if (dot2 == NULL || memchr(dot2 + 1, '.', len - (size_t)(dot2 -
				   text) - 1) != NULL) {
		return refuse(why, ASSERTION_MALFORMED, e, "not three parts "
			      "separated by dots (compact JWS)");
	}
	header_b64_len = (size_t)(dot1 - text);
	j->signed_len = (size_t)(dot2 - text);
	j->payload_b64 = dot1 + 1;
	j->payload_b64_len = (size_t)(dot2 - dot1) - 1;
	if (b64url_decode(text, header_b64_len, &j->header,
			  &j->header_len) != 0) {
		return refuse(why, ASSERTION_MALFORMED, e, "header is not "
			      "base64url");
	}
	if (b64url_decode(dot2 + 1, len - j->signed_len - 1, &j->signature,
			  &j->signature_len) != 0) {
		return refuse(why, ASSERTION_MALFORMED, e, "signature is not "
			      "base64url");
	}
	return 0;
}

/* Parses a decoded part as JSON; what names it in the message. */
static int
parse_part(const unsigned char *bytes, size_t len, const char *what,
	   struct json_object **out, enum assertion_refusal *why,
	   struct err *e)
{
	struct err je = { 0 };

	if (json_parse((const char *)bytes, len, out, &je) != 0) {
		if (je.code != ERR_INPUT) {
			*why = ASSERTION_MALFORMED;
			return err_set(e, je.code, "%s", je.msg);
		}
		*why = ASSERTION_MALFORMED;
		return err_set(e, ERR_INPUT, "assertion refused (malformed): "
			       "%s: %s", what, je.msg);
	}
	return 0;
}

static int
check_header(const struct json_object *h, const char *want,
	     enum assertion_refusal *why, struct err *e)
{
	const char *alg = NULL, *typ = NULL;
	int got;

	if (json_get_string(h, "alg", &alg) != 1) {
		return refuse(why, ASSERTION_MALFORMED, e, "header has no alg "
			      "string");
	}
	if (strcmp(alg, "ES256") != 0 && strcmp(alg, "RS256") != 0) {
		return refuse(why, ASSERTION_BAD_ALG, e, "alg is neither "
			      "ES256 nor RS256");
	}
	if (strcmp(alg, want) != 0) {
		return refuse(why, ASSERTION_BAD_ALG, e, "alg does not match "
			      "the type of the portal key");
	}
	/* We implement no JWS extension, so any critical one is refused. */
	if (json_find(h, "crit") != NULL) {
		return refuse(why, ASSERTION_MALFORMED, e, "header lists "
			      "critical extensions (crit)");
	}
	got = json_get_string(h, "typ", &typ);
	if (got < 0 || (got == 1 && strcasecmp(typ, "JWT") != 0)) {
		return refuse(why, ASSERTION_MALFORMED, e, "typ is not JWT");
	}
	return 0;
}

/* Turns a raw R||S signature into the DER form OpenSSL verifies. */
static int
es256_to_der(const unsigned char *raw, unsigned char **der, int *der_len)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, ES256_SIG_BYTES / 2, NULL);
	BIGNUM *s = BN_bin2bn(raw + ES256_SIG_BYTES / 2, ES256_SIG_BYTES / 2,
			      NULL);
	int rc = -1;

	*der = NULL;
	if (sig == NULL || r == NULL || s == NULL ||
	    ECDSA_SIG_set0(sig, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		goto out;
	}
	*der_len = i2d_ECDSA_SIG(sig, der);
	rc = *der_len > 0 ? 0 : -1;
out:
	ECDSA_SIG_free(sig);
	return rc;
}

static int
check_signature(EVP_PKEY *key, int is_ec, const char *text,
		const struct jws *j, enum assertion_refusal *why,
		struct err *e)
{
	EVP_MD_CTX *md = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *der = NULL;
	const unsigned char *sig = j->signature;
	size_t sig_len = j->signature_len;
	int der_len = 0, rc = -1;

	if (is_ec && sig_len != ES256_SIG_BYTES) {
		refuse(why, ASSERTION_BAD_SIGNATURE, e, "ES256 signature is "
		       "not 64 bytes");
		goto out;
	}
	if (!is_ec && sig_len != (size_t)EVP_PKEY_get_size(key)) {
		refuse(why, ASSERTION_BAD_SIGNATURE, e, "RS256 signature is "
		       "not the size of the key");
		goto out;
	}
	if (is_ec) {
		if (es256_to_der(sig, &der, &der_len) != 0) {
			*why = ASSERTION_BAD_SIGNATURE;
			err_openssl(e, ERR_INTERNAL, "cannot encode an ES256 "
				    "signature");
			goto out;
		}
		sig = der;
		sig_len = (size_t)der_len;
	}
	md = EVP_MD_CTX_new();
	if (md == NULL ||
	    EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, key) != 1 ||
	    (!is_ec && EVP_PKEY_CTX_set_rsa_padding(pctx,
						    RSA_PKCS1_PADDING) != 1)) {
		*why = ASSERTION_BAD_SIGNATURE;
		err_openssl(e, ERR_CRYPTO, "cannot start verifying an "
			    "assertion signature");
		goto out;
	}
	if (EVP_DigestVerify(md, sig, sig_len, (const unsigned char *)text,
			     j->signed_len) != 1) {
		ERR_clear_error();
		refuse(why, ASSERTION_BAD_SIGNATURE, e, "the signature does "
		       "not verify with the portal key");
		goto out;
	}
	rc = 0;
out:
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	return rc;
}

static int
check_audience(const struct json_object *c, const char *audience,
	       enum assertion_refusal *why, struct err *e)
{
	const char *one = NULL;
	const char *const *items = NULL;
	size_t count = 0, i;

	if (json_get_string(c, "aud", &one) == 1) {
		items = &one;
		count = 1;
	} else if (json_get_string_array(c, "aud", &items, &count) != 1) {
		return refuse(why, ASSERTION_BAD_AUDIENCE, e, "aud is missing "
			      "or neither a string nor an array of strings");
	}
	for (i = 0; i < count; i++) {
		if (strcmp(items[i], audience) == 0) {
			return 0;
		}
	}
	return refuse(why, ASSERTION_BAD_AUDIENCE, e, "aud does not name "
		      "this appliance");
}

/* Reads a time claim: an integer between 0 and year 9999. */
static int
get_time(const struct json_object *c, const char *key, int required,
	 int64_t *t, struct err *e)
{
	int got = json_get_int(c, key, t);

	if (got == 0 && !required) {
		return 0;
	}
	if (got != 1 || *t < 0 || *t > TIME_MAX_CLAIM) {
		return err_set(e, ERR_INPUT, "assertion refused (bad-claims): "
			       "%s is missing or not a time in seconds", key);
	}
	return 1;
}

static int
check_times(const struct json_object *c, time_t now_t, struct assertion *a,
	    enum assertion_refusal *why, struct err *e)
{
	int64_t iat = 0, exp = 0, nbf = 0, now = (int64_t)now_t;
	int has_nbf = 0;

	*why = ASSERTION_BAD_CLAIMS;
	if (get_time(c, "iat", 1, &iat, e) < 0 ||
	    get_time(c, "exp", 1, &exp, e) < 0 ||
	    (has_nbf = get_time(c, "nbf", 0, &nbf, e)) < 0) {
		return -1;
	}
	if (exp <= iat) {
		return refuse(why, ASSERTION_BAD_CLAIMS, e, "exp is not after "
			      "iat");
	}
	if (exp - iat > ASSERTION_MAX_LIFETIME) {
		return refuse(why, ASSERTION_TOO_LONG, e, "exp - iat is over "
			      "the 300 s limit");
	}
	if (now < iat - ASSERTION_CLOCK_SKEW ||
	    (has_nbf && now < nbf - ASSERTION_CLOCK_SKEW)) {
		return refuse(why, ASSERTION_NOT_YET_VALID, e, "iat or nbf is "
			      "in the future beyond the clock skew");
	}
	if (now > exp + ASSERTION_CLOCK_SKEW) {
		return refuse(why, ASSERTION_EXPIRED, e, "exp has passed "
			      "beyond the clock skew");
	}
	a->iat = (time_t)iat;
	a->exp = (time_t)exp;
	return 0;
}

/* Copies the string claim key into buf (size bytes).  An absent claim is
 * refused when required, else left "".  Refuses a value that does not
 * fit, is empty when required, or holds a control character. */
static int
copy_claim(const struct json_object *c, const char *key, int required,
	   char *buf, size_t size, struct err *e)
{
	const char *v = NULL;
	int got = json_get_string(c, key, &v);
	size_t n;

	buf[0] = '\0';
	if (got < 0) {
		return err_set(e, ERR_INPUT, "assertion refused (bad-claims): "
			       "%s is not a string", key);
	}
	if (got == 0 || v[0] == '\0') {
		return required ? err_set(e, ERR_INPUT, "assertion refused "
					  "(bad-claims): %s is missing or "
					  "empty", key) : 0;
	}
	n = strlen(v);
	if (n >= size) {
		return err_set(e, ERR_INPUT, "assertion refused (bad-claims): "
			       "%s is longer than %zu bytes", key, size - 1);
	}
	if (identity_utf8_chars(v) < 0) {
		return err_set(e, ERR_INPUT, "assertion refused (bad-claims): "
			       "%s holds a control character", key);
	}
	memcpy(buf, v, n + 1);
	return 0;
}

/* Returns 1 when s is made of visible ASCII only (no space). */
static int
visible_ascii(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s < 0x21 || *s > 0x7e) {
			return 0;
		}
	}
	return 1;
}

static int
copy_amr(const struct json_object *c, struct assertion *a, struct err *e)
{
	const char *one = NULL;
	const char *const *items = NULL;
	size_t count = 0, i;
	int got = json_get_string(c, "amr", &one);

	if (got == 1) {
		items = &one;
		count = 1;
	} else if (got < 0 && json_get_string_array(c, "amr", &items,
						    &count) != 1) {
		return err_set(e, ERR_INPUT, "assertion refused (bad-claims): "
			       "amr is neither a string nor an array of "
			       "strings");
	}
	if (count > ASSERTION_MAX_AMR) {
		return err_set(e, ERR_INPUT, "assertion refused (bad-claims): "
			       "amr lists more than %d methods",
			       ASSERTION_MAX_AMR);
	}
	for (i = 0; i < count; i++) {
		size_t n = strlen(items[i]);

		if (n == 0 || n >= sizeof(a->amr[0]) ||
		    !visible_ascii(items[i])) {
			return err_set(e, ERR_INPUT, "assertion refused "
				       "(bad-claims): an amr method is empty, "
				       "over 32 bytes or not visible ASCII");
		}
		memcpy(a->amr[i], items[i], n + 1);
	}
	a->amr_count = count;
	return 0;
}

static int
copy_claims(const struct json_object *c, struct assertion *a,
	    struct err *e)
{
	size_t i;

	if (copy_claim(c, "jti", 1, a->jti, sizeof(a->jti), e) != 0) {
		return -1;
	}
	if (!visible_ascii(a->jti)) {
		return err_set(e, ERR_INPUT, "assertion refused (bad-claims): "
			       "jti is not visible ASCII");
	}
	if (copy_claim(c, "sub", 1, a->sub, sizeof(a->sub), e) != 0) {
		return -1;
	}
	for (i = 0; i < sizeof(a->sub) - 1; i++) {
		if (a->sub[i] < '0' || a->sub[i] > '9') {
			return err_set(e, ERR_INPUT, "assertion refused "
				       "(bad-claims): sub is not 10 digits");
		}
	}
	if (copy_claim(c, "given_name", 1, a->given_name,
		       sizeof(a->given_name), e) != 0 ||
	    copy_claim(c, "family_name", 1, a->family_name,
		       sizeof(a->family_name), e) != 0 ||
	    copy_claim(c, "profession_code", 0, a->profession_code,
		       sizeof(a->profession_code), e) != 0 ||
	    copy_claim(c, "profession_label", 0, a->profession_label,
		       sizeof(a->profession_label), e) != 0 ||
	    copy_claim(c, "primary_id", 0, a->primary_id,
		       sizeof(a->primary_id), e) != 0) {
		return -1;
	}
	return copy_amr(c, a, e);
}

static int
check_claims(const struct json_object *c, const struct assertion_expect *x,
	     struct assertion *a, enum assertion_refusal *why, struct err *e)
{
	const char *iss = NULL;

	if (json_get_string(c, "iss", &iss) != 1 ||
	    strcmp(iss, x->issuer) != 0) {
		return refuse(why, ASSERTION_BAD_ISSUER, e, "iss is not the "
			      "configured portal issuer");
	}
	if (check_audience(c, x->audience, why, e) != 0 ||
	    check_times(c, x->now, a, why, e) != 0) {
		return -1;
	}
	*why = ASSERTION_BAD_CLAIMS;
	return copy_claims(c, a, e);
}

int
assertion_verify(const char *text, size_t len,
		 const struct assertion_expect *x, struct assertion *out,
		 enum assertion_refusal *why, struct err *e)
{
	struct jws j = { 0 };
	struct json_object *header = NULL, *claims = NULL;
	const char *alg = key_alg(x->portal_key);
	int rc = -1;

	memset(out, 0, sizeof(*out));
	*why = ASSERTION_MALFORMED;
	if (alg == NULL || x->issuer == NULL || x->audience == NULL) {
		*why = ASSERTION_BAD_ALG;
		err_set(e, ERR_CONFIG, "the portal key is neither EC P-256 "
			"nor RSA of 2048 bits or more, or the portal issuer "
			"or appliance id is not set");
		goto out;
	}
	if (split(text, len, &j, why, e) != 0 ||
	    parse_part(j.header, j.header_len, "header", &header, why,
		       e) != 0 ||
	    check_header(header, alg, why, e) != 0 ||
	    check_signature(x->portal_key, alg[0] == 'E', text, &j, why,
			    e) != 0) {
		goto out;
	}
	if (b64url_decode(j.payload_b64, j.payload_b64_len, &j.payload,
			  &j.payload_len) != 0) {
		refuse(why, ASSERTION_MALFORMED, e, "payload is not "
		       "base64url");
		goto out;
	}
	if (parse_part(j.payload, j.payload_len, "claims", &claims, why,
		       e) != 0 ||
	    check_claims(claims, x, out, why, e) != 0) {
		goto out;
	}
	*why = ASSERTION_OK;
	rc = 0;
out:
	if (rc != 0) {
		memset(out, 0, sizeof(*out));
	}
	json_free(header);
	json_free(claims);
	free(j.header);
	free(j.signature);
	free(j.payload);
	return rc;
}

int
assertion_has_amr(const struct assertion *a, const char *method)
{
	size_t i;

	for (i = 0; i < a->amr_count && i < ASSERTION_MAX_AMR; i++) {
		if (strcmp(a->amr[i], method) == 0) {
			return 1;
		}
	}
	return 0;
}

/* ---- signing ----------------------------------------------------------- */

/* Signs the n bytes at input with key (SHA-256) into sig, in the JWS form:
 * raw R||S for EC, the RSASSA-PKCS1-v1_5 block for RSA. */
static int
sign_bytes(EVP_PKEY *key, int is_ec, const char *input, size_t n,
	   unsigned char **sig, size_t *sig_len, struct err *e)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *der = NULL, *raw = NULL;
	const unsigned char *p;
	ECDSA_SIG *ec = NULL;
	const BIGNUM *r, *s;
	size_t der_len = 0;
	int rc = -1;

	*sig = NULL;
	if (md == NULL ||
	    EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, key) != 1 ||
	    (!is_ec && EVP_PKEY_CTX_set_rsa_padding(pctx,
						    RSA_PKCS1_PADDING) != 1) ||
	    EVP_DigestSign(md, NULL, &der_len, (const unsigned char *)input,
			   n) != 1 ||
	    (der = OPENSSL_malloc(der_len)) == NULL ||
	    EVP_DigestSign(md, der, &der_len, (const unsigned char *)input,
			   n) != 1) {
		err_openssl(e, ERR_CRYPTO, "cannot sign the assertion");
		goto out;
	}
	if (!is_ec) {
		raw = malloc(der_len);
		if (raw == NULL) {
			err_set(e, ERR_INTERNAL, "out of memory signing");
			goto out;
		}
		memcpy(raw, der, der_len);
		*sig_len = der_len;
	} else {
		p = der;
		ec = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
		raw = malloc(ES256_SIG_BYTES);
		if (ec == NULL || raw == NULL) {
			err_openssl(e, ERR_CRYPTO, "cannot decode an ECDSA "
				    "signature");
			goto out;
		}
		ECDSA_SIG_get0(ec, &r, &s);
		if (BN_bn2binpad(r, raw, ES256_SIG_BYTES / 2) < 0 ||
		    BN_bn2binpad(s, raw + ES256_SIG_BYTES / 2,
				 ES256_SIG_BYTES / 2) < 0) {
			err_openssl(e, ERR_CRYPTO, "ECDSA signature too "
				    "large");
			goto out;
		}
		*sig_len = ES256_SIG_BYTES;
	}
	*sig = raw;
	raw = NULL;
	rc = 0;
out:
	free(raw);
	ECDSA_SIG_free(ec);
	OPENSSL_free(der);
	EVP_MD_CTX_free(md);
	return rc;
}

int
assertion_sign_with_header(const char *header_json, const char *claims_json,
			   EVP_PKEY *key, char **out, struct err *e)
{
	size_t hlen = strlen(header_json), clen = strlen(claims_json);
	size_t len, sig_len = 0;
	unsigned char *sig = NULL;
	const char *alg = NULL;
	char *text = NULL;
	int rc = -1;

	*out = NULL;
	if (key != NULL && (alg = key_alg(key)) == NULL) {
		return err_set(e, ERR_CRYPTO, "the signing key is neither EC "
			       "P-256 nor RSA of 2048 bits or more");
	}
	/* Room for both parts, two dots and the largest RSA signature. */
	text = malloc(b64url_room(hlen) + b64url_room(clen) + 2 +
		      b64url_room(2048));
	if (text == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory signing");
		goto out;
	}
	len = b64url_encode((const unsigned char *)header_json, hlen, text);
	text[len++] = '.';
	len += b64url_encode((const unsigned char *)claims_json, clen,
			     text + len);
	if (key != NULL) {
		if (sign_bytes(key, alg[0] == 'E', text, len, &sig, &sig_len,
			       e) != 0) {
			goto out;
		}
		if (sig_len > 2048) {
			err_set(e, ERR_CRYPTO, "signature over 2048 bytes");
			goto out;
		}
	}
	text[len++] = '.';
	b64url_encode(sig, sig_len, text + len);
	*out = text;
	text = NULL;
	rc = 0;
out:
	free(sig);
	free(text);
	return rc;
}

int
assertion_sign(const char *claims_json, EVP_PKEY *key, char **out,
	       struct err *e)
{
	const char *alg = key_alg(key);
	char header[64];

	*out = NULL;
	if (alg == NULL) {
		return err_set(e, ERR_CRYPTO, "the signing key is neither EC "
			       "P-256 nor RSA of 2048 bits or more");
	}
	snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"typ\":\"JWT\"}",
		 alg);
	return assertion_sign_with_header(header, claims_json, key, out, e);
}
