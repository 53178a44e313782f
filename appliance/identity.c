/*
 * identity.c: checking identities and building the common name.
 */
#include "identity.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

/* Length of the UTF-8 sequence starting at s, or 0 when it is invalid
 * (overlong, surrogate, above U+10FFFF, truncated).  *cp gets the code
 * point. */
static size_t
utf8_sequence(const unsigned char *s, uint32_t *cp)
{
	size_t len, i;
	uint32_t min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		len = 2, min = 0x80, *cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, min = 0x800, *cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, min = 0x10000, *cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			return 0;
		}
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff)) {
		return 0;
	}
	return len;
}

static int
is_format_char(uint32_t cp)
{
	return cp == 0xad || cp == 0x61c || cp == 0x180e ||
	       (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff ||
	       (cp >= 0xfff9 && cp <= 0xfffb);
}

long
identity_utf8_chars(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	long chars = 0;

	while (*p != '\0') {
		uint32_t cp;
		size_t len = utf8_sequence(p, &cp);

		/* C0, DEL and C1 controls have no place in a name, nor
		 * invisible or direction-changing format characters, which
		 * would let a name display as another. */
		if (len == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
		    is_format_char(cp)) {
			return -1;
		}
		p += len;
		chars++;
	}
	return chars;
}

static int
check_text(const char *field, const char *value, long max_chars,
	   struct err *e)
{
	long chars;

	if (value == NULL || value[0] == '\0') {
		return err_set(e, ERR_INPUT, "%s is missing", field);
	}
	chars = identity_utf8_chars(value);
	if (chars < 0) {
		return err_set(e, ERR_INPUT, "%s is not valid UTF-8 text or "
			       "holds a control character or an invisible "
			       "format character", field);
	}
	if (chars > max_chars) {
		return err_set(e, ERR_INPUT, "%s is longer than %ld characters",
			       field, max_chars);
	}
	if (value[0] == ' ' || value[strlen(value) - 1] == ' ') {
		return err_set(e, ERR_INPUT, "%s starts or ends with a space",
			       field);
	}
	return 0;
}

static int
check_ehealth_id(const char *id, struct err *e)
{
	size_t i;

	if (id == NULL || strlen(id) != 10) {
		return err_set(e, ERR_INPUT, "the eHealthID must be exactly 10 "
			       "digits");
	}
	for (i = 0; i < 10; i++) {
		if (!isdigit((unsigned char)id[i])) {
			return err_set(e, ERR_INPUT, "the eHealthID must be "
				       "exactly 10 digits");
		}
	}
	return 0;
}

static int
check_profession_code(const char *code, struct err *e)
{
	size_t i, n = code == NULL ? 0 : strlen(code);

	if (n == 0 || n > 16) {
		return err_set(e, ERR_INPUT, "the profession code must be 1 to "
			       "16 letters, digits or hyphens (like PS-001)");
	}
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)code[i]) && code[i] != '-') {
			return err_set(e, ERR_INPUT, "the profession code must "
				       "be letters, digits or hyphens (like "
				       "PS-001)");
		}
	}
	return 0;
}

static int
email_local_char(int c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+/=?^_`{|}~-.", c));
}

static int
email_domain_valid(const char *d)
{
	size_t label = 0, labels = 0;
	const char *p;

	for (p = d; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-') {
				return 0;
			}
			label = 0;
			labels++;
		} else if (isalnum((unsigned char)*p) || *p == '-') {
			if (label == 0 && *p == '-') {
				return 0;
			}
			if (++label > 63) {
				return 0;
			}
		} else {
			return 0;
		}
	}
	return label > 0 && p[-1] != '-' && labels >= 1;
}

int
identity_email_valid(const char *email)
{
	const char *at;
	size_t i, local;

	if (email == NULL || strlen(email) > IDENTITY_EMAIL_MAX) {
		return 0;
	}
	at = strrchr(email, '@');
	if (at == NULL || at == email) {
		return 0;
	}
	local = (size_t)(at - email);
	if (local > 64 || email[0] == '.' || at[-1] == '.') {
		return 0;
	}
	for (i = 0; i < local; i++) {
		if (!email_local_char((unsigned char)email[i]) ||
		    (email[i] == '.' && email[i + 1] == '.')) {
			return 0;
		}
	}
	return email_domain_valid(at + 1);
}

int
identity_check(const struct identity *id, struct err *e)
{
	if (check_ehealth_id(id->ehealth_id, e) != 0 ||
	    check_text("the given name", id->given_name,
		       IDENTITY_NAME_MAX_CHARS, e) != 0 ||
	    check_text("the family name", id->family_name,
		       IDENTITY_NAME_MAX_CHARS, e) != 0 ||
	    check_profession_code(id->profession_code, e) != 0 ||
	    check_text("the profession label", id->profession_label,
		       IDENTITY_LABEL_MAX_CHARS, e) != 0) {
		return -1;
	}
	if (!identity_email_valid(id->email)) {
		return err_set(e, ERR_INPUT, "the email address is not a valid "
			       "address of the form name@example.org (ASCII "
			       "only)");
	}
	return 0;
}

void
identity_common_name(const struct identity *id, char out[IDENTITY_CN_BUF])
{
	const unsigned char *parts[2] = {
		(const unsigned char *)id->given_name,
		(const unsigned char *)id->family_name,
	};
	size_t used = 0, chars = 0, i;

	for (i = 0; i < 2 && chars < IDENTITY_CN_MAX_CHARS; i++) {
		const unsigned char *p = parts[i];

		if (i == 1) {
			out[used++] = ' ';
			chars++;
		}
		while (*p != '\0' && chars < IDENTITY_CN_MAX_CHARS) {
			uint32_t cp;
			size_t len = utf8_sequence(p, &cp);

			if (len == 0) {
				break;	/* identity_check refused this */
			}
			memcpy(out + used, p, len);
			used += len;
			p += len;
			chars++;
		}
	}
	while (used > 0 && out[used - 1] == ' ') {
		used--;
	}
	out[used] = '\0';
}
