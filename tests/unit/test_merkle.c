/*
 * test_merkle.c: the CUnit suite of merkle.c.
 *
 * Compares the incremental tree with a direct recursive reading of RFC
 * 9162 section 2.1 written here (over OpenSSL's one-shot SHA-256, not
 * merkle.c's hashing), and with known values: the empty tree is the
 * SHA-256 of nothing, a leaf is SHA-256(0x00 || data), a node
 * SHA-256(0x01 || left || right).  Needs no token.
 */
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <openssl/sha.h>

#include "merkle.h"
#include "suites.h"

#define MAX_LEAVES 200

/* SHA-256 of "" (FIPS 180-2 test vector). */
static const char empty_sha256[] =
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/* ---- the reference: RFC 9162 as written -------------------------------- */

static void
ref_leaf(const unsigned char *data, size_t len, unsigned char out[32])
{
	unsigned char buf[64];

	buf[0] = 0x00;
	memcpy(buf + 1, data, len);
	SHA256(buf, len + 1, out);
}

static void
ref_node(const unsigned char l[32], const unsigned char r[32],
	 unsigned char out[32])
{
	unsigned char buf[65];

	buf[0] = 0x01;
	memcpy(buf + 1, l, 32);
	memcpy(buf + 33, r, 32);
	SHA256(buf, sizeof(buf), out);
}

/* MTH(D[n]) over leaf hashes, splitting at the largest power of two
 * smaller than n. */
static void
ref_mth(unsigned char (*leaves)[32], size_t n, unsigned char out[32])
{
	unsigned char l[32], r[32];
	size_t k = 1;

	if (n == 0) {
		SHA256((const unsigned char *)"", 0, out);
		return;
	}
	if (n == 1) {
		memcpy(out, leaves[0], 32);
		return;
	}
	while (k * 2 < n) {
		k *= 2;
	}
	ref_mth(leaves, k, l);
	ref_mth(leaves + k, n - k, r);
	ref_node(l, r, out);
}

/* Leaf i: the hash of the bytes "leaf <i>". */
static void
make_leaves(unsigned char (*leaves)[32], size_t n)
{
	char data[32];
	size_t i;

	for (i = 0; i < n; i++) {
		int len = snprintf(data, sizeof(data), "leaf %zu", i);

		ref_leaf((const unsigned char *)data, (size_t)len, leaves[i]);
	}
}

static void
hex(const unsigned char h[32], char out[65])
{
	merkle_hex(h, out);
}

/* ---- tests ----------------------------------------------------------- */

static void
empty_tree_is_sha256_of_nothing(void)
{
	struct merkle_tree t;
	unsigned char root[32];
	char text[65];
	struct err e = { 0 };

	merkle_init(&t);
	CU_ASSERT_EQUAL_FATAL(merkle_root(&t, root, &e), 0);
	hex(root, text);
	CU_ASSERT_STRING_EQUAL(text, empty_sha256);
}

static void
leaf_and_node_hashes_have_their_prefixes(void)
{
	unsigned char got[32], want[32], a[32], b[32];
	struct err e = { 0 };

	CU_ASSERT_EQUAL_FATAL(merkle_leaf_hash("abc", 3, got, &e), 0);
	ref_leaf((const unsigned char *)"abc", 3, want);
	CU_ASSERT_EQUAL(memcmp(got, want, 32), 0);
	/* The prefix matters: a leaf is not the plain SHA-256. */
	SHA256((const unsigned char *)"abc", 3, a);
	CU_ASSERT_NOT_EQUAL(memcmp(got, a, 32), 0);

	memset(a, 0x11, 32);
	memset(b, 0x22, 32);
	CU_ASSERT_EQUAL_FATAL(merkle_node_hash(a, b, got, &e), 0);
	ref_node(a, b, want);
	CU_ASSERT_EQUAL(memcmp(got, want, 32), 0);
	CU_ASSERT_EQUAL_FATAL(merkle_node_hash(b, a, want, &e), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(got, want, 32), 0);
}

/* The root of the first n leaves by merkle.c. */
static void
incremental_root(unsigned char (*leaves)[32], size_t n, unsigned char out[32])
{
	struct merkle_tree t;
	struct err e = { 0 };
	size_t i;

	merkle_init(&t);
	for (i = 0; i < n; i++) {
		CU_ASSERT_EQUAL_FATAL(merkle_append(&t, leaves[i], &e), 0);
	}
	CU_ASSERT_EQUAL(t.size, n);
	CU_ASSERT_EQUAL_FATAL(merkle_root(&t, out, &e), 0);
}

static void
trees_of_1_2_3_7_leaves_follow_the_rfc(void)
{
	static const size_t sizes[] = { 1, 2, 3, 7 };
	unsigned char leaves[7][32], got[32], want[32], ab[32], cd[32];
	unsigned char abcd[32], ef[32], efg[32];
	size_t i;

	make_leaves(leaves, 7);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		incremental_root(leaves, sizes[i], got);
		ref_mth(leaves, sizes[i], want);
		CU_ASSERT_EQUAL(memcmp(got, want, 32), 0);
	}
	/* Spelled out by hand from the RFC's split rule. */
	incremental_root(leaves, 1, got);
	CU_ASSERT_EQUAL(memcmp(got, leaves[0], 32), 0);
	ref_node(leaves[0], leaves[1], ab);
	incremental_root(leaves, 2, got);
	CU_ASSERT_EQUAL(memcmp(got, ab, 32), 0);
	ref_node(ab, leaves[2], want);		/* 3 = 2 + 1 */
	incremental_root(leaves, 3, got);
	CU_ASSERT_EQUAL(memcmp(got, want, 32), 0);
	ref_node(leaves[2], leaves[3], cd);	/* 7 = 4 + (2 + 1) */
	ref_node(ab, cd, abcd);
	ref_node(leaves[4], leaves[5], ef);
	ref_node(ef, leaves[6], efg);
	ref_node(abcd, efg, want);
	incremental_root(leaves, 7, got);
	CU_ASSERT_EQUAL(memcmp(got, want, 32), 0);
}

