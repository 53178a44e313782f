/*
 * mycert_admin.c: mycert-admin, the security officers' command line.
 *
 * Issues stores, lists, shows and revokes certificates, publishes the
 * CRL (after each revocation and on demand), and runs the CA steps of
 * provisioning (self-signed CA, CSR, import of a signed CA certificate,
 * audit certificate).  Runs as the officer, reads the configuration and
 * the PIN file; its arguments (an identity, a subject) are checked like
 * any untrusted input.  Secrets never go to argv: the PIN comes from the
 * PIN file, the store's password goes to standard output only.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "audit.h"
#include "config.h"
#include "crl.h"
#include "err.h"
#include "files.h"
#include "issue.h"
#include "profile.h"
#include "secret.h"
#include "storage.h"
#include "token.h"

#define DEFAULT_CONFIG "/etc/mycert/mycertd.conf"

static const char usage_text[] =
	"usage: mycert-admin [-c CONF] COMMAND [ARGS]\n"
	"\n"
	"Stores:\n"
	"  issue --ehealth-id ID --given G --family F --profession-code C\n"
	"        --profession-label L --email E --out FILE.p12\n"
	"                      issue a store; prints its password alone\n"
	"  list                list the certificates, newest first\n"
	"  show SERIAL         show one certificate\n"
	"  revoke SERIAL --reason R\n"
	"                      revoke (R: unspecified, keyCompromise,\n"
	"                      affiliationChanged, superseded,\n"
	"                      cessationOfOperation), then publish a CRL\n"
	"  crl                 publish a new CRL now\n"
	"  init-db             create the database named in CONF\n"
	"\n"
	"CA (provisioning):\n"
	"  ca-selfsign [--subject DN] [--days N]   self-signed CA -> ca_cert\n"
	"  ca-csr --out FILE [--subject DN]         CSR for an external root\n"
	"  ca-import FILE [--chain FILE]            install the signed CA\n"
	"  audit-cert [--subject DN] [--days N]     audit key cert -> audit_cert\n"
	"\n"
	"CONF defaults to " DEFAULT_CONFIG ".\n";

struct admin {
	const char *conf_path;
	struct config *cfg;
	struct token *token;
	struct issuer *issuer;
	struct storage *db;
};

static int
usage(struct err *e, const char *why)
{
	return err_set(e, ERR_USAGE, "%s (see mycert-admin --help)", why);
}

static int
open_token(struct admin *a, struct err *e)
{
	struct token_params p = {
		.module = a->cfg->pkcs11_module,
		.softhsm2_conf = a->cfg->softhsm2_conf,
		.token = a->cfg->token,
		.pin_file = a->cfg->pin_file,
	};

	return token_open(&p, &a->token, e);
}

static const char *
status_now(const struct storage_cert *c, time_t now)
{
	if (strcmp(c->status, "active") == 0 && c->not_after < now) {
		return "expired";
	}
	/* Still valid, beside the store that renewed it. */
	if (strcmp(c->status, "active") == 0 && c->superseded_by[0] != '\0') {
		return "replaced";
	}
	return c->status;
}

