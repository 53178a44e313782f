/*
 * storage.c: SQLite storage (see storage.h).
 */
#include "storage.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "storage_int.h"

#define BUSY_TIMEOUT_MS 5000

/* Each entry moves the schema from version (index) to (index + 1). */
static const char *const migrations[] = {
	/* 0 -> 1: holders, enrollments, certificates. */
	"CREATE TABLE professionals ("
	"  ehealth_id TEXT PRIMARY KEY"
	"    CHECK (length(ehealth_id) = 10 AND ehealth_id NOT GLOB '*[^0-9]*'),"
	"  given_name TEXT NOT NULL,"
	"  family_name TEXT NOT NULL,"
	"  profession_code TEXT NOT NULL,"
	"  profession_label TEXT NOT NULL,"
	"  first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL"
	");"
	"CREATE TABLE enrollments ("
	"  id INTEGER PRIMARY KEY,"
	"  ehealth_id TEXT NOT NULL REFERENCES professionals(ehealth_id),"
	"  channel TEXT NOT NULL CHECK (channel IN ('web', 'officer')),"
	"  state TEXT NOT NULL CHECK (state IN ('started', 'terms_accepted',"
	"    'email_entered', 'code_sent', 'issuing', 'issued', 'failed',"
	"    'cancelled')),"
	"  terms_version TEXT,"
	"  email TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL"
	");"
	"CREATE INDEX enrollments_holder ON enrollments(ehealth_id);"
	"CREATE TABLE certificates ("
	"  serial TEXT PRIMARY KEY"
	"    CHECK (length(serial) = 32 AND serial NOT GLOB '*[^0-9a-f]*'),"
	"  enrollment_id INTEGER NOT NULL UNIQUE REFERENCES enrollments(id),"
	"  ehealth_id TEXT NOT NULL REFERENCES professionals(ehealth_id),"
	"  subject TEXT NOT NULL,"
	"  email TEXT NOT NULL,"
	"  key_type TEXT NOT NULL CHECK (key_type IN ('rsa3072', 'p256')),"
	"  not_before INTEGER NOT NULL,"
	"  not_after INTEGER NOT NULL CHECK (not_after > not_before),"
	"  issued_at INTEGER NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),"
	"  revoked_at INTEGER,"
	"  revocation_reason INTEGER CHECK (revocation_reason BETWEEN 0 AND 10),"
	"  fingerprint TEXT NOT NULL UNIQUE,"
	"  der BLOB NOT NULL,"
	"  CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))"
	");"
	/* The rule "one active store per eHealthID", held by the database. */
	"CREATE UNIQUE INDEX certificates_one_active"
	"  ON certificates(ehealth_id) WHERE status = 'active';",

	/* 1 -> 2: the web flow: sessions, codes, pending downloads, the
	 * replay guard of assertions. */
	"ALTER TABLE enrollments ADD COLUMN session_hash TEXT;"
	"ALTER TABLE enrollments ADD COLUMN failure TEXT;"
	"ALTER TABLE enrollments ADD COLUMN code_hash BLOB;"
	"ALTER TABLE enrollments ADD COLUMN code_salt BLOB;"
	"ALTER TABLE enrollments ADD COLUMN code_expires INTEGER;"
	"ALTER TABLE enrollments ADD COLUMN code_tries INTEGER NOT NULL"
	"  DEFAULT 0;"
	"ALTER TABLE enrollments ADD COLUMN code_sends INTEGER NOT NULL"
	"  DEFAULT 0;"
	"CREATE TABLE sessions ("
	"  id_hash TEXT PRIMARY KEY CHECK (length(id_hash) = 64),"
	"  ehealth_id TEXT NOT NULL REFERENCES professionals(ehealth_id),"
	"  csrf TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  absolute_until INTEGER NOT NULL,"
	"  enrollment_id INTEGER REFERENCES enrollments(id)"
	");"
	"CREATE TABLE pending_downloads ("
	"  serial TEXT PRIMARY KEY REFERENCES certificates(serial),"
	"  enrollment_id INTEGER NOT NULL UNIQUE REFERENCES enrollments(id),"
	"  session_hash TEXT NOT NULL,"
	"  p12 BLOB NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  downloaded_at INTEGER"
	");"
	"CREATE TABLE seen_assertions ("
	"  jti TEXT PRIMARY KEY,"
	"  expires_at INTEGER NOT NULL"
	");",

	/* 2 -> 3: status publishing and renewal.  A renewed store stays
	 * active (valid) beside its successor until the switch: the rule
	 * "one active store" then counts only stores not superseded. */
	"ALTER TABLE certificates ADD COLUMN superseded_by TEXT;"
	"ALTER TABLE enrollments ADD COLUMN renews TEXT;"
	"DROP INDEX certificates_one_active;"
	"CREATE UNIQUE INDEX certificates_one_active"
	"  ON certificates(ehealth_id)"
	"  WHERE status = 'active' AND superseded_by IS NULL;"
	"CREATE INDEX certificates_status ON certificates(status);"
	"CREATE TABLE crls ("
	"  number INTEGER PRIMARY KEY CHECK (number > 0),"
	"  this_update INTEGER NOT NULL,"
	"  next_update INTEGER NOT NULL CHECK (next_update > this_update),"
	"  revoked INTEGER NOT NULL,"
	"  sha256 TEXT NOT NULL"
	");"
	"CREATE TABLE reminders ("
	"  serial TEXT NOT NULL REFERENCES certificates(serial),"
	"  days_before INTEGER NOT NULL,"
	"  sent_at INTEGER NOT NULL,"
	"  PRIMARY KEY (serial, days_before)"
	");",

	/* 3 -> 4: the audit log and its signed checkpoints (audit.h,
	 * storage_audit.c).  The triggers keep both append-only: no change,
	 * no removal, seq 1, 2, 3... without gaps, checkpoints that grow. */
	"CREATE TABLE audit_log ("
	"  seq INTEGER PRIMARY KEY CHECK (seq > 0),"
	"  ts_ms INTEGER NOT NULL CHECK (ts_ms >= 0),"
	"  actor TEXT NOT NULL,"
	"  event TEXT NOT NULL,"
	"  object TEXT NOT NULL,"
	"  outcome TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  detail TEXT NOT NULL,"
	"  leaf BLOB NOT NULL CHECK (length(leaf) = 32)"
	");"
	"CREATE TABLE audit_checkpoints ("
	"  tree_size INTEGER PRIMARY KEY CHECK (tree_size > 0),"
	"  root BLOB NOT NULL CHECK (length(root) = 32),"
	"  ts_ms INTEGER NOT NULL,"
	"  appliance_id TEXT NOT NULL,"
	"  signature BLOB NOT NULL,"
	"  frontier BLOB NOT NULL"
	");"
	"CREATE TRIGGER audit_log_append BEFORE INSERT ON audit_log"
	"  WHEN NEW.seq IS NOT"
	"    (SELECT coalesce(max(seq), 0) + 1 FROM audit_log)"
	"  BEGIN SELECT RAISE(ABORT, 'audit_log: seq out of turn'); END;"
	"CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
	"  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"
	"CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
	"  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"
	"CREATE TRIGGER audit_checkpoints_append BEFORE INSERT"
	"  ON audit_checkpoints"
	"  WHEN NEW.tree_size <= (SELECT coalesce(max(tree_size), 0)"
	"    FROM audit_checkpoints)"
	"    OR NEW.tree_size > (SELECT coalesce(max(seq), 0) FROM audit_log)"
	"  BEGIN SELECT RAISE(ABORT, 'audit_checkpoints: size out of turn');"
	"  END;"
	"CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE"
	"  ON audit_checkpoints"
	"  BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only');"
	"  END;"
	"CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE"
	"  ON audit_checkpoints"
	"  BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only');"
	"  END;",

	/* 4 -> 5: whether a waiting store's password was shown.  The
	 * password lives only in the daemon's memory; after a restart a
	 * store whose password was never shown can be opened by nobody and
	 * is revoked (storage_recover_interrupted). */
	("ALTER TABLE pending_downloads ADD COLUMN password_shown INTEGER"
	 "  NOT NULL DEFAULT 0 CHECK (password_shown IN (0, 1));"),
};

