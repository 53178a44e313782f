/*
 * token.h: the PKCS#11 token that holds the CA and audit keys.
 *
 * The only module that includes libp11.  It loads the module named in the
 * configuration, finds the token by label or RFC 7512 URI, logs in with the
 * PIN read from a file, finds keys, and signs certificates, CSRs, CRLs and
 * data with them.  Callers never get a raw key handle: they hand over what
 * is to be signed.  Runs in mycertd and mycert-admin.
 *
 * Threads: open, find keys and close from one thread; the sign functions
 * may then be called from several threads at once.  At most
 * TOKEN_MAX_SIGNERS signatures run together (libp11 0.4.12 keeps 16
 * sessions per slot and blocks the 17th); a caller that waits longer than
 * TOKEN_SIGN_WAIT_SECONDS for its turn gets ERR_TOKEN_SIGN.
 *
 * Load libp11 after any fork, never before (libp11 0.4.12 loses its
 * locking after a fork).
 */
#ifndef MYCERT_TOKEN_H
#define MYCERT_TOKEN_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "err.h"

#define TOKEN_MAX_SIGNERS 8
#define TOKEN_SIGN_WAIT_SECONDS 30
#define TOKEN_MAX_KEYS 8

struct token;
struct token_key;

struct token_params {
	const char *module;		/* path of the PKCS#11 module */
	const char *softhsm2_conf;	/* optional: SoftHSM2 config file */
	const char *token;		/* label or pkcs11: URI */
	const char *pin_file;		/* user PIN, mode 0600 */
};

/* Loads the module, finds the token and logs in.  Errors:
 * ERR_TOKEN_MODULE, ERR_TOKEN_NOT_FOUND, ERR_TOKEN_PIN_FILE,
 * ERR_TOKEN_PIN_INCORRECT, ERR_TOKEN_PIN_LOCKED, ERR_CONFIG.  The PIN is
 * wiped from mycert's memory after login (libp11 keeps its own copy for
 * re-login; the process should be non-dumpable). */
int token_open(const struct token_params *p, struct token **out,
	       struct err *e) MUST_CHECK;

/* Frees the keys, logs out, releases the slots and unloads the module. */
void token_close(struct token *t);

/* Finds the private key named by selector (a label, or a pkcs11: URI with
 * object= and/or id=).  The key belongs to t and lives until
 * token_close.  Error: ERR_TOKEN_KEY_NOT_FOUND (none, or several). */
int token_find_key(struct token *t, const char *selector,
		   struct token_key **out, struct err *e) MUST_CHECK;

/* EVP_PKEY_RSA or EVP_PKEY_EC. */
int token_key_type(const struct token_key *k);

/* A new public-key-only EVP_PKEY for k, owned by the caller.  Both read
 * what was kept when the key was found: they work while the token is
 * away (no token call). */
int token_key_public(const struct token_key *k, EVP_PKEY **out,
		     struct err *e) MUST_CHECK;

/* Signs with SHA-256 and RSA PKCS#1 v1.5 or ECDSA, inside the token.
 * Error: ERR_TOKEN_SIGN. */
int token_sign_cert(struct token_key *k, X509 *cert, struct err *e)
	MUST_CHECK;
int token_sign_req(struct token_key *k, X509_REQ *req, struct err *e)
	MUST_CHECK;
int token_sign_crl(struct token_key *k, X509_CRL *crl, struct err *e)
	MUST_CHECK;

/* Signs data (SHA-256 digest; PKCS#1 v1.5 or ECDSA in DER).  *sig is
 * allocated with OPENSSL_malloc; the caller frees it with OPENSSL_free. */
int token_sign_data(struct token_key *k, const unsigned char *data,
		    size_t len, unsigned char **sig, size_t *sig_len,
		    struct err *e) MUST_CHECK;

/* Lets fn sign with the key through an EVP_PKEY valid only during the
 * call, for OpenSSL functions that need one (OCSP_basic_sign).  fn returns
 * 1 on success as OpenSSL does. */
int token_sign_with(struct token_key *k, int (*fn)(EVP_PKEY *, void *),
		    void *arg, struct err *e) MUST_CHECK;

/* Asks the token for its state; 0 when it answers and is logged in. */
int token_health(struct token *t, struct err *e) MUST_CHECK;

#endif
