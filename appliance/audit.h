/*
 * audit.h: the signed audit log: entries, their canonical bytes, and the
 * checkpoints that sign the Merkle tree over them (docs/AUDIT.md).
 *
 * An entry records one security-relevant event.  Its canonical bytes are
 * one line of the export format without its newline and without the
 * recorded leaf:
 *
 *   entry TAB seq TAB time TAB actor TAB event TAB object TAB outcome
 *         TAB source TAB detail
 *
 * each field percent-encoded (audit_encode); its leaf hash is
 * SHA-256(0x00 || canonical bytes), a leaf of the RFC 9162 tree
 * (merkle.h).  A checkpoint signs, with the audit key in the token, the
 * message built by audit_checkpoint_message: tree size, root, time and
 * appliance id.
 *
 * The fields are checked by audit_entry_check before anything is stored,
 * and their shapes leave no room for a secret: the actor is a role or an
 * eHealthID, the event one of a fixed list, the outcome a short reason
 * word, the source an IP address, the object and detail named values
 * whose names are checked (never a password, PIN, code, session id or
 * key).  Used by mycertd and mycert-admin (appending, checkpoints) and by
 * mycert-audit (verifying an export, which is untrusted input).
 */
#ifndef MYCERT_AUDIT_H
#define MYCERT_AUDIT_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>

#include "err.h"
#include "merkle.h"

#define AUDIT_FORMAT_VERSION 1
#define AUDIT_EXPORT_MAGIC "mycert-audit-export"	/* header, field 1 */
#define AUDIT_LINE_MAX 4096		/* canonical bytes, with room */
#define AUDIT_TIME_SIZE 25		/* "2026-01-15T10:20:30.123Z" + NUL */
#define AUDIT_MESSAGE_MAX 1024		/* a checkpoint message */
#define AUDIT_CHECKPOINT_MAGIC "mycert-audit-checkpoint v1"

/* Longest raw field values (bytes, before encoding). */
#define AUDIT_ACTOR_MAX 32
#define AUDIT_EVENT_MAX 40
#define AUDIT_OBJECT_MAX 256
#define AUDIT_OUTCOME_MAX 80
#define AUDIT_SOURCE_MAX 45
#define AUDIT_DETAIL_MAX 512
#define AUDIT_APPLIANCE_ID_MAX 256

struct config;
struct storage;
struct token_key;

/* One event.  The strings are borrowed: the caller keeps them alive
 * during the call.  NULL object, source and detail mean "". */
struct audit_entry {
	long long seq;		/* 1, 2, 3...: set by storage */
	long long ts_ms;	/* UTC, ms since 1970; 0: now, when appended */
	const char *actor;	/* "system", "officer", "anonymous" or
				 * "ehealth:<10 digits>" */
	const char *event;	/* one of the names audit_event_known takes */
	const char *object;	/* "" or "<kind>:<value>", kind one of
				 * serial, ehealth, enrollment, crl, terms,
				 * config, token_key, database, daemon */
	const char *outcome;	/* "ok", "refused:<reason>" or
				 * "failed:<reason>"; reason [a-z0-9_.-] */
	const char *source;	/* "" or the client's IPv4/IPv6 address */
	const char *detail;	/* "" or "name=value name=value": names
				 * [a-z0-9_], values without spaces */
};

/* A signed checkpoint.  appliance_id is raw (not encoded).  The
 * frontier is neither signed nor exported: the appliance keeps it to
 * start the next checkpoint from this one (merkle_frontier). */
struct audit_checkpoint {
	long long tree_size;
	unsigned char root[MERKLE_HASH_SIZE];
	long long ts_ms;
	const char *appliance_id;
	const unsigned char *signature;	/* DER ECDSA (or PKCS#1 v1.5) */
	size_t signature_len;
	const unsigned char *frontier;
	size_t frontier_len;
};

/* 1 when name is one of the events of the log (the list of
 * docs/AUDIT.md), 0 otherwise. */
int audit_event_known(const char *name);

/* Calls fn for each event name with its one-line meaning, in the
 * documented order (for mycert-audit events and the docs). */
void audit_event_list(void (*fn)(const char *name, const char *meaning,
				 void *arg), void *arg);

