/*
 * html.c: the page builder (see html.h).
 */
#include "html.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"

void
html_init(struct html *h)
{
	memset(h, 0, sizeof(*h));
}

/* Makes room for n more bytes plus a NUL.  The old buffer is wiped when
 * it moves: it may hold a password. */
static int
reserve(struct html *h, size_t n)
{
	size_t cap;
	char *p;

	if (h->failed) {
		return -1;
	}
	if (n > HTML_MAX_BYTES - h->len) {
		h->failed = 1;
		return -1;
	}
	if (h->len + n + 1 <= h->cap) {
		return 0;
	}
	cap = h->cap == 0 ? 4096 : h->cap;
	while (cap < h->len + n + 1) {
		cap *= 2;
	}
	p = malloc(cap);
	if (p == NULL) {
		h->failed = 1;
		return -1;
	}
	if (h->data != NULL) {
		memcpy(p, h->data, h->len);
		secret_wipe(h->data, h->cap);
		free(h->data);
	}
	h->data = p;
	h->cap = cap;
	return 0;
}

static void
append(struct html *h, const char *s, size_t n)
{
	if (reserve(h, n) != 0) {
		return;
	}
	memcpy(h->data + h->len, s, n);
	h->len += n;
	h->data[h->len] = '\0';
}

void
html_raw(struct html *h, const char *markup)
{
	append(h, markup, strlen(markup));
}

static void
escape(struct html *h, const char *text, size_t n)
{
	size_t i, start = 0;

	for (i = 0; i < n; i++) {
		const char *entity = NULL;

		switch (text[i]) {
		case '&':
			entity = "&amp;";
			break;
		case '<':
			entity = "&lt;";
			break;
		case '>':
			entity = "&gt;";
			break;
		case '"':
			entity = "&quot;";
			break;
		case '\'':
			entity = "&#39;";
			break;
		default:
			continue;
		}
		append(h, text + start, i - start);
		html_raw(h, entity);
		start = i + 1;
	}
	append(h, text + start, n - start);
}

void
html_text(struct html *h, const char *text)
{
	if (text != NULL) {
		escape(h, text, strlen(text));
	}
}

void
html_rawf(struct html *h, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		h->failed = 1;
		return;
	}
	append(h, buf, (size_t)n);
}

void
html_subst(struct html *h, const char *text, const char *value)
{
	const char *mark = strstr(text, "{}");

	if (mark == NULL) {
		html_text(h, text);
		return;
	}
	escape(h, text, (size_t)(mark - text));
	html_text(h, value);
	html_text(h, mark + 2);
}

int
html_failed(const struct html *h)
{
	return h->failed;
}

char *
html_take(struct html *h, size_t *len)
{
	char *data;

	if (h->failed || reserve(h, 0) != 0) {
		html_free(h);
		*len = 0;
		return NULL;
	}
	h->data[h->len] = '\0';
	data = h->data;
	*len = h->len;
	html_init(h);
	return data;
}

void
html_free(struct html *h)
{
	if (h->data != NULL) {
		secret_wipe(h->data, h->cap);
		free(h->data);
	}
	html_init(h);
}
