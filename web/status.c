/*
 * status.c: the plain-HTTP status listener (see status.h).
 *
 * A second libmicrohttpd daemon, with the same limits as the front
 * (connection time, connections in all and per address, header memory, the
 * slow-client guard of httpd.h) and no TLS.  The published files (CRL, CA
 * certificate) are kept in memory and read again only when the file at
 * their path is another one (crl.h renames a new file over the old): each
 * request costs an open and an fstat.  OCSP requests go to ocsp_respond on
 * the request thread: a signature in the token takes about a millisecond,
 * so the thread pool stays responsive without workers.  One log line per
 * request: method, path without query (bounded), status, duration, peer
 * address and, for OCSP, the response status and the certificate status it
 * gave.
 *
 * Caching, as relying parties and HTTP caches expect it:
 * - CRL: Last-Modified, ETag (both answered with 304), and a short
 *   max-age (CRL_MAX_AGE, never past nextUpdate): a new CRL is published
 *   on every revocation, and a cache that kept the old one until
 *   nextUpdate would hide revocations for up to crl_validity_hours.
 *   Relying software that reads nextUpdate keeps its own copy anyway.
 * - OCSP over GET: max-age until the response's nextUpdate but never
 *   over CRL_MAX_AGE, for the same reason: an HTTP cache must not keep
 *   saying "good" long after a revocation.  Last-Modified (thisUpdate),
 *   Expires and ETag (RFC 5019 section 6); error responses and POST
 *   answers are not cached.
 */
#include "status.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/ocsp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "crl.h"
#include "dbpool.h"
#include "httpd.h"
#include "log.h"

#define BODY_MAX (8 * 1024)	/* an OCSP request is a few hundred bytes */
#define URI_MAX 4096		/* bounds an OCSP GET too */
#define FILE_MAX (64L * 1024 * 1024)	/* a CRL of about a million entries */
#define CONNECTION_MEMORY (32 * 1024)	/* bounds the request headers */
#define CRL_MAX_AGE 300		/* seconds HTTP caches may keep a CRL */
#define CA_MAX_AGE 86400	/* and the CA certificate */
#define STOP_WAIT_MS 10000	/* for requests in flight */

#define OCSP_REQUEST_TYPE "application/ocsp-request"
#define OCSP_RESPONSE_TYPE "application/ocsp-response"

/* OCSPResponse with only a responseStatus (RFC 6960 section 4.2.1), for
 * what never reaches the responder: an undecodable GET, or no answer. */
static const unsigned char ocsp_malformed[] = { 0x30, 0x03, 0x0a, 0x01, 1 };
static const unsigned char ocsp_internal[] = { 0x30, 0x03, 0x0a, 0x01, 2 };
static const unsigned char ocsp_try_later[] = { 0x30, 0x03, 0x0a, 0x01, 3 };

/* Plain HTTP has no HSTS; these still make sense on binary answers. */
static const char *const fixed_headers[][2] = {
	{ "X-Content-Type-Options", "nosniff" },
	{ "Content-Security-Policy", "default-src 'none'; "
	  "frame-ancestors 'none'" },
};

#define FIXED_HEADERS (sizeof(fixed_headers) / sizeof(fixed_headers[0]))

enum route {
	ROUTE_NONE = 0,
	ROUTE_CRL,
	ROUTE_CA,
	ROUTE_OCSP,
};

/* One version of a published file, shared by the requests sending it. */
struct blob {
	atomic_int refs;
	unsigned char *data;
	size_t len;
	dev_t dev;
	ino_t ino;
	struct timespec mtim;
	time_t next_update;	/* of a CRL; 0 when unknown */
	char etag[24];		/* "<16 hex of SHA-256>" */
	char last_modified[40];	/* the file's mtime, HTTP date */
	time_t mtime;
};

struct published {
	const char *what;		/* "crl", "ca" (logs) */
	const char *content_type;
	unsigned max_age;
	int is_crl;
	char *url_path;
	char file[CRL_PATH_MAX];
	pthread_mutex_t lock;
	struct blob *cur;		/* NULL until first read */
};

struct status_server {
	struct MHD_Daemon *daemon;
	const struct config *cfg;
	struct ocsp_responder *ocsp;
	struct dbpool *dbs;
	struct published crl;
	struct published ca;
	char *ocsp_path;		/* "/ocsp": POST here */
	size_t ocsp_path_len;		/* GET at "/ocsp/<request>" */
	atomic_int in_flight;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	int locks_ready;
	struct httpd_guard *guard;	/* cuts slow clients */
};

