/*
 * test_form.c: the CUnit suite of web/form.c.
 *
 * The parsers of what a browser sends: urlencoded forms and queries,
 * the Cookie header, Accept-Language, the Content-Type of a form, local
 * redirect targets and origins.  Each accepting test has negative tests
 * beside it.  Needs no token.
 */
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "form.h"
#include "suites.h"

/* Parses text and returns the rc; the form is left for the caller. */
static int
parse(const char *text, struct form *f)
{
	struct err e = { 0 };
	int rc = form_parse(text, strlen(text), f, &e);

	if (rc != 0) {
		CU_ASSERT_EQUAL(f->count, 0);
	}
	return rc;
}

static void
refused(const char *text, enum err_code code)
{
	struct err e = { 0 };
	struct form f;
	char msg[256];
	int rc = form_parse(text, strlen(text), &f, &e);

	snprintf(msg, sizeof(msg), "refuses \"%.200s\"", text);
	CU_assertImplementation(rc != 0 && e.code == code && f.count == 0,
				__LINE__, msg, __FILE__, "", CU_FALSE);
	form_free(&f);
}

static void
test_parse_fields(void)
{
	struct form f;

	CU_ASSERT_EQUAL_FATAL(parse("csrf=abc&email=a%40b.fr&accept=on", &f),
			      0);
	CU_ASSERT_EQUAL(f.count, 3);
	CU_ASSERT_STRING_EQUAL(form_get(&f, "csrf"), "abc");
	CU_ASSERT_STRING_EQUAL(form_get(&f, "email"), "a@b.fr");
	CU_ASSERT_STRING_EQUAL(form_get(&f, "accept"), "on");
	CU_ASSERT_PTR_NULL(form_get(&f, "missing"));
	form_free(&f);
	CU_ASSERT_EQUAL(f.count, 0);
}

static void
test_parse_decoding(void)
{
	struct form f;

	CU_ASSERT_EQUAL_FATAL(parse("name=H%C3%A9l%C3%A8ne+D%27Ornano&"
				    "k%65y=%2b%26%3D", &f), 0);
	CU_ASSERT_STRING_EQUAL(form_get(&f, "name"), "Hélène D'Ornano");
	CU_ASSERT_STRING_EQUAL(form_get(&f, "key"), "+&=");
	form_free(&f);
}

static void
test_parse_empty_parts(void)
{
	struct form f;

	CU_ASSERT_EQUAL_FATAL(parse("", &f), 0);
	CU_ASSERT_EQUAL(f.count, 0);
	form_free(&f);
	CU_ASSERT_EQUAL_FATAL(parse("&&a=1&&b&c=", &f), 0);
	CU_ASSERT_EQUAL(f.count, 3);
	CU_ASSERT_STRING_EQUAL(form_get(&f, "a"), "1");
	CU_ASSERT_STRING_EQUAL(form_get(&f, "b"), "");
	CU_ASSERT_STRING_EQUAL(form_get(&f, "c"), "");
	form_free(&f);
	CU_ASSERT_EQUAL_FATAL(parse("a=x=y", &f), 0);
	CU_ASSERT_STRING_EQUAL(form_get(&f, "a"), "x=y");
	form_free(&f);
}

static void
test_parse_refuses_bad_escapes(void)
{
	refused("a=%", ERR_INPUT);
	refused("a=%4", ERR_INPUT);
	refused("a=%zz", ERR_INPUT);
	refused("a=%4g", ERR_INPUT);
	refused("a%=1", ERR_INPUT);
}

static void
test_parse_refuses_nul(void)
{
	struct err e = { 0 };
	struct form f;

	refused("a=%00", ERR_INPUT);
	refused("a%00b=1", ERR_INPUT);
	CU_ASSERT_NOT_EQUAL(form_parse("a=x\0y", 5, &f, &e), 0);
	CU_ASSERT_EQUAL(e.code, ERR_INPUT);
}

static void
test_parse_refuses_bad_utf8(void)
{
	refused("a=%C3", ERR_INPUT);		/* cut sequence */
	refused("a=%C0%AF", ERR_INPUT);		/* overlong '/' */
	refused("a=%E0%80%AF", ERR_INPUT);	/* overlong, 3 bytes */
	refused("a=%ED%A0%80", ERR_INPUT);	/* surrogate U+D800 */
	refused("a=%F4%90%80%80", ERR_INPUT);	/* above U+10FFFF */
	refused("a=%FF", ERR_INPUT);
	refused("a=%80", ERR_INPUT);		/* lone continuation */
	refused("a=\xc3(", ERR_INPUT);		/* raw bad byte */
}

