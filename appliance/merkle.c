/*
 * merkle.c: RFC 9162 Merkle tree hashing (see merkle.h).
 *
 * Why the frontier gives the RFC's root: write n as a sum of distinct
 * powers of two, largest first, 2^a + 2^b + ...  The RFC splits D[n] at
 * k = 2^a (the largest power of two below n) when n is not itself a power
 * of two, so MTH(D[n]) = node(MTH(first 2^a leaves), MTH(the rest)), and
 * the rest splits the same way.  The root is therefore the frontier folded
 * from the right: node(f[0], node(f[1], ... node(f[d-2], f[d-1]))).
 */
#include "merkle.h"

#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>

/* SHA-256 fetched once: OpenSSL 3 otherwise looks it up at each digest,
 * which doubles the cost of a tree (kept for the process's life). */
static EVP_MD *sha256;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void
fetch_sha256(void)
{
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static int
digest(const unsigned char prefix, const void *a, size_t alen, const void *b,
       size_t blen, unsigned char out[MERKLE_HASH_SIZE], struct err *e)
{
	EVP_MD_CTX *ctx = NULL;
	unsigned int n = 0;
	int ok;

	pthread_once(&sha256_once, fetch_sha256);
	ctx = sha256 != NULL ? EVP_MD_CTX_new() : NULL;
	ok = ctx != NULL && EVP_DigestInit_ex(ctx, sha256, NULL) &&
	     EVP_DigestUpdate(ctx, &prefix, 1) &&
	     (alen == 0 || EVP_DigestUpdate(ctx, a, alen)) &&
	     (blen == 0 || EVP_DigestUpdate(ctx, b, blen)) &&
	     EVP_DigestFinal_ex(ctx, out, &n) && n == MERKLE_HASH_SIZE;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		return err_openssl(e, ERR_CRYPTO, "cannot compute SHA-256");
	}
	return 0;
}

int
merkle_leaf_hash(const void *data, size_t len,
		 unsigned char out[MERKLE_HASH_SIZE], struct err *e)
{
	return digest(0x00, data, len, NULL, 0, out, e);
}

int
merkle_node_hash(const unsigned char left[MERKLE_HASH_SIZE],
		 const unsigned char right[MERKLE_HASH_SIZE],
		 unsigned char out[MERKLE_HASH_SIZE], struct err *e)
{
	return digest(0x01, left, MERKLE_HASH_SIZE, right, MERKLE_HASH_SIZE,
		      out, e);
}

void
merkle_init(struct merkle_tree *t)
{
	memset(t, 0, sizeof(*t));
}

int
merkle_append(struct merkle_tree *t, const unsigned char leaf[MERKLE_HASH_SIZE],
	      struct err *e)
{
	unsigned char h[MERKLE_HASH_SIZE];
	uint64_t n = t->size;

	if (n == UINT64_MAX) {
		return err_set(e, ERR_INTERNAL, "the Merkle tree is full");
	}
	memcpy(h, leaf, MERKLE_HASH_SIZE);
	/* Like adding one to a binary counter: each trailing one bit of
	 * the size is a perfect subtree of the same height as h, which
	 * merges with it. */
	while (n & 1) {
		t->depth--;
		if (merkle_node_hash(t->frontier[t->depth], h, h, e) != 0) {
			return -1;
		}
		n >>= 1;
	}
	memcpy(t->frontier[t->depth++], h, MERKLE_HASH_SIZE);
	t->size++;
	return 0;
}

size_t
merkle_frontier(const struct merkle_tree *t,
		unsigned char out[MERKLE_MAX_HEIGHT * MERKLE_HASH_SIZE])
{
	memcpy(out, t->frontier, (size_t)t->depth * MERKLE_HASH_SIZE);
	return (size_t)t->depth * MERKLE_HASH_SIZE;
}

int
merkle_restore(struct merkle_tree *t, uint64_t size,
	       const unsigned char *frontier, size_t len)
{
	unsigned bits = 0;
	uint64_t n;

	for (n = size; n != 0; n >>= 1) {
		bits += (unsigned)(n & 1);
	}
	merkle_init(t);
	if (len != (size_t)bits * MERKLE_HASH_SIZE) {
		return -1;
	}
	memcpy(t->frontier, frontier, len);
	t->depth = bits;
	t->size = size;
	return 0;
}

int
merkle_root(const struct merkle_tree *t, unsigned char out[MERKLE_HASH_SIZE],
	    struct err *e)
{
	unsigned char h[MERKLE_HASH_SIZE];
	unsigned int n = 0;
	unsigned i;

	if (t->depth == 0) {
		/* RFC 9162: the hash of an empty list is SHA-256 of nothing
		 * (no prefix byte). */
		if (!EVP_Digest("", 0, out, &n, EVP_sha256(), NULL) ||
		    n != MERKLE_HASH_SIZE) {
			return err_openssl(e, ERR_CRYPTO, "cannot compute "
					   "SHA-256");
		}
		return 0;
	}
	memcpy(h, t->frontier[t->depth - 1], MERKLE_HASH_SIZE);
	for (i = t->depth - 1; i > 0; i--) {
		if (merkle_node_hash(t->frontier[i - 1], h, h, e) != 0) {
			return -1;
		}
	}
	memcpy(out, h, MERKLE_HASH_SIZE);
	return 0;
}

void
merkle_hex(const unsigned char h[MERKLE_HASH_SIZE], char out[MERKLE_HEX_SIZE])
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < MERKLE_HASH_SIZE; i++) {
		out[2 * i] = digits[h[i] >> 4];
		out[2 * i + 1] = digits[h[i] & 15];
	}
	out[2 * MERKLE_HASH_SIZE] = '\0';
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	return -1;
}

int
merkle_parse_hex(const char *text, unsigned char out[MERKLE_HASH_SIZE])
{
	size_t i;
	int hi, lo;

	if (strlen(text) != 2 * MERKLE_HASH_SIZE) {
		return -1;
	}
	for (i = 0; i < MERKLE_HASH_SIZE; i++) {
		hi = hex_digit(text[2 * i]);
		lo = hex_digit(text[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			return -1;
		}
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}
