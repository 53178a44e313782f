/*
 * mycertd.c: the daemon.  Serves the professionals' HTTPS front (web/)
 * and the plain-HTTP status listener (web/status.c: CRL, CA certificate,
 * OCSP), runs issuance on worker threads (portal.c) and housekeeping and
 * CRL publishing on its main thread, and stops cleanly on SIGTERM or
 * SIGINT: requests in flight finish, running generations finish, the
 * database is closed, every held password is wiped.  It binds both
 * listeners first, then gives up root or its capabilities (privilege.h),
 * and only then reads the token, the database and the keys, as the
 * account that owns them; it refuses a database that group or others
 * may read (the PIN file and the keys get the same refusal where they
 * are read).  Refuses to start,
 * with a message that says what to fix, when the configuration, the
 * token, the keys, the database or the publish folder are not usable.
 * Logs one key=value line per event on standard error.
 *
 * CRLs: one is published at start, then whenever crl_needs_publish says
 * so: checked every HOUSEKEEPING_SECONDS (revocations by mycert-admin in
 * another process are seen there) and at once after a revocation by the
 * portal, whose hook sends SIGUSR1 to the main thread (an operator may
 * send SIGUSR1 too).  Only the main thread publishes.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "config.h"
#include "crl.h"
#include "devportal.h"
#include "err.h"
#include "issue.h"
#include "listen.h"
#include "log.h"
#include "mail.h"
#include "ocsp.h"
#include "portal.h"
#include "privilege.h"
#include "secret.h"
#include "status.h"
#include "storage.h"
#include "token.h"
#include "web.h"

#define DEFAULT_CONFIG "/etc/mycert/mycertd.conf"
#define HOUSEKEEPING_SECONDS 5

struct daemon {
	const char *conf_path;
	struct config *cfg;
	struct mailer *mailer;
	struct token *token;
	struct issuer *issuer;
	EVP_PKEY *dev_key;
	struct portal *portal;
	struct web *web;
	struct ocsp_responder *ocsp;
	struct status_server *status;
	struct storage *db;		/* the main thread's, for CRLs */
	struct token_key *audit_key;	/* signs audit checkpoints */
	struct crl_watch watch;
	pthread_mutex_t publish_lock;	/* one CRL publisher at a time */
	pthread_t main_thread;		/* woken by SIGUSR1 to publish */
	int web_fd;			/* listen, bound before the drop */
	int status_fd;			/* status_listen, likewise */
	int instance_fd;		/* holds the one-daemon lock */
};

static int
parse_args(int argc, char **argv, struct daemon *d, struct err *e)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (c == 'c') {
			d->conf_path = optarg;
		} else if (c == 'h') {
			printf("usage: mycertd [-c CONF]\n"
			       "Serves the mycert front; CONF defaults to "
			       DEFAULT_CONFIG ".\n");
			exit(0);
		} else {
			return err_set(e, ERR_USAGE, "usage: mycertd [-c CONF]");
		}
	}
	if (optind != argc) {
		return err_set(e, ERR_USAGE, "usage: mycertd [-c CONF]");
	}
	return 0;
}

/* Publishes a new CRL when crl_needs_publish says one is due; logs it.
 * Called by the main thread only; the lock keeps two publishers of this
 * process apart should another caller appear (crl.h locks between
 * processes). */
static int
publish_crl(struct daemon *d, struct err *e)
{
	struct crl_result r;
	const char *why = "";
	time_t now = time(NULL);
	int needed = 0, rc = 0;

	pthread_mutex_lock(&d->publish_lock);
	if (crl_needs_publish(d->cfg, d->db, now, &d->watch, &needed, &why,
			      e) != 0) {
		rc = -1;
	} else if (needed && crl_publish(d->cfg, d->issuer, d->db, now, &r,
					 e) != 0) {
		rc = -1;
	} else if (needed) {
		crl_watch_update(&d->watch, &r);
		log_event("info", "crl-published", "number=%lld revoked=%ld "
			  "next_update=%lld why=\"%s\"", r.number, r.revoked,
			  (long long)r.next_update, why);
	}
	pthread_mutex_unlock(&d->publish_lock);
	return rc;
}

static void
record_daemon(struct daemon *d, const char *event)
{
	struct audit_entry a = {
		.actor = "system", .event = event, .object = "",
		.outcome = "ok", .source = "", .detail = "",
	};
	struct err e = { 0 };

	if (d->db == NULL || storage_audit_record(d->db, &a, &e) != 0) {
		log_event("error", "audit-failed", "event=%s detail=\"%s\"",
			  event, e.msg);
	}
}

/* Signs an audit checkpoint when one is due (or now, when forced). */
static void
checkpoint(struct daemon *d, int force)
{
	struct err e = { 0 };
	int due = force;

	if (d->db == NULL || d->audit_key == NULL) {
		return;
	}
	if ((!force && audit_checkpoint_due(d->cfg, d->db, time(NULL), &due,
					    &e) != 0) ||
	    (due && audit_checkpoint(d->cfg, d->audit_key, d->db, time(NULL),
				     &e) != 0)) {
		log_event("error", "checkpoint-failed", "error=%s detail="
			  "\"%s\"", err_code_name(e.code), e.msg);
	}
}

