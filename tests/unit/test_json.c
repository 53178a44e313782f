/*
 * test_json.c: the CUnit suite of json.c.
 *
 * Feeds the strict reader the JSON a portal sends (members of every kind,
 * escapes, surrogate pairs) and what an attacker could send instead (bad
 * UTF-8, lone surrogates, deep nesting, huge numbers, repeated keys,
 * trailing data, truncated input), and checks that the writer's output
 * reads back to what was written.  Inputs are copied into buffers of
 * their exact length, so that a read past the end shows under a memory
 * checker.  Needs no token.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "json.h"
#include "suites.h"

/* Records an assertion whose failure message names the input. */
static void
check(int ok, int line, const char *what, const char *input)
{
	char msg[600];

	snprintf(msg, sizeof(msg), "%.200s (input \"%.300s\")", what,
		 input != NULL ? input : "(null)");
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned)line, msg,
				__FILE__, "", CU_FALSE);
}

/* Parses the first len bytes of text from an exact-size copy. */
static struct json_object *
parse_n(const char *text, size_t len, struct err *e)
{
	struct json_object *o = NULL;
	char *copy = malloc(len > 0 ? len : 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
	memcpy(copy, text, len);
	if (json_parse(copy, len, &o, e) != 0) {
		check(o == NULL, __LINE__, "no object on refusal", text);
		o = NULL;
	}
	free(copy);
	return o;
}

static struct json_object *
parse_ok(const char *text)
{
	struct err e = { 0 };
	struct json_object *o = parse_n(text, strlen(text), &e);

	check(o != NULL, __LINE__, "accepted", text);
	if (o == NULL) {
		check(0, __LINE__, "refusal message", e.msg);
	}
	return o;
}

static void
expect_refused(const char *text)
{
	struct err e = { 0 };
	struct json_object *o = parse_n(text, strlen(text), &e);

	check(o == NULL, __LINE__, "refused", text);
	check(e.code == ERR_INPUT, __LINE__, "code is ERR_INPUT", text);
	check(strstr(e.msg, "JSON refused") != NULL, __LINE__,
	      "message says JSON refused", e.msg);
	json_free(o);
}

/* Returns the string member key of text, or NULL (the object is kept in
 * *o for the caller to free). */
static const char *
string_of(const char *text, const char *key, struct json_object **o)
{
	const char *v = NULL;

	*o = parse_ok(text);
	if (*o == NULL || json_get_string(*o, key, &v) != 1) {
		check(0, __LINE__, "string member present", text);
		return NULL;
	}
	return v;
}

static void
test_types(void)
{
	const char *text = " {\"s\":\"x\", \"i\":-42, \"t\":true, \"f\":false,"
			   "\"n\":null, \"a\":[\"p\",\"q\"], \"e\":[],"
			   "\"o\":{\"k\":[1,{\"z\":null}]}, \"m\":[1,\"x\"],"
			   "\"r\":1.5, \"x\":2e3} \n";
	struct json_object *o = parse_ok(text);
	const char *s = NULL;
	const char *const *items = NULL;
	size_t count = 99;
	int64_t i = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL(o->count, 11);
	CU_ASSERT_EQUAL(json_get_string(o, "s", &s), 1);
	CU_ASSERT_STRING_EQUAL(s, "x");
	CU_ASSERT_EQUAL(json_get_int(o, "i", &i), 1);
	CU_ASSERT_EQUAL(i, -42);
	CU_ASSERT_EQUAL(json_find(o, "t")->type, JSON_TRUE);
	CU_ASSERT_EQUAL(json_find(o, "f")->type, JSON_FALSE);
	CU_ASSERT_EQUAL(json_find(o, "n")->type, JSON_NULL);
	CU_ASSERT_EQUAL(json_get_string_array(o, "a", &items, &count), 1);
	CU_ASSERT_EQUAL_FATAL(count, 2);
	CU_ASSERT_STRING_EQUAL(items[0], "p");
	CU_ASSERT_STRING_EQUAL(items[1], "q");
	CU_ASSERT_EQUAL(json_get_string_array(o, "e", &items, &count), 1);
	CU_ASSERT_EQUAL(count, 0);
	/* Nested objects, mixed arrays and non-integers are kept as OTHER,
	 * which every getter refuses. */
	CU_ASSERT_EQUAL(json_find(o, "o")->type, JSON_OTHER);
	CU_ASSERT_EQUAL(json_find(o, "m")->type, JSON_OTHER);
	CU_ASSERT_EQUAL(json_find(o, "r")->type, JSON_OTHER);
	CU_ASSERT_EQUAL(json_find(o, "x")->type, JSON_OTHER);
	CU_ASSERT_EQUAL(json_get_int(o, "r", &i), -1);
	CU_ASSERT_EQUAL(json_get_string(o, "o", &s), -1);
	CU_ASSERT_EQUAL(json_get_string_array(o, "m", &items, &count), -1);
	/* Wrong type and absence are told apart. */
	CU_ASSERT_EQUAL(json_get_int(o, "s", &i), -1);
	CU_ASSERT_EQUAL(json_get_string(o, "i", &s), -1);
	CU_ASSERT_EQUAL(json_get_string(o, "absent", &s), 0);
	CU_ASSERT_PTR_NULL(json_find(o, "absent"));
	json_free(o);

	o = parse_ok("{}");
	CU_ASSERT_PTR_NOT_NULL(o);
	CU_ASSERT_EQUAL(o != NULL ? o->count : 99, 0);
	json_free(o);
}

static void
test_escapes(void)
{
	struct json_object *o = NULL;
	const char *v;

	v = string_of("{\"k\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\te\"}", "k", &o);
	CU_ASSERT_PTR_NOT_NULL(v);
	if (v != NULL) {
		CU_ASSERT_STRING_EQUAL(v, "a\"b\\c/d\b\f\n\r\te");
	}
	json_free(o);
	/* \u escapes decode to UTF-8, in either case of hex digits. */
	v = string_of("{\"k\":\"H\\u00e9l\\u00C8ne \\u20ac\"}", "k", &o);
	CU_ASSERT_PTR_NOT_NULL(v);
	if (v != NULL) {
		CU_ASSERT_STRING_EQUAL(v, "H\xc3\xa9l\xc3\x88ne \xe2\x82\xac");
	}
	json_free(o);
	/* A key may be escaped too: it is found by its decoded form. */
	v = string_of("{\"s\\u0075b\":\"1\"}", "sub", &o);
	CU_ASSERT_PTR_NOT_NULL(v);
	json_free(o);
	/* Raw UTF-8 is kept as it is. */
	v = string_of("{\"k\":\"Zo\xc3\xab \xe2\x80\x99 \xf0\x9f\x98\x80\"}",
		      "k", &o);
	CU_ASSERT_PTR_NOT_NULL(v);
	if (v != NULL) {
		CU_ASSERT_STRING_EQUAL(v, "Zo\xc3\xab \xe2\x80\x99 "
				       "\xf0\x9f\x98\x80");
	}
	json_free(o);
}

static void
test_bad_escapes(void)
{
	const char *const bad[] = {
		"{\"k\":\"\\x41\"}",		/* unknown escape */
		"{\"k\":\"\\'\"}",
		"{\"k\":\"\\u00g1\"}",		/* bad hex digit */
		"{\"k\":\"\\u00e\"}",		/* too short */
		"{\"k\":\"\\u0000\"}",		/* NUL would cut C strings */
		"{\"k\":\"\\",			/* truncated after \ */
		"{\"k\":\"\\u12",		/* truncated inside \u */
		"{\"k\":\"a\tb\"}",		/* raw control characters */
		"{\"k\":\"a\nb\"}",
		"{\"k\":\"a\x1f\"}",
		"{\"k\":\"abc",			/* unterminated */
		"{\"k\":'x'}",			/* single quotes */
		"{k:\"x\"}",			/* bare key */
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		expect_refused(bad[i]);
	}
}

static void
test_surrogates(void)
{
	const char *const bad[] = {
		"{\"k\":\"\\ud83d\"}",		/* lone high surrogate */
		"{\"k\":\"\\ud83dx\"}",
		"{\"k\":\"\\ude00\"}",		/* lone low surrogate */
		"{\"k\":\"\\ud83d\\u0041\"}",	/* high, then not low */
		"{\"k\":\"\\ud83d\\ud83d\"}",	/* high, then high */
		"{\"k\":\"\\ud83d\\n\"}",
		"{\"k\":\"\\ud83d\\u",		/* truncated pair */
	};
	struct json_object *o = NULL;
	const char *v;
	size_t i;

	/* U+1F600 as a pair, and U+10FFFF, the highest code point. */
	v = string_of("{\"k\":\"\\ud83d\\ude00|\\uDBFF\\uDFFF\"}", "k", &o);
	CU_ASSERT_PTR_NOT_NULL(v);
	if (v != NULL) {
		CU_ASSERT_STRING_EQUAL(v, "\xf0\x9f\x98\x80|\xf4\x8f\xbf\xbf");
	}
	json_free(o);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		expect_refused(bad[i]);
	}
}

