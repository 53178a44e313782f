/*
 * fuzz_accept_language.c: the Accept-Language header (web/form.c
 * form_accept_language), as mycertd reads it (web/i18n.c i18n_choose,
 * with and without a language cookie) and with other language lists.
 *
 * Invariants: the answer is an index of the list or the fallback; a
 * language other than the fallback is named in the header (or "*" is);
 * and the answer does not change when the header gets an empty entry,
 * an excluded language (q=0) or an unsupported one in front.
 */
#include "fuzz.h"

#include <strings.h>

#include "form.h"
#include "i18n.h"

static const char *const three[] = { "fr", "en", "de" };
static const char *const one[] = { "en" };

static void
choose(const char *header, const char *const *list, size_t count,
       size_t fallback)
{
	size_t got = form_accept_language(header, list, count, fallback);
	char *more = NULL;

	FUZZ_CHECK(got < count || got == fallback,
		   "an index of the list or the fallback");
	if (got != fallback) {
		FUZZ_CHECK(strcasestr(header, list[got]) != NULL ||
			   strchr(header, '*') != NULL,
			   "a chosen language is named in the header");
	}
	FUZZ_CHECK(asprintf(&more, "%s,", header) > 0, "memory");
	FUZZ_CHECK(form_accept_language(more, list, count, fallback) == got,
		   "an empty entry changes nothing");
	free(more);
	FUZZ_CHECK(asprintf(&more, "%s, %s;q=0", header, list[0]) > 0,
		   "memory");
	FUZZ_CHECK(form_accept_language(more, list, count, fallback) == got,
		   "an excluded language changes nothing");
	free(more);
	FUZZ_CHECK(asprintf(&more, "xx-YY;q=1.0,%s", header) > 0, "memory");
	FUZZ_CHECK(form_accept_language(more, list, count, fallback) == got,
		   "an unsupported language first changes nothing");
	free(more);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *header = fuzz_string(data, size);
	enum i18n_lang lang;

	if (header == NULL) {
		return 0;
	}
	lang = i18n_choose(NULL, header);
	FUZZ_CHECK((unsigned)lang < I18N_LANG_COUNT, "a language of mycert");
	FUZZ_CHECK(i18n_choose("de", header) == I18N_DE,
		   "the cookie wins over the header");
	lang = i18n_choose(header, NULL);
	FUZZ_CHECK((unsigned)lang < I18N_LANG_COUNT, "a cookie read as a "
		   "language code gives a language of mycert");
	choose(header, three, 3, 0);
	choose(header, three, 3, 7);
	choose(header, one, 1, 0);
	free(header);
	return 0;
}