/* One request, from its URI to its completion. */
struct request {
	struct status_server *s;
	struct timespec start;
	char *uri;			/* raw, query included */
	char method[16];
	char ip[INET6_ADDRSTRLEN];
	int started;
	enum route route;
	const char *tail;		/* OCSP GET: after "<path>/" */
	int replied;
	unsigned status;
	const char *error;
	const char *ocsp_status;	/* "successful", "malformedrequest" */
	const char *cert_status;	/* "good", "revoked", "unknown" */
	char detail[512];		/* why the responder failed, or "" */
	unsigned char *body;
	size_t body_len;
	int too_large;
};

/* What a status server reads back from an OCSP response it sends. */
struct ocsp_info {
	long status;		/* OCSP_RESPONSE_STATUS_*, -1 undecodable */
	int cert;		/* V_OCSP_CERTSTATUS_*, -1 when none */
	time_t this_update;
	time_t next_update;	/* 0 when absent */
};

/* ---- configuration -------------------------------------------------- */

/* The path of an http:// URL of the configuration, e.g. "/ocsp". */
static int
url_path(const char *url, const char *key, char **out, struct err *e)
{
	const char *p;

	*out = NULL;
	if (url == NULL || strncasecmp(url, "http://", 7) != 0) {
		return err_set(e, ERR_CONFIG, "%s = %s: the status listener "
			       "serves only plain http:// URLs (relying "
			       "parties fetch status over plain HTTP)", key,
			       url != NULL ? url : "(unset)");
	}
	p = strchr(url + 7, '/');
	if (p == NULL) {
		p = "/";
	}
	if (strpbrk(p, "?#%") != NULL || strlen(p) >= URI_MAX / 2) {
		return err_set(e, ERR_CONFIG, "%s = %s: the path must be plain "
			       "(no query, fragment or %%-escape)", key, url);
	}
	*out = strdup(p);
	if (*out == NULL) {
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	return 0;
}

/* Parses "127.0.0.1:8080" or "[::1]:8080" (numeric only) into s->addr. */
static int
parse_listen(const char *listen, struct status_server *s, struct err *e)
{
	struct addrinfo hints = { 0 }, *ai = NULL;
	char host[64];
	const char *colon, *h = listen;
	size_t hlen;

	if (listen == NULL || (colon = strrchr(listen, ':')) == NULL) {
		goto bad;
	}
	hlen = (size_t)(colon - listen);
	if (hlen >= 2 && listen[0] == '[' && listen[hlen - 1] == ']') {
		h = listen + 1;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host) || colon[1] == '\0' ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    strlen(colon + 1) > 5 || atoi(colon + 1) < 1 ||
	    atoi(colon + 1) > 65535) {
		goto bad;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0 || ai == NULL) {
		goto bad;
	}
	memcpy(&s->addr, ai->ai_addr, ai->ai_addrlen);
	s->addr_len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
bad:
	return err_set(e, ERR_CONFIG, "status_listen = %s: expected a numeric "
		       "address and port, e.g. 127.0.0.1:8080 or [::1]:8080",
		       listen != NULL ? listen : "(unset)");
}

static int
routes_setup(struct status_server *s, struct err *e)
{
	const struct config *cfg = s->cfg;
	struct crl_files files;
	char *ocsp = NULL;
	size_t n;

	if (crl_files(cfg, &files, e) != 0 ||
	    url_path(cfg->crl_url, "crl_url", &s->crl.url_path, e) != 0 ||
	    url_path(cfg->ca_issuers_url, "ca_issuers_url", &s->ca.url_path,
		     e) != 0 ||
	    url_path(cfg->ocsp_url, "ocsp_url", &ocsp, e) != 0) {
		free(ocsp);
		return -1;
	}
	/* "/ocsp/" and "/ocsp" are one: POST at the path, GET below it. */
	n = strlen(ocsp);
	while (n > 1 && ocsp[n - 1] == '/') {
		ocsp[--n] = '\0';
	}
	s->ocsp_path = ocsp;
	s->ocsp_path_len = strcmp(ocsp, "/") == 0 ? 0 : n;
	if (strcmp(s->crl.url_path, s->ca.url_path) == 0 ||
	    strcmp(s->crl.url_path, ocsp) == 0 ||
	    strcmp(s->ca.url_path, ocsp) == 0) {
		return err_set(e, ERR_CONFIG, "crl_url, ca_issuers_url and "
			       "ocsp_url must have different paths");
	}
	snprintf(s->crl.file, sizeof(s->crl.file), "%s", files.crl);
	snprintf(s->ca.file, sizeof(s->ca.file), "%s", files.ca);
	s->crl.what = "crl";
	s->crl.content_type = "application/pkix-crl";
	s->crl.max_age = CRL_MAX_AGE;
	s->crl.is_crl = 1;
	s->ca.what = "ca";
	s->ca.content_type = "application/pkix-cert";
	s->ca.max_age = CA_MAX_AGE;
	return 0;
}

