/*
 * fixture.h: what the token and issuance tests share.
 *
 * They run against the real SoftHSM2 token of a setup made by
 * provisioning/provision-dev.sh, named by MYCERT_TEST_SETUP (tests/run-all.sh
 * sets it).  Each test that writes gets its own temporary folder.
 */
#ifndef MYCERT_TEST_FIXTURE_H
#define MYCERT_TEST_FIXTURE_H

#include "config.h"
#include "token.h"

/* The setup folder; aborts the run when MYCERT_TEST_SETUP is unset. */
const char *fixture_setup(void);

/* Loads the setup's configuration with the database moved to a new
 * temporary folder. */
struct config *fixture_config(void);

/* A new temporary folder (mkdtemp), malloc'd. */
char *fixture_temp_dir(void);

/* Writes text into a new file of mode 0600 in a temporary folder and
 * returns its path (malloc'd). */
char *fixture_secret_file(const char *text);

/* Opens the setup's token (aborts the test run if it cannot). */
struct token *fixture_token(const struct config *cfg);

#endif