/* The portal's revocation hook (request threads): wakes the main thread,
 * which publishes.  Signals coalesce: a burst gives one or two CRLs. */
static void
wake_publisher(void *arg)
{
	struct daemon *d = arg;

	pthread_kill(d->main_thread, SIGUSR1);
}

/* The OCSP responder, the first CRL and the status listener. */
static int
start_status(struct daemon *d, struct err *e)
{
	struct status_params sp;

	if (ocsp_open(d->cfg, d->issuer, d->token, &d->ocsp, e) != 0 ||
	    storage_open(d->cfg->database, &d->db, e) != 0 ||
	    publish_crl(d, e) != 0) {
		return -1;
	}
	sp = (struct status_params){ d->cfg, d->ocsp, d->status_fd };
	d->status_fd = -1;	/* status_start's now, whatever it returns */
	return status_start(&sp, &d->status, e);
}

/* The database and the files SQLite keeps beside it hold every holder's
 * data and the audit log: nobody but the service account may read them. */
static int
check_database_private(const char *db, struct err *e)
{
	static const char *const suffixes[] = { "-wal", "-shm" };
	char path[4096];
	size_t i;

	if (privilege_check_private(db, "database", 1, e) != 0) {
		return -1;
	}
	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s%s", db,
				     suffixes[i]) >= sizeof(path)) {
			return err_set(e, ERR_CONFIG, "database = %s: path too "
				       "long", db);
		}
		if (privilege_check_private(path, "database file", 1, e) != 0) {
			return -1;
		}
	}
	return 0;
}

/* One mycertd per database: at start it settles what a stopped daemon
 * left half-way (portal.c), which would break the generations of one
 * still running.  An flock on DATABASE.mycertd-lock, held until exit
 * (the kernel drops it when the process dies, SIGKILL included). */
static int
lock_instance(struct daemon *d, struct err *e)
{
	char path[4096];
	int n = snprintf(path, sizeof(path), "%s.mycertd-lock",
			 d->cfg->database);

	if (n < 0 || (size_t)n >= sizeof(path)) {
		return err_set(e, ERR_CONFIG, "database is too long a path");
	}
	d->instance_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
			      0600);
	if (d->instance_fd < 0) {
		return err_set(e, ERR_IO, "cannot open %s: %s; check the "
			       "database folder's permissions", path,
			       strerror(errno));
	}
	if (flock(d->instance_fd, LOCK_EX | LOCK_NB) != 0) {
		return err_set(e, errno == EWOULDBLOCK ? ERR_UNAVAILABLE
			       : ERR_IO, "another mycertd is using the "
			       "database %s (%s is locked); stop it first",
			       d->cfg->database, path);
	}
	return 0;
}

/* What may need root: the configuration (possibly root's), both
 * listeners (a port below 1024).  Then root and every capability go,
 * before any token, key, database or network input is touched. */
/* The development portal signs assertions for anyone who reaches it:
 * refused before anything is bound, so that a reachable address is never
 * opened for it, even for a moment (web.c checks again). */
static int
check_dev_portal_loopback(const struct config *cfg, struct err *e)
{
	int loopback = 0;

	if (!cfg->dev_portal) {
		return 0;
	}
	if (listen_is_loopback(cfg->listen, "listen", &loopback, e) != 0) {
		return -1;
	}
	if (!loopback) {
		return err_set(e, ERR_CONFIG, "dev_portal = on is refused on "
			       "the non-loopback address listen = %s: the "
			       "development portal signs assertions for "
			       "anyone; turn it off or listen on 127.0.0.1 "
			       "or [::1]", cfg->listen);
	}
	return 0;
}

static int
prepare(struct daemon *d, struct err *e)
{
	if (config_load(d->conf_path, &d->cfg, e) != 0 ||
	    check_dev_portal_loopback(d->cfg, e) != 0 ||
	    listen_bind(d->cfg->listen, "listen", &d->web_fd, e) != 0 ||
	    listen_bind(d->cfg->status_listen, "status_listen", &d->status_fd,
			e) != 0 ||
	    privilege_drop(d->cfg->user, e) != 0) {
		return -1;
	}
	/* A missing database is refused later (storage_open) with its own
	 * message; here only one that others may read. */
	return check_database_private(d->cfg->database, e);
}

