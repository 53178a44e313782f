/*
 * test_crl.c: CRL publishing on the real token: profile, numbers,
 * entries, files, and when the daemon must publish again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "crl.h"
#include "fixture.h"
#include "issue.h"
#include "suites.h"

static struct config *cfg;
static struct token *tok;
static struct issuer *iss;

static int
setup(void)
{
	struct err e = { 0 };

	cfg = fixture_config();
	cfg->store_key_type = CONFIG_KEY_P256;	/* fast stores */
	tok = fixture_token(cfg);
	if (issue_open(cfg, tok, &iss, &e) != 0) {
		fprintf(stderr, "unit-tests: issuer: %s\n", e.msg);
		return -1;
	}
	return 0;
}

static int
teardown(void)
{
	issue_close(iss);
	token_close(tok);
	config_free(cfg);
	return 0;
}

/* A database and a publish folder of its own for each test. */
static struct storage *
new_db(void)
{
	char *dir = fixture_temp_dir(), *path = NULL;
	struct storage *db = NULL;
	struct err e = { 0 };

	if (asprintf(&path, "%s/crl.db", dir) < 0 ||
	    storage_create(path, &db, &e) != 0) {
		fprintf(stderr, "unit-tests: %s\n", e.msg);
		exit(2);
	}
	free(path);
	free(dir);
	free(cfg->crl_dir);
	cfg->crl_dir = fixture_temp_dir();
	return db;
}

/* Issues and records a store; its serial goes to serial. */
static void
issue_one(struct storage *db, const char *ehealth_id,
	  char serial[STORAGE_SERIAL_HEX + 1])
{
	struct identity id = {
		.ehealth_id = ehealth_id,
		.given_name = "Jeanne",
		.family_name = "Martin",
		.profession_code = "PS-001",
		.profession_label = "Médecin",
		.email = "jeanne@example.org",
	};
	struct issue_result r;
	struct err e = { 0 };

	if (issue_prepare(iss, db, &id, "officer", &r, &e) != 0 ||
	    issue_record(iss, db, &id, &r, &e) != 0) {
		fprintf(stderr, "unit-tests: issuing: %s\n", e.msg);
		exit(2);
	}
	memcpy(serial, r.cert.serial, STORAGE_SERIAL_HEX + 1);
	issue_result_wipe(&r);
}

static X509_CRL *
read_crl(const char *path)
{
	FILE *f = fopen(path, "rb");
	X509_CRL *crl;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	crl = d2i_X509_CRL_fp(f, NULL);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(crl);
	return crl;
}

static time_t
time_of(const ASN1_TIME *t)
{
	struct tm tm;

	CU_ASSERT_FATAL(t != NULL && ASN1_TIME_to_tm(t, &tm));
	return timegm(&tm);
}

static long long
number_of(X509_CRL *crl)
{
	int crit = -1;
	ASN1_INTEGER *n = X509_CRL_get_ext_d2i(crl, NID_crl_number, &crit,
					       NULL);
	int64_t v = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	CU_ASSERT_EQUAL(crit, 0);
	CU_ASSERT(ASN1_INTEGER_get_int64(&v, n));
	ASN1_INTEGER_free(n);
	return (long long)v;
}

static void
publish_ok(struct storage *db, time_t now, struct crl_result *r)
{
	struct err e = { 0 };

	if (crl_publish(cfg, iss, db, now, r, &e) != 0) {
		fprintf(stderr, "\n  crl_publish: %s\n", e.msg);
		CU_FAIL_FATAL("crl_publish failed");
	}
}

