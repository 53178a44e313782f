/*
 * storage_audit.c: the audit log's tables (see storage.h and audit.h).
 *
 * audit_log holds one row per entry, seq 1, 2, 3... without gaps, with
 * the leaf hash computed when the row was written; audit_checkpoints the
 * signed tree heads.  The schema makes both append-only (triggers refuse
 * UPDATE and DELETE, an entry whose seq does not follow the last one, a
 * checkpoint that does not grow): this guards against mistakes in code,
 * not against someone who can write the file, whom the signed
 * checkpoints and mycert-audit verify catch.
 *
 * An entry is appended inside the transaction of the change it records,
 * so that both are committed or neither: the IMMEDIATE transaction holds
 * the database's write lock, which makes "the last seq + 1" safe.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "storage_int.h"

#define BUSY_TIMEOUT_MS 5000

static const char *
or_empty(const char *s)
{
	return s != NULL ? s : "";
}

static int
next_seq(struct storage *s, long long *seq, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (storage_prepare(s, "SELECT coalesce(max(seq), 0) + 1 FROM "
			    "audit_log", &st, e) != 0) {
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		rc = 0;
	} else {
		storage_db_error(s, e, "reading the audit log's last entry");
	}
	sqlite3_finalize(st);
	return rc;
}

int
storage_audit_append(struct storage *s, const struct audit_entry *a,
		     struct err *e)
{
	struct audit_entry row = *a;
	unsigned char leaf[MERKLE_HASH_SIZE];
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_get_autocommit(s->db)) {
		return err_set(e, ERR_INTERNAL, "an audit entry is appended "
			       "inside the transaction of its change (or with "
			       "storage_audit_record)");
	}
	if (next_seq(s, &row.seq, e) != 0) {
		return -1;
	}
	if (row.ts_ms == 0) {
		row.ts_ms = audit_now_ms();
	}
	if (audit_entry_leaf(&row, leaf, e) != 0 ||
	    storage_prepare(s, "INSERT INTO audit_log (seq, ts_ms, actor, "
			    "event, object, outcome, source, detail, leaf) "
			    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", &st,
			    e) != 0) {
		return -1;
	}
	sqlite3_bind_int64(st, 1, row.seq);
	sqlite3_bind_int64(st, 2, row.ts_ms);
	sqlite3_bind_text(st, 3, row.actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, row.event, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, or_empty(row.object), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, row.outcome, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, or_empty(row.source), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, or_empty(row.detail), -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 9, leaf, MERKLE_HASH_SIZE, SQLITE_STATIC);
	rc = storage_step_done(s, st, "appending to the audit log", e);
	sqlite3_finalize(st);
	return rc;
}

int
storage_audit_record_many(struct storage *s, const struct audit_entry *a,
			  size_t n, struct err *e)
{
	size_t i;

	if (storage_begin(s, e) != 0) {
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (storage_audit_append(s, &a[i], e) != 0) {
			storage_rollback(s);
			return -1;
		}
	}
	return storage_commit(s, e);
}

int
storage_audit_record(struct storage *s, const struct audit_entry *a,
		     struct err *e)
{
	return storage_audit_record_many(s, a, 1, e);
}

/* One integer from a one-row query with an optional integer parameter. */
static int
query_int(struct storage *s, const char *sql, long long param,
	  long long *out, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*out = 0;
	if (storage_prepare(s, sql, &st, e) != 0) {
		return -1;
	}
	if (sqlite3_bind_parameter_count(st) > 0) {
		sqlite3_bind_int64(st, 1, param);
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		return storage_db_error(s, e, "reading the audit log");
	}
	return 0;
}

int
storage_audit_state(struct storage *s, struct storage_audit_state *out,
		    struct err *e)
{
	memset(out, 0, sizeof(*out));
	if (query_int(s, "SELECT coalesce(max(seq), 0) FROM audit_log", 0,
		      &out->size, e) != 0 ||
	    query_int(s, "SELECT coalesce(max(tree_size), 0) FROM "
		      "audit_checkpoints", 0, &out->checkpoint_size, e) != 0 ||
	    query_int(s, "SELECT ts_ms FROM audit_checkpoints WHERE "
		      "tree_size = ?1", out->checkpoint_size,
		      &out->checkpoint_ms, e) != 0 ||
	    query_int(s, "SELECT ts_ms FROM audit_log WHERE seq = ?1",
		      out->checkpoint_size + 1, &out->first_unsigned_ms,
		      e) != 0) {
		return -1;
	}
	return 0;
}

