/*
 * log.c: structured log lines (see log.h).
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048

void
log_event(const char *level, const char *event, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	struct timespec ts;
	struct tm tm;
	size_t used;
	va_list ap;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(line, sizeof(line), "ts=%04d-%02d-%02dT%02d:%02d:%02d."
		     "%03ldZ level=%s event=%s ", tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		     tm.tm_sec, ts.tv_nsec / 1000000, level, event);
	used = n > 0 ? (size_t)n : 0;
	if (used < sizeof(line)) {
		va_start(ap, fmt);
		vsnprintf(line + used, sizeof(line) - used, fmt, ap);
		va_end(ap);
	}
	used = strlen(line);
	if (used > sizeof(line) - 2) {
		used = sizeof(line) - 2;
	}
	line[used++] = '\n';
	(void)!write(STDERR_FILENO, line, used);
}

const char *
log_escape(char *buf, size_t n, const char *value)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)
		(value != NULL ? value : "");

	if (n < 8) {
		if (n > 0) {
			buf[0] = '\0';
		}
		return buf;
	}
	buf[o++] = '"';
	for (; *p != '\0'; p++) {
		int plain = *p >= 0x20 && *p <= 0x7e && *p != '"' &&
			    *p != '\\';

		if (o + (plain ? 1 : 4) > n - 5) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (plain) {
			buf[o++] = (char)*p;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[*p >> 4];
			buf[o++] = hex[*p & 0x0f];
		}
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}