static void
test_bad_utf8(void)
{
	const char *const bad[] = {
		"{\"k\":\"\xc3\"}",		/* truncated sequence */
		"{\"k\":\"\xc3",		/* truncated at the end */
		"{\"k\":\"\xe2\x82\"}",
		"{\"k\":\"\xc0\xaf\"}",		/* overlong '/' */
		"{\"k\":\"\xe0\x80\xaf\"}",	/* overlong, 3 bytes */
		"{\"k\":\"\xf0\x80\x80\xaf\"}",	/* overlong, 4 bytes */
		"{\"k\":\"\xed\xa0\x80\"}",	/* a surrogate in UTF-8 */
		"{\"k\":\"\xf4\x90\x80\x80\"}",	/* above U+10FFFF */
		"{\"k\":\"\xf5\x80\x80\x80\"}",
		"{\"k\":\"\xff\"}",
		"{\"k\":\"\x80\"}",		/* lone continuation byte */
		"{\"k\":\"\xc3\x28\"}",		/* bad continuation */
		"{\"\xc3\":1}",			/* in a key */
		"\xef\xbb\xbf{}",		/* a byte order mark */
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		expect_refused(bad[i]);
	}
}

/* Returns "{"a":" + depth-1 nested arrays around 1 + "}". */
static char *
nested(size_t arrays)
{
	char *s = malloc(arrays * 2 + 16);
	size_t i, n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	n += (size_t)sprintf(s, "{\"a\":");
	for (i = 0; i < arrays; i++) {
		s[n++] = '[';
	}
	s[n++] = '1';
	for (i = 0; i < arrays; i++) {
		s[n++] = ']';
	}
	strcpy(s + n, "}");
	return s;
}

