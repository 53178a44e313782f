/*
 * token_uri.c: parsing RFC 7512 URIs (see token_uri.h).
 */
#include "token_uri.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define URI_MAX_LEN 1024

int
token_uri_is_uri(const char *text)
{
	return text != NULL && strncmp(text, "pkcs11:", 7) == 0;
}

void
token_uri_clear(struct token_uri *u)
{
	free(u->token);
	free(u->manufacturer);
	free(u->serial);
	free(u->model);
	free(u->object);
	free(u->type);
	memset(u, 0, sizeof(*u));
}

static int
hex_value(int c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	c = tolower(c);
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	return -1;
}

/* Percent-decodes value[0..len) into a new buffer of *out_len bytes,
 * NUL-terminated.  Returns NULL on a bad escape.  The result may hold
 * NUL bytes (an id may): set_text refuses them in text. */
static unsigned char *
percent_decode(const char *value, size_t len, size_t *out_len)
{
	unsigned char *out = malloc(len + 1);
	size_t i, n = 0;

	if (out == NULL) {
		return NULL;
	}
	for (i = 0; i < len; i++) {
		int c = (unsigned char)value[i];

		if (c == '%') {
			int hi = i + 2 < len ? hex_value(value[i + 1]) : -1;
			int lo = hi >= 0 ? hex_value(value[i + 2]) : -1;

			if (lo < 0) {
				free(out);
				return NULL;
			}
			c = hi * 16 + lo;
			i += 2;
		}
		out[n++] = (unsigned char)c;
	}
	out[n] = '\0';
	*out_len = n;
	return out;
}

static int
set_text(char **field, const unsigned char *value, size_t len,
	 const char *name, struct err *e)
{
	if (*field != NULL) {
		return err_set(e, ERR_CONFIG, "pkcs11: URI names %s twice",
			       name);
	}
	if (memchr(value, '\0', len) != NULL) {
		return err_set(e, ERR_CONFIG, "pkcs11: URI attribute %s holds "
			       "a NUL byte", name);
	}
	*field = strdup((const char *)value);
	if (*field == NULL) {
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	return 0;
}

static int
set_attribute(struct token_uri *u, const char *name, size_t name_len,
	      const unsigned char *value, size_t len, struct err *e)
{
	static const struct {
		const char *name;
		size_t offset;
	} texts[] = {
		{ "token", offsetof(struct token_uri, token) },
		{ "manufacturer", offsetof(struct token_uri, manufacturer) },
		{ "serial", offsetof(struct token_uri, serial) },
		{ "model", offsetof(struct token_uri, model) },
		{ "object", offsetof(struct token_uri, object) },
		{ "type", offsetof(struct token_uri, type) },
	};
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		if (strlen(texts[i].name) == name_len &&
		    memcmp(texts[i].name, name, name_len) == 0) {
			return set_text((char **)((char *)u + texts[i].offset),
					value, len, texts[i].name, e);
		}
	}
	if (name_len == 2 && memcmp(name, "id", 2) == 0) {
		if (u->id_len != 0 || len == 0 || len > TOKEN_URI_MAX_ID) {
			return err_set(e, ERR_CONFIG, "pkcs11: URI id is "
				       "repeated, empty or longer than %d "
				       "bytes", TOKEN_URI_MAX_ID);
		}
		memcpy(u->id, value, len);
		u->id_len = len;
		return 0;
	}
	/* Other standard path attributes (library-*, slot-*) narrow nothing
	 * that mycert needs; accept them so that URIs copied from p11tool
	 * work, but refuse names that are not attributes at all. */
	if ((name_len > 8 && memcmp(name, "library-", 8) == 0) ||
	    (name_len > 5 && memcmp(name, "slot-", 5) == 0)) {
		return 0;
	}
	return err_set(e, ERR_CONFIG, "pkcs11: URI has an unknown attribute "
		       "\"%.*s\"", (int)(name_len > 32 ? 32 : name_len), name);
}

int
token_uri_parse(const char *text, struct token_uri *u, struct err *e)
{
	const char *p;

	memset(u, 0, sizeof(*u));
	if (!token_uri_is_uri(text) || strlen(text) > URI_MAX_LEN) {
		return err_set(e, ERR_CONFIG, "not a pkcs11: URI (or longer "
			       "than %d characters)", URI_MAX_LEN);
	}
	if (strchr(text, '?') != NULL) {
		return err_set(e, ERR_CONFIG, "pkcs11: URI query attributes "
			       "(such as pin-value) are not accepted; the PIN "
			       "comes from pin_file");
	}
	p = text + 7;
	while (*p != '\0') {
		size_t len = strcspn(p, ";");
		const char *eq = memchr(p, '=', len);
		unsigned char *value = NULL;
		size_t value_len = 0;
		int rc;

		if (eq == NULL || eq == p) {
			token_uri_clear(u);
			return err_set(e, ERR_CONFIG, "pkcs11: URI attribute "
				       "without \"name=value\" form");
		}
		value = percent_decode(eq + 1, len - (size_t)(eq + 1 - p),
				       &value_len);
		if (value == NULL) {
			token_uri_clear(u);
			return err_set(e, ERR_CONFIG, "pkcs11: URI has a bad "
				       "percent escape");
		}
		rc = set_attribute(u, p, (size_t)(eq - p), value, value_len, e);
		free(value);
		if (rc != 0) {
			token_uri_clear(u);
			return -1;
		}
		p += len + (p[len] == ';');
	}
	return 0;
}