static void
test_parse_accepts_utf8_edges(void)
{
	struct form f;

	CU_ASSERT_EQUAL_FATAL(parse("a=%F0%9F%98%80&b=%EF%BF%BD&c=%7F", &f),
			      0);
	CU_ASSERT_STRING_EQUAL(form_get(&f, "a"), "\xf0\x9f\x98\x80");
	CU_ASSERT_STRING_EQUAL(form_get(&f, "b"), "\xef\xbf\xbd");
	form_free(&f);
}

static void
test_parse_refuses_duplicates(void)
{
	refused("csrf=a&csrf=b", ERR_INPUT);
	refused("a=1&b=2&a=1", ERR_INPUT);
	refused("a=1&%61=2", ERR_INPUT);	/* same key once decoded */
}

static void
test_parse_refuses_empty_key_and_limits(void)
{
	char text[4096];
	size_t i, n = 0;

	refused("=value", ERR_INPUT);
	refused("a=1&=2", ERR_INPUT);
	memset(text, 'k', FORM_MAX_KEY + 1);
	strcpy(text + FORM_MAX_KEY + 1, "=1");
	refused(text, ERR_INPUT);
	for (i = 0; i <= FORM_MAX_FIELDS; i++) {
		n += (size_t)snprintf(text + n, sizeof(text) - n, "k%zu=1&",
				      i);
	}
	refused(text, ERR_INPUT);
}

static void
test_parse_accepts_max_fields(void)
{
	char text[4096];
	struct form f;
	size_t i, n = 0;

	for (i = 0; i < FORM_MAX_FIELDS; i++) {
		n += (size_t)snprintf(text + n, sizeof(text) - n, "k%zu=%zu&",
				      i, i);
	}
	CU_ASSERT_EQUAL_FATAL(parse(text, &f), 0);
	CU_ASSERT_EQUAL(f.count, FORM_MAX_FIELDS);
	CU_ASSERT_STRING_EQUAL(form_get(&f, "k31"), "31");
	form_free(&f);
}

static void
test_parse_honours_length(void)
{
	struct err e = { 0 };
	struct form f;

	/* Only the first len bytes count: no read past them. */
	CU_ASSERT_EQUAL_FATAL(form_parse("a=12&b=3", 4, &f, &e), 0);
	CU_ASSERT_STRING_EQUAL(form_get(&f, "a"), "12");
	CU_ASSERT_PTR_NULL(form_get(&f, "b"));
	form_free(&f);
	CU_ASSERT_EQUAL_FATAL(form_parse("a=%41", 4, &f, &e), -1);
}

static void
test_cookie_found(void)
{
	char v[64];

	CU_ASSERT_EQUAL(form_cookie("__Host-mycert=abc_-9; lang=en",
				    "__Host-mycert", v, sizeof(v)), 0);
	CU_ASSERT_STRING_EQUAL(v, "abc_-9");
	CU_ASSERT_EQUAL(form_cookie("a=1;lang=de", "lang", v, sizeof(v)), 0);
	CU_ASSERT_STRING_EQUAL(v, "de");
	CU_ASSERT_EQUAL(form_cookie("lang=\"fr\"", "lang", v, sizeof(v)), 0);
	CU_ASSERT_STRING_EQUAL(v, "fr");
	CU_ASSERT_EQUAL(form_cookie("lang=en; lang=de", "lang", v,
				    sizeof(v)), 0);
	CU_ASSERT_STRING_EQUAL(v, "en");
}

