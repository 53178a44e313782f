/*
 * storage_flow.c: the web flow's records (see storage.h): sessions,
 * enrollments and their codes, pending downloads, revocation, renewal
 * and its overlap, expiry reminders, housekeeping.  Each write is one
 * IMMEDIATE transaction.
 *
 * A renewal's overlap lives in certificates.superseded_by: the old row
 * names its successor and stays active (valid) until the switch.  The
 * rule "one current store per eHealthID" (a partial unique index) counts
 * only rows not superseded, and SQLite checks it per statement: the old
 * row is always marked before the new one is inserted, and a revoked
 * successor is revoked before the old row is made current again.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage_int.h"

#define SESSION_TOUCH_SECONDS 30

/* Binds text, or NULL when text is NULL. */
static void
bind_text(sqlite3_stmt *st, int i, const char *text)
{
	if (text == NULL) {
		sqlite3_bind_null(st, i);
	} else {
		sqlite3_bind_text(st, i, text, -1, SQLITE_STATIC);
	}
}

static void
copy_column(char *dst, size_t n, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(dst, n, "%s", t != NULL ? (const char *)t : "");
}

/* Runs a one-row-or-none statement already bound; 1 row read into the
 * caller through st, 0 none, -1 error. */
static int
step_row(struct storage *s, sqlite3_stmt *st, const char *what,
	 struct err *e)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		return 1;
	}
	if (rc == SQLITE_DONE) {
		return 0;
	}
	return storage_db_error(s, e, what);
}

/* "a,b,c" contains word. */
static int
in_list(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word)) != NULL) {
		if ((p == list || p[-1] == ',') &&
		    (p[n] == '\0' || p[n] == ',')) {
			return 1;
		}
		p += n;
	}
	return 0;
}

static int
insert_jti(struct storage *s, const char *jti, time_t expires, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (storage_prepare(s, "INSERT INTO seen_assertions (jti, expires_at) "
			    "VALUES (?1, ?2)", &st, e) != 0) {
		return -1;
	}
	bind_text(st, 1, jti);
	sqlite3_bind_int64(st, 2, expires);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
		return err_set(e, ERR_INPUT, "assertion id already used "
			       "(replay)");
	}
	if (rc != SQLITE_DONE) {
		return storage_db_error(s, e, "recording the assertion id");
	}
	return 0;
}

static int
insert_session(struct storage *s, const char *hash, const char *ehealth_id,
	       const char *csrf, time_t now, time_t absolute_until,
	       struct err *e)
{
	return storage_run(s, "opening the session", e,
			   "INSERT INTO sessions (id_hash, ehealth_id, csrf, "
			   "created_at, last_seen, absolute_until) VALUES "
			   "(?1, ?2, ?3, ?4, ?4, ?5)", "tttii", hash,
			   ehealth_id, csrf, (long long)now,
			   (long long)absolute_until);
}

int
storage_login(struct storage *s, const struct storage_holder *h,
	      const char *jti, time_t jti_expires, const char *session_hash,
	      const char *csrf, time_t now, time_t absolute_until,
	      struct err *e)
{
	if (storage_begin(s, e) != 0) {
		return -1;
	}
	if (insert_jti(s, jti, jti_expires, e) != 0 ||
	    storage_upsert_holder(s, h, now, e) != 0 ||
	    insert_session(s, session_hash, h->ehealth_id, csrf, now,
			   absolute_until, e) != 0) {
		storage_rollback(s);
		return -1;
	}
	return storage_commit(s, e);
}

static int
delete_session(struct storage *s, const char *hash, struct err *e)
{
	return storage_run(s, "closing the session", e,
			   "DELETE FROM sessions WHERE id_hash = ?1", "t",
			   hash);
}

int
storage_session_delete(struct storage *s, const char *session_hash,
		       struct err *e)
{
	return delete_session(s, session_hash, e);
}

static int
touch_session(struct storage *s, const char *hash, time_t now, struct err *e)
{
	return storage_run(s, "refreshing the session", e,
			   "UPDATE sessions SET last_seen = ?2 WHERE id_hash = "
			   "?1", "ti", hash, (long long)now);
}

int
storage_session_get(struct storage *s, const char *session_hash, time_t now,
		    unsigned idle_seconds, struct storage_session *out,
		    struct err *e)
{
	sqlite3_stmt *st = NULL;
	int row;

	memset(out, 0, sizeof(*out));
	if (storage_prepare(s, "SELECT s.ehealth_id, p.given_name, "
			    "p.family_name, p.profession_code, "
			    "p.profession_label, s.csrf, s.created_at, "
			    "s.last_seen, s.absolute_until, s.enrollment_id "
			    "FROM sessions s JOIN professionals p ON "
			    "p.ehealth_id = s.ehealth_id WHERE s.id_hash = ?1",
			    &st, e) != 0) {
		return -1;
	}
	bind_text(st, 1, session_hash);
	row = step_row(s, st, "reading the session", e);
	if (row == 1) {
		copy_column(out->ehealth_id, sizeof(out->ehealth_id), st, 0);
		copy_column(out->given_name, sizeof(out->given_name), st, 1);
		copy_column(out->family_name, sizeof(out->family_name), st, 2);
		copy_column(out->profession_code,
			    sizeof(out->profession_code), st, 3);
		copy_column(out->profession_label,
			    sizeof(out->profession_label), st, 4);
		copy_column(out->csrf, sizeof(out->csrf), st, 5);
		out->created_at = sqlite3_column_int64(st, 6);
		out->last_seen = sqlite3_column_int64(st, 7);
		out->absolute_until = sqlite3_column_int64(st, 8);
		out->enrollment_id = sqlite3_column_int64(st, 9);
	}
	sqlite3_finalize(st);
	if (row <= 0) {
		return row < 0 ? -1 : err_set(e, ERR_NOT_FOUND, "no such "
					      "session");
	}
	if (now > out->absolute_until ||
	    now - out->last_seen > (time_t)idle_seconds) {
		(void)delete_session(s, session_hash, e);
		memset(out, 0, sizeof(*out));
		return err_set(e, ERR_EXPIRED, "the session has expired");
	}
	/* A write (and an fsync) per page would be wasted: idle expiry
	 * needs no finer grain than this. */
	if (now - out->last_seen < SESSION_TOUCH_SECONDS) {
		return 0;
	}
	/* A database that cannot be written for now (locked, read-only,
	 * full) must not stop the pages that only read: the refresh waits
	 * for the next page. */
	if (touch_session(s, session_hash, now, e) != 0 &&
	    e->code != ERR_UNAVAILABLE) {
		return -1;
	}
	memset(e, 0, sizeof(*e));
	return 0;
}

