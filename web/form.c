/*
 * form.c: parsers for forms, cookies and language headers (see form.h).
 *
 * Everything here reads network input.  Lengths are checked before every
 * copy; decoded text is validated as UTF-8 before anyone sees it.
 */
#include "form.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "secret.h"

#define LOCAL_PATH_MAX 256
#define LANGUAGE_TAG_MAX 16

/* 1 when the n bytes at s are well-formed UTF-8 (RFC 3629): no overlong
 * forms, no surrogates, nothing above U+10FFFF, no NUL. */
static int
valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		unsigned cp;
		size_t more, k;

		if (c == 0) {
			return 0;
		}
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			more = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			more = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			more = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (n - i <= more) {
			return 0;
		}
		for (k = 1; k <= more; k++) {
			if ((s[i + k] & 0xc0) != 0x80) {
				return 0;
			}
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((more == 2 && cp < 0x800) || (more == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
			return 0;
		}
		i += more + 1;
	}
	return 1;
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

/* Decodes n bytes of urlencoded text into a new string in *out.  Returns
 * 0, or -1 with *out NULL on a bad escape, a NUL, bad UTF-8 or no
 * memory (*nomem set then). */
static int
decode(const char *s, size_t n, char **out, int *nomem)
{
	char *d = malloc(n + 1);
	size_t i, o = 0;

	*out = NULL;
	if (d == NULL) {
		*nomem = 1;
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (s[i] == '+') {
			d[o++] = ' ';
		} else if (s[i] == '%') {
			int hi;

			if (n - i < 3) {
				goto bad;
			}
			hi = hex_value(s[i + 1]);
			if (hi < 0 || hex_value(s[i + 2]) < 0) {
				goto bad;
			}
			d[o++] = (char)(hi * 16 + hex_value(s[i + 2]));
			i += 2;
		} else {
			d[o++] = s[i];
		}
	}
	d[o] = '\0';
	if (!valid_utf8((const unsigned char *)d, o)) {
		goto bad;
	}
	*out = d;
	return 0;
bad:
	secret_wipe(d, n + 1);
	free(d);
	return -1;
}

/* Adds one "key=value" pair (n bytes at s) to f. */
static int
add_pair(struct form *f, const char *s, size_t n, struct err *e)
{
	const char *eq = memchr(s, '=', n);
	size_t key_len = eq != NULL ? (size_t)(eq - s) : n;
	char *key = NULL, *value = NULL;
	int nomem = 0;
	size_t i;

	if (key_len == 0) {
		return err_set(e, ERR_INPUT, "form: a field has no name");
	}
	if (f->count == FORM_MAX_FIELDS) {
		return err_set(e, ERR_INPUT, "form: more than %d fields",
			       FORM_MAX_FIELDS);
	}
	if (decode(s, key_len, &key, &nomem) != 0) {
		goto bad;
	}
	if (strlen(key) > FORM_MAX_KEY) {
		free(key);
		return err_set(e, ERR_INPUT, "form: a field name is longer "
			       "than %d bytes", FORM_MAX_KEY);
	}
	if (decode(eq != NULL ? eq + 1 : s + n,
		   eq != NULL ? n - key_len - 1 : 0, &value, &nomem) != 0) {
		free(key);
		goto bad;
	}
	for (i = 0; i < f->count; i++) {
		if (strcmp(f->fields[i].key, key) == 0) {
			free(key);
			secret_free_string(value);
			return err_set(e, ERR_INPUT, "form: a field is given "
				       "twice");
		}
	}
	f->fields[f->count].key = key;
	f->fields[f->count].value = value;
	f->count++;
	return 0;
bad:
	if (nomem) {
		return err_set(e, ERR_INTERNAL, "form: out of memory");
	}
	return err_set(e, ERR_INPUT, "form: a bad %% escape, a NUL byte or "
		       "text that is not UTF-8");
}

int
form_parse(const char *text, size_t len, struct form *out, struct err *e)
{
	size_t start = 0, end;

	memset(out, 0, sizeof(*out));
	while (start < len) {
		const char *amp = memchr(text + start, '&', len - start);

		end = amp != NULL ? (size_t)(amp - text) : len;
		if (end > start &&
		    add_pair(out, text + start, end - start, e) != 0) {
			form_free(out);
			return -1;
		}
		start = end + 1;
	}
	return 0;
}

const char *
form_get(const struct form *f, const char *key)
{
	size_t i;

	for (i = 0; i < f->count; i++) {
		if (strcmp(f->fields[i].key, key) == 0) {
			return f->fields[i].value;
		}
	}
	return NULL;
}

void
form_free(struct form *f)
{
	size_t i;

	for (i = 0; i < f->count; i++) {
		free(f->fields[i].key);
		secret_free_string(f->fields[i].value);
	}
	memset(f, 0, sizeof(*f));
}

/* RFC 6265 cookie-octet: printable ASCII except space " , ; \ */
static int
cookie_octet(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '"' && c != ',' && c != ';' &&
	       c != '\\';
}

static const char *
skip_spaces(const char *p)
{
	while (*p == ' ' || *p == '\t') {
		p++;
	}
	return p;
}

/* Copies the cookie value [v, end) into out, unwrapping quotes. */
static int
copy_cookie_value(const char *v, const char *end, char *out, size_t n)
{
	size_t len, i;

	while (end > v && (end[-1] == ' ' || end[-1] == '\t')) {
		end--;
	}
	len = (size_t)(end - v);
	if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
		v++;
		len -= 2;
	}
	if (len == 0 || n == 0 || len > n - 1) {
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (!cookie_octet((unsigned char)v[i])) {
			return -1;
		}
	}
	memcpy(out, v, len);
	out[len] = '\0';
	return 0;
}

