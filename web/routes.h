/*
 * routes.h: what the front answers to each request, without HTTP
 * plumbing.
 *
 * web.c turns each libmicrohttpd request into a routes_request and sends
 * back the routes_reply; everything between is here: the routing table,
 * the session cookie, the language, the Origin and CSRF checks, the step
 * rules (a page of another step redirects to the current one), the calls
 * to portal.h and the mapping of their errors to pages.  A refused
 * request changes nothing.  Input is untrusted network data; runs in
 * mycertd's request threads (a struct routes is shared, read-only).
 */
#ifndef MYCERT_ROUTES_H
#define MYCERT_ROUTES_H

#include <stddef.h>

#include <openssl/evp.h>

#include "config.h"
#include "err.h"
#include "portal.h"

#define ROUTES_COOKIE "__Host-mycert"
#define ROUTES_LANG_COOKIE "lang"

struct routes_request {
	const char *method;		/* as sent: "GET", "POST", ... */
	const char *path;		/* raw, without the query */
	const char *query;		/* raw, without '?'; "" when none */
	const char *body;		/* POST body, urlencoded */
	size_t body_len;
	const char *cookie;		/* headers; NULL when absent */
	const char *accept_language;
	const char *origin;
	const char *if_none_match;
	const char *ip;			/* the peer, as text */
};

struct routes_reply {
	unsigned status;
	const char *content_type;
	unsigned char *body;		/* malloc'd; routes_reply_free wipes */
	size_t body_len;
	const unsigned char *static_body; /* a static file: not freed */
	int cacheable;			/* static file: cache for a year */
	const char *etag;
	char location[320];
	char set_cookie[256];
	const char *allow;
	char disposition[96];
	const char *error;		/* short name for the request log */
	/* Called exactly once when the reply's fate is known (then cleared):
	 * sent is 1 when its whole body was written to the connection.  A
	 * one-time resource is consumed there, never when the reply is
	 * built.  web.c calls it at the request's end; routes_reply_free
	 * calls it with 0 for a reply never queued. */
	void (*on_done)(void *done_cls, int sent);
	void *done_cls;
};

struct routes;

/* Keeps cfg, portal and dev_portal_key (NULL unless dev_portal is on);
 * they must outlive the routes.  Works out the origin that POSTs must
 * come from (appliance_id, else https://listen). */
int routes_new(const struct config *cfg, struct portal *portal,
	       EVP_PKEY *dev_portal_key, struct routes **out, struct err *e)
	MUST_CHECK;

void routes_free(struct routes *r);

/* Answers rq into out (always filled: an error page at worst). */
void routes_handle(const struct routes *r, const struct routes_request *rq,
		   struct routes_reply *out);

/* Answers rq with the error page of status (413, 415, 400 ...) in the
 * request's language, for refusals made before routing (web.c). */
void routes_error(const struct routes *r, const struct routes_request *rq,
		  unsigned status, struct routes_reply *out);

/* Wipes and frees the reply's body; a reply still holding on_done was
 * never sent: on_done(done_cls, 0). */
void routes_reply_free(struct routes_reply *out);

#endif