static void
format_time(time_t t, char out[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- audit ------------------------------------------------------------ */

/* The audit entry of an officer's change, for the next commit of db. */
struct officer_note {
	char object[48];
	char detail[64];
	struct audit_entry a;
};

static void
officer_note(struct storage *db, struct officer_note *n, const char *event,
	     const char *object, const char *detail)
{
	snprintf(n->object, sizeof(n->object), "%s", object);
	snprintf(n->detail, sizeof(n->detail), "%s", detail);
	n->a = (struct audit_entry){
		.actor = "officer", .event = event, .object = n->object,
		.outcome = "ok", .source = "", .detail = n->detail,
	};
	storage_audit_next(db, &n->a);
}

/* ---- issue ------------------------------------------------------------ */

struct issue_args {
	struct identity id;
	const char *out;
};

/* Sets *field to value, refusing a repeated option. */
static int
set_once(const char **field, const char *value, const char *name,
	 struct err *e)
{
	char why[96];

	if (*field != NULL) {
		snprintf(why, sizeof(why), "--%s is given twice", name);
		return usage(e, why);
	}
	*field = value;
	return 0;
}

static int
parse_issue(int argc, char **argv, struct issue_args *ia, struct err *e)
{
	static const struct option opts[] = {
		{ "ehealth-id", required_argument, NULL, 'i' },
		{ "given", required_argument, NULL, 'g' },
		{ "family", required_argument, NULL, 'f' },
		{ "profession-code", required_argument, NULL, 'p' },
		{ "profession-label", required_argument, NULL, 'l' },
		{ "email", required_argument, NULL, 'm' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char **fields[] = {
		['i'] = &ia->id.ehealth_id, ['g'] = &ia->id.given_name,
		['f'] = &ia->id.family_name, ['p'] = &ia->id.profession_code,
		['l'] = &ia->id.profession_label, ['m'] = &ia->id.email,
		['o'] = &ia->out,
	};
	int c, i;

	optind = 0;	/* glibc: 0 resets getopt fully */
	while ((c = getopt_long(argc, argv, "", opts, &i)) != -1) {
		if (c == '?' || c == ':') {
			return usage(e, "issue: unknown option or missing "
				     "value");
		}
		if (set_once(fields[c], optarg, opts[i].name, e) != 0) {
			return -1;
		}
	}
	for (i = 0; opts[i].name != NULL; i++) {
		if (*fields[opts[i].val] == NULL) {
			char why[64];

			snprintf(why, sizeof(why), "issue needs --%s",
				 opts[i].name);
			return usage(e, why);
		}
	}
	if (optind != argc || ia->out[0] == '\0') {
		return usage(e, "issue needs a file name after --out and no "
			     "other argument");
	}
	return 0;
}

/* Fails early when standard output cannot take the password. */
static int
check_stdout(struct err *e)
{
	struct stat st;

	if (fstat(STDOUT_FILENO, &st) != 0) {
		return err_set(e, ERR_IO, "standard output is closed: the "
			       "password would be lost");
	}
	return 0;
}

/* Hands the password over; a store whose password is lost is revoked at
 * once, so that no valid certificate exists whose key nobody can open. */
static int
print_password(struct admin *a, const struct issue_result *r,
	       struct err *e)
{
	struct err e2 = { 0 };

	if (printf("%s\n", r->password) > 0 && fflush(stdout) == 0 &&
	    !ferror(stdout)) {
		return 0;
	}
	if (storage_revoke(a->db, r->cert.serial, 5, time(NULL), &e2) != 0) {
		return err_set(e, ERR_IO, "the password could not be written "
			       "and store %s could not be revoked (%s); revoke "
			       "it with: mycert-admin revoke %s", r->cert.serial,
			       e2.msg, r->cert.serial);
	}
	return err_set(e, ERR_IO, "the password could not be written to "
		       "standard output; store %s was revoked, issue again",
		       r->cert.serial);
}

static int
cmd_issue(struct admin *a, int argc, char **argv, struct err *e)
{
	struct issue_args ia = { 0 };
	struct issue_result r = { 0 };
	struct officer_note note;
	char *tmp = NULL, object[48], detail[64];
	int rc = -1, placed, recorded;

	if (parse_issue(argc, argv, &ia, e) != 0 || check_stdout(e) != 0) {
		return -1;
	}
	if (files_exists(ia.out)) {
		return err_set(e, ERR_IO, "%s already exists; mycert never "
			       "overwrites a store, choose another name",
			       ia.out);
	}
	if (identity_check(&ia.id, e) != 0 ||
	    storage_open(a->cfg->database, &a->db, e) != 0 ||
	    open_token(a, e) != 0 ||
	    issue_open(a->cfg, a->token, &a->issuer, e) != 0 ||
	    issue_prepare(a->issuer, a->db, &ia.id, "officer", &r, e) != 0 ||
	    files_write_temp(ia.out, r.p12, r.p12_len, &tmp, e) != 0) {
		goto out;
	}
	/* Recorded before it is put in place: a certificate the database
	 * does not know could never be revoked. */
	snprintf(object, sizeof(object), "serial:%s", r.cert.serial);
	snprintf(detail, sizeof(detail), "key_type=%s channel=officer",
		 r.cert.key_type);
	officer_note(a->db, &note, "store_issued", object, detail);
	recorded = issue_record(a->issuer, a->db, &ia.id, &r, e);
	storage_audit_next(a->db, NULL);
	if (recorded != 0) {
		unlink(tmp);
		goto out;
	}
	placed = files_commit(tmp, ia.out, e) == 0;
	if (!placed) {
		/* Someone made ia.out meanwhile: the store is still whole,
		 * beside it. */
		fprintf(stderr, "mycert-admin: warning: %s; store %s is in %s "
			"instead\n", e->msg, r.cert.serial, tmp);
	}
	fprintf(stderr, "mycert-admin: issued serial=%s ehealth_id=%s "
		"file=%s\n", r.cert.serial, r.cert.ehealth_id,
		placed ? ia.out : tmp);
	rc = print_password(a, &r, e);
out:
	free(tmp);
	issue_result_wipe(&r);
	return rc;
}

/* ---- revocation -------------------------------------------------------- */

static const struct {
	const char *name;
	int code;
} reasons[] = {
	{ "unspecified", 0 },
	{ "keyCompromise", 1 },
	{ "affiliationChanged", 3 },
	{ "superseded", 4 },
	{ "cessationOfOperation", 5 },
};

static int
parse_reason(const char *name, int *code, struct err *e)
{
	size_t i;

	for (i = 0; name != NULL && i < sizeof(reasons) / sizeof(reasons[0]);
	     i++) {
		if (strcmp(name, reasons[i].name) == 0) {
			*code = reasons[i].code;
			return 0;
		}
	}
	if (name == NULL) {
		return usage(e, "revoke needs --reason R");
	}
	/* A known option with a value it cannot take: refused input (4),
	 * as every refused argument value, not a malformed command line. */
	return err_set(e, ERR_INPUT, "--reason %s is not a reason: use one of "
		       "unspecified, keyCompromise, affiliationChanged, "
		       "superseded, cessationOfOperation", name);
}

/* The RFC 5280 name of a CRLReason code, for show. */
static const char *
reason_name(int code)
{
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		if (reasons[i].code == code) {
			return reasons[i].name;
		}
	}
	return "other";
}

/* Publishes a new CRL with the CA key in the token (db already open). */
static int
publish_crl(struct admin *a, struct err *e)
{
	struct crl_result r;
	char next[32];

	if ((a->token == NULL && open_token(a, e) != 0) ||
	    (a->issuer == NULL &&
	     issue_open(a->cfg, a->token, &a->issuer, e) != 0) ||
	    crl_publish(a->cfg, a->issuer, a->db, time(NULL), &r, e) != 0) {
		return -1;
	}
	format_time(r.next_update, next);
	fprintf(stderr, "mycert-admin: published CRL number=%lld revoked=%ld "
		"file=%s next_update=%s\n", r.number, r.revoked, r.path, next);
	return 0;
}

static int
cmd_crl(struct admin *a, int argc, char **argv, struct err *e)
{
	(void)argv;
	if (argc != 1) {
		return usage(e, "crl takes no argument");
	}
	if (storage_open(a->cfg->database, &a->db, e) != 0) {
		return -1;
	}
	return publish_crl(a, e);
}

static int
cmd_revoke(struct admin *a, int argc, char **argv, struct err *e)
{
	struct officer_note note;
	char object[48], detail[16];
	int revoked;
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *reason = NULL, *serial;
	int c, code = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'r' || set_once(&reason, optarg, "reason", e) != 0) {
			return e->code ? -1 : usage(e, "revoke: unknown option");
		}
	}
	if (optind != argc - 1) {
		return usage(e, "revoke takes one SERIAL and --reason R");
	}
	serial = argv[optind];
	if (parse_reason(reason, &code, e) != 0 ||
	    storage_open(a->cfg->database, &a->db, e) != 0) {
		return -1;
	}
	snprintf(object, sizeof(object), "serial:%.32s", serial);
	snprintf(detail, sizeof(detail), "reason=%d", code);
	officer_note(a->db, &note, "store_revoked", object, detail);
	revoked = storage_revoke(a->db, serial, code, time(NULL), e);
	storage_audit_next(a->db, NULL);
	if (revoked != 0) {
		if (e->code == ERR_WRONG_STEP) {
			err_set(e, ERR_WRONG_STEP, "certificate %s is already "
				"revoked; nothing changed", serial);
		}
		return -1;
	}
	fprintf(stderr, "mycert-admin: revoked serial=%s reason=%s\n",
		serial, reason);
	/* The revocation stands either way; relying parties learn of it
	 * through OCSP at once and through the next CRL. */
	if (publish_crl(a, e) != 0) {
		char why[sizeof(e->msg)];

		snprintf(why, sizeof(why), "%s", e->msg);
		return err_set(e, e->code, "certificate %s is revoked, but no "
			       "new CRL could be published (%.300s); publish "
			       "one with: mycert-admin crl", serial, why);
	}
	return 0;
}

static int
cmd_init_db(struct admin *a, int argc, char **argv, struct err *e)
{
	(void)argv;
	if (argc != 1) {
		return usage(e, "init-db takes no argument");
	}
	/* An empty log: its first entry is the daemon's first start. */
	if (storage_create(a->cfg->database, &a->db, e) != 0) {
		return -1;
	}
	fprintf(stderr, "mycert-admin: created the database %s\n",
		a->cfg->database);
	return 0;
}

/* ---- list and show ------------------------------------------------------ */

static int
print_row(const struct storage_cert *c, void *arg)
{
	char until[32];

	format_time(c->not_after, until);
	printf("%s  %-8s  %s  %s  %s\n", c->serial,
	       status_now(c, *(time_t *)arg), c->ehealth_id, until,
	       c->subject);
	return 0;
}

static int
cmd_list(struct admin *a, int argc, char **argv, struct err *e)
{
	time_t now = time(NULL);

	(void)argv;
	if (argc != 1) {
		return usage(e, "list takes no argument");
	}
	if (storage_open(a->cfg->database, &a->db, e) != 0) {
		return -1;
	}
	printf("%-32s  %-8s  %-10s  %-20s  %s\n", "SERIAL", "STATUS",
	       "EHEALTHID", "NOT AFTER", "SUBJECT");
	return storage_list_certs(a->db, print_row, &now, e);
}

static int
cmd_show(struct admin *a, int argc, char **argv, struct err *e)
{
	struct storage_cert c;
	char t1[32], t2[32], t3[32], t4[32] = "-";

	if (argc != 2) {
		return usage(e, "show takes one SERIAL");
	}
	if (storage_open(a->cfg->database, &a->db, e) != 0 ||
	    storage_get_cert(a->db, argv[1], &c, e) != 0) {
		return -1;
	}
	format_time(c.not_before, t1);
	format_time(c.not_after, t2);
	format_time(c.issued_at, t3);
	if (c.revoked_at != 0) {
		format_time(c.revoked_at, t4);
	}
	printf("serial: %s\nstatus: %s\nehealth_id: %s\nsubject: %s\n"
	       "email: %s\nkey_type: %s\nchannel: %s\nissued_at: %s\n"
	       "not_before: %s\nnot_after: %s\nrevoked_at: %s\n",
	       c.serial, status_now(&c, time(NULL)), c.ehealth_id, c.subject,
	       c.email, c.key_type, c.channel, t3, t1, t2, t4);
	if (c.revoked_at != 0 && c.revocation_reason >= 0) {
		printf("revocation_reason: %s (%d)\n",
		       reason_name(c.revocation_reason), c.revocation_reason);
	} else {
		printf("revocation_reason: -\n");
	}
	printf("fingerprint_sha256: %s\n", c.fingerprint);
	storage_cert_clear(&c);
	return 0;
}

/* ---- CA commands ------------------------------------------------------ */

struct ca_args {
	const char *subject;
	const char *out;
	const char *chain;
	const char *file;
	unsigned days;
};

static int
parse_ca(int argc, char **argv, struct ca_args *ca, struct err *e)
{
	static const struct option opts[] = {
		{ "subject", required_argument, NULL, 's' },
		{ "days", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ "chain", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	char *end = NULL;
	int c;

	optind = 0;	/* glibc: 0 resets getopt fully */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': ca->subject = optarg; break;
		case 'o': ca->out = optarg; break;
		case 'C': ca->chain = optarg; break;
		case 'd':
			ca->days = (unsigned)strtoul(optarg, &end, 10);
			if (*end != '\0' || ca->days == 0 || ca->days > 10950) {
				return err_set(e, ERR_INPUT, "--days %s: must be "
					       "1 to 10950", optarg);
			}
			break;
		default: return usage(e, "unknown option");
		}
	}
	if (optind < argc) {
		ca->file = argv[optind++];
	}
	if (optind != argc) {
		return usage(e, "too many arguments");
	}
	return 0;
}

static int
write_pem_cert(const char *path, X509 *x, struct err *e)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data = NULL;
	long len;
	int rc;

	if (b == NULL || !PEM_write_bio_X509(b, x)) {
		BIO_free(b);
		return err_openssl(e, ERR_CRYPTO, "cannot encode %s", path);
	}
	len = BIO_get_mem_data(b, &data);
	rc = files_write_new(path, data, (size_t)len, 0644, e);
	BIO_free(b);
	return rc;
}

