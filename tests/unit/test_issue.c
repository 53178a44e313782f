/*
 * test_issue.c: issuance on the real token: profile, PKCS#12, rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <openssl/pkcs12.h>
#include <openssl/x509v3.h>

#include "fixture.h"
#include "identity.h"
#include "issue.h"
#include "suites.h"

static struct config *cfg;
static struct token *tok;
static struct issuer *iss;

/* 66 characters, accents, an apostrophe and a hyphen: the CN is cut. */
static const struct identity long_name = {
	.ehealth_id = "1234567890",
	.given_name = "Marie-Hélène Éléonore Françoise Anaïs",
	.family_name = "D'Aubigné de la Tour-Château",
	.profession_code = "PS-001",
	.profession_label = "Médecin",
	.email = "marie-helene@example.org",
};

static int
setup(void)
{
	struct err e = { 0 };

	cfg = fixture_config();
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

/* A database of its own for each test. */
static struct storage *
new_db(void)
{
	char *dir = fixture_temp_dir(), *path = NULL;
	struct storage *db = NULL;
	struct err e = { 0 };

	if (asprintf(&path, "%s/issue.db", dir) < 0 ||
	    storage_create(path, &db, &e) != 0) {
		fprintf(stderr, "unit-tests: %s\n", e.msg);
		exit(2);
	}
	free(path);
	free(dir);
	return db;
}

static X509 *
cert_of(const struct issue_result *r)
{
	const unsigned char *p = r->cert.der;

	return d2i_X509(NULL, &p, (long)r->cert.der_len);
}

static void
check_subject(X509 *x)
{
	X509_NAME *name = X509_get_subject_name(x);
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	ASN1_STRING *cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name,
								       i));
	char text[IDENTITY_CN_BUF];

	CU_ASSERT_EQUAL_FATAL(ASN1_STRING_type(cn), V_ASN1_UTF8STRING);
	CU_ASSERT_FATAL(ASN1_STRING_length(cn) < (int)sizeof(text));
	memcpy(text, ASN1_STRING_get0_data(cn), (size_t)ASN1_STRING_length(cn));
	text[ASN1_STRING_length(cn)] = '\0';
	CU_ASSERT_EQUAL(identity_utf8_chars(text), IDENTITY_CN_MAX_CHARS);
	CU_ASSERT_STRING_EQUAL(text, "Marie-Hélène Éléonore Françoise Anaïs "
			       "D'Aubigné de la Tour-Châte");
	CU_ASSERT(X509_NAME_get_index_by_NID(name, NID_givenName, -1) >= 0);
	CU_ASSERT(X509_NAME_get_index_by_NID(name, NID_surname, -1) >= 0);
	i = X509_NAME_get_index_by_NID(name, NID_serialNumber, -1);
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_EQUAL(memcmp(ASN1_STRING_get0_data(X509_NAME_ENTRY_get_data(
				       X509_NAME_get_entry(name, i))),
			       "1234567890", 10), 0);
}

static void
check_serial(X509 *x)
{
	const ASN1_INTEGER *sn = X509_get0_serialNumber(x);

	CU_ASSERT_EQUAL(ASN1_STRING_length(sn), 16);
	CU_ASSERT_EQUAL(ASN1_STRING_type(sn), V_ASN1_INTEGER); /* positive */
	CU_ASSERT(ASN1_STRING_get0_data(sn)[0] != 0);
	CU_ASSERT((ASN1_STRING_get0_data(sn)[0] & 0x80) == 0);
}

static int
has_uri(STACK_OF(GENERAL_NAME) *names, const char *uri)
{
	int i;

	for (i = 0; i < sk_GENERAL_NAME_num(names); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);

		if (g->type == GEN_URI &&
		    strcmp((const char *)ASN1_STRING_get0_data(
				   g->d.uniformResourceIdentifier), uri) == 0) {
			return 1;
		}
	}
	return 0;
}

