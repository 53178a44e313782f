/*
 * crl.c: publishing the certificate revocation list (see crl.h).
 */
#include "crl.h"

#include "audit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "files.h"

#define SECONDS_PER_HOUR 3600L
/* Largest file mycert reads back to compare (the CA certificate). */
#define CRL_CA_MAX_BYTES (64 * 1024)

/* ---- the publish folder ------------------------------------------------- */

/* The last path segment of url, if it is a plain file name. */
static int
url_file_name(const char *url, const char *key, const char **name,
	      struct err *e)
{
	const char *slash = url == NULL ? NULL : strrchr(url, '/');
	const char *p;

	*name = NULL;
	if (slash == NULL || slash[1] == '\0' || slash[1] == '.') {
		return err_set(e, ERR_CONFIG, "%s must end in a file name such "
			       "as /crl/ca.crl", key);
	}
	for (p = slash + 1; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' ||
		      *p == '_')) {
			return err_set(e, ERR_CONFIG, "%s must end in a plain "
				       "file name (letters, digits, '.', '-', "
				       "'_'), without query or fragment", key);
		}
	}
	*name = slash + 1;
	return 0;
}

int
crl_files(const struct config *cfg, struct crl_files *out, struct err *e)
{
	const char *crl_name = NULL, *ca_name = NULL;
	int n1, n2;

	memset(out, 0, sizeof(*out));
	if (cfg->crl_dir == NULL || cfg->crl_dir[0] == '\0') {
		return err_set(e, ERR_CONFIG, "crl_dir is not set in %s: name "
			       "the folder where CRLs are published",
			       cfg->path);
	}
	if (url_file_name(cfg->crl_url, "crl_url", &crl_name, e) != 0 ||
	    url_file_name(cfg->ca_issuers_url, "ca_issuers_url", &ca_name,
			  e) != 0) {
		return -1;
	}
	if (strcmp(crl_name, ca_name) == 0) {
		return err_set(e, ERR_CONFIG, "crl_url and ca_issuers_url end in "
			       "the same file name %s", crl_name);
	}
	n1 = snprintf(out->crl, sizeof(out->crl), "%s/%s", cfg->crl_dir,
		      crl_name);
	n2 = snprintf(out->ca, sizeof(out->ca), "%s/%s", cfg->crl_dir,
		      ca_name);
	if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof(out->crl) ||
	    (size_t)n2 >= sizeof(out->ca)) {
		return err_set(e, ERR_CONFIG, "crl_dir is too long");
	}
	return 0;
}

/* Takes the exclusive publish lock: flock on the folder itself.  *fd
 * keeps the folder open (also used to fsync it). */
static int
lock_folder(const char *dir, int *fd, struct err *e)
{
	unsigned waited_ms = 0;

	*fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0) {
		return err_set(e, ERR_IO, "cannot open the CRL folder %s: %s; "
			       "create it (mode 0755) or fix crl_dir", dir,
			       strerror(errno));
	}
	while (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			err_set(e, ERR_IO, "cannot lock the CRL folder %s: %s",
				dir, strerror(errno));
			goto fail;
		}
		if (waited_ms >= CRL_LOCK_WAIT_SECONDS * 1000U) {
			err_set(e, ERR_UNAVAILABLE, "another process has been "
				"publishing a CRL in %s for %d seconds; try "
				"again later", dir, CRL_LOCK_WAIT_SECONDS);
			goto fail;
		}
		usleep(50 * 1000);
		waited_ms += 50;
	}
	return 0;
fail:
	close(*fd);
	*fd = -1;
	return -1;
}

/* Removes, under the publish lock, what a publisher killed between
 * writing a temporary file and renaming it left behind: files named
 * "<name of path>.tmp-XXXXXX" (files_write_temp) in the folder.  Best
 * effort: a file that stays is only clutter, never served. */
static void
remove_stale_temps(int dir_fd, const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash != NULL ? slash + 1 : path;
	size_t n = strlen(name);
	struct dirent *d;
	DIR *dir;
	int fd = dup(dir_fd);

	if (fd < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0) {
			close(fd);
		}
		return;
	}
	while ((d = readdir(dir)) != NULL) {
		if (strncmp(d->d_name, name, n) == 0 &&
		    strncmp(d->d_name + n, ".tmp-", 5) == 0 &&
		    strlen(d->d_name + n + 5) == 6) {
			(void)unlinkat(dir_fd, d->d_name, 0);
		}
	}
	closedir(dir);
}

