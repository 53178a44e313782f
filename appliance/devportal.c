/*
 * devportal.c: the development portal's personas and assertions
 * (devportal.h).
 *
 * Runs in mycertd (development only) and in build/mycert-devportal.  Its
 * input is trusted: the persona table below, the configuration and a
 * tester's command line.  It reads one private key file (mode 0600).
 */
#include "devportal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "assertion.h"
#include "json.h"

#define JTI_BYTES 16

static const struct devportal_persona personas[] = {
	{
		.key = "doctor",
		.description_en = "A doctor with every access condition met",
		.description_fr = "Une médecin qui remplit toutes les "
				  "conditions d'accès",
		.description_de = "Eine Ärztin, die alle "
				  "Zugangsbedingungen erfüllt",
		.sub = "8000000001",
		.given_name = "Hélène",
		.family_name = "Dupont-Lefèvre",
		.profession_code = "PS-001",
		.profession_label = "Médecin",
		.primary_id = "ehealth_id",
		.amr = NULL,
	},
	{
		.key = "pharmacist",
		.description_en = "A pharmacist with every access condition "
				  "met",
		.description_fr = "Un pharmacien qui remplit toutes les "
				  "conditions d'accès",
		.description_de = "Ein Apotheker, der alle "
				  "Zugangsbedingungen erfüllt",
		.sub = "8000000002",
		.given_name = "Jean-Luc",
		.family_name = "O'Connor",
		.profession_code = "PS-021",
		.profession_label = "Pharmacien",
		.primary_id = "ehealth_id",
		.amr = NULL,
	},
	{
		.key = "not-professional",
		.description_en = "A person who is not a health professional",
		.description_fr = "Une personne qui n'est pas professionnelle "
				  "de santé",
		.description_de = "Eine Person, die keine "
				  "Gesundheitsfachkraft ist",
		.sub = "8000000003",
		.given_name = "Marie",
		.family_name = "Martin",
		.profession_code = NULL,
		.profession_label = NULL,
		.primary_id = "ehealth_id",
		.amr = NULL,
	},
	{
		.key = "not-primary",
		.description_en = "A doctor whose primary identifier is not "
				  "the eHealthID",
		.description_fr = "Un médecin dont l'identifiant principal "
				  "n'est pas l'eHealthID",
		.description_de = "Ein Arzt, dessen primäre Kennung nicht die "
				  "eHealthID ist",
		.sub = "8000000004",
		.given_name = "Paul",
		.family_name = "Bernard",
		.profession_code = "PS-001",
		.profession_label = "Médecin",
		.primary_id = "rpps",
		.amr = NULL,
	},
	{
		.key = "not-strong",
		.description_en = "A doctor who logged in with a password "
				  "only",
		.description_fr = "Une médecin connectée par simple mot de "
				  "passe",
		.description_de = "Eine Ärztin, die sich nur mit einem "
				  "Passwort angemeldet hat",
		.sub = "8000000005",
		.given_name = "Claire",
		.family_name = "Petit",
		.profession_code = "PS-001",
		.profession_label = "Médecin",
		.primary_id = "ehealth_id",
		.amr = "pwd",
	},
	{
		.key = "html-name",
		.description_en = "A valid doctor whose name holds HTML "
				  "characters (escaping test)",
		.description_fr = "Une médecin valide dont le nom contient "
				  "des caractères HTML (test d'échappement)",
		.description_de = "Eine gültige Ärztin mit HTML-Zeichen im "
				  "Namen (Escaping-Test)",
		.sub = "8000000006",
		.given_name = "<b>\"Zoé\" & 'Ana'</b>",
		.family_name = "Lefèvre",
		.profession_code = "PS-001",
		.profession_label = "Médecin",
		.primary_id = "ehealth_id",
		.amr = NULL,
	},
};

size_t
devportal_count(void)
{
	return sizeof(personas) / sizeof(personas[0]);
}

const struct devportal_persona *
devportal_get(size_t i)
{
	return i < devportal_count() ? &personas[i] : NULL;
}

