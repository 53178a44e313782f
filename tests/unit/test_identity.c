/*
 * test_identity.c: the CUnit suite of identity.c.
 *
 * Feeds identity_check the names real holders have (accents, apostrophes,
 * hyphens) and the malformed input a portal or a form could send (bad
 * UTF-8, control characters, stray spaces, wrong lengths, bad addresses),
 * and checks how the common name is cut.  Needs no token.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "identity.h"
#include "suites.h"

/* "é" in UTF-8: two bytes, one character. */
#define E_ACUTE "\xc3\xa9"

/* Records an assertion whose failure message names the input. */
static void
check(int ok, int line, const char *what, const char *input)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%.200s (input \"%.200s\")", what,
		 input != NULL ? input : "(null)");
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned)line, msg,
				__FILE__, "", CU_FALSE);
}

static struct identity
good_identity(void)
{
	struct identity id = {
		.ehealth_id = "1234567890",
		.given_name = "Jean-Pierre",
		.family_name = "Dupont",
		.profession_code = "PS-001",
		.profession_label = "Médecin",
		.email = "jp.dupont@example.org",
	};

	return id;
}

/* Returns a malloc'd string of count copies of unit. */
static char *
repeat(const char *unit, size_t count)
{
	size_t n = strlen(unit), i;
	char *s = malloc(n * count + 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	for (i = 0; i < count; i++) {
		memcpy(s + i * n, unit, n);
	}
	s[n * count] = '\0';
	return s;
}

/* Checks that identity_check refuses id with ERR_INPUT and a message
 * holding needle; input names the case in failure messages. */
static void
expect_refusal(const struct identity *id, const char *needle,
	       const char *input)
{
	struct err e = { 0 };

	check(identity_check(id, &e) == -1, __LINE__, "refused", input);
	check(e.code == ERR_INPUT, __LINE__, "code is ERR_INPUT", input);
	check(strstr(e.msg, needle) != NULL, __LINE__, needle, e.msg);
}

static void
expect_accepted(const struct identity *id, const char *input)
{
	struct err e = { 0 };
	int rc = identity_check(id, &e);

	check(rc == 0, __LINE__, "accepted", input);
	if (rc != 0) {
		check(0, __LINE__, "refusal message", e.msg);
	}
}

/* Checks that each of the values is refused in each text field (given
 * name, family name, profession label) with a message holding needle. */
static void
refuse_in_text_fields(const char *const *values, size_t count,
		      const char *needle)
{
	size_t i;

	for (i = 0; i < count; i++) {
		struct identity id = good_identity();

		id.given_name = values[i];
		expect_refusal(&id, "given name", values[i]);
		expect_refusal(&id, needle, values[i]);
		id = good_identity();
		id.family_name = values[i];
		expect_refusal(&id, "family name", values[i]);
		expect_refusal(&id, needle, values[i]);
		id = good_identity();
		id.profession_label = values[i];
		expect_refusal(&id, "profession label", values[i]);
		expect_refusal(&id, needle, values[i]);
	}
}

static void
test_good_names(void)
{
	const char *const names[] = {
		"Émilie", "Müller", "François", "O'Brien",
		"D’Arc",		/* U+2019, right single quotation */
		"Jean-Pierre", "Anne Marie", "Zoë Ñúñez-Çelik",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct identity id = good_identity();

		id.given_name = names[i];
		id.family_name = names[i];
		expect_accepted(&id, names[i]);
	}
}

static void
test_bad_utf8(void)
{
	const char *const bad[] = {
		"\x80xyz",			/* lone continuation byte */
		"Jean\xbfPierre",		/* another one, inside */
		"a\xc0\xafz",			/* overlong '/' */
		"a\xe0\x80\xafz",		/* overlong '/', 3 bytes */
		"a\xed\xa0\x80z",		/* surrogate U+D800 */
		"Ren\xc3",			/* truncated at the end */
		"Ren\xc3z",			/* truncated before ASCII */
		"a\xe2\x80",			/* truncated 3-byte sequence */
		"a\xf4\x90\x80\x80",		/* above U+10FFFF */
		"a\xffz",			/* never valid */
	};

	refuse_in_text_fields(bad, sizeof(bad) / sizeof(bad[0]), "UTF-8");
}

static void
test_control_chars(void)
{
	const char *const bad[] = {
		"Jean\tPierre", "Jean\nPierre", "Jean\rPierre", "\x1b[31m",
		"Jean\x7fPierre",
		"Jean\xc2\x85Pierre",		/* C1 NEXT LINE U+0085 */
		"Jean\xc2\x9bPierre",		/* C1 CSI U+009B */
	};

	refuse_in_text_fields(bad, sizeof(bad) / sizeof(bad[0]),
			      "control character");
}

static void
test_format_chars(void)
{
	const char *const bad[] = {
		"Jean\xe2\x80\x8bPierre",	/* ZERO WIDTH SPACE U+200B */
		"Jean\xe2\x80\xaePierre",	/* RIGHT-TO-LEFT OVERRIDE */
		"Jean\xe2\x81\xa6Pierre",	/* LEFT-TO-RIGHT ISOLATE */
		"\xef\xbb\xbfJean",		/* BYTE ORDER MARK U+FEFF */
		"Jean\xc2\xadPierre",		/* SOFT HYPHEN U+00AD */
	};

	refuse_in_text_fields(bad, sizeof(bad) / sizeof(bad[0]),
			      "format character");
}

static void
test_spaces(void)
{
	const char *const bad[] = { " Jean", "Jean ", " ", "  Jean  " };

	refuse_in_text_fields(bad, sizeof(bad) / sizeof(bad[0]), "space");
}

static void
test_missing_fields(void)
{
	static const struct {
		size_t offset;
		const char *name;
	} fields[] = {
		{ offsetof(struct identity, ehealth_id), "eHealthID" },
		{ offsetof(struct identity, given_name), "given name" },
		{ offsetof(struct identity, family_name), "family name" },
		{ offsetof(struct identity, profession_code),
		  "profession code" },
		{ offsetof(struct identity, profession_label),
		  "profession label" },
		{ offsetof(struct identity, email), "email" },
	};
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		struct identity id = good_identity();
		const char **field =
			(const char **)((char *)&id + fields[i].offset);

		*field = NULL;
		expect_refusal(&id, fields[i].name, fields[i].name);
		*field = "";
		expect_refusal(&id, fields[i].name, fields[i].name);
	}
}