static void
test_depth(void)
{
	/* The top object is depth 1, so 7 arrays reach JSON_MAX_DEPTH. */
	char *ok = nested(JSON_MAX_DEPTH - 1);
	char *deep = nested(JSON_MAX_DEPTH);
	char *huge = nested(100000);
	struct json_object *o = parse_ok(ok);

	CU_ASSERT_PTR_NOT_NULL(o);
	json_free(o);
	expect_refused(deep);
	expect_refused(huge);
	/* Objects count the same: eight levels pass, nine do not. */
	o = parse_ok("{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":"
		     "{}}}}}}}}");
	expect_refused("{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":"
		       "{\"h\":{}}}}}}}}}");
	CU_ASSERT_PTR_NOT_NULL(o);
	json_free(o);
	free(ok);
	free(deep);
	free(huge);
}

static void
test_structure(void)
{
	const char *const bad[] = {
		"", " ", "[]", "\"x\"", "1", "null",
		"{", "{\"a\"", "{\"a\":", "{\"a\":1", "{\"a\" 1}",
		"{\"a\":1,}", "{,}", "{\"a\":1 \"b\":2}",
		"{\"a\":[\"x\",]}", "{\"a\":[\"x\" \"y\"]}", "{\"a\":[",
		"{\"a\":tru}", "{\"a\":nul", "{\"a\":True}",
		"{\"a\":undefined}",
		"{} x", "{}{}", "{}\x01", "{\"a\":1}}",
		"{\"a\":1,\"a\":2}",		/* repeated key */
		"{\"a\":1,\"b\":2,\"a\":\"x\"}",
		"{\"\\u0061\":1,\"a\":2}",	/* repeated once decoded */
		"\v{}",				/* not JSON whitespace */
	};
	struct json_object *o;
	struct err e = { 0 };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		expect_refused(bad[i]);
	}
	/* Keys inside nested objects are not read, so not checked. */
	o = parse_ok("{\"o\":{\"a\":1,\"a\":2}}");
	json_free(o);
	/* A NUL byte inside the length is not an end. */
	o = parse_n("{}\0", 3, &e);
	check(o == NULL, __LINE__, "NUL after the object refused", "{}\\0");
	json_free(o);
	e.code = ERR_NONE;
	CU_ASSERT_EQUAL(json_parse(NULL, 0, &o, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_INPUT);
	CU_ASSERT_PTR_NULL(o);
}

