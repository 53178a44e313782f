/*
 * mycertd.c: the daemon.  Serves the professionals' HTTPS front (web/),
 * runs issuance on worker threads (portal.c) and housekeeping on its main
 * thread, and stops cleanly on SIGTERM or SIGINT: requests in flight
 * finish, running generations finish, the database is closed, every held
 * password is wiped.  Refuses to start, with a message that says what to
 * fix, when the configuration, the token, the keys or the database are
 * not usable.  Logs one key=value line per event on standard error.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "devportal.h"
#include "err.h"
#include "issue.h"
#include "log.h"
#include "mail.h"
#include "portal.h"
#include "secret.h"
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

static int
start(struct daemon *d, struct err *e)
{
	struct token_params tp;
	struct web_params wp;

	if (config_load(d->conf_path, &d->cfg, e) != 0 ||
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
	if (d->cfg->dev_portal &&
	    devportal_load_key(d->cfg, &d->dev_key, e) != 0) {
		return -1;
	}
	if (portal_open(d->cfg, d->token, d->issuer, d->mailer, &d->portal,
			e) != 0) {
		return -1;
	}
	wp = (struct web_params){ d->cfg, d->portal, d->dev_key };
	return web_start(&wp, &d->web, e);
}

/* Waits for SIGTERM or SIGINT, running housekeeping meanwhile. */
static int
serve(struct daemon *d, const sigset_t *stop)
{
	struct timespec tick = { HOUSEKEEPING_SECONDS, 0 };
	struct err e = { 0 };
	int sig;

	for (;;) {
		sig = sigtimedwait(stop, NULL, &tick);
		if (sig > 0) {
			return sig;
		}
		if (sig < 0 && errno != EAGAIN && errno != EINTR) {
			return 0;
		}
		if (portal_housekeeping(d->portal, time(NULL), &e) != 0) {
			log_event("error", "housekeeping", "error=%s detail="
				  "\"%s\"", err_code_name(e.code), e.msg);
		}
	}
}

static void
stop(struct daemon *d)
{
	/* Order: no new requests, then no new work, then the token. */
	web_stop(d->web);
	portal_close(d->portal);
	EVP_PKEY_free(d->dev_key);
	issue_close(d->issuer);
	token_close(d->token);
	mail_close(d->mailer);
	config_free(d->cfg);
}

int
main(int argc, char **argv)
{
	struct daemon d = { .conf_path = DEFAULT_CONFIG };
	struct err e = { 0 };
	sigset_t signals;
	int sig;

	secret_protect_process();
	/* Blocked before any thread starts, so that only serve() gets them;
	 * SIGPIPE from a closed connection must not kill the daemon. */
	sigemptyset(&signals);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGINT);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (parse_args(argc, argv, &d, &e) != 0 || start(&d, &e) != 0) {
		log_event("error", "start-refused", "error=%s detail=\"%s\"",
			  err_code_name(e.code), e.msg);
		fprintf(stderr, "mycertd: cannot start: %s\n", e.msg);
		stop(&d);
		return e.code == ERR_USAGE ? 2 : 1;
	}
	log_event("info", "started", "listen=%s dev_portal=%s",
		  d.cfg->listen, d.cfg->dev_portal ? "on" : "off");
	sig = serve(&d, &signals);
	log_event("info", "stopping", "signal=%d", sig);
	stop(&d);
	log_event("info", "stopped", "clean=yes");
	return 0;
}