static int
ca_public(struct admin *a, const char *selector, struct token_key **key,
	  EVP_PKEY **pub, struct err *e)
{
	if (open_token(a, e) != 0 ||
	    token_find_key(a->token, selector, key, e) != 0) {
		return -1;
	}
	return token_key_public(*key, pub, e);
}

static void
default_subject(const struct config *cfg, const char *cn, char *out,
		size_t n)
{
	snprintf(out, n, "/C=%s/O=%s/CN=%s %s", cfg->subject_country,
		 cfg->subject_organization, cfg->subject_organization, cn);
}

static int
cmd_ca_selfsign(struct admin *a, int argc, char **argv, struct err *e)
{
	struct ca_args ca = { .days = 3650 };
	struct token_key *key = NULL;
	EVP_PKEY *pub = NULL;
	X509 *x = NULL;
	char subject[512];
	int rc = -1;

	if (parse_ca(argc, argv, &ca, e) != 0) {
		return -1;
	}
	default_subject(a->cfg, "CA", subject, sizeof(subject));
	if (files_exists(a->cfg->ca_cert)) {
		return err_set(e, ERR_IO, "the CA certificate %s already "
			       "exists; refusing to replace it",
			       a->cfg->ca_cert);
	}
	if (ca_public(a, a->cfg->ca_key, &key, &pub, e) != 0 ||
	    profile_build_ca_cert(ca.subject ? ca.subject : subject, pub,
				  ca.days, time(NULL), &x, e) != 0 ||
	    token_sign_cert(key, x, e) != 0 ||
	    write_pem_cert(a->cfg->ca_cert, x, e) != 0) {
		goto out;
	}
	fprintf(stderr, "mycert-admin: wrote the self-signed CA certificate "
		"%s\n", a->cfg->ca_cert);
	rc = 0;
out:
	X509_free(x);
	EVP_PKEY_free(pub);
	return rc;
}

