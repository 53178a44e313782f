/*
 * fuzz_audit_export.c: the reader of audit log exports, the engine of
 * mycert-audit verify (appliance/audit_verify.c audit_verify_stream),
 * with the audit certificate of the seed exports (fuzz/keys/).
 *
 * An input is an export; when it holds a line "--since--", what
 * follows is an older export that the first must extend (--since).
 *
 * Invariants: the verdict and the report agree (a "verified" summary
 * exactly when verified, "NOT VERIFIED" otherwise); a verified export
 * starts with the export header and extends itself (--since with its
 * own copy verifies too); and the report, which an auditor reads
 * in a terminal, holds only printable lines of bounded length: no byte
 * of the export may forge a line of it or drive the terminal.
 */
#include "fuzz.h"

#include <openssl/bio.h>
#include <openssl/pem.h>

#include "audit.h"
#include "audit_verify.h"
#include "fuzz_keys.h"

#define SINCE_MARK "\n--since--\n"
#define REPORT_LINE_MAX 1024

static X509 *cert;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	BIO *b = BIO_new_mem_buf(fuzz_pem_audit_cert, -1);

	(void)argc;
	(void)argv;
	cert = b != NULL ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	if (cert == NULL) {
		fprintf(stderr, "fuzz_audit_export: no audit certificate\n");
		abort();
	}
	return 0;
}

/* A read stream over n bytes at p (fmemopen refuses zero bytes). */
static FILE *
open_bytes(const char *p, size_t n)
{
	static char empty[1];
	FILE *f = n > 0 ? fmemopen((void *)p, n, "r")
			: fmemopen(empty, 1, "r");

	FUZZ_CHECK(f != NULL, "memory");
	if (n == 0) {
		(void)fgetc(f);		/* now at its end */
	}
	return f;
}

/* Shows a report line on standard error, bytes outside ASCII escaped. */
static void
show_line(const char *line, const char *end)
{
	const char *c;

	fputs("report line: ", stderr);
	for (c = line; c < end; c++) {
		if ((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f) {
			fputc(*c, stderr);
		} else {
			fprintf(stderr, "\\x%02x", (unsigned char)*c);
		}
	}
	fputc('\n', stderr);
}

static void
check_line(const char *line, const char *end)
{
	const char *c;

	if (end - line > REPORT_LINE_MAX) {
		show_line(line, end);
	}
	FUZZ_CHECK(end - line <= REPORT_LINE_MAX, "report lines are bounded");
	for (c = line; c < end; c++) {
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f) {
			show_line(line, end);
		}
		FUZZ_CHECK((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f,
			   "the report is printable ASCII: the export cannot "
			   "forge a line or send terminal controls");
	}
}

static void
check_report(const char *report, size_t len, int verified)
{
	const char *line = report, *end, *last = report;

	FUZZ_CHECK(len > 0 && report[len - 1] == '\n',
		   "the report ends with a whole line");
	while (line < report + len) {
		end = memchr(line, '\n', (size_t)(report + len - line));
		FUZZ_CHECK(end != NULL, "lines end with a newline");
		check_line(line, end);
		last = line;
		line = end + 1;
	}
	if (verified) {
		FUZZ_CHECK(strncmp(last, "mycert-audit: verified ", 23) == 0,
			   "verified ends with the verified summary");
		FUZZ_CHECK(strstr(report, "NOT VERIFIED") == NULL,
			   "verified never says NOT VERIFIED");
	} else {
		FUZZ_CHECK(strstr(report, "mycert-audit: NOT VERIFIED: ")
			   != NULL, "not verified says so");
	}
}

/* A verified export, checked against itself as the older one. */
static void
check_extends_itself(const char *bytes, size_t n)
{
	FILE *in = open_bytes(bytes, n), *old = open_bytes(bytes, n);
	FILE *out = fopen("/dev/null", "w");
	struct err e = { 0 };
	int verified = 0;

	FUZZ_CHECK(out != NULL, "/dev/null");
	FUZZ_CHECK(audit_verify_stream(in, "new.export", old, "old.export",
				       cert, out, &verified, &e) == 0 &&
		   verified == 1, "a verified export extends itself");
	fclose(out);
	fclose(old);
	fclose(in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *bytes = fuzz_bytes(data, size), *report = NULL;
	const char *mark = memmem(bytes, size, SINCE_MARK,
				  strlen(SINCE_MARK));
	size_t first = mark != NULL ? (size_t)(mark - bytes) + 1 : size;
	size_t rest = mark != NULL ? size - first - strlen(SINCE_MARK) + 1 : 0;
	size_t report_len = 0;
	FILE *in = open_bytes(bytes, first), *since = NULL, *out = NULL;
	struct err e = { 0 };
	int verified = -1, rc;

	if (mark != NULL) {
		since = open_bytes(mark + strlen(SINCE_MARK), rest);
	}
	out = open_memstream(&report, &report_len);
	FUZZ_CHECK(out != NULL, "memory");
	rc = audit_verify_stream(in, "new.export", since,
				 since != NULL ? "old.export" : NULL, cert,
				 out, &verified, &e);
	fclose(out);
	FUZZ_CHECK(rc == 0, "an export in memory is always read");
	FUZZ_CHECK(verified == 0 || verified == 1, "a verdict");
	if (verified) {
		FUZZ_CHECK(first > 23 &&
			   memcmp(bytes, AUDIT_EXPORT_MAGIC "\t1\t", 22) == 0,
			   "a verified export starts with its header");
	}
	check_report(report, report_len, verified);
	if (verified && since == NULL) {
		check_extends_itself(bytes, size);
	}
	free(report);
	fclose(in);
	if (since != NULL) {
		fclose(since);
	}
	free(bytes);
	return 0;
}
