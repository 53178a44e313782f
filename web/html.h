/*
 * html.h: building an HTML page in memory, with escaping.
 *
 * A page is appended piece by piece: html_raw for the template's own
 * markup (trusted, from this source code) and html_text for every value,
 * which is escaped (& < > " ') so that it is safe both between tags and
 * inside a quoted attribute.  The builder is sticky on failure: after an
 * allocation failure or past HTML_MAX_BYTES every call does nothing and
 * html_failed says so, so that templates check once at the end.  Pages
 * may hold a password: html_free wipes.  Pure; runs in mycertd's request
 * threads.
 */
#ifndef MYCERT_HTML_H
#define MYCERT_HTML_H

#include <stddef.h>

#define HTML_MAX_BYTES (1024 * 1024)

struct html {
	char *data;		/* NUL-terminated once anything was added */
	size_t len;
	size_t cap;
	int failed;
};

void html_init(struct html *h);

/* Appends trusted markup as it is. */
void html_raw(struct html *h, const char *markup);

/* Appends text escaped for HTML (text and quoted attribute values). */
void html_text(struct html *h, const char *text);

/* Appends trusted markup built with printf (numbers, fixed strings). */
void html_rawf(struct html *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Appends text with "{}" replaced by value, both escaped.  Only the
 * first "{}" is replaced. */
void html_subst(struct html *h, const char *text, const char *value);

/* 1 after an allocation failure or an oversized page. */
int html_failed(const struct html *h);

/* Hands the buffer over (the caller frees it, wiping if it holds a
 * secret); h is empty afterwards.  NULL when failed. */
char *html_take(struct html *h, size_t *len);

/* Wipes and frees; h is empty afterwards. */
void html_free(struct html *h);

#endif