static int
cmd_ca_csr(struct admin *a, int argc, char **argv, struct err *e)
{
	struct ca_args ca = { 0 };
	struct token_key *key = NULL;
	EVP_PKEY *pub = NULL;
	X509_REQ *req = NULL;
	BIO *b = NULL;
	char subject[512], *data = NULL;
	long len;
	int rc = -1;

	if (parse_ca(argc, argv, &ca, e) != 0) {
		return -1;
	}
	if (ca.out == NULL) {
		return usage(e, "ca-csr needs --out FILE");
	}
	default_subject(a->cfg, "CA", subject, sizeof(subject));
	if (ca_public(a, a->cfg->ca_key, &key, &pub, e) != 0 ||
	    profile_build_ca_req(ca.subject ? ca.subject : subject, pub, &req,
				 e) != 0 ||
	    token_sign_req(key, req, e) != 0) {
		goto out;
	}
	b = BIO_new(BIO_s_mem());
	if (b == NULL || !PEM_write_bio_X509_REQ(b, req)) {
		err_openssl(e, ERR_CRYPTO, "cannot encode the CSR");
		goto out;
	}
	len = BIO_get_mem_data(b, &data);
	if (files_write_new(ca.out, data, (size_t)len, 0644, e) != 0) {
		goto out;
	}
	fprintf(stderr, "mycert-admin: wrote the CSR %s; have the root sign "
		"it, then run ca-import\n", ca.out);
	rc = 0;
out:
	BIO_free(b);
	X509_REQ_free(req);
	EVP_PKEY_free(pub);
	return rc;
}

