/*
 * ocsp.c: the OCSP responder's core (see ocsp.h).
 */
#include "ocsp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#define SECONDS_PER_MINUTE 60L
/* RFC 9654: a nonce holds 1 to 128 octets; the extension value wraps it
 * in an OCTET STRING (up to 3 more bytes).  Longer ones are not echoed. */
#define OCSP_MAX_NONCE_EXT_BYTES (128 + 3)

/* The CA's CertID hashes with one hash algorithm. */
struct ca_hashes {
	int nid;			/* NID_sha1, NID_sha256 */
	unsigned char name[EVP_MAX_MD_SIZE];	/* of the subject, DER */
	unsigned char key[EVP_MAX_MD_SIZE];	/* of the public key bits */
	unsigned int len;
};

struct ocsp_responder {
	struct token_key *key;		/* signs: CA key or delegated */
	X509 *signer;			/* its certificate (a reference) */
	EVP_PKEY *signer_public;	/* to check each signature */
	int delegated;			/* 1: signer certificate sent */
	time_t signer_not_after;	/* delegated certificate's end */
	unsigned validity_minutes;
	struct ca_hashes hashes[2];
};

/* A response of this status without a body (RFC 6960 4.2.1):
 * SEQUENCE { ENUMERATED status }. */
static int
status_only(int status, unsigned char **resp, size_t *resp_len,
	    struct err *e)
{
	unsigned char *p = malloc(5);

	*resp = NULL;
	*resp_len = 0;
	if (p == NULL) {
		return err_set(e, ERR_INTERNAL, "out of memory for an OCSP "
			       "error response");
	}
	p[0] = 0x30;
	p[1] = 0x03;
	p[2] = 0x0a;
	p[3] = 0x01;
	p[4] = (unsigned char)status;
	*resp = p;
	*resp_len = 5;
	return 0;
}

/* ---- opening ------------------------------------------------------------ */

static int
hash_ca(X509 *ca, struct ca_hashes *h, int nid, struct err *e)
{
	const EVP_MD *md = nid == NID_sha1 ? EVP_sha1() : EVP_sha256();
	unsigned int n1 = 0, n2 = 0;

	h->nid = nid;
	if (!X509_NAME_digest(X509_get_subject_name(ca), md, h->name, &n1) ||
	    !X509_pubkey_digest(ca, md, h->key, &n2) || n1 != n2) {
		return err_openssl(e, ERR_CRYPTO, "cannot hash the CA's name "
				   "and key");
	}
	h->len = n1;
	return 0;
}

static int
read_cert(const char *path, X509 **out, struct err *e)
{
	FILE *f = fopen(path, "re");

	*out = NULL;
	if (f == NULL) {
		return err_set(e, ERR_CONFIG, "cannot read ocsp_cert %s", path);
	}
	*out = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (*out == NULL) {
		return err_openssl(e, ERR_CONFIG, "ocsp_cert %s is not a PEM "
				   "certificate", path);
	}
	return 0;
}

static int
time_of(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;

	if (!ASN1_TIME_to_tm(t, &tm)) {
		return 0;
	}
	*out = timegm(&tm);
	return 1;
}

/* A delegated signer (RFC 6960 4.2.2.2): issued by the CA, valid now,
 * OCSPSigning in its EKU, and the certificate of the token's key. */
static int
check_delegate(const struct config *cfg, struct issuer *iss, X509 *x,
	       EVP_PKEY *key_public, time_t *not_after, struct err *e)
{
	const char *path = cfg->ocsp_cert;
	uint32_t flags = X509_get_extension_flags(x);

	if (X509_check_issued(issue_ca_cert(iss), x) != X509_V_OK ||
	    X509_verify(x, issue_ca_public(iss)) != 1) {
		ERR_clear_error();
		return err_set(e, ERR_CONFIG, "ocsp_cert %s is not issued by "
			       "the CA %s", path, cfg->ca_cert);
	}
	if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0 ||
	    X509_cmp_current_time(X509_get0_notAfter(x)) < 0 ||
	    !time_of(X509_get0_notAfter(x), not_after)) {
		return err_set(e, ERR_CONFIG, "ocsp_cert %s is not valid now",
			       path);
	}
	if (!(flags & EXFLAG_XKUSAGE) ||
	    !(X509_get_extended_key_usage(x) & XKU_OCSP_SIGN)) {
		return err_set(e, ERR_CONFIG, "ocsp_cert %s lacks the extended "
			       "key usage OCSPSigning: a delegated responder "
			       "needs it (RFC 6960 4.2.2.2)", path);
	}
	if ((flags & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE)) {
		return err_set(e, ERR_CONFIG, "ocsp_cert %s has a key usage "
			       "without digitalSignature", path);
	}
	if (EVP_PKEY_eq(X509_get0_pubkey(x), key_public) != 1) {
		ERR_clear_error();
		return err_set(e, ERR_CONFIG, "ocsp_cert %s is not the "
			       "certificate of the token key \"%s\"", path,
			       cfg->ocsp_key);
	}
	return 0;
}

