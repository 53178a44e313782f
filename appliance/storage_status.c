/*
 * storage_status.c: what the status services publish (see storage.h):
 * the status of one certificate for OCSP, the revoked list and the CRL
 * numbers for the CRL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage_int.h"

int
storage_cert_status(struct storage *s, const unsigned char *serial,
		    size_t len, enum storage_status *status,
		    time_t *revoked_at, int *reason, struct err *e)
{
	static const char digits[] = "0123456789abcdef";
	char hex[STORAGE_SERIAL_HEX + 1];
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc;

	*status = STORAGE_STATUS_UNKNOWN;
	*revoked_at = 0;
	*reason = -1;
	/* Every serial of this CA is 16 bytes: others are unknown. */
	if (len != STORAGE_SERIAL_HEX / 2) {
		return 0;
	}
	for (i = 0; i < len; i++) {
		hex[2 * i] = digits[serial[i] >> 4];
		hex[2 * i + 1] = digits[serial[i] & 15];
	}
	hex[2 * len] = '\0';
	if (storage_prepare(s, "SELECT status, revoked_at, revocation_reason "
			    "FROM certificates WHERE serial = ?1", &st,
			    e) != 0) {
		return -1;
	}
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(st, 0);

		if (text != NULL && strcmp(text, "revoked") == 0) {
			*status = STORAGE_STATUS_REVOKED;
			*revoked_at = (time_t)sqlite3_column_int64(st, 1);
			*reason = sqlite3_column_type(st, 2) == SQLITE_NULL
					  ? -1 : sqlite3_column_int(st, 2);
		} else {
			*status = STORAGE_STATUS_GOOD;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		return storage_db_error(s, e, "reading a certificate's status");
	}
	return 0;
}

int
storage_list_revoked(struct storage *s,
		     int (*fn)(const char *serial, time_t revoked_at,
			       int reason, void *arg),
		     void *arg, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc, stop = 0;

	if (storage_prepare(s, "SELECT serial, revoked_at, revocation_reason "
			    "FROM certificates WHERE status = 'revoked' ORDER "
			    "BY revoked_at, serial", &st, e) != 0) {
		return -1;
	}
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		stop = fn((const char *)sqlite3_column_text(st, 0),
			  (time_t)sqlite3_column_int64(st, 1),
			  sqlite3_column_type(st, 2) == SQLITE_NULL
				  ? -1 : sqlite3_column_int(st, 2), arg);
	}
	sqlite3_finalize(st);
	if (!stop && rc != SQLITE_DONE) {
		return storage_db_error(s, e, "listing revoked certificates");
	}
	return 0;
}

int
storage_crl_record(struct storage *s, time_t this_update, time_t next_update,
		   long revoked, const char *sha256, long long *number,
		   struct err *e)
{
	sqlite3_stmt *st = NULL;

	*number = 0;
	if (storage_begin(s, e) != 0) {
		return -1;
	}
	/* The number only grows: one more than any before, never reused. */
	if (storage_prepare(s, "INSERT INTO crls (number, this_update, "
			    "next_update, revoked, sha256) SELECT "
			    "coalesce(max(number), 0) + 1, ?1, ?2, ?3, ?4 FROM "
			    "crls", &st, e) != 0) {
		goto fail;
	}
	sqlite3_bind_int64(st, 1, this_update);
	sqlite3_bind_int64(st, 2, next_update);
	sqlite3_bind_int64(st, 3, revoked);
	sqlite3_bind_text(st, 4, sha256, -1, SQLITE_STATIC);
	if (storage_step_done(s, st, "recording the CRL", e) != 0) {
		goto fail;
	}
	sqlite3_finalize(st);
	*number = sqlite3_last_insert_rowid(s->db);
	return storage_commit(s, e);
fail:
	sqlite3_finalize(st);
	storage_rollback(s);
	return -1;
}

int
storage_crl_latest(struct storage *s, long long *number, time_t *next_update,
		   struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*number = 0;
	*next_update = 0;
	if (storage_prepare(s, "SELECT number, next_update FROM crls ORDER BY "
			    "number DESC LIMIT 1", &st, e) != 0) {
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*number = sqlite3_column_int64(st, 0);
		*next_update = (time_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		return storage_db_error(s, e, "reading the latest CRL");
	}
	return 0;
}

int
storage_revocations(struct storage *s, long *count, time_t *latest,
		    struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*count = 0;
	*latest = 0;
	if (storage_prepare(s, "SELECT count(*), coalesce(max(revoked_at), 0) "
			    "FROM certificates WHERE status = 'revoked'", &st,
			    e) != 0) {
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*count = (long)sqlite3_column_int64(st, 0);
		*latest = (time_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		return storage_db_error(s, e, "counting revocations");
	}
	return 0;
}
