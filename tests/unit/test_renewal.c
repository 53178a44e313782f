/*
 * test_renewal.c: the CUnit suite of renewal, expiry and reminders in
 * storage_flow.c.
 *
 * Each test opens a database in a new temporary folder and plays the web
 * flow through the storage API at fixed moments: a first store, its
 * download, a renewal that overlaps it, the switch (confirmed, at the end
 * of the grace, or undone when the new store is never downloaded),
 * deactivation during the overlap, an expired store replaced by a new
 * request, and the reminders due at each configured point.  Every refusal
 * is checked to leave the certificates and reminders unchanged.  Needs no
 * token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <sqlite3.h>

#include "audit.h"
#include "storage.h"
#include "suites.h"

#define T0 ((time_t)1700000000)	/* any fixed moment */
#define DAY ((time_t)86400)
#define HOLDER "1234567890"
#define VALIDITY (1095 * DAY)
#define WINDOW 600		/* download window, seconds */
#define GRACE (14 * DAY)

struct test_db {
	char dir[32];
	char path[64];
	struct storage *s;
};

/* A store made through the web flow. */
struct store {
	char serial[STORAGE_SERIAL_HEX + 1];
	char session[STORAGE_HASH_HEX + 1];
	long long enrollment;
	time_t issued_at;
};

static void
check(int ok, int line, const char *what, const char *input)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%.200s (input \"%.200s\")", what,
		 input != NULL ? input : "(null)");
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned)line, msg,
				__FILE__, "", CU_FALSE);
}

static void
db_open(struct test_db *d)
{
	struct err e = { 0 };

	memset(d, 0, sizeof(*d));
	snprintf(d->dir, sizeof(d->dir), "/tmp/mycert-ut-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(d->dir));
	snprintf(d->path, sizeof(d->path), "%s/mycert.db", d->dir);
	CU_ASSERT_EQUAL_FATAL(storage_create(d->path, &d->s, &e), 0);
}

static void
db_remove(struct test_db *d)
{
	const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	char file[80];
	size_t i;

	storage_close(d->s);
	d->s = NULL;
	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(file, sizeof(file), "%s%s", d->path, suffixes[i]);
		unlink(file);
	}
	CU_ASSERT_EQUAL(rmdir(d->dir), 0);
}

/* The first column of the first row of sql, read beside the storage
 * connection (malloc'd; "" when no row). */
static char *
raw_text(const struct test_db *d, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	const unsigned char *t = NULL;
	char *out;

	CU_ASSERT_EQUAL_FATAL(sqlite3_open_v2(d->path, &db,
					      SQLITE_OPEN_READONLY, NULL),
			      SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
			      SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW) {
		t = sqlite3_column_text(st, 0);
	}
	out = strdup(t != NULL ? (const char *)t : "");
	sqlite3_finalize(st);
	sqlite3_close(db);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	return out;
}

/* The stores, their downloads and reminders as one text: proves a
 * refusal changed nothing. */
static char *
state_of(const struct test_db *d)
{
	return raw_text(d, "SELECT (SELECT group_concat(serial || ':' || "
			"status || ':' || coalesce(superseded_by, '-') || ':' "
			"|| coalesce(revocation_reason, '-'), ',') FROM "
			"(SELECT * FROM certificates ORDER BY serial)) || '|' "
			"|| (SELECT count(*) FROM reminders) || '|' || (SELECT "
			"count(*) FROM pending_downloads)");
}

static void
expect_unchanged(const struct test_db *d, const char *before, int line)
{
	char *after = state_of(d);

	check(strcmp(before, after) == 0, line, "nothing changed", after);
	free(after);
}

/* "<status>:<superseded_by or ->:<reason or ->" of serial. */
static char *
row_of(const struct test_db *d, const char *serial)
{
	char sql[200];

	snprintf(sql, sizeof(sql), "SELECT status || ':' || "
		 "coalesce(superseded_by, '-') || ':' || "
		 "coalesce(revocation_reason, '-') FROM certificates WHERE "
		 "serial = '%s'", serial);
	return raw_text(d, sql);
}

static void
expect_row(const struct test_db *d, const char *serial, const char *status,
	   const char *superseded_by, const char *reason, int line)
{
	char want[120], *got = row_of(d, serial);

	snprintf(want, sizeof(want), "%s:%s:%s", status, superseded_by,
		 reason);
	check(strcmp(got, want) == 0, line, want, got);
	free(got);
}

