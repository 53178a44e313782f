/*
 * mycert_audit.c: mycert-audit, the auditors' tool (docs/AUDIT.md).
 *
 *   export  reads the audit log from the database, read-only and without
 *           the token, and writes it to a new file in the export format;
 *   verify  needs only an export and the audit certificate: it recomputes
 *           every leaf and root, checks every checkpoint signature, and
 *           names each line that is wrong; with --since, it proves that
 *           the export extends an older one (audit_verify.c).
 *
 * Runs as a security officer (export) or an auditor (verify, on any
 * machine).  Exit status: 0 verified, 1 not verified, otherwise the
 * error's status (see exit_codes).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "audit.h"
#include "audit_verify.h"
#include "config.h"
#include "err.h"
#include "files.h"
#include "merkle.h"
#include "storage.h"

#define DEFAULT_CONFIG "/etc/mycert/mycertd.conf"
#define EXIT_NOT_VERIFIED 1

/* The exit status of each error: as mycert-admin's, except internal
 * errors (70), since 1 means "not verified". */
static const int exit_codes[ERR_CODE_COUNT] = {
	[ERR_INTERNAL] = 70,	[ERR_USAGE] = 2,	[ERR_CONFIG] = 3,
	[ERR_INPUT] = 4,	[ERR_IO] = 5,		[ERR_CRYPTO] = 6,
	[ERR_STORAGE] = 20,	[ERR_NOT_FOUND] = 22,
};

static const char usage_text[] =
	"usage: mycert-audit [-c CONF] export FILE\n"
	"       mycert-audit verify FILE --cert AUDIT_CERT [--ca CA_CERT]\n"
	"                    [--since OLD_FILE]\n"
	"       mycert-audit events\n"
	"\n"
	"export   write the audit log and its signed checkpoints to FILE (a\n"
	"         new file), reading the database of CONF read-only\n"
	"verify   check FILE offline: every leaf, every root, every signature\n"
	"         (with the audit certificate; --ca also checks that the CA\n"
	"         signed it); --since proves FILE extends OLD_FILE.  Exit 0\n"
	"         only when everything holds\n"
	"events   list the events the log records\n"
	"\n"
	"CONF defaults to " DEFAULT_CONFIG "; verify reads none.\n"
	"See docs/AUDIT.md for the format and the meaning of each finding.\n";

static int
usage(struct err *e, const char *why)
{
	return err_set(e, ERR_USAGE, "%s (see mycert-audit --help)", why);
}

/* ---- export ------------------------------------------------------------ */

struct export {
	FILE *f;
	const char *appliance_id;
	long long entries, checkpoints;	/* written */
};

/* Writes s percent-encoded (any length). */
static int
put_encoded(FILE *f, const char *s)
{
	size_t size = 3 * strlen(s) + 1;
	char *buf = malloc(size);
	int rc = 0;

	if (buf == NULL) {
		return -1;
	}
	if (audit_encode(s, buf, size) == (size_t)-1 || fputs(buf, f) < 0) {
		rc = -1;
	}
	free(buf);
	return rc;
}

static int
export_begin(long long entries, long long checkpoints, void *arg,
	     struct err *e)
{
	struct export *x = arg;
	char now[AUDIT_TIME_SIZE];

	audit_format_time(audit_now_ms(), now);
	if (fprintf(x->f, "%s\t%d\t", AUDIT_EXPORT_MAGIC,
		    AUDIT_FORMAT_VERSION) < 0 ||
	    put_encoded(x->f, x->appliance_id) != 0 ||
	    fprintf(x->f, "\t%lld\t%lld\t%s\n", entries, checkpoints,
		    now) < 0) {
		return err_set(e, ERR_IO, "cannot write the export");
	}
	return 0;
}

