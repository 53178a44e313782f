/*
 * httpd.c: libmicrohttpd helpers shared by the two daemons (httpd.h).
 */
#include "httpd.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"

#define LOG_WINDOW_SECONDS 10	/* libmicrohttpd messages: at most */
#define LOG_WINDOW_LINES 20	/* this many lines per window */

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
