/*
 * storage.h: the appliance's state in one SQLite file.
 *
 * The only module that speaks SQL.  Opens the database in WAL mode with
 * synchronous=FULL and foreign keys on, migrates the schema to the version
 * this build knows (PRAGMA user_version) and refuses a newer one.  Each
 * write is one IMMEDIATE transaction; "at most one active store per
 * eHealthID" is a partial unique index, so the database itself refuses a
 * second one.  Nothing secret is ever written: no private key, password,
 * PIN or code.  One struct storage per thread.
 */
#ifndef MYCERT_STORAGE_H
#define MYCERT_STORAGE_H

#include <stddef.h>
#include <time.h>

#include "err.h"

#define STORAGE_SCHEMA_VERSION 1
#define STORAGE_SERIAL_HEX 32	/* 16 bytes */

struct storage;

/* The holder as the certificate names them. */
struct storage_holder {
	const char *ehealth_id;
	const char *given_name;
	const char *family_name;
	const char *profession_code;
	const char *profession_label;
};

/* A certificate record.  Strings and der belong to the record when it was
 * read by storage (free with storage_cert_clear). */
struct storage_cert {
	char serial[STORAGE_SERIAL_HEX + 1];	/* lowercase hex */
	char *ehealth_id;
	char *subject;		/* one-line RFC 2253 form */
	char *email;
	char *key_type;		/* "rsa3072", "p256" */
	char *channel;		/* "web", "officer" */
	time_t not_before;
	time_t not_after;
	time_t issued_at;
	char *status;		/* "active", "revoked" */
	time_t revoked_at;	/* 0 when not revoked */
	int revocation_reason;	/* RFC 5280 CRLReason; -1 when none */
	char fingerprint[65];	/* SHA-256 of the DER, lowercase hex */
	unsigned char *der;
	size_t der_len;
};

/* Opens (creating if needed) and migrates the database at path. */
int storage_open(const char *path, struct storage **out, struct err *e)
	MUST_CHECK;

void storage_close(struct storage *s);

/* Sets *active to 1 when the eHealthID holds an active store. */
int storage_has_active(struct storage *s, const char *ehealth_id,
		       int *active, struct err *e) MUST_CHECK;

/* In one transaction: records the holder (new or updated), an enrollment
 * of the given channel in state "issued" with the verified email, and the
 * certificate as "active".  Error ERR_ACTIVE_EXISTS when the database
 * refuses a second active store; nothing is written then. */
int storage_record_issuance(struct storage *s,
			    const struct storage_holder *holder,
			    const struct storage_cert *cert, struct err *e)
	MUST_CHECK;

/* Reads the certificate with that serial (hex, any case).  Error
 * ERR_NOT_FOUND when there is none. */
int storage_get_cert(struct storage *s, const char *serial,
		     struct storage_cert *out, struct err *e) MUST_CHECK;

/* Calls fn for each certificate, newest first, until fn returns non-zero.
 * The record passed to fn is valid only during the call. */
int storage_list_certs(struct storage *s,
		       int (*fn)(const struct storage_cert *, void *),
		       void *arg, struct err *e) MUST_CHECK;

/* Counts the rows of a table (for tests that prove a refusal changed
 * nothing).  Only the tables of the schema are accepted. */
int storage_count(struct storage *s, const char *table, long *count,
		  struct err *e) MUST_CHECK;

void storage_cert_clear(struct storage_cert *c);

#endif
