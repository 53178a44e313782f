/*
 * issue.c: issuance of a store (see issue.h).
 */
#include "issue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "p12.h"
#include "profile.h"
#include "secret.h"

struct issuer {
	const struct config *cfg;
	struct token_key *ca_key;
	X509 *ca_cert;
	EVP_PKEY *ca_public;
	STACK_OF(X509) *chain;	/* CA certificate first, then chain_file */
};

static int
read_chain(const char *path, STACK_OF(X509) *chain, struct err *e)
{
	FILE *f = fopen(path, "re");
	X509 *x;
	int n = 0;

	if (f == NULL) {
		return err_set(e, ERR_CONFIG, "cannot read chain_file %s",
			       path);
	}
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		if (!sk_X509_push(chain, x)) {
			X509_free(x);
			fclose(f);
			return err_set(e, ERR_INTERNAL, "out of memory");
		}
		n++;
	}
	fclose(f);
	ERR_clear_error();
	if (n == 0) {
		return err_set(e, ERR_CONFIG, "chain_file %s holds no PEM "
			       "certificate", path);
	}
	return 0;
}

static int
read_ca_cert(const char *path, X509 **out, struct err *e)
{
	FILE *f = fopen(path, "re");

	*out = NULL;
	if (f == NULL) {
		return err_set(e, ERR_CONFIG, "cannot read the CA certificate "
			       "%s; create it with provisioning/ca-selfsign.sh "
			       "or ca-import.sh", path);
	}
	*out = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (*out == NULL) {
		return err_openssl(e, ERR_CONFIG, "%s is not a PEM "
				   "certificate", path);
	}
	return 0;
}

int
issue_open(const struct config *cfg, struct token *t, struct issuer **out,
	   struct err *e)
{
	struct issuer *iss = calloc(1, sizeof(*iss));

	*out = NULL;
	if (iss == NULL || (iss->chain = sk_X509_new_null()) == NULL) {
		free(iss);
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	iss->cfg = cfg;
	if (read_ca_cert(cfg->ca_cert, &iss->ca_cert, e) != 0 ||
	    token_find_key(t, cfg->ca_key, &iss->ca_key, e) != 0 ||
	    token_key_public(iss->ca_key, &iss->ca_public, e) != 0 ||
	    profile_check_ca(iss->ca_cert, iss->ca_public, time(NULL), e)) {
		goto fail;
	}
	if (!X509_up_ref(iss->ca_cert) ||
	    !sk_X509_push(iss->chain, iss->ca_cert)) {
		X509_free(iss->ca_cert);
		err_set(e, ERR_INTERNAL, "out of memory");
		goto fail;
	}
	if (cfg->chain_file != NULL &&
	    read_chain(cfg->chain_file, iss->chain, e) != 0) {
		goto fail;
	}
	*out = iss;
	return 0;
fail:
	issue_close(iss);
	return -1;
}

void
issue_close(struct issuer *iss)
{
	if (iss == NULL) {
		return;
	}
	X509_free(iss->ca_cert);
	EVP_PKEY_free(iss->ca_public);
	sk_X509_pop_free(iss->chain, X509_free);
	free(iss);
}

X509 *
issue_ca_cert(struct issuer *iss)
{
	return iss->ca_cert;
}

struct token_key *
issue_ca_key(struct issuer *iss)
{
	return iss->ca_key;
}

EVP_PKEY *
issue_ca_public(struct issuer *iss)
{
	return iss->ca_public;
}

const struct config *
issue_config(struct issuer *iss)
{
	return iss->cfg;
}

int
issue_generate_key(enum config_key_type type, EVP_PKEY **out, struct err *e)
{
	*out = type == CONFIG_KEY_P256
		       ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")
		       : EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
	if (*out == NULL) {
		return err_openssl(e, ERR_CRYPTO, "key generation failed");
	}
	return 0;
}

int
issue_sign(struct issuer *iss, X509 *cert, struct err *e)
{
	if (token_sign_cert(iss->ca_key, cert, e) != 0) {
		return -1;
	}
	/* A token that answers with a wrong signature must not go unseen. */
	if (X509_verify(cert, iss->ca_public) != 1) {
		return err_openssl(e, ERR_TOKEN_SIGN, "the token's signature "
				   "does not verify with the CA certificate");
	}
	return 0;
}

int
issue_assemble(struct issuer *iss, EVP_PKEY *key, X509 *cert,
	       const char *ehealth_id, const char *password,
	       unsigned char **der, size_t *der_len, struct err *e)
{
	char name[64];

	/* ASCII friendly name: importers pair entries more reliably. */
	snprintf(name, sizeof(name), "mycert %s", ehealth_id);
	return p12_build(key, cert, iss->chain, name, password,
			 iss->cfg->p12_profile, iss->cfg->p12_iterations, der,
			 der_len, e);
}

static void
hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

static char *
subject_line(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data = NULL, *out = NULL;
	long len;

	if (b == NULL) {
		return NULL;
	}
	/* RFC 2253 order and escaping, UTF-8 kept as is. */
	if (X509_NAME_print_ex(b, X509_get_subject_name(x), 0,
			       XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		len = BIO_get_mem_data(b, &data);
		out = strndup(data, (size_t)len);
	}
	BIO_free(b);
	return out;
}

/* Fills the public record of r from the signed certificate. */
static int
describe(X509 *cert, const struct identity *id, const char *channel,
	 enum config_key_type type, time_t now, struct storage_cert *c,
	 struct err *e)
{
	unsigned char serial[32], md[32];
	const ASN1_INTEGER *sn = X509_get0_serialNumber(cert);
	struct tm tm;
	int n;

	n = ASN1_STRING_length(sn);
	if (n != PROFILE_SERIAL_BYTES) {
		return err_set(e, ERR_INTERNAL, "serial of %d bytes", n);
	}
	memcpy(serial, ASN1_STRING_get0_data(sn), (size_t)n);
	hex_encode(serial, (size_t)n, c->serial);
	if (!X509_digest(cert, EVP_sha256(), md, NULL)) {
		return err_openssl(e, ERR_CRYPTO, "cannot hash the certificate");
	}
	hex_encode(md, sizeof(md), c->fingerprint);
	c->ehealth_id = strdup(id->ehealth_id);
	c->email = strdup(id->email);
	c->key_type = strdup(config_key_type_name(type));
	c->channel = strdup(channel);
	c->status = strdup("active");
	c->subject = subject_line(cert);
	c->issued_at = now;
	c->revocation_reason = -1;
	if (ASN1_TIME_to_tm(X509_get0_notBefore(cert), &tm)) {
		c->not_before = timegm(&tm);
	}
	if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm)) {
		c->not_after = timegm(&tm);
	}
	n = i2d_X509(cert, &c->der);
	c->der_len = n > 0 ? (size_t)n : 0;
	if (c->ehealth_id == NULL || c->email == NULL || c->key_type == NULL ||
	    c->channel == NULL || c->status == NULL || c->subject == NULL ||
	    n <= 0) {
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	return 0;
}

/* The holder is free without a current store, or when it has expired:
 * the new store replaces it when recorded (storage.h). */
static int
check_holder_free(struct storage *db, const char *ehealth_id, struct err *e)
{
	struct storage_cert c;
	int blocks;

	if (storage_active_cert(db, ehealth_id, &c, e) != 0) {
		return e->code == ERR_NOT_FOUND ? 0 : -1;
	}
	blocks = c.not_after > time(NULL);
	storage_cert_clear(&c);
	if (blocks) {
		return err_set(e, ERR_ACTIVE_EXISTS, "eHealthID %s already "
			       "holds an active store; deactivate or revoke it "
			       "first", ehealth_id);
	}
	return 0;
}

static double
elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) * 1e3 +
	       (double)(now.tv_nsec - since->tv_nsec) / 1e6;
}