static int
read_pem_certs(const char *path, STACK_OF(X509) **out, struct err *e)
{
	FILE *f = fopen(path, "re");
	X509 *x;

	*out = sk_X509_new_null();
	if (f == NULL || *out == NULL) {
		if (f != NULL) {
			fclose(f);
		}
		return err_set(e, ERR_IO, "cannot read %s", path);
	}
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		if (!sk_X509_push(*out, x)) {
			X509_free(x);
			break;
		}
	}
	fclose(f);
	ERR_clear_error();
	if (sk_X509_num(*out) == 0) {
		return err_set(e, ERR_INPUT, "%s holds no PEM certificate",
			       path);
	}
	return 0;
}

/* Checks that ca chains up to the last certificate of chain. */
static int
verify_chain(X509 *ca, STACK_OF(X509) *chain, struct err *e)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int i, ok = 0;

	for (i = 0; store != NULL && i < sk_X509_num(chain); i++) {
		X509_STORE_add_cert(store, sk_X509_value(chain, i));
	}
	if (store != NULL && ctx != NULL &&
	    X509_STORE_CTX_init(ctx, store, ca, chain)) {
		ok = X509_verify_cert(ctx) == 1;
	}
	if (!ok) {
		err_set(e, ERR_INPUT, "the CA certificate does not verify "
			"against the chain (%s)", ctx == NULL ? "no memory"
			: X509_verify_cert_error_string(
				  X509_STORE_CTX_get_error(ctx)));
	}
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ok ? 0 : -1;
}

