/*
 * test_storage.c: the CUnit suite of storage.c.
 *
 * Each test opens a database in a new temporary folder under /tmp and
 * removes it at the end (a test stopped by a fatal failure leaves it, for
 * inspection).  Besides the storage API, the tests read and
 * write the file directly with SQLite, to prove that the schema version,
 * WAL mode and the rules (one active store per eHealthID, serial form) are
 * held by the database itself.  Needs no token.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <sqlite3.h>

#include "storage.h"
#include "suites.h"

#define T0 ((time_t)1700000000)	/* 2023-11-14, any fixed moment */
#define DAY ((time_t)86400)
#define OTHER_SERIAL_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define OTHER_SERIAL_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* A database in its own temporary folder. */
struct test_db {
	char dir[32];
	char path[64];
	struct storage *s;
};

/* A certificate record built by the tests, with the buffers it uses. */
struct test_cert {
	struct storage_cert c;
	char ehealth_id[11];
	char subject[96];
	unsigned char der[24];
};

/* Records an assertion whose failure message names the input. */
static void
check(int ok, int line, const char *what, const char *input)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%.200s (input \"%.200s\")", what, input);
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned)line, msg,
				__FILE__, "", CU_FALSE);
}

/* Makes the folder and opens a new database in it; fails the test (and
 * stops it) when either cannot be done. */
static void
db_open(struct test_db *d)
{
	struct err e = { 0 };

	memset(d, 0, sizeof(*d));
	snprintf(d->dir, sizeof(d->dir), "/tmp/mycert-ut-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(d->dir));
	snprintf(d->path, sizeof(d->path), "%s/mycert.db", d->dir);
	CU_ASSERT_EQUAL_FATAL(storage_create(d->path, &d->s, &e), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d->s);
}

/* Closes the database and removes its files and folder. */
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

/* Opens the file directly with SQLite, beside the storage connection. */
static sqlite3 *
raw_open(const struct test_db *d)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(d->path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		sqlite3_close(db);
		CU_FAIL_FATAL("cannot open the database with SQLite");
	}
	sqlite3_busy_timeout(db, 5000);
	sqlite3_extended_result_codes(db, 1);
	return db;
}

/* Runs sql (one statement) directly and returns its first column as a
 * malloc'd string ("" when there is no row). */
static char *
raw_text(const struct test_db *d, const char *sql)
{
	sqlite3 *db = raw_open(d);
	sqlite3_stmt *st = NULL;
	const unsigned char *t = NULL;
	char *out;

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

static long
raw_long(const struct test_db *d, const char *sql)
{
	char *t = raw_text(d, sql);
	long n = strtol(t, NULL, 10);

	free(t);
	return n;
}

/* Fills t with a valid record: serial from n, fingerprint from the serial,
 * issued at T0 + issued. */
static void
make_cert(struct test_cert *t, unsigned n, const char *ehealth_id,
	  time_t issued)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	snprintf(t->c.serial, sizeof(t->c.serial), "%016x%016x", n,
		 n * 2654435761u);
	snprintf(t->c.fingerprint, sizeof(t->c.fingerprint), "%s%s",
		 t->c.serial, t->c.serial);
	snprintf(t->ehealth_id, sizeof(t->ehealth_id), "%s", ehealth_id);
	snprintf(t->subject, sizeof(t->subject), "CN=Holder %u,O=mycert "
		 "tests,C=FR", n);
	for (i = 0; i < sizeof(t->der); i++) {
		t->der[i] = (unsigned char)(0x30 + n + i * 7);
	}
	t->c.ehealth_id = t->ehealth_id;
	t->c.subject = t->subject;
	t->c.email = "holder@example.org";
	t->c.key_type = "rsa3072";
	t->c.channel = "web";
	t->c.not_before = T0 + issued;
	t->c.not_after = T0 + issued + 1095 * DAY;
	t->c.issued_at = T0 + issued;
	t->c.der = t->der;
	t->c.der_len = sizeof(t->der);
}