static void
test_ehealth_id(void)
{
	const char *const bad[] = {
		"123456789", "12345678901", "abcdefghij", "123456789a",
		"12345 6789", "+123456789", "1234567890 ",
		"١٢٣٤٥",	/* Arabic-Indic digits: 10 bytes */
	};
	struct identity id = good_identity();
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		id.ehealth_id = bad[i];
		expect_refusal(&id, "eHealthID", bad[i]);
	}
	id.ehealth_id = "0000000000";
	expect_accepted(&id, id.ehealth_id);
}

static void
test_profession_code(void)
{
	const char *const bad[] = {
		"PS 001", "PS_001", "PS/001", "PS.001", "ABCDEFGHIJKLMNOPQ",
		"PS-é", "PS;001", "PS-001\n",
	};
	struct identity id = good_identity();
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		id.profession_code = bad[i];
		expect_refusal(&id, "profession code", bad[i]);
	}
	id.profession_code = "ABCDEFGHIJKLMNOP";	/* 16 */
	expect_accepted(&id, id.profession_code);
	id.profession_code = "10";
	expect_accepted(&id, id.profession_code);
}

static void
test_name_length(void)
{
	struct identity id = good_identity();
	char *ascii = repeat("a", IDENTITY_NAME_MAX_CHARS);
	char *ascii_long = repeat("a", IDENTITY_NAME_MAX_CHARS + 1);
	char *accents = repeat(E_ACUTE, IDENTITY_NAME_MAX_CHARS);
	char *accents_long = repeat(E_ACUTE, IDENTITY_NAME_MAX_CHARS + 1);
	char *label = repeat(E_ACUTE, IDENTITY_LABEL_MAX_CHARS);
	char *label_long = repeat("b", IDENTITY_LABEL_MAX_CHARS + 1);

	/* The limit counts characters: 128 'é' are 256 bytes. */
	id.given_name = ascii;
	id.family_name = accents;
	id.profession_label = label;
	expect_accepted(&id, "names at the limit");

	id = good_identity();
	id.given_name = ascii_long;
	expect_refusal(&id, "given name", "129 a");
	expect_refusal(&id, "longer than 128", "129 a");
	id = good_identity();
	id.family_name = accents_long;
	expect_refusal(&id, "family name", "129 e-acute");
	expect_refusal(&id, "longer than 128", "129 e-acute");
	id = good_identity();
	id.profession_label = label_long;
	expect_refusal(&id, "profession label", "65 b");
	expect_refusal(&id, "longer than 64", "65 b");
	free(ascii);
	free(ascii_long);
	free(accents);
	free(accents_long);
	free(label);
	free(label_long);
}

