/*
 * fuzz.h: what the libFuzzer targets of fuzz/ share.
 *
 * Each target feeds one parser that meets outside input with the bytes
 * libFuzzer makes, and checks cheap invariants on what comes out, so
 * that a wrong answer fails as loudly as a crash: FUZZ_CHECK prints the
 * broken rule and aborts, which libFuzzer reports as a crash and keeps
 * the input.  Built with clang only (mk/fuzz.mk), never into a product.
 */
#ifndef MYCERT_FUZZ_H
#define MYCERT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond, rule)                                              \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "%s:%d: invariant broken: %s\n",    \
				__FILE__, __LINE__, (rule));                \
			abort();                                            \
		}                                                           \
	} while (0)

/* A NUL-terminated copy of the input, in its own allocation, so that
 * ASan sees a read one byte past the end.  Returns NULL (the input is
 * skipped) when it holds a NUL byte: the parsers below take C strings,
 * which cannot hold one. */
static inline char *
fuzz_string(const uint8_t *data, size_t size)
{
	char *s;

	if (memchr(data, '\0', size) != NULL) {
		return NULL;
	}
	s = malloc(size + 1);
	if (s == NULL) {
		abort();
	}
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* A copy of the input of exactly size bytes (no terminator), so that a
 * parser that forgets the length and looks for one is caught. */
static inline char *
fuzz_bytes(const uint8_t *data, size_t size)
{
	char *s = malloc(size == 0 ? 1 : size);

	if (s == NULL) {
		abort();
	}
	if (size > 0) {
		memcpy(s, data, size);
	}
	return s;
}

/* 1 when the n bytes at s are well-formed UTF-8 without NUL (RFC 3629),
 * written independently of the product's own checks. */
static inline int
fuzz_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], cp, more, k;

		if (c == 0) {
			return 0;
		}
		if (c < 0x80) {
			i++;
			continue;
		}
		more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
		if (more == 0 || c > 0xf4 || i + more >= n) {
			return 0;
		}
		cp = c & (0x3fu >> more);
		for (k = 1; k <= more; k++) {
			if ((s[i + k] & 0xc0) != 0x80) {
				return 0;
			}
			cp = cp << 6 | (s[i + k] & 0x3fu);
		}
		if ((more == 1 && cp < 0x80) || (more == 2 && cp < 0x800) ||
		    (more == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff)) {
			return 0;
		}
		i += more + 1;
	}
	return 1;
}

#endif
