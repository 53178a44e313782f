/*
 * fuzz_cookie.c: the Cookie header (web/form.c form_cookie), looked up
 * as mycertd does: the session cookie into a PORTAL_ID_BUF buffer and
 * the language cookie into 8 bytes (web/routes.c), and into 1 byte.
 *
 * Invariants: a found value fits its buffer, is made of RFC 6265
 * cookie-octets and is found in the header; a miss leaves "".  The
 * answer does not change when an unrelated cookie comes first or when
 * the value found is sent alone.
 */
#include "fuzz.h"

#include "form.h"
#include "routes.h"

static int
cookie_octet(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e && c != '"' && c != ',' && c != ';' &&
	       c != '\\';
}

static void
look_up(const char *header, const char *name, size_t n)
{
	char *out = malloc(n), *again = malloc(n), *other = NULL;
	size_t i, len;
	int rc;

	FUZZ_CHECK(out != NULL && again != NULL, "memory");
	rc = form_cookie(header, name, out, n);
	if (rc != 0) {
		FUZZ_CHECK(out[0] == '\0', "a miss leaves \"\"");
	} else {
		len = strlen(out);
		FUZZ_CHECK(len > 0 && len < n, "a value fits its buffer");
		for (i = 0; i < len; i++) {
			FUZZ_CHECK(cookie_octet((unsigned char)out[i]),
				   "a value is cookie-octets");
		}
		FUZZ_CHECK(strstr(header, out) != NULL,
			   "a value comes from the header");
		FUZZ_CHECK(asprintf(&other, "%s=%s", name, out) > 0,
			   "memory");
		FUZZ_CHECK(form_cookie(other, name, again, n) == 0 &&
			   strcmp(out, again) == 0,
			   "the value sent alone reads the same");
		free(other);
	}
	/* An unrelated cookie before changes nothing. */
	FUZZ_CHECK(asprintf(&other, "zz_unrelated=1; %s", header) > 0,
		   "memory");
	FUZZ_CHECK(form_cookie(other, name, again, n) == rc, "same answer "
		   "with an unrelated cookie first");
	FUZZ_CHECK(rc != 0 || strcmp(out, again) == 0, "same value with an "
		   "unrelated cookie first");
	free(other);
	free(out);
	free(again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *header = fuzz_string(data, size);

	if (header == NULL) {
		return 0;
	}
	look_up(header, ROUTES_COOKIE, PORTAL_ID_BUF);
	look_up(header, ROUTES_LANG_COOKIE, 8);
	look_up(header, ROUTES_LANG_COOKIE, 1);
	free(header);
	return 0;
}
