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

#define STORAGE_SCHEMA_VERSION 3
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
	char superseded_by[STORAGE_SERIAL_HEX + 1];	/* "" when not */
};

/* Opens and migrates the existing database at path; refuses a missing
 * file (ERR_STORAGE), so that a mistyped path is caught. */
int storage_open(const char *path, struct storage **out, struct err *e)
	MUST_CHECK;

/* Creates a new database at path (mode 0600; refuses an existing file). */
int storage_create(const char *path, struct storage **out, struct err *e)
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

/* ---- the web flow (storage_flow.c) ------------------------------------- */

#define STORAGE_HASH_HEX 64	/* SHA-256 of a session id, lowercase hex */

struct storage_session {
	char ehealth_id[11];
	char given_name[513];
	char family_name[513];
	char profession_code[17];
	char profession_label[257];
	char csrf[64];
	time_t created_at;
	time_t last_seen;
	time_t absolute_until;
	long long enrollment_id;	/* 0: none under way */
};

struct storage_enrollment {
	long long id;
	char ehealth_id[11];
	char state[20];
	char email[255];
	char failure[128];
	char terms_version[32];
	time_t updated_at;
	int has_code;
	unsigned char code_hash[32];
	unsigned char code_salt[16];
	time_t code_expires;
	unsigned code_tries;	/* wrong tries so far */
	unsigned code_sends;
};

/* Login: in one transaction records the holder, the assertion's jti (a
 * replay gives ERR_INPUT, nothing written) and a new session. */
int storage_login(struct storage *s, const struct storage_holder *h,
		  const char *jti, time_t jti_expires,
		  const char *session_hash, const char *csrf, time_t now,
		  time_t absolute_until, struct err *e) MUST_CHECK;

/* Reads a session; ERR_NOT_FOUND when absent, ERR_EXPIRED (and deleted)
 * when idle past idle_seconds or past its absolute end.  Touches
 * last_seen. */
int storage_session_get(struct storage *s, const char *session_hash,
			time_t now, unsigned idle_seconds,
			struct storage_session *out, struct err *e) MUST_CHECK;

int storage_session_delete(struct storage *s, const char *session_hash,
			   struct err *e) MUST_CHECK;

/* Detaches the session from its enrollment (back to home). */
int storage_session_detach(struct storage *s, const char *session_hash,
			   struct err *e) MUST_CHECK;

int storage_enrollment_get(struct storage *s, long long id,
			   struct storage_enrollment *out, struct err *e)
	MUST_CHECK;

/* A new web enrollment in state terms_accepted, made the session's
 * current one. */
int storage_enrollment_start(struct storage *s, const char *session_hash,
			     const char *ehealth_id, const char *terms_version,
			     time_t now, long long *id, struct err *e)
	MUST_CHECK;

/* Records the email and a new code (hash, salt, expiry); state code_sent;
 * tries reset, sends + 1.  Only from the states listed in from (a
 * comma-separated list), else ERR_WRONG_STEP. */
int storage_enrollment_set_code(struct storage *s, long long id,
				const char *from, const char *email,
				const unsigned char hash[32],
				const unsigned char salt[16], time_t expires,
				time_t now, struct err *e) MUST_CHECK;

/* Counts one wrong try; at max_tries the enrollment is cancelled with
 * failure "locked" and *locked is 1. */
int storage_enrollment_wrong_code(struct storage *s, long long id,
				  unsigned max_tries, time_t now, int *locked,
				  struct err *e) MUST_CHECK;

/* Moves the enrollment from one of the states in from (comma-separated)
 * to state to, with failure (NULL clears it).  ERR_WRONG_STEP when it is
 * in none of them. */
int storage_enrollment_move(struct storage *s, long long id, const char *from,
			    const char *to, const char *failure, time_t now,
			    struct err *e) MUST_CHECK;

/* Codes sent to the holder since the time given, over all enrollments. */
int storage_codes_sent_since(struct storage *s, const char *ehealth_id,
			     time_t since, long *count, struct err *e)
	MUST_CHECK;

