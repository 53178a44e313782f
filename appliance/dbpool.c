/*
 * dbpool.c: per-thread database connections (see dbpool.h).
 */
#include "dbpool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct dbpool {
	char *path;
	int writes;
	pthread_key_t key;
	pthread_mutex_t lock;
	struct storage **all;
	size_t count;
};

int
dbpool_open(const char *path, int writes, struct dbpool **out,
	    struct err *e)
{
	struct dbpool *pool = calloc(1, sizeof(*pool));

	*out = NULL;
	if (pool == NULL || (pool->path = strdup(path)) == NULL) {
		free(pool);
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	if (pthread_key_create(&pool->key, NULL) != 0) {
		free(pool->path);
		free(pool);
		return err_set(e, ERR_INTERNAL, "cannot create a thread key");
	}
	pthread_mutex_init(&pool->lock, NULL);
	pool->writes = writes;
	*out = pool;
	return 0;
}

/* Records db as this thread's connection, in place of old (NULL: none). */
static int
keep(struct dbpool *pool, struct storage *old, struct storage *db,
     struct err *e)
{
	struct storage **grown = NULL;
	size_t i;

	pthread_mutex_lock(&pool->lock);
	for (i = 0; old != NULL && i < pool->count; i++) {
		if (pool->all[i] == old) {
			pool->all[i] = db;
			break;
		}
	}
	if (old == NULL) {
		grown = realloc(pool->all, (pool->count + 1) * sizeof(*grown));
		if (grown != NULL) {
			pool->all = grown;
			pool->all[pool->count++] = db;
		}
	}
	pthread_mutex_unlock(&pool->lock);
	if (old == NULL && grown == NULL) {
		storage_close(db);
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	storage_close(old);
	pthread_setspecific(pool->key, db);
	return 0;
}

int
dbpool_get(struct dbpool *pool, struct storage **out, struct err *e)
{
	struct storage *old = pthread_getspecific(pool->key);
	struct storage *db = NULL;

	/* SQLite opens the database read-only when the file cannot be
	 * written at that moment, and such a connection stays read-only:
	 * a pool that writes opens a new one at each call until the file
	 * is writable again, and meanwhile serves reads with the old. */
	if (old != NULL && !(pool->writes && storage_read_only(old))) {
		*out = old;
		return 0;
	}
	if (storage_open(pool->path, &db, e) != 0 ||
	    (old != NULL && storage_read_only(db))) {
		storage_close(db);
		if (old != NULL) {
			*out = old;
			return 0;
		}
		e->code = ERR_UNAVAILABLE;
		return -1;
	}
	if (keep(pool, old, db, e) != 0) {
		return -1;
	}
	*out = db;
	return 0;
}

void
dbpool_close(struct dbpool *pool)
{
	size_t i;

	if (pool == NULL) {
		return;
	}
	for (i = 0; i < pool->count; i++) {
		storage_close(pool->all[i]);
	}
	free(pool->all);
	pthread_key_delete(pool->key);
	pthread_mutex_destroy(&pool->lock);
	free(pool->path);
	free(pool);
}
