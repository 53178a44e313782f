/*
 * json.h: a small, strict JSON reader and writer for JWS headers and claims.
 *
 * The reader takes one JSON object (RFC 8259) and keeps its top-level
 * members: strings, integers, true, false, null and arrays of strings.
 * Any other value (a nested object, an array holding something other than
 * strings, a number with a fraction or an exponent) is checked against
 * the grammar and the bounds below, then kept as JSON_OTHER, so that the
 * getters refuse it as ill-typed.  The reader refuses: invalid UTF-8 (raw
 * or through \u escapes, lone surrogates included), raw control
 * characters and \u0000 in strings, a repeated top-level key, an integer
 * outside int64, nesting deeper than JSON_MAX_DEPTH, input over
 * JSON_MAX_BYTES, and anything after the closing brace but whitespace.
 * Keys of nested objects are not checked for repeats: nothing reads them.
 *
 * The input is untrusted (it comes from the network inside an assertion):
 * every read is bounded by the length given, never by a terminator.
 * Runs in mycertd (request threads) and the tools; no shared state.
 *
 * The writer builds one flat object for the development portal; it
 * escapes what JSON requires and copies other bytes as they are, so that
 * tests can also write invalid UTF-8 on purpose.
 */
#ifndef MYCERT_JSON_H
#define MYCERT_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define JSON_MAX_BYTES 8192
#define JSON_MAX_MEMBERS 64	/* top-level members */
#define JSON_MAX_ITEMS 64	/* strings in all top-level arrays */
#define JSON_MAX_DEPTH 8	/* the top-level object is depth 1 */

enum json_type {
	JSON_STRING,
	JSON_INT,
	JSON_TRUE,
	JSON_FALSE,
	JSON_NULL,
	JSON_STRING_ARRAY,
	JSON_OTHER,		/* valid JSON of a type the getters refuse */
};

struct json_member {
	const char *key;		/* UTF-8, NUL-terminated */
	enum json_type type;
	const char *string;		/* JSON_STRING: UTF-8, no NUL inside */
	int64_t number;			/* JSON_INT */
	const char *const *items;	/* JSON_STRING_ARRAY */
	size_t count;			/* JSON_STRING_ARRAY */
};

struct json_object {
	struct json_member members[JSON_MAX_MEMBERS];
	size_t count;
	const char *items[JSON_MAX_ITEMS];	/* storage of the arrays */
	size_t items_used;
	char *strings;			/* decoded keys and strings */
};

/* Parses the len bytes at text (no terminator needed) into a new *out,
 * freed with json_free.  On error *out is NULL and e (ERR_INPUT) says
 * what was refused and at which byte offset, never the text itself. */
int json_parse(const char *text, size_t len, struct json_object **out,
	       struct err *e) MUST_CHECK;

/* Frees o and its strings (NULL is fine). */
void json_free(struct json_object *o);

/* Returns the member named key, or NULL when there is none. */
const struct json_member *json_find(const struct json_object *o,
				    const char *key);

/* The getters return 1 and set their output when key is present with the
 * type asked, 0 when key is absent, -1 when it has another type.  The
 * strings belong to o. */
int json_get_string(const struct json_object *o, const char *key,
		    const char **value);
int json_get_int(const struct json_object *o, const char *key,
		 int64_t *value);
int json_get_string_array(const struct json_object *o, const char *key,
			  const char *const **items, size_t *count);

/* The writer: one flat object.  Any call after a failure does nothing;
 * json_writer_finish reports the failure.  Keys and values are copied
 * with '"', '\\' and control characters escaped, other bytes unchanged. */
struct json_writer {
	char *buf;
	size_t len;
	size_t cap;
	size_t members;
	int failed;
};

/* Starts an object; w needs no other initialisation. */
void json_writer_start(struct json_writer *w);
void json_writer_string(struct json_writer *w, const char *key,
			const char *value);
void json_writer_int(struct json_writer *w, const char *key, int64_t value);
void json_writer_string_array(struct json_writer *w, const char *key,
			      const char *const *values, size_t count);

/* Closes the object and hands it over in *text (malloc'd, NUL-terminated);
 * on failure (out of memory) frees the buffer and sets e. */
int json_writer_finish(struct json_writer *w, char **text, struct err *e)
	MUST_CHECK;

#endif
