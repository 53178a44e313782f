/*
 * httpd.h: what both libmicrohttpd daemons of mycertd share, the HTTPS
 * front (web.c) and the status listener (status.c): the logger handed to
 * libmicrohttpd, the peer's address for the request log, and the guard
 * that cuts slow clients.
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

/*
 * The slow-client guard.  libmicrohttpd's MHD_OPTION_CONNECTION_TIMEOUT
 * counts idle time only: a client that sends one byte every few seconds
 * (slowloris) holds its connection, and a slot of the per-address and
 * total limits, forever.  The guard gives each connection `seconds` from
 * its opening, or from the end of its previous request, to deliver one
 * whole request (TLS handshake, request line, headers and body); past
 * that, its thread shuts the socket down and libmicrohttpd closes the
 * connection as broken.  The time an answer takes to compute or to send
 * does not count.  Cuts are logged as event=slow_clients_cut with the
 * count and one peer address, at most four lines a second.
 *
 * Use: httpd_guard_new before MHD_start_daemon, httpd_guard_notify as
 * its MHD_OPTION_NOTIFY_CONNECTION (cls: the guard), then for each
 * request httpd_guard_request_whole when its last byte is in and
 * httpd_guard_request_ended from MHD_OPTION_NOTIFY_COMPLETED;
 * httpd_guard_free after MHD_stop_daemon.
 */
struct httpd_guard;

/* Starts the guard's thread; event names its log lines.  Returns -1
 * (out of memory, or no thread) with nothing to free. */
int httpd_guard_new(unsigned seconds, const char *event,
		    struct httpd_guard **out)
	__attribute__((warn_unused_result));

/* Stops the thread and frees the guard (NULL is fine). */
void httpd_guard_free(struct httpd_guard *g);

/* MHD_NotifyConnectionCallback: tracks the connection from its opening
 * to its closing (the socket is still open when CLOSED comes). */
void httpd_guard_notify(void *cls, struct MHD_Connection *conn,
			void **socket_context,
			enum MHD_ConnectionNotificationCode code);

/* The current request of conn is whole: its deadline stops. */
void httpd_guard_request_whole(struct MHD_Connection *conn);

/* The request of conn ended: the next one's deadline starts now. */
void httpd_guard_request_ended(struct MHD_Connection *conn);

#endif