static int
set_session_enrollment(struct storage *s, const char *hash, long long id,
		       struct err *e)
{
	/* 0: none (NULL, which the foreign key allows). */
	return storage_run(s, "updating the session", e,
			   "UPDATE sessions SET enrollment_id = nullif(?2, 0) "
			   "WHERE id_hash = ?1", "ti", hash, id);
}

int
storage_session_detach(struct storage *s, const char *session_hash,
		       struct err *e)
{
	return set_session_enrollment(s, session_hash, 0, e);
}

int
storage_enrollment_get(struct storage *s, long long id,
		       struct storage_enrollment *out, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int row;

	memset(out, 0, sizeof(*out));
	if (storage_prepare(s, "SELECT id, ehealth_id, state, email, failure, "
			    "terms_version, updated_at, code_hash, code_salt, "
			    "code_expires, code_tries, code_sends, renews "
			    "FROM enrollments WHERE id = ?1", &st, e) != 0) {
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	row = step_row(s, st, "reading the enrollment", e);
	if (row == 1) {
		out->id = sqlite3_column_int64(st, 0);
		copy_column(out->ehealth_id, sizeof(out->ehealth_id), st, 1);
		copy_column(out->state, sizeof(out->state), st, 2);
		copy_column(out->email, sizeof(out->email), st, 3);
		copy_column(out->failure, sizeof(out->failure), st, 4);
		copy_column(out->terms_version, sizeof(out->terms_version), st,
			    5);
		out->updated_at = sqlite3_column_int64(st, 6);
		out->has_code = sqlite3_column_bytes(st, 7) == 32 &&
				sqlite3_column_bytes(st, 8) == 16;
		if (out->has_code) {
			memcpy(out->code_hash, sqlite3_column_blob(st, 7), 32);
			memcpy(out->code_salt, sqlite3_column_blob(st, 8), 16);
		}
		out->code_expires = sqlite3_column_int64(st, 9);
		out->code_tries = (unsigned)sqlite3_column_int(st, 10);
		out->code_sends = (unsigned)sqlite3_column_int(st, 11);
		copy_column(out->renews, sizeof(out->renews), st, 12);
	}
	sqlite3_finalize(st);
	if (row == 0) {
		return err_set(e, ERR_NOT_FOUND, "no enrollment %lld", id);
	}
	return row < 0 ? -1 : 0;
}

int
storage_enrollment_start(struct storage *s, const char *session_hash,
			 const char *ehealth_id, const char *terms_version,
			 const char *renews, time_t now, long long *id,
			 struct err *e)
{
	sqlite3_stmt *st = NULL;

	*id = 0;
	if (storage_begin(s, e) != 0) {
		return -1;
	}
	if (storage_prepare(s, "INSERT INTO enrollments (ehealth_id, channel, "
			    "state, terms_version, session_hash, created_at, "
			    "updated_at, renews) VALUES (?1, 'web', "
			    "'terms_accepted', ?2, ?3, ?4, ?4, ?5)", &st,
			    e) != 0) {
		goto fail;
	}
	bind_text(st, 1, ehealth_id);
	bind_text(st, 2, terms_version);
	bind_text(st, 3, session_hash);
	sqlite3_bind_int64(st, 4, now);
	bind_text(st, 5, renews);
	if (storage_step_done(s, st, "starting the enrollment", e) != 0) {
		goto fail;
	}
	*id = sqlite3_last_insert_rowid(s->db);
	if (set_session_enrollment(s, session_hash, *id, e) != 0) {
		goto fail;
	}
	sqlite3_finalize(st);
	return storage_commit(s, e);
fail:
	sqlite3_finalize(st);
	storage_rollback(s);
	*id = 0;
	return -1;
}

/* Checks, inside a transaction, that the enrollment is in one of from. */
static int
check_state(struct storage *s, long long id, const char *from, struct err *e)
{
	struct storage_enrollment en;

	if (storage_enrollment_get(s, id, &en, e) != 0) {
		return -1;
	}
	if (!in_list(from, en.state)) {
		return err_set(e, ERR_WRONG_STEP, "the enrollment is %s, not "
			       "%s", en.state, from);
	}
	return 0;
}

int
storage_enrollment_set_code(struct storage *s, long long id, const char *from,
			    const char *email, const unsigned char hash[32],
			    const unsigned char salt[16], time_t expires,
			    time_t now, struct err *e)
{
	sqlite3_stmt *st = NULL;

	if (storage_begin(s, e) != 0) {
		return -1;
	}
	if (check_state(s, id, from, e) != 0 ||
	    storage_prepare(s, "UPDATE enrollments SET state = 'code_sent', "
			    "email = ?2, code_hash = ?3, code_salt = ?4, "
			    "code_expires = ?5, code_tries = 0, code_sends = "
			    "code_sends + 1, failure = NULL, updated_at = ?6 "
			    "WHERE id = ?1", &st, e) != 0) {
		goto fail;
	}
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, email);
	sqlite3_bind_blob(st, 3, hash, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, salt, 16, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, expires);
	sqlite3_bind_int64(st, 6, now);
	if (storage_step_done(s, st, "recording the code", e) != 0) {
		goto fail;
	}
	sqlite3_finalize(st);
	return storage_commit(s, e);
fail:
	sqlite3_finalize(st);
	storage_rollback(s);
	return -1;
}