const struct devportal_persona *
devportal_find(const char *key)
{
	size_t i;

	for (i = 0; key != NULL && i < devportal_count(); i++) {
		if (strcmp(personas[i].key, key) == 0) {
			return &personas[i];
		}
	}
	return NULL;
}

/* Refuses to prompt for a passphrase: the key must be unencrypted. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

int
devportal_load_key_file(const char *path, EVP_PKEY **out, struct err *e)
{
	struct stat st;
	FILE *f = NULL;
	int fd = -1, rc = -1;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		return err_set(e, ERR_IO, "cannot open the portal key %s: %s",
			       path, strerror(errno));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		err_set(e, ERR_IO, "the portal key %s is not a regular file",
			path);
		goto out;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		err_set(e, ERR_IO, "the portal key %s is open to group or "
			"others (mode %03o); run: chmod 600 %s", path,
			(unsigned)(st.st_mode & 0777), path);
		goto out;
	}
	f = fdopen(fd, "r");
	if (f == NULL) {
		err_set(e, ERR_IO, "cannot read the portal key %s: %s", path,
			strerror(errno));
		goto out;
	}
	fd = -1;
	*out = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
	if (*out == NULL) {
		err_openssl(e, ERR_CRYPTO, "%s holds no unencrypted PEM "
			    "private key", path);
		goto out;
	}
	rc = 0;
out:
	if (f != NULL) {
		fclose(f);
	}
	if (fd >= 0) {
		close(fd);
	}
	return rc;
}

int
devportal_load_key(const struct config *cfg, EVP_PKEY **out, struct err *e)
{
	*out = NULL;
	if (cfg->dev_portal_key == NULL) {
		return err_set(e, ERR_CONFIG, "%s: dev_portal_key is not set; "
			       "provision-dev.sh writes one", cfg->path);
	}
	return devportal_load_key_file(cfg->dev_portal_key, out, e);
}

/* Adds key: value when value is neither NULL nor empty. */
static void
optional_string(struct json_writer *w, const char *key, const char *value)
{
	if (value != NULL && value[0] != '\0') {
		json_writer_string(w, key, value);
	}
}

int
devportal_claims_json(const struct devportal_claims *c, char **json,
		      struct err *e)
{
	const struct devportal_persona *p = c->persona;
	unsigned char raw[JTI_BYTES];
	char jti[JTI_BYTES * 2 + 1];
	const char *amr = p->amr != NULL ? p->amr : c->strong_amr;
	struct json_writer w;
	size_t i;

	*json = NULL;
	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		return err_openssl(e, ERR_CRYPTO, "no random bytes for jti");
	}
	for (i = 0; i < sizeof(raw); i++) {
		snprintf(jti + 2 * i, 3, "%02x", raw[i]);
	}
	json_writer_start(&w);
	optional_string(&w, "iss", c->issuer);
	optional_string(&w, "aud", c->audience);
	json_writer_int(&w, "iat", (int64_t)c->iat);
	json_writer_int(&w, "exp", (int64_t)c->iat + c->lifetime);
	json_writer_string(&w, "jti", jti);
	optional_string(&w, "sub", p->sub);
	optional_string(&w, "given_name", p->given_name);
	optional_string(&w, "family_name", p->family_name);
	optional_string(&w, "profession_code", p->profession_code);
	optional_string(&w, "profession_label", p->profession_label);
	optional_string(&w, "primary_id", p->primary_id);
	if (amr != NULL && amr[0] != '\0') {
		json_writer_string_array(&w, "amr", &amr, 1);
	}
	return json_writer_finish(&w, json, e);
}

int
devportal_mint(const struct config *cfg, EVP_PKEY *key,
	       const struct devportal_persona *persona, time_t now,
	       char **jws, struct err *e)
{
	struct devportal_claims c = {
		.issuer = cfg->portal_issuer,
		.audience = cfg->appliance_id,
		.iat = now,
		.lifetime = ASSERTION_MAX_LIFETIME,
		.persona = persona,
		.strong_amr = cfg->strong_amr,
	};
	char *json = NULL;
	int rc;

	*jws = NULL;
	if (devportal_claims_json(&c, &json, e) != 0) {
		return -1;
	}
	rc = assertion_sign(json, key, jws, e);
	free(json);
	return rc;
}