static void
publishes_valid_empty_crl(void)
{
	struct storage *db = new_db();
	struct crl_result r;
	struct crl_files files;
	struct err e = { 0 };
	struct stat st;
	X509_CRL *crl;
	X509 *ca = issue_ca_cert(iss);
	FILE *f;
	X509 *published;
	int md = 0;

	publish_ok(db, time(NULL), &r);
	CU_ASSERT_EQUAL(r.number, 1);
	CU_ASSERT_EQUAL(r.revoked, 0);
	CU_ASSERT_EQUAL_FATAL(crl_files(cfg, &files, &e), 0);
	CU_ASSERT_STRING_EQUAL(r.path, files.crl);
	crl = read_crl(r.path);
	CU_ASSERT_EQUAL(X509_CRL_get_version(crl), 1);	/* v2 */
	CU_ASSERT_EQUAL(X509_NAME_cmp(X509_CRL_get_issuer(crl),
				      X509_get_subject_name(ca)), 0);
	/* Nothing revoked: the list is left out, not empty. */
	CU_ASSERT_PTR_NULL(X509_CRL_get_REVOKED(crl));
	CU_ASSERT_EQUAL(X509_CRL_verify(crl, issue_ca_public(iss)), 1);
	CU_ASSERT(OBJ_find_sigid_algs(X509_CRL_get_signature_nid(crl), &md,
				      NULL));
	CU_ASSERT_EQUAL(md, NID_sha256);
	CU_ASSERT_EQUAL(stat(r.path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0644);
	/* The CA certificate is published beside it, in DER. */
	f = fopen(files.ca, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	published = d2i_X509_fp(f, NULL);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(published);
	CU_ASSERT_EQUAL(X509_cmp(published, ca), 0);
	X509_free(published);
	X509_CRL_free(crl);
	storage_close(db);
}

static void
grows_crl_number(void)
{
	struct storage *db = new_db();
	struct crl_result r;
	long long last = 0;
	X509_CRL *crl;
	int i;

	for (i = 0; i < 3; i++) {
		publish_ok(db, time(NULL), &r);
		CU_ASSERT(r.number > last);
		crl = read_crl(r.path);
		CU_ASSERT_EQUAL(number_of(crl), r.number);
		X509_CRL_free(crl);
		last = r.number;
	}
	CU_ASSERT_EQUAL(last, 3);
	storage_close(db);
}

/* The entry of serial (hex) in crl, or NULL. */
static X509_REVOKED *
entry_of(X509_CRL *crl, const char *serial)
{
	STACK_OF(X509_REVOKED) *list = X509_CRL_get_REVOKED(crl);
	BIGNUM *want = NULL, *got;
	X509_REVOKED *found = NULL;
	int i;

	CU_ASSERT_FATAL(BN_hex2bn(&want, serial) > 0);
	for (i = 0; i < sk_X509_REVOKED_num(list); i++) {
		X509_REVOKED *rev = sk_X509_REVOKED_value(list, i);

		got = ASN1_INTEGER_to_BN(X509_REVOKED_get0_serialNumber(rev),
					 NULL);
		if (got != NULL && BN_cmp(got, want) == 0) {
			found = rev;
		}
		BN_free(got);
	}
	BN_free(want);
	return found;
}

/* The entry's reason code, or -1 when it has no reasonCode extension. */
static int
reason_of(X509_REVOKED *rev)
{
	int crit = -1;
	ASN1_ENUMERATED *code = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason,
							 &crit, NULL);
	long v;

	if (code == NULL) {
		CU_ASSERT_EQUAL(crit, -1);	/* absent, not unreadable */
		return -1;
	}
	CU_ASSERT_EQUAL(crit, 0);
	v = ASN1_ENUMERATED_get(code);
	ASN1_ENUMERATED_free(code);
	return (int)v;
}

static void
lists_revoked_with_dates_and_reasons(void)
{
	struct storage *db = new_db();
	char compromised[STORAGE_SERIAL_HEX + 1],
	     unspecified[STORAGE_SERIAL_HEX + 1],
	     superseded[STORAGE_SERIAL_HEX + 1], active[STORAGE_SERIAL_HEX + 1];
	time_t now = time(NULL);
	struct crl_result r;
	struct err e = { 0 };
	X509_REVOKED *rev;
	X509_CRL *crl;

	issue_one(db, "2000000001", compromised);
	issue_one(db, "2000000002", unspecified);
	issue_one(db, "2000000003", superseded);
	issue_one(db, "2000000004", active);
	CU_ASSERT_EQUAL_FATAL(storage_revoke(db, compromised, 1, now - 300,
					     &e), 0);
	CU_ASSERT_EQUAL_FATAL(storage_revoke(db, unspecified, 0, now - 200,
					     &e), 0);
	CU_ASSERT_EQUAL_FATAL(storage_revoke(db, superseded, 4, now - 100,
					     &e), 0);
	publish_ok(db, now, &r);
	CU_ASSERT_EQUAL(r.revoked, 3);
	crl = read_crl(r.path);
	CU_ASSERT_EQUAL(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)), 3);
	CU_ASSERT_EQUAL(X509_CRL_verify(crl, issue_ca_public(iss)), 1);

	rev = entry_of(crl, compromised);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rev);
	CU_ASSERT_EQUAL(time_of(X509_REVOKED_get0_revocationDate(rev)),
			now - 300);
	CU_ASSERT_EQUAL(reason_of(rev), 1);

	/* unspecified: RFC 5280 5.3.1 says leave the extension out. */
	rev = entry_of(crl, unspecified);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rev);
	CU_ASSERT_EQUAL(time_of(X509_REVOKED_get0_revocationDate(rev)),
			now - 200);
	CU_ASSERT_EQUAL(reason_of(rev), -1);
	CU_ASSERT_EQUAL(X509_REVOKED_get_ext_count(rev), 0);

	rev = entry_of(crl, superseded);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rev);
	CU_ASSERT_EQUAL(reason_of(rev), 4);

	CU_ASSERT_PTR_NULL(entry_of(crl, active));
	X509_CRL_free(crl);
	storage_close(db);
}

