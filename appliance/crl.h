/*
 * crl.h: publishing the CA's certificate revocation list.
 *
 * Builds a full X.509 v2 CRL of every revoked certificate in the database
 * (serial, revocation date, reason code), has the token sign it with the
 * CA key, checks the signature, records it (its number only grows) and
 * writes it atomically, in DER, into the publish folder crl_dir, under the
 * last path segment of crl_url; the CA certificate goes beside it under
 * the last path segment of ca_issuers_url.  The status listener serves
 * both files as they are.  Runs in mycertd (the housekeeping loop) and
 * mycert-admin (crl, revoke).  Handles no untrusted input: the database
 * and the configuration are the appliance's own.
 *
 * Publishers in several processes are serialised by an exclusive lock on
 * the crl_dir folder itself (flock), so that two never sign the same CRL
 * number.
 */
#ifndef MYCERT_CRL_H
#define MYCERT_CRL_H

#include <time.h>

#include "config.h"
#include "err.h"
#include "issue.h"
#include "storage.h"

#define CRL_PATH_MAX 4096
/* How long a publisher waits for another one to finish. */
#define CRL_LOCK_WAIT_SECONDS 30

/* What crl_publish made. */
struct crl_result {
	long long number;	/* the CRL number (cRLNumber extension) */
	time_t this_update;
	time_t next_update;
	long revoked;		/* entries in the CRL */
	char sha256[65];	/* of the DER, lowercase hex (also in crls) */
	char path[CRL_PATH_MAX];	/* the file written */
	/* The database's revocation counter read before the CRL was built
	 * (storage_revocations), for crl_watch_update. */
	long revocations;
	time_t latest_revocation;
};

/* The files of the publish folder. */
struct crl_files {
	char crl[CRL_PATH_MAX];	/* crl_dir/<last segment of crl_url> */
	char ca[CRL_PATH_MAX];	/* crl_dir/<last segment of ca_issuers_url> */
};

/* Where the CRL and the CA certificate are published.  ERR_CONFIG when
 * crl_dir is unset or a URL does not end in a plain file name (letters,
 * digits, '.', '-', '_'; not starting with '.'). */
int crl_files(const struct config *cfg, struct crl_files *out,
	      struct err *e) MUST_CHECK;

/* Publishes a new CRL: thisUpdate now, nextUpdate now +
 * crl_validity_hours; AKI (the CA's key id) and the next CRL number, both
 * non-critical; every revoked certificate with its revocation date and,
 * unless unspecified or unknown, its reasonCode.  Signed in the token with
 * SHA-256 (the CA key of iss), checked against the CA's public key,
 * recorded in the database (number, times, count, SHA-256), then written
 * atomically (temporary file in crl_dir, fsync, rename over the old file,
 * mode 0644).  Also writes the CA certificate in DER when it is missing.
 * out may be NULL.  Errors name what failed: ERR_CONFIG, ERR_STORAGE,
 * ERR_TOKEN_SIGN, ERR_CRYPTO, ERR_IO, ERR_UNAVAILABLE (another publisher
 * held the lock for CRL_LOCK_WAIT_SECONDS).  When the file cannot be
 * written after the number was recorded, that number is simply skipped:
 * the next CRL gets a higher one. */
int crl_publish(const struct config *cfg, struct issuer *iss,
		struct storage *db, time_t now, struct crl_result *out,
		struct err *e) MUST_CHECK;

/* What a publisher last saw, so that the daemon can tell when to publish
 * again.  Zero it at start (primed = 0); update it after each successful
 * crl_publish with crl_watch_update. */
struct crl_watch {
	int primed;		/* 0 until this process published once */
	long revocations;	/* storage_revocations at the last publish */
	time_t latest_revocation;
};

void crl_watch_update(struct crl_watch *w, const struct crl_result *r);

/* Sets *needed to 1 when a new CRL should be published now, and *why to
 * a short constant text for the log ("first publish by this process",
 * "no CRL yet", "CRL file missing", "revocations changed", "refresh
 * before nextUpdate"); else *needed is 0 and *why "".  A refresh is due
 * once less than half of crl_validity_hours remains before the latest
 * CRL's nextUpdate (by the database, whoever published it), so that a
 * fresh CRL always exists well before relying parties need one.
 *
 * Cheap enough for the daemon's housekeeping loop every few seconds: two
 * indexed queries (storage_revocations, storage_crl_latest) and one
 * lstat.  A revocation made by another process (mycert-admin revoke, which
 * publishes itself) is seen as a change, so the daemon publishes once
 * more: harmless, the number grows. */
int crl_needs_publish(const struct config *cfg, struct storage *db,
		      time_t now, const struct crl_watch *w, int *needed,
		      const char **why, struct err *e) MUST_CHECK;

#endif