static struct storage_holder
make_holder(const char *ehealth_id, const char *given_name)
{
	struct storage_holder h = {
		.ehealth_id = ehealth_id,
		.given_name = given_name,
		.family_name = "Dupont",
		.profession_code = "PS-001",
		.profession_label = "Médecin",
	};

	return h;
}

/* Records a valid issuance of record n for ehealth_id. */
static void
record(struct test_db *d, unsigned n, const char *ehealth_id, time_t issued)
{
	struct storage_holder h = make_holder(ehealth_id, "Jean");
	struct test_cert t;
	struct err e = { 0 };

	make_cert(&t, n, ehealth_id, issued);
	CU_ASSERT_EQUAL_FATAL(storage_record_issuance(d->s, &h, &t.c, &e), 0);
}

/* Checks the row counts of the three tables. */
static void
expect_counts(struct test_db *d, long holders, long enrollments,
	      long certificates, int line)
{
	const char *const tables[] = { "professionals", "enrollments",
				       "certificates" };
	const long want[] = { holders, enrollments, certificates };
	struct err e = { 0 };
	size_t i;

	for (i = 0; i < 3; i++) {
		long n = -1;

		check(storage_count(d->s, tables[i], &n, &e) == 0, line,
		      "counted", tables[i]);
		check(n == want[i], line, "row count as expected", tables[i]);
	}
}

static void
test_creates(void)
{
	struct test_db d;
	struct stat st;
	char *mode;

	db_open(&d);
	CU_ASSERT_EQUAL(stat(d.path, &st), 0);
	CU_ASSERT(S_ISREG(st.st_mode));
	CU_ASSERT_EQUAL(raw_long(&d, "PRAGMA user_version"),
			STORAGE_SCHEMA_VERSION);
	mode = raw_text(&d, "PRAGMA journal_mode");
	CU_ASSERT_STRING_EQUAL(mode, "wal");
	free(mode);
	expect_counts(&d, 0, 0, 0, __LINE__);
	db_remove(&d);
}

static void
test_reopen(void)
{
	struct test_db d;
	struct storage *second = NULL;
	struct storage_cert c;
	struct test_cert want;
	struct err e = { 0 };
	long n = 0;

	db_open(&d);
	record(&d, 1, "1234567890", 0);
	storage_close(d.s);
	d.s = NULL;
	CU_ASSERT_EQUAL_FATAL(storage_open(d.path, &d.s, &e), 0);
	CU_ASSERT_EQUAL(raw_long(&d, "PRAGMA user_version"),
			STORAGE_SCHEMA_VERSION);
	expect_counts(&d, 1, 1, 1, __LINE__);
	make_cert(&want, 1, "1234567890", 0);
	CU_ASSERT_EQUAL(storage_get_cert(d.s, want.c.serial, &c, &e), 0);
	CU_ASSERT_STRING_EQUAL(c.serial, want.c.serial);
	storage_cert_clear(&c);

	/* A second connection at the same time (another thread's). */
	CU_ASSERT_EQUAL_FATAL(storage_open(d.path, &second, &e), 0);
	CU_ASSERT_EQUAL(storage_count(second, "certificates", &n, &e), 0);
	CU_ASSERT_EQUAL(n, 1);
	storage_close(second);
	db_remove(&d);
}