static int
open_delegate(const struct config *cfg, struct issuer *iss, struct token *t,
	      struct ocsp_responder *r, struct err *e)
{
	if (token_find_key(t, cfg->ocsp_key, &r->key, e) != 0 ||
	    token_key_public(r->key, &r->signer_public, e) != 0 ||
	    read_cert(cfg->ocsp_cert, &r->signer, e) != 0 ||
	    check_delegate(cfg, iss, r->signer, r->signer_public,
			   &r->signer_not_after, e) != 0) {
		return -1;
	}
	r->delegated = 1;
	return 0;
}

int
ocsp_open(const struct config *cfg, struct issuer *iss, struct token *t,
	  struct ocsp_responder **out, struct err *e)
{
	struct ocsp_responder *r = calloc(1, sizeof(*r));
	X509 *ca = issue_ca_cert(iss);

	*out = NULL;
	if (r == NULL) {
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	r->validity_minutes = cfg->ocsp_validity_minutes;
	if (hash_ca(ca, &r->hashes[0], NID_sha1, e) != 0 ||
	    hash_ca(ca, &r->hashes[1], NID_sha256, e) != 0) {
		goto fail;
	}
	if (cfg->ocsp_key != NULL && cfg->ocsp_cert != NULL) {
		if (open_delegate(cfg, iss, t, r, e) != 0) {
			goto fail;
		}
	} else {
		r->key = issue_ca_key(iss);
		if (!X509_up_ref(ca) || !EVP_PKEY_up_ref(issue_ca_public(iss))) {
			err_set(e, ERR_INTERNAL, "out of memory");
			goto fail;
		}
		r->signer = ca;
		r->signer_public = issue_ca_public(iss);
	}
	*out = r;
	return 0;
fail:
	ocsp_close(r);
	return -1;
}

void
ocsp_close(struct ocsp_responder *r)
{
	if (r == NULL) {
		return;
	}
	X509_free(r->signer);
	EVP_PKEY_free(r->signer_public);
	free(r);
}

/* ---- parsing -------------------------------------------------------------- */

/* 1 when the extension is critical and not one mycert understands. */
static int
critical_unknown(X509_EXTENSION *x)
{
	int nid = OBJ_obj2nid(X509_EXTENSION_get_object(x));

	return X509_EXTENSION_get_critical(x) &&
	       nid != NID_id_pkix_OCSP_Nonce &&
	       nid != NID_id_pkix_OCSP_acceptableResponses;
}

/* 1 when the CertID can be copied into the answer.  The decoder accepts
 * some fields that do not survive a copy (encode, then decode), such as
 * hash parameters with the constructed tag 0x20. */
static int
copyable_id(OCSP_CERTID *id)
{
	OCSP_CERTID *copy = OCSP_CERTID_dup(id);

	OCSP_CERTID_free(copy);
	return copy != NULL;
}

/* 1 when there is no nonce or it can be copied into the answer. */
static int
copyable_nonce(OCSP_REQUEST *rq)
{
	int i = OCSP_REQUEST_get_ext_by_NID(rq, NID_id_pkix_OCSP_Nonce, -1);
	X509_EXTENSION *copy;

	if (i < 0) {
		return 1;
	}
	copy = X509_EXTENSION_dup(OCSP_REQUEST_get_ext(rq, i));
	X509_EXTENSION_free(copy);
	return copy != NULL;
}

static int
check_request(OCSP_REQUEST *rq)
{
	int i, j, n = OCSP_request_onereq_count(rq);

	if (n < 1 || n > OCSP_MAX_CERTS) {
		return -1;
	}
	for (i = 0; i < OCSP_REQUEST_get_ext_count(rq); i++) {
		if (critical_unknown(OCSP_REQUEST_get_ext(rq, i))) {
			return -1;
		}
	}
	if (!copyable_nonce(rq)) {
		return -1;
	}
	for (i = 0; i < n; i++) {
		OCSP_ONEREQ *one = OCSP_request_onereq_get0(rq, i);

		if (one == NULL || OCSP_onereq_get0_id(one) == NULL ||
		    !copyable_id(OCSP_onereq_get0_id(one))) {
			return -1;
		}
		for (j = 0; j < OCSP_ONEREQ_get_ext_count(one); j++) {
			if (critical_unknown(OCSP_ONEREQ_get_ext(one, j))) {
				return -1;
			}
		}
	}
	return 0;
}

int
ocsp_parse_request(const unsigned char *req, size_t len, OCSP_REQUEST **out)
{
	const unsigned char *p = req;
	OCSP_REQUEST *rq;

	*out = NULL;
	if (req == NULL || len == 0 || len > OCSP_MAX_REQUEST_BYTES) {
		return -1;
	}
	rq = d2i_OCSP_REQUEST(NULL, &p, (long)len);
	/* One whole request: trailing bytes are as wrong as missing ones. */
	if (rq == NULL || p != req + len || check_request(rq) != 0) {
		OCSP_REQUEST_free(rq);
		ERR_clear_error();
		return -1;
	}
	*out = rq;
	return 0;
}

/* ---- the GET form (RFC 6960 appendix A.1) ------------------------------ */

static int
base64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z') {
		return c - 'A';
	}
	if (c >= 'a' && c <= 'z') {
		return c - 'a' + 26;
	}
	if (c >= '0' && c <= '9') {
		return c - '0' + 52;
	}
	if (c == '+' || c == '-') {	/* '-' and '_': the URL alphabet */
		return 62;
	}
	if (c == '/' || c == '_') {
		return 63;
	}
	return -1;
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