/* The holder's current serial ("" when none). */
static void
expect_current(const struct test_db *d, const char *serial, int line)
{
	struct storage_cert c;
	struct err e = { 0 };
	int rc = storage_active_cert(d->s, HOLDER, &c, &e);

	if (serial[0] == '\0') {
		check(rc == -1 && e.code == ERR_NOT_FOUND, line,
		      "no current store", c.serial);
	} else {
		check(rc == 0 && strcmp(c.serial, serial) == 0, line,
		      "the current store", serial);
	}
	storage_cert_clear(&c);
}

/* The OCSP view of serial: good (1) or revoked (2). */
static enum storage_status
status_of(const struct test_db *d, const char *serial)
{
	unsigned char raw[STORAGE_SERIAL_HEX / 2];
	enum storage_status st = STORAGE_STATUS_UNKNOWN;
	struct err e = { 0 };
	time_t at;
	size_t i;
	int reason;
	unsigned v;

	for (i = 0; i < sizeof(raw); i++) {
		CU_ASSERT_EQUAL_FATAL(sscanf(serial + 2 * i, "%2x", &v), 1);
		raw[i] = (unsigned char)v;
	}
	CU_ASSERT_EQUAL(storage_cert_status(d->s, raw, sizeof(raw), &st, &at,
					    &reason, &e), 0);
	return st;
}

/* Plays the web flow for store n of HOLDER at issued, renewing renews
 * (NULL: a first request), up to issuance; the .p12 waits for download.
 * Returns storage_record_web_issuance's result. */
static int
web_store(struct test_db *d, unsigned n, const char *renews, time_t issued,
	  struct store *out, struct err *e)
{
	struct storage_holder h = {
		HOLDER, "Jean", "Dupont", "PS-001", "Médecin",
	};
	unsigned char der[8] = { 0x30, 0x06, 1, 2, 3, 4, 5, (unsigned char)n };
	static const unsigned char p12[4] = { 0x30, 0x02, 0x05, 0x00 };
	struct storage_cert c;
	char jti[32], fingerprint[65];

	memset(out, 0, sizeof(*out));
	snprintf(jti, sizeof(jti), "jti-%u", n);
	snprintf(out->session, sizeof(out->session), "%064x", n);
	snprintf(out->serial, sizeof(out->serial), "%032x", 0x1000u + n);
	snprintf(fingerprint, sizeof(fingerprint), "%064x", 0x2000u + n);
	out->issued_at = issued;
	CU_ASSERT_EQUAL_FATAL(storage_login(d->s, &h, jti, issued + 300,
					    out->session, "csrf", issued,
					    issued + 3600, e), 0);
	CU_ASSERT_EQUAL_FATAL(storage_enrollment_start(d->s, out->session,
						       HOLDER, "2026-01",
						       renews, issued,
						       &out->enrollment, e),
			      0);
	CU_ASSERT_EQUAL_FATAL(storage_enrollment_move(d->s, out->enrollment,
						      "terms_accepted",
						      "issuing", NULL, issued,
						      e), 0);
	memset(&c, 0, sizeof(c));
	memcpy(c.serial, out->serial, sizeof(c.serial));
	memcpy(c.fingerprint, fingerprint, sizeof(c.fingerprint));
	c.ehealth_id = HOLDER;
	c.subject = "CN=Jean Dupont";
	c.email = "jean.dupont@example.org";
	c.key_type = "p256";
	c.channel = "web";
	c.not_before = issued;
	c.not_after = issued + VALIDITY;
	c.issued_at = issued;
	c.der = der;
	c.der_len = sizeof(der);
	return storage_record_web_issuance(d->s, out->enrollment, &c,
					   out->session, p12, sizeof(p12),
					   issued + WINDOW, e);
}

static void
download(struct test_db *d, const struct store *st)
{
	unsigned char *p12 = NULL;
	char serial[STORAGE_SERIAL_HEX + 1];
	struct err e = { 0 };
	size_t len = 0;
	int first = 0;

	/* Read, then sent whole: what the portal does on COMPLETED_OK. */
	CU_ASSERT_EQUAL_FATAL(storage_pending_read(d->s, st->enrollment,
						   st->session,
						   st->issued_at + 1, &p12,
						   &len, serial, &e), 0);
	free(p12);
	CU_ASSERT_EQUAL_FATAL(storage_pending_sent(d->s, st->enrollment,
						   serial, st->issued_at + 1,
						   &first, &e), 0);
	CU_ASSERT_EQUAL(first, 1);
}

/* A first store A, downloaded, then its renewal B 1000 days later (not
 * downloaded yet). */
static void
overlap(struct test_db *d, struct store *a, struct store *b)
{
	struct err e = { 0 };

	db_open(d);
	CU_ASSERT_EQUAL_FATAL(web_store(d, 1, NULL, T0, a, &e), 0);
	download(d, a);
	CU_ASSERT_EQUAL_FATAL(web_store(d, 2, a->serial, T0 + 1000 * DAY, b,
					&e), 0);
}

