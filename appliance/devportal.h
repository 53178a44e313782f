/*
 * devportal.h: the development portal (DESIGN.md section 4).
 *
 * In development only (dev_portal = on, loopback address), mycertd serves
 * a page listing test personas; each is a form that posts a fresh
 * assertion, signed with the development portal key, to /sso.  The
 * personas cover a valid doctor and one per failed access condition.
 * Tests and make bench mint their own assertions with build/mycert-devportal.
 */
#ifndef MYCERT_DEVPORTAL_H
#define MYCERT_DEVPORTAL_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>

#include "config.h"
#include "err.h"

struct devportal_persona {
	const char *key;		/* "doctor", "not-professional", ... */
	const char *description_en;	/* one line for the page */
	const char *description_fr;
	const char *description_de;
	const char *sub;
	const char *given_name;
	const char *family_name;
	const char *profession_code;	/* NULL: claim left out */
	const char *profession_label;	/* NULL: claim left out */
	const char *primary_id;		/* NULL: claim left out */
	const char *amr;		/* the one method listed; NULL: the
					 * configured strong_amr */
};

/* One assertion's claims in full, so that tests can bend each rule
 * (mycert-devportal's options).  A NULL or empty persona field leaves
 * its claim out. */
struct devportal_claims {
	const char *issuer;		/* iss */
	const char *audience;		/* aud */
	time_t iat;
	long lifetime;			/* exp - iat, seconds */
	const struct devportal_persona *persona;
	const char *strong_amr;		/* amr when persona->amr is NULL */
};

size_t devportal_count(void);
const struct devportal_persona *devportal_get(size_t i);
const struct devportal_persona *devportal_find(const char *key);

/* Reads the development portal's private key (dev_portal_key): ERR_CONFIG
 * when it is not set, else as devportal_load_key_file. */
int devportal_load_key(const struct config *cfg, EVP_PKEY **out,
		       struct err *e) MUST_CHECK;

/* Reads an unencrypted PEM private key from path, which must be a regular
 * file of mode 0600 or stricter (ERR_IO otherwise; ERR_CRYPTO when it
 * holds no key).  *out is freed with EVP_PKEY_free. */
int devportal_load_key_file(const char *path, EVP_PKEY **out,
			    struct err *e) MUST_CHECK;

/* Builds the claims of c as a JSON object (malloc'd in *json), with a
 * fresh jti of 16 random bytes in hex.  The strings are JSON-escaped and
 * otherwise unchecked, so that tests can make bad assertions. */
int devportal_claims_json(const struct devportal_claims *c, char **json,
			  struct err *e) MUST_CHECK;

/* Mints a fresh assertion for persona: iss = portal_issuer, aud =
 * appliance_id, iat = now, exp = now + 300, random jti.  *jws is
 * malloc'd. */
int devportal_mint(const struct config *cfg, EVP_PKEY *key,
		   const struct devportal_persona *persona, time_t now,
		   char **jws, struct err *e) MUST_CHECK;

#endif
