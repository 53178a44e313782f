/*
 * web.c: the libmicrohttpd daemon of the front (see web.h).
 *
 * With status.c and httpd.c, the only files that include microhttpd.h
 * (the routes and pages know nothing of it).  It binds the configured
 * address with TLS 1.2/1.3 only, sets every limit that libmicrohttpd
 * leaves open by default (connection time, connections in all and per
 * address, header memory), cuts clients too slow to send a request
 * (httpd.h's guard: libmicrohttpd's timeout counts idle time only),
 * accepts only urlencoded POST bodies up to
 * max_body_bytes, hands each request to routes.c, sends the reply with
 * the security headers, and logs one line per request: method, path
 * without query, status, duration and peer address, never a cookie, a
 * query or a body.  Runs in mycertd, on libmicrohttpd's thread pool.
 */
#include "web.h"
#include "httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "form.h"
#include "log.h"
#include "routes.h"
#include "secret.h"

/* SECURE256 alone would put P-384 first: every TLS 1.3 client offering
 * X25519 would get a HelloRetryRequest and a key exchange ~20 times
 * slower (make bench saw 7-14 times fewer new connections per second than
 * nginx).  The group order below keeps the suites and fixes that.
 * SECURE128 also brings TLS 1.2 suites that testssl rates obsolete:
 * CBC with HMAC-SHA1 (Lucky13; offered with this very certificate) and,
 * with an RSA certificate, RSA key transport (no forward secrecy, ROBOT).
 * Only AEAD suites over ECDHE remain; every TLS 1.2 client of the last
 * ten years has them. */
#define TLS_PRIORITIES \
	"SECURE256:+SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:" \
	"-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:-MAC-ALL:+AEAD:" \
	"-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:" \
	"%SERVER_PRECEDENCE"
#define TLS_FILE_MAX (64 * 1024)
#define CONNECTION_MEMORY (32 * 1024)	/* bounds the request headers */
#define URI_MAX 4096
#define STOP_WAIT_MS 10000		/* for requests in flight */

#define CSP "default-src 'none'; script-src 'self'; style-src 'self'; " \
	"img-src 'self'; form-action 'self'; frame-ancestors 'none'; " \
	"base-uri 'none'"

static const char *const security_headers[][2] = {
	{ "Strict-Transport-Security", "max-age=63072000; includeSubDomains" },
	{ "Content-Security-Policy", CSP },
	{ "X-Content-Type-Options", "nosniff" },
	/* Not no-referrer: with it, browsers send "Origin: null" on our
	 * own form posts, which the Origin check refuses. */
	{ "Referrer-Policy", "same-origin" },
	{ "X-Frame-Options", "DENY" },
	{ "Cross-Origin-Opener-Policy", "same-origin" },
	{ "Cross-Origin-Resource-Policy", "same-origin" },
	{ "Permissions-Policy", "camera=(), microphone=(), geolocation=()" },
};

#define SECURITY_HEADERS (sizeof(security_headers) / \
			  sizeof(security_headers[0]))

struct web {
	struct MHD_Daemon *daemon;
	struct routes *routes;
	struct httpd_guard *guard;	/* cuts slow clients */
	char *tls_key;			/* PEM, wiped at stop */
	size_t tls_key_len;
	char *tls_cert;
	unsigned max_body;
	atomic_int in_flight;		/* requests begun, not yet done */
	union {
		struct sockaddr sa;
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} addr;
};

/* One request, from its URI to its completion. */
struct request {
	struct web *w;
	struct timespec start;
	char *uri;			/* raw, query included */
	char method[16];
	char ip[INET6_ADDRSTRLEN];
	int started;			/* the handler was called once */
	int is_post;
	int replied;
	unsigned status;
	const char *error;
	char *body;
	size_t body_len;
	int too_large;
	void (*on_done)(void *, int);	/* the reply's, see routes.h */
	void *done_cls;
};

/* A reply body handed to libmicrohttpd: wiped when it is done with it. */
struct owned {
	void *data;
	size_t len;
};

/* ---- configuration checks ------------------------------------------------ */

