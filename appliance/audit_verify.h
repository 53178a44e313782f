/*
 * audit_verify.h: verifying an export of the audit log offline (the
 * engine of mycert-audit verify; docs/AUDIT.md says what each finding
 * means).  Needs only the export and the audit certificate.
 */
#ifndef MYCERT_AUDIT_VERIFY_H
#define MYCERT_AUDIT_VERIFY_H

#include <stdio.h>

#include <openssl/x509.h>

#include "err.h"

/* Reads the export at path, recomputes every leaf and every root,
 * checks each checkpoint's signature with cert's key, and prints on
 * standard output each finding (naming its file and line), the notes
 * and a summary line.  With since (not NULL), verifies that older export
 * too and proves that path extends it.  *verified is 1 only when
 * everything holds.  Returns -1 only when it could not do its work: a
 * file that cannot be read (ERR_IO), no memory (ERR_INTERNAL). */
int audit_verify_export(const char *path, const char *since, X509 *cert,
			int *verified, struct err *e) MUST_CHECK;

/* The same on exports already open (in; since_in or NULL for no older
 * export), read to their end and not closed; name and since_name name
 * them in findings; the report goes to report.  The entry point of the
 * fuzz target (fuzz/fuzz_audit_export.c), which reads from memory. */
int audit_verify_stream(FILE *in, const char *name, FILE *since_in,
			const char *since_name, X509 *cert, FILE *report,
			int *verified, struct err *e) MUST_CHECK;

#endif
