/*
 * test_ocsp.c: the OCSP responder's core on the real token: statuses,
 * CertID hashes, nonce, signature, delegated signer, and broken input.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <CUnit/CUnit.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <sqlite3.h>

#include "fixture.h"
#include "issue.h"
#include "ocsp.h"
#include "suites.h"

static struct config *cfg;
static struct token *tok;
static struct issuer *iss;
static struct ocsp_responder *responder;
static struct storage *db;
static char *db_path;
/* OCSP_basic_verify flags of answer_ok. */
static unsigned long verify_flags;

/* The certificates of the suite's database. */
static X509 *good_cert, *revoked_cert, *unspecified_cert;
static time_t revoked_at;

/* ---- fixtures -------------------------------------------------------------- */

static X509 *
issue_one(const char *ehealth_id, char serial[STORAGE_SERIAL_HEX + 1])
{
	struct identity id = {
		.ehealth_id = ehealth_id,
		.given_name = "Paul",
		.family_name = "Durand",
		.profession_code = "PS-001",
		.profession_label = "Infirmier",
		.email = "paul@example.org",
	};
	struct issue_result r;
	struct err e = { 0 };
	const unsigned char *p;
	X509 *x;

	if (issue_prepare(iss, db, &id, "officer", &r, &e) != 0 ||
	    issue_record(iss, db, &id, &r, &e) != 0) {
		fprintf(stderr, "unit-tests: issuing: %s\n", e.msg);
		exit(2);
	}
	p = r.cert.der;
	x = d2i_X509(NULL, &p, (long)r.cert.der_len);
	memcpy(serial, r.cert.serial, STORAGE_SERIAL_HEX + 1);
	issue_result_wipe(&r);
	return x;
}

static void
revoke(const char *serial, int reason, time_t when)
{
	struct err e = { 0 };

	if (storage_revoke(db, serial, reason, when, &e) != 0) {
		fprintf(stderr, "unit-tests: revoking: %s\n", e.msg);
		exit(2);
	}
}

static int
setup(void)
{
	char serial[3][STORAGE_SERIAL_HEX + 1];
	char *dir, *path = NULL;
	struct err e = { 0 };

	cfg = fixture_config();
	cfg->store_key_type = CONFIG_KEY_P256;	/* fast stores */
	tok = fixture_token(cfg);
	dir = fixture_temp_dir();
	if (asprintf(&path, "%s/ocsp.db", dir) < 0 ||
	    issue_open(cfg, tok, &iss, &e) != 0 ||
	    storage_create(path, &db, &e) != 0 ||
	    ocsp_open(cfg, iss, tok, &responder, &e) != 0) {
		fprintf(stderr, "unit-tests: ocsp setup: %s\n", e.msg);
		return -1;
	}
	db_path = path;
	free(dir);
	good_cert = issue_one("3000000001", serial[0]);
	revoked_cert = issue_one("3000000002", serial[1]);
	unspecified_cert = issue_one("3000000003", serial[2]);
	revoked_at = time(NULL) - 600;
	revoke(serial[1], 1, revoked_at);	/* keyCompromise */
	revoke(serial[2], 0, revoked_at);
	return 0;
}

static int
teardown(void)
{
	X509_free(good_cert);
	X509_free(revoked_cert);
	X509_free(unspecified_cert);
	ocsp_close(responder);
	storage_close(db);
	free(db_path);
	issue_close(iss);
	token_close(tok);
	config_free(cfg);
	return 0;
}

/* ---- helpers ----------------------------------------------------------------- */

struct request {
	OCSP_REQUEST *req;
	unsigned char *der;
	int len;
};

static OCSP_CERTID *
id_of(X509 *x, const EVP_MD *md)
{
	OCSP_CERTID *id = OCSP_cert_to_id(md, x, issue_ca_cert(iss));

	CU_ASSERT_PTR_NOT_NULL_FATAL(id);
	return id;
}

/* A CertID with this CA's hashes and the given serial bytes. */
static OCSP_CERTID *
id_of_serial(const unsigned char *serial, int len)
{
	X509 *ca = issue_ca_cert(iss);
	ASN1_INTEGER *sn = ASN1_INTEGER_new();
	OCSP_CERTID *id;

	CU_ASSERT_FATAL(sn != NULL && ASN1_STRING_set(sn, serial, len));
	id = OCSP_cert_id_new(EVP_sha1(), X509_get_subject_name(ca),
			      X509_get0_pubkey_bitstr(ca), sn);
	ASN1_INTEGER_free(sn);
	CU_ASSERT_PTR_NOT_NULL_FATAL(id);
	return id;
}

