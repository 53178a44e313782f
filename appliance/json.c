/*
 * json.c: the strict JSON reader and the small writer (json.h).
 *
 * The reader walks the input once, by hand, with every read checked
 * against the end pointer.  Decoded strings go into one buffer of the
 * input's size: a string never decodes longer than its quoted form, so
 * the buffer cannot overflow (and a check says so anyway).
 */
#include "json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
	const unsigned char *start;
	const unsigned char *p;		/* the next byte to read */
	const unsigned char *end;
	char *out;			/* next free byte of o->strings */
	char *out_end;
	struct json_object *o;
	struct err *e;
};

static int
refuse(struct parser *ps, const char *what)
{
	return err_set(ps->e, ERR_INPUT, "JSON refused at byte %zu: %s",
		       (size_t)(ps->p - ps->start), what);
}

static void
skip_space(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
				   *ps->p == '\n' || *ps->p == '\r')) {
		ps->p++;
	}
}

/* Consumes c after optional whitespace; 0 when it is there. */
static int
expect(struct parser *ps, unsigned char c, const char *what)
{
	skip_space(ps);
	if (ps->p >= ps->end || *ps->p != c) {
		return refuse(ps, what);
	}
	ps->p++;
	return 0;
}

static int
put_bytes(struct parser *ps, const void *bytes, size_t n)
{
	if ((size_t)(ps->out_end - ps->out) < n) {
		return err_set(ps->e, ERR_INTERNAL, "JSON string buffer "
			       "overflow (a bug)");
	}
	memcpy(ps->out, bytes, n);
	ps->out += n;
	return 0;
}

static int
put_code_point(struct parser *ps, uint32_t cp)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp, n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | (cp >> 18));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return put_bytes(ps, b, n);
}

/* Reads the four hex digits after "\u". */
static int
read_hex4(struct parser *ps, uint32_t *v)
{
	size_t i;

	*v = 0;
	if (ps->end - ps->p < 4) {
		return refuse(ps, "truncated \\u escape");
	}
	for (i = 0; i < 4; i++) {
		unsigned char c = ps->p[i];
		uint32_t d;

		if (c >= '0' && c <= '9') {
			d = (uint32_t)(c - '0');
		} else if (c >= 'a' && c <= 'f') {
			d = (uint32_t)(c - 'a' + 10);
		} else if (c >= 'A' && c <= 'F') {
			d = (uint32_t)(c - 'A' + 10);
		} else {
			return refuse(ps, "bad hex digit in a \\u escape");
		}
		*v = (*v << 4) | d;
	}
	ps->p += 4;
	return 0;
}

/* Decodes "\uXXXX" (ps->p just after the 'u'), joining a surrogate pair. */
static int
read_unicode_escape(struct parser *ps)
{
	uint32_t cp, low;

	if (read_hex4(ps, &cp) != 0) {
		return -1;
	}
	if (cp >= 0xdc00 && cp <= 0xdfff) {
		return refuse(ps, "lone low surrogate in a \\u escape");
	}
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (ps->end - ps->p < 2 || ps->p[0] != '\\' ||
		    ps->p[1] != 'u') {
			return refuse(ps, "lone high surrogate in a \\u "
				      "escape");
		}
		ps->p += 2;
		if (read_hex4(ps, &low) != 0) {
			return -1;
		}
		if (low < 0xdc00 || low > 0xdfff) {
			return refuse(ps, "high surrogate not followed by a "
				      "low one");
		}
		cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
	}
	if (cp == 0) {
		return refuse(ps, "\\u0000 in a string");
	}
	return put_code_point(ps, cp);
}

static int
read_escape(struct parser *ps)
{
	static const char from[] = "\"\\/bfnrt";
	static const char to[] = "\"\\/\b\f\n\r\t";
	const char *hit;

	if (ps->p >= ps->end) {
		return refuse(ps, "truncated escape");
	}
	if (*ps->p == 'u') {
		ps->p++;
		return read_unicode_escape(ps);
	}
	hit = *ps->p != '\0' ? strchr(from, *ps->p) : NULL;
	if (hit == NULL) {
		return refuse(ps, "unknown escape in a string");
	}
	ps->p++;
	return put_bytes(ps, &to[hit - from], 1);
}

/* Copies one raw multi-byte UTF-8 sequence, refusing overlong forms,
 * surrogates, code points above U+10FFFF and truncated sequences. */
