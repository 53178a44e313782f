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

#define STORAGE_SCHEMA_VERSION 5
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
 * file (ERR_STORAGE), so that a mistyped path is caught.
 *
 * Every function of this module that fails because the database is
 * locked past the busy timeout, read-only, full or failing I/O says
 * ERR_UNAVAILABLE (a passing fault: nothing was written, try again);
 * ERR_STORAGE is for the rest (a broken or foreign database). */
int storage_open(const char *path, struct storage **out, struct err *e)
	MUST_CHECK;

/* Creates a new database at path (mode 0600; refuses an existing file). */
int storage_create(const char *path, struct storage **out, struct err *e)
	MUST_CHECK;

void storage_close(struct storage *s);

/* 1 when SQLite opened the database read-only (the file could not be
 * opened for writing at that moment): such a connection never becomes
 * writable, so a long-lived holder must not keep it. */
int storage_read_only(struct storage *s);

/* Sets *active to 1 when the eHealthID holds an active store. */
int storage_has_active(struct storage *s, const char *ehealth_id,
		       int *active, struct err *e) MUST_CHECK;

/* In one transaction: records the holder (new or updated), an enrollment
 * of the given channel in state "issued" with the verified email, and the
 * certificate as "active"; a current store that has expired by
 * cert->issued_at is marked superseded by it first.  Error
 * ERR_ACTIVE_EXISTS when the database refuses a second active store;
 * nothing is written then. */
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

struct audit_entry;

/* Attaches the audit entry a to the next transaction this connection
 * commits: it is appended just before COMMIT, in the same transaction,
 * or dropped with a rollback.  The strings a points to must stay valid
 * until that storage call returns.  NULL detaches it. */
void storage_audit_next(struct storage *s, const struct audit_entry *a);

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
	char renews[STORAGE_SERIAL_HEX + 1];	/* the store a renewal
						 * replaces; "" when none */
};

/* Login: in one transaction records the holder, the assertion's jti (a
 * replay gives ERR_INPUT, nothing written) and a new session. */
int storage_login(struct storage *s, const struct storage_holder *h,
		  const char *jti, time_t jti_expires,
		  const char *session_hash, const char *csrf, time_t now,
		  time_t absolute_until, struct err *e) MUST_CHECK;

/* Reads a session; ERR_NOT_FOUND when absent, ERR_EXPIRED (and deleted)
 * when idle past idle_seconds or past its absolute end.  Touches
 * last_seen, unless the database cannot be written now (then the read
 * still succeeds). */
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
 * current one.  renews names the store a renewal replaces (NULL for a
 * first request). */
int storage_enrollment_start(struct storage *s, const char *session_hash,
			     const char *ehealth_id, const char *terms_version,
			     const char *renews, time_t now, long long *id,
			     struct err *e) MUST_CHECK;

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
 * its download by that session until window_until.  Before the new row,
 * the holder's current store is marked superseded by the new one when
 * the enrollment renews it (both stay valid: the overlap), or when it
 * has expired (cert->issued_at is the time).  ERR_WRONG_STEP when the
 * enrollment is no longer issuing (timed out, cancelled),
 * ERR_ACTIVE_EXISTS when another valid store is current; nothing is
 * written then. */
int storage_record_web_issuance(struct storage *s, long long enrollment_id,
				const struct storage_cert *cert,
				const char *session_hash,
				const unsigned char *p12, size_t p12_len,
				time_t window_until, struct err *e) MUST_CHECK;

/* The .p12 waiting for enrollment_id, only for session_hash and only
 * before its window ends (ERR_NOT_FOUND, ERR_EXPIRED).  Nothing changes:
 * the store is recorded downloaded only once it was sent whole
 * (storage_pending_sent), so a transfer cut off can be tried again.
 * *p12 is malloc'd. */
int storage_pending_read(struct storage *s, long long enrollment_id,
			 const char *session_hash, time_t now,
			 unsigned char **p12, size_t *len, char *serial,
			 struct err *e) MUST_CHECK;

/* The .p12 of enrollment_id (serial) was sent whole: records the first
 * such time as downloaded_at, with the audit entry staged by
 * storage_audit_next, in one transaction; *first is 1 then.  A later
 * send (*first 0) changes nothing and drops the staged entry.
 * ERR_NOT_FOUND when the row was erased meanwhile. */
int storage_pending_sent(struct storage *s, long long enrollment_id,
			 const char *serial, time_t now, int *first,
			 struct err *e) MUST_CHECK;