int
ocsp_decode_get(const char *tail, unsigned char *out, size_t cap,
		size_t *out_len)
{
	char text[OCSP_MAX_GET_CHARS + 1];
	size_t n = 0, i, o = 0, pad = 0;
	unsigned acc = 0;
	int bits = 0;

	for (i = 0; tail[i] != '\0'; i++) {
		char c = tail[i];

		if (n >= OCSP_MAX_GET_CHARS) {
			return -1;
		}
		if (c == '%') {
			int hi = hex_value(tail[i + 1]);
			int lo = hi < 0 ? -1 : hex_value(tail[i + 2]);

			if (lo < 0) {
				return -1;
			}
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		text[n++] = c;
	}
	while (n > 0 && text[n - 1] == '=' && pad < 2) {
		n--;
		pad++;
	}
	if (n == 0 || n % 4 == 1 || (pad > 0 && (n + pad) % 4 != 0)) {
		return -1;
	}
	for (i = 0; i < n; i++) {
		int v = base64_value((unsigned char)text[i]);

		if (v < 0) {
			return -1;
		}
		acc = (acc << 6 | (unsigned)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= cap) {
				return -1;
			}
			out[o++] = (unsigned char)(acc >> bits & 0xff);
		}
	}
	/* The bits left over must be zero (canonical encoding). */
	if ((acc & ((1u << bits) - 1)) != 0) {
		return -1;
	}
	*out_len = o;
	return 0;
}

/* ---- answering ------------------------------------------------------------ */

static int
hash_equal(const ASN1_OCTET_STRING *s, const unsigned char *h,
	   unsigned int len)
{
	return s != NULL && ASN1_STRING_length(s) == (int)len &&
	       memcmp(ASN1_STRING_get0_data(s), h, len) == 0;
}

/* 1 when the CertID names this CA (by its hash algorithm). */
static int
is_our_ca(const struct ocsp_responder *r, OCSP_CERTID *id)
{
	ASN1_OCTET_STRING *name = NULL, *key = NULL;
	ASN1_OBJECT *md = NULL;
	ASN1_INTEGER *serial = NULL;
	size_t i;
	int nid;

	if (!OCSP_id_get0_info(&name, &md, &key, &serial, id) || md == NULL) {
		return 0;
	}
	nid = OBJ_obj2nid(md);
	for (i = 0; i < sizeof(r->hashes) / sizeof(r->hashes[0]); i++) {
		const struct ca_hashes *h = &r->hashes[i];

		if (h->nid == nid) {
			return hash_equal(name, h->name, h->len) &&
			       hash_equal(key, h->key, h->len);
		}
	}
	return 0;
}