static void
test_overlap_keeps_both(void)
{
	struct test_db d;
	struct store a, b;
	struct storage_cert c;
	struct err e = { 0 };

	overlap(&d, &a, &b);
	expect_row(&d, a.serial, "active", b.serial, "-", __LINE__);
	expect_row(&d, b.serial, "active", "-", "-", __LINE__);
	CU_ASSERT_EQUAL(status_of(&d, a.serial), STORAGE_STATUS_GOOD);
	CU_ASSERT_EQUAL(status_of(&d, b.serial), STORAGE_STATUS_GOOD);
	expect_current(&d, b.serial, __LINE__);
	CU_ASSERT_EQUAL(storage_replaced_cert(d.s, b.serial, b.issued_at,
					      &c, &e), 0);
	CU_ASSERT_STRING_EQUAL(c.serial, a.serial);
	CU_ASSERT_STRING_EQUAL(c.superseded_by, b.serial);
	storage_cert_clear(&c);
	/* The renewal is recorded on its enrollment. */
	{
		struct storage_enrollment en;

		CU_ASSERT_EQUAL(storage_enrollment_get(d.s, b.enrollment, &en,
						       &e), 0);
		CU_ASSERT_STRING_EQUAL(en.renews, a.serial);
	}
	db_remove(&d);
}

static void
test_overlap_no_third(void)
{
	struct storage_holder h = {
		HOLDER, "Jean", "Dupont", "PS-001", "Médecin",
	};
	struct test_db d;
	struct store a, b, x;
	struct storage_cert c;
	struct err e = { 0 };
	char *before;

	overlap(&d, &a, &b);
	download(&d, &b);
	before = state_of(&d);
	/* A second renewal of the old store, a plain request, an officer's
	 * issuance: the database refuses each. */
	check(web_store(&d, 3, a.serial, b.issued_at + DAY, &x, &e) == -1 &&
	      e.code == ERR_ACTIVE_EXISTS, __LINE__, "renewal refused",
	      e.msg);
	check(web_store(&d, 4, NULL, b.issued_at + DAY, &x, &e) == -1 &&
	      e.code == ERR_ACTIVE_EXISTS, __LINE__, "request refused",
	      e.msg);
	memset(&c, 0, sizeof(c));
	snprintf(c.serial, sizeof(c.serial), "%032x", 0x9999u);
	snprintf(c.fingerprint, sizeof(c.fingerprint), "%064x", 0x9999u);
	c.ehealth_id = HOLDER;
	c.subject = "CN=x";
	c.email = "x@example.org";
	c.key_type = "p256";
	c.channel = "officer";
	c.not_before = b.issued_at;
	c.not_after = b.issued_at + DAY;
	c.issued_at = b.issued_at;
	c.der = (unsigned char *)"0";
	c.der_len = 1;
	check(storage_record_issuance(d.s, &h, &c, &e) == -1 &&
	      e.code == ERR_ACTIVE_EXISTS, __LINE__, "officer refused", e.msg);
	expect_unchanged(&d, before, __LINE__);
	free(before);
	db_remove(&d);
}

static void
test_switch(void)
{
	char replaced[STORAGE_SERIAL_HEX + 1];
	struct test_db d;
	struct store a, b;
	struct err e = { 0 };
	char *before;

	overlap(&d, &a, &b);
	before = state_of(&d);
	check(storage_renewal_switch(d.s, HOLDER, b.issued_at + 60, replaced,
				     &e) == -1 && e.code == ERR_WRONG_STEP,
	      __LINE__, "no switch before the download", e.msg);
	expect_unchanged(&d, before, __LINE__);
	free(before);
	download(&d, &b);
	CU_ASSERT_EQUAL(storage_renewal_switch(d.s, HOLDER, b.issued_at + 60,
					       replaced, &e), 0);
	CU_ASSERT_STRING_EQUAL(replaced, a.serial);
	expect_row(&d, a.serial, "revoked", b.serial, "4", __LINE__);
	expect_row(&d, b.serial, "active", "-", "-", __LINE__);
	CU_ASSERT_EQUAL(status_of(&d, a.serial), STORAGE_STATUS_REVOKED);
	CU_ASSERT_EQUAL(status_of(&d, b.serial), STORAGE_STATUS_GOOD);
	before = state_of(&d);
	check(storage_renewal_switch(d.s, HOLDER, b.issued_at + 61, replaced,
				     &e) == -1 && e.code == ERR_NOT_FOUND,
	      __LINE__, "nothing left to switch", e.msg);
	check(storage_renewal_switch(d.s, "1111111111", b.issued_at + 61,
				     replaced, &e) == -1 &&
	      e.code == ERR_NOT_FOUND, __LINE__, "unknown holder", e.msg);
	expect_unchanged(&d, before, __LINE__);
	free(before);
	db_remove(&d);
}

