/*
 * bench_issue.c: the cost of one issuance next to its primitives.
 *
 * Measured in one run, on the real token of a provisioned setup: key
 * generation alone, one token signature alone, PKCS#12 assembly alone,
 * and the whole issuance path (checks, key, certificate, signature and its
 * verification, password, PKCS#12, database transaction).  Prints each
 * mean with its 95% confidence interval and the ratio of the path to the
 * sum of its primitives.  RSA key generation time varies a lot from key to
 * key (prime search), so the RSA figures need many rounds; P-256 shows the
 * path's own overhead precisely.
 *
 * usage: bench-issue CONF DB_FOLDER [ROUNDS_RSA [ROUNDS_P256]]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "issue.h"
#include "password.h"
#include "profile.h"
#include "storage.h"
#include "token.h"

struct stats {
	double sum, sum2;
	int n;
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
add(struct stats *s, double v)
{
	s->sum += v;
	s->sum2 += v * v;
	s->n++;
}

static double
mean(const struct stats *s)
{
	return s->n ? s->sum / s->n : 0;
}

/* Half width of the 95% confidence interval of the mean. */
static double
ci95(const struct stats *s)
{
	double m = mean(s), var;

	if (s->n < 2) {
		return 0;
	}
	var = (s->sum2 - s->n * m * m) / (s->n - 1);
	return 1.96 * sqrt(var > 0 ? var : 0) / sqrt(s->n);
}

static void
die(const char *what, const struct err *e)
{
	fprintf(stderr, "bench-issue: %s: %s\n", what, e->msg);
	exit(1);
}

struct bench {
	struct config *cfg;
	struct token *token;
	struct issuer *iss;
	struct storage *db;
	struct token_key *ca_key;
	long next_id;
};

static struct identity
identity_for(long n, char id[11])
{
	struct identity i = {
		.ehealth_id = id,
		.given_name = "Hélène",
		.family_name = "Dupont-Lefèvre",
		.profession_code = "PS-001",
		.profession_label = "Médecin",
		.email = "bench@example.org",
	};

	snprintf(id, 11, "%010ld", n);
	return i;
}

/* A certificate to sign and a key to pack, made once. */
static void
sample(struct bench *b, EVP_PKEY **key, X509 **cert)
{
	char id[11];
	struct identity i = identity_for(9999999999L, id);
	struct err e = { 0 };

	if (issue_generate_key(b->cfg->store_key_type, key, &e) != 0 ||
	    profile_build_store_cert(b->cfg, &i, *key, issue_ca_cert(b->iss),
				     time(NULL), cert, &e) != 0) {
		die("sample", &e);
	}
}

struct measures {
	struct stats keygen, sign, p12;		/* primitives alone */
	struct stats path;			/* prepare + record */
	struct stats in_keygen, in_sign, in_p12, in_record;
	struct stats without_keygen;		/* path minus its keygen */
};

static void
measure_primitives(struct bench *b, enum config_key_type type, EVP_PKEY *key,
		   X509 *cert, struct measures *m)
{
	EVP_PKEY *k = NULL;
	unsigned char *der = NULL;
	size_t der_len = 0;
	char pw[PASSWORD_BUF];
	struct err e = { 0 };
	double t;

	t = now_ms();
	if (issue_generate_key(type, &k, &e) != 0) {
		die("keygen", &e);
	}
	add(&m->keygen, now_ms() - t);
	EVP_PKEY_free(k);
	t = now_ms();
	if (token_sign_cert(b->ca_key, cert, &e) != 0) {
		die("sign", &e);
	}
	add(&m->sign, now_ms() - t);
	if (password_new(pw, &e) != 0) {
		die("password", &e);
	}
	t = now_ms();
	if (issue_assemble(b->iss, key, cert, "0000000000", pw, &der, &der_len,
			   &e) != 0) {
		die("p12", &e);
	}
	add(&m->p12, now_ms() - t);
	OPENSSL_clear_free(der, der_len);
}