static void
test_numbers(void)
{
	const char *const bad[] = {
		"{\"n\":9223372036854775808}",	/* INT64_MAX + 1 */
		"{\"n\":-9223372036854775809}",
		"{\"n\":99999999999999999999999}",
		"{\"n\":01}", "{\"n\":-01}", "{\"n\":+1}", "{\"n\":-}",
		"{\"n\":1.}", "{\"n\":.5}", "{\"n\":1e}", "{\"n\":1e+}",
		"{\"n\":0x10}", "{\"n\":1_000}", "{\"n\":NaN}",
		"{\"n\":Infinity}", "{\"n\":--1}",
	};
	struct json_object *o;
	int64_t v = 0;
	size_t i;

	o = parse_ok("{\"a\":9223372036854775807,\"b\":-9223372036854775808,"
		     "\"c\":0,\"d\":-0,\"e\":1767225600}");
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL(json_get_int(o, "a", &v), 1);
	CU_ASSERT(v == INT64_MAX);
	CU_ASSERT_EQUAL(json_get_int(o, "b", &v), 1);
	CU_ASSERT(v == INT64_MIN);
	CU_ASSERT_EQUAL(json_get_int(o, "c", &v), 1);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(json_get_int(o, "d", &v), 1);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(json_get_int(o, "e", &v), 1);
	CU_ASSERT_EQUAL(v, 1767225600);
	json_free(o);
	/* A huge number with a fraction is valid JSON, only not an int. */
	o = parse_ok("{\"f\":99999999999999999999.5,\"g\":1E-7,\"h\":-0.0}");
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL(json_get_int(o, "f", &v), -1);
	CU_ASSERT_EQUAL(json_get_int(o, "g", &v), -1);
	CU_ASSERT_EQUAL(json_get_int(o, "h", &v), -1);
	json_free(o);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		expect_refused(bad[i]);
	}
}

static void
test_limits(void)
{
	char *text = malloc(JSON_MAX_BYTES + 64);
	struct json_object *o;
	size_t n, i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	/* A string filling exactly JSON_MAX_BYTES is read; one more byte is
	 * refused. */
	n = (size_t)sprintf(text, "{\"k\":\"");
	memset(text + n, 'x', JSON_MAX_BYTES - n - 2);
	strcpy(text + JSON_MAX_BYTES - 2, "\"}");
	CU_ASSERT_EQUAL(strlen(text), JSON_MAX_BYTES);
	o = parse_ok(text);
	CU_ASSERT_PTR_NOT_NULL(o);
	json_free(o);
	strcpy(text + JSON_MAX_BYTES - 2, "x\"}");
	expect_refused(text);

	/* JSON_MAX_MEMBERS members, then one more. */
	n = (size_t)sprintf(text, "{");
	for (i = 0; i < JSON_MAX_MEMBERS; i++) {
		n += (size_t)sprintf(text + n, "%s\"k%zu\":1", i ? "," : "",
				     i);
	}
	strcpy(text + n, "}");
	o = parse_ok(text);
	CU_ASSERT_PTR_NOT_NULL(o);
	json_free(o);
	strcpy(text + n, ",\"last\":1}");
	expect_refused(text);

	/* JSON_MAX_ITEMS strings over all arrays, then one more. */
	n = (size_t)sprintf(text, "{\"a\":[");
	for (i = 0; i < JSON_MAX_ITEMS; i++) {
		n += (size_t)sprintf(text + n, "%s\"s\"", i ? "," : "");
	}
	strcpy(text + n, "]}");
	o = parse_ok(text);
	CU_ASSERT_PTR_NOT_NULL(o);
	json_free(o);
	strcpy(text + n, "],\"b\":[\"t\"]}");
	expect_refused(text);
	free(text);
}

