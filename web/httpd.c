/*
 * httpd.c: libmicrohttpd helpers shared by the two daemons (httpd.h).
 * The guard runs one thread of its own in mycertd; everything else runs
 * on libmicrohttpd's threads.
 */
#include "httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"

#define LOG_WINDOW_SECONDS 10	/* libmicrohttpd messages: at most */
#define LOG_WINDOW_LINES 20	/* this many lines per window */
#define GUARD_TICK_MS 250	/* how late past its deadline a cut may be */

/* Lets a line through unless LOG_WINDOW_LINES went out in this window;
 * says how many were held back when the next window opens. */
static int
log_allowed(const char *event)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static time_t window;
	static unsigned lines, held;
	time_t now = time(NULL);
	int ok;

	pthread_mutex_lock(&lock);
	if (now - window >= LOG_WINDOW_SECONDS) {
		if (held > 0) {
			log_event("warn", event, "msg=\"%u similar messages "
				  "held back\"", held);
		}
		window = now;
		lines = 0;
		held = 0;
	}
	ok = lines < LOG_WINDOW_LINES;
	if (ok) {
		lines++;
	} else {
		held++;
	}
	pthread_mutex_unlock(&lock);
	return ok;
}

void
httpd_log(void *cls, const char *fmt, va_list ap)
{
	const char *event = cls != NULL ? cls : "http";
	char msg[512], escaped[600];
	size_t n;

	if (!log_allowed(event)) {
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) {
		msg[--n] = '\0';
	}
	log_event("warn", event, "msg=%s",
		  log_escape(escaped, sizeof(escaped), msg));
}

void
httpd_peer_address(struct MHD_Connection *conn, char *out, size_t n)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(
		conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = info != NULL ? info->client_addr : NULL;

	snprintf(out, n, "?");
	if (sa != NULL && sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)
				     (const void *)sa)->sin_addr, out,
			  (socklen_t)n);
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
				      (const void *)sa)->sin6_addr, out,
			  (socklen_t)n);
	}
}

const char *
httpd_end_note(enum MHD_RequestTerminationCode toe)
{
	switch (toe) {
	case MHD_REQUEST_TERMINATED_COMPLETED_OK:
		return "";
	case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
		return " end=timeout";
	case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
		return " end=client-abort";
	default:
		return " end=error";
	}
}

/* ---- the slow-client guard ---------------------------------------------- */

/* One open connection.  Linked in the guard's list from STARTED to
 * CLOSED; fd stays valid all that time (libmicrohttpd closes the socket
 * after CLOSED), and the list's lock makes the guard's shutdown and the
 * removal exclusive, so the guard never touches a reused descriptor. */
struct guard_conn {
	struct guard_conn *prev, *next;
	struct httpd_guard *guard;
	int fd;
	int armed;		/* a request is awaited: deadline runs */
	int cut;		/* shut down already */
	struct timespec deadline;
	char ip[INET6_ADDRSTRLEN];
};

struct httpd_guard {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	struct guard_conn *head;
	unsigned seconds;
	int stopping;
	const char *event;
};

static struct timespec
deadline_after(unsigned seconds)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += (time_t)seconds;
	return t;
}

static int
is_past(const struct timespec *now, const struct timespec *t)
{
	return now->tv_sec > t->tv_sec ||
	       (now->tv_sec == t->tv_sec && now->tv_nsec >= t->tv_nsec);
}

/* Shuts down every armed connection past its deadline; returns how
 * many, and the address of one of them in ip.  Called with the lock. */
static unsigned
guard_cut_late(struct httpd_guard *g, char *ip, size_t n)
{
	struct timespec now;
	struct guard_conn *c;
	unsigned cut = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (c = g->head; c != NULL; c = c->next) {
		if (!c->armed || c->cut || !is_past(&now, &c->deadline)) {
			continue;
		}
		/* Both ways: libmicrohttpd's next read sees the end and
		 * closes the connection in its own thread. */
		(void)shutdown(c->fd, SHUT_RDWR);
		c->cut = 1;
		if (cut++ == 0) {
			snprintf(ip, n, "%s", c->ip);
		}
	}
	return cut;
}