/* Checks every field of a (not seq or time).  Error ERR_INPUT naming the
 * field and the rule it breaks (never echoing a detail's value, which
 * might be what a caller should not have passed). */
int audit_entry_check(const struct audit_entry *a, struct err *e)
	MUST_CHECK;

/* Percent-encodes in: every byte outside 0x20..0x7e, and '%' and '\',
 * becomes %XX (uppercase hex).  Writes a NUL-terminated string; returns
 * its length, or (size_t)-1 when size is too small. */
size_t audit_encode(const char *in, char *out, size_t size);

/* The reverse, strict: refuses (returns (size_t)-1) any text that
 * audit_encode would not have written, so that each value has exactly
 * one encoding.  out gets a NUL-terminated string; an encoded NUL byte
 * is refused. */
size_t audit_decode(const char *in, size_t len, char *out, size_t size);

/* RFC 3339 UTC with milliseconds: "2026-01-15T10:20:30.123Z". */
void audit_format_time(long long ts_ms, char out[AUDIT_TIME_SIZE]);

/* Parses exactly that form (years 1970 to 9999); -1 otherwise. */
int audit_parse_time(const char *text, long long *ts_ms) MUST_CHECK;

/* The current time in ms since 1970 (UTC). */
long long audit_now_ms(void);

/* Writes the canonical bytes of a without checking its fields (NULL
 * fields as ""): what mycert-audit export writes of a row, which may
 * have been altered by hand.  -1 when size is too small; a line of
 * checked fields always fits in AUDIT_LINE_MAX. */
int audit_entry_encode(const struct audit_entry *a, char *out, size_t size,
		       size_t *len) MUST_CHECK;

/* The canonical bytes of a (checked first; a->seq and a->ts_ms must be
 * set): written to out with a final NUL, *len without it. */
int audit_entry_bytes(const struct audit_entry *a, char *out, size_t size,
		      size_t *len, struct err *e) MUST_CHECK;

/* Checks a and computes its leaf hash, SHA-256(0x00 || canonical bytes). */
int audit_entry_leaf(const struct audit_entry *a,
		     unsigned char leaf[MERKLE_HASH_SIZE], struct err *e)
	MUST_CHECK;

/* The message a checkpoint signs:
 *   "mycert-audit-checkpoint v1\n" appliance-id "\n" tree-size "\n"
 *   root-hex "\n" time "\n"
 * with the appliance id percent-encoded (as in the export).  Signature
 * and signature_len of c are not used. */
int audit_checkpoint_message(const struct audit_checkpoint *c, char *out,
			     size_t size, size_t *len, struct err *e)
	MUST_CHECK;

/* Checks c's signature with the public key (SHA-256, ECDSA or RSA
 * PKCS#1 v1.5).  Error ERR_CRYPTO when it does not verify. */
int audit_checkpoint_verify(EVP_PKEY *pub, const struct audit_checkpoint *c,
			    struct err *e) MUST_CHECK;

/* ---- checkpoints in the appliance (audit_sign.c) ------------------------ */

/* Signs a checkpoint over the whole log with the audit key and stores it,
 * dated now (or the time of its last entry, when later).  Does nothing
 * (returns 0) when no entry was appended since the last checkpoint.  It
 * starts from the last checkpoint's frontier, so that its cost grows
 * with the new entries only, and refuses (ERR_STORAGE, nothing stored)
 * to sign over a log altered in the database: a last checkpoint whose
 * signature the audit key does not verify or whose frontier does not
 * give its root, new entries whose seq do not follow it or whose fields
 * no longer give their stored leaf.  (Older entries altered in the
 * database do not change what it signs: mycert-audit verify finds
 * them.)  Needs cfg->appliance_id (ERR_CONFIG).  Safe beside appenders
 * on other connections: it signs the log as it was when it started
 * reading. */
int audit_checkpoint(const struct config *cfg, struct token_key *audit_key,
		     struct storage *db, time_t now, struct err *e)
	MUST_CHECK;

/* Sets *due to 1 when a checkpoint should be made now: entries were
 * appended since the last one, and either checkpoint_entries of them or
 * checkpoint_interval_seconds have passed since it (since the first
 * entry after it when there is none yet). */
int audit_checkpoint_due(const struct config *cfg, struct storage *db,
			 time_t now, int *due, struct err *e) MUST_CHECK;

#endif
