/*
 * run_unit.c: runs every CUnit suite and exits non-zero on any failure.
 */
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>

#include "suites.h"

int
main(void)
{
	int (*const suites[])(void) = {
		test_config_register,	 test_identity_register,
		test_password_register,	 test_token_uri_register,
		test_storage_register,	 test_token_register,
		test_issue_register,	 test_mail_register,
		test_json_register,	 test_assertion_register,
		test_devportal_register, test_form_register,
		test_pages_register,	 test_crl_register,
		test_ocsp_register,	 test_renewal_register,
		test_merkle_register,	 test_audit_register,
	};
	unsigned failed;
	size_t i;

	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "unit-tests: cannot start CUnit\n");
		return 2;
	}
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		if (suites[i]() != 0) {
			fprintf(stderr, "unit-tests: cannot register a suite: "
				"%s\n", CU_get_error_msg());
			CU_cleanup_registry();
			return 2;
		}
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() +
		 CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
