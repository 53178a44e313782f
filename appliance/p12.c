/*
 * p12.c: PKCS#12 assembly (see p12.h).
 */
#include "p12.h"

#include <openssl/pkcs12.h>

int
p12_build(EVP_PKEY *key, X509 *cert, STACK_OF(X509) *chain,
	  const char *friendly_name, const char *password,
	  enum config_p12_profile profile, unsigned iterations,
	  unsigned char **der, size_t *der_len, struct err *e)
{
	int compatible = profile == CONFIG_P12_COMPATIBLE;
	int nid = compatible ? NID_pbe_WithSHA1And3_Key_TripleDES_CBC
			     : NID_aes_256_cbc;
	const EVP_MD *mac = compatible ? EVP_sha1() : EVP_sha256();
	PKCS12 *p12 = NULL;
	int len;

	*der = NULL;
	*der_len = 0;
	/* mac_iter -1: no MAC yet; it is set below with an explicit digest
	 * and count, rather than OpenSSL's version-dependent default. */
	p12 = PKCS12_create(password, friendly_name, key, cert, chain, nid,
			    nid, (int)iterations, -1, 0);
	if (p12 == NULL ||
	    PKCS12_set_mac(p12, password, -1, NULL, 0, (int)iterations,
			   mac) != 1) {
		PKCS12_free(p12);
		return err_openssl(e, ERR_CRYPTO, "cannot assemble the "
				   "PKCS#12 file");
	}
	len = i2d_PKCS12(p12, der);
	PKCS12_free(p12);
	if (len <= 0) {
		*der = NULL;
		return err_openssl(e, ERR_CRYPTO, "cannot encode the PKCS#12 "
				   "file");
	}
	*der_len = (size_t)len;
	return 0;
}