/* ---- published files ------------------------------------------------ */

static void
blob_unref(struct blob *b)
{
	if (b != NULL && atomic_fetch_sub(&b->refs, 1) == 1) {
		free(b->data);
		free(b);
	}
}

static void
free_blob_ref(void *cls)
{
	blob_unref(cls);
}

static time_t
asn1_seconds(const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
		return 0;
	}
	return timegm(&tm);
}

static void
http_date(time_t t, char *out, size_t n)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* Reads the open file fd (already fstat'ed into st) into a new blob. */
static struct blob *
blob_read(int fd, const struct stat *st, int is_crl)
{
	unsigned char digest[SHA256_DIGEST_LENGTH];
	struct blob *b = calloc(1, sizeof(*b));
	size_t got = 0;

	if (b == NULL || (b->data = malloc((size_t)st->st_size)) == NULL) {
		free(b);
		return NULL;
	}
	while (got < (size_t)st->st_size) {
		ssize_t r = read(fd, b->data + got, (size_t)st->st_size - got);

		if (r <= 0) {
			break;
		}
		got += (size_t)r;
	}
	if (got != (size_t)st->st_size) {
		free(b->data);
		free(b);
		return NULL;
	}
	atomic_init(&b->refs, 1);
	b->len = got;
	b->dev = st->st_dev;
	b->ino = st->st_ino;
	b->mtim = st->st_mtim;
	b->mtime = st->st_mtim.tv_sec;
	http_date(b->mtime, b->last_modified, sizeof(b->last_modified));
	SHA256(b->data, b->len, digest);
	snprintf(b->etag, sizeof(b->etag), "\"%02x%02x%02x%02x%02x%02x%02x"
		 "%02x\"", digest[0], digest[1], digest[2], digest[3],
		 digest[4], digest[5], digest[6], digest[7]);
	if (is_crl) {
		const unsigned char *p = b->data;
		X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)b->len);

		b->next_update = crl != NULL ?
			asn1_seconds(X509_CRL_get0_nextUpdate(crl)) : 0;
		X509_CRL_free(crl);
	}
	return b;
}

static int
same_file(const struct blob *b, const struct stat *st)
{
	return b != NULL && b->dev == st->st_dev && b->ino == st->st_ino &&
	       b->mtim.tv_sec == st->st_mtim.tv_sec &&
	       b->mtim.tv_nsec == st->st_mtim.tv_nsec &&
	       (off_t)b->len == st->st_size;
}

/* The current version of a published file, with a reference the caller
 * drops (blob_unref).  NULL with *why set: "not-published" (no file yet)
 * or "read-failed". */
static struct blob *
published_get(struct published *pub, const char **why)
{
	struct blob *b = NULL;
	struct stat st;
	int fd;

	fd = open(pub->file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		*why = errno == ENOENT ? "not-published" : "read-failed";
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size > FILE_MAX) {
		close(fd);
		*why = "read-failed";
		return NULL;
	}
	pthread_mutex_lock(&pub->lock);
	if (!same_file(pub->cur, &st)) {
		b = blob_read(fd, &st, pub->is_crl);
		if (b != NULL) {
			blob_unref(pub->cur);
			pub->cur = b;
		}
	}
	b = pub->cur != NULL && same_file(pub->cur, &st) ? pub->cur : NULL;
	if (b != NULL) {
		atomic_fetch_add(&b->refs, 1);
	}
	pthread_mutex_unlock(&pub->lock);
	close(fd);
	if (b == NULL) {
		*why = "read-failed";
	}
	return b;
}

/* ---- requests -------------------------------------------------------- */

