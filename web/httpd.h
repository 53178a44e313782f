/*
 * httpd.h: what both libmicrohttpd daemons of mycertd share, the HTTPS
 * front (web.c) and the status listener (status.c): the logger handed to
 * libmicrohttpd and the peer's address for the request log.
 */
#ifndef MYCERT_HTTPD_H
#define MYCERT_HTTPD_H

#include <stdarg.h>
#include <stddef.h>

#include <microhttpd.h>

/* libmicrohttpd's MHD_OPTION_EXTERNAL_LOGGER: one escaped log line per
 * message, event = cls (a string such as "http"), at most a few lines in
 * a window so that a flood of bad connections cannot flood the log. */
void httpd_log(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* "" for a request that completed, else " end=timeout",
 * " end=client-abort" or " end=error", for the request log line. */
const char *httpd_end_note(enum MHD_RequestTerminationCode toe);

/* The numeric address of the connection's peer, or "?". */
void httpd_peer_address(struct MHD_Connection *conn, char *out, size_t n);

#endif
