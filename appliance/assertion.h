/*
 * assertion.h: the portal's signed assertion (DESIGN.md section 4).
 *
 * The portal posts a JWS in compact form (ES256 or RS256).  This module
 * verifies its signature against the portal's public key, checks iss,
 * aud, iat, exp (lifetime at most 5 minutes, small clock skew), jti,
 * and extracts the claims.  The access rules (professional, primary
 * identifier, strong login) are judged by the caller from the claims, so
 * that each failed condition gets its own page.  The replay guard (seen
 * jti) is the caller's too: it needs the database.
 *
 * Input is untrusted and comes straight from the network: every length
 * is bounded, the JSON parser refuses anything it does not expect.
 * Runs in mycertd (request threads; no shared state).
 */
#ifndef MYCERT_ASSERTION_H
#define MYCERT_ASSERTION_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>

#include "err.h"

#define ASSERTION_MAX_BYTES 8192
#define ASSERTION_MAX_LIFETIME 300	/* exp - iat, seconds */
#define ASSERTION_CLOCK_SKEW 60		/* seconds */
#define ASSERTION_MAX_AMR 8

/* Why an assertion was refused, for the log (the person gets one plain
 * page for all of these). */
enum assertion_refusal {
	ASSERTION_OK = 0,
	ASSERTION_MALFORMED,	/* not a compact JWS, bad base64, bad JSON */
	ASSERTION_BAD_ALG,	/* alg not ES256/RS256 or not the key's */
	ASSERTION_BAD_SIGNATURE,
	ASSERTION_BAD_ISSUER,
	ASSERTION_BAD_AUDIENCE,
	ASSERTION_EXPIRED,	/* exp passed (beyond skew) */
	ASSERTION_NOT_YET_VALID,/* iat in the future (beyond skew) */
	ASSERTION_TOO_LONG,	/* exp - iat over ASSERTION_MAX_LIFETIME */
	ASSERTION_BAD_CLAIMS,	/* missing/ill-typed jti, sub, names ... */
};

/* The claims, copied out of the assertion.  Optional claims absent from
 * the assertion are empty strings ("") so that the caller can tell. */
struct assertion {
	char jti[129];
	char sub[11];			/* the eHealthID, 10 digits */
	char given_name[513];		/* UTF-8, checked by identity rules */
	char family_name[513];
	char profession_code[17];	/* "" when not a professional */
	char profession_label[257];	/* "" when not a professional */
	char primary_id[33];		/* "ehealth_id" when primary */
	char amr[ASSERTION_MAX_AMR][33];
	size_t amr_count;
	time_t iat;
	time_t exp;
};

struct assertion_expect {
	EVP_PKEY *portal_key;	/* the portal's public key (EC P-256/RSA) */
	const char *issuer;	/* iss must equal it */
	const char *audience;	/* aud must equal it (string, or an array
				 * containing it) */
	time_t now;
};

/* Verifies text and fills out.  On refusal returns -1, *why says which
 * rule failed and e->msg says it for the log (never the token itself);
 * e->code is then ERR_INPUT.  Another code means the appliance is at
 * fault, not the assertion: ERR_CONFIG (portal key neither EC P-256 nor
 * RSA >= 2048, or issuer/audience unset), ERR_INTERNAL or ERR_CRYPTO.
 * On failure out is all zeros. */
int assertion_verify(const char *text, size_t len,
		     const struct assertion_expect *x, struct assertion *out,
		     enum assertion_refusal *why, struct err *e) MUST_CHECK;

/* A stable short name for the log ("bad-signature"). */
const char *assertion_refusal_name(enum assertion_refusal why);

/* Returns 1 when amr lists method. */
int assertion_has_amr(const struct assertion *a, const char *method);

/* For the development portal and tests: signs claims_json (a JSON object)
 * with key (ES256 for EC P-256, RS256 for RSA >= 2048; header
 * {"alg":...,"typ":"JWT"}) into a compact JWS, malloc'd in *out.
 * claims_json is not checked, so that tests can sign malformed claims. */
int assertion_sign(const char *claims_json, EVP_PKEY *key, char **out,
		   struct err *e) MUST_CHECK;

/* For negative tests: like assertion_sign, but with header_json used as it
 * is (the signature follows the key's type whatever the header says), and
 * with key NULL an unsigned token ("header.claims." with an empty
 * signature).  Neither JSON text is checked. */
int assertion_sign_with_header(const char *header_json,
			       const char *claims_json, EVP_PKEY *key,
			       char **out, struct err *e) MUST_CHECK;

#endif
