/*
 * mycert_devportal.c: mycert-devportal, the development portal as a
 * command line, for tests and benchmarks.
 *
 * Prints one compact JWS assertion for a persona (devportal.c), signed
 * with the development portal key of the configuration, and lets a test
 * bend each rule: other claims, issuer or audience, a shifted iat, a
 * longer lifetime, another signing key, or no signature at all
 * ("alg":"none").  A test and development tool: it needs only a key, not
 * dev_portal = on.  Its input (argv, the configuration) is the tester's.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "assertion.h"
#include "config.h"
#include "devportal.h"
#include "err.h"
#include "secret.h"

/* Ten years: enough for any test, small enough for time arithmetic. */
#define MAX_SHIFT_SECONDS 315360000L

static const char usage_text[] =
	"usage: mycert-devportal -c CONF [--persona KEY]\n"
	"         [--sub ID] [--given G] [--family F] [--code C] [--label L]\n"
	"         [--primary P] [--amr M] [--iss X] [--aud X]\n"
	"         [--iat-offset SECONDS] [--lifetime SECONDS]\n"
	"         [--key PEMFILE] [--alg-none]\n"
	"\n"
	"Prints one signed assertion (compact JWS) for a test persona.\n"
	"  -c, --config CONF    the appliance configuration (required)\n"
	"  --persona KEY        doctor (default), pharmacist, "
	"not-professional,\n"
	"                       not-primary, not-strong, html-name\n"
	"  --sub ... --amr      replace one claim of the persona; an empty\n"
	"                       value leaves the claim out\n"
	"  --iss, --aud         replace portal_issuer, appliance_id\n"
	"  --iat-offset S       iat = now + S (negative: in the past)\n"
	"  --lifetime S         exp - iat (default 300)\n"
	"  --key PEMFILE        sign with this key (mode 0600) instead of\n"
	"                       dev_portal_key\n"
	"  --alg-none           an unsigned token with \"alg\":\"none\"\n";

enum {
	OPT_PERSONA = 256,
	OPT_SUB,
	OPT_GIVEN,
	OPT_FAMILY,
	OPT_CODE,
	OPT_LABEL,
	OPT_PRIMARY,
	OPT_AMR,
	OPT_ISS,
	OPT_AUD,
	OPT_IAT_OFFSET,
	OPT_LIFETIME,
	OPT_KEY,
	OPT_ALG_NONE,
};

struct options {
	const char *conf_path;
	const char *persona;
	struct devportal_persona replace;	/* non-NULL fields win */
	const char *iss;
	const char *aud;
	long iat_offset;
	long lifetime;
	const char *key_path;
	int alg_none;
	int help;
};

static int
parse_seconds(const char *text, const char *what, long *out, struct err *e)
{
	char *end = NULL;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' ||
	    v < -MAX_SHIFT_SECONDS || v > MAX_SHIFT_SECONDS) {
		return err_set(e, ERR_USAGE, "%s must be a whole number of "
			       "seconds within +-%ld", what,
			       MAX_SHIFT_SECONDS);
	}
	*out = v;
	return 0;
}

/* Handles one option that sets a text; 0 when c is not one of them. */
static int
text_option(int c, struct options *o)
{
	const char **slot;

	switch (c) {
	case 'c': slot = &o->conf_path; break;
	case OPT_PERSONA: slot = &o->persona; break;
	case OPT_SUB: slot = &o->replace.sub; break;
	case OPT_GIVEN: slot = &o->replace.given_name; break;
	case OPT_FAMILY: slot = &o->replace.family_name; break;
	case OPT_CODE: slot = &o->replace.profession_code; break;
	case OPT_LABEL: slot = &o->replace.profession_label; break;
	case OPT_PRIMARY: slot = &o->replace.primary_id; break;
	case OPT_AMR: slot = &o->replace.amr; break;
	case OPT_ISS: slot = &o->iss; break;
	case OPT_AUD: slot = &o->aud; break;
	case OPT_KEY: slot = &o->key_path; break;
	default: return 0;
	}
	*slot = optarg;
	return 1;
}

