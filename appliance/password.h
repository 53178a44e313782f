/*
 * password.h: the generated password of a store.
 *
 * PASSWORD_CHARS characters drawn uniformly by OpenSSL's CSPRNG from an
 * alphabet of ASCII letters and digits without look-alikes (0 O o 1 l I i)
 * and without the letters that move between QWERTY, QWERTZ and AZERTY
 * keyboards (a q w z y m): 43 symbols, about 5.43 bits each, 108 bits in
 * all.  Java and every importer accept it; nothing in it needs a shift
 * lock or a symbol key.  Runs in mycertd and mycert-admin.
 */
#ifndef MYCERT_PASSWORD_H
#define MYCERT_PASSWORD_H

#include "err.h"

#define PASSWORD_CHARS 20
#define PASSWORD_BUF (PASSWORD_CHARS + 1)
#define PASSWORD_ALPHABET \
	"23456789bcdefghjknprstuvxBCDEFGHJKLNPRSTUVX"

/* Fills out with a new NUL-terminated password.  The caller wipes it with
 * secret_wipe when done. */
int password_new(char out[PASSWORD_BUF], struct err *e) MUST_CHECK;

/* Bits of entropy of one password (for documentation and tests). */
double password_bits(void);

#endif
