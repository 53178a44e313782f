/*
 * password.c: generated passwords (see password.h).
 */
#include "password.h"

#include <math.h>
#include <string.h>

#include <openssl/rand.h>

#include "secret.h"

int
password_new(char out[PASSWORD_BUF], struct err *e)
{
	const size_t n = sizeof(PASSWORD_ALPHABET) - 1;
	/* Largest multiple of n below 256: bytes above it are redrawn, so
	 * that every symbol is equally likely. */
	const unsigned limit = 256 - 256 % n;
	unsigned char pool[64];
	size_t filled = 0, i = sizeof(pool);

	while (filled < PASSWORD_CHARS) {
		if (i == sizeof(pool)) {
			if (RAND_bytes(pool, sizeof(pool)) != 1) {
				secret_wipe(out, PASSWORD_BUF);
				secret_wipe(pool, sizeof(pool));
				return err_set(e, ERR_CRYPTO, "the random "
					       "generator failed");
			}
			i = 0;
		}
		if (pool[i] < limit) {
			out[filled++] = PASSWORD_ALPHABET[pool[i] % n];
		}
		i++;
	}
	out[filled] = '\0';
	secret_wipe(pool, sizeof(pool));
	return 0;
}

double
password_bits(void)
{
	return PASSWORD_CHARS * log2((double)(sizeof(PASSWORD_ALPHABET) - 1));
}