static void
names_ca_key_in_aki(void)
{
	struct storage *db = new_db();
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(
		issue_ca_cert(iss));
	AUTHORITY_KEYID *akid;
	struct crl_result r;
	X509_CRL *crl;
	int crit = -1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ski);
	publish_ok(db, time(NULL), &r);
	crl = read_crl(r.path);
	akid = X509_CRL_get_ext_d2i(crl, NID_authority_key_identifier, &crit,
				    NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(akid);
	CU_ASSERT_EQUAL(crit, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(akid->keyid);
	CU_ASSERT_EQUAL(ASN1_OCTET_STRING_cmp(akid->keyid, ski), 0);
	CU_ASSERT_PTR_NULL(akid->issuer);
	CU_ASSERT_EQUAL(X509_CRL_get_ext_count(crl), 2);	/* AKI, number */
	AUTHORITY_KEYID_free(akid);
	X509_CRL_free(crl);
	storage_close(db);
}

static void
sets_update_times_from_config(void)
{
	struct storage *db = new_db();
	time_t now = time(NULL) - 1000;
	long long number = 0;
	time_t next = 0;
	struct crl_result r;
	struct err e = { 0 };
	X509_CRL *crl;

	publish_ok(db, now, &r);
	crl = read_crl(r.path);
	CU_ASSERT_EQUAL(time_of(X509_CRL_get0_lastUpdate(crl)), now);
	CU_ASSERT_EQUAL(time_of(X509_CRL_get0_nextUpdate(crl)),
			now + (time_t)cfg->crl_validity_hours * 3600);
	CU_ASSERT_EQUAL(r.this_update, now);
	CU_ASSERT_EQUAL(r.next_update,
			now + (time_t)cfg->crl_validity_hours * 3600);
	CU_ASSERT_EQUAL(storage_crl_latest(db, &number, &next, &e), 0);
	CU_ASSERT_EQUAL(number, r.number);
	CU_ASSERT_EQUAL(next, r.next_update);
	X509_CRL_free(crl);
	storage_close(db);
}

static void
records_sha256_of_published_file(void)
{
	static const char digits[] = "0123456789abcdef";
	struct storage *db = new_db();
	unsigned char buf[65536], md[32];
	char hex[65];
	struct crl_result r;
	size_t n, i;
	FILE *f;

	publish_ok(db, time(NULL), &r);
	f = fopen(r.path, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	CU_ASSERT_FATAL(EVP_Digest(buf, n, md, NULL, EVP_sha256(), NULL));
	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
	CU_ASSERT_STRING_EQUAL(r.sha256, hex);
	storage_close(db);
}

/* Counts the entries of dir other than . and .. */
static int
count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0) {
			n++;
		}
	}
	closedir(d);
	return n;
}

static void
replaces_file_leaving_no_temporary(void)
{
	struct storage *db = new_db();
	struct crl_result r1, r2;
	X509_CRL *crl;

	publish_ok(db, time(NULL), &r1);
	publish_ok(db, time(NULL), &r2);
	CU_ASSERT_STRING_EQUAL(r1.path, r2.path);
	CU_ASSERT_EQUAL(count_files(cfg->crl_dir), 2);	/* CRL, CA */
	crl = read_crl(r2.path);
	CU_ASSERT_EQUAL(number_of(crl), r2.number);
	X509_CRL_free(crl);
	storage_close(db);
}

