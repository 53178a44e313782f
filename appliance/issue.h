/*
 * issue.h: issuing a holder's store (key pair, certificate, PKCS#12).
 *
 * An issuer binds the configuration, the CA certificate (and chain) and
 * the CA key in the token.  Issuance is two steps, so that the caller can
 * put the store somewhere safe before the database says it exists:
 * issue_prepare (check, generate, sign, assemble; writes nothing) then
 * issue_record (one transaction).  Runs in mycertd (on worker threads:
 * several issuances may run at once on one issuer) and mycert-admin.
 */
#ifndef MYCERT_ISSUE_H
#define MYCERT_ISSUE_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "config.h"
#include "err.h"
#include "identity.h"
#include "password.h"
#include "storage.h"
#include "token.h"

struct issuer;

/* A store under construction: its certificate record (public), the
 * PKCS#12 DER and its password (secret: wiped by issue_result_wipe). */
struct issue_timing {
	double keygen_ms;	/* key pair generation */
	double sign_ms;		/* token signature and its verification */
	double p12_ms;		/* password and PKCS#12 assembly */
	double total_ms;	/* the whole of issue_prepare */
};

struct issue_result {
	struct storage_cert cert;
	struct issue_timing timing;	/* for the log line and make bench */
	unsigned char *p12;
	size_t p12_len;
	char password[PASSWORD_BUF];
};

/* Loads ca_cert (and chain_file), finds ca_key in t and checks that they
 * belong together and can issue now. */
int issue_open(const struct config *cfg, struct token *t,
	       struct issuer **out, struct err *e) MUST_CHECK;

void issue_close(struct issuer *iss);

/* Checks the identity, refuses a holder with an active store that has
 * not expired (ERR_ACTIVE_EXISTS, through db), generates the key pair,
 * builds the certificate, has the token sign it, checks the signature
 * against the CA certificate, generates the password and assembles the
 * PKCS#12.  channel is "web" or "officer".  Writes nothing anywhere. */
int issue_prepare(struct issuer *iss, struct storage *db,
		  const struct identity *id, const char *channel,
		  struct issue_result *out, struct err *e) MUST_CHECK;

/* issue_prepare for a renewal, whose holder keeps a valid store until
 * the switch: without the early refusal.  The caller has checked the
 * holder; the database decides when the store is recorded
 * (storage_record_web_issuance refuses a third store). */
int issue_prepare_renewal(struct issuer *iss, const struct identity *id,
			  const char *channel, struct issue_result *out,
			  struct err *e) MUST_CHECK;

/* Records the prepared store in one transaction (ERR_ACTIVE_EXISTS if the
 * database refuses it: nothing is written then). */
int issue_record(struct issuer *iss, struct storage *db,
		 const struct identity *id, const struct issue_result *r,
		 struct err *e) MUST_CHECK;

/* Wipes the password and the PKCS#12 and frees what r holds. */
void issue_result_wipe(struct issue_result *r);

/* The pieces of issue_prepare, for make bench: each is one primitive. */
int issue_generate_key(enum config_key_type type, EVP_PKEY **out,
		       struct err *e) MUST_CHECK;
int issue_sign(struct issuer *iss, X509 *cert, struct err *e) MUST_CHECK;
int issue_assemble(struct issuer *iss, EVP_PKEY *key, X509 *cert,
		   const char *ehealth_id, const char *password,
		   unsigned char **der, size_t *der_len, struct err *e)
	MUST_CHECK;
X509 *issue_ca_cert(struct issuer *iss);
/* The CA key in the token, to sign CRLs and OCSP answers (through
 * token.h: never a raw key). */
struct token_key *issue_ca_key(struct issuer *iss);
/* The CA's public key (a software copy), to check what the token signed. */
EVP_PKEY *issue_ca_public(struct issuer *iss);
const struct config *issue_config(struct issuer *iss);

#endif
