/*
 * profile.h: the certificate profile of a store (DESIGN.md section 5), and
 * of the CA and audit certificates that provisioning makes.
 *
 * Builds unsigned certificates; signing is the token's job.  Runs in
 * mycertd and mycert-admin; its input has passed identity_check.
 */
#ifndef MYCERT_PROFILE_H
#define MYCERT_PROFILE_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "config.h"
#include "err.h"
#include "identity.h"

#define PROFILE_SERIAL_BYTES 16

/* Fills out with a random serial: 16 bytes, positive (top bit clear) and
 * with a non-zero first byte, so that its DER is exactly 16 bytes. */
int profile_serial_new(unsigned char out[PROFILE_SERIAL_BYTES],
		       struct err *e) MUST_CHECK;

/* Builds the holder's certificate for public_key, issued by ca_cert,
 * unsigned, valid from now for cfg->validity_days (never past the CA
 * certificate's own end). */
int profile_build_store_cert(const struct config *cfg,
			     const struct identity *id, EVP_PKEY *public_key,
			     X509 *ca_cert, time_t now, X509 **out,
			     struct err *e) MUST_CHECK;

/* Builds an unsigned self-signed CA certificate for public_key with the
 * subject in OpenSSL's "/C=FR/O=.../CN=..." form. */
int profile_build_ca_cert(const char *subject, EVP_PKEY *public_key,
			  unsigned days, time_t now, X509 **out,
			  struct err *e) MUST_CHECK;

/* Builds an unsigned CSR for the CA key. */
int profile_build_ca_req(const char *subject, EVP_PKEY *public_key,
			 X509_REQ **out, struct err *e) MUST_CHECK;

/* Builds the unsigned certificate of the audit key, issued by ca_cert. */
int profile_build_audit_cert(const char *subject, EVP_PKEY *public_key,
			     X509 *ca_cert, unsigned days, time_t now,
			     X509 **out, struct err *e) MUST_CHECK;

/* Parses "/C=FR/O=x/CN=y" into a new X509_NAME (UTF-8 values). */
int profile_parse_subject(const char *subject, X509_NAME **out,
			  struct err *e) MUST_CHECK;

/* Checks that cert can act as the issuing CA: CA:TRUE, keyCertSign and
 * cRLSign, valid at now, and public key equal to ca_public. */
int profile_check_ca(X509 *cert, EVP_PKEY *ca_public, time_t now,
		     struct err *e) MUST_CHECK;

#endif
