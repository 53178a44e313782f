/*
 * err.h: the one error convention of mycert.
 *
 * A function that can fail returns 0 on success and -1 on failure, and on
 * failure fills a struct err: a code that callers may branch on and a
 * message fit for the operator (what failed and what to do).  Messages
 * never hold a secret: no PIN, password, code, session id or key.
 * Used by every process: mycertd, mycert-admin, mycert-audit.
 */
#ifndef MYCERT_ERR_H
#define MYCERT_ERR_H

#define MUST_CHECK __attribute__((warn_unused_result))

enum err_code {
	ERR_NONE = 0,
	ERR_INTERNAL,		/* a bug or an allocation failure */
	ERR_USAGE,		/* bad command line */
	ERR_CONFIG,		/* configuration missing or wrong */
	ERR_INPUT,		/* an identity or argument refused */
	ERR_IO,			/* a file could not be read or written */
	ERR_CRYPTO,		/* key generation, encoding, PKCS#12 */
	ERR_TOKEN_MODULE,	/* PKCS#11 module missing or not loadable */
	ERR_TOKEN_NOT_FOUND,	/* no token with that label or URI */
	ERR_TOKEN_PIN_FILE,	/* PIN file unreadable or unsafe */
	ERR_TOKEN_PIN_INCORRECT,
	ERR_TOKEN_PIN_LOCKED,
	ERR_TOKEN_KEY_NOT_FOUND,
	ERR_TOKEN_SIGN,		/* the token refused or failed to sign */
	ERR_STORAGE,		/* the database failed */
	ERR_ACTIVE_EXISTS,	/* the holder already has an active store */
	ERR_NOT_FOUND,		/* no such record (or session) */
	ERR_LIMIT,		/* too many tries, sends or requests */
	ERR_EXPIRED,		/* a code, window or session ran out */
	ERR_WRONG_STEP,		/* not allowed at this step of the flow */
	ERR_UNAVAILABLE,	/* token or database not answering now */
	ERR_MAIL,		/* the mail could not be delivered */
	ERR_CODE_COUNT
};

struct err {
	enum err_code code;
	char msg[512];
};

/* Sets code and message (printf format).  Returns -1, so that callers can
 * write "return err_set(e, ...);". */
int err_set(struct err *e, enum err_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Appends ": <first OpenSSL error>" to the message and clears OpenSSL's
 * error queue.  Returns -1. */
int err_openssl(struct err *e, enum err_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A stable short name for a code, for logs and tests ("token-pin-locked"). */
const char *err_code_name(enum err_code code);

/* The process exit status of a failure with this code (never 0): the
 * table of README, shared by mycert-admin and mycertd, so that a service
 * manager can tell a wrong PIN (13), which restarting would only repeat
 * until the token locks, from a passing fault. */
int err_exit_status(enum err_code code);

#endif