static void
test_grace(void)
{
	char serial[STORAGE_SERIAL_HEX + 1];
	struct test_db d;
	struct store a, b;
	struct err e = { 0 };
	char *before;

	overlap(&d, &a, &b);
	before = state_of(&d);
	/* Past the grace, but the new store was never fetched. */
	check(storage_renewal_grace(d.s, b.issued_at + GRACE + 1, GRACE,
				    serial, &e) == -1 &&
	      e.code == ERR_NOT_FOUND, __LINE__, "grace waits for the "
	      "download", e.msg);
	download(&d, &b);
	check(storage_renewal_grace(d.s, b.issued_at + GRACE - 1, GRACE,
				    serial, &e) == -1 &&
	      e.code == ERR_NOT_FOUND, __LINE__, "grace not over", e.msg);
	free(before);
	before = state_of(&d);
	CU_ASSERT_EQUAL(storage_renewal_grace(d.s, b.issued_at + GRACE, GRACE,
					      serial, &e), 0);
	CU_ASSERT_STRING_EQUAL(serial, a.serial);
	expect_row(&d, a.serial, "revoked", b.serial, "4", __LINE__);
	expect_current(&d, b.serial, __LINE__);
	free(before);
	before = state_of(&d);
	check(storage_renewal_grace(d.s, b.issued_at + GRACE + 9, GRACE,
				    serial, &e) == -1 &&
	      e.code == ERR_NOT_FOUND, __LINE__, "once", e.msg);
	expect_unchanged(&d, before, __LINE__);
	free(before);
	db_remove(&d);
}

static void
test_never_downloaded(void)
{
	struct test_db d;
	struct store a, b, c;
	struct err e = { 0 };
	int revoked = 0, erased = 0, timed_out = 0;

	overlap(&d, &a, &b);
	CU_ASSERT_EQUAL(storage_housekeeping(d.s, b.issued_at + WINDOW,
					     b.issued_at, 900, &revoked,
					     &erased, &timed_out, &e), 0);
	CU_ASSERT_EQUAL(revoked, 1);
	expect_row(&d, b.serial, "revoked", "-", "5", __LINE__);
	expect_row(&d, a.serial, "active", "-", "-", __LINE__);
	expect_current(&d, a.serial, __LINE__);
	/* The holder can renew again. */
	CU_ASSERT_EQUAL(web_store(&d, 3, a.serial, b.issued_at + DAY, &c, &e),
			0);
	expect_row(&d, a.serial, "active", c.serial, "-", __LINE__);
	db_remove(&d);
}

static void
test_deactivate_both(void)
{
	char serials[2][STORAGE_SERIAL_HEX + 1];
	struct test_db d;
	struct store a, b, c;
	struct err e = { 0 };
	int n = 0;
	char *before;

	overlap(&d, &a, &b);
	download(&d, &b);
	CU_ASSERT_EQUAL(storage_deactivate_holder(d.s, HOLDER, 1,
						  b.issued_at + 5, serials,
						  &n, &e), 0);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_STRING_EQUAL(serials[0], b.serial);
	CU_ASSERT_STRING_EQUAL(serials[1], a.serial);
	expect_row(&d, a.serial, "revoked", b.serial, "1", __LINE__);
	expect_row(&d, b.serial, "revoked", "-", "1", __LINE__);
	expect_current(&d, "", __LINE__);
	before = state_of(&d);
	check(storage_deactivate_holder(d.s, HOLDER, 1, b.issued_at + 6,
					serials, &n, &e) == -1 &&
	      e.code == ERR_NOT_FOUND && n == 0, __LINE__, "nothing left",
	      e.msg);
	expect_unchanged(&d, before, __LINE__);
	free(before);
	/* A new request is possible. */
	CU_ASSERT_EQUAL(web_store(&d, 3, NULL, b.issued_at + 9, &c, &e), 0);
	db_remove(&d);
}

static void
test_officer_revokes_new(void)
{
	struct test_db d;
	struct store a, b;
	struct err e = { 0 };

	overlap(&d, &a, &b);
	download(&d, &b);
	CU_ASSERT_EQUAL(storage_revoke(d.s, b.serial, 1, b.issued_at + 5, &e),
			0);
	expect_row(&d, b.serial, "revoked", "-", "1", __LINE__);
	expect_row(&d, a.serial, "active", "-", "-", __LINE__);
	expect_current(&d, a.serial, __LINE__);
	/* Revoking the old one alone leaves the new one untouched. */
	CU_ASSERT_EQUAL(storage_revoke(d.s, a.serial, 0, b.issued_at + 6, &e),
			0);
	expect_current(&d, "", __LINE__);
	db_remove(&d);
}