static int
read_utf8(struct parser *ps)
{
	unsigned char b0 = *ps->p;
	size_t n, i;
	uint32_t cp, min;

	if (b0 >= 0xc2 && b0 <= 0xdf) {
		n = 2, min = 0x80, cp = b0 & 0x1f;
	} else if (b0 >= 0xe0 && b0 <= 0xef) {
		n = 3, min = 0x800, cp = b0 & 0x0f;
	} else if (b0 >= 0xf0 && b0 <= 0xf4) {
		n = 4, min = 0x10000, cp = b0 & 0x07;
	} else {
		return refuse(ps, "invalid UTF-8 in a string");
	}
	if ((size_t)(ps->end - ps->p) < n) {
		return refuse(ps, "truncated UTF-8 in a string");
	}
	for (i = 1; i < n; i++) {
		if ((ps->p[i] & 0xc0) != 0x80) {
			return refuse(ps, "invalid UTF-8 in a string");
		}
		cp = (cp << 6) | (ps->p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
		return refuse(ps, "invalid UTF-8 in a string");
	}
	if (put_bytes(ps, ps->p, n) != 0) {
		return -1;
	}
	ps->p += n;
	return 0;
}

/* Reads a string (ps->p on the opening quote) into o->strings; *value
 * points to it, NUL-terminated. */
static int
read_string(struct parser *ps, const char **value)
{
	char *begin = ps->out;
	int rc = 0;

	if (ps->p >= ps->end || *ps->p != '"') {
		return refuse(ps, "a string was expected");
	}
	ps->p++;
	while (rc == 0) {
		unsigned char c;

		if (ps->p >= ps->end) {
			return refuse(ps, "unterminated string");
		}
		c = *ps->p;
		if (c == '"') {
			ps->p++;
			break;
		} else if (c < 0x20) {
			rc = refuse(ps, "control character in a string");
		} else if (c == '\\') {
			ps->p++;
			rc = read_escape(ps);
		} else if (c >= 0x80) {
			rc = read_utf8(ps);
		} else {
			ps->p++;
			rc = put_bytes(ps, &c, 1);
		}
	}
	if (rc != 0 || put_bytes(ps, "", 1) != 0) {
		return -1;
	}
	*value = begin;
	return 0;
}

static int
read_digits(struct parser *ps)
{
	if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
		return refuse(ps, "a digit was expected in a number");
	}
	while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
		ps->p++;
	}
	return 0;
}

/* Reads a number.  An integer gets JSON_INT (refused outside int64); one
 * with a fraction or an exponent is checked and gets JSON_OTHER. */
static int
read_number(struct parser *ps, enum json_type *type, int64_t *value)
{
	uint64_t acc = 0, limit = (uint64_t)INT64_MAX;
	int negative = 0, overflow = 0, fraction = 0;

	if (ps->p < ps->end && *ps->p == '-') {
		negative = 1;
		limit = (uint64_t)INT64_MAX + 1;
		ps->p++;
	}
	if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
		return refuse(ps, "a digit was expected in a number");
	}
	if (*ps->p == '0') {
		/* No leading zeros: a digit after this one is refused by
		 * the caller, which expects a separator. */
		ps->p++;
	} else {
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
			unsigned d = (unsigned)(*ps->p - '0');

			if (acc > (limit - d) / 10) {
				overflow = 1;
			} else {
				acc = acc * 10 + d;
			}
			ps->p++;
		}
	}
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		fraction = 1;
		if (read_digits(ps) != 0) {
			return -1;
		}
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		fraction = 1;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) {
			ps->p++;
		}
		if (read_digits(ps) != 0) {
			return -1;
		}
	}
	if (fraction) {
		*type = JSON_OTHER;
		return 0;
	}
	if (overflow) {
		return refuse(ps, "integer out of range");
	}
	*type = JSON_INT;
	if (negative && acc == limit) {
		*value = INT64_MIN;
	} else {
		*value = negative ? -(int64_t)acc : (int64_t)acc;
	}
	return 0;
}

static int read_value(struct parser *ps, int depth, struct json_member *m);

static int
read_literal(struct parser *ps, const char *word, enum json_type type,
	     struct json_member *m)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) {
		return refuse(ps, "unknown literal");
	}
	ps->p += n;
	if (m != NULL) {
		m->type = type;
	}
	return 0;
}

/* After a member or an item: 1 on ',', 0 on close, -1 otherwise. */
static int
next_or_close(struct parser *ps, unsigned char close, const char *what)
{
	skip_space(ps);
	if (ps->p < ps->end && *ps->p == ',') {
		ps->p++;
		return 1;
	}
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return 0;
	}
	return refuse(ps, what);
}

/* Reads an array (ps->p on '[').  With m (a top-level member), strings
 * are kept in o->items; an array holding anything else is JSON_OTHER. */
