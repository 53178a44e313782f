/*
 * config.h: the appliance configuration (mycertd.conf).
 *
 * Read by mycertd, mycert-admin and mycert-audit at start.  The file is
 * written by a security officer (or provision-dev.sh), so it is trusted in
 * intent but not in form: every line is checked, unknown and repeated keys
 * are refused with their line number, relative paths are taken from the
 * folder of the file.  The file holds no secret: the PIN is in pin_file.
 */
#ifndef MYCERT_CONFIG_H
#define MYCERT_CONFIG_H

#include <stddef.h>

#include "err.h"

#define CONFIG_REMINDERS_MAX 8	/* points in reminder_days */

enum config_key_type {
	CONFIG_KEY_RSA3072,
	CONFIG_KEY_P256,
};

enum config_p12_profile {
	CONFIG_P12_MODERN,	/* AES-256-CBC, PBKDF2-SHA256, SHA-256 MAC */
	CONFIG_P12_COMPATIBLE,	/* 3DES on both bags, SHA-1 MAC */
};

struct config {
	char *path;		/* the file read */
	char *dir;		/* its folder (absolute when the file
				 * exists), for relative paths */

	/* token */
	char *pkcs11_module;
	char *softhsm2_conf;	/* optional */
	char *token;		/* label or pkcs11: URI */
	char *pin_file;
	char *ca_key;		/* label or pkcs11: URI */
	char *audit_key;	/* optional */

	/* certificates */
	char *ca_cert;
	char *chain_file;	/* optional */
	char *audit_cert;	/* optional */
	char *subject_country;
	char *subject_organization;
	enum config_key_type store_key_type;
	unsigned validity_days;
	char *policy_oid;
	char *crl_url;
	char *ocsp_url;
	char *ca_issuers_url;

	/* PKCS#12 */
	enum config_p12_profile p12_profile;
	unsigned p12_iterations;

	/* storage */
	char *database;

	/* the account mycertd serves as when started as root (optional;
	 * required then, see privilege.h) */
	char *user;

	/* web front and status listener (used by mycertd) */
	char *listen;
	char *tls_cert;
	char *tls_key;
	char *status_listen;
	char *appliance_id;
	char *portal_issuer;
	char *portal_public_key;
	int dev_portal;
	char *dev_portal_key;
	char *strong_amr;
	char *terms_version;

	/* the flow's limits */
	unsigned session_idle_seconds;
	unsigned session_max_seconds;
	unsigned code_ttl_seconds;
	unsigned code_max_tries;
	unsigned code_max_sends;
	unsigned download_window_seconds;
	unsigned generation_timeout_seconds;
	unsigned assertions_per_minute;	/* per source address */

	/* the front's limits */
	unsigned web_threads;
	unsigned max_connections;
	unsigned max_connections_per_ip;
	unsigned connection_timeout_seconds;
	unsigned max_body_bytes;

	/* status publishing: CRL and OCSP (served on status_listen) */
	char *crl_dir;			/* publish folder */
	unsigned crl_validity_hours;	/* nextUpdate - thisUpdate */
	unsigned ocsp_validity_minutes;	/* nextUpdate of OCSP answers */
	char *ocsp_key;			/* optional delegated signer */
	char *ocsp_cert;		/* its certificate (with ocsp_key) */

	/* renewal */
	unsigned renewal_window_days;	/* renew in the last N days */
	unsigned renewal_grace_days;	/* old store revoked after N days */
	char *reminder_days;		/* "30,7": reminders before expiry */
	/* reminder_days parsed: distinct days, 1 to 3660, ascending
	 * ("none": no reminder, reminder_count 0) */
	unsigned reminder_points[CONFIG_REMINDERS_MAX];
	unsigned reminder_count;

	/* mail: an outbox folder, or SMTP (with STARTTLS) */
	char *mail_outbox;
	char *mail_from;
	char *mail_smtp_url;		/* smtp://host:port or smtps:// */
	char *mail_smtp_user;
	char *mail_smtp_password_file;	/* mode 0600 */
	char *mail_smtp_ca_file;	/* to verify the SMTP server */

	/* the audit log: a signed checkpoint when the oldest entry not yet
	 * signed has waited this long, or this many wait (and at stop) */
	unsigned checkpoint_interval_seconds;
	unsigned checkpoint_entries;
};

/* Reads and checks the file at path into a new *out, freed with
 * config_free.  On error *out is NULL and e names the line and the key. */
int config_load(const char *path, struct config **out, struct err *e)
	MUST_CHECK;

/* Parses the len bytes at data as the contents of the file at path (not
 * read: path names the file in messages and anchors relative paths):
 * what config_load does once it has read the file, and the entry point
 * of the fuzz target (fuzz/fuzz_config.c).  Refuses over 64 KiB or a NUL
 * byte, as for a file. */
int config_parse_buffer(const char *path, const char *data, size_t len,
			struct config **out, struct err *e) MUST_CHECK;

/* Parses configuration text as if read from a file at path (for tests). */
int config_parse(const char *path, const char *text, struct config **out,
		 struct err *e) MUST_CHECK;

void config_free(struct config *c);

/* The name of a key type as written in the file ("rsa3072"). */
const char *config_key_type_name(enum config_key_type t);

#endif
