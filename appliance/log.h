/*
 * log.h: one line per event on standard error, in a stable key=value
 * shape that a person can grep and a machine can parse:
 *
 *   ts=2026-12-04T15:00:00Z level=info event=request method=GET ...
 *
 * Library-like modules return errors and do not log; the daemon and the
 * web front log.  Values that come from outside (paths, addresses, user
 * agents) go through log_escape, which bounds and escapes them.  Secrets
 * (PIN, password, code, session id, keys) are never logged.  Safe from
 * several threads: each line is written with one write().
 */
#ifndef MYCERT_LOG_H
#define MYCERT_LOG_H

#include <stddef.h>

/* Writes "ts=... level=LEVEL event=EVENT " then the printf-formatted
 * fields, then a newline. */
void log_event(const char *level, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Copies value into buf (n bytes) as a double-quoted string: quotes,
 * backslashes, controls and bytes above 0x7e escaped as \xNN, cut at
 * n - 4 bytes with "..." when longer.  Returns buf. */
const char *log_escape(char *buf, size_t n, const char *value);

#endif
