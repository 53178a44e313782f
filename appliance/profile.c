/*
 * profile.c: building certificates (see profile.h).
 */
#include "profile.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#define SECONDS_PER_DAY 86400L

int
profile_serial_new(unsigned char out[PROFILE_SERIAL_BYTES], struct err *e)
{
	do {
		if (RAND_bytes(out, PROFILE_SERIAL_BYTES) != 1) {
			return err_set(e, ERR_CRYPTO, "the random generator "
				       "failed");
		}
		out[0] &= 0x7f;
	} while (out[0] == 0);
	return 0;
}

static int
set_serial(X509 *x, struct err *e)
{
	unsigned char raw[PROFILE_SERIAL_BYTES];
	BIGNUM *bn = NULL;
	int ok;

	if (profile_serial_new(raw, e) != 0) {
		return -1;
	}
	bn = BN_bin2bn(raw, sizeof(raw), NULL);
	ok = bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	if (!ok) {
		return err_openssl(e, ERR_CRYPTO, "cannot set the serial");
	}
	return 0;
}

static int
add_entry(X509_NAME *name, int nid, const char *value)
{
	return X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
					  (const unsigned char *)value, -1,
					  -1, 0);
}

static int
add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	int ok = ext != NULL && X509_add_ext(x, ext, -1);

	X509_EXTENSION_free(ext);
	return ok;
}

/* certificatePolicies through the config-less API: one policy OID. */
static int
add_policy(X509 *x, const char *oid)
{
	CERTIFICATEPOLICIES *policies = sk_POLICYINFO_new_null();
	POLICYINFO *info = POLICYINFO_new();
	int ok = 0;

	if (policies == NULL || info == NULL) {
		goto out;
	}
	info->policyid = OBJ_txt2obj(oid, 1);
	if (info->policyid == NULL || !sk_POLICYINFO_push(policies, info)) {
		goto out;
	}
	info = NULL;
	ok = X509_add1_ext_i2d(x, NID_certificate_policies, policies, 0,
			       X509V3_ADD_DEFAULT) == 1;
out:
	POLICYINFO_free(info);
	CERTIFICATEPOLICIES_free(policies);
	return ok;
}

static int
set_validity(X509 *x, time_t now, long days, X509 *issuer)
{
	const ASN1_TIME *issuer_end;
	int day = 0, sec = 0;

	if (X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &now) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, &now) ==
		    NULL) {
		return 0;
	}
	/* Never outlive the issuer: relying parties would refuse the end. */
	if (issuer != NULL) {
		issuer_end = X509_get0_notAfter(issuer);
		if (ASN1_TIME_diff(&day, &sec, issuer_end,
				   X509_get0_notAfter(x)) &&
		    (day > 0 || sec > 0)) {
			return X509_set1_notAfter(x, issuer_end);
		}
	}
	return 1;
}

static int
store_name(const struct config *cfg, const struct identity *id,
	   X509_NAME *name)
{
	char cn[IDENTITY_CN_BUF];

	identity_common_name(id, cn);
	return add_entry(name, NID_countryName, cfg->subject_country) &&
	       add_entry(name, NID_organizationName,
			 cfg->subject_organization) &&
	       add_entry(name, NID_surname, id->family_name) &&
	       add_entry(name, NID_givenName, id->given_name) &&
	       add_entry(name, NID_serialNumber, id->ehealth_id) &&
	       add_entry(name, NID_commonName, cn);
}

static int
store_extensions(const struct config *cfg, const struct identity *id,
		 X509 *x, X509 *ca_cert, EVP_PKEY *key)
{
	X509V3_CTX ctx;
	char buf[1200];
	int is_ec = EVP_PKEY_get_base_id(key) == EVP_PKEY_EC;

	X509V3_set_ctx(&ctx, ca_cert, x, NULL, NULL, 0);
	if (!add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") ||
	    !add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature") ||
	    !add_ext(x, &ctx, NID_ext_key_usage, "clientAuth") ||
	    !add_ext(x, &ctx, NID_subject_key_identifier, "hash") ||
	    !add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always")) {
		return 0;
	}
	(void)is_ec;	/* digitalSignature alone suits both RSA and EC. */
	snprintf(buf, sizeof(buf), "email:%s", id->email);
	if (!add_ext(x, &ctx, NID_subject_alt_name, buf)) {
		return 0;
	}
	snprintf(buf, sizeof(buf), "URI:%s", cfg->crl_url);
	if (!add_ext(x, &ctx, NID_crl_distribution_points, buf)) {
		return 0;
	}
	snprintf(buf, sizeof(buf), "OCSP;URI:%s,caIssuers;URI:%s",
		 cfg->ocsp_url, cfg->ca_issuers_url);
	return add_ext(x, &ctx, NID_info_access, buf) &&
	       add_policy(x, cfg->policy_oid);
}