static int
write_chain(const char *path, STACK_OF(X509) *chain, struct err *e)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data = NULL;
	long len;
	int i, rc;

	for (i = 0; b != NULL && i < sk_X509_num(chain); i++) {
		if (!PEM_write_bio_X509(b, sk_X509_value(chain, i))) {
			BIO_free(b);
			b = NULL;
		}
	}
	if (b == NULL) {
		return err_openssl(e, ERR_CRYPTO, "cannot encode %s", path);
	}
	len = BIO_get_mem_data(b, &data);
	rc = files_write_new(path, data, (size_t)len, 0644, e);
	BIO_free(b);
	return rc;
}

static int
cmd_ca_import(struct admin *a, int argc, char **argv, struct err *e)
{
	struct ca_args ca = { 0 };
	struct token_key *key = NULL;
	STACK_OF(X509) *certs = NULL, *chain = NULL;
	EVP_PKEY *pub = NULL;
	int rc = -1;

	if (parse_ca(argc, argv, &ca, e) != 0) {
		return -1;
	}
	if (ca.file == NULL) {
		return usage(e, "ca-import needs the signed CA certificate");
	}
	if (ca.chain != NULL && a->cfg->chain_file == NULL) {
		return err_set(e, ERR_CONFIG, "--chain needs chain_file in %s",
			       a->conf_path);
	}
	if (files_exists(a->cfg->ca_cert) ||
	    (ca.chain != NULL && files_exists(a->cfg->chain_file))) {
		return err_set(e, ERR_IO, "the CA certificate %s or the chain "
			       "already exists; refusing to replace it",
			       a->cfg->ca_cert);
	}
	if (read_pem_certs(ca.file, &certs, e) != 0 ||
	    (ca.chain != NULL && read_pem_certs(ca.chain, &chain, e) != 0) ||
	    ca_public(a, a->cfg->ca_key, &key, &pub, e) != 0 ||
	    profile_check_ca(sk_X509_value(certs, 0), pub, time(NULL), e) ||
	    (chain != NULL &&
	     verify_chain(sk_X509_value(certs, 0), chain, e) != 0)) {
		goto out;
	}
	if (chain != NULL && write_chain(a->cfg->chain_file, chain, e) != 0) {
		goto out;
	}
	if (write_pem_cert(a->cfg->ca_cert, sk_X509_value(certs, 0), e)) {
		goto out;
	}
	fprintf(stderr, "mycert-admin: installed the CA certificate %s\n",
		a->cfg->ca_cert);
	rc = 0;
out:
	sk_X509_pop_free(certs, X509_free);
	sk_X509_pop_free(chain, X509_free);
	EVP_PKEY_free(pub);
	return rc;
}

static int
read_cert_file(const char *path, X509 **out, struct err *e)
{
	STACK_OF(X509) *certs = NULL;

	*out = NULL;
	if (read_pem_certs(path, &certs, e) != 0) {
		sk_X509_pop_free(certs, X509_free);
		return -1;
	}
	*out = sk_X509_shift(certs);
	sk_X509_pop_free(certs, X509_free);
	return 0;
}