static void
incremental_equals_recursive_up_to_200(void)
{
	static unsigned char leaves[MAX_LEAVES][32];
	struct merkle_tree t;
	unsigned char got[32], want[32];
	struct err e = { 0 };
	size_t n, wrong = 0;

	make_leaves(leaves, MAX_LEAVES);
	merkle_init(&t);
	for (n = 1; n <= MAX_LEAVES; n++) {
		CU_ASSERT_EQUAL_FATAL(merkle_append(&t, leaves[n - 1], &e), 0);
		CU_ASSERT_EQUAL_FATAL(merkle_root(&t, got, &e), 0);
		ref_mth(leaves, n, want);
		wrong += memcmp(got, want, 32) != 0;
	}
	CU_ASSERT_EQUAL(wrong, 0);
}

static void
root_leaves_the_tree_unchanged(void)
{
	unsigned char leaves[5][32], r1[32], r2[32];
	struct merkle_tree t;
	struct err e = { 0 };
	size_t i;

	make_leaves(leaves, 5);
	merkle_init(&t);
	for (i = 0; i < 5; i++) {
		CU_ASSERT_EQUAL_FATAL(merkle_append(&t, leaves[i], &e), 0);
	}
	CU_ASSERT_EQUAL_FATAL(merkle_root(&t, r1, &e), 0);
	CU_ASSERT_EQUAL_FATAL(merkle_root(&t, r2, &e), 0);
	CU_ASSERT_EQUAL(memcmp(r1, r2, 32), 0);
	CU_ASSERT_EQUAL(t.size, 5);
	CU_ASSERT_EQUAL(t.depth, 2);	/* 5 = 4 + 1: two subtrees */
}

static void
restores_a_tree_from_its_frontier(void)
{
	static unsigned char leaves[MAX_LEAVES][32];
	unsigned char bytes[MERKLE_MAX_HEIGHT * 32], got[32], want[32];
	struct merkle_tree t, u;
	struct err e = { 0 };
	size_t n, i, len, wrong = 0;

	make_leaves(leaves, MAX_LEAVES);
	for (n = 0; n < 40; n++) {
		merkle_init(&t);
		for (i = 0; i < n; i++) {
			CU_ASSERT_EQUAL_FATAL(merkle_append(&t, leaves[i], &e),
					      0);
		}
		len = merkle_frontier(&t, bytes);
		CU_ASSERT_EQUAL_FATAL(merkle_restore(&u, n, bytes, len), 0);
		/* The restored tree goes on as the original would. */
		for (i = n; i < 64; i++) {
			CU_ASSERT_EQUAL_FATAL(merkle_append(&u, leaves[i], &e),
					      0);
		}
		CU_ASSERT_EQUAL_FATAL(merkle_root(&u, got, &e), 0);
		ref_mth(leaves, 64, want);
		wrong += memcmp(got, want, 32) != 0;
	}
	CU_ASSERT_EQUAL(wrong, 0);
	/* 5 leaves have two subtrees: 64 bytes, no other length. */
	CU_ASSERT_EQUAL(merkle_restore(&u, 5, bytes, 32), -1);
	CU_ASSERT_EQUAL(merkle_restore(&u, 5, bytes, 96), -1);
}

static void
parses_only_lowercase_hex_of_64_digits(void)
{
	unsigned char h[32], back[32];
	char text[65];

	memset(h, 0xab, 32);
	h[0] = 0x01;
	hex(h, text);
	CU_ASSERT_STRING_EQUAL(text, "01ababababababababababababababab"
				     "abababababababababababababababab");
	CU_ASSERT_EQUAL(merkle_parse_hex(text, back), 0);
	CU_ASSERT_EQUAL(memcmp(h, back, 32), 0);
	text[5] = 'A';
	CU_ASSERT_EQUAL(merkle_parse_hex(text, back), -1);
	CU_ASSERT_EQUAL(merkle_parse_hex("abcd", back), -1);
	CU_ASSERT_EQUAL(merkle_parse_hex(empty_sha256 + 1, back), -1);
	CU_ASSERT_EQUAL(merkle_parse_hex("g3b0c44298fc1c149afbf4c8996fb924"
					 "27ae41e4649b934ca495991b7852b855",
					 back), -1);
}

int
test_merkle_register(void)
{
	CU_pSuite s = CU_add_suite("merkle", NULL, NULL);

	if (s == NULL ||
	    !CU_add_test(s, "the empty tree is the SHA-256 of nothing",
			 empty_tree_is_sha256_of_nothing) ||
	    !CU_add_test(s, "leaf and node hashes carry 0x00 and 0x01",
			 leaf_and_node_hashes_have_their_prefixes) ||
	    !CU_add_test(s, "trees of 1, 2, 3 and 7 leaves follow RFC 9162",
			 trees_of_1_2_3_7_leaves_follow_the_rfc) ||
	    !CU_add_test(s, "the incremental root equals the recursive one "
			 "for 1 to 200 leaves",
			 incremental_equals_recursive_up_to_200) ||
	    !CU_add_test(s, "computing the root leaves the tree unchanged",
			 root_leaves_the_tree_unchanged) ||
	    !CU_add_test(s, "restores a tree from its frontier",
			 restores_a_tree_from_its_frontier) ||
	    !CU_add_test(s, "parses only 64 lowercase hex digits",
			 parses_only_lowercase_hex_of_64_digits)) {
		return -1;
	}
	return 0;
}
