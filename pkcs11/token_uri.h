/*
 * token_uri.h: RFC 7512 "pkcs11:" URIs, as far as mycert uses them.
 *
 * Parses the path attributes that select a token (token, manufacturer,
 * serial, model) and an object (object, id, type).  Query attributes
 * (after '?') are refused: a PIN never travels in a URI here, it comes
 * from the PIN file.  Input comes from the configuration.
 */
#ifndef MYCERT_TOKEN_URI_H
#define MYCERT_TOKEN_URI_H

#include <stddef.h>

#include "err.h"

#define TOKEN_URI_MAX_ID 64

struct token_uri {
	char *token;		/* label; NULL when absent */
	char *manufacturer;
	char *serial;
	char *model;
	char *object;		/* object label */
	char *type;		/* "private", "public", "cert", ... */
	unsigned char id[TOKEN_URI_MAX_ID];
	size_t id_len;		/* 0 when no id was given */
};

/* Returns 1 when text starts with "pkcs11:". */
int token_uri_is_uri(const char *text);

/* Parses text into u (zeroed first).  Free with token_uri_clear. */
int token_uri_parse(const char *text, struct token_uri *u, struct err *e)
	MUST_CHECK;

void token_uri_clear(struct token_uri *u);

#endif