static void
check_extensions(X509 *x)
{
	X509 *ca = issue_ca_cert(iss);
	int crit = -1;
	STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(x, NID_crl_distribution_points,
						     NULL, NULL);
	AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(x, NID_info_access, NULL,
						      NULL);
	CERTIFICATEPOLICIES *pol = X509_get_ext_d2i(x, NID_certificate_policies,
						    NULL, NULL);
	BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(x, NID_basic_constraints,
						 &crit, NULL);
	char oid[64];

	CU_ASSERT_FATAL(bc != NULL && dps != NULL && aia != NULL &&
			pol != NULL);
	CU_ASSERT(!bc->ca && crit == 1);
	CU_ASSERT_EQUAL(X509_get_key_usage(x), KU_DIGITAL_SIGNATURE);
	CU_ASSERT(X509_EXTENSION_get_critical(X509_get_ext(
		x, X509_get_ext_by_NID(x, NID_key_usage, -1))));
	CU_ASSERT_EQUAL(X509_get_extended_key_usage(x), XKU_SSL_CLIENT);
	CU_ASSERT_PTR_NOT_NULL(X509_get0_subject_key_id(x));
	CU_ASSERT_EQUAL(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(x),
					      X509_get0_subject_key_id(ca)), 0);
	CU_ASSERT(has_uri(sk_DIST_POINT_value(dps, 0)->distpoint->name.fullname,
			  cfg->crl_url));
	CU_ASSERT_EQUAL(OBJ_obj2nid(sk_ACCESS_DESCRIPTION_value(aia, 0)->method),
			NID_ad_OCSP);
	OBJ_obj2txt(oid, sizeof(oid), sk_POLICYINFO_value(pol, 0)->policyid, 1);
	CU_ASSERT_STRING_EQUAL(oid, cfg->policy_oid);
	BASIC_CONSTRAINTS_free(bc);
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	AUTHORITY_INFO_ACCESS_free(aia);
	CERTIFICATEPOLICIES_free(pol);
}

static void
issues_certificate_following_profile(void)
{
	struct storage *db = new_db();
	struct issue_result r;
	struct err e = { 0 };
	X509 *x;
	int days = 0, secs = 0;

	CU_ASSERT_EQUAL_FATAL(issue_prepare(iss, db, &long_name, "officer", &r,
					    &e), 0);
	x = cert_of(&r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	check_subject(x);
	check_serial(x);
	check_extensions(x);
	CU_ASSERT_EQUAL(X509_get_signature_nid(x), NID_sha256WithRSAEncryption);
	CU_ASSERT_EQUAL(X509_verify(x, X509_get0_pubkey(issue_ca_cert(iss))), 1);
	CU_ASSERT(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x),
				 X509_get0_notAfter(x)));
	CU_ASSERT_EQUAL(days, (int)cfg->validity_days);
	CU_ASSERT_EQUAL(EVP_PKEY_get_bits(X509_get0_pubkey(x)), 3072);
	X509_free(x);
	issue_result_wipe(&r);
	storage_close(db);
}

/* The digest of the MAC and the algorithms of both bags. */
static void
p12_algorithms(const struct issue_result *r, int *mac, int *cert_alg,
	       int *key_alg)
{
	const unsigned char *p = r->p12;
	PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)r->p12_len);
	STACK_OF(PKCS7) *safes;
	const X509_ALGOR *alg = NULL;
	const ASN1_OBJECT *obj = NULL;
	int i;

	*mac = *cert_alg = *key_alg = NID_undef;
	CU_ASSERT_PTR_NOT_NULL_FATAL(p12);
	PKCS12_get0_mac(NULL, &alg, NULL, NULL, p12);
	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	*mac = OBJ_obj2nid(obj);
	safes = PKCS12_unpack_authsafes(p12);
	for (i = 0; safes != NULL && i < sk_PKCS7_num(safes); i++) {
		PKCS7 *p7 = sk_PKCS7_value(safes, i);
		STACK_OF(PKCS12_SAFEBAG) *bags;

		if (PKCS7_type_is_encrypted(p7)) {
			X509_ALGOR_get0(&obj, NULL, NULL,
					p7->d.encrypted->enc_data->algorithm);
			*cert_alg = OBJ_obj2nid(obj);
			continue;
		}
		bags = PKCS12_unpack_p7data(p7);
		if (bags != NULL && sk_PKCS12_SAFEBAG_num(bags) > 0) {
			const X509_SIG *sig = PKCS12_SAFEBAG_get0_pkcs8(
				sk_PKCS12_SAFEBAG_value(bags, 0));

			if (sig != NULL) {
				X509_SIG_get0(sig, &alg, NULL);
				X509_ALGOR_get0(&obj, NULL, NULL, alg);
				*key_alg = OBJ_obj2nid(obj);
			}
		}
		sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
	}
	sk_PKCS7_pop_free(safes, PKCS7_free);
	PKCS12_free(p12);
}