static int
read_array(struct parser *ps, int depth, struct json_member *m)
{
	struct json_object *o = ps->o;
	size_t first = o->items_used;
	int strings_only = 1, more = 1;

	if (depth > JSON_MAX_DEPTH) {
		return refuse(ps, "nesting too deep");
	}
	ps->p++;
	skip_space(ps);
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		more = 0;
	}
	while (more == 1) {
		skip_space(ps);
		if (m != NULL && strings_only && ps->p < ps->end &&
		    *ps->p == '"') {
			if (o->items_used >= JSON_MAX_ITEMS) {
				return refuse(ps, "too many strings in "
					      "arrays");
			}
			if (read_string(ps, &o->items[o->items_used]) != 0) {
				return -1;
			}
			o->items_used++;
		} else {
			strings_only = 0;
			if (read_value(ps, depth + 1, NULL) != 0) {
				return -1;
			}
		}
		more = next_or_close(ps, ']', "',' or ']' expected");
	}
	if (more < 0 || m == NULL) {
		return more;
	}
	if (strings_only) {
		m->type = JSON_STRING_ARRAY;
		m->items = &o->items[first];
		m->count = o->items_used - first;
	} else {
		m->type = JSON_OTHER;
		o->items_used = first;
	}
	return 0;
}

/* Checks a nested object (ps->p on '{') and keeps nothing of it. */
static int
skip_object(struct parser *ps, int depth)
{
	const char *key;
	int more = 1;

	if (depth > JSON_MAX_DEPTH) {
		return refuse(ps, "nesting too deep");
	}
	ps->p++;
	skip_space(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		more = 0;
	}
	while (more == 1) {
		skip_space(ps);
		if (read_string(ps, &key) != 0 ||
		    expect(ps, ':', "':' expected after a key") != 0 ||
		    read_value(ps, depth + 1, NULL) != 0) {
			return -1;
		}
		more = next_or_close(ps, '}', "',' or '}' expected");
	}
	return more;
}

/* Reads one value; depth is the depth of a container starting here.  m
 * (NULL inside nested values) gets the type and the value. */
static int
read_value(struct parser *ps, int depth, struct json_member *m)
{
	struct json_member unused = { 0 };
	struct json_member *v = m != NULL ? m : &unused;

	skip_space(ps);
	if (ps->p >= ps->end) {
		return refuse(ps, "a value was expected");
	}
	switch (*ps->p) {
	case '"':
		v->type = JSON_STRING;
		return read_string(ps, &v->string);
	case '{':
		v->type = JSON_OTHER;
		return skip_object(ps, depth);
	case '[':
		return read_array(ps, depth, m);
	case 't':
		return read_literal(ps, "true", JSON_TRUE, v);
	case 'f':
		return read_literal(ps, "false", JSON_FALSE, v);
	case 'n':
		return read_literal(ps, "null", JSON_NULL, v);
	default:
		break;
	}
	if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9')) {
		return read_number(ps, &v->type, &v->number);
	}
	return refuse(ps, "unexpected character");
}

/* Reads one top-level member into the next free slot. */
static int
read_member(struct parser *ps)
{
	struct json_object *o = ps->o;
	struct json_member *m;
	size_t i;

	if (o->count >= JSON_MAX_MEMBERS) {
		return refuse(ps, "too many members");
	}
	m = &o->members[o->count];
	skip_space(ps);
	if (read_string(ps, &m->key) != 0) {
		return -1;
	}
	for (i = 0; i < o->count; i++) {
		if (strcmp(o->members[i].key, m->key) == 0) {
			return refuse(ps, "repeated key");
		}
	}
	if (expect(ps, ':', "':' expected after a key") != 0 ||
	    read_value(ps, 2, m) != 0) {
		return -1;
	}
	o->count++;
	return 0;
}

static int
read_top(struct parser *ps)
{
	int more = 1;

	if (expect(ps, '{', "the text is not a JSON object") != 0) {
		return -1;
	}
	skip_space(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		more = 0;
	}
	while (more == 1) {
		if (read_member(ps) != 0) {
			return -1;
		}
		more = next_or_close(ps, '}', "',' or '}' expected");
	}
	if (more < 0) {
		return -1;
	}
	skip_space(ps);
	if (ps->p != ps->end) {
		return refuse(ps, "data after the object");
	}
	return 0;
}

int
json_parse(const char *text, size_t len, struct json_object **out,
	   struct err *e)
{
	struct json_object *o = NULL;
	struct parser ps;
	int rc = -1;

