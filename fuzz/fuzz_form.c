/*
 * fuzz_form.c: urlencoded form bodies and query strings (web/form.c
 * form_parse), and the small header parsers beside them: the
 * Content-Type of a form, the ?next= redirect target and the Origin
 * URL (form_is_urlencoded, form_is_local_path, form_origin).
 *
 * Invariants: a parsed form has at most FORM_MAX_FIELDS distinct,
 * non-empty keys of at most FORM_MAX_KEY bytes, one per non-empty pair
 * of the input, keys and values valid UTF-8, form_get finds each; the
 * form encoded again parses to the same fields; a refused form is
 * empty.  An origin is lower-case scheme://authority, fits its buffer,
 * and is its own origin.  A local path starts with one '/' and holds
 * only visible ASCII without '\'.
 */
#include "fuzz.h"

#include "form.h"

/* Percent-encodes every byte but letters and digits. */
static size_t
encode(const char *s, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9')) {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	return n;
}

static size_t
nonempty_pairs(const char *text, size_t len)
{
	size_t i, n = 0, start = 0;

	for (i = 0; i <= len; i++) {
		if (i == len || text[i] == '&') {
			n += i > start;
			start = i + 1;
		}
	}
	return n;
}

static void
check_form(const struct form *f, const char *text, size_t len)
{
	size_t i, j, total = 0, used = 0;
	struct form again;
	struct err e = { 0 };
	char *buf;

	FUZZ_CHECK(f->count <= FORM_MAX_FIELDS, "at most 32 fields");
	FUZZ_CHECK(f->count == nonempty_pairs(text, len),
		   "one field per non-empty pair");
	for (i = 0; i < f->count; i++) {
		const char *k = f->fields[i].key, *v = f->fields[i].value;

		FUZZ_CHECK(k[0] != '\0' && strlen(k) <= FORM_MAX_KEY,
			   "a key is non-empty and at most 64 bytes");
		FUZZ_CHECK(fuzz_utf8((const unsigned char *)k, strlen(k)) &&
			   fuzz_utf8((const unsigned char *)v, strlen(v)),
			   "keys and values are UTF-8");
		FUZZ_CHECK(form_get(f, k) == v, "form_get finds each field");
		for (j = 0; j < i; j++) {
			FUZZ_CHECK(strcmp(f->fields[j].key, k) != 0,
				   "keys are distinct");
		}
		total += 3 * (strlen(k) + strlen(v)) + 2;
	}
	/* The same fields, encoded by another hand, parse the same. */
	buf = malloc(total + 1);
	FUZZ_CHECK(buf != NULL, "memory");
	for (i = 0; i < f->count; i++) {
		used += encode(f->fields[i].key, buf + used);
		buf[used++] = '=';
		used += encode(f->fields[i].value, buf + used);
		buf[used++] = '&';
	}
	FUZZ_CHECK(form_parse(buf, used, &again, &e) == 0,
		   "an encoded form parses again");
	FUZZ_CHECK(again.count == f->count, "the same number of fields");
	for (i = 0; i < f->count; i++) {
		FUZZ_CHECK(strcmp(again.fields[i].key, f->fields[i].key) == 0 &&
			   strcmp(again.fields[i].value,
				  f->fields[i].value) == 0,
			   "the same fields in the same order");
	}
	form_free(&again);
	free(buf);
}

static void
check_origin(const char *url, size_t n)
{
	char *out = malloc(n == 0 ? 1 : n), *again = malloc(n == 0 ? 1 : n);
	size_t len, i;
	const char *host;

	FUZZ_CHECK(out != NULL && again != NULL, "memory");
	if (form_origin(url, out, n) == 0) {
		len = strlen(out);
		FUZZ_CHECK(len < n, "the origin fits its buffer");
		FUZZ_CHECK(strncmp(out, "https://", 8) == 0 ||
			   strncmp(out, "http://", 7) == 0,
			   "an origin is http(s)");
		host = strstr(out, "://") + 3;
		FUZZ_CHECK(*host != '\0', "an origin has a host");
		for (i = 0; host[i] != '\0'; i++) {
			unsigned char c = (unsigned char)host[i];

			FUZZ_CHECK(c > 0x20 && c < 0x7f && c != '/' &&
				   c != '@' && c != '?' && c != '#' &&
				   !(c >= 'A' && c <= 'Z'),
				   "an origin's host is lower-case, without "
				   "path or user");
		}
		FUZZ_CHECK(form_origin(out, again, n) == 0 &&
			   strcmp(out, again) == 0,
			   "an origin is its own origin");
	} else if (n > 0) {
		FUZZ_CHECK(out[0] == '\0', "a refused origin leaves \"\"");
	}
	free(out);
	free(again);
}

static void
check_local_path(const char *s)
{
	size_t i, n = strlen(s);

	if (!form_is_local_path(s)) {
		return;
	}
	FUZZ_CHECK(n >= 1 && n <= 256 && s[0] == '/' && s[1] != '/' &&
		   s[1] != '\\', "a local path starts with one '/'");
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(s[i] > 0x20 && s[i] < 0x7f && s[i] != '\\',
			   "a local path is visible ASCII without '\\'");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *bytes = fuzz_bytes(data, size), *s;
	struct form f;
	struct err e = { 0 };

	if (form_parse(bytes, size, &f, &e) == 0) {
		check_form(&f, bytes, size);
	} else {
		FUZZ_CHECK(f.count == 0, "a refused form is empty");
		FUZZ_CHECK(e.code == ERR_INPUT, "a refusal is ERR_INPUT");
	}
	form_free(&f);
	free(bytes);

	s = fuzz_string(data, size);
	if (s == NULL) {
		return 0;
	}
	if (form_is_urlencoded(s)) {
		FUZZ_CHECK(strcasestr(s, "application/x-www-form-urlencoded")
			   != NULL, "a form type names urlencoded");
	}
	check_local_path(s);
	check_origin(s, 256);
	check_origin(s, 16);
	check_origin(s, 1);
	free(s);
	return 0;
}
