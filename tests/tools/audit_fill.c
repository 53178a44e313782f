/*
 * audit_fill.c: build/audit-fill, a test and bench tool that fills the
 * audit log of a setup with synthetic entries and signs checkpoints with
 * the real token (tests/integration/test_audit_verify.sh, bench/audit.sh),
 * until the daemon's events are wired.
 *
 *   audit-fill CONF COUNT [--batch B] [--checkpoint-every K] [--no-final]
 *
 * Appends COUNT entries, B per transaction (storage_audit_record_many;
 * default 1), signs a checkpoint every K entries (default: none) and one
 * at the end (unless --no-final), and prints the append rate on stdout.
 * The entries cycle through the events with values that need encoding
 * (UTF-8, %, backslash, spaces).  Runs only against a test setup.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "config.h"
#include "storage.h"
#include "token.h"

struct fill {
	long count, batch, every;
	int final;
	struct config *cfg;
	struct storage *db;
	struct token *token;
	struct token_key *key;
	long checkpoints;
	double checkpoint_seconds;
};

static double
seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Entry i: a deterministic mix of events, actors and awkward values. */
static void
make_entry(long i, struct audit_entry *a, char *object, char *detail,
	   char *actor)
{
	static const char *const events[] = {
		"access_granted", "terms_accepted", "code_sent",
		"code_failed", "store_issued", "store_downloaded",
		"access_refused", "store_deactivated", "crl_published",
		"config_changed",
	};
	size_t k = (size_t)i % (sizeof(events) / sizeof(events[0]));

	memset(a, 0, sizeof(*a));
	snprintf(actor, 32, "ehealth:%010ld", 1000000000L + i % 97);
	a->actor = k == 8 ? "system" : k == 9 ? "officer" : actor;
	a->event = events[k];
	a->outcome = k == 3 ? "refused:wrong_code"
		   : k == 6 ? "refused:not_strong_auth" : "ok";
	a->source = k >= 8 ? "" : i % 2 ? "192.0.2.7" : "2001:db8::7";
	snprintf(object, 128, k == 8 ? "crl:%ld"
			      : k == 9 ? "config:/etc/mycert/my%%cert\\%ld.conf"
				       : "serial:%032lx", i);
	a->object = object;
	snprintf(detail, 128, "n=%ld label=M\xc3\xa9" "decin%%20\\x", i);
	a->detail = k == 4 ? detail : k == 1 ? "version=2026-01" : "";
}

static int
checkpoint(struct fill *f, struct err *e)
{
	double t0 = seconds();

	if (audit_checkpoint(f->cfg, f->key, f->db, time(NULL), e) != 0) {
		return -1;
	}
	f->checkpoints++;
	f->checkpoint_seconds += seconds() - t0;
	return 0;
}

static int
fill_log(struct fill *f, struct err *e)
{
	struct audit_entry *a = calloc((size_t)f->batch, sizeof(*a));
	char (*objects)[128] = calloc((size_t)f->batch, 128);
	char (*details)[128] = calloc((size_t)f->batch, 128);
	char (*actors)[32] = calloc((size_t)f->batch, 32);
	double t0, spent = 0;
	long done = 0, n, j;
	int rc = -1;

	if (a == NULL || objects == NULL || details == NULL || actors == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto out;
	}
	while (done < f->count) {
		n = f->count - done < f->batch ? f->count - done : f->batch;
		for (j = 0; j < n; j++) {
			make_entry(done + j, &a[j], objects[j], details[j],
				   actors[j]);
		}
		t0 = seconds();
		if (storage_audit_record_many(f->db, a, (size_t)n, e) != 0) {
			goto out;
		}
		spent += seconds() - t0;
		done += n;
		if (f->every > 0 && done % f->every == 0 &&
		    checkpoint(f, e) != 0) {
			goto out;
		}
	}
	if (f->final && checkpoint(f, e) != 0) {
		goto out;
	}
	printf("audit-fill: appended %ld entries, %ld per transaction, in "
	       "%.3f s: %.0f entries/s; %ld checkpoints in %.3f s\n", done,
	       f->batch, spent, spent > 0 ? (double)done / spent : 0.0,
	       f->checkpoints, f->checkpoint_seconds);
	rc = 0;
out:
	free(a);
	free(objects);
	free(details);
	free(actors);
	return rc;
}

static int
parse(int argc, char **argv, struct fill *f)
{
	static const struct option opts[] = {
		{ "batch", required_argument, NULL, 'b' },
		{ "checkpoint-every", required_argument, NULL, 'k' },
		{ "no-final", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	f->batch = 1;
	f->final = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'b') {
			f->batch = strtol(optarg, NULL, 10);
		} else if (c == 'k') {
			f->every = strtol(optarg, NULL, 10);
		} else if (c == 'n') {
			f->final = 0;
		} else {
			return -1;
		}
	}
	if (optind != argc - 2 || f->batch < 1 || f->every < 0) {
		return -1;
	}
	f->count = strtol(argv[optind + 1], NULL, 10);
	return f->count < 0 ? -1 : 0;
}

int
main(int argc, char **argv)
{
	struct fill f = { 0 };
	struct err e = { 0 };
	struct token_params p = { 0 };
	int rc = 1;

	if (parse(argc, argv, &f) != 0) {
		fprintf(stderr, "usage: audit-fill CONF COUNT [--batch B] "
			"[--checkpoint-every K] [--no-final]\n");
		return 2;
	}
	if (config_load(argv[optind], &f.cfg, &e) != 0 ||
	    storage_open(f.cfg->database, &f.db, &e) != 0) {
		goto out;
	}
	if (f.final || f.every > 0) {
		p.module = f.cfg->pkcs11_module;
		p.softhsm2_conf = f.cfg->softhsm2_conf;
		p.token = f.cfg->token;
		p.pin_file = f.cfg->pin_file;
		if (token_open(&p, &f.token, &e) != 0 ||
		    token_find_key(f.token, f.cfg->audit_key, &f.key, &e)) {
			goto out;
		}
	}
	rc = fill_log(&f, &e) == 0 ? 0 : 1;
out:
	if (e.code != ERR_NONE) {
		fprintf(stderr, "audit-fill: %s\n", e.msg);
	}
	token_close(f.token);
	storage_close(f.db);
	config_free(f.cfg);
	return rc;
}
