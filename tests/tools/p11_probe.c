/*
 * p11_probe.c: reads a private key's attributes with the raw PKCS#11 API.
 *
 * A test tool, not part of the product: it proves from outside mycert
 * that the CA key cannot be read out of the token.  It asks the module
 * directly (no libp11) for the key's flags and for its secret value
 * (CKA_PRIVATE_EXPONENT for RSA, CKA_VALUE for EC) and prints one
 * "name=value" line each.  The secret value itself is never printed,
 * only whether the token handed it over.
 *
 * usage: p11-probe MODULE TOKEN_LABEL PIN_FILE KEY_LABEL
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST_PTR f;

static void
die(const char *what, CK_RV rv)
{
	fprintf(stderr, "p11-probe: %s failed (0x%lx)\n", what,
		(unsigned long)rv);
	exit(1);
}

static CK_SLOT_ID
find_slot(const char *label)
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64, i;
	CK_TOKEN_INFO info;
	CK_RV rv = f->C_GetSlotList(CK_TRUE, slots, &n);

	if (rv != CKR_OK) {
		die("C_GetSlotList", rv);
	}
	for (i = 0; i < n; i++) {
		size_t len = strlen(label);

		if (f->C_GetTokenInfo(slots[i], &info) == CKR_OK &&
		    len <= sizeof(info.label) &&
		    memcmp(info.label, label, len) == 0 &&
		    (len == sizeof(info.label) || info.label[len] == ' ')) {
			return slots[i];
		}
	}
	fprintf(stderr, "p11-probe: no token %s\n", label);
	exit(1);
}

static void
login(CK_SESSION_HANDLE s, const char *pin_file)
{
	char pin[256] = "";
	FILE *fp = fopen(pin_file, "r");
	CK_RV rv;

	if (fp == NULL || fgets(pin, sizeof(pin), fp) == NULL) {
		fprintf(stderr, "p11-probe: cannot read %s\n", pin_file);
		exit(1);
	}
	fclose(fp);
	pin[strcspn(pin, "\r\n")] = '\0';
	rv = f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
	memset(pin, 0, sizeof(pin));
	if (rv != CKR_OK) {
		die("C_Login", rv);
	}
}

static CK_OBJECT_HANDLE
find_key(CK_SESSION_HANDLE s, const char *label)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_LABEL, (void *)label, strlen(label) },
	};
	CK_OBJECT_HANDLE obj;
	CK_ULONG n = 0;

	if (f->C_FindObjectsInit(s, tmpl, 2) != CKR_OK ||
	    f->C_FindObjects(s, &obj, 1, &n) != CKR_OK || n != 1) {
		fprintf(stderr, "p11-probe: no private key %s\n", label);
		exit(1);
	}
	f->C_FindObjectsFinal(s);
	return obj;
}

static void
print_flag(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t,
	   const char *name)
{
	CK_BBOOL v = CK_FALSE;
	CK_ATTRIBUTE a = { t, &v, sizeof(v) };

	if (f->C_GetAttributeValue(s, o, &a, 1) == CKR_OK) {
		printf("%s=%d\n", name, v == CK_TRUE);
	} else {
		printf("%s=unknown\n", name);
	}
}

static void
print_secret(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o)
{
	CK_KEY_TYPE type = 0;
	CK_ATTRIBUTE kt = { CKA_KEY_TYPE, &type, sizeof(type) };
	CK_ATTRIBUTE a = { 0, NULL, 0 };
	CK_RV rv;

	if (f->C_GetAttributeValue(s, o, &kt, 1) != CKR_OK) {
		die("reading the key type", 0);
	}
	a.type = type == CKK_RSA ? CKA_PRIVATE_EXPONENT : CKA_VALUE;
	rv = f->C_GetAttributeValue(s, o, &a, 1);
	if (rv == CKR_OK && a.ulValueLen != CK_UNAVAILABLE_INFORMATION) {
		printf("secret_value=read (%lu bytes)\n",
		       (unsigned long)a.ulValueLen);
	} else if (rv == CKR_ATTRIBUTE_SENSITIVE) {
		printf("secret_value=refused (CKR_ATTRIBUTE_SENSITIVE)\n");
	} else {
		printf("secret_value=refused (0x%lx)\n", (unsigned long)rv);
	}
}

int
main(int argc, char **argv)
{
	CK_RV (*get_list)(CK_FUNCTION_LIST_PTR_PTR);
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key;
	void *lib;
	CK_RV rv;

	if (argc != 5) {
		fprintf(stderr, "usage: p11-probe MODULE TOKEN_LABEL PIN_FILE "
			"KEY_LABEL\n");
		return 2;
	}
	lib = dlopen(argv[1], RTLD_NOW);
	if (lib == NULL) {
		fprintf(stderr, "p11-probe: %s\n", dlerror());
		return 1;
	}
	*(void **)&get_list = dlsym(lib, "C_GetFunctionList");
	if (get_list == NULL || get_list(&f) != CKR_OK) {
		die("C_GetFunctionList", 0);
	}
	if ((rv = f->C_Initialize(NULL)) != CKR_OK) {
		die("C_Initialize", rv);
	}
	rv = f->C_OpenSession(find_slot(argv[2]), CKF_SERIAL_SESSION, NULL,
			      NULL, &s);
	if (rv != CKR_OK) {
		die("C_OpenSession", rv);
	}
	login(s, argv[3]);
	key = find_key(s, argv[4]);
	print_flag(s, key, CKA_PRIVATE, "private");
	print_flag(s, key, CKA_SENSITIVE, "sensitive");
	print_flag(s, key, CKA_ALWAYS_SENSITIVE, "always_sensitive");
	print_flag(s, key, CKA_EXTRACTABLE, "extractable");
	print_flag(s, key, CKA_NEVER_EXTRACTABLE, "never_extractable");
	print_flag(s, key, CKA_LOCAL, "local");
	print_secret(s, key);
	f->C_Logout(s);
	f->C_CloseSession(s);
	f->C_Finalize(NULL);
	return 0;
}
