/*
 * p12.h: assembling the holder's PKCS#12 file.
 *
 * The .p12 holds the private key, the certificate and the CA chain, with
 * a friendly name and the same localKeyID on key and certificate.  Two
 * profiles (../shared/TECH-NOTES.md): modern (PBES2, PBKDF2-HMAC-SHA256,
 * AES-256-CBC on both bags, HMAC-SHA256 MAC) and compatible (3DES on both
 * bags, HMAC-SHA1 MAC; never RC2-40).  Runs in mycertd and mycert-admin.
 */
#ifndef MYCERT_P12_H
#define MYCERT_P12_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "config.h"
#include "err.h"

/* Builds the DER of the PKCS#12 into *der (OPENSSL_malloc'd; the caller
 * wipes and frees it with OPENSSL_clear_free).  The password must be
 * ASCII.  chain may be NULL. */
int p12_build(EVP_PKEY *key, X509 *cert, STACK_OF(X509) *chain,
	      const char *friendly_name, const char *password,
	      enum config_p12_profile profile, unsigned iterations,
	      unsigned char **der, size_t *der_len, struct err *e)
	MUST_CHECK;

#endif