/* The holder says the file is saved: erases the .p12 of enrollment_id
 * for session_hash, only once it was sent whole (ERR_WRONG_STEP before,
 * ERR_NOT_FOUND when it is gone or not this session's). */
int storage_pending_saved(struct storage *s, long long enrollment_id,
			  const char *session_hash, char *serial,
			  struct err *e) MUST_CHECK;

/* Records that the password of the .p12 waiting for enrollment_id is
 * being shown (call it before showing it): after a restart the store
 * stays downloadable.  ERR_NOT_FOUND when no .p12 waits. */
int storage_pending_mark_shown(struct storage *s, long long enrollment_id,
			       struct err *e) MUST_CHECK;

/* At start, before any generation runs: what a stop (a crash above all)
 * left half-way.  Each enrollment still issuing moves to failed
 * ("interrupted", retryable) with a store_issue_failed audit entry; each
 * waiting store whose password was never shown (it was held in memory
 * only) is revoked (cessationOfOperation), erased, audited as
 * store_auto_revoked, and the sessions on its enrollment go back home,
 * so that no valid certificate is left whose key nobody can open.  Each
 * in its own transaction; counts in *failed and *revoked. */
int storage_recover_interrupted(struct storage *s, time_t now, int *failed,
				int *revoked, struct err *e) MUST_CHECK;

/* Whether a .p12 waits for enrollment_id and until when. */
int storage_pending_state(struct storage *s, long long enrollment_id,
			  int *present, time_t *until, char *serial,
			  struct err *e) MUST_CHECK;

/* The holder's current certificate: active and not superseded (it may
 * have expired: compare not_after); ERR_NOT_FOUND when none. */
int storage_active_cert(struct storage *s, const char *ehealth_id,
			struct storage_cert *out, struct err *e) MUST_CHECK;

/* Revokes an active certificate (RFC 5280 reason).  When it supersedes a
 * store still valid (a renewal not switched yet), that store becomes the
 * current one again, in the same transaction.  ERR_NOT_FOUND for an
 * unknown serial, ERR_WRONG_STEP when it is not active. */
int storage_revoke(struct storage *s, const char *serial, int reason,
		   time_t now, struct err *e) MUST_CHECK;

/* ---- renewal and expiry (storage_flow.c) ------------------------------- */

#define STORAGE_REASON_SUPERSEDED 4	/* RFC 5280 CRLReason superseded */

/* The store that new_serial replaces and that is still valid at now
 * (active, not expired): the old one of a renewal's overlap.
 * ERR_NOT_FOUND when none. */
int storage_replaced_cert(struct storage *s, const char *new_serial,
			  time_t now, struct storage_cert *out, struct err *e)
	MUST_CHECK;

/* Sets *pending to 1 while the .p12 of serial waits for its download. */
int storage_download_pending(struct storage *s, const char *serial,
			     int *pending, struct err *e) MUST_CHECK;

/* The switch of a renewal, confirmed by the holder: in one transaction,
 * the store that the holder's current store replaces is revoked as
 * superseded; its serial is written to replaced.  ERR_NOT_FOUND when
 * there is no overlap, ERR_WRONG_STEP while the new store has not been
 * downloaded. */
int storage_renewal_switch(struct storage *s, const char *ehealth_id,
			   time_t now, char replaced[STORAGE_SERIAL_HEX + 1],
			   struct err *e) MUST_CHECK;

/* Deactivation by the holder: in one transaction, revokes the current
 * store with reason and, during an overlap, the store it replaces too.
 * *count says how many were revoked; serials gets their serials
 * (current first).  ERR_NOT_FOUND when the holder has no current store. */
int storage_deactivate_holder(struct storage *s, const char *ehealth_id,
			      int reason, time_t now,
			      char serials[2][STORAGE_SERIAL_HEX + 1],
			      int *count, struct err *e) MUST_CHECK;

/* The end of a grace period: in one transaction, revokes as superseded
 * one store still valid whose successor is active, was issued at or
 * before now - grace_seconds and has been downloaded; its serial is
 * written to serial.  ERR_NOT_FOUND when no grace has ended (call it
 * until then). */
int storage_renewal_grace(struct storage *s, time_t now, time_t grace_seconds,
			  char serial[STORAGE_SERIAL_HEX + 1], struct err *e)
	MUST_CHECK;

/* An expiry reminder to send: one configured point (days before expiry)
 * of one current store. */
struct storage_reminder {
	char serial[STORAGE_SERIAL_HEX + 1];
	char email[255];
	time_t not_after;
	unsigned days_before;
};