#define MIGRATION_COUNT (sizeof(migrations) / sizeof(migrations[0]))

_Static_assert(MIGRATION_COUNT == STORAGE_SCHEMA_VERSION,
	       "one migration per schema version");

/* 1 when SQLite's result says the database cannot be written now but
 * may be later: locked by another process past the busy timeout,
 * read-only, out of space, or failing I/O.  Every write path maps these
 * the same way (ERR_UNAVAILABLE), so that the front answers 503 "try
 * again later" rather than 500, and nothing was committed. */
static int
passing_fault(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_READONLY:
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
	case SQLITE_PROTOCOL:
		return 1;
	default:
		return 0;
	}
}

int
storage_db_error(struct storage *s, struct err *e, const char *what)
{
	if (passing_fault(sqlite3_extended_errcode(s->db))) {
		return err_set(e, ERR_UNAVAILABLE, "database %s: %s failed "
			       "(%s); the database is locked by another "
			       "process, read-only, out of space or failing: "
			       "nothing was written, fix that and try again",
			       s->path, what, sqlite3_errmsg(s->db));
	}
	return err_set(e, ERR_STORAGE, "database %s: %s failed (%s)",
		       s->path, what, sqlite3_errmsg(s->db));
}

int
storage_read_only(struct storage *s)
{
	return sqlite3_db_readonly(s->db, "main") != 0;
}