static void
assembles_p12_that_opens_with_password(void)
{
	struct storage *db = new_db();
	struct issue_result r;
	struct err e = { 0 };
	const unsigned char *p;
	PKCS12 *p12;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	STACK_OF(X509) *ca = NULL;
	int mac, cert_alg, key_alg;

	CU_ASSERT_EQUAL_FATAL(issue_prepare(iss, db, &long_name, "officer", &r,
					    &e), 0);
	CU_ASSERT_EQUAL(strlen(r.password), PASSWORD_CHARS);
	p = r.p12;
	p12 = d2i_PKCS12(NULL, &p, (long)r.p12_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p12);
	CU_ASSERT_EQUAL(PKCS12_verify_mac(p12, "wrong", -1), 0);
	CU_ASSERT_EQUAL_FATAL(PKCS12_parse(p12, r.password, &key, &cert, &ca),
			      1);
	CU_ASSERT_EQUAL(X509_check_private_key(cert, key), 1);
	CU_ASSERT_EQUAL(sk_X509_num(ca), 1);
	CU_ASSERT_EQUAL(X509_cmp(sk_X509_value(ca, 0), issue_ca_cert(iss)), 0);
	p12_algorithms(&r, &mac, &cert_alg, &key_alg);
	CU_ASSERT_EQUAL(mac, NID_sha256);
	CU_ASSERT_EQUAL(cert_alg, NID_pbes2);
	CU_ASSERT_EQUAL(key_alg, NID_pbes2);
	EVP_PKEY_free(key);
	X509_free(cert);
	sk_X509_pop_free(ca, X509_free);
	PKCS12_free(p12);
	issue_result_wipe(&r);
	storage_close(db);
}

static void
compatible_profile_uses_3des_and_sha1_mac(void)
{
	struct storage *db = new_db();
	struct issue_result r;
	struct err e = { 0 };
	int mac, cert_alg, key_alg;

	cfg->p12_profile = CONFIG_P12_COMPATIBLE;
	CU_ASSERT_EQUAL_FATAL(issue_prepare(iss, db, &long_name, "officer", &r,
					    &e), 0);
	cfg->p12_profile = CONFIG_P12_MODERN;
	p12_algorithms(&r, &mac, &cert_alg, &key_alg);
	CU_ASSERT_EQUAL(mac, NID_sha1);
	CU_ASSERT_EQUAL(cert_alg, NID_pbe_WithSHA1And3_Key_TripleDES_CBC);
	CU_ASSERT_EQUAL(key_alg, NID_pbe_WithSHA1And3_Key_TripleDES_CBC);
	issue_result_wipe(&r);
	storage_close(db);
}

static void
generates_p256_when_configured(void)
{
	struct storage *db = new_db();
	struct issue_result r;
	struct err e = { 0 };
	X509 *x;

	cfg->store_key_type = CONFIG_KEY_P256;
	CU_ASSERT_EQUAL_FATAL(issue_prepare(iss, db, &long_name, "officer", &r,
					    &e), 0);
	cfg->store_key_type = CONFIG_KEY_RSA3072;
	x = cert_of(&r);
	CU_ASSERT_EQUAL(EVP_PKEY_get_base_id(X509_get0_pubkey(x)), EVP_PKEY_EC);
	CU_ASSERT_STRING_EQUAL(r.cert.key_type, "p256");
	CU_ASSERT_EQUAL(X509_get_key_usage(x), KU_DIGITAL_SIGNATURE);
	X509_free(x);
	issue_result_wipe(&r);
	storage_close(db);
}

