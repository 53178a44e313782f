/*
 * audit_sign.c: checkpoints of the audit log, signed in the token (see
 * audit.h).  Runs in mycertd (at an interval, after a number of entries,
 * and at shutdown) and later in mycert-admin.  Kept apart from audit.c so
 * that mycert-audit, which only verifies, links no token code.
 *
 * Each checkpoint also stores the tree's frontier (merkle.h), so that the
 * next one starts from it and reads only the entries appended since.
 * Before it signs, the appliance checks what it builds on, so that a
 * signature never vouches for a log someone altered in the database: the
 * last checkpoint's signature must verify with the audit key and its
 * frontier give its root; the new entries must follow it without a gap
 * and still give their stored leaves.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "audit.h"
#include "config.h"
#include "storage.h"
#include "token.h"

struct scan {
	struct merkle_tree tree;
	EVP_PKEY *pub;			/* the audit key's public half */
	long long last_ms;		/* time of the last entry */
};

static int
altered(struct err *e, long long seq, const char *what)
{
	return err_set(e, ERR_STORAGE, "the audit log was altered in the "
		       "database at entry %lld (%s); no checkpoint is signed "
		       "over it: keep the database for investigation and run "
		       "mycert-audit verify on an export", seq, what);
}

/* Starts sc's tree from the last checkpoint, once it holds. */
static int
start_from(const struct audit_checkpoint *c, void *arg, struct err *e)
{
	struct scan *sc = arg;
	unsigned char root[MERKLE_HASH_SIZE];

	if (audit_checkpoint_verify(sc->pub, c, e) != 0) {
		return altered(e, c->tree_size, "the last checkpoint's "
			       "signature does not verify with the audit key");
	}
	if (merkle_restore(&sc->tree, (uint64_t)c->tree_size, c->frontier,
			   c->frontier_len) != 0 ||
	    merkle_root(&sc->tree, root, e) != 0 ||
	    memcmp(root, c->root, MERKLE_HASH_SIZE) != 0) {
		return altered(e, c->tree_size, "the last checkpoint's "
			       "frontier does not give its root");
	}
	return 0;
}

/* Entries since the last checkpoint: they follow it without a gap and
 * their fields still give their stored leaves. */
static int
scan_entry(const struct audit_entry *a, const unsigned char *leaf,
	   void *arg, struct err *e)
{
	struct scan *sc = arg;
	unsigned char again[MERKLE_HASH_SIZE];
	struct err e2 = { 0 };

	if (leaf == NULL || a->seq != (long long)sc->tree.size + 1) {
		return altered(e, (long long)sc->tree.size + 1,
			       "missing, or without its leaf hash");
	}
	if (audit_entry_leaf(a, again, &e2) != 0 ||
	    memcmp(again, leaf, MERKLE_HASH_SIZE) != 0) {
		return altered(e, a->seq, "its fields no longer give its "
			       "leaf hash");
	}
	if (merkle_append(&sc->tree, leaf, e) != 0) {
		return -1;
	}
	sc->last_ms = a->ts_ms > sc->last_ms ? a->ts_ms : sc->last_ms;
	return 0;
}

/* Signs the checkpoint of sc's tree and stores it. */
static int
sign_and_store(const struct config *cfg, struct token_key *key,
	       struct storage *db, struct scan *sc, time_t now, struct err *e)
{
	/* A checkpoint is never dated before an entry it signs (now has
	 * whole seconds, entries milliseconds). */
	struct audit_checkpoint c = {
		.tree_size = (long long)sc->tree.size,
		.ts_ms = (long long)now * 1000 > sc->last_ms
				 ? (long long)now * 1000 : sc->last_ms,
		.appliance_id = cfg->appliance_id,
	};
	unsigned char frontier[MERKLE_MAX_HEIGHT * MERKLE_HASH_SIZE];
	char msg[AUDIT_MESSAGE_MAX];
	unsigned char *sig = NULL;
	size_t len = 0, sig_len = 0;
	struct storage_audit_state st;
	int rc = -1;

	if (merkle_root(&sc->tree, c.root, e) != 0 ||
	    audit_checkpoint_message(&c, msg, sizeof(msg), &len, e) != 0 ||
	    token_sign_data(key, (const unsigned char *)msg, len, &sig,
			    &sig_len, e) != 0) {
		goto out;
	}
	c.signature = sig;
	c.signature_len = sig_len;
	c.frontier = frontier;
	c.frontier_len = merkle_frontier(&sc->tree, frontier);
	/* A signature the key does not verify would fail every audit. */
	if (audit_checkpoint_verify(sc->pub, &c, e) != 0) {
		goto out;
	}
	rc = storage_audit_add_checkpoint(db, &c, e);
	if (rc != 0 && e->code == ERR_WRONG_STEP &&
	    storage_audit_state(db, &st, e) == 0 &&
	    st.checkpoint_size >= c.tree_size) {
		rc = 0;	/* another process signed as far meanwhile */
	}
out:
	OPENSSL_free(sig);
	return rc;
}

int
audit_checkpoint(const struct config *cfg, struct token_key *audit_key,
		 struct storage *db, time_t now, struct err *e)
{
	struct storage_audit_reader r = { .entry = scan_entry };
	struct storage_audit_state st;
	struct scan sc;
	int rc = -1;

	memset(&sc, 0, sizeof(sc));
	merkle_init(&sc.tree);
	r.arg = &sc;
	if (cfg->appliance_id == NULL || cfg->appliance_id[0] == '\0') {
		return err_set(e, ERR_CONFIG, "%s: appliance_id must be set to "
			       "sign audit checkpoints", cfg->path);
	}
	if (storage_audit_state(db, &st, e) != 0) {
		return -1;
	}
	if (st.size == st.checkpoint_size) {
		return 0;
	}
	if (st.size < st.checkpoint_size) {
		return altered(e, st.size + 1, "entries under the last "
			       "checkpoint were removed");
	}
	r.after = st.checkpoint_size;
	if (token_key_public(audit_key, &sc.pub, e) != 0 ||
	    (st.checkpoint_size > 0 &&
	     storage_audit_checkpoint_get(db, st.checkpoint_size, start_from,
					  &sc, e) != 0) ||
	    storage_audit_read(db, st.size, &r, e) != 0) {
		goto out;
	}
	if ((long long)sc.tree.size != st.size) {
		altered(e, (long long)sc.tree.size + 1, "missing");
		goto out;
	}
	rc = sign_and_store(cfg, audit_key, db, &sc, now, e);
out:
	EVP_PKEY_free(sc.pub);
	return rc;
}

int
audit_checkpoint_due(const struct config *cfg, struct storage *db,
		     time_t now, int *due, struct err *e)
{
	struct storage_audit_state st;
	long long waited_ms;

	*due = 0;
	if (storage_audit_state(db, &st, e) != 0) {
		return -1;
	}
	if (st.size <= st.checkpoint_size) {
		return 0;
	}
	/* The oldest entry not yet signed sets the clock: no entry waits
	 * longer than the interval, and a quiet appliance does not sign
	 * once per lone event. */
	waited_ms = (long long)now * 1000 - st.first_unsigned_ms;
	*due = st.size - st.checkpoint_size >=
		       (long long)cfg->checkpoint_entries ||
	       waited_ms >= (long long)cfg->checkpoint_interval_seconds * 1000;
	return 0;
}