int
storage_exec(struct storage *s, const char *sql, const char *what,
	     struct err *e)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		return storage_db_error(s, e, what);
	}
	return 0;
}

static int
pragma_int(struct storage *s, const char *sql, int *out, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		storage_db_error(s, e, "reading a setting");
		goto out;
	}
	*out = sqlite3_column_int(st, 0);
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

static int
migrate(struct storage *s, struct err *e)
{
	int version = 0;
	char sql[64];

	/* Read first: a current schema needs no write (and no lock). */
	if (pragma_int(s, "PRAGMA user_version", &version, e) != 0) {
		return -1;
	}
	if (version == STORAGE_SCHEMA_VERSION) {
		return 0;
	}
	if (storage_exec(s, "BEGIN IMMEDIATE", "starting the migration", e) != 0) {
		return -1;
	}
	if (pragma_int(s, "PRAGMA user_version", &version, e) != 0) {
		goto fail;
	}
	if (version > STORAGE_SCHEMA_VERSION) {
		err_set(e, ERR_STORAGE, "database %s has schema version %d, "
			"newer than this mycert knows (%d); run the newer "
			"mycert or restore a backup", s->path, version,
			STORAGE_SCHEMA_VERSION);
		goto fail;
	}
	for (; version < STORAGE_SCHEMA_VERSION; version++) {
		if (storage_exec(s, migrations[version], "migrating the schema", e)) {
			goto fail;
		}
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version);
	if (storage_exec(s, sql, "recording the schema version", e) != 0 ||
	    storage_exec(s, "COMMIT", "committing the migration", e) != 0) {
		goto fail;
	}
	return 0;
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int
configure(struct storage *s, struct err *e)
{
	char mode[16] = "";
	sqlite3_stmt *st = NULL;

	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(s->db, 1);
	/* secure_delete: an erased .p12 is overwritten, not left in free
	 * pages of the file. */
	if (storage_exec(s, "PRAGMA foreign_keys = ON", "enabling foreign "
			 "keys", e) != 0 ||
	    storage_exec(s, "PRAGMA synchronous = FULL", "setting "
			 "synchronous", e) != 0 ||
	    storage_exec(s, "PRAGMA secure_delete = ON", "setting "
			 "secure_delete", e) != 0) {
		return -1;
	}
	if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st,
			       NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return storage_db_error(s, e, "enabling WAL");
	}
	snprintf(mode, sizeof(mode), "%s",
		 (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (strcmp(mode, "wal") != 0) {
		return err_set(e, ERR_STORAGE, "database %s: cannot use WAL "
			       "mode (got %s); put it on a local filesystem",
			       s->path, mode);
	}
	return 0;
}

static int
open_file(const char *path, struct storage **out, struct err *e)
{
	struct storage *s = NULL;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL || (s->path = strdup(path)) == NULL) {
		free(s);
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		err_set(e, ERR_STORAGE, "cannot open the database %s (%s); "
			"check database in the configuration and the folder's "
			"permissions", path,
			s->db ? sqlite3_errmsg(s->db) : "out of memory");
		storage_close(s);
		return -1;
	}
	if (configure(s, e) != 0 || migrate(s, e) != 0) {
		storage_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

int
storage_open(const char *path, struct storage **out, struct err *e)
{
	*out = NULL;
	/* Never create here: a mistyped path must not start an empty
	 * database beside the real one. */
	if (access(path, F_OK) != 0) {
		return err_set(e, ERR_STORAGE, "there is no database at %s; "
			       "check database in the configuration (a new one "
			       "is made with: mycert-admin init-db)", path);
	}
	return open_file(path, out, e);
}

int
storage_create(const char *path, struct storage **out, struct err *e)
{
	int fd;

	*out = NULL;
	/* The file first, private: SQLite gives its -wal and -shm files
	 * the same mode. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0 && errno == EEXIST) {
		/* As every "already exists" refusal of a file: ERR_IO. */
		return err_set(e, ERR_IO, "the database %s already exists: "
			       "init-db never writes over one; to start "
			       "afresh, move it away first", path);
	}
	if (fd < 0) {
		return err_set(e, ERR_STORAGE, "cannot create the database %s: "
			       "%s", path, strerror(errno));
	}
	close(fd);
	if (open_file(path, out, e) != 0) {
		unlink(path);
		return -1;
	}
	return 0;
}

int
storage_run(struct storage *s, const char *what, struct err *e,
	    const char *sql, const char *types, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;
	int i, rc;

	if (storage_prepare(s, sql, &st, e) != 0) {
		return -1;
	}
	va_start(ap, types);
	for (i = 0; types[i] != '\0'; i++) {
		if (types[i] == 't') {
			const char *text = va_arg(ap, const char *);

			if (text == NULL) {
				sqlite3_bind_null(st, i + 1);
			} else {
				sqlite3_bind_text(st, i + 1, text, -1,
						  SQLITE_STATIC);
			}
		} else if (types[i] == 'i') {
			sqlite3_bind_int64(st, i + 1, va_arg(ap, long long));
		} else {	/* 'b' */
			const void *blob = va_arg(ap, const void *);
			size_t len = va_arg(ap, size_t);

			sqlite3_bind_blob(st, i + 1, blob, (int)len,
					  SQLITE_STATIC);
		}
	}
	va_end(ap);
	rc = storage_step_done(s, st, what, e);
	sqlite3_finalize(st);
	return rc;
}

int
storage_begin(struct storage *s, struct err *e)
{
	return storage_exec(s, "BEGIN IMMEDIATE", "starting a transaction", e);
}

void
storage_audit_next(struct storage *s, const struct audit_entry *a)
{
	s->has_pending = a != NULL;
	if (a != NULL) {
		s->pending = *a;
	}
}

int
storage_commit(struct storage *s, struct err *e)
{
	int pending = s->has_pending;

	s->has_pending = 0;
	if ((pending && storage_audit_append(s, &s->pending, e) != 0) ||
	    storage_exec(s, "COMMIT", "committing", e) != 0) {
		storage_rollback(s);
		return -1;
	}
	return 0;
}

void
storage_rollback(struct storage *s)
{
	s->has_pending = 0;
	if (!sqlite3_get_autocommit(s->db)) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	}
}

void
storage_close(struct storage *s)
{
	if (s == NULL) {
		return;
	}
	sqlite3_close_v2(s->db);
	free(s->path);
	free(s);
}

int
storage_prepare(struct storage *s, const char *sql, sqlite3_stmt **st,
		struct err *e)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return storage_db_error(s, e, "preparing a statement");
	}
	return 0;
}