static void
test_cookie_refused(void)
{
	char v[8];

	CU_ASSERT_EQUAL(form_cookie(NULL, "lang", v, sizeof(v)), -1);
	CU_ASSERT_EQUAL(form_cookie("", "lang", v, sizeof(v)), -1);
	CU_ASSERT_EQUAL(form_cookie("xlang=en", "lang", v, sizeof(v)), -1);
	CU_ASSERT_EQUAL(form_cookie("langx=en", "lang", v, sizeof(v)), -1);
	CU_ASSERT_EQUAL(form_cookie("lang=", "lang", v, sizeof(v)), -1);
	CU_ASSERT_EQUAL(form_cookie("lang=12345678", "lang", v, sizeof(v)),
			-1);	/* does not fit in 8 bytes with its NUL */
	CU_ASSERT_EQUAL(form_cookie("lang=a\\b", "lang", v, sizeof(v)), -1);
	CU_ASSERT_EQUAL(form_cookie("lang=a\"b", "lang", v, sizeof(v)), -1);
	CU_ASSERT_EQUAL(form_cookie("lang=a,b", "lang", v, sizeof(v)), -1);
	CU_ASSERT_EQUAL(form_cookie("lang=\x01", "lang", v, sizeof(v)), -1);
	CU_ASSERT_EQUAL(form_cookie("lang=\xc3\xa9", "lang", v, sizeof(v)),
			-1);
	CU_ASSERT_EQUAL(v[0], '\0');
}

static const char *const languages[] = { "fr", "en", "de" };

static size_t
pick(const char *header)
{
	return form_accept_language(header, languages, 3, 0);
}

static void
test_accept_language(void)
{
	CU_ASSERT_EQUAL(pick(NULL), 0);
	CU_ASSERT_EQUAL(pick(""), 0);
	CU_ASSERT_EQUAL(pick("en"), 1);
	CU_ASSERT_EQUAL(pick("de-CH, fr;q=0.8"), 2);
	CU_ASSERT_EQUAL(pick("it, en-GB;q=0.7, de;q=0.6"), 1);
	CU_ASSERT_EQUAL(pick("en;q=0.5, de;q=0.9"), 2);
	CU_ASSERT_EQUAL(pick("en;q=0.9, de;q=0.9"), 1);	/* tie: first */
	CU_ASSERT_EQUAL(pick("EN-us"), 1);
	CU_ASSERT_EQUAL(pick("es, it"), 0);		/* fallback */
	CU_ASSERT_EQUAL(pick("*"), 0);
	CU_ASSERT_EQUAL(pick("en;q=0, de;q=0.1"), 2);
	CU_ASSERT_EQUAL(pick("en;q=0"), 0);
	CU_ASSERT_EQUAL(pick("de ; q=1.000"), 2);
}

static void
test_accept_language_malformed(void)
{
	CU_ASSERT_EQUAL(pick("en;q=2"), 0);
	CU_ASSERT_EQUAL(pick("en;q=1.5"), 0);
	CU_ASSERT_EQUAL(pick("en;q=0.12345"), 0);
	CU_ASSERT_EQUAL(pick("en;q=abc"), 0);
	CU_ASSERT_EQUAL(pick("en;x=1"), 0);
	CU_ASSERT_EQUAL(pick("e\xc3\xa9n"), 0);
	CU_ASSERT_EQUAL(pick("toolonglanguage"), 0);
	CU_ASSERT_EQUAL(pick(";;;,,,==="), 0);
	CU_ASSERT_EQUAL(pick("en;q=abc, de;q=0.5"), 2);	/* skips the bad */
}

static void
test_urlencoded_type(void)
{
	CU_ASSERT_TRUE(form_is_urlencoded("application/x-www-form-urlencoded"));
	CU_ASSERT_TRUE(form_is_urlencoded("Application/X-WWW-Form-Urlencoded;"
					  " charset=UTF-8"));
	CU_ASSERT_FALSE(form_is_urlencoded(NULL));
	CU_ASSERT_FALSE(form_is_urlencoded("multipart/form-data; boundary=x"));
	CU_ASSERT_FALSE(form_is_urlencoded("application/json"));
	CU_ASSERT_FALSE(form_is_urlencoded(
		"application/x-www-form-urlencodedx"));
	CU_ASSERT_FALSE(form_is_urlencoded("text/plain"));
}

static void
test_local_path(void)
{
	CU_ASSERT_TRUE(form_is_local_path("/"));
	CU_ASSERT_TRUE(form_is_local_path("/code"));
	CU_ASSERT_TRUE(form_is_local_path("/faq?x=1"));
	CU_ASSERT_FALSE(form_is_local_path(NULL));
	CU_ASSERT_FALSE(form_is_local_path(""));
	CU_ASSERT_FALSE(form_is_local_path("//evil.example/"));
	CU_ASSERT_FALSE(form_is_local_path("/\\evil.example"));
	CU_ASSERT_FALSE(form_is_local_path("/a\\b"));
	CU_ASSERT_FALSE(form_is_local_path("https://evil.example/"));
	CU_ASSERT_FALSE(form_is_local_path("code"));
	CU_ASSERT_FALSE(form_is_local_path("/a b"));
	CU_ASSERT_FALSE(form_is_local_path("/a\r\nSet-Cookie: x=1"));
	CU_ASSERT_FALSE(form_is_local_path("/\xc3\xa9"));
}

