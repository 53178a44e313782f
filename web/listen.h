/*
 * listen.h: the listening sockets of mycertd, bound before anything else.
 *
 * mycertd binds both listeners (listen, status_listen) first, while it may
 * still hold the right to bind a port below 1024, then gives up its
 * privileges (appliance/privilege.h) and only then opens the token, the
 * database and the TLS key; web.c and status.c hand the bound sockets to
 * libmicrohttpd.  No libmicrohttpd here: plain sockets.
 */
#ifndef MYCERT_LISTEN_H
#define MYCERT_LISTEN_H

#include "err.h"

/* Binds a TCP socket to a numeric "HOST:PORT" or "[HOST6]:PORT" and
 * listens on it (non-blocking, close-on-exec, SO_REUSEADDR, an IPv6 socket
 * IPv6 only).  key names the setting in messages ("listen").  On success
 * *fd is the caller's to close (or to give to libmicrohttpd, which closes
 * it); on error *fd is -1 and e says what to change, from the errno and
 * the port: ERR_CONFIG, or ERR_UNAVAILABLE when another process listens
 * there (passing: the previous mycertd may still be stopping). */
int listen_bind(const char *address, const char *key, int *fd,
		struct err *e) MUST_CHECK;

/* *loopback: whether the numeric address is 127.0.0.0/8 or [::1].  For
 * refusals that must come before binding (dev_portal on a reachable
 * address).  ERR_CONFIG when the address does not parse. */
int listen_is_loopback(const char *address, const char *key, int *loopback,
		       struct err *e) MUST_CHECK;

#endif