static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct status_server *s = cls;
	struct request *rq = calloc(1, sizeof(*rq));

	if (rq == NULL) {
		return NULL;
	}
	rq->s = s;
	clock_gettime(CLOCK_MONOTONIC, &rq->start);
	/* One byte more than allowed, so that a longer URI is seen. */
	rq->uri = strndup(uri != NULL ? uri : "", URI_MAX + 1);
	httpd_peer_address(conn, rq->ip, sizeof(rq->ip));
	atomic_fetch_add(&s->in_flight, 1);
	return rq;
}

static void
log_request(const struct request *rq, enum MHD_RequestTerminationCode toe)
{
	char method[40], path[120], ip[80], detail[300];
	struct timespec now;
	size_t plen = rq->uri != NULL ? strcspn(rq->uri, "?") : 0;
	char *raw = rq->uri != NULL ? strndup(rq->uri, plen) : NULL;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long)(now.tv_sec - rq->start.tv_sec) * 1000 +
	     (now.tv_nsec - rq->start.tv_nsec) / 1000000;
	log_escape(path, sizeof(path), raw != NULL ? raw : "");
	free(raw);
	log_escape(detail, sizeof(detail), rq->detail);
	log_event(toe == MHD_REQUEST_TERMINATED_COMPLETED_OK &&
		  rq->detail[0] == '\0' ? "info" : "warn",
		  "status_request", "method=%s path=%s status=%u ms=%ld "
		  "ip=%s%s%s%s%s%s%s%s%s%s",
		  log_escape(method, sizeof(method),
			     rq->method[0] != '\0' ? rq->method : "-"), path,
		  rq->status, ms, log_escape(ip, sizeof(ip), rq->ip),
		  rq->ocsp_status != NULL ? " ocsp=" : "",
		  rq->ocsp_status != NULL ? rq->ocsp_status : "",
		  rq->cert_status != NULL ? " cert=" : "",
		  rq->cert_status != NULL ? rq->cert_status : "",
		  rq->error != NULL ? " error=" : "",
		  rq->error != NULL ? rq->error : "",
		  rq->detail[0] != '\0' ? " detail=" : "",
		  rq->detail[0] != '\0' ? detail : "",
		  httpd_end_note(toe));
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
	     enum MHD_RequestTerminationCode toe)
{
	struct status_server *s = cls;
	struct request *rq = *con_cls;

	httpd_guard_request_ended(conn);
	if (rq == NULL) {
		return;
	}
	log_request(rq, toe);
	free(rq->body);
	free(rq->uri);
	free(rq);
	*con_cls = NULL;
	atomic_fetch_sub(&s->in_flight, 1);
}