static void
measure_path(struct bench *b, struct measures *m)
{
	char id[11];
	struct identity i = identity_for(b->next_id++, id);
	struct issue_result res;
	struct err e = { 0 };
	double t = now_ms(), t_record, total;

	if (issue_prepare(b->iss, b->db, &i, "officer", &res, &e) != 0) {
		die("issuance", &e);
	}
	t_record = now_ms();
	if (issue_record(b->iss, b->db, &i, &res, &e) != 0) {
		die("recording", &e);
	}
	total = now_ms() - t;
	add(&m->in_record, now_ms() - t_record);
	add(&m->path, total);
	add(&m->in_keygen, res.timing.keygen_ms);
	add(&m->in_sign, res.timing.sign_ms);
	add(&m->in_p12, res.timing.p12_ms);
	/* The key's random cost cancels out of this one. */
	add(&m->without_keygen, total - res.timing.keygen_ms);
	issue_result_wipe(&res);
}

static void
row(const char *name, const struct stats *s)
{
	printf("  %-34s %9.3f ± %.3f\n", name, mean(s), ci95(s));
}

static void
report(const struct bench *b, enum config_key_type type, int rounds,
       const struct measures *m)
{
	double prim = mean(&m->keygen) + mean(&m->sign) + mean(&m->p12);
	double rest = mean(&m->sign) + mean(&m->p12);
	double paired = (mean(&m->in_keygen) + mean(&m->without_keygen)) /
			(mean(&m->in_keygen) + rest);

	printf("\nstore key %s, CA key in the token, %s PKCS#12 with %u "
	       "iterations, %d rounds\n(ms, mean ± 95%% confidence)\n",
	       config_key_type_name(type),
	       b->cfg->p12_profile == CONFIG_P12_MODERN ? "modern"
							: "compatible",
	       b->cfg->p12_iterations, rounds);
	row("key generation alone", &m->keygen);
	row("token signature alone", &m->sign);
	row("PKCS#12 assembly alone", &m->p12);
	printf("  %-34s %9.3f\n", "sum of the primitives", prim);
	row("whole issuance path", &m->path);
	row("  of which key generation", &m->in_keygen);
	row("  of which signature + verification", &m->in_sign);
	row("  of which password + PKCS#12", &m->in_p12);
	row("  of which database transaction", &m->in_record);
	printf("  path / primitives                  %9.3f\n",
	       mean(&m->path) / prim);
	printf("  path / primitives, keygen paired   %9.3f  (overhead "
	       "%+.1f%% ± %.1f%%)\n", paired, (paired - 1) * 100,
	       100 * ci95(&m->without_keygen) / (mean(&m->in_keygen) + rest));
}

static void
run_type(struct bench *b, enum config_key_type type, int rounds)
{
	struct measures m = { 0 };
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	int r;

	b->cfg->store_key_type = type;
	sample(b, &key, &cert);
	/* Interleaved, so that drift in machine speed hits all alike. */
	for (r = 0; r < rounds; r++) {
		measure_primitives(b, type, key, cert, &m);
		measure_path(b, &m);
	}
	report(b, type, rounds, &m);
	EVP_PKEY_free(key);
	X509_free(cert);
}

int
main(int argc, char **argv)
{
	struct bench b = { .next_id = 1 };
	struct token_params p;
	struct err e = { 0 };
	char *db_path = NULL;
	int rsa_rounds = argc > 3 ? atoi(argv[3]) : 60;
	int ec_rounds = argc > 4 ? atoi(argv[4]) : 200;

	if (argc < 3 || rsa_rounds < 2 || ec_rounds < 2) {
		fprintf(stderr, "usage: bench-issue CONF DB_FOLDER [ROUNDS_RSA "
			"[ROUNDS_P256]]\n");
		return 2;
	}
	if (config_load(argv[1], &b.cfg, &e) != 0) {
		die("config", &e);
	}
	p = (struct token_params){ b.cfg->pkcs11_module, b.cfg->softhsm2_conf,
				   b.cfg->token, b.cfg->pin_file };
	if (asprintf(&db_path, "%s/bench.db", argv[2]) < 0 ||
	    token_open(&p, &b.token, &e) != 0 ||
	    issue_open(b.cfg, b.token, &b.iss, &e) != 0 ||
	    token_find_key(b.token, b.cfg->ca_key, &b.ca_key, &e) != 0 ||
	    storage_create(db_path, &b.db, &e) != 0) {
		die("setup", &e);
	}
	printf("mycert issuance benchmark (database %s, synchronous=FULL)\n",
	       db_path);
	run_type(&b, CONFIG_KEY_P256, ec_rounds);
	run_type(&b, CONFIG_KEY_RSA3072, rsa_rounds);
	storage_close(b.db);
	issue_close(b.iss);
	token_close(b.token);
	config_free(b.cfg);
	free(db_path);
	return 0;
}
