/*
 * mail_send.c: mail-send CONF TO LANG, a test tool that sends one code
 * with the appliance's mail module (tests/integration/test_mail_smtp.sh).
 *
 * Loads the configuration CONF, opens the mailer and sends the code read
 * from the first line of standard input (so that it never appears in
 * argv) to TO in LANG, valid for code_ttl_seconds rounded up to minutes.
 * Exits 0 when sent, 1 with the module's message on standard error when
 * refused or failed, 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "mail.h"
#include "secret.h"

#define CODE_LINE_MAX 128

/* Reads the first line of standard input into code, without its newline.
 * Returns 0, or -1 when there is none. */
static int
read_code(char code[CODE_LINE_MAX])
{
	if (fgets(code, CODE_LINE_MAX, stdin) == NULL) {
		return -1;
	}
	code[strcspn(code, "\r\n")] = '\0';
	return code[0] == '\0' ? -1 : 0;
}

int
main(int argc, char **argv)
{
	struct config *cfg = NULL;
	struct mailer *m = NULL;
	struct err e = { 0 };
	char code[CODE_LINE_MAX] = "";
	unsigned minutes;
	int rc = 1;

	if (argc != 4) {
		fprintf(stderr, "usage: mail-send CONF TO LANG (the code on "
			"standard input)\n");
		return 2;
	}
	secret_protect_process();
	if (read_code(code) != 0) {
		fprintf(stderr, "mail-send: no code on standard input\n");
		rc = 2;
		goto out;
	}
	if (config_load(argv[1], &cfg, &e) != 0 ||
	    mail_open(cfg, &m, &e) != 0) {
		goto out;
	}
	minutes = (cfg->code_ttl_seconds + 59) / 60;
	if (mail_send_code(m, argv[2], code, minutes, argv[3], &e) != 0) {
		goto out;
	}
	rc = 0;
out:
	if (rc == 1) {
		fprintf(stderr, "mail-send: %s (%s)\n", e.msg,
			err_code_name(e.code));
	}
	secret_wipe(code, sizeof(code));
	mail_close(m);
	config_free(cfg);
	return rc;
}