/* Parses "127.0.0.1:8443" or "[::1]:8443" into w->addr. */
static int
parse_listen(const char *listen, struct web *w, int *ipv6, struct err *e)
{
	char host[64];
	const char *colon, *h = listen;
	size_t hlen;
	char *end;
	long port;

	if (listen == NULL) {
		return err_set(e, ERR_CONFIG, "listen is not set");
	}
	colon = strrchr(listen, ':');
	if (colon == NULL) {
		goto bad;
	}
	hlen = (size_t)(colon - listen);
	if (hlen >= 2 && listen[0] == '[' && listen[hlen - 1] == ']') {
		h = listen + 1;
		hlen -= 2;
		*ipv6 = 1;
	} else {
		*ipv6 = 0;
	}
	if (hlen == 0 || hlen >= sizeof(host)) {
		goto bad;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || port < 1 || port > 65535 ||
	    colon[1] == '\0') {
		goto bad;
	}
	memset(&w->addr, 0, sizeof(w->addr));
	if (*ipv6) {
		w->addr.v6.sin6_family = AF_INET6;
		w->addr.v6.sin6_port = htons((unsigned short)port);
		if (inet_pton(AF_INET6, host, &w->addr.v6.sin6_addr) != 1) {
			goto bad;
		}
	} else {
		w->addr.v4.sin_family = AF_INET;
		w->addr.v4.sin_port = htons((unsigned short)port);
		if (inet_pton(AF_INET, host, &w->addr.v4.sin_addr) != 1) {
			goto bad;
		}
	}
	return 0;
bad:
	return err_set(e, ERR_CONFIG, "listen = %s: expected a numeric "
		       "address and port, e.g. 127.0.0.1:8443 or [::1]:8443",
		       listen);
}

static int
is_loopback(const struct web *w, int ipv6)
{
	if (ipv6) {
		return IN6_IS_ADDR_LOOPBACK(&w->addr.v6.sin6_addr);
	}
	return (ntohl(w->addr.v4.sin_addr.s_addr) >> 24) == 127;
}

/* Reads a PEM file into a new NUL-terminated buffer.  secret: the file
 * must not be open to group or others. */
static int
read_pem(const char *path, const char *what, int secret, char **out,
	 size_t *len, struct err *e)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd;

	*out = NULL;
	if (path == NULL) {
		return err_set(e, ERR_CONFIG, "%s is not set", what);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return err_set(e, ERR_CONFIG, "cannot open %s %s: %s", what,
			       path, strerror(errno));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size > TLS_FILE_MAX) {
		close(fd);
		return err_set(e, ERR_CONFIG, "%s %s is not a regular file of "
			       "at most %d bytes", what, path, TLS_FILE_MAX);
	}
	if (secret && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		close(fd);
		/* ERR_IO as every file open to others (exit 5). */
		return err_set(e, ERR_IO, "%s %s is open to group or "
			       "others (mode %03o); run: chmod 600 %s", what,
			       path, (unsigned)(st.st_mode & 0777), path);
	}
	buf = malloc((size_t)st.st_size + 1);
	while (buf != NULL && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n <= 0) {
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	if (buf == NULL || got != (size_t)st.st_size) {
		if (buf != NULL) {
			secret_wipe(buf, (size_t)st.st_size + 1);
		}
		free(buf);
		return err_set(e, ERR_CONFIG, "cannot read %s %s", what, path);
	}
	buf[got] = '\0';
	*out = buf;
	*len = got + 1;
	return 0;
}

/* ---- requests ------------------------------------------------------------ */

static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct web *w = cls;
	struct request *rq = calloc(1, sizeof(*rq));

	if (rq == NULL) {
		return NULL;
	}
	rq->w = w;
	clock_gettime(CLOCK_MONOTONIC, &rq->start);
	rq->uri = strndup(uri != NULL ? uri : "", URI_MAX);
	httpd_peer_address(conn, rq->ip, sizeof(rq->ip));
	atomic_fetch_add(&w->in_flight, 1);
	return rq;
}

static void
log_request(const struct request *rq, enum MHD_RequestTerminationCode toe)
{
	char method[40], path[300], ip[80];
	struct timespec now;
	long ms;
	size_t plen;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long)(now.tv_sec - rq->start.tv_sec) * 1000 +
	     (now.tv_nsec - rq->start.tv_nsec) / 1000000;
	plen = rq->uri != NULL ? strcspn(rq->uri, "?") : 0;
	if (rq->uri != NULL) {
		char *raw = strndup(rq->uri, plen);

		log_escape(path, sizeof(path), raw != NULL ? raw : "");
		free(raw);
	} else {
		log_escape(path, sizeof(path), "");
	}
	log_event(toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "info" : "warn",
		  "request", "method=%s path=%s status=%u ms=%ld ip=%s%s%s%s",
		  log_escape(method, sizeof(method),
			     rq->method[0] != '\0' ? rq->method : "-"), path,
		  rq->status, ms, log_escape(ip, sizeof(ip), rq->ip),
		  rq->error != NULL ? " error=" : "",
		  rq->error != NULL ? rq->error : "",
		  httpd_end_note(toe));
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
	     enum MHD_RequestTerminationCode toe)
{
	struct web *w = cls;
	struct request *rq = *con_cls;

