/*
 * merkle.h: the Merkle tree of the audit log, as RFC 9162 section 2.1
 * defines it (Certificate Transparency v2).
 *
 *   MTH({})      = SHA-256()
 *   leaf hash    = SHA-256(0x00 || data)
 *   MTH(D[n])    = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))
 *                  with k the largest power of two smaller than n
 *
 * struct merkle_tree grows one leaf at a time and keeps only the compact
 * frontier: the roots of the perfect subtrees whose sizes are the bits of
 * the leaf count (at most 64 hashes), so that appending is O(1) amortised
 * and the root at any size costs at most 63 hashes.  Used by mycertd (to
 * sign checkpoints) and mycert-audit (to verify them); handles no
 * untrusted input beyond the bytes it hashes.
 */
#ifndef MYCERT_MERKLE_H
#define MYCERT_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define MERKLE_HASH_SIZE 32
#define MERKLE_HEX_SIZE (2 * MERKLE_HASH_SIZE + 1)	/* with the NUL */
#define MERKLE_MAX_HEIGHT 64

struct merkle_tree {
	uint64_t size;	/* leaves appended */
	/* frontier[i]: the root of a perfect subtree, largest (leftmost)
	 * first; there are as many as bits set in size. */
	unsigned char frontier[MERKLE_MAX_HEIGHT][MERKLE_HASH_SIZE];
	unsigned depth;
};

/* The functions below fail (-1, e filled with ERR_CRYPTO) only when
 * OpenSSL cannot compute a digest, which means it ran out of memory. */

/* SHA-256(0x00 || data). */
int merkle_leaf_hash(const void *data, size_t len,
		     unsigned char out[MERKLE_HASH_SIZE], struct err *e)
	MUST_CHECK;

/* SHA-256(0x01 || left || right). */
int merkle_node_hash(const unsigned char left[MERKLE_HASH_SIZE],
		     const unsigned char right[MERKLE_HASH_SIZE],
		     unsigned char out[MERKLE_HASH_SIZE], struct err *e)
	MUST_CHECK;

/* An empty tree. */
void merkle_init(struct merkle_tree *t);

/* Appends the leaf hash (not the data) as the next leaf. */
int merkle_append(struct merkle_tree *t,
		  const unsigned char leaf[MERKLE_HASH_SIZE], struct err *e)
	MUST_CHECK;

/* The frontier of t as bytes: its hashes, largest subtree first, one
 * for each bit set in t->size (at most MERKLE_MAX_HEIGHT * 32 bytes);
 * returns the length written to out. */
size_t merkle_frontier(const struct merkle_tree *t,
		       unsigned char out[MERKLE_MAX_HEIGHT * MERKLE_HASH_SIZE]);

/* Makes t the tree of size leaves whose frontier is the len bytes at
 * frontier (as merkle_frontier wrote them).  -1 when len does not fit
 * size. */
int merkle_restore(struct merkle_tree *t, uint64_t size,
		   const unsigned char *frontier, size_t len) MUST_CHECK;

/* The root of the tree of t->size leaves (SHA-256 of nothing when
 * empty).  t is unchanged. */
int merkle_root(const struct merkle_tree *t,
		unsigned char out[MERKLE_HASH_SIZE], struct err *e) MUST_CHECK;

/* Lowercase hex of a hash. */
void merkle_hex(const unsigned char h[MERKLE_HASH_SIZE],
		char out[MERKLE_HEX_SIZE]);

/* Parses exactly 64 lowercase hex digits; -1 for anything else. */
int merkle_parse_hex(const char *text, unsigned char out[MERKLE_HASH_SIZE])
	MUST_CHECK;

#endif
