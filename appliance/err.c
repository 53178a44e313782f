/*
 * err.c: error messages and codes (see err.h).
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

static const char *const code_names[ERR_CODE_COUNT] = {
	[ERR_NONE] = "none",
	[ERR_INTERNAL] = "internal",
	[ERR_USAGE] = "usage",
	[ERR_CONFIG] = "config",
	[ERR_INPUT] = "input",
	[ERR_IO] = "io",
	[ERR_CRYPTO] = "crypto",
	[ERR_TOKEN_MODULE] = "token-module",
	[ERR_TOKEN_NOT_FOUND] = "token-not-found",
	[ERR_TOKEN_PIN_FILE] = "token-pin-file",
	[ERR_TOKEN_PIN_INCORRECT] = "token-pin-incorrect",
	[ERR_TOKEN_PIN_LOCKED] = "token-pin-locked",
	[ERR_TOKEN_KEY_NOT_FOUND] = "token-key-not-found",
	[ERR_TOKEN_SIGN] = "token-sign",
	[ERR_STORAGE] = "storage",
	[ERR_ACTIVE_EXISTS] = "active-store-exists",
	[ERR_NOT_FOUND] = "not-found",
	[ERR_LIMIT] = "limit",
	[ERR_EXPIRED] = "expired",
	[ERR_WRONG_STEP] = "wrong-step",
	[ERR_UNAVAILABLE] = "unavailable",
	[ERR_MAIL] = "mail",
};

/* The exit status of each error, stable for scripts and service
 * managers (see README): mycert-admin and mycertd share it. */
static const int exit_statuses[ERR_CODE_COUNT] = {
	[ERR_NONE] = 0,
	[ERR_INTERNAL] = 1,
	[ERR_USAGE] = 2,
	[ERR_CONFIG] = 3,
	[ERR_INPUT] = 4,
	[ERR_IO] = 5,
	[ERR_CRYPTO] = 6,
	[ERR_TOKEN_MODULE] = 10,
	[ERR_TOKEN_NOT_FOUND] = 11,
	[ERR_TOKEN_PIN_FILE] = 12,
	[ERR_TOKEN_PIN_INCORRECT] = 13,
	[ERR_TOKEN_PIN_LOCKED] = 14,
	[ERR_TOKEN_KEY_NOT_FOUND] = 15,
	[ERR_TOKEN_SIGN] = 16,
	[ERR_STORAGE] = 20,
	[ERR_ACTIVE_EXISTS] = 21,
	[ERR_NOT_FOUND] = 22,
	[ERR_LIMIT] = 23,
	[ERR_EXPIRED] = 24,
	[ERR_WRONG_STEP] = 25,
	[ERR_UNAVAILABLE] = 26,
	[ERR_MAIL] = 27,
};

int
err_set(struct err *e, enum err_code code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL) {
		return -1;
	}
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int
err_openssl(struct err *e, enum err_code code, const char *fmt, ...)
{
	va_list ap;
	unsigned long ossl = ERR_peek_error();
	char reason[256] = "";
	size_t used;

	if (ossl != 0) {
		ERR_error_string_n(ossl, reason, sizeof(reason));
	}
	ERR_clear_error();
	if (e == NULL) {
		return -1;
	}
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	used = strlen(e->msg);
	if (reason[0] != '\0' && used < sizeof(e->msg)) {
		snprintf(e->msg + used, sizeof(e->msg) - used, " (%s)", reason);
	}
	return -1;
}

const char *
err_code_name(enum err_code code)
{
	if (code < 0 || code >= ERR_CODE_COUNT || code_names[code] == NULL) {
		return "unknown";
	}
	return code_names[code];
}

int
err_exit_status(enum err_code code)
{
	if (code <= ERR_NONE || code >= ERR_CODE_COUNT ||
	    exit_statuses[code] == 0) {
		return 1;
	}
	return exit_statuses[code];
}