static void
test_expired_replaced(void)
{
	struct test_db d;
	struct store a, b, c;
	struct err e = { 0 };
	time_t after = T0 + VALIDITY + DAY;

	db_open(&d);
	CU_ASSERT_EQUAL_FATAL(web_store(&d, 1, NULL, T0, &a, &e), 0);
	download(&d, &a);
	/* Still valid the day before: refused. */
	check(web_store(&d, 2, NULL, T0 + VALIDITY - DAY, &b, &e) == -1 &&
	      e.code == ERR_ACTIVE_EXISTS, __LINE__, "valid store blocks",
	      e.msg);
	CU_ASSERT_EQUAL(web_store(&d, 3, NULL, after, &c, &e), 0);
	/* Replaced, never revoked: no CRL entry for an expired store. */
	expect_row(&d, a.serial, "active", c.serial, "-", __LINE__);
	expect_current(&d, c.serial, __LINE__);
	{
		struct storage_cert old;

		check(storage_replaced_cert(d.s, c.serial, after, &old, &e) ==
		      -1 && e.code == ERR_NOT_FOUND, __LINE__,
		      "an expired store is no overlap", e.msg);
	}
	db_remove(&d);
}

/* Claims the reminder due at now with points 7 and 30; the point, or 0
 * when none is due. */
static unsigned
claim(struct test_db *d, time_t now, char *serial)
{
	static const unsigned points[] = { 7, 30 };
	struct storage_reminder r;
	struct err e = { 0 };

	if (storage_reminder_claim(d->s, now, points, 2, &r, &e) != 0) {
		check(e.code == ERR_NOT_FOUND, __LINE__, "none due", e.msg);
		return 0;
	}
	if (serial != NULL) {
		memcpy(serial, r.serial, sizeof(r.serial));
	}
	CU_ASSERT_STRING_EQUAL(r.email, "jean.dupont@example.org");
	return r.days_before;
}

static void
test_reminders_once_per_point(void)
{
	char serial[STORAGE_SERIAL_HEX + 1];
	struct test_db d;
	struct store a;
	struct err e = { 0 };
	time_t end = T0 + VALIDITY;

	db_open(&d);
	CU_ASSERT_EQUAL_FATAL(web_store(&d, 1, NULL, T0, &a, &e), 0);
	CU_ASSERT_EQUAL(claim(&d, end - 20 * DAY, NULL), 0);	/* pending */
	download(&d, &a);
	CU_ASSERT_EQUAL(claim(&d, end - 31 * DAY, NULL), 0);
	CU_ASSERT_EQUAL(claim(&d, end - 30 * DAY, serial), 30);
	CU_ASSERT_STRING_EQUAL(serial, a.serial);
	CU_ASSERT_EQUAL(claim(&d, end - 30 * DAY, NULL), 0);
	CU_ASSERT_EQUAL(claim(&d, end - 8 * DAY, NULL), 0);
	CU_ASSERT_EQUAL(claim(&d, end - 7 * DAY, NULL), 7);
	CU_ASSERT_EQUAL(claim(&d, end - 2 * DAY, NULL), 0);
	CU_ASSERT_EQUAL(claim(&d, end + 1, NULL), 0);		/* expired */
	{
		char *n = raw_text(&d, "SELECT count(*) FROM reminders");

		CU_ASSERT_STRING_EQUAL(n, "2");
		free(n);
	}
	db_remove(&d);
}

static void
test_reminders_late_store(void)
{
	struct test_db d;
	struct store a;
	struct err e = { 0 };
	time_t end = T0 + VALIDITY;

	db_open(&d);
	CU_ASSERT_EQUAL_FATAL(web_store(&d, 1, NULL, T0, &a, &e), 0);
	download(&d, &a);
	/* First seen 5 days before expiry: only the 7-day reminder. */
	CU_ASSERT_EQUAL(claim(&d, end - 5 * DAY, NULL), 7);
	CU_ASSERT_EQUAL(claim(&d, end - 4 * DAY, NULL), 0);
	db_remove(&d);
}

static void
test_reminders_release(void)
{
	struct test_db d;
	struct store a;
	struct err e = { 0 };
	time_t end = T0 + VALIDITY;
	char *n;

	db_open(&d);
	CU_ASSERT_EQUAL_FATAL(web_store(&d, 1, NULL, T0, &a, &e), 0);
	download(&d, &a);
	CU_ASSERT_EQUAL(claim(&d, end - 10 * DAY, NULL), 30);
	CU_ASSERT_EQUAL(storage_reminder_release(d.s, a.serial, 30, &e), 0);
	n = raw_text(&d, "SELECT count(*) FROM reminders");
	CU_ASSERT_STRING_EQUAL(n, "0");
	free(n);
	CU_ASSERT_EQUAL(claim(&d, end - 10 * DAY, NULL), 30);
	CU_ASSERT_EQUAL(claim(&d, end - 10 * DAY, NULL), 0);
	db_remove(&d);
}

