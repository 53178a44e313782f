/*
 * test_token_uri.c: the CUnit suite of token_uri.c.
 *
 * Parses the RFC 7512 URIs a configuration may hold (token and key
 * selectors, percent escapes, binary ids) and checks that what mycert does
 * not accept (query attributes such as pin-value, bad escapes, unknown or
 * repeated attributes) is refused with ERR_CONFIG.  Needs no token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "suites.h"
#include "token_uri.h"

/* Records an assertion whose failure message names the input. */
static void
check(int ok, int line, const char *what, const char *input)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%.200s (input \"%.200s\")", what, input);
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned)line, msg,
				__FILE__, "", CU_FALSE);
}

/* Checks that text is refused with ERR_CONFIG, a message holding needle,
 * and nothing left in the result. */
static void
expect_refusal(const char *text, const char *needle)
{
	struct token_uri u;
	struct err e = { 0 };

	memset(&u, 0xa5, sizeof(u));
	check(token_uri_parse(text, &u, &e) == -1, __LINE__, "refused", text);
	check(e.code == ERR_CONFIG, __LINE__, "code is ERR_CONFIG", text);
	check(strstr(e.msg, needle) != NULL, __LINE__, needle, e.msg);
	check(u.token == NULL && u.object == NULL && u.id_len == 0, __LINE__,
	      "result left empty", text);
}

/* Returns a malloc'd "pkcs11:id=" URI of n escaped bytes 0x00, 0x01... */
static char *
id_uri(size_t n)
{
	char *s = malloc(10 + 3 * n + 1);
	size_t i, used;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	used = (size_t)sprintf(s, "pkcs11:id=");
	for (i = 0; i < n; i++) {
		used += (size_t)sprintf(s + used, "%%%02x",
					(unsigned)(i & 0xff));
	}
	return s;
}

static void
test_attributes(void)
{
	const char *text = "pkcs11:token=mycert-dev;"
			   "manufacturer=SoftHSM%20project;"
			   "serial=8d3c1a0f2b;model=SoftHSM%20v2;"
			   "object=mycert-ca;type=private";
	struct token_uri u;
	struct err e = { 0 };

	CU_ASSERT_EQUAL_FATAL(token_uri_parse(text, &u, &e), 0);
	CU_ASSERT_STRING_EQUAL(u.token, "mycert-dev");
	CU_ASSERT_STRING_EQUAL(u.manufacturer, "SoftHSM project");
	CU_ASSERT_STRING_EQUAL(u.serial, "8d3c1a0f2b");
	CU_ASSERT_STRING_EQUAL(u.model, "SoftHSM v2");
	CU_ASSERT_STRING_EQUAL(u.object, "mycert-ca");
	CU_ASSERT_STRING_EQUAL(u.type, "private");
	CU_ASSERT_EQUAL(u.id_len, 0);
	token_uri_clear(&u);
	CU_ASSERT_PTR_NULL(u.token);

	/* Only what is named is set. */
	CU_ASSERT_EQUAL_FATAL(token_uri_parse("pkcs11:object=mycert-audit",
					      &u, &e), 0);
	CU_ASSERT_PTR_NULL(u.token);
	CU_ASSERT_PTR_NULL(u.type);
	CU_ASSERT_STRING_EQUAL(u.object, "mycert-audit");
	token_uri_clear(&u);
}

static void
test_percent_decoding(void)
{
	const unsigned char want[] = { 0x01, 0x02 };
	struct token_uri u;
	struct err e = { 0 };

	CU_ASSERT_EQUAL_FATAL(token_uri_parse("pkcs11:token=my%20token;"
					      "object=a%2Fb%2fc;id=%01%02",
					      &u, &e), 0);
	CU_ASSERT_STRING_EQUAL(u.token, "my token");
	CU_ASSERT_STRING_EQUAL(u.object, "a/b/c");
	CU_ASSERT_EQUAL(u.id_len, 2);
	CU_ASSERT_EQUAL(memcmp(u.id, want, sizeof(want)), 0);
	token_uri_clear(&u);

	/* An escape at the very end, and an escaped '%' and ';'. */
	CU_ASSERT_EQUAL_FATAL(token_uri_parse("pkcs11:object=100%25%3Bx%41",
					      &u, &e), 0);
	CU_ASSERT_STRING_EQUAL(u.object, "100%;xA");
	token_uri_clear(&u);

	/* The id is binary: a zero byte is kept. */
	CU_ASSERT_EQUAL_FATAL(token_uri_parse("pkcs11:id=%00%ff", &u, &e), 0);
	CU_ASSERT_EQUAL(u.id_len, 2);
	CU_ASSERT_EQUAL(u.id[0], 0x00);
	CU_ASSERT_EQUAL(u.id[1], 0xff);
	token_uri_clear(&u);
}

static void
test_query(void)
{
	expect_refusal("pkcs11:token=mycert-dev?pin-value=1234", "pin_file");
	expect_refusal("pkcs11:?pin-value=1234", "pin_file");
	expect_refusal("pkcs11:object=ca?module-path=/tmp/evil.so", "query");
	/* A PIN given as a path attribute is no better. */
	expect_refusal("pkcs11:token=mycert-dev;pin-value=1234", "unknown");
}

