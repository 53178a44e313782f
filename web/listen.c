/*
 * listen.c: binding the listeners of mycertd (see listen.h).  Runs in
 * mycertd at start, possibly as root: it reads only the configured
 * address, never the network.
 */
#include "listen.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LISTEN_BACKLOG 128

/* Splits "HOST:PORT" or "[HOST6]:PORT" and resolves it, numerically. */
static int
resolve(const char *address, const char *key, struct addrinfo **ai,
	struct err *e)
{
	struct addrinfo hints = { 0 };
	char host[64];
	const char *colon, *h = address, *port;
	size_t hlen;

	*ai = NULL;
	if (address == NULL || (colon = strrchr(address, ':')) == NULL) {
		goto bad;
	}
	port = colon + 1;
	hlen = (size_t)(colon - address);
	if (hlen >= 2 && address[0] == '[' && address[hlen - 1] == ']') {
		h = address + 1;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host) || *port == '\0' ||
	    strlen(port) > 5 || strspn(port, "0123456789") != strlen(port)) {
		goto bad;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, ai) == 0 && *ai != NULL) {
		return 0;
	}
	*ai = NULL;
bad:
	return err_set(e, ERR_CONFIG, "%s = %s: expected a numeric address "
		       "and port, e.g. 127.0.0.1:8443 or [::1]:8443", key,
		       address != NULL ? address : "(unset)");
}

static int
set_options(int fd, int family)
{
	int on = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0) {
		return -1;
	}
	/* As libmicrohttpd does for its own IPv6 sockets: [::] is IPv6
	 * only, so that IPv4 is served only where listen says so. */
	if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
					     &on, sizeof(on)) != 0) {
		return -1;
	}
	return 0;
}

/* What to do about a failed bind or listen, from its errno and the port. */
static int
bind_failed(const char *key, const char *address, const struct addrinfo *ai,
	    int error, struct err *e)
{
	unsigned port = ai->ai_family == AF_INET6 ?
		ntohs(((const struct sockaddr_in6 *)ai->ai_addr)->sin6_port) :
		ntohs(((const struct sockaddr_in *)ai->ai_addr)->sin_port);

	switch (error) {
	case EADDRNOTAVAIL:
		return err_set(e, ERR_CONFIG, "cannot listen on %s = %s: %s; "
			       "that address is not one of this machine's "
			       "(ip address lists them): choose one of them",
			       key, address, strerror(error));
	case EADDRINUSE:
		/* Passing when it is the previous mycertd still stopping:
		 * ERR_UNAVAILABLE, which the systemd unit restarts on. */
		return err_set(e, ERR_UNAVAILABLE, "cannot listen on %s = %s: "
			       "%s; another process listens there (ss -ltnp "
			       "names it): stop it or choose another port",
			       key, address, strerror(error));
	case EACCES:
		if (port < 1024) {
			return err_set(e, ERR_CONFIG, "cannot listen on %s = "
				       "%s: %s; port %u is below 1024: start "
				       "mycertd as root or with "
				       "CAP_NET_BIND_SERVICE (the systemd unit "
				       "grants it), or choose a port above "
				       "1023", key, address, strerror(error),
				       port);
		}
		break;
	default:
		break;
	}
	return err_set(e, ERR_CONFIG, "cannot listen on %s = %s: %s; check "
		       "the address and port", key, address, strerror(error));
}

int
listen_is_loopback(const char *address, const char *key, int *loopback,
		   struct err *e)
{
	struct addrinfo *ai = NULL;

	*loopback = 0;
	if (resolve(address, key, &ai, e) != 0) {
		return -1;
	}
	if (ai->ai_family == AF_INET6) {
		*loopback = IN6_IS_ADDR_LOOPBACK(
			&((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr);
	} else {
		*loopback = (ntohl(((const struct sockaddr_in *)ai->ai_addr)
				   ->sin_addr.s_addr) >> 24) == 127;
	}
	freeaddrinfo(ai);
	return 0;
}

int
listen_bind(const char *address, const char *key, int *fd, struct err *e)
{
	struct addrinfo *ai = NULL;
	int s = -1;

	*fd = -1;
	if (resolve(address, key, &ai, e) != 0) {
		return -1;
	}
	s = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		   0);
	if (s < 0 || set_options(s, ai->ai_family) != 0 ||
	    bind(s, ai->ai_addr, ai->ai_addrlen) != 0 ||
	    listen(s, LISTEN_BACKLOG) != 0) {
		int error = errno;

		bind_failed(key, address, ai, error, e);
		if (s >= 0) {
			close(s);
		}
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	*fd = s;
	return 0;
}