static void
test_origin(void)
{
	char o[64];

	CU_ASSERT_EQUAL(form_origin("https://127.0.0.1:8443", o, sizeof(o)),
			0);
	CU_ASSERT_STRING_EQUAL(o, "https://127.0.0.1:8443");
	CU_ASSERT_EQUAL(form_origin("HTTPS://MyCert.Example:443/path?x", o,
				    sizeof(o)), 0);
	CU_ASSERT_STRING_EQUAL(o, "https://mycert.example");
	CU_ASSERT_EQUAL(form_origin("https://[::1]:8443/", o, sizeof(o)), 0);
	CU_ASSERT_STRING_EQUAL(o, "https://[::1]:8443");
	CU_ASSERT_EQUAL(form_origin("http://portal.example:80", o,
				    sizeof(o)), 0);
	CU_ASSERT_STRING_EQUAL(o, "http://portal.example");
}

static void
test_origin_refused(void)
{
	char o[16];

	CU_ASSERT_EQUAL(form_origin(NULL, o, sizeof(o)), -1);
	CU_ASSERT_EQUAL(form_origin("ftp://x", o, sizeof(o)), -1);
	CU_ASSERT_EQUAL(form_origin("https://", o, sizeof(o)), -1);
	CU_ASSERT_EQUAL(form_origin("https:///path", o, sizeof(o)), -1);
	CU_ASSERT_EQUAL(form_origin("https://user@host", o, sizeof(o)), -1);
	CU_ASSERT_EQUAL(form_origin("https://a-very-long-host.example", o,
				    sizeof(o)), -1);
	CU_ASSERT_EQUAL(o[0], '\0');
}

int
test_form_register(void)
{
	CU_pSuite s = CU_add_suite("form", NULL, NULL);

	if (s == NULL ||
	    CU_add_test(s, "parses urlencoded fields",
			test_parse_fields) == NULL ||
	    CU_add_test(s, "decodes %XX and + in keys and values",
			test_parse_decoding) == NULL ||
	    CU_add_test(s, "skips empty pairs, keeps empty values",
			test_parse_empty_parts) == NULL ||
	    CU_add_test(s, "refuses malformed % escapes",
			test_parse_refuses_bad_escapes) == NULL ||
	    CU_add_test(s, "refuses NUL bytes, raw or escaped",
			test_parse_refuses_nul) == NULL ||
	    CU_add_test(s, "refuses text that is not UTF-8",
			test_parse_refuses_bad_utf8) == NULL ||
	    CU_add_test(s, "accepts 4-byte UTF-8 and U+FFFD",
			test_parse_accepts_utf8_edges) == NULL ||
	    CU_add_test(s, "refuses a key given twice",
			test_parse_refuses_duplicates) == NULL ||
	    CU_add_test(s, "refuses empty keys, long keys, too many fields",
			test_parse_refuses_empty_key_and_limits) == NULL ||
	    CU_add_test(s, "accepts exactly FORM_MAX_FIELDS fields",
			test_parse_accepts_max_fields) == NULL ||
	    CU_add_test(s, "reads no byte past the given length",
			test_parse_honours_length) == NULL ||
	    CU_add_test(s, "finds a cookie by exact name, first wins",
			test_cookie_found) == NULL ||
	    CU_add_test(s, "refuses absent, empty, long or odd cookies",
			test_cookie_refused) == NULL ||
	    CU_add_test(s, "picks the language by q-value, French otherwise",
			test_accept_language) == NULL ||
	    CU_add_test(s, "skips malformed Accept-Language entries",
			test_accept_language_malformed) == NULL ||
	    CU_add_test(s, "knows the urlencoded Content-Type",
			test_urlencoded_type) == NULL ||
	    CU_add_test(s, "accepts only local redirect paths",
			test_local_path) == NULL ||
	    CU_add_test(s, "derives the origin of an https URL",
			test_origin) == NULL ||
	    CU_add_test(s, "refuses URLs that have no usable origin",
			test_origin_refused) == NULL) {
		return -1;
	}
	return 0;
}
