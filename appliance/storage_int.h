/*
 * storage_int.h: what the files of the storage module share.  Only
 * storage*.c include it: no other code sees SQL.
 */
#ifndef MYCERT_STORAGE_INT_H
#define MYCERT_STORAGE_INT_H

#include <sqlite3.h>

#include "audit.h"
#include "storage.h"

struct storage {
	sqlite3 *db;
	char *path;
	/* An audit entry to append at the next commit (storage_audit_next):
	 * the record of a change is in the change's own transaction. */
	struct audit_entry pending;
	int has_pending;
};

int storage_db_error(struct storage *s, struct err *e, const char *what);
int storage_exec(struct storage *s, const char *sql, const char *what,
		 struct err *e);
int storage_prepare(struct storage *s, const char *sql, sqlite3_stmt **st,
		    struct err *e);
/* Steps a statement that returns no row; maps the one-active-store
 * constraint to ERR_ACTIVE_EXISTS. */
int storage_step_done(struct storage *s, sqlite3_stmt *st, const char *what,
		      struct err *e);

/* Prepares sql, binds one argument per letter of types ('t' a const char
 * * or NULL, 'i' a long long, 'b' a const void * then a size_t), runs it
 * to completion and finalizes it.  For statements that return no row. */
int storage_run(struct storage *s, const char *what, struct err *e,
		const char *sql, const char *types, ...);

/* Records the holder as the portal or an officer names them (new, or
 * updated with last_seen = now). */
int storage_upsert_holder(struct storage *s, const struct storage_holder *h,
			  time_t now, struct err *e);

/* Inserts c as the active certificate of enrollment. */
int storage_insert_cert(struct storage *s, const struct storage_cert *c,
			sqlite3_int64 enrollment, struct err *e);

/* Before a new store of ehealth_id is inserted (new_serial): marks the
 * current store superseded by it when it is the one renewed (renews, may
 * be NULL) or has expired at now.  Inside the issuance's transaction. */
int storage_supersede_current(struct storage *s, const char *ehealth_id,
			      const char *renews, const char *new_serial,
			      time_t now, struct err *e);

/* BEGIN IMMEDIATE, and ROLLBACK after a failure. */
int storage_begin(struct storage *s, struct err *e);
int storage_commit(struct storage *s, struct err *e);
void storage_rollback(struct storage *s);

#endif