int
form_cookie(const char *header, const char *name, char *out, size_t n)
{
	size_t name_len = strlen(name);
	const char *p = header;

	if (n > 0) {
		out[0] = '\0';
	}
	if (header == NULL || name_len == 0) {
		return -1;
	}
	while (*p != '\0') {
		const char *end = strchr(p, ';');
		const char *eq;

		if (end == NULL) {
			end = p + strlen(p);
		}
		p = skip_spaces(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq != NULL && (size_t)(eq - p) == name_len &&
		    memcmp(p, name, name_len) == 0) {
			return copy_cookie_value(eq + 1, end, out, n);
		}
		p = *end == ';' ? end + 1 : end;
	}
	return -1;
}

/* Parses a q-value ("1", "1.0", "0.8", "0.125") into thousandths; -1 when
 * malformed. */
static int
parse_qvalue(const char *s, size_t n)
{
	int value, scale = 100;
	size_t i;

	if (n == 0 || (s[0] != '0' && s[0] != '1')) {
		return -1;
	}
	value = (s[0] - '0') * 1000;
	if (n == 1) {
		return value;
	}
	if (s[1] != '.' || n > 5) {
		return -1;
	}
	for (i = 2; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return -1;
		}
		value += (s[i] - '0') * scale;
		scale /= 10;
	}
	return value > 1000 ? -1 : value;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t';
}

static int
is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Reads the language range [s, s + n) into tag: its primary subtag in
 * lower case, or "*".  Returns -1 when malformed. */
static int
parse_language_range(const char *s, size_t n, char tag[LANGUAGE_TAG_MAX])
{
	size_t i = 0, t = 0;

	while (i < n && is_space(s[i])) {
		i++;
	}
	while (n > i && is_space(s[n - 1])) {
		n--;
	}
	if (n - i == 1 && s[i] == '*') {
		strcpy(tag, "*");
		return 0;
	}
	for (; i < n && s[i] != '-'; i++) {
		if (!is_letter(s[i]) || t == 8) {
			return -1;
		}
		tag[t++] = (char)(s[i] | 0x20);
	}
	tag[t] = '\0';
	for (; i < n; i++) {
		if (!is_letter(s[i]) && !(s[i] >= '0' && s[i] <= '9') &&
		    s[i] != '-') {
			return -1;
		}
	}
	return t == 0 ? -1 : 0;
}

/* Reads one "range;q=x" entry of n bytes into tag and *q (thousandths).
 * Returns -1 when malformed. */
