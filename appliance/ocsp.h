/*
 * ocsp.h: the RFC 6960 OCSP responder's core (no HTTP).
 *
 * Turns a DER OCSPRequest into a DER OCSPResponse: good, revoked (time and
 * reason) or unknown for each certificate asked about, signed in the token
 * with SHA-256 by the CA key or by a delegated OCSP signing key named in
 * the configuration.  Runs in mycertd on the status listener's threads;
 * the request is untrusted input from anyone on the network: it is bounded
 * (OCSP_MAX_REQUEST_BYTES, OCSP_MAX_CERTS) and any input, however broken,
 * gets a proper OCSP answer, never a crash.  The HTTP side (GET with
 * base64 in the path, POST with application/ocsp-request) belongs to the
 * listener.
 *
 * Threads: ocsp_open and ocsp_close from one thread; ocsp_respond from
 * several at once, each with its own struct storage.
 */
#ifndef MYCERT_OCSP_H
#define MYCERT_OCSP_H

#include <stddef.h>
#include <time.h>

#include <openssl/ocsp.h>

#include "config.h"
#include "err.h"
#include "issue.h"
#include "storage.h"
#include "token.h"

/* Larger requests are malformed: one CertID with a nonce is ~100 bytes,
 * a signed request with its certificate a few KiB. */
#define OCSP_MAX_REQUEST_BYTES 8192
/* Longer GET forms (after percent-decoding) are malformed. */
#define OCSP_MAX_GET_CHARS 4096
/* More single requests in one OCSPRequest are malformed. */
#define OCSP_MAX_CERTS 16

struct ocsp_responder;

/* Prepares a responder for the CA of iss: the hashes of the CA's name and
 * key (SHA-1 and SHA-256) and the signer.  Without ocsp_key the CA key
 * signs (no certificate in answers).  With ocsp_key/ocsp_cert, the key is
 * found in t and the certificate must be issued and signed by the CA,
 * valid now, carry extendedKeyUsage OCSPSigning (and digitalSignature if
 * it has keyUsage) and hold the public key of ocsp_key; it is sent in
 * every answer.  Errors: ERR_CONFIG (certificate unreadable or refused),
 * ERR_TOKEN_KEY_NOT_FOUND, ERR_INTERNAL.  iss and t must outlive the
 * responder. */
int ocsp_open(const struct config *cfg, struct issuer *iss, struct token *t,
	      struct ocsp_responder **out, struct err *e) MUST_CHECK;

void ocsp_close(struct ocsp_responder *r);

/* Answers one DER OCSPRequest of len bytes.  Always sets *resp (malloc'd,
 * free with free) to a DER OCSPResponse to send, except when even a
 * five-byte allocation fails (then *resp is NULL, -1, ERR_INTERNAL: answer
 * HTTP 500).
 *
 * - Unparsable, truncated, trailing bytes, no or more than OCSP_MAX_CERTS
 *   single requests, larger than OCSP_MAX_REQUEST_BYTES: malformedRequest,
 *   and 0 (the request was wrong, not the appliance).
 * - The token or the database is away for now (ERR_TOKEN_*,
 *   ERR_UNAVAILABLE): tryLater; another failure: internalError; both
 *   with -1 and e set, so that the caller logs it.
 * - Otherwise successful: a BasicOCSPResponse with, for each CertID,
 *   good / revoked (revocationTime, and the reason unless unspecified or
 *   unknown) / unknown (not this CA's name and key hashes, a hash other
 *   than SHA-1 or SHA-256, a serial this CA never issued); thisUpdate
 *   now, nextUpdate now + ocsp_validity_minutes; the request's nonce
 *   echoed; responderID by key hash; signature checked before it goes
 *   out.  Request signatures are ignored (not required). */
int ocsp_respond(struct ocsp_responder *r, struct storage *db,
		 const unsigned char *req, size_t len, time_t now,
		 unsigned char **resp, size_t *resp_len, struct err *e)
	MUST_CHECK;

/* The pure parsing step of ocsp_respond, for fuzzing: 0 and *out (free
 * with OCSP_REQUEST_free) when req is one whole DER OCSPRequest within
 * the limits above, else -1 and *out NULL. */
int ocsp_parse_request(const unsigned char *req, size_t len,
		       OCSP_REQUEST **out) MUST_CHECK;

/* Decodes the request of an OCSP GET, the path after the responder's
 * URL (RFC 6960 appendix A.1): percent-decoding, then base64 (standard
 * or URL alphabet, padding optional, unused bits zero) into out (cap
 * bytes).  0 and *out_len, or -1 for anything malformed, longer than
 * OCSP_MAX_GET_CHARS or decoding to more than cap bytes.  Pure: the
 * status listener's GET and the fuzz target call it. */
int ocsp_decode_get(const char *tail, unsigned char *out, size_t cap,
		    size_t *out_len) MUST_CHECK;

#endif