/* Returns a malloc'd address of exactly len bytes (len >= 80) that is
 * otherwise valid: 64-byte local part, domain of labels up to 63. */
static char *
long_email(size_t len)
{
	char *s = malloc(len + 1);
	size_t i, label = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	memset(s, 'l', 64);
	s[64] = '@';
	for (i = 65; i < len; i++) {
		/* A dot every 60 characters, never last nor before last. */
		if (label == 60 && i + 2 < len) {
			s[i] = '.';
			label = 0;
		} else {
			s[i] = 'd';
			label++;
		}
	}
	s[len - 4] = '.';	/* ends with a short top-level label */
	s[len] = '\0';
	return s;
}

static void
test_good_emails(void)
{
	const char *const good[] = {
		"a.b+tag@sub.example.org", "x@example.org",
		"o'brien@example.fr", "jean-pierre.dupont@chu-lyon.fr",
		"A_B@EXAMPLE.ORG", "1@2.fr",
	};
	char *longest = long_email(IDENTITY_EMAIL_MAX);
	struct identity id = good_identity();
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		check(identity_email_valid(good[i]) == 1, __LINE__,
		      "valid address", good[i]);
		id.email = good[i];
		expect_accepted(&id, good[i]);
	}
	check(strlen(longest) == IDENTITY_EMAIL_MAX, __LINE__, "254 bytes",
	      longest);
	check(identity_email_valid(longest) == 1, __LINE__, "254 bytes valid",
	      longest);
	free(longest);
}

static void
test_bad_emails(void)
{
	const char *const bad[] = {
		"no-at.example.org", "a@localhost", "a..b@example.org",
		"a@example..org", ".a@example.org", "a.@example.org",
		"a@.example.org", "a@-sub.example.org", "a@sub-.example.org",
		"a@example.org.", "a@example.-org",
		"é@example.org", "a@exémple.org",
		"a@b@example.org", "@example.org", "a@", "",
		"a b@example.org", "a@exa mple.org", "a@example_x.org",
		"a(b)@example.org", "a\"b@example.org",
	};
	char *too_long = long_email(IDENTITY_EMAIL_MAX + 1);
	char *local_long = NULL, *label_long = NULL;
	struct identity id = good_identity();
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		check(identity_email_valid(bad[i]) == 0, __LINE__,
		      "invalid address", bad[i]);
		id.email = bad[i];
		expect_refusal(&id, "email", bad[i]);
	}
	check(identity_email_valid(too_long) == 0, __LINE__,
	      "255 bytes refused", too_long);
	check(identity_email_valid(NULL) == 0, __LINE__, "NULL refused", "");

	/* A local part of 65 bytes, in a short address. */
	CU_ASSERT_FATAL(asprintf(&local_long, "%065d@example.org", 0) > 0);
	check(identity_email_valid(local_long) == 0, __LINE__,
	      "local part over 64 refused", local_long);
	/* A domain label of 64 characters. */
	CU_ASSERT_FATAL(asprintf(&label_long, "a@%064d.org", 0) > 0);
	check(identity_email_valid(label_long) == 0, __LINE__,
	      "domain label over 63 refused", label_long);
	free(too_long);
	free(local_long);
	free(label_long);
}

static void
test_utf8_chars(void)
{
	CU_ASSERT_EQUAL(identity_utf8_chars(""), 0);
	CU_ASSERT_EQUAL(identity_utf8_chars("abc"), 3);
	CU_ASSERT_EQUAL(identity_utf8_chars(E_ACUTE), 1);
	CU_ASSERT_EQUAL(identity_utf8_chars("\xe2\x82\xac"), 1);	/* € */
	CU_ASSERT_EQUAL(identity_utf8_chars("\xf0\x9f\x98\x80"), 1);
	CU_ASSERT_EQUAL(identity_utf8_chars("D\xe2\x80\x99" "Arc"), 5);
	CU_ASSERT_EQUAL(identity_utf8_chars("\xc0\xaf"), -1);
	CU_ASSERT_EQUAL(identity_utf8_chars("\xed\xa0\x80"), -1);
	CU_ASSERT_EQUAL(identity_utf8_chars("a\tb"), -1);
}

