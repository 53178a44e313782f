/*
 * form.h: parsers for what a browser sends, without HTTP plumbing.
 *
 * application/x-www-form-urlencoded bodies and query strings, the Cookie
 * header, Accept-Language, the Content-Type of a form, local redirect
 * targets and origins.  Every input here is untrusted network data: each
 * parser is bounded, refuses what it does not expect, and is a pure
 * function (no libmicrohttpd, no global state) so that it can be fuzzed.
 * Runs in mycertd's request threads.
 */
#ifndef MYCERT_FORM_H
#define MYCERT_FORM_H

#include <stddef.h>

#include "err.h"

#define FORM_MAX_FIELDS 32
#define FORM_MAX_KEY 64		/* bytes of a decoded key */
#define FORM_COOKIE_MAX 256	/* bytes of one cookie value */

struct form_field {
	char *key;		/* decoded, NUL-terminated, malloc'd */
	char *value;		/* decoded, NUL-terminated, malloc'd */
};

struct form {
	size_t count;
	struct form_field fields[FORM_MAX_FIELDS];
};

/*
 * Parses urlencoded text (a POST body or a query string without its '?'):
 * pairs separated by '&', key and value separated by the first '=', '+'
 * decoded as a space, %XX as a byte.  Empty pairs ("a=1&&b=2") are
 * skipped; a pair without '=' has an empty value.
 *
 * Refused with ERR_INPUT, leaving *out empty: an empty key, a key longer
 * than FORM_MAX_KEY, more than FORM_MAX_FIELDS fields, a malformed %
 * escape, a NUL byte (raw or %00), text that is not valid UTF-8 (overlong
 * forms, surrogates and code points above U+10FFFF included), and a key
 * given twice: a repeated key is refused rather than resolved, so that
 * two layers can never disagree on which value counts.
 *
 * *out is always initialised; release it with form_free, which wipes the
 * values (they may hold a code or an assertion).
 */
int form_parse(const char *text, size_t len, struct form *out,
	       struct err *e) MUST_CHECK;

/* The value of key, or NULL when the form has no such field. */
const char *form_get(const struct form *f, const char *key);

/* Wipes and frees every key and value; f is empty afterwards. */
void form_free(struct form *f);

/*
 * Finds the cookie called name in a Cookie header ("a=1; b=2") and copies
 * its value into out (n bytes).  Returns 0 when found; -1 when absent,
 * empty, longer than n - 1 bytes, or holding a byte outside the RFC 6265
 * cookie-octet set.  A value wrapped in double quotes is unwrapped.  When
 * the same name appears more than once the first wins (browsers send the
 * most specific path first).
 */
int form_cookie(const char *header, const char *name, char *out, size_t n);

/*
 * Picks the best of the supported languages (two-letter codes, lower
 * case) for an Accept-Language header: the highest q-value wins, ties go
 * to the earlier entry, a range matches on its primary subtag ("fr-CH"
 * matches "fr"), q=0 excludes, "*" stands for the first supported
 * language.  Malformed entries are skipped.  Returns the index into
 * supported, or fallback when nothing matches or header is NULL.
 */
size_t form_accept_language(const char *header, const char *const *supported,
			    size_t count, size_t fallback);

/*
 * 1 when content_type is application/x-www-form-urlencoded (any case,
 * optional parameters after ';' such as charset=UTF-8), else 0.
 */
int form_is_urlencoded(const char *content_type);

/*
 * 1 when target is a safe local redirect: it starts with exactly one '/'
 * (not "//", not "/\"), holds only printable ASCII without '\\', and is
 * at most 256 bytes; else 0.  Used for the ?next= of the language switch.
 */
int form_is_local_path(const char *target);

/*
 * Writes into out (n bytes) the origin of an http(s) URL as a browser
 * sends it in the Origin header: scheme "://" host [":" port], lower
 * case, without the default port (443 for https, 80 for http) and
 * without any path.  Returns 0, or -1 when url is not an http(s) URL
 * with a host, or does not fit.
 */
int form_origin(const char *url, char *out, size_t n);

#endif
