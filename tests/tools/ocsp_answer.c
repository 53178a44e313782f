/*
 * ocsp_answer.c: ocsp-answer CONF, a test tool that answers one OCSP
 * request with the appliance's responder core, without HTTP
 * (tests/integration/test_status_core.sh).
 *
 * Loads the configuration CONF, opens the token, the CA and the database
 * it names, reads a DER OCSPRequest from standard input (at most
 * 1 MiB, so that oversized requests reach the responder) and writes the
 * DER OCSPResponse to standard output.  Exits 0 when answered, 1 when the
 * responder reported a failure (its error response is still written, the
 * message goes to standard error), 2 on bad usage or setup.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "issue.h"
#include "ocsp.h"
#include "secret.h"
#include "storage.h"
#include "token.h"

#define INPUT_MAX (1024 * 1024)

static int
read_input(unsigned char **buf, size_t *len)
{
	size_t n;

	*len = 0;
	*buf = malloc(INPUT_MAX + 1);
	if (*buf == NULL) {
		return -1;
	}
	while ((n = fread(*buf + *len, 1, INPUT_MAX + 1 - *len, stdin)) > 0) {
		*len += n;
		if (*len > INPUT_MAX) {
			return -1;
		}
	}
	return ferror(stdin) ? -1 : 0;
}

static int
open_all(const char *conf, struct config **cfg, struct token **t,
	 struct issuer **iss, struct ocsp_responder **r, struct storage **db,
	 struct err *e)
{
	struct token_params p = { 0 };

	if (config_load(conf, cfg, e) != 0) {
		return -1;
	}
	p.module = (*cfg)->pkcs11_module;
	p.softhsm2_conf = (*cfg)->softhsm2_conf;
	p.token = (*cfg)->token;
	p.pin_file = (*cfg)->pin_file;
	if (token_open(&p, t, e) != 0 ||
	    issue_open(*cfg, *t, iss, e) != 0 ||
	    ocsp_open(*cfg, *iss, *t, r, e) != 0 ||
	    storage_open((*cfg)->database, db, e) != 0) {
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct config *cfg = NULL;
	struct token *t = NULL;
	struct issuer *iss = NULL;
	struct ocsp_responder *r = NULL;
	struct storage *db = NULL;
	struct err e = { 0 };
	unsigned char *req = NULL, *resp = NULL;
	size_t req_len = 0, resp_len = 0;
	int rc = 2;

	secret_protect_process();
	if (argc != 2) {
		fprintf(stderr, "usage: ocsp-answer CONF <request.der "
			">response.der\n");
		return 2;
	}
	if (read_input(&req, &req_len) != 0) {
		fprintf(stderr, "ocsp-answer: cannot read standard input (at "
			"most %d bytes)\n", INPUT_MAX);
		goto out;
	}
	if (open_all(argv[1], &cfg, &t, &iss, &r, &db, &e) != 0) {
		fprintf(stderr, "ocsp-answer: %s\n", e.msg);
		goto out;
	}
	rc = ocsp_respond(r, db, req, req_len, time(NULL), &resp, &resp_len,
			  &e) == 0 ? 0 : 1;
	if (rc != 0) {
		fprintf(stderr, "ocsp-answer: %s (%s)\n", e.msg,
			err_code_name(e.code));
	}
	if (resp != NULL && (fwrite(resp, 1, resp_len, stdout) != resp_len ||
			     fflush(stdout) != 0)) {
		fprintf(stderr, "ocsp-answer: cannot write the response\n");
		rc = 2;
	}
out:
	free(req);
	free(resp);
	storage_close(db);
	ocsp_close(r);
	issue_close(iss);
	token_close(t);
	config_free(cfg);
	return rc;
}