int
storage_has_active(struct storage *s, const char *ehealth_id, int *active,
		   struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*active = 0;
	if (storage_prepare(s, "SELECT 1 FROM certificates WHERE ehealth_id = ?1 "
		    "AND status = 'active' AND superseded_by IS NULL", &st,
		    e) != 0) {
		return -1;
	}
	sqlite3_bind_text(st, 1, ehealth_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*active = 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		return storage_db_error(s, e, "looking up the active store");
	}
	return 0;
}

int
storage_step_done(struct storage *s, sqlite3_stmt *st, const char *what,
		  struct err *e)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_DONE) {
		return 0;
	}
	if (rc == SQLITE_CONSTRAINT_UNIQUE &&
	    strstr(sqlite3_errmsg(s->db), "certificates.ehealth_id")) {
		return err_set(e, ERR_ACTIVE_EXISTS, "this eHealthID already "
			       "holds an active store; deactivate or revoke it "
			       "first");
	}
	return storage_db_error(s, e, what);
}

int
storage_upsert_holder(struct storage *s, const struct storage_holder *h,
		      time_t now, struct err *e)
{
	return storage_run(s, "recording the holder", e,
			   "INSERT INTO professionals (ehealth_id, given_name, "
			   "family_name, profession_code, profession_label, "
			   "first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, "
			   "?6, ?6) ON CONFLICT (ehealth_id) DO UPDATE SET "
			   "given_name = ?2, family_name = ?3, profession_code "
			   "= ?4, profession_label = ?5, last_seen = ?6",
			   "ttttti", h->ehealth_id,
			   h->given_name, h->family_name, h->profession_code,
			   h->profession_label, (long long)now);
}