static void
test_reminders_current_only(void)
{
	static const unsigned bad[][2] = { { 30, 7 }, { 0, 7 }, { 7, 7 } };
	char serial[STORAGE_SERIAL_HEX + 1];
	struct storage_reminder r;
	struct test_db d;
	struct store a, b;
	struct err e = { 0 };
	time_t end = T0 + VALIDITY;
	size_t i;

	overlap(&d, &a, &b);
	download(&d, &b);
	/* A is replaced (no reminder), B is current but far from expiry. */
	CU_ASSERT_EQUAL(claim(&d, end - 20 * DAY, NULL), 0);
	CU_ASSERT_EQUAL(claim(&d, b.issued_at + VALIDITY - 20 * DAY, serial),
			30);
	CU_ASSERT_STRING_EQUAL(serial, b.serial);
	CU_ASSERT_EQUAL(storage_revoke(d.s, b.serial, 0, b.issued_at + 9,
				       &e), 0);
	CU_ASSERT_EQUAL(storage_revoke(d.s, a.serial, 0, b.issued_at + 9,
				       &e), 0);
	CU_ASSERT_EQUAL(claim(&d, b.issued_at + VALIDITY - 2 * DAY, NULL), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		check(storage_reminder_claim(d.s, end, bad[i], 2, &r, &e) ==
		      -1 && e.code == ERR_INTERNAL, __LINE__,
		      "points must be ascending days", e.msg);
	}
	check(storage_reminder_claim(d.s, end, bad[0], 0, &r, &e) == -1,
	      __LINE__, "no point", e.msg);
	db_remove(&d);
}

/* ---- recovery at start (storage_recover_interrupted) ------------------ */

static void
recover(struct test_db *d, time_t now, int want_failed, int want_revoked)
{
	struct err e = { 0 };
	int failed = -1, revoked = -1;

	CU_ASSERT_EQUAL(storage_recover_interrupted(d->s, now, &failed,
						    &revoked, &e), 0);
	CU_ASSERT_EQUAL(failed, want_failed);
	CU_ASSERT_EQUAL(revoked, want_revoked);
}

static void
expect_text(const struct test_db *d, const char *sql, const char *want,
	    int line)
{
	char *got = raw_text(d, sql);

	check(strcmp(got, want) == 0, line, want, got);
	free(got);
}

static void
test_recover_issuing(void)
{
	struct test_db d;
	struct storage_holder h = {
		HOLDER, "Jean", "Dupont", "PS-001", "Médecin",
	};
	char session[STORAGE_HASH_HEX + 1];
	struct err e = { 0 };
	long long id = 0;

	db_open(&d);
	snprintf(session, sizeof(session), "%064x", 7u);
	CU_ASSERT_EQUAL_FATAL(storage_login(d.s, &h, "jti-7", T0 + 300,
					    session, "csrf", T0, T0 + 3600,
					    &e), 0);
	CU_ASSERT_EQUAL_FATAL(storage_enrollment_start(d.s, session,
						       HOLDER, "2026-01", NULL,
						       T0, &id, &e), 0);
	CU_ASSERT_EQUAL_FATAL(storage_enrollment_move(d.s, id,
						      "terms_accepted",
						      "issuing", NULL, T0, &e),
			      0);
	recover(&d, T0 + 5, 1, 0);
	expect_text(&d, "SELECT state || ':' || failure FROM "
		    "enrollments", "failed:interrupted", __LINE__);
	expect_text(&d, "SELECT group_concat(event || ':' || object || "
		    "':' || outcome || ':' || detail) FROM audit_log WHERE "
		    "event = 'store_issue_failed'", "store_issue_failed:"
		    "enrollment:1:failed:interrupted:cause=restart", __LINE__);
	/* Retryable: failed is where a retry starts. */
	CU_ASSERT_EQUAL(storage_enrollment_move(d.s, id, "failed",
						"issuing", NULL, T0 + 6, &e),
			0);
	recover(&d, T0 + 7, 1, 0);
	recover(&d, T0 + 8, 0, 0);
	db_remove(&d);
}