static void
test_bad_escapes(void)
{
	expect_refusal("pkcs11:token=%G1", "percent");
	expect_refusal("pkcs11:token=%1G", "percent");
	expect_refusal("pkcs11:token=%1", "percent");
	expect_refusal("pkcs11:token=abc%", "percent");
	expect_refusal("pkcs11:token=a%;object=b", "percent");
	expect_refusal("pkcs11:id=%0", "percent");
	/* A decoded NUL would cut a label short. */
	expect_refusal("pkcs11:token=my%00token", "NUL");
}

static void
test_no_equals(void)
{
	expect_refusal("pkcs11:token", "name=value");
	expect_refusal("pkcs11:token=a;object", "name=value");
	expect_refusal("pkcs11:=mycert-dev", "name=value");
	expect_refusal("pkcs11:token=a;;object=b", "name=value");
}

static void
test_unknown(void)
{
	expect_refusal("pkcs11:label=mycert-ca", "unknown");
	expect_refusal("pkcs11:Token=mycert-dev", "unknown");
	expect_refusal("pkcs11:token=a;library=x", "unknown");
	expect_refusal("pkcs11:library-=x", "unknown");
	expect_refusal("pkcs11:slot-=1", "unknown");
}

static void
test_repeated(void)
{
	expect_refusal("pkcs11:token=a;token=b", "twice");
	expect_refusal("pkcs11:object=a;type=cert;object=a", "twice");
	expect_refusal("pkcs11:id=%01;id=%02", "repeated");
}

static void
test_id_length(void)
{
	char *longest = id_uri(TOKEN_URI_MAX_ID);
	char *too_long = id_uri(TOKEN_URI_MAX_ID + 1);
	struct token_uri u;
	struct err e = { 0 };
	size_t i;

	expect_refusal("pkcs11:id=", "empty");
	expect_refusal("pkcs11:id=;token=a", "empty");
	expect_refusal(too_long, "longer than");

	CU_ASSERT_EQUAL_FATAL(token_uri_parse(longest, &u, &e), 0);
	CU_ASSERT_EQUAL(u.id_len, TOKEN_URI_MAX_ID);
	for (i = 0; i < TOKEN_URI_MAX_ID; i++) {
		CU_ASSERT_EQUAL(u.id[i], i);
	}
	token_uri_clear(&u);
	free(longest);
	free(too_long);
}

static void
test_not_uri(void)
{
	expect_refusal("mycert-ca", "not a pkcs11: URI");
	expect_refusal("pkcs11 token=a", "not a pkcs11: URI");
	expect_refusal(" pkcs11:token=a", "not a pkcs11: URI");
	expect_refusal("pkcs:token=a", "not a pkcs11: URI");
	expect_refusal("", "not a pkcs11: URI");
}

static void
test_ignored(void)
{
	struct token_uri u;
	struct err e = { 0 };

	CU_ASSERT_EQUAL_FATAL(token_uri_parse("pkcs11:library-manufacturer="
					      "SoftHSM;slot-id=1;"
					      "library-version=2.6;"
					      "token=mycert-dev;object=ca",
					      &u, &e), 0);
	CU_ASSERT_STRING_EQUAL(u.token, "mycert-dev");
	CU_ASSERT_STRING_EQUAL(u.object, "ca");
	CU_ASSERT_PTR_NULL(u.manufacturer);
	CU_ASSERT_EQUAL(u.id_len, 0);
	token_uri_clear(&u);
}

static void
test_is_uri(void)
{
	CU_ASSERT_EQUAL(token_uri_is_uri("pkcs11:token=mycert-dev"), 1);
	CU_ASSERT_EQUAL(token_uri_is_uri("pkcs11:"), 1);
	CU_ASSERT_EQUAL(token_uri_is_uri("mycert-dev"), 0);
	CU_ASSERT_EQUAL(token_uri_is_uri("pkcs11"), 0);
	CU_ASSERT_EQUAL(token_uri_is_uri(" pkcs11:token=a"), 0);
	CU_ASSERT_EQUAL(token_uri_is_uri(""), 0);
	CU_ASSERT_EQUAL(token_uri_is_uri(NULL), 0);
}

int
test_token_uri_register(void)
{
	static const struct {
		const char *name;
		CU_TestFunc fn;
	} tests[] = {
		{ "parses the token and object attributes", test_attributes },
		{ "percent-decodes values and binary ids",
		  test_percent_decoding },
		{ "refuses query attributes such as pin-value", test_query },
		{ "refuses bad percent escapes", test_bad_escapes },
		{ "refuses an attribute without '='", test_no_equals },
		{ "refuses an unknown attribute", test_unknown },
		{ "refuses a repeated attribute", test_repeated },
		{ "refuses an empty id or one over 64 bytes", test_id_length },
		{ "refuses text not starting with pkcs11:", test_not_uri },
		{ "ignores library-* and slot-* attributes", test_ignored },
		{ "tells a URI from a label", test_is_uri },
	};
	CU_pSuite suite = CU_add_suite("token_uri", NULL, NULL);
	size_t i;

	if (suite == NULL) {
		return -1;
	}
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (CU_add_test(suite, tests[i].name, tests[i].fn) == NULL) {
			return -1;
		}
	}
	return 0;
}