static int
parse_language_entry(const char *s, size_t n, char tag[LANGUAGE_TAG_MAX],
		     int *q)
{
	const char *semi = memchr(s, ';', n);
	size_t i;

	if (parse_language_range(s, semi != NULL ? (size_t)(semi - s) : n,
				 tag) != 0) {
		return -1;
	}
	*q = 1000;
	if (semi == NULL) {
		return 0;
	}
	i = (size_t)(semi - s) + 1;
	while (i < n && is_space(s[i])) {
		i++;
	}
	if (n - i < 2 || (s[i] != 'q' && s[i] != 'Q') || s[i + 1] != '=') {
		return -1;
	}
	i += 2;
	while (n > i && is_space(s[n - 1])) {
		n--;
	}
	*q = parse_qvalue(s + i, n - i);
	return *q < 0 ? -1 : 0;
}

size_t
form_accept_language(const char *header, const char *const *supported,
		     size_t count, size_t fallback)
{
	size_t best = fallback, i;
	int best_q = 0;
	const char *p = header;

	if (header == NULL || count == 0) {
		return fallback;
	}
	while (*p != '\0') {
		const char *end = strchr(p, ',');
		char tag[LANGUAGE_TAG_MAX];
		int q;

		if (end == NULL) {
			end = p + strlen(p);
		}
		if (end > p &&
		    parse_language_entry(p, (size_t)(end - p), tag, &q) == 0 &&
		    q > best_q) {
			for (i = 0; i < count; i++) {
				if (strcmp(tag, supported[i]) == 0 ||
				    (tag[0] == '*' && i == 0)) {
					best = i;
					best_q = q;
					break;
				}
			}
		}
		p = *end == ',' ? end + 1 : end;
	}
	return best;
}

int
form_is_urlencoded(const char *content_type)
{
	static const char type[] = "application/x-www-form-urlencoded";
	const char *rest;

	if (content_type == NULL) {
		return 0;
	}
	content_type = skip_spaces(content_type);
	if (strncasecmp(content_type, type, sizeof(type) - 1) != 0) {
		return 0;
	}
	rest = skip_spaces(content_type + sizeof(type) - 1);
	return *rest == '\0' || *rest == ';';
}

int
form_is_local_path(const char *target)
{
	size_t i, n;

	if (target == NULL) {
		return 0;
	}
	n = strlen(target);
	if (n == 0 || n > LOCAL_PATH_MAX || target[0] != '/' ||
	    target[1] == '/' || target[1] == '\\') {
		return 0;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)target[i];

		if (c < 0x21 || c > 0x7e || c == '\\') {
			return 0;
		}
	}
	return 1;
}

/* Copies the host[:port] part [h, end) lower-cased, dropping a default
 * port; -1 when it is empty, malformed or does not fit. */
static int
copy_authority(const char *h, const char *end, const char *default_port,
	       char *out, size_t n)
{
	size_t used = strlen(out), len = (size_t)(end - h);
	const char *colon = NULL;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)h[i];

		if (c == '@' || c < 0x21 || c > 0x7e) {
			return -1;
		}
		if (c == ':') {
			colon = h + i;
		}
		if (c == ']') {
			colon = NULL;	/* the colons were inside [v6] */
		}
	}
	if (colon != NULL && strlen(default_port) == (size_t)(end - colon - 1)
	    && memcmp(colon + 1, default_port, strlen(default_port)) == 0) {
		len = (size_t)(colon - h);
	}
	if (len == 0 || used + len + 1 > n) {
		return -1;
	}
	for (i = 0; i < len; i++) {
		char c = h[i];

		out[used + i] = (c >= 'A' && c <= 'Z') ? (char)(c | 0x20) : c;
	}
	out[used + len] = '\0';
	return 0;
}

int
form_origin(const char *url, char *out, size_t n)
{
	const char *scheme, *port, *host, *end;

	if (n == 0) {
		return -1;
	}
	out[0] = '\0';
	if (url == NULL) {
		return -1;
	}
	if (strncasecmp(url, "https://", 8) == 0) {
		scheme = "https://";
		port = "443";
	} else if (strncasecmp(url, "http://", 7) == 0) {
		scheme = "http://";
		port = "80";
	} else {
		return -1;
	}
	host = url + strlen(scheme);
	end = host + strcspn(host, "/?#");
	if (strlen(scheme) + 1 > n) {
		return -1;
	}
	strcpy(out, scheme);
	if (copy_authority(host, end, port, out, n) != 0) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}
