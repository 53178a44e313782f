/*
 * suites.h: the CUnit suites of the unit tests, one per module.
 *
 * Each test_<module>.c defines test_<module>_register(), which adds its
 * suite and returns 0 (or -1 when CUnit fails).  Suites that need a token
 * use the provisioned setup named by MYCERT_TEST_SETUP (see fixture.h).
 */
#ifndef MYCERT_TEST_SUITES_H
#define MYCERT_TEST_SUITES_H

int test_config_register(void);
int test_identity_register(void);
int test_password_register(void);
int test_token_uri_register(void);
int test_storage_register(void);
int test_token_register(void);
int test_issue_register(void);
int test_mail_register(void);
int test_json_register(void);
int test_assertion_register(void);
int test_devportal_register(void);
int test_form_register(void);
int test_pages_register(void);
int test_renewal_register(void);
int test_crl_register(void);
int test_ocsp_register(void);
int test_merkle_register(void);
int test_audit_register(void);

struct config;
struct err;
/* Parses hsm-config/mycertd.conf.example with set appended (the values
 * it leaves to the officer; may be NULL): config_parse's result. */
int test_config_parse_example(const char *set, struct config **cfg,
			      struct err *e);
/* The officer's values that test_config.c appends to the example. */
extern const char test_config_example_set[];

#endif