/* RFC 5280 5.3.1 reasons worth stating: unspecified (0) is left out, as
 * the CA/Browser Forum requires for OCSP, and 7 is not a reason. */
static int
stated_reason(int reason)
{
	return reason >= 1 && reason <= 10 && reason != 7
		       ? reason : OCSP_REVOKED_STATUS_NOSTATUS;
}

static int
add_single(const struct ocsp_responder *r, struct storage *db,
	   OCSP_BASICRESP *bs, OCSP_CERTID *id, ASN1_TIME *this_update,
	   ASN1_TIME *next_update, struct err *e)
{
	enum storage_status status = STORAGE_STATUS_UNKNOWN;
	ASN1_OCTET_STRING *name = NULL, *key = NULL;
	ASN1_OBJECT *md = NULL;
	ASN1_INTEGER *serial = NULL;
	ASN1_TIME *revoked = NULL;
	time_t revoked_at = 0;
	int reason = -1, code, ok;

	OCSP_id_get0_info(&name, &md, &key, &serial, id);
	/* A negative serial is none of ours. */
	if (is_our_ca(r, id) && serial != NULL &&
	    ASN1_STRING_type(serial) == V_ASN1_INTEGER &&
	    storage_cert_status(db, ASN1_STRING_get0_data(serial),
				(size_t)ASN1_STRING_length(serial), &status,
				&revoked_at, &reason, e) != 0) {
		return -1;
	}
	switch (status) {
	case STORAGE_STATUS_GOOD: code = V_OCSP_CERTSTATUS_GOOD; break;
	case STORAGE_STATUS_REVOKED: code = V_OCSP_CERTSTATUS_REVOKED; break;
	default: code = V_OCSP_CERTSTATUS_UNKNOWN; break;
	}
	if (code == V_OCSP_CERTSTATUS_REVOKED &&
	    (revoked = ASN1_TIME_set(NULL, revoked_at)) == NULL) {
		return err_openssl(e, ERR_INTERNAL, "cannot encode a time");
	}
	ok = OCSP_basic_add1_status(bs, id, code, stated_reason(reason),
				    revoked, this_update, next_update) != NULL;
	ASN1_TIME_free(revoked);
	if (!ok) {
		return err_openssl(e, ERR_INTERNAL, "cannot add a status to "
				   "the OCSP response");
	}
	return 0;
}

/* Echoes the request's nonce (RFC 6960 4.4.1) when it has a sane one. */
static int
echo_nonce(OCSP_BASICRESP *bs, OCSP_REQUEST *rq)
{
	int i = OCSP_REQUEST_get_ext_by_NID(rq, NID_id_pkix_OCSP_Nonce, -1);
	X509_EXTENSION *x;

	if (i < 0) {
		return 1;
	}
	x = OCSP_REQUEST_get_ext(rq, i);
	if (ASN1_STRING_length(X509_EXTENSION_get_data(x)) < 1 ||
	    ASN1_STRING_length(X509_EXTENSION_get_data(x)) >
		    OCSP_MAX_NONCE_EXT_BYTES) {
		return 1;
	}
	return OCSP_copy_nonce(bs, rq) > 0;
}

struct sign_job {
	OCSP_BASICRESP *bs;
	X509 *signer;
};

static int
sign_basic(EVP_PKEY *pkey, void *arg)
{
	struct sign_job *job = arg;

	/* The signer certificate, when sent, was added once beforehand:
	 * this may run twice (the token reconnects after a failure). */
	return OCSP_basic_sign(job->bs, job->signer, pkey, EVP_sha256(), NULL,
			       OCSP_NOCERTS | OCSP_RESPID_KEY);
}

static int
sign_response(struct ocsp_responder *r, OCSP_BASICRESP *bs, struct err *e)
{
	struct sign_job job = { bs, r->signer };

	if (r->delegated && !OCSP_basic_add1_cert(bs, r->signer)) {
		return err_openssl(e, ERR_INTERNAL, "cannot add the OCSP "
				   "signer certificate");
	}
	if (token_sign_with(r->key, sign_basic, &job, e) != 0) {
		return -1;
	}
	if (ASN1_item_verify(ASN1_ITEM_rptr(OCSP_RESPDATA),
			     OCSP_resp_get0_tbs_sigalg(bs),
			     OCSP_resp_get0_signature(bs),
			     OCSP_resp_get0_respdata(bs),
			     r->signer_public) != 1) {
		return err_openssl(e, ERR_TOKEN_SIGN, "the OCSP response signed "
				   "by the token does not verify with the "
				   "signer's public key");
	}
	return 0;
}

