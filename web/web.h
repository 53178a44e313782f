/*
 * web.h: the HTTPS front of mycertd, on libmicrohttpd.
 *
 * web/ is the only code that includes microhttpd.h.  It serves the
 * professional's pages (routing, sessions by cookie, CSRF and Origin
 * checks, security headers, limits, templates, translations, static
 * files) and calls portal.h for every rule.  All its input is untrusted:
 * the network.  Runs in mycertd on libmicrohttpd's thread pool; nothing
 * here blocks on the token (generation runs on the portal's workers).
 */
#ifndef MYCERT_WEB_H
#define MYCERT_WEB_H

#include <openssl/evp.h>

#include "config.h"
#include "err.h"
#include "portal.h"

struct web;

struct web_params {
	const struct config *cfg;	/* listen, tls_cert, tls_key, limits */
	struct portal *portal;
	EVP_PKEY *dev_portal_key;	/* NULL unless dev_portal = on */
	/* cfg->listen, already bound (listen_bind).  web_start takes it
	 * over: the caller never uses or closes it again, even on failure
	 * (libmicrohttpd may already have closed it then). */
	int listen_fd;
};

/* Serves cfg->listen (p->listen_fd) with TLS 1.2/1.3 only.  Refuses
 * dev_portal on a non-loopback address (ERR_CONFIG). */
int web_start(const struct web_params *p, struct web **out, struct err *e)
	MUST_CHECK;

/* Stops accepting, lets requests in flight finish, then stops. */
void web_stop(struct web *w);

#endif