	*out = NULL;
	if (text == NULL || len == 0) {
		return err_set(e, ERR_INPUT, "JSON refused: empty input");
	}
	if (len > JSON_MAX_BYTES) {
		return err_set(e, ERR_INPUT, "JSON refused: over %d bytes",
			       JSON_MAX_BYTES);
	}
	o = calloc(1, sizeof(*o));
	if (o == NULL || (o->strings = malloc(len + 1)) == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory reading JSON");
		goto out;
	}
	ps.start = (const unsigned char *)text;
	ps.p = ps.start;
	ps.end = ps.start + len;
	ps.out = o->strings;
	ps.out_end = o->strings + len + 1;
	ps.o = o;
	ps.e = e;
	if (read_top(&ps) != 0) {
		goto out;
	}
	*out = o;
	o = NULL;
	rc = 0;
out:
	json_free(o);
	return rc;
}

void
json_free(struct json_object *o)
{
	if (o != NULL) {
		free(o->strings);
		free(o);
	}
}

const struct json_member *
json_find(const struct json_object *o, const char *key)
{
	size_t i;

	for (i = 0; i < o->count; i++) {
		if (strcmp(o->members[i].key, key) == 0) {
			return &o->members[i];
		}
	}
	return NULL;
}

int
json_get_string(const struct json_object *o, const char *key,
		const char **value)
{
	const struct json_member *m = json_find(o, key);

	if (m == NULL) {
		return 0;
	}
	if (m->type != JSON_STRING) {
		return -1;
	}
	*value = m->string;
	return 1;
}

int
json_get_int(const struct json_object *o, const char *key, int64_t *value)
{
	const struct json_member *m = json_find(o, key);

	if (m == NULL) {
		return 0;
	}
	if (m->type != JSON_INT) {
		return -1;
	}
	*value = m->number;
	return 1;
}

int
json_get_string_array(const struct json_object *o, const char *key,
		      const char *const **items, size_t *count)
{
	const struct json_member *m = json_find(o, key);

	if (m == NULL) {
		return 0;
	}
	if (m->type != JSON_STRING_ARRAY) {
		return -1;
	}
	*items = m->items;
	*count = m->count;
	return 1;
}

/* ---- writer ------------------------------------------------------------ */

static void
writer_put(struct json_writer *w, const char *s, size_t n)
{
	size_t cap;
	char *grown;

	if (w->failed) {
		return;
	}
	if (n > JSON_MAX_BYTES * 16 || w->len > JSON_MAX_BYTES * 16) {
		w->failed = 1;
		return;
	}
	if (w->len + n + 1 > w->cap) {
		cap = w->cap != 0 ? w->cap : 256;
		while (cap < w->len + n + 1) {
			cap *= 2;
		}
		grown = realloc(w->buf, cap);
		if (grown == NULL) {
			w->failed = 1;
			return;
		}
		w->buf = grown;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void
writer_quoted(struct json_writer *w, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char esc[8];

	writer_put(w, "\"", 1);
	for (; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			writer_put(w, esc, 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			writer_put(w, esc, 6);
		} else {
			writer_put(w, (const char *)p, 1);
		}
	}
	writer_put(w, "\"", 1);
}

static void
writer_key(struct json_writer *w, const char *key)
{
	if (w->members > 0) {
		writer_put(w, ",", 1);
	}
	writer_quoted(w, key);
	writer_put(w, ":", 1);
	w->members++;
}

void
json_writer_start(struct json_writer *w)
{
	memset(w, 0, sizeof(*w));
	writer_put(w, "{", 1);
}

void
json_writer_string(struct json_writer *w, const char *key, const char *value)
{
	writer_key(w, key);
	writer_quoted(w, value);
}

void
json_writer_int(struct json_writer *w, const char *key, int64_t value)
{
	char num[32];
	int n = snprintf(num, sizeof(num), "%" PRId64, value);

	writer_key(w, key);
	writer_put(w, num, (size_t)n);
}

void
json_writer_string_array(struct json_writer *w, const char *key,
			 const char *const *values, size_t count)
{
	size_t i;

	writer_key(w, key);
	writer_put(w, "[", 1);
	for (i = 0; i < count; i++) {
		if (i > 0) {
			writer_put(w, ",", 1);
		}
		writer_quoted(w, values[i]);
	}
	writer_put(w, "]", 1);
}

int
json_writer_finish(struct json_writer *w, char **text, struct err *e)
{
	*text = NULL;
	writer_put(w, "}", 1);
	if (w->failed) {
		free(w->buf);
		memset(w, 0, sizeof(*w));
		return err_set(e, ERR_INTERNAL, "out of memory (or over %d "
			       "bytes) writing JSON", JSON_MAX_BYTES * 16);
	}
	*text = w->buf;
	memset(w, 0, sizeof(*w));
	return 0;
}