static const char *
header(struct MHD_Connection *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

static int
add_header(struct MHD_Response *resp, const char *name, const char *value)
{
	return MHD_add_response_header(resp, name, value) == MHD_YES ? 0 : -1;
}

/* Queues resp with status and the fixed headers; takes resp. */
static enum MHD_Result
send_response(struct MHD_Connection *conn, struct request *rq,
	      unsigned status, struct MHD_Response *resp)
{
	enum MHD_Result rc;
	size_t i;
	int bad = resp == NULL;

	httpd_guard_request_whole(conn);	/* refusals come early */
	for (i = 0; !bad && i < FIXED_HEADERS; i++) {
		bad = add_header(resp, fixed_headers[i][0],
				 fixed_headers[i][1]) != 0;
	}
	if (bad) {
		if (resp != NULL) {
			MHD_destroy_response(resp);
		}
		rq->status = 500;
		rq->error = "response-failed";
		return MHD_NO;
	}
	rq->replied = 1;
	rq->status = status;
	rc = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

/* A short plain-text refusal; allow names the methods for a 405. */
static enum MHD_Result
send_error(struct MHD_Connection *conn, struct request *rq, unsigned status,
	   const char *allow, const char *error)
{
	static const char *const texts[][2] = {
		{ "304", "" },
		{ "404", "Not found: this listener serves only the CRL, the "
			 "CA certificate and OCSP.\n" },
		{ "405", "Method not allowed.\n" },
		{ "413", "OCSP request too large.\n" },
		{ "414", "URI too long.\n" },
		{ "415", "Send OCSP requests as " OCSP_REQUEST_TYPE ".\n" },
	};
	const char *text = "Service unavailable, try again later.\n";
	struct MHD_Response *resp;
	char code[8];
	size_t i;

	snprintf(code, sizeof(code), "%u", status);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		if (strcmp(texts[i][0], code) == 0) {
			text = texts[i][1];
		}
	}
	rq->error = error;
	resp = MHD_create_response_from_buffer(strlen(text), (void *)text,
					       MHD_RESPMEM_PERSISTENT);
	if (resp != NULL &&
	    (add_header(resp, "Content-Type", "text/plain; charset=utf-8") ||
	     add_header(resp, "Cache-Control", "no-store") ||
	     (allow != NULL && add_header(resp, "Allow", allow)))) {
		MHD_destroy_response(resp);
		resp = NULL;
	}
	return send_response(conn, rq, status, resp);
}

/* ---- the CRL and the CA certificate ---------------------------------- */

/* Whether the client's copy (If-None-Match, else If-Modified-Since) is
 * this version. */
static int
not_modified(struct MHD_Connection *conn, const struct blob *b)
{
	const char *inm = header(conn, "If-None-Match");
	const char *ims = header(conn, "If-Modified-Since");
	struct tm tm;
	const char *end;

	if (inm != NULL) {
		return strstr(inm, b->etag) != NULL || strcmp(inm, "*") == 0;
	}
	if (ims == NULL) {
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(ims, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	return end != NULL && *end == '\0' && b->mtime <= timegm(&tm);
}

/* Cache-Control and Expires of a published file. */
static int
add_file_caching(struct MHD_Response *resp, const struct published *pub,
		 const struct blob *b, time_t now)
{
	char cache[80], expires[40];
	long age = pub->max_age;

	if (b->next_update > 0 && b->next_update - now < age) {
		age = b->next_update > now ? (long)(b->next_update - now) : 0;
	}
	snprintf(cache, sizeof(cache), "public, max-age=%ld, no-transform",
		 age);
	http_date(now + age, expires, sizeof(expires));
	return add_header(resp, "Cache-Control", cache) ||
	       add_header(resp, "Expires", expires) ||
	       add_header(resp, "ETag", b->etag) ||
	       add_header(resp, "Last-Modified", b->last_modified);
}

static enum MHD_Result
send_file(struct MHD_Connection *conn, struct request *rq,
	  struct published *pub)
{
	struct MHD_Response *resp;
	const char *why = NULL;
	struct blob *b = published_get(pub, &why);

	if (b == NULL) {
		return strcmp(why, "not-published") == 0 ?
		       send_error(conn, rq, 404, NULL, why) :
		       send_error(conn, rq, 503, NULL, why);
	}
	if (not_modified(conn, b)) {
		resp = MHD_create_response_from_buffer(0, (void *)"",
						       MHD_RESPMEM_PERSISTENT);
		if (resp != NULL &&
		    add_file_caching(resp, pub, b, time(NULL)) != 0) {
			MHD_destroy_response(resp);
			resp = NULL;
		}
		blob_unref(b);
		return send_response(conn, rq, MHD_HTTP_NOT_MODIFIED, resp);
	}
	resp = MHD_create_response_from_buffer_with_free_callback_cls(
		b->len, b->data, free_blob_ref, b);
	if (resp == NULL) {
		blob_unref(b);
		return send_response(conn, rq, 500, NULL);
	}
	/* From here the response holds the reference. */
	if (add_header(resp, "Content-Type", pub->content_type) ||
	    add_file_caching(resp, pub, b, time(NULL)) != 0) {
		MHD_destroy_response(resp);
		resp = NULL;
	}
	return send_response(conn, rq, MHD_HTTP_OK, resp);
}

/* ---- OCSP ----------------------------------------------------------- */

/* Reads back the status and times of a response, for caching and logs. */
static void
ocsp_inspect(const unsigned char *der, size_t len, struct ocsp_info *out)
{
	const unsigned char *p = der;
	OCSP_RESPONSE *r = d2i_OCSP_RESPONSE(NULL, &p, (long)len);
	OCSP_BASICRESP *bs = NULL;
	OCSP_SINGLERESP *single = NULL;
	ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
	int reason = 0;

	memset(out, 0, sizeof(*out));
	out->status = r != NULL ? OCSP_response_status(r) : -1;
	out->cert = -1;
	if (out->status == OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		bs = OCSP_response_get1_basic(r);
	}
	if (bs != NULL && OCSP_resp_count(bs) > 0) {
		single = OCSP_resp_get0(bs, 0);
	}
	if (single != NULL) {
		out->cert = OCSP_single_get0_status(single, &reason, &rev,
						    &thisupd, &nextupd);
		out->this_update = asn1_seconds(thisupd);
		out->next_update = asn1_seconds(nextupd);
	}
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(r);
}

/* RFC 5019 section 6.2 for a GET: cacheable, but not for long. */
static int
add_ocsp_caching(struct MHD_Response *resp, const unsigned char *der,
		 size_t len, const struct ocsp_info *info, int is_get)
{
	unsigned char digest[SHA256_DIGEST_LENGTH];
	char cache[96], date[40], etag[40];
	time_t now = time(NULL);
	long age;

	if (!is_get || info->status != OCSP_RESPONSE_STATUS_SUCCESSFUL ||
	    info->next_update <= now) {
		return add_header(resp, "Cache-Control", "no-store");
	}
	age = (long)(info->next_update - now);
	if (age > CRL_MAX_AGE) {
		age = CRL_MAX_AGE;
	}
	snprintf(cache, sizeof(cache), "max-age=%ld, public, no-transform, "
		 "must-revalidate", age);
	SHA256(der, len, digest);
	snprintf(etag, sizeof(etag), "\"%02x%02x%02x%02x%02x%02x%02x%02x\"",
		 digest[0], digest[1], digest[2], digest[3], digest[4],
		 digest[5], digest[6], digest[7]);
	if (add_header(resp, "Cache-Control", cache) ||
	    add_header(resp, "ETag", etag)) {
		return -1;
	}
	http_date(now + age, date, sizeof(date));
	if (add_header(resp, "Expires", date)) {
		return -1;
	}
	http_date(info->this_update > 0 ? info->this_update : now, date,
		  sizeof(date));
	return add_header(resp, "Last-Modified", date);
}

/* Answers one OCSP request (DER, or NULL when the GET did not decode). */
static enum MHD_Result
send_ocsp(struct MHD_Connection *conn, struct request *rq,
	  const unsigned char *req, size_t req_len, int is_get)
{
	struct status_server *s = rq->s;
	struct MHD_Response *resp = NULL;
	struct storage *db = NULL;
	struct ocsp_info info;
	struct err e = { 0 };
	unsigned char *der = NULL;
	const unsigned char *body;
	size_t len = 0;
	int rc = 0;

	if (req == NULL) {
		rq->error = "undecodable-get";
	} else if (dbpool_get(s->dbs, &db, &e) != 0) {
		rc = -1;
	} else {
		rc = ocsp_respond(s->ocsp, db, req, req_len, time(NULL), &der,
				  &len, &e);
	}
	if (rc != 0) {
		/* The appliance failed, not the request: the operator's. */
		rq->error = err_code_name(e.code);
		snprintf(rq->detail, sizeof(rq->detail), "%s", e.msg);
	}
	if (der != NULL) {
		body = der;
	} else if (req == NULL) {
		body = ocsp_malformed;
		len = sizeof(ocsp_malformed);
	} else if (db == NULL) {
		body = ocsp_try_later;
		len = sizeof(ocsp_try_later);
	} else {
		body = ocsp_internal;
		len = sizeof(ocsp_internal);
	}
	ocsp_inspect(body, len, &info);
	rq->ocsp_status = info.status >= 0 ?
			  OCSP_response_status_str(info.status) : "undecodable";
	rq->cert_status = info.cert >= 0 ? OCSP_cert_status_str(info.cert) :
			  NULL;
	if (der != NULL) {
		resp = MHD_create_response_from_buffer_with_free_callback_cls(
			len, der, free, der);
		if (resp == NULL) {
			free(der);
		}
	} else {
		resp = MHD_create_response_from_buffer(len, (void *)body,
						       MHD_RESPMEM_PERSISTENT);
	}
	if (resp != NULL &&
	    (add_header(resp, "Content-Type", OCSP_RESPONSE_TYPE) ||
	     add_ocsp_caching(resp, body, len, &info, is_get))) {
		MHD_destroy_response(resp);
		resp = NULL;
	}
	return send_response(conn, rq, MHD_HTTP_OK, resp);
}

static enum MHD_Result
send_ocsp_get(struct MHD_Connection *conn, struct request *rq)
{
	unsigned char der[BODY_MAX];
	size_t len = 0;

	if (ocsp_decode_get(rq->tail, der, sizeof(der), &len) != 0) {
		return send_ocsp(conn, rq, NULL, 0, 1);
	}
	return send_ocsp(conn, rq, der, len, 1);
}

/* ---- routing ---------------------------------------------------------- */

static int
is_get(const char *method)
{
	return strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
	       strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
}

static int
content_type_is(const char *value, const char *type)
{
	size_t n = strlen(type);

	return value != NULL && strncasecmp(value, type, n) == 0 &&
	       (value[n] == '\0' || value[n] == ';' || value[n] == ' ');
}

/* Sets rq->route (and rq->tail) from the raw path of the URI. */
static void
route(struct request *rq)
{
	struct status_server *s = rq->s;
	size_t plen = strcspn(rq->uri, "?");

	if (plen == strlen(s->crl.url_path) &&
	    strncmp(rq->uri, s->crl.url_path, plen) == 0) {
		rq->route = ROUTE_CRL;
	} else if (plen == strlen(s->ca.url_path) &&
		   strncmp(rq->uri, s->ca.url_path, plen) == 0) {
		rq->route = ROUTE_CA;
	} else if (strncmp(rq->uri, s->ocsp_path, s->ocsp_path_len) == 0 &&
		   (plen == s->ocsp_path_len || rq->uri[s->ocsp_path_len] ==
		    '/')) {
		rq->route = ROUTE_OCSP;
		rq->tail = rq->uri + s->ocsp_path_len;
		if (*rq->tail == '/') {
			rq->tail++;
		}
		rq->uri[plen] = '\0';	/* the query is no part of it */
	}
}

/* The first call: refuses early what cannot be answered (the connection
 * closes after such a refusal); everything else waits for the end of the
 * request, so that keep-alive works. */
static enum MHD_Result
start_request(struct MHD_Connection *conn, struct request *rq,
	      const char *method)
{
	const char *length;
	char *end;
	unsigned long long n;

	snprintf(rq->method, sizeof(rq->method), "%s", method);
	if (strlen(rq->uri) > URI_MAX) {
		return send_error(conn, rq, 414, NULL, "uri-too-long");
	}
	route(rq);
	if (rq->route == ROUTE_NONE) {
		return send_error(conn, rq, 404, NULL, NULL);
	}
	if (rq->route != ROUTE_OCSP) {
		return is_get(method) ? MHD_YES :
		       send_error(conn, rq, 405, "GET, HEAD", NULL);
	}
	if (strcmp(method, MHD_HTTP_METHOD_POST) != 0) {
		return is_get(method) ? MHD_YES :
		       send_error(conn, rq, 405, *rq->tail == '\0' ?
				  "GET, HEAD, POST" : "GET, HEAD", NULL);
	}
	if (*rq->tail != '\0') {
		return send_error(conn, rq, 405, "GET, HEAD", NULL);
	}
	if (!content_type_is(header(conn, "Content-Type"),
			     OCSP_REQUEST_TYPE)) {
		return send_error(conn, rq, 415, NULL, "content-type");
	}
	length = header(conn, "Content-Length");
	if (length != NULL) {
		errno = 0;
		n = strtoull(length, &end, 10);
		if (errno != 0 || *end != '\0' || n > BODY_MAX) {
			return send_error(conn, rq, 413, NULL, "body-too-large");
		}
	}
	return MHD_YES;
}

/* Keeps body bytes up to BODY_MAX; past it, drops them and remembers. */
static void
take_body(struct request *rq, const char *data, size_t size)
{
	if (rq->too_large || rq->route != ROUTE_OCSP) {
		return;
	}
	if (rq->body == NULL) {
		rq->body = malloc(BODY_MAX);
		if (rq->body == NULL) {
			rq->too_large = 1;
			return;
		}
	}
	if (size > BODY_MAX - rq->body_len) {
		rq->too_large = 1;
		return;
	}
	memcpy(rq->body + rq->body_len, data, size);
	rq->body_len += size;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
	   const char *method, const char *version, const char *upload_data,
	   size_t *upload_data_size, void **con_cls)
{
	struct request *rq = *con_cls;

	(void)cls;
	(void)url;	/* percent-decoded by libmicrohttpd: rq->uri is raw */
	(void)version;
	if (rq == NULL) {
		return MHD_NO;	/* out of memory in on_uri */
	}
	if (!rq->started) {
		rq->started = 1;
		return start_request(conn, rq, method);
	}
	if (rq->replied) {
		*upload_data_size = 0;	/* refused already: drop the rest */
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (strcmp(rq->method, MHD_HTTP_METHOD_POST) == 0) {
			take_body(rq, upload_data, *upload_data_size);
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	/* The client has said all it will: from here the time is ours. */
	httpd_guard_request_whole(conn);
	if (rq->too_large) {
		return send_error(conn, rq, 413, NULL, "body-too-large");
	}
	switch (rq->route) {
	case ROUTE_CRL:
		return send_file(conn, rq, &rq->s->crl);
	case ROUTE_CA:
		return send_file(conn, rq, &rq->s->ca);
	case ROUTE_OCSP:
		if (strcmp(rq->method, MHD_HTTP_METHOD_POST) == 0) {
			return send_ocsp(conn, rq, rq->body != NULL ?
					 rq->body : (const unsigned char *)"",
					 rq->body_len, 0);
		}
		return send_ocsp_get(conn, rq);
	default:
		return send_error(conn, rq, 404, NULL, NULL);
	}
}

/* ---- start and stop ---------------------------------------------------- */

static void
status_free(struct status_server *s)
{
	if (s == NULL) {
		return;
	}
	if (s->locks_ready) {
		pthread_mutex_destroy(&s->crl.lock);
		pthread_mutex_destroy(&s->ca.lock);
	}
	blob_unref(s->crl.cur);
	blob_unref(s->ca.cur);
	free(s->crl.url_path);
	free(s->ca.url_path);
	free(s->ocsp_path);
	dbpool_close(s->dbs);
	httpd_guard_free(s->guard);
	free(s);
}

static int
start_guard(struct status_server *s, struct err *e)
{
	if (httpd_guard_new(s->cfg->connection_timeout_seconds,
			    "status_slow_clients_cut", &s->guard) != 0) {
		return err_set(e, ERR_INTERNAL, "cannot start the slow-client "
			       "guard of the status listener: out of memory "
			       "or threads");
	}
	return 0;
}

static int
start_daemon(struct status_server *s, int fd, struct err *e)
{
	const struct config *cfg = s->cfg;
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC |
			 MHD_USE_ERROR_LOG;

	if (s->addr.ss_family == AF_INET6) {
		flags |= MHD_USE_IPv6;
	}
	s->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, s,
		MHD_OPTION_EXTERNAL_LOGGER, httpd_log, "status_http",
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->web_threads,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned)cfg->max_connections_per_ip,
		MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)cfg->connection_timeout_seconds,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
		MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_NOTIFY_CONNECTION, httpd_guard_notify, s->guard,
		MHD_OPTION_END);
	if (s->daemon == NULL) {
		return err_set(e, ERR_CONFIG, "cannot serve plain HTTP on "
			       "status_listen = %s", cfg->status_listen);
	}
	return 0;
}

int
status_start(const struct status_params *p, struct status_server **out,
	     struct err *e)
{
	struct status_server *s = NULL;

	*out = NULL;
	if (p->listen_fd < 0) {
		return err_set(e, ERR_INTERNAL, "status_start: status_listen "
			       "is not bound");
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		close(p->listen_fd);
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	s->cfg = p->cfg;
	s->ocsp = p->ocsp;
	atomic_init(&s->in_flight, 0);
	pthread_mutex_init(&s->crl.lock, NULL);
	pthread_mutex_init(&s->ca.lock, NULL);
	s->locks_ready = 1;
	if (parse_listen(s->cfg->status_listen, s, e) != 0 ||
	    routes_setup(s, e) != 0 ||
	    dbpool_open(s->cfg->database, 0, &s->dbs, e) != 0 ||
	    start_guard(s, e) != 0) {
		close(p->listen_fd);
		status_free(s);
		return -1;
	}
	if (start_daemon(s, p->listen_fd, e) != 0) {
		status_free(s);
		return -1;	/* the socket is libmicrohttpd's now */
	}
	log_event("info", "status_started", "listen=%s crl=%s ca=%s ocsp=%s "
		  "threads=%u", s->cfg->status_listen, s->crl.url_path,
		  s->ca.url_path, s->ocsp_path, s->cfg->web_threads);
	*out = s;
	return 0;
}

void
status_stop(struct status_server *s)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	MHD_socket listener;
	int waited = 0;

	if (s == NULL) {
		return;
	}
	listener = MHD_quiesce_daemon(s->daemon);
	while (atomic_load(&s->in_flight) > 0 && waited < STOP_WAIT_MS) {
		nanosleep(&pause, NULL);
		waited += 20;
	}
	MHD_stop_daemon(s->daemon);
	if (listener != MHD_INVALID_SOCKET) {
		close(listener);
	}
	log_event("info", "status_stopped", "waited_ms=%d", waited);
	status_free(s);
}