	httpd_guard_request_ended(conn);
	if (rq == NULL) {
		return;
	}
	log_request(rq, toe);
	if (rq->on_done != NULL) {
		/* COMPLETED_OK means libmicrohttpd wrote the whole reply to
		 * the socket (TLS records included), not that the client
		 * read it: a small body sits in the kernel's send buffer at
		 * once, so a client that hangs up after the headers still
		 * ends here with COMPLETED_OK.  Anything else (timeout,
		 * error, client abort, shutdown) means the body surely did
		 * not all go out. */
		rq->on_done(rq->done_cls,
			    toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
		rq->on_done = NULL;
	}
	if (rq->body != NULL) {
		secret_wipe(rq->body, rq->body_len);
		free(rq->body);
	}
	free(rq->uri);
	free(rq);
	*con_cls = NULL;
	atomic_fetch_sub(&w->in_flight, 1);
}

static void
free_owned(void *cls)
{
	struct owned *o = cls;

	secret_wipe(o->data, o->len);
	free(o->data);
	free(o);
}

static struct MHD_Response *
make_response(struct routes_reply *reply)
{
	struct MHD_Response *resp;
	struct owned *o;

	if (reply->static_body != NULL) {
		return MHD_create_response_from_buffer(
			reply->body_len, (void *)reply->static_body,
			MHD_RESPMEM_PERSISTENT);
	}
	if (reply->body == NULL) {
		return MHD_create_response_from_buffer(0, (void *)"",
						       MHD_RESPMEM_PERSISTENT);
	}
	o = malloc(sizeof(*o));
	if (o == NULL) {
		return NULL;
	}
	o->data = reply->body;
	o->len = reply->body_len;
	resp = MHD_create_response_from_buffer_with_free_callback_cls(
		reply->body_len, reply->body, free_owned, o);
	if (resp == NULL) {
		free(o);
		return NULL;
	}
	reply->body = NULL;	/* libmicrohttpd owns it now */
	return resp;
}

static int
add_headers(struct MHD_Response *resp, const struct routes_reply *reply)
{
	size_t i;
	int ok = 1;

	for (i = 0; i < SECURITY_HEADERS; i++) {
		ok &= MHD_add_response_header(resp, security_headers[i][0],
					      security_headers[i][1]) ==
		      MHD_YES;
	}
	ok &= MHD_add_response_header(resp, "Cache-Control", reply->cacheable ?
				      "public, max-age=31536000, immutable" :
				      "no-store") == MHD_YES;
	if (reply->content_type != NULL) {
		ok &= MHD_add_response_header(resp, "Content-Type",
					      reply->content_type) == MHD_YES;
	}
	if (reply->etag != NULL) {
		ok &= MHD_add_response_header(resp, "ETag", reply->etag) ==
		      MHD_YES;
	}
	if (reply->location[0] != '\0') {
		ok &= MHD_add_response_header(resp, "Location",
					      reply->location) == MHD_YES;
	}
	if (reply->set_cookie[0] != '\0') {
		ok &= MHD_add_response_header(resp, "Set-Cookie",
					      reply->set_cookie) == MHD_YES;
	}
	if (reply->allow != NULL) {
		ok &= MHD_add_response_header(resp, "Allow", reply->allow) ==
		      MHD_YES;
	}
	if (reply->disposition[0] != '\0') {
		ok &= MHD_add_response_header(resp, "Content-Disposition",
					      reply->disposition) == MHD_YES;
	}
	return ok ? 0 : -1;
}

static const char *
header(struct MHD_Connection *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

static void
fill_request(struct MHD_Connection *conn, struct request *rq,
	     struct routes_request *out, char *path, size_t path_size)
{
	const char *uri = rq->uri != NULL ? rq->uri : "";
	size_t plen = strcspn(uri, "?");

	if (plen >= path_size) {
		plen = path_size - 1;	/* too long: routes answers 404 */
	}
	memcpy(path, uri, plen);
	path[plen] = '\0';
	memset(out, 0, sizeof(*out));
	out->method = rq->method;
	out->path = path;
	out->query = uri[strcspn(uri, "?")] == '?' ?
		     uri + strcspn(uri, "?") + 1 : "";
	out->body = rq->body;
	out->body_len = rq->body_len;
	out->cookie = header(conn, "Cookie");
	out->accept_language = header(conn, "Accept-Language");
	out->origin = header(conn, "Origin");
	out->if_none_match = header(conn, "If-None-Match");
	out->ip = rq->ip;
}

/* Sends the reply of routes (status 0: route the request) or the error
 * page of status. */
static enum MHD_Result
answer(struct MHD_Connection *conn, struct request *rq, unsigned status)
{
	struct routes_request req;
	struct routes_reply reply;
	struct MHD_Response *resp;
	enum MHD_Result rc;
	char path[URI_MAX + 1];

	/* The client has said all it will: from here the time is ours. */
	httpd_guard_request_whole(conn);
	fill_request(conn, rq, &req, path, sizeof(path));
	if (status == 0) {
		routes_handle(rq->w->routes, &req, &reply);
	} else {
		routes_error(rq->w->routes, &req, status, &reply);
	}
	resp = make_response(&reply);
	if (resp == NULL || add_headers(resp, &reply) != 0) {
		if (resp != NULL) {
			MHD_destroy_response(resp);
		}
		routes_reply_free(&reply);
		rq->status = 500;
		rq->error = "response-failed";
		return MHD_NO;
	}
	rq->replied = 1;
	rq->status = reply.status;
	rq->error = reply.error;
	rc = MHD_queue_response(conn, reply.status, resp);
	MHD_destroy_response(resp);
	if (rc == MHD_YES) {
		/* Its fate is told at the request's end (on_completed). */
		rq->on_done = reply.on_done;
		rq->done_cls = reply.done_cls;
		reply.on_done = NULL;
	}
	routes_reply_free(&reply);
	return rc;
}

/* The first call of a POST: refuses early what cannot be accepted. */
static enum MHD_Result
start_post(struct MHD_Connection *conn, struct request *rq)
{
	const char *length = header(conn, "Content-Length");
	char *end;
	unsigned long long n;

	if (!form_is_urlencoded(header(conn, "Content-Type"))) {
		return answer(conn, rq, 415);
	}
	if (length != NULL) {
		errno = 0;
		n = strtoull(length, &end, 10);
		if (errno != 0 || *end != '\0' || n > rq->w->max_body) {
			return answer(conn, rq, 413);
		}
	}
	return MHD_YES;
}

/* Keeps body bytes up to max_body; past it, drops them and remembers. */
static void
take_body(struct request *rq, const char *data, size_t size)
{
	char *grown;

	if (rq->too_large) {
		return;
	}
	if (size > rq->w->max_body - rq->body_len) {
		rq->too_large = 1;
		if (rq->body != NULL) {
			secret_wipe(rq->body, rq->body_len);
			free(rq->body);
		}
		rq->body = NULL;
		rq->body_len = 0;
		return;
	}
	grown = malloc(rq->body_len + size + 1);
	if (grown == NULL) {
		rq->too_large = 1;
		return;
	}
	if (rq->body != NULL) {
		memcpy(grown, rq->body, rq->body_len);
		secret_wipe(rq->body, rq->body_len);
		free(rq->body);
	}
	memcpy(grown + rq->body_len, data, size);
	rq->body = grown;
	rq->body_len += size;
	rq->body[rq->body_len] = '\0';
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
	   const char *method, const char *version, const char *upload_data,
	   size_t *upload_data_size, void **con_cls)
{
	struct request *rq = *con_cls;

	(void)cls;
	(void)url;
	(void)version;
	if (rq == NULL) {
		return MHD_NO;	/* out of memory in on_uri */
	}
	/* A reply queued at the first call closes the connection after it
	 * (libmicrohttpd cannot know the body was read): only refusals are
	 * sent there; every other reply waits for the end of the request,
	 * so that keep-alive works. */
	if (!rq->started) {
		rq->started = 1;
		snprintf(rq->method, sizeof(rq->method), "%s", method);
		rq->is_post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
		return rq->is_post ? start_post(conn, rq) : MHD_YES;
	}
	if (rq->replied) {
		*upload_data_size = 0;	/* refused already: drop the rest */
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (rq->is_post) {
			take_body(rq, upload_data, *upload_data_size);
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	return answer(conn, rq, rq->too_large ? 413 : 0);
}

/* ---- start and stop ------------------------------------------------------ */

static void
web_free(struct web *w)
{
	if (w == NULL) {
		return;
	}
	if (w->tls_key != NULL) {
		secret_wipe(w->tls_key, w->tls_key_len);
		free(w->tls_key);
	}
	free(w->tls_cert);
	routes_free(w->routes);
	httpd_guard_free(w->guard);
	free(w);
}

static int
start_daemon(struct web *w, const struct config *cfg, int ipv6, int fd,
	     struct err *e)
{
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TLS |
			 MHD_USE_ITC | MHD_USE_ERROR_LOG;

	if (ipv6) {
		flags |= MHD_USE_IPv6;
	}
	w->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, w,
		MHD_OPTION_EXTERNAL_LOGGER, httpd_log, "http",
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
		MHD_OPTION_HTTPS_MEM_KEY, w->tls_key,
		MHD_OPTION_HTTPS_MEM_CERT, w->tls_cert,
		MHD_OPTION_HTTPS_PRIORITIES, TLS_PRIORITIES,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->web_threads,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned)cfg->max_connections_per_ip,
		MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)cfg->connection_timeout_seconds,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
		MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, w,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, w,
		MHD_OPTION_NOTIFY_CONNECTION, httpd_guard_notify, w->guard,
		MHD_OPTION_END);
	if (w->daemon == NULL) {
		return err_set(e, ERR_CONFIG, "cannot serve HTTPS on %s: the "
			       "TLS key and certificate (%s, %s) may not match",
			       cfg->listen, cfg->tls_key, cfg->tls_cert);
	}
	return 0;
}

int
web_start(const struct web_params *p, struct web **out, struct err *e)
{
	const struct config *cfg = p->cfg;
	struct web *w = NULL;
	size_t cert_len = 0;
	int ipv6 = 0;

	*out = NULL;
	if (p->listen_fd < 0) {
		return err_set(e, ERR_INTERNAL, "web_start: listen is not "
			       "bound");
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		close(p->listen_fd);
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	atomic_init(&w->in_flight, 0);
	w->max_body = cfg->max_body_bytes;

	if (parse_listen(cfg->listen, w, &ipv6, e) != 0) {
		goto fail;
	}
	if (cfg->dev_portal && !is_loopback(w, ipv6)) {
		err_set(e, ERR_CONFIG, "dev_portal = on is refused on the "
			"non-loopback address listen = %s: the development "
			"portal signs assertions for anyone; turn it off or "
			"listen on 127.0.0.1 or [::1]", cfg->listen);
		goto fail;
	}
	if (read_pem(cfg->tls_key, "the TLS key (tls_key)", 1, &w->tls_key,
		     &w->tls_key_len, e) != 0 ||
	    read_pem(cfg->tls_cert, "the TLS certificate (tls_cert)", 0,
		     &w->tls_cert, &cert_len, e) != 0) {
		goto fail;
	}
	if (routes_new(cfg, p->portal, cfg->dev_portal ? p->dev_portal_key :
		       NULL, &w->routes, e) != 0) {
		goto fail;
	}
	if (httpd_guard_new(cfg->connection_timeout_seconds,
			    "slow_clients_cut", &w->guard) != 0) {
		err_set(e, ERR_INTERNAL, "cannot start the slow-client guard "
			"of the front: out of memory or threads");
		goto fail;
	}
	if (start_daemon(w, cfg, ipv6, p->listen_fd, e) != 0) {
		web_free(w);
		return -1;	/* the socket is libmicrohttpd's now */
	}
	log_event("info", "web_started", "listen=%s threads=%u "
		  "max_connections=%u per_ip=%u timeout_s=%u max_body=%u "
		  "dev_portal=%s", cfg->listen, cfg->web_threads,
		  cfg->max_connections, cfg->max_connections_per_ip,
		  cfg->connection_timeout_seconds, cfg->max_body_bytes,
		  cfg->dev_portal ? "on" : "off");
	*out = w;
	return 0;
fail:
	close(p->listen_fd);
	web_free(w);
	return -1;
}

void
web_stop(struct web *w)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	MHD_socket listener;
	int waited = 0;

	if (w == NULL) {
		return;
	}
	listener = MHD_quiesce_daemon(w->daemon);
	while (atomic_load(&w->in_flight) > 0 && waited < STOP_WAIT_MS) {
		nanosleep(&pause, NULL);
		waited += 20;
	}
	if (atomic_load(&w->in_flight) > 0) {
		log_event("warn", "web_stopping", "in_flight=%d",
			  atomic_load(&w->in_flight));
	}
	MHD_stop_daemon(w->daemon);
	if (listener != MHD_INVALID_SOCKET) {
		close(listener);
	}
	log_event("info", "web_stopped", "waited_ms=%d", waited);
	web_free(w);
}