static int
cmd_audit_cert(struct admin *a, int argc, char **argv, struct err *e)
{
	struct ca_args ca = { .days = 1095 };
	struct token_key *ca_key = NULL, *audit_key = NULL;
	EVP_PKEY *ca_pub = NULL, *audit_pub = NULL;
	X509 *ca_cert = NULL, *x = NULL;
	char subject[512];
	int rc = -1;

	if (parse_ca(argc, argv, &ca, e) != 0) {
		return -1;
	}
	if (a->cfg->audit_key == NULL || a->cfg->audit_cert == NULL) {
		return err_set(e, ERR_CONFIG, "audit_key and audit_cert must be "
			       "set in %s", a->conf_path);
	}
	if (files_exists(a->cfg->audit_cert)) {
		return err_set(e, ERR_IO, "the audit certificate %s already "
			       "exists; refusing to replace it",
			       a->cfg->audit_cert);
	}
	default_subject(a->cfg, "audit", subject, sizeof(subject));
	if (read_cert_file(a->cfg->ca_cert, &ca_cert, e) != 0 ||
	    ca_public(a, a->cfg->ca_key, &ca_key, &ca_pub, e) != 0 ||
	    profile_check_ca(ca_cert, ca_pub, time(NULL), e) != 0 ||
	    token_find_key(a->token, a->cfg->audit_key, &audit_key, e) != 0 ||
	    token_key_public(audit_key, &audit_pub, e) != 0 ||
	    profile_build_audit_cert(ca.subject ? ca.subject : subject,
				     audit_pub, ca_cert, ca.days, time(NULL),
				     &x, e) != 0 ||
	    token_sign_cert(ca_key, x, e) != 0 ||
	    write_pem_cert(a->cfg->audit_cert, x, e) != 0) {
		goto out;
	}
	fprintf(stderr, "mycert-admin: wrote the audit certificate %s\n",
		a->cfg->audit_cert);
	rc = 0;
out:
	X509_free(x);
	X509_free(ca_cert);
	EVP_PKEY_free(ca_pub);
	EVP_PKEY_free(audit_pub);
	return rc;
}

/* ---- main --------------------------------------------------------------- */

static const struct command {
	const char *name;
	int (*run)(struct admin *, int, char **, struct err *);
} commands[] = {
	{ "issue", cmd_issue },
	{ "list", cmd_list },
	{ "show", cmd_show },
	{ "revoke", cmd_revoke },
	{ "crl", cmd_crl },
	{ "init-db", cmd_init_db },
	{ "ca-selfsign", cmd_ca_selfsign },
	{ "ca-csr", cmd_ca_csr },
	{ "ca-import", cmd_ca_import },
	{ "audit-cert", cmd_audit_cert },
};

static int
parse_global(int argc, char **argv, struct admin *a, int *help,
	     struct err *e)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		if (c == 'c') {
			a->conf_path = optarg;
		} else if (c == 'h') {
			*help = 1;
		} else {
			return usage(e, "unknown option");
		}
	}
	return 0;
}

static int
run(struct admin *a, int argc, char **argv, struct err *e)
{
	const struct command *cmd = NULL;
	int help = 0;
	size_t i;

	if (parse_global(argc, argv, a, &help, e) != 0) {
		return -1;
	}
	if (help) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (optind >= argc) {
		return usage(e, "no command given");
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) == 0) {
			cmd = &commands[i];
		}
	}
	if (cmd == NULL) {
		return err_set(e, ERR_USAGE, "unknown command \"%.40s\" (see "
			       "mycert-admin --help)", argv[optind]);
	}
	if (config_load(a->conf_path, &a->cfg, e) != 0) {
		return -1;
	}
	return cmd->run(a, argc - optind, argv + optind, e);
}

int
main(int argc, char **argv)
{
	struct admin a = { .conf_path = DEFAULT_CONFIG };
	struct err e = { 0 };
	int rc;

	secret_protect_process();
	opterr = 0;	/* one message per error: ours */
	rc = run(&a, argc, argv, &e);
	/* Teardown order matters for libp11: issuer (keys) before token. */
	issue_close(a.issuer);
	token_close(a.token);
	storage_close(a.db);
	config_free(a.cfg);
	if (rc != 0) {
		fprintf(stderr, "mycert-admin: error (%s): %s\n",
			err_code_name(e.code), e.msg);
		return err_exit_status(e.code);
	}
	return 0;
}