static void
test_truncations(void)
{
	const char *text = "{\"s\":\"H\\u00e9\\ud83d\\ude00\xc3\xa9\",\"i\":"
			   "-12,\"a\":[\"x\",\"y\"],\"t\":true,\"o\":{\"n\":"
			   "null,\"f\":1.5e3}}";
	size_t len = strlen(text), n;
	struct json_object *o;
	struct err e = { 0 };

	/* Every proper prefix is refused (and read within its bounds). */
	for (n = 0; n < len; n++) {
		o = parse_n(text, n, &e);
		check(o == NULL, __LINE__, "prefix refused", text);
		json_free(o);
	}
	o = parse_n(text, len, &e);
	check(o != NULL, __LINE__, "whole text accepted", e.msg);
	json_free(o);
}

static void
test_writer(void)
{
	const char *const amr[] = { "smartcard", "a\"b" };
	const char *odd = "q\"uote \\ back\x01\x1f\x7f tab\t Zo\xc3\xa9 </b>";
	struct json_writer w;
	struct json_object *o = NULL;
	struct err e = { 0 };
	char *text = NULL;
	const char *s = NULL;
	const char *const *items = NULL;
	size_t count = 0;
	int64_t v = 0;

	json_writer_start(&w);
	json_writer_string(&w, "odd", odd);
	json_writer_string(&w, "k\"ey", "v");
	json_writer_int(&w, "min", INT64_MIN);
	json_writer_string_array(&w, "amr", amr, 2);
	CU_ASSERT_EQUAL_FATAL(json_writer_finish(&w, &text, &e), 0);
	CU_ASSERT_PTR_NULL(strchr(text, '\x01'));
	o = parse_ok(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL(json_get_string(o, "odd", &s), 1);
	CU_ASSERT_STRING_EQUAL(s, odd);
	CU_ASSERT_EQUAL(json_get_string(o, "k\"ey", &s), 1);
	CU_ASSERT_EQUAL(json_get_int(o, "min", &v), 1);
	CU_ASSERT(v == INT64_MIN);
	CU_ASSERT_EQUAL(json_get_string_array(o, "amr", &items, &count), 1);
	CU_ASSERT_EQUAL_FATAL(count, 2);
	CU_ASSERT_STRING_EQUAL(items[1], "a\"b");
	json_free(o);
	free(text);
}

int
test_json_register(void)
{
	static const struct {
		const char *name;
		CU_TestFunc fn;
	} tests[] = {
		{ "reads every member type and tells absent from ill-typed",
		  test_types },
		{ "decodes escapes and \\u escapes into UTF-8", test_escapes },
		{ "refuses bad escapes and raw control characters",
		  test_bad_escapes },
		{ "joins surrogate pairs and refuses lone surrogates",
		  test_surrogates },
		{ "refuses invalid UTF-8", test_bad_utf8 },
		{ "refuses nesting deeper than JSON_MAX_DEPTH", test_depth },
		{ "refuses bad structure, trailing data, repeated keys",
		  test_structure },
		{ "reads int64 exactly and refuses overflow or bad numbers",
		  test_numbers },
		{ "refuses input over the size, member and item limits",
		  test_limits },
		{ "refuses every truncation of a valid object",
		  test_truncations },
		{ "writes escaped JSON that reads back the same",
		  test_writer },
	};
	CU_pSuite suite = CU_add_suite("json", NULL, NULL);
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
