/*
 * secret.h: handling of secrets (PIN, passwords, codes, keys) in memory.
 *
 * One helper wipes, one compares in constant time, one reads a secret file
 * and one makes the process non-dumpable.  Every caller that holds a secret
 * wipes it on every exit path, errors included.
 */
#ifndef MYCERT_SECRET_H
#define MYCERT_SECRET_H

#include <stddef.h>

#include "err.h"

/* Overwrites n bytes at p with zeros in a way the compiler keeps. */
void secret_wipe(void *p, size_t n);

/* Wipes the NUL-terminated string s (if not NULL) and frees it. */
void secret_free_string(char *s);

/* Returns 1 when the n bytes at a and b are equal, in time independent of
 * their content. */
int secret_equal(const void *a, const void *b, size_t n);

/* Reads the secret held in path: the first line, without its newline.
 * Refuses a file that is not a regular file, is readable or writable by
 * group or others, is empty or is larger than max bytes.  On success
 * *out is a NUL-terminated string the caller frees with secret_free_string.
 * what names the secret in messages ("PIN"); the content never appears. */
int secret_read_file(const char *path, const char *what, size_t max,
		     char **out, struct err *e) MUST_CHECK;

/* Makes the process non-dumpable (no core file, no ptrace by others of the
 * same user), so that secrets held in memory do not leak that way. */
void secret_protect_process(void);

#endif