static int
build_basic(struct ocsp_responder *r, struct storage *db, OCSP_REQUEST *rq,
	    time_t now, OCSP_BASICRESP **out, struct err *e)
{
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	ASN1_TIME *this_update = ASN1_TIME_set(NULL, now);
	ASN1_TIME *next_update = ASN1_TIME_set(NULL, now +
		(time_t)r->validity_minutes * SECONDS_PER_MINUTE);
	int i, rc = -1;

	*out = NULL;
	if (bs == NULL || this_update == NULL || next_update == NULL) {
		err_openssl(e, ERR_INTERNAL, "out of memory for an OCSP "
			    "response");
		goto out;
	}
	for (i = 0; i < OCSP_request_onereq_count(rq); i++) {
		OCSP_CERTID *id = OCSP_onereq_get0_id(
			OCSP_request_onereq_get0(rq, i));

		if (add_single(r, db, bs, id, this_update, next_update,
			       e) != 0) {
			goto out;
		}
	}
	if (!echo_nonce(bs, rq)) {
		err_openssl(e, ERR_INTERNAL, "cannot echo the OCSP nonce");
		goto out;
	}
	if (sign_response(r, bs, e) != 0) {
		goto out;
	}
	*out = bs;
	bs = NULL;
	rc = 0;
out:
	OCSP_BASICRESP_free(bs);
	ASN1_TIME_free(this_update);
	ASN1_TIME_free(next_update);
	return rc;
}

static int
encode_response(OCSP_BASICRESP *bs, unsigned char **resp, size_t *resp_len,
		struct err *e)
{
	OCSP_RESPONSE *rs = OCSP_response_create(
		OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
	unsigned char *der = NULL;
	int n = rs == NULL ? -1 : i2d_OCSP_RESPONSE(rs, &der);

	OCSP_RESPONSE_free(rs);
	if (n <= 0 || (*resp = malloc((size_t)n)) == NULL) {
		OPENSSL_free(der);
		return err_openssl(e, ERR_INTERNAL, "cannot encode the OCSP "
				   "response");
	}
	memcpy(*resp, der, (size_t)n);
	*resp_len = (size_t)n;
	OPENSSL_free(der);
	return 0;
}

int
ocsp_respond(struct ocsp_responder *r, struct storage *db,
	     const unsigned char *req, size_t len, time_t now,
	     unsigned char **resp, size_t *resp_len, struct err *e)
{
	OCSP_REQUEST *rq = NULL;
	OCSP_BASICRESP *bs = NULL;
	struct err e2 = { 0 };
	int rc = -1, status;

	*resp = NULL;
	*resp_len = 0;
	if (ocsp_parse_request(req, len, &rq) != 0) {
		return status_only(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST, resp,
				   resp_len, e);
	}
	if (r->delegated && now > r->signer_not_after) {
		err_set(e, ERR_CONFIG, "the OCSP signing certificate expired; "
			"issue a new ocsp_cert and restart mycertd");
		goto fail;
	}
	if (build_basic(r, db, rq, now, &bs, e) != 0 ||
	    encode_response(bs, resp, resp_len, e) != 0) {
		goto fail;
	}
	rc = 0;
	goto out;
fail:
	/* Still an answer to send; e says what went wrong.  A token or
	 * database away for now is tryLater (RFC 6960 section 2.3): the
	 * relying party asks again, rather than taking it for a fault. */
	status = OCSP_RESPONSE_STATUS_INTERNALERROR;
	if (e->code == ERR_UNAVAILABLE ||
	    (e->code >= ERR_TOKEN_MODULE && e->code <= ERR_TOKEN_SIGN)) {
		status = OCSP_RESPONSE_STATUS_TRYLATER;
	}
	if (status_only(status, resp, resp_len, &e2) != 0) {
		*e = e2;
	}
out:
	OCSP_BASICRESP_free(bs);
	OCSP_REQUEST_free(rq);
	return rc;
}