static int
insert_enrollment(struct storage *s, const struct storage_cert *c,
		  time_t now, sqlite3_int64 *id, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (storage_prepare(s, "INSERT INTO enrollments (ehealth_id, channel, state, "
		    "email, created_at, updated_at) "
		    "VALUES (?1, ?2, 'issued', ?3, ?4, ?4)", &st, e) != 0) {
		return -1;
	}
	sqlite3_bind_text(st, 1, c->ehealth_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->email, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
	rc = storage_step_done(s, st, "recording the enrollment", e);
	sqlite3_finalize(st);
	*id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

int
storage_insert_cert(struct storage *s, const struct storage_cert *c,
	    sqlite3_int64 enrollment, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (storage_prepare(s, "INSERT INTO certificates (serial, enrollment_id, "
		    "ehealth_id, subject, email, key_type, not_before, "
		    "not_after, issued_at, status, fingerprint, der) VALUES "
		    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'active', ?10, ?11)",
		    &st, e) != 0) {
		return -1;
	}
	sqlite3_bind_text(st, 1, c->serial, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, enrollment);
	sqlite3_bind_text(st, 3, c->ehealth_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c->email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, c->key_type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)c->not_before);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)c->not_after);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)c->issued_at);
	sqlite3_bind_text(st, 10, c->fingerprint, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 11, c->der, (int)c->der_len, SQLITE_STATIC);
	rc = storage_step_done(s, st, "recording the certificate", e);
	sqlite3_finalize(st);
	return rc;
}

int
storage_record_issuance(struct storage *s, const struct storage_holder *h,
			const struct storage_cert *c, struct err *e)
{
	sqlite3_int64 enrollment = 0;

	if (strcmp(h->ehealth_id, c->ehealth_id) != 0) {
		return err_set(e, ERR_INTERNAL, "the certificate's eHealthID "
			       "differs from its holder's");
	}
	if (storage_begin(s, e) != 0) {
		return -1;
	}
	if (storage_upsert_holder(s, h, c->issued_at, e) != 0 ||
	    insert_enrollment(s, c, c->issued_at, &enrollment, e) != 0 ||
	    storage_supersede_current(s, c->ehealth_id, NULL, c->serial,
				      c->issued_at, e) != 0 ||
	    storage_insert_cert(s, c, enrollment, e) != 0) {
		storage_rollback(s);
		return -1;
	}
	return storage_commit(s, e);
}

static char *
column_strdup(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return strdup(t != NULL ? (const char *)t : "");
}

static int
read_cert_row(sqlite3_stmt *st, struct storage_cert *c)
{
	const void *der = sqlite3_column_blob(st, 14);
	int der_len = sqlite3_column_bytes(st, 14);

	memset(c, 0, sizeof(*c));
	snprintf(c->serial, sizeof(c->serial), "%s",
		 (const char *)sqlite3_column_text(st, 0));
	c->ehealth_id = column_strdup(st, 1);
	c->subject = column_strdup(st, 2);
	c->email = column_strdup(st, 3);
	c->key_type = column_strdup(st, 4);
	c->channel = column_strdup(st, 5);
	c->not_before = (time_t)sqlite3_column_int64(st, 6);
	c->not_after = (time_t)sqlite3_column_int64(st, 7);
	c->issued_at = (time_t)sqlite3_column_int64(st, 8);
	c->status = column_strdup(st, 9);
	c->revoked_at = (time_t)sqlite3_column_int64(st, 10);
	c->revocation_reason = sqlite3_column_type(st, 11) == SQLITE_NULL
				       ? -1 : sqlite3_column_int(st, 11);
	snprintf(c->fingerprint, sizeof(c->fingerprint), "%s",
		 (const char *)sqlite3_column_text(st, 12));
	if (sqlite3_column_type(st, 15) != SQLITE_NULL) {
		snprintf(c->superseded_by, sizeof(c->superseded_by), "%s",
			 (const char *)sqlite3_column_text(st, 15));
	}
	c->der = der_len > 0 ? malloc((size_t)der_len) : NULL;
	if (c->der != NULL) {
		memcpy(c->der, der, (size_t)der_len);
		c->der_len = (size_t)der_len;
	}
	if (c->ehealth_id == NULL || c->subject == NULL || c->email == NULL ||
	    c->key_type == NULL || c->channel == NULL || c->status == NULL ||
	    c->der == NULL) {
		storage_cert_clear(c);
		return -1;
	}
	return 0;
}