/* Key, certificate, signature, PKCS#12: the work after the checks. */
static int
generate(struct issuer *iss, const struct identity *id, const char *channel,
	 struct issue_result *out, struct err *e)
{
	enum config_key_type type = iss->cfg->store_key_type;
	time_t now = time(NULL);
	struct timespec t;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	int rc = -1;

	clock_gettime(CLOCK_MONOTONIC, &t);
	if (issue_generate_key(type, &key, e) != 0) {
		goto out;
	}
	out->timing.keygen_ms = elapsed_ms(&t);
	clock_gettime(CLOCK_MONOTONIC, &t);
	if (profile_build_store_cert(iss->cfg, id, key, iss->ca_cert, now,
				     &cert, e) != 0 ||
	    issue_sign(iss, cert, e) != 0 ||
	    describe(cert, id, channel, type, now, &out->cert, e) != 0) {
		goto out;
	}
	out->timing.sign_ms = elapsed_ms(&t);
	clock_gettime(CLOCK_MONOTONIC, &t);
	if (password_new(out->password, e) != 0 ||
	    issue_assemble(iss, key, cert, id->ehealth_id, out->password,
			   &out->p12, &out->p12_len, e) != 0) {
		goto out;
	}
	out->timing.p12_ms = elapsed_ms(&t);
	rc = 0;
out:
	/* EVP_PKEY_free clears the private key's numbers before freeing. */
	EVP_PKEY_free(key);
	X509_free(cert);
	return rc;
}

/* issue_prepare, with the check of the holder when db is not NULL. */
static int
prepare(struct issuer *iss, struct storage *db, const struct identity *id,
	const char *channel, struct issue_result *out, struct err *e)
{
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	memset(out, 0, sizeof(*out));
	out->cert.revocation_reason = -1;
	if (identity_check(id, e) != 0 ||
	    (db != NULL && check_holder_free(db, id->ehealth_id, e) != 0) ||
	    generate(iss, id, channel, out, e) != 0) {
		issue_result_wipe(out);
		return -1;
	}
	out->timing.total_ms = elapsed_ms(&start);
	return 0;
}

int
issue_prepare(struct issuer *iss, struct storage *db,
	      const struct identity *id, const char *channel,
	      struct issue_result *out, struct err *e)
{
	return prepare(iss, db, id, channel, out, e);
}

int
issue_prepare_renewal(struct issuer *iss, const struct identity *id,
		      const char *channel, struct issue_result *out,
		      struct err *e)
{
	return prepare(iss, NULL, id, channel, out, e);
}

int
issue_record(struct issuer *iss, struct storage *db,
	     const struct identity *id, const struct issue_result *r,
	     struct err *e)
{
	struct storage_holder holder = {
		.ehealth_id = id->ehealth_id,
		.given_name = id->given_name,
		.family_name = id->family_name,
		.profession_code = id->profession_code,
		.profession_label = id->profession_label,
	};

	(void)iss;
	return storage_record_issuance(db, &holder, &r->cert, e);
}

void
issue_result_wipe(struct issue_result *r)
{
	secret_wipe(r->password, sizeof(r->password));
	OPENSSL_clear_free(r->p12, r->p12_len);
	r->p12 = NULL;
	r->p12_len = 0;
	OPENSSL_free(r->cert.der);
	r->cert.der = NULL;
	storage_cert_clear(&r->cert);
}