/* Adds ids (owned by the request then) and encodes. */
static struct request
make_request(OCSP_CERTID **ids, int n, int nonce)
{
	struct request r = { OCSP_REQUEST_new(), NULL, 0 };
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r.req);
	for (i = 0; i < n; i++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(OCSP_request_add0_id(r.req,
								  ids[i]));
	}
	if (nonce) {
		CU_ASSERT_FATAL(OCSP_request_add1_nonce(r.req, NULL, -1));
	}
	r.len = i2d_OCSP_REQUEST(r.req, &r.der);
	CU_ASSERT_FATAL(r.len > 0);
	return r;
}

static void
request_free(struct request *r)
{
	OCSP_REQUEST_free(r->req);
	OPENSSL_free(r->der);
}

/* Answers der; checks that a DER OCSPResponse came back and returns it
 * parsed.  *rc gets ocsp_respond's result. */
static OCSP_RESPONSE *
answer(const unsigned char *der, size_t len, time_t now, int *rc)
{
	unsigned char *resp = NULL;
	const unsigned char *p;
	size_t resp_len = 0;
	struct err e = { 0 };
	OCSP_RESPONSE *rs;

	*rc = ocsp_respond(responder, db, der, len, now, &resp, &resp_len,
			   &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(resp);
	p = resp;
	rs = d2i_OCSP_RESPONSE(NULL, &p, (long)resp_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT(p == resp + resp_len);
	free(resp);
	return rs;
}

/* A successful answer's BasicOCSPResponse, checked to verify with the CA
 * certificate the way relying parties do. */
static OCSP_BASICRESP *
answer_ok(struct request *r, time_t now)
{
	STACK_OF(X509) *certs = sk_X509_new_null();
	X509_STORE *store = X509_STORE_new();
	OCSP_BASICRESP *bs;
	OCSP_RESPONSE *rs;
	int rc;

	rs = answer(r->der, (size_t)r->len, now, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL_FATAL(OCSP_response_status(rs),
			      OCSP_RESPONSE_STATUS_SUCCESSFUL);
	bs = OCSP_response_get1_basic(rs);
	OCSP_RESPONSE_free(rs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bs);
	CU_ASSERT_FATAL(certs != NULL && store != NULL);
	sk_X509_push(certs, issue_ca_cert(iss));
	X509_STORE_add_cert(store, issue_ca_cert(iss));
	CU_ASSERT_EQUAL(OCSP_basic_verify(bs, certs, store, verify_flags), 1);
	sk_X509_free(certs);
	X509_STORE_free(store);
	return bs;
}

struct single {
	int status, reason;
	time_t revoked, this_update, next_update;
};

static struct single
status_of(OCSP_BASICRESP *bs, OCSP_CERTID *id)
{
	ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
	struct single s = { -1, -2, 0, 0, 0 };
	struct tm tm;

	CU_ASSERT_FATAL(OCSP_resp_find_status(bs, id, &s.status, &s.reason,
					      &rev, &thisupd, &nextupd));
	if (rev != NULL && ASN1_TIME_to_tm(rev, &tm)) {
		s.revoked = timegm(&tm);
	}
	if (thisupd != NULL && ASN1_TIME_to_tm(thisupd, &tm)) {
		s.this_update = timegm(&tm);
	}
	if (nextupd != NULL && ASN1_TIME_to_tm(nextupd, &tm)) {
		s.next_update = timegm(&tm);
	}
	return s;
}

/* Asks about one CertID; returns its status in the answer. */
static struct single
ask(OCSP_CERTID *id, time_t now)
{
	OCSP_CERTID *copy = OCSP_CERTID_dup(id);
	struct request r = make_request(&copy, 1, 0);
	OCSP_BASICRESP *bs = answer_ok(&r, now);
	struct single s = status_of(bs, id);

	CU_ASSERT_EQUAL(OCSP_resp_count(bs), 1);
	OCSP_BASICRESP_free(bs);
	request_free(&r);
	return s;
}

/* The status of the answer to der; an error status has no body. */
static int
response_status_of(const unsigned char *der, size_t len, int *rc)
{
	OCSP_RESPONSE *rs = answer(der, len, time(NULL), rc);
	int status = OCSP_response_status(rs);
	OCSP_BASICRESP *bs = OCSP_response_get1_basic(rs);

	CU_ASSERT(status == OCSP_RESPONSE_STATUS_SUCCESSFUL
		  ? bs != NULL : bs == NULL);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(rs);
	return status;
}

/* ---- statuses -------------------------------------------------------------- */

static void
answers_good_sha1(void)
{
	OCSP_CERTID *id = id_of(good_cert, EVP_sha1());
	struct single s = ask(id, time(NULL));

	CU_ASSERT_EQUAL(s.status, V_OCSP_CERTSTATUS_GOOD);
	OCSP_CERTID_free(id);
}

static void
answers_good_sha256(void)
{
	OCSP_CERTID *id = id_of(good_cert, EVP_sha256());
	struct single s = ask(id, time(NULL));

	CU_ASSERT_EQUAL(s.status, V_OCSP_CERTSTATUS_GOOD);
	OCSP_CERTID_free(id);
}

static void
answers_revoked_with_time_and_reason(void)
{
	OCSP_CERTID *id = id_of(revoked_cert, EVP_sha256());
	struct single s = ask(id, time(NULL));

	CU_ASSERT_EQUAL(s.status, V_OCSP_CERTSTATUS_REVOKED);
	CU_ASSERT_EQUAL(s.reason, OCSP_REVOKED_STATUS_KEYCOMPROMISE);
	CU_ASSERT_EQUAL(s.revoked, revoked_at);
	OCSP_CERTID_free(id);
}

static void
answers_revoked_without_reason_when_unspecified(void)
{
	OCSP_CERTID *id = id_of(unspecified_cert, EVP_sha1());
	struct single s = ask(id, time(NULL));

	CU_ASSERT_EQUAL(s.status, V_OCSP_CERTSTATUS_REVOKED);
	CU_ASSERT_EQUAL(s.reason, OCSP_REVOKED_STATUS_NOSTATUS);
	CU_ASSERT_EQUAL(s.revoked, revoked_at);
	OCSP_CERTID_free(id);
}

static void
answers_unknown_for_serial_never_issued(void)
{
	unsigned char serial[16];
	OCSP_CERTID *id;
	struct single s;

	CU_ASSERT_FATAL(RAND_bytes(serial, sizeof(serial)) == 1);
	serial[0] = 0x41;
	id = id_of_serial(serial, sizeof(serial));
	s = ask(id, time(NULL));
	CU_ASSERT_EQUAL(s.status, V_OCSP_CERTSTATUS_UNKNOWN);
	OCSP_CERTID_free(id);
}

static void
answers_unknown_for_serial_of_wrong_length(void)
{
	const unsigned char *sn = ASN1_STRING_get0_data(
		X509_get0_serialNumber(good_cert));
	OCSP_CERTID *id = id_of_serial(sn, 8);	/* half of a real one */
	struct single s = ask(id, time(NULL));

	CU_ASSERT_EQUAL(s.status, V_OCSP_CERTSTATUS_UNKNOWN);
	OCSP_CERTID_free(id);
}

static void
answers_unknown_for_other_issuer(void)
{
	X509_NAME *other = X509_NAME_new();
	X509 *ca = issue_ca_cert(iss);
	OCSP_CERTID *by_name, *by_key;
	ASN1_BIT_STRING *key = ASN1_BIT_STRING_new();
	static const unsigned char junk[] = "not the CA key";

	CU_ASSERT_FATAL(other != NULL && key != NULL);
	CU_ASSERT_FATAL(X509_NAME_add_entry_by_txt(other, "CN", MBSTRING_UTF8,
		(const unsigned char *)"Another CA", -1, -1, 0));
	CU_ASSERT_FATAL(ASN1_BIT_STRING_set(key, (unsigned char *)junk,
					    sizeof(junk)));
	/* The good certificate's serial, but a wrong name or key hash. */
	by_name = OCSP_cert_id_new(EVP_sha1(), other,
				   X509_get0_pubkey_bitstr(ca),
				   (ASN1_INTEGER *)X509_get0_serialNumber(
					   good_cert));
	by_key = OCSP_cert_id_new(EVP_sha256(), X509_get_subject_name(ca),
				  key, (ASN1_INTEGER *)X509_get0_serialNumber(
					       good_cert));
	CU_ASSERT_FATAL(by_name != NULL && by_key != NULL);
	/* Relying parties refuse a CA's answer about another CA's
	 * certificate; check the signature, not that authority. */
	verify_flags = OCSP_NOCHECKS;
	CU_ASSERT_EQUAL(ask(by_name, time(NULL)).status,
			V_OCSP_CERTSTATUS_UNKNOWN);
	CU_ASSERT_EQUAL(ask(by_key, time(NULL)).status,
			V_OCSP_CERTSTATUS_UNKNOWN);
	verify_flags = 0;
	OCSP_CERTID_free(by_name);
	OCSP_CERTID_free(by_key);
	ASN1_BIT_STRING_free(key);
	X509_NAME_free(other);
}

static void
answers_unknown_for_other_hash_algorithm(void)
{
	OCSP_CERTID *id = id_of(good_cert, EVP_sha384());

	CU_ASSERT_EQUAL(ask(id, time(NULL)).status, V_OCSP_CERTSTATUS_UNKNOWN);
	OCSP_CERTID_free(id);
}

static void
answers_every_certid_of_one_request(void)
{
	unsigned char never[16] = { 0x42, 1, 2, 3 };
	OCSP_CERTID *ids[3], *keep[3];
	struct request r;
	OCSP_BASICRESP *bs;
	int i;

	ids[0] = id_of(good_cert, EVP_sha1());
	ids[1] = id_of(revoked_cert, EVP_sha256());
	ids[2] = id_of_serial(never, sizeof(never));
	for (i = 0; i < 3; i++) {
		keep[i] = OCSP_CERTID_dup(ids[i]);
	}
	r = make_request(ids, 3, 1);
	bs = answer_ok(&r, time(NULL));
	CU_ASSERT_EQUAL(OCSP_resp_count(bs), 3);
	CU_ASSERT_EQUAL(status_of(bs, keep[0]).status, V_OCSP_CERTSTATUS_GOOD);
	CU_ASSERT_EQUAL(status_of(bs, keep[1]).status,
			V_OCSP_CERTSTATUS_REVOKED);
	CU_ASSERT_EQUAL(status_of(bs, keep[2]).status,
			V_OCSP_CERTSTATUS_UNKNOWN);
	CU_ASSERT_EQUAL(OCSP_check_nonce(r.req, bs), 1);
	for (i = 0; i < 3; i++) {
		OCSP_CERTID_free(keep[i]);
	}
	OCSP_BASICRESP_free(bs);
	request_free(&r);
}

/* ---- the response itself ----------------------------------------------------- */

static void
echoes_nonce(void)
{
	OCSP_CERTID *id = id_of(good_cert, EVP_sha1());
	struct request r = make_request(&id, 1, 1);
	OCSP_BASICRESP *bs = answer_ok(&r, time(NULL));

	CU_ASSERT_EQUAL(OCSP_check_nonce(r.req, bs), 1);	/* equal */
	OCSP_BASICRESP_free(bs);
	request_free(&r);
}

static void
adds_no_nonce_when_none_asked(void)
{
	OCSP_CERTID *id = id_of(good_cert, EVP_sha1());
	struct request r = make_request(&id, 1, 0);
	OCSP_BASICRESP *bs = answer_ok(&r, time(NULL));

	CU_ASSERT_EQUAL(OCSP_check_nonce(r.req, bs), 2);	/* neither */
	OCSP_BASICRESP_free(bs);
	request_free(&r);
}

static void
sets_update_times_from_config(void)
{
	OCSP_CERTID *id = id_of(good_cert, EVP_sha1());
	time_t now = time(NULL) - 120;
	struct single s = ask(id, now);

	CU_ASSERT_EQUAL(s.this_update, now);
	CU_ASSERT_EQUAL(s.next_update,
			now + (time_t)cfg->ocsp_validity_minutes * 60);
	OCSP_CERTID_free(id);
}

static void
signs_with_ca_key_by_key_hash_without_certs(void)
{
	OCSP_CERTID *id = id_of(good_cert, EVP_sha1());
	struct request r = make_request(&id, 1, 0);
	OCSP_BASICRESP *bs = answer_ok(&r, time(NULL));
	const ASN1_OCTET_STRING *key_hash = NULL;
	const X509_NAME *name = NULL;
	unsigned char md[20];
	unsigned int n = 0;
	int hash_nid = 0;

	CU_ASSERT_EQUAL_FATAL(OCSP_resp_get0_id(bs, &key_hash, &name), 1);
	CU_ASSERT_PTR_NULL(name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(key_hash);
	CU_ASSERT_FATAL(X509_pubkey_digest(issue_ca_cert(iss), EVP_sha1(), md,
					   &n));
	CU_ASSERT_EQUAL(ASN1_STRING_length(key_hash), 20);
	CU_ASSERT_EQUAL(memcmp(ASN1_STRING_get0_data(key_hash), md, 20), 0);
	CU_ASSERT(sk_X509_num(OCSP_resp_get0_certs(bs)) <= 0);	/* none */
	CU_ASSERT(OBJ_find_sigid_algs(OBJ_obj2nid(
		OCSP_resp_get0_tbs_sigalg(bs)->algorithm), &hash_nid, NULL));
	CU_ASSERT_EQUAL(hash_nid, NID_sha256);
	OCSP_BASICRESP_free(bs);
	request_free(&r);
}

/* ---- broken input --------------------------------------------------------- */

static void
expect_malformed(const unsigned char *der, size_t len)
{
	int rc = -1;

	CU_ASSERT_EQUAL(response_status_of(der, len, &rc),
			OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
	CU_ASSERT_EQUAL(rc, 0);
}

static void
answers_malformed_to_broken_requests(void)
{
	OCSP_CERTID *id = id_of(good_cert, EVP_sha1());
	struct request r = make_request(&id, 1, 1);
	unsigned char one = 0x30, garbage[512], *big, *longer;
	size_t cut;

	expect_malformed(NULL, 0);
	expect_malformed((const unsigned char *)"", 0);
	expect_malformed(&one, 1);
	for (cut = 1; cut < (size_t)r.len; cut++) {	/* every truncation */
		expect_malformed(r.der, cut);
	}
	CU_ASSERT_FATAL(RAND_bytes(garbage, sizeof(garbage)) == 1);
	expect_malformed(garbage, sizeof(garbage));
	expect_malformed((const unsigned char *)"GET / HTTP/1.1\r\n\r\n", 18);
	big = calloc(1, 100 * 1024);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	memcpy(big, r.der, (size_t)r.len);
	expect_malformed(big, 100 * 1024);
	free(big);
	/* A whole request followed by one more byte. */
	longer = malloc((size_t)r.len + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(longer);
	memcpy(longer, r.der, (size_t)r.len);
	longer[r.len] = 0;
	expect_malformed(longer, (size_t)r.len + 1);
	free(longer);
	request_free(&r);
}

/* Found by the mutation test: a CertID whose hash parameters carry the
 * constructed tag 0x20 decodes but cannot be encoded again. */
static void
answers_malformed_to_certid_that_cannot_be_encoded(void)
{
	OCSP_CERTID *id = id_of(good_cert, EVP_sha1());
	struct request r = make_request(&id, 1, 0);
	unsigned char *p;

	/* AlgorithmIdentifier sha1 with NULL parameters: 06 05 2b 0e 03 02
	 * 1a 05 00. */
	p = memmem(r.der, (size_t)r.len, "\x2b\x0e\x03\x02\x1a\x05\x00", 7);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	p[5] = 0x20;
	expect_malformed(r.der, (size_t)r.len);
	request_free(&r);
}

static void
answers_malformed_to_too_many_certids(void)
{
	OCSP_CERTID *ids[OCSP_MAX_CERTS + 1];
	struct request r;
	int i;

	for (i = 0; i <= OCSP_MAX_CERTS; i++) {
		ids[i] = id_of(good_cert, EVP_sha1());
	}
	r = make_request(ids, OCSP_MAX_CERTS + 1, 0);
	expect_malformed(r.der, (size_t)r.len);
	request_free(&r);
	for (i = 0; i < OCSP_MAX_CERTS; i++) {
		ids[i] = id_of(good_cert, EVP_sha1());
	}
	r = make_request(ids, OCSP_MAX_CERTS, 0);	/* the limit itself */
	OCSP_BASICRESP_free(answer_ok(&r, time(NULL)));
	request_free(&r);
}

static void
answers_malformed_to_unknown_critical_extension(void)
{
	OCSP_CERTID *id = id_of(good_cert, EVP_sha1());
	struct request r = make_request(&id, 1, 0);
	ASN1_OCTET_STRING *value = ASN1_OCTET_STRING_new();
	ASN1_OBJECT *obj = OBJ_txt2obj("1.3.6.1.4.1.99999.1", 1);
	X509_EXTENSION *x;

	CU_ASSERT_FATAL(value != NULL && obj != NULL &&
			ASN1_OCTET_STRING_set(value,
					      (const unsigned char *)"\x05\x00",
					      2));
	x = X509_EXTENSION_create_by_OBJ(NULL, obj, 1, value);
	CU_ASSERT_FATAL(x != NULL && OCSP_REQUEST_add_ext(r.req, x, -1));
	OPENSSL_free(r.der);
	r.der = NULL;
	r.len = i2d_OCSP_REQUEST(r.req, &r.der);
	expect_malformed(r.der, (size_t)r.len);
	X509_EXTENSION_free(x);
	ASN1_OBJECT_free(obj);
	ASN1_OCTET_STRING_free(value);
	request_free(&r);
}

/* Flips bytes of a valid request many times: every answer parses and is
 * successful or malformedRequest, never a crash or an error.  Under
 * valgrind (MYCERT_UNIT_SLOW, make check-valgrind) each signature costs
 * seconds, so it runs 100 mutations there; fuzz/ covers the parser in
 * depth. */
static void
survives_mutated_requests(void)
{
	const int rounds = getenv("MYCERT_UNIT_SLOW") ? 100 : 2000;
	OCSP_CERTID *ids[2] = { id_of(good_cert, EVP_sha1()),
				id_of(revoked_cert, EVP_sha256()) };
	struct request r = make_request(ids, 2, 1);
	unsigned char *copy = malloc((size_t)r.len);
	unsigned char noise[4];
	int i, rc, status;

	CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
	for (i = 0; i < rounds; i++) {
		memcpy(copy, r.der, (size_t)r.len);
		CU_ASSERT_FATAL(RAND_bytes(noise, sizeof(noise)) == 1);
		copy[(noise[0] | noise[1] << 8) % r.len] ^= noise[2] | 1;
		if (noise[3] & 1) {
			copy[(noise[3] >> 1) % r.len] = noise[2];
		}
		status = response_status_of(copy, (size_t)r.len, &rc);
		CU_ASSERT(status == OCSP_RESPONSE_STATUS_SUCCESSFUL ||
			  status == OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
		CU_ASSERT_EQUAL(rc, 0);
	}
	free(copy);
	request_free(&r);
}

static void
answers_internal_error_when_database_fails(void)
{
	char *dir = fixture_temp_dir(), *path = NULL;
	struct storage *broken = NULL;
	OCSP_CERTID *id = id_of(good_cert, EVP_sha1());
	struct request r = make_request(&id, 1, 0);
	unsigned char *resp = NULL;
	size_t resp_len = 0;
	struct err e = { 0 };
	sqlite3 *raw = NULL;
	const unsigned char *p;
	OCSP_RESPONSE *rs;

	CU_ASSERT_FATAL(asprintf(&path, "%s/broken.db", dir) > 0);
	CU_ASSERT_EQUAL_FATAL(storage_create(path, &broken, &e), 0);
	storage_close(broken);
	/* A database without its certificates table: every lookup fails. */
	CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &raw), SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(sqlite3_exec(raw, "PRAGMA foreign_keys=OFF; "
					   "DROP TABLE certificates", NULL,
					   NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	CU_ASSERT_EQUAL_FATAL(storage_open(path, &broken, &e), 0);
	CU_ASSERT_EQUAL(ocsp_respond(responder, broken, r.der, (size_t)r.len,
				     time(NULL), &resp, &resp_len, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_STORAGE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(resp);
	p = resp;
	rs = d2i_OCSP_RESPONSE(NULL, &p, (long)resp_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_EQUAL(OCSP_response_status(rs),
			OCSP_RESPONSE_STATUS_INTERNALERROR);
	OCSP_RESPONSE_free(rs);
	free(resp);
	storage_close(broken);
	request_free(&r);
	free(path);
	free(dir);
}

/* ---- threads --------------------------------------------------------------- */

#define THREADS 4
#define ANSWERS_PER_THREAD 25

struct worker {
	const struct request *good, *revoked;
	int wrong;	/* answers that were not what they should be */
};

/* The status of the one CertID in an answer, or -1. */
static int
single_status(const unsigned char *resp, size_t len)
{
	const unsigned char *p = resp;
	OCSP_RESPONSE *rs = d2i_OCSP_RESPONSE(NULL, &p, (long)len);
	OCSP_BASICRESP *bs = rs == NULL ? NULL : OCSP_response_get1_basic(rs);
	int status = -1;

	if (bs != NULL && OCSP_resp_count(bs) == 1) {
		status = OCSP_single_get0_status(OCSP_resp_get0(bs, 0), NULL,
						 NULL, NULL, NULL);
	}
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(rs);
	return status;
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct storage *own = NULL;
	struct err e = { 0 };
	int i;

	/* One database connection per thread, as in the listener. */
	if (storage_open(db_path, &own, &e) != 0) {
		w->wrong = ANSWERS_PER_THREAD;
		return NULL;
	}
	for (i = 0; i < ANSWERS_PER_THREAD; i++) {
		const struct request *r = i % 2 ? w->revoked : w->good;
		int want = i % 2 ? V_OCSP_CERTSTATUS_REVOKED
				 : V_OCSP_CERTSTATUS_GOOD;
		unsigned char *resp = NULL;
		size_t len = 0;

		if (ocsp_respond(responder, own, r->der, (size_t)r->len,
				 time(NULL), &resp, &len, &e) != 0 ||
		    single_status(resp, len) != want) {
			w->wrong++;
		}
		free(resp);
	}
	storage_close(own);
	return NULL;
}

static void
answers_from_several_threads(void)
{
	OCSP_CERTID *g = id_of(good_cert, EVP_sha1());
	OCSP_CERTID *v = id_of(revoked_cert, EVP_sha256());
	struct request good = make_request(&g, 1, 1);
	struct request revoked = make_request(&v, 1, 0);
	struct worker w[THREADS];
	pthread_t th[THREADS];
	int i;

	for (i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ &good, &revoked, 0 };
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, work, &w[i]),
				      0);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		CU_ASSERT_EQUAL(w[i].wrong, 0);
	}
	request_free(&good);
	request_free(&revoked);
}

/* ---- a delegated signer ------------------------------------------------------ */

/* A certificate for pub, issued in the CA's name and signed by signer;
 * eku is an extendedKeyUsage value or NULL. */
static char *
write_signer_cert(EVP_PKEY *pub, struct token_key *signer, const char *eku)
{
	X509 *ca = issue_ca_cert(iss), *x = X509_new();
	char *dir = fixture_temp_dir(), *path = NULL;
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	struct err e = { 0 };
	FILE *f;

	CU_ASSERT_FATAL(x != NULL && X509_set_version(x, 2) &&
			ASN1_INTEGER_set(X509_get_serialNumber(x), 4242) &&
			X509_set_issuer_name(x, X509_get_subject_name(ca)) &&
			X509_NAME_add_entry_by_txt(X509_get_subject_name(x),
				"CN", MBSTRING_UTF8,
				(const unsigned char *)"mycert OCSP test", -1,
				-1, 0) &&
			X509_gmtime_adj(X509_getm_notBefore(x), -60) &&
			X509_gmtime_adj(X509_getm_notAfter(x), 86400) &&
			X509_set_pubkey(x, pub));
	X509V3_set_ctx(&ctx, ca, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_key_usage,
				  "critical,digitalSignature");
	CU_ASSERT_FATAL(ext != NULL && X509_add_ext(x, ext, -1));
	X509_EXTENSION_free(ext);
	if (eku != NULL) {
		ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_ext_key_usage, eku);
		CU_ASSERT_FATAL(ext != NULL && X509_add_ext(x, ext, -1));
		X509_EXTENSION_free(ext);
	}
	CU_ASSERT_EQUAL_FATAL(token_sign_cert(signer, x, &e), 0);
	CU_ASSERT_FATAL(asprintf(&path, "%s/ocsp.pem", dir) > 0);
	f = fopen(path, "w");
	CU_ASSERT_FATAL(f != NULL && PEM_write_X509(f, x));
	fclose(f);
	X509_free(x);
	free(dir);
	return path;
}

/* Opens a responder with ocsp_key = the audit key and ocsp_cert = path. */
static int
open_delegated(const char *path, struct ocsp_responder **out,
	       struct err *e)
{
	int rc;

	cfg->ocsp_key = cfg->audit_key;
	cfg->ocsp_cert = (char *)path;
	rc = ocsp_open(cfg, iss, tok, out, e);
	cfg->ocsp_key = NULL;
	cfg->ocsp_cert = NULL;
	return rc;
}

static void
signs_with_delegated_key(void)
{
	struct token_key *audit = NULL;
	struct ocsp_responder *delegated = NULL, *saved = responder;
	EVP_PKEY *pub = NULL;
	struct err e = { 0 };
	OCSP_CERTID *id = id_of(revoked_cert, EVP_sha1()), *keep;
	struct request r;
	OCSP_BASICRESP *bs;
	char *path;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg->audit_key);
	CU_ASSERT_EQUAL_FATAL(token_find_key(tok, cfg->audit_key, &audit,
					     &e), 0);
	CU_ASSERT_EQUAL_FATAL(token_key_public(audit, &pub, &e), 0);
	path = write_signer_cert(pub, issue_ca_key(iss), "OCSPSigning");
	if (open_delegated(path, &delegated, &e) != 0) {
		fprintf(stderr, "\n  ocsp_open: %s\n", e.msg);
		CU_FAIL_FATAL("the delegated signer was refused");
	}
	keep = OCSP_CERTID_dup(id);
	r = make_request(&id, 1, 1);
	responder = delegated;
	bs = answer_ok(&r, time(NULL));	/* verifies through the EKU */
	responder = saved;
	CU_ASSERT_EQUAL(sk_X509_num(OCSP_resp_get0_certs(bs)), 1);
	CU_ASSERT_EQUAL(EVP_PKEY_eq(X509_get0_pubkey(sk_X509_value(
		OCSP_resp_get0_certs(bs), 0)), pub), 1);
	CU_ASSERT_EQUAL(status_of(bs, keep).status,
			V_OCSP_CERTSTATUS_REVOKED);
	CU_ASSERT_EQUAL(OCSP_check_nonce(r.req, bs), 1);
	OCSP_BASICRESP_free(bs);
	OCSP_CERTID_free(keep);
	request_free(&r);
	ocsp_close(delegated);
	EVP_PKEY_free(pub);
	free(path);
}

static void
refuses_delegated_cert_without_ocsp_signing(void)
{
	struct token_key *audit = NULL;
	struct ocsp_responder *delegated = NULL;
	EVP_PKEY *pub = NULL;
	struct err e = { 0 };
	char *path;

	CU_ASSERT_EQUAL_FATAL(token_find_key(tok, cfg->audit_key, &audit,
					     &e), 0);
	CU_ASSERT_EQUAL_FATAL(token_key_public(audit, &pub, &e), 0);
	path = write_signer_cert(pub, issue_ca_key(iss), "clientAuth");
	CU_ASSERT_EQUAL(open_delegated(path, &delegated, &e), -1);
	CU_ASSERT_PTR_NULL(delegated);
	CU_ASSERT_EQUAL(e.code, ERR_CONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "OCSPSigning"));
	free(path);
	path = write_signer_cert(pub, issue_ca_key(iss), NULL);
	memset(&e, 0, sizeof(e));
	CU_ASSERT_EQUAL(open_delegated(path, &delegated, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "OCSPSigning"));
	free(path);
	EVP_PKEY_free(pub);
}

static void
refuses_delegated_cert_not_from_ca(void)
{
	struct token_key *audit = NULL;
	struct ocsp_responder *delegated = NULL;
	EVP_PKEY *pub = NULL;
	struct err e = { 0 };
	char *path;

	CU_ASSERT_EQUAL_FATAL(token_find_key(tok, cfg->audit_key, &audit,
					     &e), 0);
	CU_ASSERT_EQUAL_FATAL(token_key_public(audit, &pub, &e), 0);
	/* The CA's name, but signed by the audit key itself. */
	path = write_signer_cert(pub, audit, "OCSPSigning");
	CU_ASSERT_EQUAL(open_delegated(path, &delegated, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_CONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not issued by the CA"));
	free(path);
	EVP_PKEY_free(pub);
}

static void
refuses_delegated_cert_of_another_key(void)
{
	struct ocsp_responder *delegated = NULL;
	struct err e = { 0 };
	char *path;

	/* Issued by the CA with OCSPSigning, but for the CA's own key. */
	path = write_signer_cert(issue_ca_public(iss), issue_ca_key(iss),
				 "OCSPSigning");
	CU_ASSERT_EQUAL(open_delegated(path, &delegated, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_CONFIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not the certificate of"));
	free(path);
}

int
test_ocsp_register(void)
{
	CU_pSuite s = CU_add_suite("ocsp", setup, teardown);

	if (s == NULL ||
	    !CU_add_test(s, "answers good for an active certificate (SHA-1 "
			 "CertID)", answers_good_sha1) ||
	    !CU_add_test(s, "answers good for a SHA-256 CertID",
			 answers_good_sha256) ||
	    !CU_add_test(s, "answers revoked with the time and the reason",
			 answers_revoked_with_time_and_reason) ||
	    !CU_add_test(s, "answers revoked without a reason when "
			 "unspecified",
			 answers_revoked_without_reason_when_unspecified) ||
	    !CU_add_test(s, "answers unknown for a serial never issued",
			 answers_unknown_for_serial_never_issued) ||
	    !CU_add_test(s, "answers unknown for a serial of the wrong length",
			 answers_unknown_for_serial_of_wrong_length) ||
	    !CU_add_test(s, "answers unknown for another issuer's name or key "
			 "hash", answers_unknown_for_other_issuer) ||
	    !CU_add_test(s, "answers unknown for a CertID hashed with SHA-384",
			 answers_unknown_for_other_hash_algorithm) ||
	    !CU_add_test(s, "answers every CertID of one request",
			 answers_every_certid_of_one_request) ||
	    !CU_add_test(s, "echoes the nonce", echoes_nonce) ||
	    !CU_add_test(s, "adds no nonce when none is asked",
			 adds_no_nonce_when_none_asked) ||
	    !CU_add_test(s, "sets thisUpdate now and nextUpdate from the "
			 "config", sets_update_times_from_config) ||
	    !CU_add_test(s, "signs with the CA key, responder by key hash, no "
			 "certificates", signs_with_ca_key_by_key_hash_without_certs) ||
	    !CU_add_test(s, "answers malformedRequest to empty, truncated, "
			 "garbage and huge requests",
			 answers_malformed_to_broken_requests) ||
	    !CU_add_test(s, "answers malformedRequest to a CertID that cannot "
			 "be encoded again",
			 answers_malformed_to_certid_that_cannot_be_encoded) ||
	    !CU_add_test(s, "answers malformedRequest to more CertIDs than "
			 "allowed", answers_malformed_to_too_many_certids) ||
	    !CU_add_test(s, "answers malformedRequest to an unknown critical "
			 "extension",
			 answers_malformed_to_unknown_critical_extension) ||
	    !CU_add_test(s, "survives mutated requests",
			 survives_mutated_requests) ||
	    !CU_add_test(s, "answers internalError when the database fails",
			 answers_internal_error_when_database_fails) ||
	    !CU_add_test(s, "answers from several threads at once",
			 answers_from_several_threads) ||
	    !CU_add_test(s, "signs with a delegated key that has OCSPSigning",
			 signs_with_delegated_key) ||
	    !CU_add_test(s, "refuses a delegated certificate without "
			 "OCSPSigning",
			 refuses_delegated_cert_without_ocsp_signing) ||
	    !CU_add_test(s, "refuses a delegated certificate not signed by "
			 "the CA", refuses_delegated_cert_not_from_ca) ||
	    !CU_add_test(s, "refuses a delegated certificate of another key",
			 refuses_delegated_cert_of_another_key)) {
		return -1;
	}
	return 0;
}