static int
parse_args(int argc, char **argv, struct options *o, struct err *e)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "persona", required_argument, NULL, OPT_PERSONA },
		{ "sub", required_argument, NULL, OPT_SUB },
		{ "given", required_argument, NULL, OPT_GIVEN },
		{ "family", required_argument, NULL, OPT_FAMILY },
		{ "code", required_argument, NULL, OPT_CODE },
		{ "label", required_argument, NULL, OPT_LABEL },
		{ "primary", required_argument, NULL, OPT_PRIMARY },
		{ "amr", required_argument, NULL, OPT_AMR },
		{ "iss", required_argument, NULL, OPT_ISS },
		{ "aud", required_argument, NULL, OPT_AUD },
		{ "iat-offset", required_argument, NULL, OPT_IAT_OFFSET },
		{ "lifetime", required_argument, NULL, OPT_LIFETIME },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "alg-none", no_argument, NULL, OPT_ALG_NONE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (text_option(c, o)) {
			continue;
		}
		if (c == OPT_IAT_OFFSET) {
			if (parse_seconds(optarg, "--iat-offset",
					  &o->iat_offset, e) != 0) {
				return -1;
			}
		} else if (c == OPT_LIFETIME) {
			if (parse_seconds(optarg, "--lifetime", &o->lifetime,
					  e) != 0) {
				return -1;
			}
		} else if (c == OPT_ALG_NONE) {
			o->alg_none = 1;
		} else if (c == 'h') {
			o->help = 1;
		} else {
			return err_set(e, ERR_USAGE, "unknown option (see "
				       "mycert-devportal --help)");
		}
	}
	if (optind != argc) {
		return err_set(e, ERR_USAGE, "unexpected argument \"%.40s\"",
			       argv[optind]);
	}
	if (!o->help && o->conf_path == NULL) {
		return err_set(e, ERR_USAGE, "-c CONF is required");
	}
	return 0;
}

/* The chosen persona with the replaced claims. */
static int
build_persona(const struct options *o, struct devportal_persona *p,
	      struct err *e)
{
	const struct devportal_persona *base = devportal_find(o->persona);
	const struct devportal_persona *r = &o->replace;

	if (base == NULL) {
		return err_set(e, ERR_USAGE, "unknown persona \"%.40s\" (see "
			       "mycert-devportal --help)", o->persona);
	}
	*p = *base;
	p->sub = r->sub != NULL ? r->sub : p->sub;
	p->given_name = r->given_name != NULL ? r->given_name :
			p->given_name;
	p->family_name = r->family_name != NULL ? r->family_name :
			 p->family_name;
	p->profession_code = r->profession_code != NULL ?
			     r->profession_code : p->profession_code;
	p->profession_label = r->profession_label != NULL ?
			      r->profession_label : p->profession_label;
	p->primary_id = r->primary_id != NULL ? r->primary_id :
			p->primary_id;
	p->amr = r->amr != NULL ? r->amr : p->amr;
	return 0;
}

/* Signs (or, with --alg-none, does not sign) the claims into *jws. */
static int
make_token(const struct options *o, const struct config *cfg,
	   const char *claims, char **jws, struct err *e)
{
	EVP_PKEY *key = NULL;
	int rc;

	if (o->alg_none) {
		return assertion_sign_with_header("{\"alg\":\"none\","
						  "\"typ\":\"JWT\"}", claims,
						  NULL, jws, e);
	}
	if (o->key_path != NULL) {
		rc = devportal_load_key_file(o->key_path, &key, e);
	} else {
		rc = devportal_load_key(cfg, &key, e);
	}
	if (rc == 0) {
		rc = assertion_sign(claims, key, jws, e);
	}
	EVP_PKEY_free(key);
	return rc;
}

static int
run(const struct options *o, struct err *e)
{
	struct config *cfg = NULL;
	struct devportal_persona p;
	struct devportal_claims c = { 0 };
	char *claims = NULL, *jws = NULL;
	int rc = -1;

	if (config_load(o->conf_path, &cfg, e) != 0 ||
	    build_persona(o, &p, e) != 0) {
		goto out;
	}
	c.issuer = o->iss != NULL ? o->iss : cfg->portal_issuer;
	c.audience = o->aud != NULL ? o->aud : cfg->appliance_id;
	c.iat = time(NULL) + o->iat_offset;
	c.lifetime = o->lifetime;
	c.persona = &p;
	c.strong_amr = cfg->strong_amr;
	if (devportal_claims_json(&c, &claims, e) != 0 ||
	    make_token(o, cfg, claims, &jws, e) != 0) {
		goto out;
	}
	if (printf("%s\n", jws) < 0 || fflush(stdout) != 0) {
		err_set(e, ERR_IO, "cannot write to standard output");
		goto out;
	}
	rc = 0;
out:
	free(jws);
	free(claims);
	config_free(cfg);
	return rc;
}

int
main(int argc, char **argv)
{
	struct options o = {
		.persona = "doctor",
		.lifetime = ASSERTION_MAX_LIFETIME,
	};
	struct err e = { 0 };
	int rc;

	secret_protect_process();
	rc = parse_args(argc, argv, &o, &e);
	if (rc == 0 && o.help) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (rc == 0) {
		rc = run(&o, &e);
	}
	if (rc != 0) {
		fprintf(stderr, "mycert-devportal: error (%s): %s\n",
			err_code_name(e.code), e.msg);
		return e.code == ERR_USAGE ? 2 : 1;
	}
	return 0;
}