static void
counts(struct storage *db, long out[3])
{
	struct err e = { 0 };

	CU_ASSERT_EQUAL(storage_count(db, "professionals", &out[0], &e), 0);
	CU_ASSERT_EQUAL(storage_count(db, "enrollments", &out[1], &e), 0);
	CU_ASSERT_EQUAL(storage_count(db, "certificates", &out[2], &e), 0);
}

static void
refuses_second_active_store(void)
{
	struct storage *db = new_db();
	struct issue_result r1, r2;
	struct err e = { 0 };
	long before[3], after[3];

	CU_ASSERT_EQUAL_FATAL(issue_prepare(iss, db, &long_name, "officer",
					    &r1, &e), 0);
	/* Both prepared before either is recorded: only the database can
	 * keep the rule, and it does. */
	CU_ASSERT_EQUAL_FATAL(issue_prepare(iss, db, &long_name, "officer",
					    &r2, &e), 0);
	CU_ASSERT_EQUAL(issue_record(iss, db, &long_name, &r1, &e), 0);
	counts(db, before);
	CU_ASSERT_EQUAL(issue_record(iss, db, &long_name, &r2, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_ACTIVE_EXISTS);
	counts(db, after);
	CU_ASSERT_EQUAL(memcmp(before, after, sizeof(before)), 0);
	issue_result_wipe(&r2);
	CU_ASSERT_EQUAL(issue_prepare(iss, db, &long_name, "officer", &r2, &e),
			-1);
	CU_ASSERT_EQUAL(e.code, ERR_ACTIVE_EXISTS);
	issue_result_wipe(&r1);
	storage_close(db);
}

static void
refuses_bad_identity_before_generating(void)
{
	struct storage *db = new_db();
	struct identity bad = long_name;
	struct issue_result r;
	struct err e = { 0 };
	long after[3];

	bad.email = "not an address";
	CU_ASSERT_EQUAL(issue_prepare(iss, db, &bad, "officer", &r, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_INPUT);
	CU_ASSERT_PTR_NULL(r.p12);
	counts(db, after);
	CU_ASSERT_EQUAL(after[0] + after[1] + after[2], 0);
	storage_close(db);
}

static void
wipes_password_and_store(void)
{
	struct storage *db = new_db();
	struct issue_result r;
	struct err e = { 0 };
	char zero[PASSWORD_BUF] = { 0 };

	CU_ASSERT_EQUAL_FATAL(issue_prepare(iss, db, &long_name, "officer", &r,
					    &e), 0);
	issue_result_wipe(&r);
	CU_ASSERT_EQUAL(memcmp(r.password, zero, sizeof(zero)), 0);
	CU_ASSERT_PTR_NULL(r.p12);
	storage_close(db);
}

int
test_issue_register(void)
{
	CU_pSuite s = CU_add_suite("issue", setup, teardown);

	if (s == NULL ||
	    !CU_add_test(s, "issues a certificate that follows the profile",
			 issues_certificate_following_profile) ||
	    !CU_add_test(s, "assembles a .p12 that opens with its password",
			 assembles_p12_that_opens_with_password) ||
	    !CU_add_test(s, "uses 3DES and a SHA-1 MAC when compatible",
			 compatible_profile_uses_3des_and_sha1_mac) ||
	    !CU_add_test(s, "generates a P-256 key when configured",
			 generates_p256_when_configured) ||
	    !CU_add_test(s, "refuses a second active store in the database",
			 refuses_second_active_store) ||
	    !CU_add_test(s, "refuses a bad identity and writes nothing",
			 refuses_bad_identity_before_generating) ||
	    !CU_add_test(s, "wipes the password and the .p12 after use",
			 wipes_password_and_store)) {
		return -1;
	}
	return 0;
}