/* In one transaction: the enrollment (which must still be issuing) moves
 * to issued, the certificate is recorded active, and the .p12 waits for
 * its download by that session until window_until.  ERR_WRONG_STEP when
 * the enrollment is no longer issuing (timed out, cancelled); nothing is
 * written then. */
int storage_record_web_issuance(struct storage *s, long long enrollment_id,
				const struct storage_cert *cert,
				const char *session_hash,
				const unsigned char *p12, size_t p12_len,
				time_t window_until, struct err *e) MUST_CHECK;

/* The .p12 waiting for enrollment_id, only for session_hash and only
 * before its window ends (ERR_NOT_FOUND, ERR_EXPIRED).  It is erased
 * from the database in the same transaction: a store is downloaded once.
 * *p12 is malloc'd. */
int storage_pending_take(struct storage *s, long long enrollment_id,
			 const char *session_hash, time_t now,
			 unsigned char **p12, size_t *len, char *serial,
			 struct err *e) MUST_CHECK;

/* Whether a .p12 waits for enrollment_id and until when. */
int storage_pending_state(struct storage *s, long long enrollment_id,
			  int *present, time_t *until, char *serial,
			  struct err *e) MUST_CHECK;

/* The holder's active certificate; ERR_NOT_FOUND when none. */
int storage_active_cert(struct storage *s, const char *ehealth_id,
			struct storage_cert *out, struct err *e) MUST_CHECK;

/* Revokes an active certificate (RFC 5280 reason).  ERR_NOT_FOUND for an
 * unknown serial, ERR_WRONG_STEP when it is not active. */
int storage_revoke(struct storage *s, const char *serial, int reason,
		   time_t now, struct err *e) MUST_CHECK;

/* Housekeeping.  Closes download windows that ended: the .p12 is erased,
 * and a store never downloaded is revoked (cessationOfOperation).  Fails
 * issuing enrollments not updated since cutoff.  Purges expired sessions
 * and assertion ids.  Each step is its own transaction. */
int storage_housekeeping(struct storage *s, time_t now, time_t issuing_cutoff,
			 unsigned idle_seconds, int *revoked, int *erased,
			 int *timed_out, struct err *e) MUST_CHECK;

/* ---- status publishing (storage_status.c) ------------------------------ */

/* What a relying party may learn of one certificate. */
enum storage_status {
	STORAGE_STATUS_UNKNOWN = 0,	/* not issued by this CA */
	STORAGE_STATUS_GOOD,		/* active (even while superseded) */
	STORAGE_STATUS_REVOKED,
};

/* The status of the certificate with this serial (raw big-endian bytes,
 * as in a CertID; any length).  For a revoked one, its time and reason. */
int storage_cert_status(struct storage *s, const unsigned char *serial,
			size_t len, enum storage_status *status,
			time_t *revoked_at, int *reason, struct err *e)
	MUST_CHECK;

/* Calls fn for every revoked certificate (serial as lowercase hex),
 * oldest revocation first, until fn returns non-zero. */
int storage_list_revoked(struct storage *s,
			 int (*fn)(const char *serial, time_t revoked_at,
				   int reason, void *arg),
			 void *arg, struct err *e) MUST_CHECK;

/* Reserves the next CRL number (one more than any before, from 1) and
 * records the CRL's times, size and SHA-256, in one transaction. */
int storage_crl_record(struct storage *s, time_t this_update,
		       time_t next_update, long revoked, const char *sha256,
		       long long *number, struct err *e) MUST_CHECK;

/* The newest CRL recorded: number and next update (0, 0 when none). */
int storage_crl_latest(struct storage *s, long long *number,
		       time_t *next_update, struct err *e) MUST_CHECK;

/* A change counter of revocations, so that the daemon can tell it must
 * publish again: the count of revoked certificates and the latest
 * revocation time. */
int storage_revocations(struct storage *s, long *count, time_t *latest,
			struct err *e) MUST_CHECK;

#endif