#define CERT_COLUMNS                                                         \
	"c.serial, c.ehealth_id, c.subject, c.email, c.key_type, e.channel, " \
	"c.not_before, c.not_after, c.issued_at, c.status, c.revoked_at, "   \
	"c.revocation_reason, c.fingerprint, c.enrollment_id, c.der, "       \
	"c.superseded_by "                                                   \
	"FROM certificates c JOIN enrollments e ON e.id = c.enrollment_id "

int
storage_get_cert(struct storage *s, const char *serial,
		 struct storage_cert *out, struct err *e)
{
	sqlite3_stmt *st = NULL;
	char key[STORAGE_SERIAL_HEX + 1];
	size_t i, n = strlen(serial);
	int rc = -1, step;

	memset(out, 0, sizeof(*out));
	if (n != STORAGE_SERIAL_HEX) {
		return err_set(e, ERR_INPUT, "a serial number is %d hex "
			       "digits; \"%.40s\" is not one", STORAGE_SERIAL_HEX,
			       serial);
	}
	for (i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)serial[i])) {
			return err_set(e, ERR_INPUT, "a serial number is made "
				       "of hex digits; \"%.40s\" is not one",
				       serial);
		}
		key[i] = (char)tolower((unsigned char)serial[i]);
	}
	key[n] = '\0';
	if (storage_prepare(s, "SELECT " CERT_COLUMNS "WHERE c.serial = ?1", &st,
		    e) != 0) {
		return -1;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		err_set(e, ERR_NOT_FOUND, "no certificate has serial %s", key);
	} else if (step != SQLITE_ROW) {
		storage_db_error(s, e, "reading a certificate");
	} else if (read_cert_row(st, out) != 0) {
		err_set(e, ERR_INTERNAL, "out of memory");
	} else {
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int
storage_list_certs(struct storage *s,
		   int (*fn)(const struct storage_cert *, void *), void *arg,
		   struct err *e)
{
	sqlite3_stmt *st = NULL;
	struct storage_cert c;
	int step, stop = 0;

	if (storage_prepare(s, "SELECT " CERT_COLUMNS "ORDER BY c.issued_at DESC, "
		    "c.rowid DESC", &st, e) != 0) {
		return -1;
	}
	while (!stop && (step = sqlite3_step(st)) == SQLITE_ROW) {
		if (read_cert_row(st, &c) != 0) {
			sqlite3_finalize(st);
			return err_set(e, ERR_INTERNAL, "out of memory");
		}
		stop = fn(&c, arg);
		storage_cert_clear(&c);
	}
	sqlite3_finalize(st);
	if (!stop && step != SQLITE_DONE) {
		return storage_db_error(s, e, "listing certificates");
	}
	return 0;
}

int
storage_count(struct storage *s, const char *table, long *count,
	      struct err *e)
{
	static const char *const tables[] = {
		"professionals", "enrollments", "certificates", "sessions",
		"pending_downloads", "seen_assertions", "crls", "reminders",
	};
	sqlite3_stmt *st = NULL;
	char sql[64];
	size_t i;
	int rc = -1;

	*count = 0;
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		if (strcmp(table, tables[i]) == 0) {
			break;
		}
	}
	if (i == sizeof(tables) / sizeof(tables[0])) {
		return err_set(e, ERR_INPUT, "no table %s", table);
	}
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", tables[i]);
	if (storage_prepare(s, sql, &st, e) != 0) {
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		*count = sqlite3_column_int64(st, 0);
		rc = 0;
	} else {
		storage_db_error(s, e, "counting rows");
	}
	sqlite3_finalize(st);
	return rc;
}

void
storage_cert_clear(struct storage_cert *c)
{
	free(c->ehealth_id);
	free(c->subject);
	free(c->email);
	free(c->key_type);
	free(c->channel);
	free(c->status);
	free(c->der);
	memset(c, 0, sizeof(*c));
}