/* Claims the next reminder due at now, in one transaction: among the
 * current stores (active, not superseded, not expired, downloaded), one
 * whose time left is at most the largest of points (days, ascending, at
 * most 8), for the smallest point that covers its time left, and that
 * has no record in reminders for that point yet; the record is written
 * before the function returns, so that a reminder goes out at most once.
 * ERR_NOT_FOUND when none is due. */
int storage_reminder_claim(struct storage *s, time_t now,
			   const unsigned *points, size_t npoints,
			   struct storage_reminder *out, struct err *e)
	MUST_CHECK;

/* Forgets the record of a reminder whose mail could not be sent, so that
 * the next claim tries it again. */
int storage_reminder_release(struct storage *s, const char *serial,
			     unsigned days_before, struct err *e) MUST_CHECK;

/* Housekeeping.  Closes download windows that ended: the .p12 is erased,
 * and a store never downloaded is revoked (cessationOfOperation); the
 * store it was to replace, if any, is current again.  Fails
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

/* ---- the audit log (storage_audit.c) ------------------------------------ */

#define STORAGE_AUDIT_SCHEMA 4	/* the schema version that added it */

struct audit_entry;
struct audit_checkpoint;

/* Appends an entry (checked by audit_entry_check) inside the caller's
 * open transaction, so that it is committed with the change it records
 * or not at all: seq is the last one + 1, ts_ms 0 means now, and the
 * leaf hash of its canonical bytes is stored with it.  a->seq is
 * ignored.  Without an open transaction: ERR_INTERNAL.  On error the
 * caller rolls its transaction back, as after any failed step. */
int storage_audit_append(struct storage *s, const struct audit_entry *a,
			 struct err *e) MUST_CHECK;

/* Appends one entry, or n entries, in a transaction of its own: for
 * events that change nothing else (a refusal, a failed code, the start
 * and stop of the daemon). */
int storage_audit_record(struct storage *s, const struct audit_entry *a,
			 struct err *e) MUST_CHECK;
int storage_audit_record_many(struct storage *s, const struct audit_entry *a,
			      size_t n, struct err *e) MUST_CHECK;

/* Where the log stands. */
struct storage_audit_state {
	long long size;			/* the last seq (0: empty log) */
	long long checkpoint_size;	/* of the last checkpoint (0: none) */
	long long checkpoint_ms;	/* its time */
	long long first_unsigned_ms;	/* time of entry checkpoint_size + 1
					 * (0 when there is none) */
};

int storage_audit_state(struct storage *s, struct storage_audit_state *out,
			struct err *e) MUST_CHECK;

/* What storage_audit_read calls.  A callback returns 0 to go on, or -1
 * with e set to stop the read (which then returns -1).  The records
 * passed are valid only during the call; text fields may be NULL in a
 * database altered by hand, and leaf is NULL when the stored one is not
 * 32 bytes.  Any callback may be NULL.  Only entries with seq > after
 * go to entry (begin counts them all). */
struct storage_audit_reader {
	int (*begin)(long long entries, long long checkpoints, void *arg,
		     struct err *e);
	long long after;
	int (*entry)(const struct audit_entry *a, const unsigned char *leaf,
		     void *arg, struct err *e);
	int (*checkpoint)(const struct audit_checkpoint *c, void *arg,
			  struct err *e);
	void *arg;
};

/* Reads, in one snapshot (a read transaction; not inside another one):
 * the number of entries (seq <= upto) and of checkpoints, the entries
 * with seq <= upto (every one when upto is 0) in seq order, then the
 * checkpoints by size. */
int storage_audit_read(struct storage *s, long long upto,
		       const struct storage_audit_reader *r, struct err *e)
	MUST_CHECK;

/* Calls fn with the checkpoint of that size; ERR_NOT_FOUND when none. */
int storage_audit_checkpoint_get(struct storage *s, long long tree_size,
				 int (*fn)(const struct audit_checkpoint *,
					   void *, struct err *),
				 void *arg, struct err *e) MUST_CHECK;

/* Stores a signed checkpoint.  ERR_WRONG_STEP when one of that size or
 * larger exists already (another process made it meanwhile). */
int storage_audit_add_checkpoint(struct storage *s,
				 const struct audit_checkpoint *c,
				 struct err *e) MUST_CHECK;

/* Opens the database read-only, without migrating it (mycert-audit
 * export): refuses a schema older than STORAGE_AUDIT_SCHEMA or newer
 * than this build's. */
int storage_open_readonly(const char *path, struct storage **out,
			  struct err *e) MUST_CHECK;

#endif