static void
test_timeout_audited(void)
{
	char serials[2][STORAGE_SERIAL_HEX + 1];
	struct test_db d;
	struct store a;
	struct err e = { 0 };
	int n = 0, revoked = -1, erased = -1, timed_out = -1;

	db_open(&d);
	CU_ASSERT_EQUAL_FATAL(web_store(&d, 1, NULL, T0, &a, &e), 0);
	download(&d, &a);
	CU_ASSERT_EQUAL_FATAL(storage_deactivate_holder(d.s, HOLDER, 0, T0 + 1,
							serials, &n, &e), 0);
	/* A second request whose generation never ends. */
	CU_ASSERT_EQUAL_FATAL(storage_enrollment_start(d.s, a.session, HOLDER,
						       "2026-01", NULL, T0 + 2,
						       &a.enrollment, &e), 0);
	CU_ASSERT_EQUAL_FATAL(storage_enrollment_move(d.s, a.enrollment,
						      "terms_accepted",
						      "issuing", NULL, T0 + 2,
						      &e), 0);
	CU_ASSERT_EQUAL(storage_housekeeping(d.s, T0 + 100, T0 + 1, 900,
					     &revoked, &erased, &timed_out,
					     &e), 0);
	CU_ASSERT_EQUAL(timed_out, 0);
	CU_ASSERT_EQUAL(storage_housekeeping(d.s, T0 + 200, T0 + 80, 900,
					     &revoked, &erased, &timed_out,
					     &e), 0);
	CU_ASSERT_EQUAL(timed_out, 1);
	expect_text(&d, "SELECT state || ':' || failure FROM enrollments "
		    "WHERE id = 2", "failed:timeout", __LINE__);
	expect_text(&d, "SELECT outcome || ':' || detail FROM audit_log WHERE "
		    "event = 'store_issue_failed'", "failed:timeout:"
		    "cause=timeout", __LINE__);
	db_remove(&d);
}

