/*
 * fixture.c: shared setup of the token and issuance tests (fixture.h).
 */
#include "fixture.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *
fixture_setup(void)
{
	const char *dir = getenv("MYCERT_TEST_SETUP");

	if (dir == NULL || dir[0] == '\0') {
		fprintf(stderr, "unit-tests: MYCERT_TEST_SETUP is not set; run "
			"them through make check\n");
		exit(2);
	}
	return dir;
}

char *
fixture_temp_dir(void)
{
	char *dir = strdup("/tmp/mycert-unit-XXXXXX");

	if (dir == NULL || mkdtemp(dir) == NULL) {
		perror("unit-tests: mkdtemp");
		exit(2);
	}
	return dir;
}

struct config *
fixture_config(void)
{
	struct config *cfg = NULL;
	struct err e = { 0 };
	char *path = NULL, *dir;

	if (asprintf(&path, "%s/mycertd.conf", fixture_setup()) < 0 ||
	    config_load(path, &cfg, &e) != 0) {
		fprintf(stderr, "unit-tests: %s\n", e.msg);
		exit(2);
	}
	free(path);
	dir = fixture_temp_dir();
	free(cfg->database);
	if (asprintf(&cfg->database, "%s/test.db", dir) < 0) {
		exit(2);
	}
	free(dir);
	return cfg;
}

char *
fixture_secret_file(const char *text)
{
	char *dir = fixture_temp_dir(), *path = NULL;
	int fd;

	if (asprintf(&path, "%s/secret", dir) < 0) {
		exit(2);
	}
	free(dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		perror("unit-tests: secret file");
		exit(2);
	}
	close(fd);
	return path;
}

struct token *
fixture_token(const struct config *cfg)
{
	struct token_params p = {
		.module = cfg->pkcs11_module,
		.softhsm2_conf = cfg->softhsm2_conf,
		.token = cfg->token,
		.pin_file = cfg->pin_file,
	};
	struct token *t = NULL;
	struct err e = { 0 };

	if (token_open(&p, &t, &e) != 0) {
		fprintf(stderr, "unit-tests: cannot open the test token: %s\n",
			e.msg);
		exit(2);
	}
	return t;
}