static size_t
field_len(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

static int
export_entry(const struct audit_entry *a, const unsigned char *leaf,
	     void *arg, struct err *e)
{
	struct export *x = arg;
	char hex[MERKLE_HEX_SIZE] = "-";
	size_t size, len = 0;
	char *line;
	int rc = 0;

	/* Room for every field encoded, so that a row altered by hand is
	 * written as it is, for verify to judge. */
	size = 128 + 3 * (field_len(a->actor) + field_len(a->event) +
			  field_len(a->object) + field_len(a->outcome) +
			  field_len(a->source) + field_len(a->detail));
	line = malloc(size);
	if (line == NULL) {
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	if (leaf != NULL) {
		merkle_hex(leaf, hex);
	}
	if (audit_entry_encode(a, line, size, &len) != 0 ||
	    fprintf(x->f, "%s\t%s\n", line, hex) < 0) {
		rc = err_set(e, ERR_IO, "cannot write the export");
	}
	free(line);
	x->entries++;
	return rc;
}

static int
export_checkpoint(const struct audit_checkpoint *c, void *arg, struct err *e)
{
	struct export *x = arg;
	char root[MERKLE_HEX_SIZE], when[AUDIT_TIME_SIZE];
	unsigned char *b64 = NULL;
	int rc = 0;

	b64 = malloc(4 * ((c->signature_len + 2) / 3) + 1);
	if (b64 == NULL) {
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	EVP_EncodeBlock(b64, c->signature, (int)c->signature_len);
	merkle_hex(c->root, root);
	audit_format_time(c->ts_ms, when);
	if (fprintf(x->f, "checkpoint\t%lld\t%s\t%s\t", c->tree_size, root,
		    when) < 0 ||
	    put_encoded(x->f, c->appliance_id != NULL ? c->appliance_id
						      : "") != 0 ||
	    fprintf(x->f, "\t%s\n", (const char *)b64) < 0) {
		rc = err_set(e, ERR_IO, "cannot write the export");
	}
	free(b64);
	x->checkpoints++;
	return rc;
}

/* Writes the log into a new temporary file beside path, made durable. */
static int
export_to_temp(struct storage *db, struct export *x, const char *path,
	       char **tmp, struct err *e)
{
	struct storage_audit_reader r = {
		.begin = export_begin,
		.entry = export_entry,
		.checkpoint = export_checkpoint,
		.arg = x,
	};
	int fd, rc;

	if (asprintf(tmp, "%s.tmp-XXXXXX", path) < 0) {
		*tmp = NULL;
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	/* Mode 0600 (mkostemp): the log names people. */
	fd = mkostemp(*tmp, O_CLOEXEC);
	if (fd < 0 || (x->f = fdopen(fd, "w")) == NULL) {
		err_set(e, ERR_IO, "cannot create a file beside %s: %s", path,
			strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(*tmp);
		}
		return -1;
	}
	rc = storage_audit_read(db, 0, &r, e);
	if (rc == 0 && (fflush(x->f) != 0 || fsync(fd) != 0)) {
		rc = err_set(e, ERR_IO, "cannot write %s: %s", *tmp,
			     strerror(errno));
	}
	if (fclose(x->f) != 0 && rc == 0) {
		rc = err_set(e, ERR_IO, "cannot write %s", *tmp);
	}
	x->f = NULL;
	if (rc != 0) {
		unlink(*tmp);
	}
	return rc;
}

static int
cmd_export(const char *conf_path, int argc, char **argv, struct err *e)
{
	struct config *cfg = NULL;
	struct storage *db = NULL;
	struct export x = { 0 };
	char *tmp = NULL;
	int rc = -1;

	if (argc != 2 || argv[1][0] == '\0') {
		return usage(e, "export takes one FILE");
	}
	if (files_exists(argv[1])) {
		return err_set(e, ERR_IO, "%s already exists; mycert-audit "
			       "never overwrites a file, choose another name",
			       argv[1]);
	}
	if (config_load(conf_path, &cfg, e) != 0 ||
	    storage_open_readonly(cfg->database, &db, e) != 0) {
		goto out;
	}
	x.appliance_id = cfg->appliance_id != NULL ? cfg->appliance_id : "";
	if (export_to_temp(db, &x, argv[1], &tmp, e) != 0) {
		goto out;
	}
	if (files_commit(tmp, argv[1], e) != 0) {
		unlink(tmp);
		goto out;
	}
	fprintf(stderr, "mycert-audit: exported %lld entries and %lld "
		"checkpoints to %s\n", x.entries, x.checkpoints, argv[1]);
	rc = 0;
out:
	free(tmp);
	storage_close(db);
	config_free(cfg);
	return rc;
}

/* ---- verify: the command ------------------------------------------------ */

struct verify_args {
	const char *file;
	const char *cert;
	const char *ca;
	const char *since;
};

static int
parse_verify(int argc, char **argv, struct verify_args *va, struct err *e)
{
	static const struct option opts[] = {
		{ "cert", required_argument, NULL, 'c' },
		{ "ca", required_argument, NULL, 'a' },
		{ "since", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char **field;
	int c;

	optind = 0;	/* glibc: 0 resets getopt fully */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		field = c == 'c' ? &va->cert : c == 'a' ? &va->ca
		      : c == 's' ? &va->since : NULL;
		if (field == NULL) {
			return usage(e, "verify: unknown option or missing "
				     "value");
		}
		if (*field != NULL) {
			return usage(e, "verify: an option is given twice");
		}
		*field = optarg;
	}
	if (optind != argc - 1) {
		return usage(e, "verify takes one FILE");
	}
	va->file = argv[optind];
	if (va->cert == NULL) {
		return usage(e, "verify needs --cert AUDIT_CERT (the audit "
			     "certificate of the appliance)");
	}
	return 0;
}

static int
read_cert(const char *path, X509 **out, struct err *e)
{
	FILE *f = fopen(path, "re");

	*out = NULL;
	if (f == NULL) {
		return err_set(e, ERR_IO, "cannot read %s: %s", path,
			       strerror(errno));
	}
	*out = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (*out == NULL) {
		return err_openssl(e, ERR_INPUT, "%s holds no PEM certificate",
				   path);
	}
	return 0;
}

/* The audit certificate, checked against the CA certificate when one is
 * given. */
static int
load_certs(const struct verify_args *va, X509 **cert, struct err *e)
{
	X509 *ca = NULL;
	int ok;

	if (read_cert(va->cert, cert, e) != 0) {
		return -1;
	}
	if (va->ca == NULL) {
		return 0;
	}
	if (read_cert(va->ca, &ca, e) != 0) {
		return -1;
	}
	ok = X509_verify(*cert, X509_get0_pubkey(ca)) == 1;
	X509_free(ca);
	if (!ok) {
		return err_openssl(e, ERR_INPUT, "the audit certificate %s is "
				   "not signed by the CA certificate %s",
				   va->cert, va->ca);
	}
	return 0;
}

static int
cmd_verify(int argc, char **argv, int *verified, struct err *e)
{
	struct verify_args va = { 0 };
	X509 *cert = NULL;
	int rc = -1;

	*verified = 0;
	if (parse_verify(argc, argv, &va, e) == 0 &&
	    load_certs(&va, &cert, e) == 0) {
		rc = audit_verify_export(va.file, va.since, cert, verified, e);
	}
	X509_free(cert);
	return rc;
}

/* ---- events and main ----------------------------------------------------- */

static void
print_event(const char *name, const char *meaning, void *arg)
{
	(void)arg;
	printf("%-20s %s\n", name, meaning);
}

static int
parse_global(int argc, char **argv, const char **conf, int *help,
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
			*conf = optarg;
		} else if (c == 'h') {
			*help = 1;
		} else {
			return usage(e, "unknown option");
		}
	}
	return 0;
}

static int
run(int argc, char **argv, int *verified, struct err *e)
{
	const char *conf = DEFAULT_CONFIG, *cmd;
	int help = 0;

	*verified = 1;
	if (parse_global(argc, argv, &conf, &help, e) != 0) {
		return -1;
	}
	if (help) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (optind >= argc) {
		return usage(e, "no command given");
	}
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	if (strcmp(cmd, "export") == 0) {
		return cmd_export(conf, argc, argv, e);
	}
	if (strcmp(cmd, "verify") == 0) {
		return cmd_verify(argc, argv, verified, e);
	}
	if (strcmp(cmd, "events") == 0) {
		if (argc != 1) {
			return usage(e, "events takes no argument");
		}
		audit_event_list(print_event, NULL);
		return 0;
	}
	return err_set(e, ERR_USAGE, "unknown command \"%.40s\" (see "
		       "mycert-audit --help)", cmd);
}

int
main(int argc, char **argv)
{
	struct err e = { 0 };
	int verified = 0, rc;

	opterr = 0;	/* one message per error: ours */
	rc = run(argc, argv, &verified, &e);
	if (fflush(stdout) != 0 && rc == 0) {
		rc = err_set(&e, ERR_IO, "cannot write the report");
	}
	if (rc != 0) {
		fprintf(stderr, "mycert-audit: error (%s): %s\n",
			err_code_name(e.code), e.msg);
		return exit_codes[e.code] != 0 ? exit_codes[e.code] : 70;
	}
	return verified ? 0 : EXIT_NOT_VERIFIED;
}