/* Entries after r->after up to upto (0: no end). */
static int
read_entries(struct storage *s, long long upto,
	     const struct storage_audit_reader *r, struct err *e)
{
	struct audit_entry a;
	sqlite3_stmt *st = NULL;
	const void *leaf;
	int rc = 0, step = SQLITE_DONE;

	if (storage_prepare(s, "SELECT seq, ts_ms, actor, event, object, "
			    "outcome, source, detail, leaf FROM audit_log "
			    "WHERE seq > ?2 AND (?1 = 0 OR seq <= ?1) ORDER BY "
			    "seq", &st, e) != 0) {
		return -1;
	}
	sqlite3_bind_int64(st, 1, upto);
	sqlite3_bind_int64(st, 2, r->after);
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&a, 0, sizeof(a));
		a.seq = sqlite3_column_int64(st, 0);
		a.ts_ms = sqlite3_column_int64(st, 1);
		a.actor = (const char *)sqlite3_column_text(st, 2);
		a.event = (const char *)sqlite3_column_text(st, 3);
		a.object = (const char *)sqlite3_column_text(st, 4);
		a.outcome = (const char *)sqlite3_column_text(st, 5);
		a.source = (const char *)sqlite3_column_text(st, 6);
		a.detail = (const char *)sqlite3_column_text(st, 7);
		leaf = sqlite3_column_blob(st, 8);
		/* A row altered by hand may hold anything: the reader gets
		 * NULL for a leaf that is not 32 bytes. */
		if (sqlite3_column_bytes(st, 8) != MERKLE_HASH_SIZE) {
			leaf = NULL;
		}
		rc = r->entry(&a, leaf, r->arg, e);
	}
	if (rc == 0 && step != SQLITE_DONE) {
		rc = storage_db_error(s, e, "reading the audit log");
	}
	sqlite3_finalize(st);
	return rc;
}

/* Calls fn for the checkpoints whose size is tree_size (or every one,
 * by size, when tree_size is 0). */
static int
read_checkpoints(struct storage *s, long long tree_size,
		 int (*fn)(const struct audit_checkpoint *, void *,
			   struct err *),
		 void *arg, struct err *e)
{
	struct audit_checkpoint c;
	sqlite3_stmt *st = NULL;
	int rc = 0, step = SQLITE_DONE;

	if (storage_prepare(s, "SELECT tree_size, root, ts_ms, appliance_id, "
			    "signature, frontier FROM audit_checkpoints WHERE "
			    "?1 = 0 OR tree_size = ?1 ORDER BY tree_size", &st,
			    e) != 0) {
		return -1;
	}
	sqlite3_bind_int64(st, 1, tree_size);
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&c, 0, sizeof(c));
		c.tree_size = sqlite3_column_int64(st, 0);
		if (sqlite3_column_bytes(st, 1) == MERKLE_HASH_SIZE) {
			memcpy(c.root, sqlite3_column_blob(st, 1),
			       MERKLE_HASH_SIZE);
		}
		c.ts_ms = sqlite3_column_int64(st, 2);
		c.appliance_id = (const char *)sqlite3_column_text(st, 3);
		c.signature = sqlite3_column_blob(st, 4);
		c.signature_len = (size_t)sqlite3_column_bytes(st, 4);
		c.frontier = sqlite3_column_blob(st, 5);
		c.frontier_len = (size_t)sqlite3_column_bytes(st, 5);
		rc = fn(&c, arg, e);
	}
	if (rc == 0 && step != SQLITE_DONE) {
		rc = storage_db_error(s, e, "reading the audit checkpoints");
	}
	sqlite3_finalize(st);
	return rc;
}