static void *
guard_main(void *arg)
{
	struct httpd_guard *g = arg;
	char ip[INET6_ADDRSTRLEN], escaped[80];
	struct timespec wake;
	unsigned cut;

	pthread_mutex_lock(&g->lock);
	while (!g->stopping) {
		clock_gettime(CLOCK_REALTIME, &wake);
		wake.tv_nsec += GUARD_TICK_MS * 1000000L;
		if (wake.tv_nsec >= 1000000000L) {
			wake.tv_sec++;
			wake.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&g->wake, &g->lock, &wake);
		if (g->stopping) {
			break;
		}
		cut = guard_cut_late(g, ip, sizeof(ip));
		if (cut > 0) {
			pthread_mutex_unlock(&g->lock);
			log_event("warn", g->event, "count=%u ip=%s "
				  "limit_s=%u", cut,
				  log_escape(escaped, sizeof(escaped), ip),
				  g->seconds);
			pthread_mutex_lock(&g->lock);
		}
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

int
httpd_guard_new(unsigned seconds, const char *event,
		struct httpd_guard **out)
{
	struct httpd_guard *g = calloc(1, sizeof(*g));

	*out = NULL;
	if (g == NULL) {
		return -1;
	}
	g->seconds = seconds;
	g->event = event;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->wake, NULL);
	if (pthread_create(&g->thread, NULL, guard_main, g) != 0) {
		pthread_cond_destroy(&g->wake);
		pthread_mutex_destroy(&g->lock);
		free(g);
		return -1;
	}
	*out = g;
	return 0;
}

void
httpd_guard_free(struct httpd_guard *g)
{
	struct guard_conn *c, *next;

	if (g == NULL) {
		return;
	}
	pthread_mutex_lock(&g->lock);
	g->stopping = 1;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->thread, NULL);
	/* libmicrohttpd reported every connection CLOSED at its stop;
	 * whatever is left was never closed by it. */
	for (c = g->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

static void
guard_started(struct httpd_guard *g, struct MHD_Connection *conn,
	      void **socket_context)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(
		conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct guard_conn *c;

	*socket_context = NULL;
	if (info == NULL) {
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		/* Out of memory: the connection is served unguarded, with
		 * libmicrohttpd's idle timeout only. */
		return;
	}
	c->guard = g;
	c->fd = info->connect_fd;
	c->armed = 1;
	c->deadline = deadline_after(g->seconds);
	httpd_peer_address(conn, c->ip, sizeof(c->ip));
	pthread_mutex_lock(&g->lock);
	c->next = g->head;
	if (g->head != NULL) {
		g->head->prev = c;
	}
	g->head = c;
	pthread_mutex_unlock(&g->lock);
	*socket_context = c;
}

static void
guard_closed(struct guard_conn *c)
{
	struct httpd_guard *g = c->guard;

	pthread_mutex_lock(&g->lock);
	if (c->prev != NULL) {
		c->prev->next = c->next;
	} else {
		g->head = c->next;
	}
	if (c->next != NULL) {
		c->next->prev = c->prev;
	}
	pthread_mutex_unlock(&g->lock);
	free(c);
}

void
httpd_guard_notify(void *cls, struct MHD_Connection *conn,
		   void **socket_context,
		   enum MHD_ConnectionNotificationCode code)
{
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		guard_started(cls, conn, socket_context);
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED &&
		   *socket_context != NULL) {
		guard_closed(*socket_context);
		*socket_context = NULL;
	}
}

static struct guard_conn *
guard_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info;

	if (conn == NULL) {
		return NULL;
	}
	info = MHD_get_connection_info(conn,
				       MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return info != NULL ? info->socket_context : NULL;
}

static void
guard_arm(struct MHD_Connection *conn, int armed)
{
	struct guard_conn *c = guard_of(conn);

	if (c == NULL) {
		return;
	}
	pthread_mutex_lock(&c->guard->lock);
	c->armed = armed;
	if (armed) {
		c->deadline = deadline_after(c->guard->seconds);
	}
	pthread_mutex_unlock(&c->guard->lock);
}

void
httpd_guard_request_whole(struct MHD_Connection *conn)
{
	guard_arm(conn, 0);
}

void
httpd_guard_request_ended(struct MHD_Connection *conn)
{
	guard_arm(conn, 1);
}
