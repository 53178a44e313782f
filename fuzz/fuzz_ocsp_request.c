/*
 * fuzz_ocsp_request.c: the OCSP request as it reaches the status
 * listener (appliance/ocsp.c): the DER body of a POST through
 * ocsp_parse_request, and the same input read as the path of a GET
 * through ocsp_decode_get and then ocsp_parse_request.  The token and
 * the database are not involved: the answer that follows a parse is
 * built here with OpenSSL and a software key, as ocsp_respond builds it.
 *
 * Invariants: a parsed request holds 1 to OCSP_MAX_CERTS CertIDs and
 * came from at most OCSP_MAX_REQUEST_BYTES; every CertID goes into an
 * answer, its nonce is echoed (when 1 to 131 bytes), the answer signs,
 * encodes and decodes with as many statuses as CertIDs and the nonce
 * the request sent.  A decoded GET fits its buffer and is the only
 * base64 of its bytes (re-encoded, it decodes the same).
 */
#include "fuzz.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "ocsp.h"

static EVP_PKEY *key;
static X509 *signer;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	X509_NAME *name = NULL;

	(void)argc;
	(void)argv;
	key = EVP_EC_gen("P-256");
	signer = X509_new();
	name = X509_get_subject_name(signer);
	if (key == NULL || signer == NULL ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)"fuzz", -1,
					-1, 0) ||
	    !X509_set_issuer_name(signer, name) ||
	    !X509_set_pubkey(signer, key) ||
	    !ASN1_INTEGER_set(X509_get_serialNumber(signer), 1) ||
	    !X509_gmtime_adj(X509_getm_notBefore(signer), 0) ||
	    !X509_gmtime_adj(X509_getm_notAfter(signer), 3600) ||
	    !X509_sign(signer, key, EVP_sha256())) {
		fprintf(stderr, "fuzz_ocsp_request: no software signer\n");
		abort();
	}
	return 0;
}

/* The nonce ocsp.c echoes: present, 1 to 131 bytes of extension value. */
static int
echoed_nonce(OCSP_REQUEST *rq)
{
	int i = OCSP_REQUEST_get_ext_by_NID(rq, NID_id_pkix_OCSP_Nonce, -1);
	int n;

	if (i < 0) {
		return 0;
	}
	n = ASN1_STRING_length(X509_EXTENSION_get_data(
		OCSP_REQUEST_get_ext(rq, i)));
	return n >= 1 && n <= 131;
}

static void
answer(OCSP_REQUEST *rq)
{
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new(), *back_bs = NULL;
	OCSP_RESPONSE *rs = NULL, *back = NULL;
	ASN1_TIME *now = ASN1_TIME_set(NULL, 1767225600);
	unsigned char *der = NULL;
	const unsigned char *p;
	int i, n = OCSP_request_onereq_count(rq), len, nonce;

	FUZZ_CHECK(n >= 1 && n <= OCSP_MAX_CERTS, "1 to 16 CertIDs");
	FUZZ_CHECK(bs != NULL && now != NULL, "memory");
	for (i = 0; i < n; i++) {
		OCSP_CERTID *id = OCSP_onereq_get0_id(
			OCSP_request_onereq_get0(rq, i));

		FUZZ_CHECK(OCSP_basic_add1_status(bs, id,
						  V_OCSP_CERTSTATUS_UNKNOWN, 0,
						  NULL, now, now) != NULL,
			   "every CertID goes into the answer");
	}
	nonce = echoed_nonce(rq);
	FUZZ_CHECK(!nonce || OCSP_copy_nonce(bs, rq) > 0, "the nonce echoes");
	FUZZ_CHECK(OCSP_basic_sign(bs, signer, key, EVP_sha256(), NULL,
				   OCSP_NOCERTS | OCSP_RESPID_KEY) == 1,
		   "the answer signs");
	rs = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
	len = rs != NULL ? i2d_OCSP_RESPONSE(rs, &der) : -1;
	FUZZ_CHECK(len > 0, "the answer encodes");
	p = der;
	back = d2i_OCSP_RESPONSE(NULL, &p, len);
	FUZZ_CHECK(back != NULL && p == der + len, "the answer decodes");
	back_bs = OCSP_response_get1_basic(back);
	FUZZ_CHECK(back_bs != NULL && OCSP_resp_count(back_bs) == n,
		   "one status per CertID");
	FUZZ_CHECK(!nonce || OCSP_check_nonce(rq, back_bs) == 1,
		   "the nonce sent is the nonce echoed");
	OCSP_BASICRESP_free(back_bs);
	OCSP_RESPONSE_free(back);
	OPENSSL_free(der);
	OCSP_RESPONSE_free(rs);
	OCSP_BASICRESP_free(bs);
	ASN1_TIME_free(now);
}

static void
parse(const unsigned char *der, size_t len)
{
	OCSP_REQUEST *rq = NULL;

	if (ocsp_parse_request(der, len, &rq) != 0) {
		FUZZ_CHECK(rq == NULL, "nothing on refusal");
		ERR_clear_error();
		return;
	}
	FUZZ_CHECK(rq != NULL && len <= OCSP_MAX_REQUEST_BYTES,
		   "a request within the size limit");
	answer(rq);
	OCSP_REQUEST_free(rq);
	ERR_clear_error();
}

static void
check_get(const char *path)
{
	unsigned char *der = malloc(OCSP_MAX_REQUEST_BYTES);
	unsigned char *again = malloc(OCSP_MAX_REQUEST_BYTES);
	unsigned char *text = malloc(OCSP_MAX_REQUEST_BYTES / 3 * 4 + 8);
	size_t len = 0, len2 = 0;

	FUZZ_CHECK(der != NULL && again != NULL && text != NULL, "memory");
	if (ocsp_decode_get(path, der, OCSP_MAX_REQUEST_BYTES, &len) == 0) {
		FUZZ_CHECK(len > 0 && len <= OCSP_MAX_REQUEST_BYTES,
			   "a decoded GET fits its buffer");
		EVP_EncodeBlock(text, der, (int)len);
		FUZZ_CHECK(ocsp_decode_get((const char *)text, again,
					   OCSP_MAX_REQUEST_BYTES, &len2) == 0 &&
			   len2 == len && memcmp(again, der, len) == 0,
			   "re-encoded, a GET decodes the same");
		parse(der, len);
	}
	free(der);
	free(again);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *der = (unsigned char *)fuzz_bytes(data, size);
	char *path;

	parse(der, size);
	free(der);
	path = fuzz_string(data, size);
	if (path != NULL) {
		check_get(path);
		free(path);
	}
	return 0;
}
