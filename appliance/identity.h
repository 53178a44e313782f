/*
 * identity.h: the holder's identity, as the portal or an officer gives it.
 *
 * Checks every field before anything is generated, and builds the common
 * name.  Input is untrusted: it comes from the portal's assertion, a form
 * or an officer's command line.
 */
#ifndef MYCERT_IDENTITY_H
#define MYCERT_IDENTITY_H

#include <stddef.h>

#include "err.h"

#define IDENTITY_NAME_MAX_CHARS 128	/* given or family name */
#define IDENTITY_LABEL_MAX_CHARS 64	/* profession label */
#define IDENTITY_EMAIL_MAX 254
#define IDENTITY_CN_MAX_CHARS 64	/* X.520 ub-common-name */
#define IDENTITY_CN_BUF (IDENTITY_CN_MAX_CHARS * 4 + 1)

struct identity {
	const char *ehealth_id;		/* 10 digits */
	const char *given_name;		/* UTF-8 */
	const char *family_name;	/* UTF-8 */
	const char *profession_code;	/* e.g. PS-001 */
	const char *profession_label;	/* UTF-8, e.g. Médecin */
	const char *email;		/* verified; ASCII */
};

/* Refuses, naming the field, an identity unfit for a certificate. */
int identity_check(const struct identity *id, struct err *e) MUST_CHECK;

/* Counts the characters of a valid UTF-8 string; -1 when s is not valid
 * UTF-8 or holds a control character or an invisible or bidirectional
 * format character (zero-width space, right-to-left override, ...). */
long identity_utf8_chars(const char *s);

/* Writes "Given Family" into out (IDENTITY_CN_BUF bytes), cut after
 * IDENTITY_CN_MAX_CHARS characters, never inside a UTF-8 sequence, with no
 * trailing space.  The identity must have passed identity_check. */
void identity_common_name(const struct identity *id,
			  char out[IDENTITY_CN_BUF]);

/* Returns 1 for an address mycert accepts: ASCII local@domain. */
int identity_email_valid(const char *email);

#endif
