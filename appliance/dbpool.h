/*
 * dbpool.h: one database connection per thread (TECH-NOTES: SQLite
 * connections are not shared between threads).  A thread's first call
 * opens its connection; dbpool_close closes them all, once every thread
 * that used the pool has stopped.  Used by the portal's request and
 * worker threads and by the status listener.  Runs in mycertd.
 */
#ifndef MYCERT_DBPOOL_H
#define MYCERT_DBPOOL_H

#include "err.h"
#include "storage.h"

struct dbpool;

/* writes: 1 when the pool's users write.  SQLite opens a connection
 * read-only when the file cannot be written at that moment, and it stays
 * so: such a pool replaces it, at a later call, by one that can write
 * (else its thread would fail every write until a restart, long after
 * the fault has gone). */
int dbpool_open(const char *path, int writes, struct dbpool **out,
		struct err *e) MUST_CHECK;

/* This thread's connection (opened on first use).  ERR_UNAVAILABLE when
 * the database cannot be opened. */
int dbpool_get(struct dbpool *pool, struct storage **out, struct err *e)
	MUST_CHECK;

void dbpool_close(struct dbpool *pool);

#endif
