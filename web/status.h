/*
 * status.h: the plain-HTTP status listener of mycertd (CRL, CA
 * certificate, OCSP), on libmicrohttpd.
 *
 * Relying parties fetch revocation status over plain HTTP (TLS would need
 * revocation checking itself), so status_listen gets a second daemon of
 * its own that answers nothing but the URLs written into certificates:
 *
 *   GET  <path of crl_url>          the CRL file of crl_dir (DER)
 *   GET  <path of ca_issuers_url>   the CA certificate file of crl_dir
 *   POST <path of ocsp_url>         an OCSP request (RFC 6960), DER body
 *   GET  <path of ocsp_url>/<b64>   the same, base64 then URL-encoded
 *                                   (RFC 6960 appendix A)
 *
 * HEAD is answered wherever GET is; every other path is 404, a wrong
 * method 405.  Everything it reads from the network is untrusted: the
 * path, the headers and the OCSP request, which goes to ocsp.h and always
 * gets a DER OCSPResponse back (malformedRequest and friends included).
 * Runs in mycertd on libmicrohttpd's thread pool, with one database
 * connection per thread; the files are read fresh when they change
 * (atomic renames by crl.h), never written.
 */
#ifndef MYCERT_STATUS_H
#define MYCERT_STATUS_H

#include "config.h"
#include "err.h"
#include "ocsp.h"

struct status_server;

struct status_params {
	/* status_listen, crl_url, ocsp_url, ca_issuers_url, crl_dir,
	 * database, and the limits of the front (web_threads,
	 * max_connections, max_connections_per_ip,
	 * connection_timeout_seconds), which apply here too. */
	const struct config *cfg;
	/* Answers the OCSP requests; stays the caller's and must outlive
	 * the listener.  Called from several threads at once. */
	struct ocsp_responder *ocsp;
	/* cfg->status_listen, already bound (listen_bind).  status_start
	 * takes it over: the caller never uses or closes it again, even on
	 * failure (libmicrohttpd may already have closed it then). */
	int listen_fd;
};

/* Serves cfg->status_listen (p->listen_fd, plain HTTP).  The CRL need
 * not exist yet (404 until it does).  ERR_CONFIG when an URL has no usable
 * path or two URLs share one. */
int status_start(const struct status_params *p, struct status_server **out,
		 struct err *e) MUST_CHECK;

/* Stops accepting, lets requests in flight finish, then stops and closes
 * the listener's database connections.  NULL is allowed. */
void status_stop(struct status_server *s);

#endif