int
profile_build_store_cert(const struct config *cfg, const struct identity *id,
			 EVP_PKEY *public_key, X509 *ca_cert, time_t now,
			 X509 **out, struct err *e)
{
	X509 *x = X509_new();

	*out = NULL;
	if (x == NULL || !X509_set_version(x, 2) || set_serial(x, e) != 0) {
		X509_free(x);
		return e->code ? -1 : err_openssl(e, ERR_CRYPTO, "cannot "
						  "start a certificate");
	}
	if (!X509_set_issuer_name(x, X509_get_subject_name(ca_cert)) ||
	    !store_name(cfg, id, X509_get_subject_name(x)) ||
	    !X509_set_pubkey(x, public_key) ||
	    !set_validity(x, now, (long)cfg->validity_days, ca_cert) ||
	    !store_extensions(cfg, id, x, ca_cert, public_key)) {
		X509_free(x);
		return err_openssl(e, ERR_CRYPTO, "cannot build the "
				   "certificate (check crl_url, ocsp_url, "
				   "ca_issuers_url and policy_oid)");
	}
	*out = x;
	return 0;
}

/* Adds each "/TYPE=value" of subject to name; 0 on a malformed part. */
static int
add_subject_parts(X509_NAME *name, char *subject)
{
	char *part, *save = NULL;

	if (subject[0] != '/') {
		return 0;
	}
	for (part = strtok_r(subject + 1, "/", &save); part != NULL;
	     part = strtok_r(NULL, "/", &save)) {
		char *eq = strchr(part, '=');

		if (eq == NULL || eq[1] == '\0') {
			return 0;
		}
		*eq = '\0';
		if (X509_NAME_add_entry_by_txt(name, part, MBSTRING_UTF8,
					       (unsigned char *)eq + 1, -1, -1,
					       0) != 1) {
			return 0;
		}
	}
	return X509_NAME_entry_count(name) > 0;
}

int
profile_parse_subject(const char *subject, X509_NAME **out, struct err *e)
{
	char *copy = strdup(subject);
	X509_NAME *name = X509_NAME_new();
	int ok = copy != NULL && name != NULL && add_subject_parts(name, copy);

	free(copy);
	*out = NULL;
	if (!ok) {
		X509_NAME_free(name);
		ERR_clear_error();
		return err_set(e, ERR_INPUT, "the subject \"%.200s\" is not of "
			       "the form /C=FR/O=Organisation/CN=Name",
			       subject);
	}
	*out = name;
	return 0;
}

static int
build_ca_like(const char *subject, EVP_PKEY *key, X509 *issuer,
	      unsigned days, time_t now, const char *const exts[][2],
	      X509 **out, struct err *e)
{
	X509_NAME *name = NULL;
	X509V3_CTX ctx;
	X509 *x = NULL;
	size_t i;

	*out = NULL;
	if (profile_parse_subject(subject, &name, e) != 0) {
		return -1;
	}
	x = X509_new();
	if (x == NULL || !X509_set_version(x, 2) || set_serial(x, e) != 0 ||
	    !X509_set_subject_name(x, name) ||
	    !X509_set_issuer_name(x, issuer != NULL
					     ? X509_get_subject_name(issuer)
					     : name) ||
	    !X509_set_pubkey(x, key) ||
	    !set_validity(x, now, (long)days, issuer)) {
		goto fail;
	}
	X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	for (i = 0; exts[i][0] != NULL; i++) {
		if (!add_ext(x, &ctx, OBJ_sn2nid(exts[i][0]), exts[i][1])) {
			goto fail;
		}
	}
	X509_NAME_free(name);
	*out = x;
	return 0;
fail:
	X509_NAME_free(name);
	X509_free(x);
	return e->code ? -1 : err_openssl(e, ERR_CRYPTO, "cannot build the "
					  "certificate for %s", subject);
}