static void
test_cn_plain(void)
{
	struct identity id = good_identity();
	char cn[IDENTITY_CN_BUF];

	identity_common_name(&id, cn);
	CU_ASSERT_STRING_EQUAL(cn, "Jean-Pierre Dupont");
	id.given_name = "Émilie";
	id.family_name = "D\xe2\x80\x99" "Arc";
	identity_common_name(&id, cn);
	CU_ASSERT_STRING_EQUAL(cn, "Émilie D\xe2\x80\x99" "Arc");
}

static void
test_cn_cut(void)
{
	struct identity id = good_identity();
	struct err e = { 0 };
	char cn[IDENTITY_CN_BUF];
	char *given = NULL, *expected = NULL, *tail = NULL;

	/* "a" then 2-byte characters: any cut at a byte count would fall
	 * inside one (64 bytes is 'a' plus 31.5 'é'). */
	given = repeat(E_ACUTE, 100);
	tail = repeat(E_ACUTE, 63);
	CU_ASSERT_FATAL(asprintf(&expected, "a%s", tail) > 0);
	free(tail);
	tail = given;
	CU_ASSERT_FATAL(asprintf(&given, "a%s", tail) > 0);
	free(tail);
	id.given_name = given;
	CU_ASSERT_EQUAL_FATAL(identity_check(&id, &e), 0);
	identity_common_name(&id, cn);
	CU_ASSERT_EQUAL(identity_utf8_chars(cn), IDENTITY_CN_MAX_CHARS);
	CU_ASSERT_EQUAL(strlen(cn), 1 + 2 * 63);
	CU_ASSERT_STRING_EQUAL(cn, expected);
	free(given);
	free(expected);

	/* The cut falls in the family name: 40 + space + 23. */
	given = repeat(E_ACUTE, 40);
	id.given_name = given;
	id.family_name = given;
	identity_common_name(&id, cn);
	CU_ASSERT_EQUAL(identity_utf8_chars(cn), IDENTITY_CN_MAX_CHARS);
	tail = repeat(E_ACUTE, 23);
	CU_ASSERT_FATAL(asprintf(&expected, "%s %s", given, tail) > 0);
	CU_ASSERT_STRING_EQUAL(cn, expected);
	free(given);
	free(tail);
	free(expected);
}

static void
test_cn_no_trailing_space(void)
{
	struct identity id = good_identity();
	char cn[IDENTITY_CN_BUF];
	char *given = repeat(E_ACUTE, IDENTITY_CN_MAX_CHARS - 1);
	char *full = repeat("g", IDENTITY_CN_MAX_CHARS);

	/* 63 characters, then the space is the 64th: it must go. */
	id.given_name = given;
	identity_common_name(&id, cn);
	CU_ASSERT_STRING_EQUAL(cn, given);
	CU_ASSERT_EQUAL(identity_utf8_chars(cn), IDENTITY_CN_MAX_CHARS - 1);
	CU_ASSERT_NOT_EQUAL(cn[strlen(cn) - 1], ' ');

	/* A given name of 64 characters fills the common name alone. */
	id.given_name = full;
	identity_common_name(&id, cn);
	CU_ASSERT_STRING_EQUAL(cn, full);
	free(given);
	free(full);
}

int
test_identity_register(void)
{
	static const struct {
		const char *name;
		CU_TestFunc fn;
	} tests[] = {
		{ "accepts accents, apostrophes and hyphens",
		  test_good_names },
		{ "refuses invalid UTF-8 in a text field", test_bad_utf8 },
		{ "refuses control characters in a text field",
		  test_control_chars },
		{ "refuses invisible and bidirectional format characters",
		  test_format_chars },
		{ "refuses a leading or trailing space", test_spaces },
		{ "refuses a missing or empty field naming it",
		  test_missing_fields },
		{ "refuses an eHealthID not exactly 10 digits",
		  test_ehealth_id },
		{ "refuses a bad profession code", test_profession_code },
		{ "limits names to 128 characters, not bytes",
		  test_name_length },
		{ "accepts well-formed email addresses", test_good_emails },
		{ "refuses malformed email addresses", test_bad_emails },
		{ "counts UTF-8 characters and refuses bad text",
		  test_utf8_chars },
		{ "builds the common name as given, space, family",
		  test_cn_plain },
		{ "cuts the common name at 64 characters, never inside one",
		  test_cn_cut },
		{ "leaves no trailing space when the cut follows it",
		  test_cn_no_trailing_space },
	};
	CU_pSuite suite = CU_add_suite("identity", NULL, NULL);
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
