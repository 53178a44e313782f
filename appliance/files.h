/*
 * files.h: writing files safely (never over an existing file, durably).
 */
#ifndef MYCERT_FILES_H
#define MYCERT_FILES_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* Creates path (refusing an existing one) with mode, writes data, fsyncs
 * it and its folder.  On error nothing is left at path. */
int files_write_new(const char *path, const void *data, size_t len,
		    mode_t mode, struct err *e) MUST_CHECK;

/* Writes data to a new temporary file beside path (mode 0600) and returns
 * its name in *tmp (malloc'd).  files_commit then moves it to path without
 * ever replacing an existing file. */
int files_write_temp(const char *path, const void *data, size_t len,
		     char **tmp, struct err *e) MUST_CHECK;
int files_commit(const char *tmp, const char *path, struct err *e)
	MUST_CHECK;

/* Returns 1 when something exists at path. */
int files_exists(const char *path);

#endif
