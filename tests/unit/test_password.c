/*
 * test_password.c: the CUnit suite of password.c.
 *
 * Checks the shape of generated store passwords (length, alphabet, no
 * look-alikes, no letters that move between keyboard layouts), their
 * entropy, and, over a few thousand draws, that they do not repeat and
 * that every symbol comes up about equally often.  Needs no token.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "password.h"
#include "suites.h"

#define DRAWS 2000
#define ALPHABET_SIZE (sizeof(PASSWORD_ALPHABET) - 1)
/* Look-alikes (0 O o 1 l I i) and letters that move between QWERTY,
 * QWERTZ and AZERTY (a q w z y m), in both cases. */
#define FORBIDDEN "0Oo1lIiaAqQwWzZyYmM"

/* Records an assertion whose failure message names the input. */
static void
check(int ok, int line, const char *what, const char *input)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%.200s (input \"%.200s\")", what, input);
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned)line, msg,
				__FILE__, "", CU_FALSE);
}

/* Fills the DRAWS passwords of out; a failed draw fails the test. */
static void
draw_many(char (*out)[PASSWORD_BUF])
{
	struct err e = { 0 };
	size_t i;

	for (i = 0; i < DRAWS; i++) {
		CU_ASSERT_EQUAL_FATAL(password_new(out[i], &e), 0);
	}
}

static int
compare_passwords(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
test_length_and_alphabet(void)
{
	char pw[PASSWORD_BUF];
	struct err e = { 0 };
	size_t i, j;

	for (i = 0; i < 200; i++) {
		memset(pw, 'X', sizeof(pw));
		CU_ASSERT_EQUAL_FATAL(password_new(pw, &e), 0);
		check(strlen(pw) == PASSWORD_CHARS, __LINE__,
		      "PASSWORD_CHARS long", pw);
		for (j = 0; j < PASSWORD_CHARS; j++) {
			check(pw[j] != '\0' &&
			      strchr(PASSWORD_ALPHABET, pw[j]) != NULL,
			      __LINE__, "from the alphabet", pw);
		}
	}
}

static void
test_no_lookalikes(void)
{
	char pw[PASSWORD_BUF];
	struct err e = { 0 };
	size_t i;

	/* The alphabet itself, then what the generator gives. */
	CU_ASSERT_EQUAL(strcspn(PASSWORD_ALPHABET, FORBIDDEN), ALPHABET_SIZE);
	for (i = 0; i < 500; i++) {
		CU_ASSERT_EQUAL_FATAL(password_new(pw, &e), 0);
		check(strcspn(pw, FORBIDDEN) == PASSWORD_CHARS, __LINE__,
		      "no look-alike nor moving letter", pw);
	}
}

static void
test_ascii_only(void)
{
	char pw[PASSWORD_BUF];
	struct err e = { 0 };
	size_t i, j;

	for (i = 0; i < ALPHABET_SIZE; i++) {
		unsigned char c = (unsigned char)PASSWORD_ALPHABET[i];

		CU_ASSERT(c < 0x80 && isalnum(c));
		/* Each symbol once, or the draw would not be uniform. */
		CU_ASSERT_PTR_EQUAL(strchr(PASSWORD_ALPHABET, c),
				    &PASSWORD_ALPHABET[i]);
	}
	CU_ASSERT_EQUAL(ALPHABET_SIZE, 43);
	for (i = 0; i < 200; i++) {
		CU_ASSERT_EQUAL_FATAL(password_new(pw, &e), 0);
		for (j = 0; j < PASSWORD_CHARS; j++) {
			unsigned char c = (unsigned char)pw[j];

			check(c < 0x80 && isalnum(c), __LINE__,
			      "ASCII letters and digits", pw);
		}
	}
}

static void
test_entropy(void)
{
	double expected = PASSWORD_CHARS * log2((double)ALPHABET_SIZE);

	CU_ASSERT(password_bits() >= 100.0);
	CU_ASSERT_DOUBLE_EQUAL(password_bits(), expected, 0.001);
}

static void
test_distinct(void)
{
	char (*pw)[PASSWORD_BUF] = calloc(DRAWS, sizeof(*pw));
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(pw);
	draw_many(pw);
	qsort(pw, DRAWS, sizeof(*pw), compare_passwords);
	for (i = 1; i < DRAWS; i++) {
		check(strcmp(pw[i - 1], pw[i]) != 0, __LINE__,
		      "drawn only once", pw[i]);
	}
	free(pw);
}

static void
test_uniform(void)
{
	char (*pw)[PASSWORD_BUF] = calloc(DRAWS, sizeof(*pw));
	const double expected = (double)DRAWS * PASSWORD_CHARS / ALPHABET_SIZE;
	long counts[ALPHABET_SIZE] = { 0 };
	size_t i, j;

	CU_ASSERT_PTR_NOT_NULL_FATAL(pw);
	draw_many(pw);
	for (i = 0; i < DRAWS; i++) {
		for (j = 0; j < PASSWORD_CHARS; j++) {
			const char *at = strchr(PASSWORD_ALPHABET, pw[i][j]);

			CU_ASSERT_PTR_NOT_NULL_FATAL(at);
			counts[at - PASSWORD_ALPHABET]++;
		}
	}
	/* About 930 draws each, standard deviation about 30: a symbol 30%
	 * away (279) is nine deviations off, never chance. */
	for (i = 0; i < ALPHABET_SIZE; i++) {
		char sym[48];

		snprintf(sym, sizeof(sym), "'%c' seen %ld times, expected "
			 "%.0f", PASSWORD_ALPHABET[i], counts[i], expected);
		check(counts[i] > 0, __LINE__, "every symbol appears", sym);
		check(fabs(counts[i] - expected) <= 0.3 * expected, __LINE__,
		      "within 30% of uniform", sym);
	}
	free(pw);
}

int
test_password_register(void)
{
	static const struct {
		const char *name;
		CU_TestFunc fn;
	} tests[] = {
		{ "gives PASSWORD_CHARS characters of the alphabet",
		  test_length_and_alphabet },
		{ "never uses look-alikes or layout-moving letters",
		  test_no_lookalikes },
		{ "uses ASCII letters and digits only", test_ascii_only },
		{ "carries at least 100 bits of entropy", test_entropy },
		{ "gives 2000 distinct passwords", test_distinct },
		{ "draws every symbol about equally often", test_uniform },
	};
	CU_pSuite suite = CU_add_suite("password", NULL, NULL);
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