int
storage_enrollment_wrong_code(struct storage *s, long long id,
			      unsigned max_tries, time_t now, int *locked,
			      struct err *e)
{
	sqlite3_stmt *st = NULL;
	struct storage_enrollment en;

	*locked = 0;
	if (storage_begin(s, e) != 0) {
		return -1;
	}
	if (check_state(s, id, "code_sent", e) != 0 ||
	    storage_enrollment_get(s, id, &en, e) != 0) {
		goto fail;
	}
	*locked = en.code_tries + 1 >= max_tries;
	if (storage_prepare(s, "UPDATE enrollments SET code_tries = "
			    "code_tries + 1, updated_at = ?2, state = CASE "
			    "WHEN ?3 THEN 'cancelled' ELSE state END, failure "
			    "= CASE WHEN ?3 THEN 'locked' ELSE failure END, "
			    "code_hash = CASE WHEN ?3 THEN NULL ELSE code_hash "
			    "END WHERE id = ?1", &st, e) != 0) {
		goto fail;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int(st, 3, *locked);
	if (storage_step_done(s, st, "counting a wrong code", e) != 0) {
		goto fail;
	}
	sqlite3_finalize(st);
	return storage_commit(s, e);
fail:
	sqlite3_finalize(st);
	storage_rollback(s);
	*locked = 0;
	return -1;
}

static int
move_enrollment(struct storage *s, long long id, const char *to,
		const char *failure, time_t now, struct err *e)
{
	return storage_run(s, "moving the enrollment", e,
			   "UPDATE enrollments SET state = ?2, failure = ?3, "
			   "updated_at = ?4, code_hash = CASE WHEN ?2 = "
			   "'code_sent' THEN code_hash ELSE NULL END WHERE id "
			   "= ?1", "itti", id, to, failure, (long long)now);
}

int
storage_enrollment_move(struct storage *s, long long id, const char *from,
			const char *to, const char *failure, time_t now,
			struct err *e)
{
	if (storage_begin(s, e) != 0) {
		return -1;
	}
	if (check_state(s, id, from, e) != 0 ||
	    move_enrollment(s, id, to, failure, now, e) != 0) {
		storage_rollback(s);
		return -1;
	}
	return storage_commit(s, e);
}

int
storage_codes_sent_since(struct storage *s, const char *ehealth_id,
			 time_t since, long *count, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int row;

	*count = 0;
	if (storage_prepare(s, "SELECT coalesce(sum(code_sends), 0) FROM "
			    "enrollments WHERE ehealth_id = ?1 AND "
			    "updated_at >= ?2", &st, e) != 0) {
		return -1;
	}
	bind_text(st, 1, ehealth_id);
	sqlite3_bind_int64(st, 2, since);
	row = step_row(s, st, "counting codes", e);
	if (row == 1) {
		*count = (long)sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return row < 0 ? -1 : 0;
}

static int
insert_pending(struct storage *s, const char *serial, long long enrollment,
	       const char *session_hash, const unsigned char *p12,
	       size_t len, time_t until, struct err *e)
{
	return storage_run(s, "keeping the store for download", e,
			   "INSERT INTO pending_downloads (serial, "
			   "enrollment_id, session_hash, p12, expires_at) "
			   "VALUES (?1, ?2, ?3, ?4, ?5)", "titbi", serial,
			   enrollment, session_hash, (const void *)p12, len,
			   (long long)until);
}

int
storage_supersede_current(struct storage *s, const char *ehealth_id,
			  const char *renews, const char *new_serial,
			  time_t now, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (storage_prepare(s, "UPDATE certificates SET superseded_by = ?3 "
			    "WHERE ehealth_id = ?1 AND status = 'active' AND "
			    "superseded_by IS NULL AND (serial = ?2 OR "
			    "not_after <= ?4)", &st, e) != 0) {
		return -1;
	}
	bind_text(st, 1, ehealth_id);
	bind_text(st, 2, renews != NULL && renews[0] != '\0' ? renews : NULL);
	bind_text(st, 3, new_serial);
	sqlite3_bind_int64(st, 4, now);
	rc = storage_step_done(s, st, "marking the store replaced", e);
	sqlite3_finalize(st);
	return rc;
}

int
storage_record_web_issuance(struct storage *s, long long enrollment_id,
			    const struct storage_cert *cert,
			    const char *session_hash, const unsigned char *p12,
			    size_t p12_len, time_t window_until, struct err *e)
{
	struct storage_enrollment en;

	if (storage_begin(s, e) != 0) {
		return -1;
	}
	if (check_state(s, enrollment_id, "issuing", e) != 0 ||
	    storage_enrollment_get(s, enrollment_id, &en, e) != 0 ||
	    move_enrollment(s, enrollment_id, "issued", NULL, cert->issued_at,
			    e) != 0 ||
	    storage_supersede_current(s, cert->ehealth_id, en.renews,
				      cert->serial, cert->issued_at, e) != 0 ||
	    storage_insert_cert(s, cert, enrollment_id, e) != 0 ||
	    insert_pending(s, cert->serial, enrollment_id, session_hash, p12,
			   p12_len, window_until, e) != 0) {
		storage_rollback(s);
		return -1;
	}
	return storage_commit(s, e);
}

int
storage_pending_state(struct storage *s, long long enrollment_id,
		      int *present, time_t *until, char *serial,
		      struct err *e)
{
	sqlite3_stmt *st = NULL;
	int row;

	*present = 0;
	*until = 0;
	if (storage_prepare(s, "SELECT serial, expires_at FROM "
			    "pending_downloads WHERE enrollment_id = ?1", &st,
			    e) != 0) {
		return -1;
	}
	sqlite3_bind_int64(st, 1, enrollment_id);
	row = step_row(s, st, "reading the pending download", e);
	if (row == 1) {
		*present = 1;
		copy_column(serial, STORAGE_SERIAL_HEX + 1, st, 0);
		*until = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return row < 0 ? -1 : 0;
}

int
storage_pending_mark_shown(struct storage *s, long long enrollment_id,
			   struct err *e)
{
	if (storage_run(s, "recording that the password was shown", e,
			"UPDATE pending_downloads SET password_shown = 1 "
			"WHERE enrollment_id = ?1", "i", enrollment_id) != 0) {
		return -1;
	}
	if (sqlite3_changes(s->db) != 1) {
		return err_set(e, ERR_NOT_FOUND, "no store waits for "
			       "enrollment %lld", enrollment_id);
	}
	return 0;
}

int
storage_pending_read(struct storage *s, long long enrollment_id,
		     const char *session_hash, time_t now, unsigned char **p12,
		     size_t *len, char *serial, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int row, rc = -1;

	*p12 = NULL;
	*len = 0;
	if (storage_prepare(s, "SELECT serial, session_hash, p12, expires_at "
			    "FROM pending_downloads WHERE enrollment_id = ?1",
			    &st, e) != 0) {
		return -1;
	}
	sqlite3_bind_int64(st, 1, enrollment_id);
	row = step_row(s, st, "reading the store", e);
	if (row < 0) {
		goto out;
	}
	if (row == 0 || strcmp((const char *)sqlite3_column_text(st, 1),
			       session_hash) != 0) {
		err_set(e, ERR_NOT_FOUND, "no store waits for this session");
		goto out;
	}
	if (now >= sqlite3_column_int64(st, 3)) {
		err_set(e, ERR_EXPIRED, "the download window has closed");
		goto out;
	}
	copy_column(serial, STORAGE_SERIAL_HEX + 1, st, 0);
	*len = (size_t)sqlite3_column_bytes(st, 2);
	*p12 = malloc(*len > 0 ? *len : 1);
	if (*p12 == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		*len = 0;
		goto out;
	}
	memcpy(*p12, sqlite3_column_blob(st, 2), *len);
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

int
storage_pending_sent(struct storage *s, long long enrollment_id,
		     const char *serial, time_t now, int *first,
		     struct err *e)
{
	sqlite3_stmt *st = NULL;
	int row;

	*first = 0;
	if (storage_begin(s, e) != 0) {
		return -1;
	}
	if (storage_prepare(s, "SELECT downloaded_at IS NULL FROM "
			    "pending_downloads WHERE enrollment_id = ?1 AND "
			    "serial = ?2", &st, e) != 0) {
		goto fail;
	}
	sqlite3_bind_int64(st, 1, enrollment_id);
	bind_text(st, 2, serial);
	row = step_row(s, st, "reading the pending download", e);
	if (row == 1) {
		*first = sqlite3_column_int(st, 0);
	}
	sqlite3_finalize(st);
	if (row < 0) {
		goto fail;
	}
	if (row == 0) {
		err_set(e, ERR_NOT_FOUND, "the store of enrollment %lld was "
			"erased meanwhile", enrollment_id);
		goto fail;
	}
	if (!*first) {
		storage_audit_next(s, NULL);	/* downloaded already */
		storage_rollback(s);
		return 0;
	}
	if (storage_run(s, "recording the download", e, "UPDATE "
			"pending_downloads SET downloaded_at = ?1 WHERE "
			"enrollment_id = ?2", "ii", (long long)now,
			enrollment_id) != 0) {
		goto fail;
	}
	return storage_commit(s, e);
fail:
	storage_rollback(s);
	*first = 0;
	return -1;
}

int
storage_pending_saved(struct storage *s, long long enrollment_id,
		      const char *session_hash, char *serial, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int row, sent = 0;

	serial[0] = '\0';
	if (storage_begin(s, e) != 0) {
		return -1;
	}
	if (storage_prepare(s, "SELECT serial, downloaded_at IS NOT NULL FROM "
			    "pending_downloads WHERE enrollment_id = ?1 AND "
			    "session_hash = ?2", &st, e) != 0) {
		goto fail;
	}
	sqlite3_bind_int64(st, 1, enrollment_id);
	bind_text(st, 2, session_hash);
	row = step_row(s, st, "reading the pending download", e);
	if (row == 1) {
		copy_column(serial, STORAGE_SERIAL_HEX + 1, st, 0);
		sent = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	if (row < 0) {
		goto fail;
	}
	if (row == 0) {
		err_set(e, ERR_NOT_FOUND, "no store waits for this session");
		goto fail;
	}
	if (!sent) {
		err_set(e, ERR_WRONG_STEP, "the file was never sent whole: "
			"download it first");
		goto fail;
	}
	/* secure_delete overwrites the erased blob. */
	if (storage_run(s, "erasing the saved store", e, "DELETE FROM "
			"pending_downloads WHERE enrollment_id = ?1", "i",
			enrollment_id) != 0) {
		goto fail;
	}
	return storage_commit(s, e);
fail:
	storage_rollback(s);
	serial[0] = '\0';
	return -1;
}

int
storage_active_cert(struct storage *s, const char *ehealth_id,
		    struct storage_cert *out, struct err *e)
{
	sqlite3_stmt *st = NULL;
	char serial[STORAGE_SERIAL_HEX + 1] = "";
	int row;

	memset(out, 0, sizeof(*out));
	if (storage_prepare(s, "SELECT serial FROM certificates WHERE "
			    "ehealth_id = ?1 AND status = 'active' AND "
			    "superseded_by IS NULL", &st, e) != 0) {
		return -1;
	}
	bind_text(st, 1, ehealth_id);
	row = step_row(s, st, "looking up the active store", e);
	if (row == 1) {
		copy_column(serial, sizeof(serial), st, 0);
	}
	sqlite3_finalize(st);
	if (row <= 0) {
		return row < 0 ? -1 : err_set(e, ERR_NOT_FOUND, "no active "
					      "store");
	}
	return storage_get_cert(s, serial, out, e);
}

static int
revoke_row(struct storage *s, const char *serial, int reason, time_t now,
	   struct err *e)
{
	if (storage_run(s, "revoking", e, "UPDATE certificates SET status = "
			"'revoked', revoked_at = ?2, revocation_reason = ?3 "
			"WHERE serial = ?1 AND status = 'active'", "tii",
			serial, (long long)now, (long long)reason) != 0) {
		return -1;
	}
	if (sqlite3_changes(s->db) != 1) {
		return err_set(e, ERR_WRONG_STEP, "certificate %s is not "
			       "active", serial);
	}
	/* A revoked store's .p12 is of no use to anyone: erased with the
	 * revocation, even inside its download window (a file sent whole
	 * stays until then, see storage_pending_sent). */
	return storage_run(s, "erasing the revoked store's file", e,
			   "DELETE FROM pending_downloads WHERE serial = ?1",
			   "t", serial);
}

/* After the revocation of serial: when it was the holder's current
 * store and replaced a store still valid (a renewal not switched yet),
 * that store is current again.  Call it after revoke_row, in its
 * transaction: the unique index then counts no other current store. */
static int
restore_replaced(struct storage *s, const char *serial, time_t now,
		 struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (storage_prepare(s, "UPDATE certificates SET superseded_by = NULL "
			    "WHERE superseded_by = ?1 AND status = 'active' "
			    "AND not_after > ?2 AND EXISTS (SELECT 1 FROM "
			    "certificates n WHERE n.serial = ?1 AND "
			    "n.superseded_by IS NULL)", &st, e) != 0) {
		return -1;
	}
	bind_text(st, 1, serial);
	sqlite3_bind_int64(st, 2, now);
	rc = storage_step_done(s, st, "restoring the replaced store", e);
	sqlite3_finalize(st);
	return rc;
}

int
storage_revoke(struct storage *s, const char *serial, int reason, time_t now,
	       struct err *e)
{
	struct storage_cert c;

	if (storage_begin(s, e) != 0) {
		return -1;
	}
	if (storage_get_cert(s, serial, &c, e) != 0) {
		storage_rollback(s);
		return -1;
	}
	/* c.serial is the stored (lowercase) form of what was asked. */
	if (revoke_row(s, c.serial, reason, now, e) != 0 ||
	    restore_replaced(s, c.serial, now, e) != 0) {
		storage_cert_clear(&c);
		storage_rollback(s);
		return -1;
	}
	storage_cert_clear(&c);
	return storage_commit(s, e);
}

/* ---- renewal and expiry ------------------------------------------------ */

/* Reads the first column (a serial) of a one-row-or-none statement
 * already bound into serial ("" when no row); 0 or -1. */
static int
step_serial(struct storage *s, sqlite3_stmt *st, const char *what,
	    char serial[STORAGE_SERIAL_HEX + 1], struct err *e)
{
	int row = step_row(s, st, what, e);

	serial[0] = '\0';
	if (row == 1) {
		copy_column(serial, STORAGE_SERIAL_HEX + 1, st, 0);
	}
	sqlite3_finalize(st);
	return row < 0 ? -1 : 0;
}

/* The holder's current store (active, not superseded); "" when none. */
static int
current_serial(struct storage *s, const char *ehealth_id,
	       char serial[STORAGE_SERIAL_HEX + 1], struct err *e)
{
	sqlite3_stmt *st = NULL;

	if (storage_prepare(s, "SELECT serial FROM certificates WHERE "
			    "ehealth_id = ?1 AND status = 'active' AND "
			    "superseded_by IS NULL", &st, e) != 0) {
		return -1;
	}
	bind_text(st, 1, ehealth_id);
	return step_serial(s, st, "looking up the current store", serial, e);
}

/* The store new_serial replaces, still valid at now; "" when none. */
static int
replaced_serial(struct storage *s, const char *new_serial, time_t now,
		char serial[STORAGE_SERIAL_HEX + 1], struct err *e)
{
	sqlite3_stmt *st = NULL;

	if (storage_prepare(s, "SELECT serial FROM certificates WHERE "
			    "superseded_by = ?1 AND status = 'active' AND "
			    "not_after > ?2 ORDER BY not_after LIMIT 1", &st,
			    e) != 0) {
		return -1;
	}
	bind_text(st, 1, new_serial);
	sqlite3_bind_int64(st, 2, now);
	return step_serial(s, st, "looking up the replaced store", serial, e);
}

int
storage_replaced_cert(struct storage *s, const char *new_serial, time_t now,
		      struct storage_cert *out, struct err *e)
{
	char serial[STORAGE_SERIAL_HEX + 1];

	memset(out, 0, sizeof(*out));
	if (replaced_serial(s, new_serial, now, serial, e) != 0) {
		return -1;
	}
	if (serial[0] == '\0') {
		return err_set(e, ERR_NOT_FOUND, "no store is being replaced");
	}
	return storage_get_cert(s, serial, out, e);
}

int
storage_download_pending(struct storage *s, const char *serial, int *pending,
			 struct err *e)
{
	sqlite3_stmt *st = NULL;
	int row;

	*pending = 0;
	/* Sent whole once counts as downloaded (storage_pending_sent). */
	if (storage_prepare(s, "SELECT 1 FROM pending_downloads WHERE serial "
			    "= ?1 AND downloaded_at IS NULL", &st, e) != 0) {
		return -1;
	}
	bind_text(st, 1, serial);
	row = step_row(s, st, "reading the pending download", e);
	sqlite3_finalize(st);
	*pending = row == 1;
	return row < 0 ? -1 : 0;
}

int
storage_renewal_switch(struct storage *s, const char *ehealth_id, time_t now,
		       char replaced[STORAGE_SERIAL_HEX + 1], struct err *e)
{
	char current[STORAGE_SERIAL_HEX + 1];
	int pending = 0;

	replaced[0] = '\0';
	if (storage_begin(s, e) != 0) {
		return -1;
	}
	if (current_serial(s, ehealth_id, current, e) != 0 ||
	    (current[0] != '\0' &&
	     (replaced_serial(s, current, now, replaced, e) != 0 ||
	      storage_download_pending(s, current, &pending, e) != 0))) {
		goto fail;
	}
	if (current[0] == '\0' || replaced[0] == '\0') {
		err_set(e, ERR_NOT_FOUND, "no store is being replaced");
		goto fail;
	}
	if (pending) {
		err_set(e, ERR_WRONG_STEP, "the new store has not been "
			"downloaded yet");
		goto fail;
	}
	if (revoke_row(s, replaced, STORAGE_REASON_SUPERSEDED, now, e) != 0) {
		goto fail;
	}
	return storage_commit(s, e);
fail:
	storage_rollback(s);
	replaced[0] = '\0';
	return -1;
}

int
storage_deactivate_holder(struct storage *s, const char *ehealth_id,
			  int reason, time_t now,
			  char serials[2][STORAGE_SERIAL_HEX + 1], int *count,
			  struct err *e)
{
	*count = 0;
	serials[0][0] = serials[1][0] = '\0';
	if (storage_begin(s, e) != 0) {
		return -1;
	}
	if (current_serial(s, ehealth_id, serials[0], e) != 0 ||
	    (serials[0][0] != '\0' &&
	     replaced_serial(s, serials[0], now, serials[1], e) != 0)) {
		goto fail;
	}
	if (serials[0][0] == '\0') {
		err_set(e, ERR_NOT_FOUND, "no active store");
		goto fail;
	}
	/* The current one first: the replaced one is never current again. */
	if (revoke_row(s, serials[0], reason, now, e) != 0 ||
	    (serials[1][0] != '\0' &&
	     revoke_row(s, serials[1], reason, now, e) != 0)) {
		goto fail;
	}
	*count = serials[1][0] != '\0' ? 2 : 1;
	return storage_commit(s, e);
fail:
	storage_rollback(s);
	*count = 0;
	serials[0][0] = serials[1][0] = '\0';
	return -1;
}

int
storage_renewal_grace(struct storage *s, time_t now, time_t grace_seconds,
		      char serial[STORAGE_SERIAL_HEX + 1], struct err *e)
{
	sqlite3_stmt *st = NULL;

	serial[0] = '\0';
	if (storage_begin(s, e) != 0) {
		return -1;
	}
	/* The grace runs from the successor's issuance, once it has been
	 * downloaded: a successor never fetched is revoked at its window's
	 * end and the old store stays. */
	if (storage_prepare(s, "SELECT o.serial FROM certificates o JOIN "
			    "certificates n ON n.serial = o.superseded_by "
			    "WHERE o.status = 'active' AND o.not_after > ?1 "
			    "AND n.status = 'active' AND n.issued_at <= ?1 - "
			    "?2 AND NOT EXISTS (SELECT 1 FROM "
			    "pending_downloads p WHERE p.serial = n.serial "
			    "AND p.downloaded_at IS NULL) "
			    "ORDER BY n.issued_at LIMIT 1", &st, e) != 0) {
		goto fail;
	}
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, grace_seconds);
	if (step_serial(s, st, "looking for a grace that ended", serial,
			e) != 0) {
		goto fail;
	}
	if (serial[0] == '\0') {
		storage_rollback(s);
		return err_set(e, ERR_NOT_FOUND, "no grace period has ended");
	}
	if (revoke_row(s, serial, STORAGE_REASON_SUPERSEDED, now, e) != 0) {
		goto fail;
	}
	return storage_commit(s, e);
fail:
	storage_rollback(s);
	serial[0] = '\0';
	return -1;
}

/* The due point of each store is the smallest configured point that
 * covers its time left (points ascending; 0 marks an unused slot). */
#define REMINDER_POINT(n)                                                    \
	"WHEN ?" #n " > 0 AND c.not_after - ?1 <= ?" #n " * 86400 THEN ?" #n " "

static int
find_reminder(struct storage *s, time_t now, const unsigned *points,
	      size_t npoints, struct storage_reminder *out, struct err *e)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int row;

	if (storage_prepare(s, "SELECT x.serial, x.email, x.not_after, x.due "
			    "FROM (SELECT c.serial, c.email, c.not_after, CASE "
			    REMINDER_POINT(3) REMINDER_POINT(4)
			    REMINDER_POINT(5) REMINDER_POINT(6)
			    REMINDER_POINT(7) REMINDER_POINT(8)
			    REMINDER_POINT(9) REMINDER_POINT(10) "END AS due "
			    "FROM certificates c WHERE c.status = 'active' "
			    "AND c.superseded_by IS NULL AND c.not_after > ?1 "
			    "AND c.not_after - ?1 <= ?2 * 86400 AND NOT EXISTS "
			    "(SELECT 1 FROM pending_downloads p WHERE "
			    "p.serial = c.serial AND p.downloaded_at IS "
			    "NULL)) AS x WHERE x.due IS NOT "
			    "NULL AND NOT EXISTS (SELECT 1 FROM reminders r "
			    "WHERE r.serial = x.serial AND r.days_before = "
			    "x.due) ORDER BY x.not_after LIMIT 1", &st,
			    e) != 0) {
		return -1;
	}
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, points[npoints - 1]);
	for (i = 0; i < npoints; i++) {
		sqlite3_bind_int64(st, 3 + (int)i, points[i]);
	}
	row = step_row(s, st, "looking for a reminder due", e);
	if (row == 1) {
		copy_column(out->serial, sizeof(out->serial), st, 0);
		copy_column(out->email, sizeof(out->email), st, 1);
		out->not_after = sqlite3_column_int64(st, 2);
		out->days_before = (unsigned)sqlite3_column_int(st, 3);
	}
	sqlite3_finalize(st);
	if (row == 0) {
		return err_set(e, ERR_NOT_FOUND, "no reminder is due");
	}
	return row < 0 ? -1 : 0;
}

int
storage_reminder_claim(struct storage *s, time_t now, const unsigned *points,
		       size_t npoints, struct storage_reminder *out,
		       struct err *e)
{
	sqlite3_stmt *st = NULL;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (npoints == 0 || npoints > 8) {
		return err_set(e, ERR_INTERNAL, "1 to 8 reminder points, not "
			       "%zu", npoints);
	}
	for (i = 0; i < npoints; i++) {
		if (points[i] == 0 || (i > 0 && points[i] <= points[i - 1])) {
			return err_set(e, ERR_INTERNAL, "reminder points must "
				       "be ascending days");
		}
	}
	if (storage_begin(s, e) != 0) {
		return -1;
	}
	if (find_reminder(s, now, points, npoints, out, e) != 0 ||
	    storage_prepare(s, "INSERT INTO reminders (serial, days_before, "
			    "sent_at) VALUES (?1, ?2, ?3)", &st, e) != 0) {
		goto fail;
	}
	bind_text(st, 1, out->serial);
	sqlite3_bind_int64(st, 2, out->days_before);
	sqlite3_bind_int64(st, 3, now);
	if (storage_step_done(s, st, "recording the reminder", e) != 0) {
		goto fail;
	}
	sqlite3_finalize(st);
	return storage_commit(s, e);
fail:
	sqlite3_finalize(st);
	storage_rollback(s);
	memset(out, 0, sizeof(*out));
	return -1;
}

int
storage_reminder_release(struct storage *s, const char *serial,
			 unsigned days_before, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (storage_prepare(s, "DELETE FROM reminders WHERE serial = ?1 AND "
			    "days_before = ?2", &st, e) != 0) {
		return -1;
	}
	bind_text(st, 1, serial);
	sqlite3_bind_int64(st, 2, days_before);
	rc = storage_step_done(s, st, "forgetting the reminder", e);
	sqlite3_finalize(st);
	return rc;
}

/* The first row of a query of (integer, text) already prepared in st;
 * 1 row, 0 none, -1 error. */
static int
first_id_text(struct storage *s, sqlite3_stmt *st, long long *id,
	      char *text, size_t n, struct err *e)
{
	int row = step_row(s, st, "looking for interrupted work", e);

	if (row == 1) {
		*id = sqlite3_column_int64(st, 0);
		copy_column(text, n, st, 1);
	}
	sqlite3_finalize(st);
	return row;
}

/* A generation that will never finish (failure "interrupted": its job
 * died with the process; "timeout": it ran past the limit) moves to
 * failed, where a retry starts, with its store_issue_failed entry. */
static int
fail_generation(struct storage *s, long long id, const char *ehealth_id,
		const char *failure, time_t now, struct err *e)
{
	char actor[24], object[32], outcome[32], detail[32];
	struct audit_entry a = {
		.actor = actor,
		.event = "store_issue_failed",
		.object = object,
		.outcome = outcome,
		.source = "",
		.detail = detail,
	};

	snprintf(actor, sizeof(actor), "ehealth:%.10s", ehealth_id);
	snprintf(object, sizeof(object), "enrollment:%lld", id);
	snprintf(outcome, sizeof(outcome), "failed:%s", failure);
	snprintf(detail, sizeof(detail), "cause=%s",
		 strcmp(failure, "interrupted") == 0 ? "restart" : failure);
	if (storage_begin(s, e) != 0) {
		return -1;
	}
	if (check_state(s, id, "issuing", e) != 0 ||
	    move_enrollment(s, id, "failed", failure, now, e) != 0 ||
	    storage_audit_append(s, &a, e) != 0) {
		storage_rollback(s);
		return -1;
	}
	return storage_commit(s, e);
}

/* Fails, one by one, the generations still issuing that were last
 * updated before cutoff; *count of them. */
static int
fail_generations(struct storage *s, time_t cutoff, const char *failure,
		 time_t now, int *count, struct err *e)
{
	sqlite3_stmt *st = NULL;
	char ehealth_id[16];
	long long id = 0;
	int row;

	*count = 0;
	for (;;) {
		if (storage_prepare(s, "SELECT id, ehealth_id FROM enrollments "
				    "WHERE state = 'issuing' AND updated_at < "
				    "?1 ORDER BY id LIMIT 1", &st, e) != 0) {
			return -1;
		}
		sqlite3_bind_int64(st, 1, cutoff);
		row = first_id_text(s, st, &id, ehealth_id, sizeof(ehealth_id),
				    e);
		if (row <= 0) {
			return row;
		}
		if (fail_generation(s, id, ehealth_id, failure, now, e) != 0) {
			return -1;
		}
		(*count)++;
	}
}

/* Inside a transaction: revokes serial, a store never downloaded, as
 * cessationOfOperation (unless it is no longer active), makes the store
 * it was to replace current again, and audits it with detail. */
static int
revoke_unfetched(struct storage *s, const char *serial, time_t now,
		 const char *detail, int *revoked, struct err *e)
{
	char object[8 + STORAGE_SERIAL_HEX];
	struct audit_entry a = {
		.actor = "system",
		.event = "store_auto_revoked",
		.object = object,
		.outcome = "ok",
		.source = "",
		.detail = detail,
	};
	int rc = revoke_row(s, serial, 5 /* cessationOfOperation */, now, e);

	if (rc != 0) {
		return e->code == ERR_WRONG_STEP ? 0 : -1;
	}
	/* A renewal never downloaded: the old store stays. */
	if (restore_replaced(s, serial, now, e) != 0) {
		return -1;
	}
	snprintf(object, sizeof(object), "serial:%.32s", serial);
	if (storage_audit_append(s, &a, e) != 0) {
		return -1;
	}
	(*revoked)++;
	return 0;
}

static int
erase_pending(struct storage *s, const char *serial, struct err *e)
{
	return storage_run(s, "erasing the store", e, "DELETE FROM "
			   "pending_downloads WHERE serial = ?1", "t", serial);
}

/* One expired window: revoke if never downloaded, then erase. */
static int
close_window(struct storage *s, const char *serial, int downloaded,
	     time_t now, int *revoked, struct err *e)
{
	if (storage_begin(s, e) != 0) {
		return -1;
	}
	if ((!downloaded &&
	     revoke_unfetched(s, serial, now, "reason=5", revoked, e) != 0) ||
	    erase_pending(s, serial, e) != 0) {
		storage_rollback(s);
		return -1;
	}
	return storage_commit(s, e);
}

static int
close_windows(struct storage *s, time_t now, int *revoked, int *erased,
	      struct err *e)
{
	sqlite3_stmt *st = NULL;
	char serials[64][STORAGE_SERIAL_HEX + 1];
	int downloaded[64];
	int n = 0, i, row;

	if (storage_prepare(s, "SELECT serial, downloaded_at IS NOT NULL FROM "
			    "pending_downloads WHERE expires_at <= ?1 LIMIT "
			    "64", &st, e) != 0) {
		return -1;
	}
	sqlite3_bind_int64(st, 1, now);
	while ((row = step_row(s, st, "listing windows", e)) == 1) {
		copy_column(serials[n], sizeof(serials[n]), st, 0);
		downloaded[n++] = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	if (row < 0) {
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (close_window(s, serials[i], downloaded[i], now, revoked,
				 e) != 0) {
			return -1;
		}
		(*erased)++;
	}
	return 0;
}

int
storage_housekeeping(struct storage *s, time_t now, time_t issuing_cutoff,
		     unsigned idle_seconds, int *revoked, int *erased,
		     int *timed_out, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*revoked = *erased = *timed_out = 0;
	if (close_windows(s, now, revoked, erased, e) != 0 ||
	    fail_generations(s, issuing_cutoff, "timeout", now, timed_out,
			     e) != 0) {
		return -1;
	}
	if (storage_prepare(s, "DELETE FROM sessions WHERE absolute_until < ?1 "
			    "OR last_seen < ?1 - ?2", &st, e) != 0) {
		return -1;
	}
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, idle_seconds);
	rc = storage_step_done(s, st, "purging sessions", e);
	sqlite3_finalize(st);
	if (rc != 0 || storage_prepare(s, "DELETE FROM seen_assertions WHERE "
				       "expires_at < ?1", &st, e) != 0) {
		return -1;
	}
	sqlite3_bind_int64(st, 1, now);
	rc = storage_step_done(s, st, "purging assertion ids", e);
	sqlite3_finalize(st);
	return rc;
}

/* ---- recovery at start -------------------------------------------------- */

/* A waiting store whose password was never shown: nobody can open it. */
static int
drop_unshown(struct storage *s, const char *serial, long long enrollment,
	     time_t now, int *revoked, struct err *e)
{
	if (storage_begin(s, e) != 0) {
		return -1;
	}
	if (revoke_unfetched(s, serial, now, "reason=5 cause=restart",
			     revoked, e) != 0 ||
	    erase_pending(s, serial, e) != 0 ||
	    storage_run(s, "sending the sessions home", e, "UPDATE sessions "
			"SET enrollment_id = NULL WHERE enrollment_id = ?1",
			"i", enrollment) != 0) {
		storage_rollback(s);
		return -1;
	}
	return storage_commit(s, e);
}

int
storage_recover_interrupted(struct storage *s, time_t now, int *failed,
			    int *revoked, struct err *e)
{
	sqlite3_stmt *st = NULL;
	char text[STORAGE_SERIAL_HEX + 1];
	long long id = 0;
	int row;

	*failed = *revoked = 0;
	/* Every generation still issuing (none runs before this), even one
	 * stamped later than now by a clock set back since. */
	if (fail_generations(s, (time_t)LLONG_MAX, "interrupted", now, failed,
			     e) != 0) {
		return -1;
	}
	/* One row at a time: each fix takes its row out of the query. */
	for (;;) {
		if (storage_prepare(s, "SELECT enrollment_id, serial FROM "
				    "pending_downloads WHERE password_shown = "
				    "0 AND downloaded_at IS NULL ORDER BY enrollment_id LIMIT 1", &st,
				    e) != 0) {
			return -1;
		}
		row = first_id_text(s, st, &id, text, sizeof(text), e);
		if (row <= 0) {
			break;
		}
		if (drop_unshown(s, text, id, now, revoked, e) != 0) {
			return -1;
		}
	}
	return row < 0 ? -1 : 0;
}