static void
test_recover_unshown(void)
{
	char serial[STORAGE_SERIAL_HEX + 1];
	struct test_db d;
	struct store a, b;
	struct err e = { 0 };

	db_open(&d);
	CU_ASSERT_EQUAL_FATAL(web_store(&d, 1, NULL, T0, &a, &e), 0);
	recover(&d, T0 + 5, 0, 1);
	expect_row(&d, a.serial, "revoked", "-", "5", __LINE__);
	expect_text(&d, "SELECT count(*) FROM pending_downloads", "0",
		    __LINE__);
	expect_text(&d, "SELECT count(*) FROM sessions WHERE enrollment_id IS "
		    "NOT NULL", "0", __LINE__);
	expect_text(&d, "SELECT detail FROM audit_log WHERE event = "
		    "'store_auto_revoked'", "reason=5 cause=restart",
		    __LINE__);
	/* A store whose password was shown stays downloadable. */
	CU_ASSERT_EQUAL_FATAL(web_store(&d, 2, NULL, T0 + 10, &b, &e), 0);
	CU_ASSERT_EQUAL(storage_pending_mark_shown(d.s, b.enrollment, &e), 0);
	recover(&d, T0 + 15, 0, 0);
	expect_row(&d, b.serial, "active", "-", "-", __LINE__);
	download(&d, &b);
	/* Sent whole, the file stays for another try until the holder
	 * says it is saved; then nothing waits any more. */
	CU_ASSERT_EQUAL(storage_pending_mark_shown(d.s, b.enrollment, &e), 0);
	CU_ASSERT_EQUAL_FATAL(storage_pending_saved(d.s, b.enrollment,
						    b.session, serial, &e), 0);
	CU_ASSERT_STRING_EQUAL(serial, b.serial);
	CU_ASSERT_EQUAL(storage_pending_mark_shown(d.s, b.enrollment, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_NOT_FOUND);
	db_remove(&d);
}

/* A file sent whole stays for another try: a second whole send records
 * nothing more, "saved" erases it, and a revocation erases it too. */
static void
test_sent_twice_then_saved(void)
{
	char serial[STORAGE_SERIAL_HEX + 1];
	struct audit_entry a = {
		.actor = "ehealth:" HOLDER, .event = "store_downloaded",
		.object = "enrollment:1", .outcome = "ok", .source = "",
		.detail = "",
	};
	struct test_db d;
	struct store x, y;
	struct err e = { 0 };
	int first = -1, revoked = 0, erased = 0, timed_out = 0;

	db_open(&d);
	CU_ASSERT_EQUAL_FATAL(web_store(&d, 1, NULL, T0, &x, &e), 0);
	/* Not sent yet: "saved" is refused and erases nothing. */
	CU_ASSERT_EQUAL(storage_pending_saved(d.s, x.enrollment, x.session,
					      serial, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_WRONG_STEP);
	expect_text(&d, "SELECT count(*) FROM pending_downloads", "1",
		    __LINE__);
	/* Two whole sends (two downloads in parallel): the first wins. */
	storage_audit_next(d.s, &a);
	CU_ASSERT_EQUAL(storage_pending_sent(d.s, x.enrollment, x.serial,
					     T0 + 1, &first, &e), 0);
	CU_ASSERT_EQUAL(first, 1);
	storage_audit_next(d.s, &a);
	CU_ASSERT_EQUAL(storage_pending_sent(d.s, x.enrollment, x.serial,
					     T0 + 2, &first, &e), 0);
	CU_ASSERT_EQUAL(first, 0);
	expect_text(&d, "SELECT count(*) || ':' || (SELECT downloaded_at FROM "
		    "pending_downloads) FROM audit_log WHERE event = "
		    "'store_downloaded'", "1:" "1700000001", __LINE__);
	/* Another session's "saved" is refused. */
	CU_ASSERT_EQUAL(storage_pending_saved(d.s, x.enrollment,
					      "00000000000000000000000000000"
					      "00000000000000000000000000000"
					      "000000", serial, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_NOT_FOUND);
	CU_ASSERT_EQUAL(storage_pending_saved(d.s, x.enrollment, x.session,
					      serial, &e), 0);
	expect_text(&d, "SELECT count(*) FROM pending_downloads", "0",
		    __LINE__);
	/* Sent after it was erased: nothing recorded. */
	CU_ASSERT_EQUAL(storage_pending_sent(d.s, x.enrollment, x.serial,
					     T0 + 3, &first, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_NOT_FOUND);
	/* A revocation inside the window erases the file at once. */
	CU_ASSERT_EQUAL(storage_revoke(d.s, x.serial, 1, T0 + 4, &e), 0);
	CU_ASSERT_EQUAL_FATAL(web_store(&d, 2, NULL, T0 + 10, &y, &e), 0);
	CU_ASSERT_EQUAL(storage_revoke(d.s, y.serial, 1, T0 + 11, &e), 0);
	expect_text(&d, "SELECT count(*) FROM pending_downloads", "0",
		    __LINE__);
	/* The window's end then has nothing left to revoke. */
	CU_ASSERT_EQUAL(storage_housekeeping(d.s, T0 + 10 + WINDOW, T0, 900,
					     &revoked, &erased, &timed_out,
					     &e), 0);
	CU_ASSERT_EQUAL(revoked, 0);
	db_remove(&d);
}

static void
test_recover_unshown_renewal(void)
{
	struct test_db d;
	struct store a, b;

	overlap(&d, &a, &b);
	recover(&d, b.issued_at + 5, 0, 1);
	expect_row(&d, b.serial, "revoked", "-", "5", __LINE__);
	expect_row(&d, a.serial, "active", "-", "-", __LINE__);
	expect_current(&d, a.serial, __LINE__);
	db_remove(&d);
}

int
test_renewal_register(void)
{
	static const struct {
		const char *name;
		CU_TestFunc fn;
	} tests[] = {
		{ "keeps both stores valid during a renewal's overlap",
		  test_overlap_keeps_both },
		{ "refuses a third store during the overlap and changes "
		  "nothing", test_overlap_no_third },
		{ "switches only after the download, revoking the old as "
		  "superseded", test_switch },
		{ "revokes the old store as superseded when the grace ends",
		  test_grace },
		{ "makes the old store current again when the new one is "
		  "never downloaded", test_never_downloaded },
		{ "a file sent twice is recorded once, erased when saved or "
		  "revoked", test_sent_twice_then_saved },
		{ "deactivation during the overlap revokes both stores",
		  test_deactivate_both },
		{ "an officer's revocation of the new store restores the old",
		  test_officer_revokes_new },
		{ "an expired store does not block a new one and is not "
		  "revoked", test_expired_replaced },
		{ "claims a reminder once per configured point",
		  test_reminders_once_per_point },
		{ "a store seen inside the last point gets only that reminder",
		  test_reminders_late_store },
		{ "a released reminder is claimed again",
		  test_reminders_release },
		{ "reminds only current, downloaded, valid stores",
		  test_reminders_current_only },
		{ "at start, a generation left issuing becomes retryable, "
		  "audited", test_recover_issuing },
		{ "housekeeping fails a generation past its time, audited",
		  test_timeout_audited },
		{ "at start, a store whose password was never shown is "
		  "revoked; one shown stays", test_recover_unshown },
		{ "at start, an unshown renewal gives the old store back",
		  test_recover_unshown_renewal },
	};
	CU_pSuite suite = CU_add_suite("renewal", NULL, NULL);
	size_t i;

	if (suite == NULL) {
		return -1;
	}
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (CU_add_test(suite, tests[i].name, tests[i].fn) == NULL) {
			return -1;
		}
	}
	return 0;
}