static int
start(struct daemon *d, struct err *e)
{
	struct token_params tp;
	struct web_params wp;

	if (lock_instance(d, e) != 0 ||
	    mail_open(d->cfg, &d->mailer, e) != 0) {
		return -1;
	}
	tp = (struct token_params){ d->cfg->pkcs11_module,
				    d->cfg->softhsm2_conf, d->cfg->token,
				    d->cfg->pin_file };
	if (token_open(&tp, &d->token, e) != 0 ||
	    issue_open(d->cfg, d->token, &d->issuer, e) != 0) {
		return -1;
	}
	/* The audit key signs checkpoints; without one the log is still
	 * kept, but unsigned (said at start). */
	if (d->cfg->audit_key != NULL &&
	    token_find_key(d->token, d->cfg->audit_key, &d->audit_key,
			   e) != 0) {
		return -1;
	}
	if (d->cfg->dev_portal &&
	    devportal_load_key(d->cfg, &d->dev_key, e) != 0) {
		return -1;
	}
	if (portal_open(d->cfg, d->token, d->issuer, d->mailer, &d->portal,
			e) != 0) {
		return -1;
	}
	portal_on_revocation(d->portal, wake_publisher, d);
	wp = (struct web_params){ d->cfg, d->portal, d->dev_key, d->web_fd };
	d->web_fd = -1;	/* web_start's now, whatever it returns */
	/* The front first: its refusals (dev_portal) come before the first
	 * CRL is recorded. */
	if (web_start(&wp, &d->web, e) != 0) {
		return -1;
	}
	return start_status(d, e);
}

static long long
monotonic_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Waits for SIGTERM or SIGINT, running housekeeping and the CRL check
 * every HOUSEKEEPING_SECONDS meanwhile, and publishing at once on
 * SIGUSR1.  Returns the stopping signal. */
static int
serve(struct daemon *d, const sigset_t *waited)
{
	const long long period = HOUSEKEEPING_SECONDS * 1000LL;
	long long next = monotonic_ms() + period, left;
	struct timespec tick;
	struct err e = { 0 };
	int sig;

	for (;;) {
		left = next - monotonic_ms();
		left = left < 0 ? 0 : left;
		tick = (struct timespec){ left / 1000,
					  (long)(left % 1000) * 1000000 };
		sig = sigtimedwait(waited, NULL, &tick);
		if (sig > 0 && sig != SIGUSR1) {
			return sig;
		}
		if (sig < 0 && errno != EAGAIN && errno != EINTR) {
			return 0;
		}
		if (sig < 0 && monotonic_ms() >= next) {
			next = monotonic_ms() + period;
			if (portal_housekeeping(d->portal, time(NULL),
						&e) != 0) {
				log_event("error", "housekeeping", "error=%s "
					  "detail=\"%s\"",
					  err_code_name(e.code), e.msg);
			}
		} else if (sig < 0) {
			continue;	/* EINTR before the period ended */
		}
		if (publish_crl(d, &e) != 0) {
			log_event("error", "crl-publish-failed", "error=%s "
				  "detail=\"%s\"", err_code_name(e.code),
				  e.msg);
		}
		checkpoint(d, 0);
	}
}

/* No new requests, no new work: what stop() closes after the last audit
 * entries are written. */
static void
stop_serving(struct daemon *d)
{
	web_stop(d->web);
	d->web = NULL;
	status_stop(d->status);
	d->status = NULL;
	portal_close(d->portal);
	d->portal = NULL;
}

static void
stop(struct daemon *d)
{
	/* Order: no new requests, then no new work, then the token. */
	web_stop(d->web);
	status_stop(d->status);
	portal_close(d->portal);
	ocsp_close(d->ocsp);
	storage_close(d->db);
	EVP_PKEY_free(d->dev_key);
	issue_close(d->issuer);
	token_close(d->token);
	mail_close(d->mailer);
	config_free(d->cfg);
	if (d->web_fd >= 0) {
		close(d->web_fd);
	}
	if (d->status_fd >= 0) {
		close(d->status_fd);
	}
	if (d->instance_fd >= 0) {
		close(d->instance_fd);	/* last: releases the lock */
	}
}

int
main(int argc, char **argv)
{
	struct daemon d = { .conf_path = DEFAULT_CONFIG, .web_fd = -1,
			    .status_fd = -1, .instance_fd = -1 };
	struct err e = { 0 };
	sigset_t signals;
	int sig;

	secret_protect_process();
	d.main_thread = pthread_self();
	pthread_mutex_init(&d.publish_lock, NULL);
	/* Blocked before any thread starts, so that only serve() gets them;
	 * SIGPIPE from a closed connection must not kill the daemon. */
	sigemptyset(&signals);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (parse_args(argc, argv, &d, &e) != 0 || prepare(&d, &e) != 0 ||
	    start(&d, &e) != 0) {
		/* One line, and the status of README's table: a service
		 * manager must not restart on a wrong PIN (13), which would
		 * only bring the token closer to locking. */
		log_event("error", "start-refused", "error=%s detail=\"%s\"",
			  err_code_name(e.code), e.msg);
		stop(&d);
		return err_exit_status(e.code);
	}
	log_event("info", "started", "listen=%s status_listen=%s "
		  "dev_portal=%s", d.cfg->listen, d.cfg->status_listen,
		  d.cfg->dev_portal ? "on" : "off");
	record_daemon(&d, "daemon_started");
	sig = serve(&d, &signals);
	log_event("info", "stopping", "signal=%d", sig);
	stop_serving(&d);
	record_daemon(&d, "daemon_stopped");
	checkpoint(&d, 1);
	stop(&d);
	log_event("info", "stopped", "clean=yes");
	return 0;
}
