/*
 * assets.h: the static files of the pages (web/static/), built into the
 * binary.
 *
 * web/embed.sh turns each file into a byte array at build time, with its
 * media type and an ETag (the start of its SHA-256), so that mycertd reads
 * no file to serve them.  Pages refer to them as /static/NAME?v=ETAG, so
 * that browsers may keep them for a year.  Read-only data; runs in
 * mycertd.
 */
#ifndef MYCERT_ASSETS_H
#define MYCERT_ASSETS_H

#include <stddef.h>

struct assets_file {
	const char *path;		/* "/static/style.css" */
	const char *type;		/* "text/css; charset=utf-8" */
	const unsigned char *data;
	size_t len;
	const char *etag;		/* quoted, as sent: "\"1a2b...\"" */
	const char *version;		/* the ETag without quotes */
};

/* The file served at path (without query), or NULL. */
const struct assets_file *assets_find(const char *path);

#endif