int
profile_build_ca_cert(const char *subject, EVP_PKEY *public_key,
		      unsigned days, time_t now, X509 **out, struct err *e)
{
	static const char *const exts[][2] = {
		{ "basicConstraints", "critical,CA:TRUE,pathlen:0" },
		{ "keyUsage", "critical,keyCertSign,cRLSign" },
		{ "subjectKeyIdentifier", "hash" },
		{ "authorityKeyIdentifier", "keyid:always" },
		{ NULL, NULL },
	};

	return build_ca_like(subject, public_key, NULL, days, now, exts, out,
			     e);
}

int
profile_build_audit_cert(const char *subject, EVP_PKEY *public_key,
			 X509 *ca_cert, unsigned days, time_t now, X509 **out,
			 struct err *e)
{
	static const char *const exts[][2] = {
		{ "basicConstraints", "critical,CA:FALSE" },
		{ "keyUsage", "critical,digitalSignature,nonRepudiation" },
		{ "subjectKeyIdentifier", "hash" },
		{ "authorityKeyIdentifier", "keyid:always" },
		{ NULL, NULL },
	};

	return build_ca_like(subject, public_key, ca_cert, days, now, exts,
			     out, e);
}

int
profile_build_ca_req(const char *subject, EVP_PKEY *public_key,
		     X509_REQ **out, struct err *e)
{
	X509_NAME *name = NULL;
	X509_REQ *req = NULL;
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	X509_EXTENSION *bc = NULL, *ku = NULL;

	*out = NULL;
	if (profile_parse_subject(subject, &name, e) != 0) {
		sk_X509_EXTENSION_free(exts);
		return -1;
	}
	req = X509_REQ_new();
	bc = X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints,
				 "critical,CA:TRUE,pathlen:0");
	ku = X509V3_EXT_conf_nid(NULL, NULL, NID_key_usage,
				 "critical,keyCertSign,cRLSign");
	if (req == NULL || exts == NULL || bc == NULL || ku == NULL ||
	    !X509_REQ_set_version(req, 0) ||
	    !X509_REQ_set_subject_name(req, name) ||
	    !X509_REQ_set_pubkey(req, public_key) ||
	    !sk_X509_EXTENSION_push(exts, bc) ||
	    (bc = NULL, !sk_X509_EXTENSION_push(exts, ku)) ||
	    (ku = NULL, !X509_REQ_add_extensions(req, exts))) {
		X509_REQ_free(req);
		req = NULL;
	}
	X509_EXTENSION_free(bc);
	X509_EXTENSION_free(ku);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_NAME_free(name);
	if (req == NULL) {
		return err_openssl(e, ERR_CRYPTO, "cannot build the CSR");
	}
	*out = req;
	return 0;
}

int
profile_check_ca(X509 *cert, EVP_PKEY *ca_public, time_t now, struct err *e)
{
	uint32_t usage;

	if (EVP_PKEY_eq(X509_get0_pubkey(cert), ca_public) != 1) {
		return err_set(e, ERR_CONFIG, "the CA certificate does not "
			       "belong to the CA key in the token; check "
			       "ca_cert and ca_key");
	}
	if (X509_check_ca(cert) != 1) {
		return err_set(e, ERR_CONFIG, "the CA certificate is not a CA "
			       "certificate (basicConstraints CA:TRUE)");
	}
	usage = X509_get_key_usage(cert);
	if ((usage & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)) !=
	    (KU_KEY_CERT_SIGN | KU_CRL_SIGN)) {
		return err_set(e, ERR_CONFIG, "the CA certificate's key usage "
			       "lacks keyCertSign or cRLSign");
	}
	if (X509_cmp_time(X509_get0_notBefore(cert), &now) > 0 ||
	    X509_cmp_time(X509_get0_notAfter(cert), &now) < 0) {
		return err_set(e, ERR_CONFIG, "the CA certificate is not valid "
			       "now (check its dates and the clock)");
	}
	return 0;
}