int
storage_audit_read(struct storage *s, long long upto,
		   const struct storage_audit_reader *r, struct err *e)
{
	long long entries = 0, checkpoints = 0;
	int rc = -1;

	/* One read transaction: one snapshot of both tables, while
	 * appenders go on (WAL). */
	if (storage_exec(s, "BEGIN", "starting to read the audit log", e)) {
		return -1;
	}
	if (query_int(s, "SELECT count(*) FROM audit_log WHERE (?1 = 0 OR "
		      "seq <= ?1)", upto, &entries, e) != 0 ||
	    query_int(s, "SELECT count(*) FROM audit_checkpoints", 0,
		      &checkpoints, e) != 0) {
		goto out;
	}
	if (r->begin != NULL &&
	    r->begin(entries, checkpoints, r->arg, e) != 0) {
		goto out;
	}
	if (r->entry != NULL && read_entries(s, upto, r, e) != 0) {
		goto out;
	}
	if (r->checkpoint != NULL &&
	    read_checkpoints(s, 0, r->checkpoint, r->arg, e) != 0) {
		goto out;
	}
	rc = 0;
out:
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

int
storage_audit_checkpoint_get(struct storage *s, long long tree_size,
			     int (*fn)(const struct audit_checkpoint *,
				       void *, struct err *),
			     void *arg, struct err *e)
{
	long long found = 0;

	if (query_int(s, "SELECT count(*) FROM audit_checkpoints WHERE "
		      "tree_size = ?1", tree_size, &found, e) != 0) {
		return -1;
	}
	if (tree_size <= 0 || found == 0) {
		return err_set(e, ERR_NOT_FOUND, "no audit checkpoint of size "
			       "%lld", tree_size);
	}
	return read_checkpoints(s, tree_size, fn, arg, e);
}

int
storage_audit_add_checkpoint(struct storage *s,
			     const struct audit_checkpoint *c, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (storage_prepare(s, "INSERT INTO audit_checkpoints (tree_size, "
			    "root, ts_ms, appliance_id, signature, frontier) "
			    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &st, e) != 0) {
		return -1;
	}
	sqlite3_bind_int64(st, 1, c->tree_size);
	sqlite3_bind_blob(st, 2, c->root, MERKLE_HASH_SIZE, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, c->ts_ms);
	sqlite3_bind_text(st, 4, c->appliance_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, c->signature, (int)c->signature_len,
			  SQLITE_STATIC);
	/* An empty frontier would bind NULL: a zero-length blob instead. */
	sqlite3_bind_blob(st, 6, c->frontier_len > 0 ? (const void *)c->frontier
						     : "", (int)c->frontier_len,
			  SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE) {
		return 0;
	}
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY ||
	    rc == SQLITE_CONSTRAINT_TRIGGER) {
		return err_set(e, ERR_WRONG_STEP, "a checkpoint of size %lld "
			       "or larger exists already", c->tree_size);
	}
	return storage_db_error(s, e, "storing an audit checkpoint");
}

int
storage_open_readonly(const char *path, struct storage **out, struct err *e)
{
	struct storage *s = NULL;
	long long version = 0;

	*out = NULL;
	if (access(path, F_OK) != 0) {
		return err_set(e, ERR_STORAGE, "there is no database at %s; "
			       "check database in the configuration", path);
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL || (s->path = strdup(path)) == NULL) {
		free(s);
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READONLY |
			    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		err_set(e, ERR_STORAGE, "cannot open the database %s (%s)",
			path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(s->db, 1);
	if (query_int(s, "PRAGMA user_version", 0, &version, e) != 0) {
		goto fail;
	}
	if (version < STORAGE_AUDIT_SCHEMA) {
		err_set(e, ERR_STORAGE, "database %s has schema version %lld, "
			"without the audit log; mycertd or mycert-admin "
			"migrates it when they open it", path, version);
		goto fail;
	}
	if (version > STORAGE_SCHEMA_VERSION) {
		err_set(e, ERR_STORAGE, "database %s has schema version %lld, "
			"newer than this program knows (%d); use the mycert "
			"that wrote it", path, version, STORAGE_SCHEMA_VERSION);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	storage_close(s);
	return -1;
}