static void
test_open_refuses_missing(void)
{
	struct test_db d;
	struct storage *s = NULL;
	struct err e = { 0 };
	struct stat st;
	char other[300];

	db_open(&d);
	CU_ASSERT_EQUAL(stat(d.path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
	/* A mistyped path is refused, and no file appears there. */
	snprintf(other, sizeof(other), "%s/mycret.db", d.dir);
	CU_ASSERT_EQUAL(storage_open(other, &s, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_STORAGE);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_NOT_EQUAL(access(other, F_OK), 0);
	/* create never takes over an existing database. */
	CU_ASSERT_EQUAL(storage_create(d.path, &s, &e), -1);
	CU_ASSERT_PTR_NULL(s);
	db_remove(&d);
}

static void
test_newer_schema(void)
{
	struct test_db d;
	struct storage *s = NULL;
	struct err e = { 0 };
	char sql[64], found[64], known[64];
	sqlite3 *db;

	db_open(&d);
	record(&d, 1, "1234567890", 0);
	storage_close(d.s);
	d.s = NULL;
	db = raw_open(&d);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		 STORAGE_SCHEMA_VERSION + 1);
	CU_ASSERT_EQUAL(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	CU_ASSERT_EQUAL(storage_open(d.path, &s, &e), -1);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_EQUAL(e.code, ERR_STORAGE);
	snprintf(found, sizeof(found), "schema version %d",
		 STORAGE_SCHEMA_VERSION + 1);
	snprintf(known, sizeof(known), "(%d)", STORAGE_SCHEMA_VERSION);
	check(strstr(e.msg, found) != NULL, __LINE__, found, e.msg);
	check(strstr(e.msg, known) != NULL, __LINE__, known, e.msg);
	/* Left as it was found: not migrated down, data kept. */
	CU_ASSERT_EQUAL(raw_long(&d, "PRAGMA user_version"),
			STORAGE_SCHEMA_VERSION + 1);
	CU_ASSERT_EQUAL(raw_long(&d, "SELECT count(*) FROM certificates"), 1);
	db_remove(&d);
}

static void
test_record_and_read(void)
{
	struct test_db d;
	struct storage_holder h = make_holder("1234567890", "Jean");
	struct test_cert t;
	struct storage_cert c;
	struct err e = { 0 };
	char *text;

	db_open(&d);
	make_cert(&t, 7, "1234567890", 3600);
	t.c.key_type = "p256";
	t.c.channel = "officer";
	t.c.email = "jean.dupont@example.org";
	CU_ASSERT_EQUAL_FATAL(storage_record_issuance(d.s, &h, &t.c, &e), 0);
	expect_counts(&d, 1, 1, 1, __LINE__);

	CU_ASSERT_EQUAL_FATAL(storage_get_cert(d.s, t.c.serial, &c, &e), 0);
	CU_ASSERT_STRING_EQUAL(c.serial, t.c.serial);
	CU_ASSERT_STRING_EQUAL(c.ehealth_id, "1234567890");
	CU_ASSERT_STRING_EQUAL(c.subject, t.subject);
	CU_ASSERT_STRING_EQUAL(c.email, "jean.dupont@example.org");
	CU_ASSERT_STRING_EQUAL(c.key_type, "p256");
	CU_ASSERT_STRING_EQUAL(c.channel, "officer");
	CU_ASSERT_EQUAL(c.not_before, T0 + 3600);
	CU_ASSERT_EQUAL(c.not_after, T0 + 3600 + 1095 * DAY);
	CU_ASSERT_EQUAL(c.issued_at, T0 + 3600);
	CU_ASSERT_STRING_EQUAL(c.status, "active");
	CU_ASSERT_EQUAL(c.revoked_at, 0);
	CU_ASSERT_EQUAL(c.revocation_reason, -1);
	CU_ASSERT_STRING_EQUAL(c.fingerprint, t.c.fingerprint);
	CU_ASSERT_EQUAL_FATAL(c.der_len, sizeof(t.der));
	CU_ASSERT_PTR_NOT_EQUAL(c.der, t.der);
	CU_ASSERT_EQUAL(memcmp(c.der, t.der, sizeof(t.der)), 0);
	storage_cert_clear(&c);
	CU_ASSERT_PTR_NULL(c.der);

	/* The holder and the enrollment, as written. */
	text = raw_text(&d, "SELECT given_name || '|' || family_name || '|' "
			"|| profession_code || '|' || profession_label "
			"FROM professionals WHERE ehealth_id = '1234567890'");
	CU_ASSERT_STRING_EQUAL(text, "Jean|Dupont|PS-001|Médecin");
	free(text);
	text = raw_text(&d, "SELECT state || '|' || channel || '|' || email "
			"FROM enrollments");
	CU_ASSERT_STRING_EQUAL(text, "issued|officer|jean.dupont@example.org");
	free(text);
	db_remove(&d);
}

static void
test_second_active(void)
{
	struct test_db d;
	struct storage_holder h = make_holder("1234567890", "Changed");
	struct test_cert t;
	struct err e = { 0 };
	char *given;
	int active = 0;

	db_open(&d);
	record(&d, 1, "1234567890", 0);
	make_cert(&t, 2, "1234567890", 60);
	CU_ASSERT_EQUAL(storage_record_issuance(d.s, &h, &t.c, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_ACTIVE_EXISTS);
	expect_counts(&d, 1, 1, 1, __LINE__);
	/* The holder update of the refused issuance was rolled back. */
	given = raw_text(&d, "SELECT given_name FROM professionals");
	CU_ASSERT_STRING_EQUAL(given, "Jean");
	free(given);
	CU_ASSERT_EQUAL(storage_has_active(d.s, "1234567890", &active, &e), 0);
	CU_ASSERT_EQUAL(active, 1);
	db_remove(&d);
}

static void
test_other_holder(void)
{
	struct test_db d;
	struct err e = { 0 };
	int active = 1;

	db_open(&d);
	CU_ASSERT_EQUAL(storage_has_active(d.s, "1234567890", &active, &e), 0);
	CU_ASSERT_EQUAL(active, 0);
	record(&d, 1, "1234567890", 0);
	record(&d, 2, "1234567891", 60);
	expect_counts(&d, 2, 2, 2, __LINE__);
	CU_ASSERT_EQUAL(storage_has_active(d.s, "1234567891", &active, &e), 0);
	CU_ASSERT_EQUAL(active, 1);
	db_remove(&d);
}

static void
test_bad_serial_input(void)
{
	const char *const bad[] = {
		"", "0123456789abcdef0123456789abcde",
		"0123456789abcdef0123456789abcdef0",
		"0123456789abcdef0123456789abcdeg",
		"0123456789abcdef 123456789abcdef",
		"0x23456789abcdef0123456789abcdef",
		"'; DROP TABLE certificates; --xx",
	};
	struct test_db d;
	size_t i;

	db_open(&d);
	record(&d, 1, "1234567890", 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct storage_cert c;
		struct err e = { 0 };

		check(storage_get_cert(d.s, bad[i], &c, &e) == -1, __LINE__,
		      "refused", bad[i]);
		check(e.code == ERR_INPUT, __LINE__, "ERR_INPUT", bad[i]);
		check(c.der == NULL && c.status == NULL, __LINE__,
		      "nothing returned", bad[i]);
	}
	expect_counts(&d, 1, 1, 1, __LINE__);
	db_remove(&d);
}

static void
test_unknown_serial(void)
{
	struct test_db d;
	struct storage_cert c;
	struct err e = { 0 };

	db_open(&d);
	record(&d, 1, "1234567890", 0);
	CU_ASSERT_EQUAL(storage_get_cert(d.s,
					 "00000000000000000000000000000000",
					 &c, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_NOT_FOUND);
	CU_ASSERT_PTR_NULL(c.der);
	db_remove(&d);
}

static void
test_uppercase_serial(void)
{
	struct test_db d;
	struct test_cert t;
	struct storage_cert c;
	struct err e = { 0 };
	char upper[STORAGE_SERIAL_HEX + 1];
	size_t i;

	db_open(&d);
	record(&d, 0xabcdef, "1234567890", 0);
	make_cert(&t, 0xabcdef, "1234567890", 0);
	for (i = 0; i <= STORAGE_SERIAL_HEX; i++) {
		upper[i] = (char)toupper((unsigned char)t.c.serial[i]);
	}
	CU_ASSERT_NOT_EQUAL_FATAL(strcmp(upper, t.c.serial), 0);
	CU_ASSERT_EQUAL_FATAL(storage_get_cert(d.s, upper, &c, &e), 0);
	CU_ASSERT_STRING_EQUAL(c.serial, t.c.serial);
	storage_cert_clear(&c);
	db_remove(&d);
}

struct listing {
	int calls;
	int stop_after;		/* 0: never stop */
	char serials[4][STORAGE_SERIAL_HEX + 1];
};

static int
collect(const struct storage_cert *c, void *arg)
{
	struct listing *l = arg;

	if (l->calls < 4) {
		snprintf(l->serials[l->calls], sizeof(l->serials[0]), "%s",
			 c->serial);
	}
	l->calls++;
	return l->stop_after != 0 && l->calls >= l->stop_after;
}

static void
test_list_order(void)
{
	struct test_db d;
	struct test_cert t1, t2, t3;
	struct listing l;
	struct err e = { 0 };

	db_open(&d);
	/* Inserted in an order that is neither newest nor oldest first. */
	record(&d, 1, "1000000001", 0);
	record(&d, 2, "1000000002", 100);
	record(&d, 3, "1000000003", 50);
	make_cert(&t1, 1, "1000000001", 0);
	make_cert(&t2, 2, "1000000002", 100);
	make_cert(&t3, 3, "1000000003", 50);

	memset(&l, 0, sizeof(l));
	CU_ASSERT_EQUAL(storage_list_certs(d.s, collect, &l, &e), 0);
	CU_ASSERT_EQUAL_FATAL(l.calls, 3);
	CU_ASSERT_STRING_EQUAL(l.serials[0], t2.c.serial);
	CU_ASSERT_STRING_EQUAL(l.serials[1], t3.c.serial);
	CU_ASSERT_STRING_EQUAL(l.serials[2], t1.c.serial);
	db_remove(&d);
}

static void
test_list_stop(void)
{
	struct test_db d;
	struct test_cert t2;
	struct listing l;
	struct err e = { 0 };

	db_open(&d);
	record(&d, 1, "1000000001", 0);
	record(&d, 2, "1000000002", 100);
	record(&d, 3, "1000000003", 50);
	make_cert(&t2, 2, "1000000002", 100);

	memset(&l, 0, sizeof(l));
	l.stop_after = 1;
	CU_ASSERT_EQUAL(storage_list_certs(d.s, collect, &l, &e), 0);
	CU_ASSERT_EQUAL(l.calls, 1);
	CU_ASSERT_STRING_EQUAL(l.serials[0], t2.c.serial);

	memset(&l, 0, sizeof(l));
	l.stop_after = 2;
	CU_ASSERT_EQUAL(storage_list_certs(d.s, collect, &l, &e), 0);
	CU_ASSERT_EQUAL(l.calls, 2);
	db_remove(&d);
}

static void
test_serial_form(void)
{
	const char *const bad[] = {
		"0123456789ABCDEF0123456789ABCDEF",	/* upper case */
		"0123456789abcdef0123456789abcde",	/* 31 */
		"0123456789abcdef0123456789abcdeg",
		"",
	};
	struct test_db d;
	size_t i;

	db_open(&d);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct storage_holder h = make_holder("1234567890", "Jean");
		struct test_cert t;
		struct err e = { 0 };

		make_cert(&t, 1, "1234567890", 0);
		snprintf(t.c.serial, sizeof(t.c.serial), "%s", bad[i]);
		check(storage_record_issuance(d.s, &h, &t.c, &e) == -1,
		      __LINE__, "refused by the database", bad[i]);
		check(e.code == ERR_STORAGE, __LINE__, "ERR_STORAGE", bad[i]);
		expect_counts(&d, 0, 0, 0, __LINE__);
	}
	db_remove(&d);
}

static void
test_count_unknown(void)
{
	const char *const bad[] = {
		"users", "", "Certificates", "certificates; DROP TABLE x",
		"sqlite_master",
	};
	struct test_db d;
	size_t i;

	db_open(&d);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct err e = { 0 };
		long n = 42;

		check(storage_count(d.s, bad[i], &n, &e) == -1, __LINE__,
		      "refused", bad[i]);
		check(e.code == ERR_INPUT, __LINE__, "ERR_INPUT", bad[i]);
		check(n == 0, __LINE__, "count cleared", bad[i]);
	}
	db_remove(&d);
}

/* Inserts, with SQL alone, an enrollment and a certificate of status for
 * 1234567890, and returns what SQLite said of the certificate. */
static int
raw_insert_cert(sqlite3 *db, const char *serial, const char *status)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_exec(db, "INSERT INTO enrollments (ehealth_id, channel, "
			 "state, email, created_at, updated_at) VALUES "
			 "('1234567890', 'officer', 'issued', "
			 "'x@example.org', 1, 1)", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		return SQLITE_ERROR;
	}
	if (sqlite3_prepare_v2(db, "INSERT INTO certificates (serial, "
			       "enrollment_id, ehealth_id, subject, email, "
			       "key_type, not_before, not_after, issued_at, "
			       "status, revoked_at, fingerprint, der) VALUES "
			       "(?1, last_insert_rowid(), '1234567890', "
			       "'CN=x', 'x@example.org', 'p256', 1, 2, 1, ?2, "
			       "?3, ?1 || ?1, x'3000')", -1, &st, NULL) !=
	    SQLITE_OK) {
		return SQLITE_ERROR;
	}
	sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	if (strcmp(status, "revoked") == 0) {
		sqlite3_bind_int64(st, 3, 2);
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc;
}

static void
test_one_active_in_sql(void)
{
	struct test_db d;
	sqlite3 *db;
	int rc;

	db_open(&d);
	record(&d, 1, "1234567890", 0);
	db = raw_open(&d);
	CU_ASSERT_EQUAL(sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL,
				     NULL, NULL), SQLITE_OK);
	rc = raw_insert_cert(db, OTHER_SERIAL_A, "active");
	CU_ASSERT_EQUAL(rc & 0xff, SQLITE_CONSTRAINT);
	CU_ASSERT_EQUAL(rc, SQLITE_CONSTRAINT_UNIQUE);
	CU_ASSERT_PTR_NOT_NULL(strstr(sqlite3_errmsg(db),
				      "certificates.ehealth_id"));
	/* The same row as revoked is accepted: only "active" is unique. */
	rc = raw_insert_cert(db, OTHER_SERIAL_B, "revoked");
	CU_ASSERT_EQUAL(rc, SQLITE_DONE);
	sqlite3_close(db);
	CU_ASSERT_EQUAL(raw_long(&d, "SELECT count(*) FROM certificates "
				 "WHERE status = 'active'"), 1);
	db_remove(&d);
}

int
test_storage_register(void)
{
	static const struct {
		const char *name;
		CU_TestFunc fn;
	} tests[] = {
		{ "creates the file at the current schema in WAL mode",
		  test_creates },
		{ "keeps its data when opened again", test_reopen },
		{ "refuses a database of a newer schema version",
		  test_newer_schema },
		{ "never creates a database when opening, and makes it 0600",
		  test_open_refuses_missing },
		{ "records an issuance and reads back every field",
		  test_record_and_read },
		{ "refuses a second active store and changes nothing",
		  test_second_active },
		{ "records a store for another eHealthID", test_other_holder },
		{ "refuses a malformed serial when reading",
		  test_bad_serial_input },
		{ "reports an unknown serial as not found",
		  test_unknown_serial },
		{ "finds a certificate by its serial in upper case",
		  test_uppercase_serial },
		{ "lists certificates newest first", test_list_order },
		{ "stops listing when the callback says so", test_list_stop },
		{ "lets the database refuse a malformed serial",
		  test_serial_form },
		{ "refuses to count an unknown table", test_count_unknown },
		{ "holds one active store per eHealthID in SQL itself",
		  test_one_active_in_sql },
	};
	CU_pSuite suite = CU_add_suite("storage", NULL, NULL);
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