/* Replaces path atomically with data (mode 0644): a temporary file beside
 * it, fsync'd, renamed over it, then the folder fsync'd. */
static int
replace_file(const char *path, int dir_fd, const unsigned char *data,
	     size_t len, struct err *e)
{
	char *tmp = NULL;

	if (files_write_temp(path, data, len, &tmp, e) != 0) {
		return -1;
	}
	if (chmod(tmp, 0644) != 0 || rename(tmp, path) != 0) {
		err_set(e, ERR_IO, "cannot put %s in place: %s", path,
			strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	if (fsync(dir_fd) != 0) {
		return err_set(e, ERR_IO, "cannot sync the folder of %s: %s",
			       path, strerror(errno));
	}
	return 0;
}

/* 1 when path holds exactly data. */
static int
same_content(const char *path, const unsigned char *data, size_t len)
{
	unsigned char *buf = NULL;
	FILE *f = fopen(path, "rbe");
	size_t n;
	int same = 0;

	if (f == NULL) {
		return 0;
	}
	buf = malloc(len + 1);
	if (buf != NULL && len < CRL_CA_MAX_BYTES) {
		n = fread(buf, 1, len + 1, f);
		same = n == len && memcmp(buf, data, len) == 0;
	}
	free(buf);
	fclose(f);
	return same;
}

/* Writes the CA certificate in DER unless the file already holds it. */
static int
publish_ca(const char *path, int dir_fd, X509 *ca, struct err *e)
{
	unsigned char *der = NULL;
	int len, rc = 0;

	len = i2d_X509(ca, &der);
	if (len <= 0) {
		return err_openssl(e, ERR_CRYPTO, "cannot encode the CA "
				   "certificate");
	}
	if (!same_content(path, der, (size_t)len)) {
		rc = replace_file(path, dir_fd, der, (size_t)len, e);
	}
	OPENSSL_free(der);
	return rc;
}

/* ---- building the CRL ---------------------------------------------------- */

static int
set_time(X509_CRL *crl, time_t t,
	 int (*set)(X509_CRL *, const ASN1_TIME *))
{
	ASN1_TIME *tm = ASN1_TIME_set(NULL, t);
	int ok = tm != NULL && set(crl, tm);

	ASN1_TIME_free(tm);
	return ok;
}

/* RFC 5280 5.3.1 reason codes carried as an extension: unspecified (0)
 * SHOULD be left out, 7 is not used, and anything else is not a reason. */
static int
reason_in_crl(int reason)
{
	return reason >= 1 && reason <= 10 && reason != 7;
}

struct build {
	X509_CRL *crl;
	long count;
	int failed;
};

static int
add_revoked(const char *serial, time_t revoked_at, int reason, void *arg)
{
	struct build *b = arg;
	X509_REVOKED *rev = X509_REVOKED_new();
	ASN1_INTEGER *sn = NULL;
	ASN1_ENUMERATED *code = NULL;
	ASN1_TIME *date = ASN1_TIME_set(NULL, revoked_at);
	BIGNUM *bn = NULL;
	int ok = 0;

	if (rev == NULL || date == NULL || BN_hex2bn(&bn, serial) == 0 ||
	    (sn = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    !X509_REVOKED_set_serialNumber(rev, sn) ||
	    !X509_REVOKED_set_revocationDate(rev, date)) {
		goto out;
	}
	if (reason_in_crl(reason) &&
	    ((code = ASN1_ENUMERATED_new()) == NULL ||
	     !ASN1_ENUMERATED_set(code, reason) ||
	     !X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, code, 0, 0))) {
		goto out;
	}
	if (!X509_CRL_add0_revoked(b->crl, rev)) {
		goto out;
	}
	rev = NULL;	/* the CRL owns it now */
	b->count++;
	ok = 1;
out:
	X509_REVOKED_free(rev);
	ASN1_INTEGER_free(sn);
	ASN1_ENUMERATED_free(code);
	ASN1_TIME_free(date);
	BN_free(bn);
	b->failed = !ok;
	return !ok;	/* stop at the first failure */
}

/* The AKI: the CA's subject key id (or, when it has none, the SHA-1 of
 * its public key, RFC 5280 4.2.1.2 method 1). */
static int
add_aki(X509_CRL *crl, X509 *ca)
{
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(ca);
	AUTHORITY_KEYID *akid = AUTHORITY_KEYID_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	int ok = 0;

	if (akid == NULL) {
		return 0;
	}
	if (ski != NULL) {
		akid->keyid = ASN1_OCTET_STRING_dup(ski);
	} else if (X509_pubkey_digest(ca, EVP_sha1(), md, &n)) {
		akid->keyid = ASN1_OCTET_STRING_new();
		if (akid->keyid != NULL &&
		    !ASN1_OCTET_STRING_set(akid->keyid, md, (int)n)) {
			ASN1_OCTET_STRING_free(akid->keyid);
			akid->keyid = NULL;
		}
	}
	ok = akid->keyid != NULL &&
	     X509_CRL_add1_ext_i2d(crl, NID_authority_key_identifier, akid, 0,
				   0);
	AUTHORITY_KEYID_free(akid);
	return ok;
}

static int
add_number(X509_CRL *crl, long long number)
{
	ASN1_INTEGER *n = ASN1_INTEGER_new();
	int ok = n != NULL && ASN1_INTEGER_set_int64(n, number) &&
		 X509_CRL_add1_ext_i2d(crl, NID_crl_number, n, 0, 0);

	ASN1_INTEGER_free(n);
	return ok;
}

/* Builds the unsigned CRL; *count gets the number of entries. */
static int
build_crl(struct issuer *iss, struct storage *db, long long number,
	  time_t this_update, time_t next_update, X509_CRL **out,
	  long *count, struct err *e)
{
	X509 *ca = issue_ca_cert(iss);
	struct build b = { X509_CRL_new(), 0, 0 };

	*out = NULL;
	*count = 0;
	if (b.crl == NULL || !X509_CRL_set_version(b.crl, 1) ||	/* v2 */
	    !X509_CRL_set_issuer_name(b.crl, X509_get_subject_name(ca)) ||
	    !set_time(b.crl, this_update, X509_CRL_set1_lastUpdate) ||
	    !set_time(b.crl, next_update, X509_CRL_set1_nextUpdate)) {
		err_openssl(e, ERR_CRYPTO, "cannot start the CRL");
		goto fail;
	}
	if (storage_list_revoked(db, add_revoked, &b, e) != 0) {
		goto fail;
	}
	if (b.failed) {
		err_openssl(e, ERR_CRYPTO, "cannot add a revoked certificate "
			    "to the CRL");
		goto fail;
	}
	if (!add_aki(b.crl, ca) || !add_number(b.crl, number) ||
	    !X509_CRL_sort(b.crl)) {
		err_openssl(e, ERR_CRYPTO, "cannot add the CRL extensions");
		goto fail;
	}
	*out = b.crl;
	*count = b.count;
	return 0;
fail:
	X509_CRL_free(b.crl);
	return -1;
}

/* Signs in the token, checks the signature and encodes. */
static int
sign_crl(struct issuer *iss, X509_CRL *crl, unsigned char **der,
	 size_t *len, char sha256[65], struct err *e)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[32];
	int n;
	size_t i;

	*der = NULL;
	*len = 0;
	if (token_sign_crl(issue_ca_key(iss), crl, e) != 0) {
		return -1;
	}
	if (X509_CRL_verify(crl, issue_ca_public(iss)) != 1) {
		return err_openssl(e, ERR_TOKEN_SIGN, "the CRL signed by the "
				   "token does not verify with the CA "
				   "certificate's key; check the token with "
				   "provisioning/check-token.sh");
	}
	n = i2d_X509_CRL(crl, der);
	if (n <= 0 || !EVP_Digest(*der, (size_t)n, md, NULL, EVP_sha256(),
				  NULL)) {
		OPENSSL_free(*der);
		*der = NULL;
		return err_openssl(e, ERR_CRYPTO, "cannot encode the CRL");
	}
	for (i = 0; i < sizeof(md); i++) {
		sha256[2 * i] = digits[md[i] >> 4];
		sha256[2 * i + 1] = digits[md[i] & 15];
	}
	sha256[64] = '\0';
	*len = (size_t)n;
	return 0;
}

/* ---- publishing ---------------------------------------------------------- */

int
crl_publish(const struct config *cfg, struct issuer *iss, struct storage *db,
	    time_t now, struct crl_result *out, struct err *e)
{
	struct crl_result r = { 0 };
	struct crl_files files;
	X509_CRL *crl = NULL;
	unsigned char *der = NULL;
	size_t der_len = 0;
	long long latest = 0, recorded = 0;
	time_t latest_next = 0;
	int dir_fd = -1, rc = -1;

	if (out != NULL) {
		memset(out, 0, sizeof(*out));
	}
	if (crl_files(cfg, &files, e) != 0 ||
	    lock_folder(cfg->crl_dir, &dir_fd, e) != 0) {
		return -1;
	}
	remove_stale_temps(dir_fd, files.crl);
	remove_stale_temps(dir_fd, files.ca);
	r.this_update = now;
	r.next_update = now + (time_t)cfg->crl_validity_hours *
			      SECONDS_PER_HOUR;
	/* Read before the list: a revocation in between makes the watch see
	 * a change and publish again, never miss one. */
	if (storage_revocations(db, &r.revocations, &r.latest_revocation,
				e) != 0 ||
	    storage_crl_latest(db, &latest, &latest_next, e) != 0) {
		goto out;
	}
	r.number = latest + 1;
	if (build_crl(iss, db, r.number, r.this_update, r.next_update, &crl,
		      &r.revoked, e) != 0 ||
	    sign_crl(iss, crl, &der, &der_len, r.sha256, e) != 0) {
		goto out;
	}
	/* Recorded before it is published: a number once seen by relying
	 * parties is never signed again. */
	{
		char object[32], detail[48];
		struct audit_entry a = {
			.actor = "system", .event = "crl_published",
			.object = object, .outcome = "ok", .source = "",
			.detail = detail,
		};
		int rc2;

		snprintf(object, sizeof(object), "crl:%lld", r.number);
		snprintf(detail, sizeof(detail), "revoked=%ld", r.revoked);
		storage_audit_next(db, &a);
		rc2 = storage_crl_record(db, r.this_update, r.next_update,
					 r.revoked, r.sha256, &recorded, e);
		storage_audit_next(db, NULL);
		if (rc2 != 0) {
			goto out;
		}
	}
	if (recorded != r.number) {
		err_set(e, ERR_STORAGE, "CRL number %lld was taken by another "
			"publisher that did not lock %s; publish again",
			r.number, cfg->crl_dir);
		goto out;
	}
	if (publish_ca(files.ca, dir_fd, issue_ca_cert(iss), e) != 0 ||
	    replace_file(files.crl, dir_fd, der, der_len, e) != 0) {
		goto out;
	}
	snprintf(r.path, sizeof(r.path), "%s", files.crl);
	if (out != NULL) {
		*out = r;
	}
	rc = 0;
out:
	OPENSSL_free(der);
	X509_CRL_free(crl);
	close(dir_fd);	/* releases the lock */
	return rc;
}

void
crl_watch_update(struct crl_watch *w, const struct crl_result *r)
{
	w->primed = 1;
	w->revocations = r->revocations;
	w->latest_revocation = r->latest_revocation;
}

int
crl_needs_publish(const struct config *cfg, struct storage *db, time_t now,
		  const struct crl_watch *w, int *needed, const char **why,
		  struct err *e)
{
	struct crl_files files;
	long long number = 0;
	time_t next_update = 0, latest = 0;
	long count = 0;
	time_t half = (time_t)cfg->crl_validity_hours * SECONDS_PER_HOUR / 2;

	*needed = 1;
	*why = "";
	if (!w->primed) {
		*why = "first publish by this process";
		return 0;
	}
	if (crl_files(cfg, &files, e) != 0 ||
	    storage_crl_latest(db, &number, &next_update, e) != 0 ||
	    storage_revocations(db, &count, &latest, e) != 0) {
		*needed = 0;
		return -1;
	}
	if (number == 0) {
		*why = "no CRL yet";
	} else if (!files_exists(files.crl)) {
		*why = "CRL file missing";
	} else if (count != w->revocations ||
		   latest != w->latest_revocation) {
		*why = "revocations changed";
	} else if (now >= next_update - half) {
		*why = "refresh before nextUpdate";
	} else {
		*needed = 0;
	}
	return 0;
}