static void
refuses_missing_folder_and_records_nothing(void)
{
	struct storage *db = new_db();
	char *saved = cfg->crl_dir;
	long long number = -1;
	time_t next = 0;
	struct err e = { 0 };

	cfg->crl_dir = strdup("/nonexistent/mycert-crl");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg->crl_dir);
	CU_ASSERT_EQUAL(crl_publish(cfg, iss, db, time(NULL), NULL, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_IO);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/nonexistent/mycert-crl"));
	CU_ASSERT_EQUAL(storage_crl_latest(db, &number, &next, &e), 0);
	CU_ASSERT_EQUAL(number, 0);
	free(cfg->crl_dir);
	cfg->crl_dir = saved;
	storage_close(db);
}

static void
refuses_url_without_file_name(void)
{
	static const char *const bad[] = {
		"http://127.0.0.1:8080/crl/",
		"http://127.0.0.1:8080/crl/ca.crl?x=1",
		"http://127.0.0.1:8080/crl/.hidden",
		"nothing",
	};
	struct storage *db = new_db();
	char *saved = cfg->crl_url;
	struct crl_files files;
	struct err e = { 0 };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg->crl_url = (char *)bad[i];
		memset(&e, 0, sizeof(e));
		CU_ASSERT_EQUAL(crl_files(cfg, &files, &e), -1);
		CU_ASSERT_EQUAL(e.code, ERR_CONFIG);
	}
	cfg->crl_url = saved;
	storage_close(db);
}

static void
needs(struct storage *db, time_t now, const struct crl_watch *w,
      int expected, const char *why_expected)
{
	struct err e = { 0 };
	const char *why = NULL;
	int needed = -1;

	CU_ASSERT_EQUAL_FATAL(crl_needs_publish(cfg, db, now, w, &needed,
						&why, &e), 0);
	CU_ASSERT_EQUAL(needed, expected);
	CU_ASSERT_STRING_EQUAL(why, why_expected);
}

static void
tells_when_to_publish_again(void)
{
	struct storage *db = new_db();
	struct crl_watch w = { 0 };
	char serial[STORAGE_SERIAL_HEX + 1];
	time_t now = time(NULL), half = cfg->crl_validity_hours * 3600 / 2;
	struct crl_result r;
	struct err e = { 0 };

	needs(db, now, &w, 1, "first publish by this process");
	w.primed = 1;
	needs(db, now, &w, 1, "no CRL yet");
	publish_ok(db, now, &r);
	crl_watch_update(&w, &r);
	needs(db, now, &w, 0, "");
	needs(db, now + half - 1, &w, 0, "");

	issue_one(db, "2000000011", serial);
	needs(db, now, &w, 0, "");	/* issuing changes nothing */
	CU_ASSERT_EQUAL_FATAL(storage_revoke(db, serial, 1, now, &e), 0);
	needs(db, now, &w, 1, "revocations changed");
	publish_ok(db, now, &r);
	crl_watch_update(&w, &r);
	needs(db, now, &w, 0, "");

	needs(db, now + half, &w, 1, "refresh before nextUpdate");
	CU_ASSERT_EQUAL(unlink(r.path), 0);
	needs(db, now, &w, 1, "CRL file missing");
	storage_close(db);
}

int
test_crl_register(void)
{
	CU_pSuite s = CU_add_suite("crl", setup, teardown);

	if (s == NULL ||
	    !CU_add_test(s, "publishes a valid empty CRL without a revoked "
			 "list", publishes_valid_empty_crl) ||
	    !CU_add_test(s, "grows the CRL number with each publish",
			 grows_crl_number) ||
	    !CU_add_test(s, "lists revoked certificates with dates and "
			 "reasons, none for unspecified",
			 lists_revoked_with_dates_and_reasons) ||
	    !CU_add_test(s, "names the CA's key in a non-critical AKI",
			 names_ca_key_in_aki) ||
	    !CU_add_test(s, "sets thisUpdate now and nextUpdate from the "
			 "config", sets_update_times_from_config) ||
	    !CU_add_test(s, "records the SHA-256 of the published file",
			 records_sha256_of_published_file) ||
	    !CU_add_test(s, "replaces the file leaving no temporary",
			 replaces_file_leaving_no_temporary) ||
	    !CU_add_test(s, "refuses a missing folder and records nothing",
			 refuses_missing_folder_and_records_nothing) ||
	    !CU_add_test(s, "refuses a crl_url without a plain file name",
			 refuses_url_without_file_name) ||
	    !CU_add_test(s, "tells the daemon when to publish again",
			 tells_when_to_publish_again)) {
		return -1;
	}
	return 0;
}
