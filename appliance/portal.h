/*
 * portal.h: the professional's flow (DESIGN.md section 1), without HTTP.
 *
 * The web front (web/) calls these functions and renders what they say;
 * it owns routing, cookies, CSRF comparison, headers and pages.  Here live
 * the rules: access check, sessions, terms, email, one-time code,
 * generation on worker threads, the password shown once, the download
 * window, deactivation, renewal with its overlap, expiry reminders and
 * housekeeping.
 *
 * Sessions are named by an id that only the browser keeps: the database
 * holds its SHA-256.  Codes are kept as a salted hash.  Passwords live in
 * memory only, until shown once (or until their window closes), and are
 * wiped.  Every refused call changes nothing in the database.
 *
 * Threads: every function may be called from any request thread at once;
 * each thread gets its own database connection.  Issuance runs on the
 * portal's own worker threads.  Runs in mycertd.
 */
#ifndef MYCERT_PORTAL_H
#define MYCERT_PORTAL_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "err.h"
#include "issue.h"
#include "mail.h"
#include "password.h"
#include "storage.h"
#include "token.h"

#define PORTAL_ID_LEN 43	/* 32 random bytes, base64url, no padding */
#define PORTAL_ID_BUF (PORTAL_ID_LEN + 1)
#define PORTAL_CODE_DIGITS 6

/* Outcome of a login through the portal's assertion. */
enum portal_access {
	PORTAL_ACCESS_GRANTED = 0,
	PORTAL_ACCESS_NOT_PROFESSIONAL,	/* condition (a) */
	PORTAL_ACCESS_NOT_PRIMARY_ID,	/* condition (b) */
	PORTAL_ACCESS_NOT_STRONG_LOGIN,	/* condition (c) */
	PORTAL_ACCESS_INVALID,		/* forged, expired, replayed, ... */
	PORTAL_ACCESS_RATE_LIMITED,	/* too many assertions from there */
};

/* Where the person stands; the web shows the matching page. */
enum portal_step {
	PORTAL_STEP_HOME = 0,	/* no enrollment under way */
	PORTAL_STEP_TERMS_ACCEPTED,	/* data check and email next */
	PORTAL_STEP_CODE_SENT,		/* code entry next */
	PORTAL_STEP_GENERATING,		/* progress page */
	PORTAL_STEP_FAILED,		/* generation failed: retry */
	PORTAL_STEP_ISSUED,		/* success page: password, download */
};

struct portal_store {		/* one store of the holder, if any */
	int present;
	char serial[STORAGE_SERIAL_HEX + 1];
	char subject[512];
	char email[255];
	time_t issued_at;
	time_t not_before;
	time_t not_after;
	char status[16];	/* "active" ("expired" when past not_after,
				 * "replaced" for the old one of a renewal) */
};

struct portal_session {
	char csrf[PORTAL_ID_BUF];	/* compare with secret_equal */
	char ehealth_id[11];
	char given_name[513];
	char family_name[513];
	char profession_code[17];
	char profession_label[257];
	enum portal_step step;
	char email[255];		/* entered email, once given */
	time_t code_expires;
	unsigned code_tries_left;
	unsigned code_sends_left;
	time_t generation_started;
	char failure[128];		/* why generation failed (plain) */
	int password_ready;		/* not shown yet */
	int download_ready;		/* the .p12 can be fetched */
	time_t download_until;
	char issued_serial[STORAGE_SERIAL_HEX + 1];
	struct portal_store store;	/* the current store */

	/* Renewal (DESIGN.md section 1 step 9).  During the overlap the
	 * current store is the new one and replaced the old one, valid
	 * until the holder confirms the switch or the grace ends. */
	struct portal_store replaced;
	time_t replaced_until;	/* when the grace ends; 0 while the new
				 * store is not downloaded (no switch yet) */
	int store_pending;	/* the current store waits for its download */
	int renewable;		/* inside the renewal window, no overlap:
				 * home offers "Renew" */
	int renewing;		/* the enrollment under way is a renewal */
};

struct portal;

/* Reads the portal's public key, starts the worker threads.  token, iss
 * and mailer stay the caller's and must outlive the portal. */
int portal_open(const struct config *cfg, struct token *token,
		struct issuer *iss, struct mailer *mailer,
		struct portal **out, struct err *e) MUST_CHECK;

/* Stops the workers (a running generation finishes first), wipes every
 * password still held, closes the databases. */
void portal_close(struct portal *p);

/* Verifies the assertion (assertion.h), the replay guard and the access
 * conditions.  On PORTAL_ACCESS_GRANTED opens a session and writes its id
 * into session_id (the caller sets the cookie).  Otherwise *access says
 * why; e->msg says it precisely for the log; nothing is written. */
int portal_login(struct portal *p, const char *assertion, size_t len,
		 const char *source_ip, enum portal_access *access,
		 char session_id[PORTAL_ID_BUF], struct err *e) MUST_CHECK;

/* Reads the session (and refreshes its idle expiry).  ERR_NOT_FOUND when
 * unknown, ERR_EXPIRED when idle or absolute expiry has passed. */
int portal_session(struct portal *p, const char *session_id,
		   struct portal_session *out, struct err *e) MUST_CHECK;

int portal_logout(struct portal *p, const char *session_id, struct err *e)
	MUST_CHECK;

/* Step 3: records the acceptance and the terms' version.  ERR_ACTIVE_EXISTS
 * when the holder has a current store that has not expired (an expired
 * one does not block: the new store replaces it at issuance),
 * ERR_WRONG_STEP when an enrollment is past this point. */
int portal_accept_terms(struct portal *p, const char *session_id,
			struct err *e) MUST_CHECK;

/* Step 9, renewal: step 3 for a new store that replaces the current one,
 * which stays valid meanwhile; the next steps are those of a request.
 * Only while session.renewable holds (inside the renewal window, not
 * expired, downloaded, no overlap under way), else ERR_WRONG_STEP, as
 * when an enrollment is past this point.  At issuance the old store is
 * marked replaced by the new one; both stay valid until the switch. */
int portal_renew(struct portal *p, const char *session_id, struct err *e)
	MUST_CHECK;

/* The switch of a renewal: the holder says the new store is installed;
 * the old one is revoked at once as superseded.  ERR_WRONG_STEP while
 * the new store has not been downloaded; ERR_NOT_FOUND (a session that
 * is gone, or) no store being replaced. */
int portal_confirm_renewal(struct portal *p, const char *session_id,
			   struct err *e) MUST_CHECK;

/* Step 4 and 5: checks the email (ERR_INPUT), records it, makes a code,
 * sends it (ERR_MAIL: nothing recorded then). */
int portal_submit_email(struct portal *p, const char *session_id,
			const char *email, const char *lang, struct err *e)
	MUST_CHECK;

/* Abandons the enrollment under way (Cancel). */
int portal_cancel(struct portal *p, const char *session_id, struct err *e)
	MUST_CHECK;

/* Sends a new code (the old one stops working).  ERR_LIMIT after
 * code_max_sends sends. */
int portal_resend_code(struct portal *p, const char *session_id,
		       const char *lang, struct err *e) MUST_CHECK;

/* Step 6: a right code starts generation.  ERR_INPUT for a wrong code
 * (one try fewer), ERR_LIMIT once no try is left (the enrollment is
 * locked: start again), ERR_EXPIRED for an expired code. */
int portal_submit_code(struct portal *p, const char *session_id,
		       const char *code, struct err *e) MUST_CHECK;

/* After a failed generation: tries again (the email stays verified). */
int portal_retry(struct portal *p, const char *session_id, struct err *e)
	MUST_CHECK;

/* Step 7: copies the password into out the first time only, then forgets
 * it.  ERR_NOT_FOUND when it was shown already or is gone. */
int portal_take_password(struct portal *p, const char *session_id,
			 char out[PASSWORD_BUF], struct err *e) MUST_CHECK;

/* What portal_download_done needs to know of a download under way. */
struct portal_delivery {
	long long enrollment_id;
	char serial[STORAGE_SERIAL_HEX + 1];
	char ehealth_id[32];
};

/* Step 7: the .p12, only for the session that generated it and only
 * inside the download window (ERR_NOT_FOUND, ERR_EXPIRED).  Nothing is
 * consumed here: call portal_download_done when the reply's fate is
 * known.  *p12 is malloc'd; the caller frees it.  filename is
 * "mycert-<eHealthID>.p12". */
int portal_download(struct portal *p, const char *session_id,
		    unsigned char **p12, size_t *len, char filename[64],
		    struct portal_delivery *d, struct err *e) MUST_CHECK;

/* The reply of portal_download ended: sent is 1 when the whole body was
 * handed to the connection.  The first whole send records the store
 * downloaded (audit store_downloaded): from then on it is not revoked at
 * its window's end.  The file stays for the same session until the
 * holder says it is saved (portal_download_saved) or the window closes:
 * "sent whole" means written to the socket, not received, so a cut-off
 * transfer (seen here even after a whole send) can be tried again.  Any
 * other end is logged as download-cut and changes nothing. */
void portal_download_done(struct portal *p, const struct portal_delivery *d,
			  int sent);

/* The holder says the file is saved: the .p12 is erased at once.
 * ERR_WRONG_STEP when it was never sent whole, ERR_NOT_FOUND when it is
 * gone or not this session's. */
int portal_download_saved(struct portal *p, const char *session_id,
			  struct err *e) MUST_CHECK;

/* RFC 5280 reasons a holder may give when deactivating. */
#define PORTAL_REASON_UNSPECIFIED 0
#define PORTAL_REASON_KEY_COMPROMISE 1
#define PORTAL_REASON_AFFILIATION_CHANGED 3
#define PORTAL_REASON_CESSATION 5

/* Step 8: revokes the holder's current store at once, with reason;
 * during a renewal's overlap the old store too (deactivation stops every
 * store of the holder: a reason such as a key compromise or changed
 * details holds for both).  ERR_NOT_FOUND when there is none. */
int portal_deactivate(struct portal *p, const char *session_id, int reason,
		      struct err *e) MUST_CHECK;

/* Closes download windows (erasing the .p12, revoking a store that was
 * never downloaded: the store a renewal was to replace is current
 * again), fails generations past their timeout, purges expired sessions,
 * codes and assertion ids, revokes as superseded the old stores whose
 * grace ended (renewal_grace_days after the new one was issued, once it
 * was downloaded), and mails the expiry reminders due (reminder_days).
 * A reminder is recorded before it is sent, so it goes out at most once
 * per store and point; a delivery that fails is forgotten and tried
 * again after a pause.  Reminders are in French: the holder's language
 * is not kept.  Called by the daemon every few seconds, from one
 * thread. */
int portal_housekeeping(struct portal *p, time_t now, struct err *e)
	MUST_CHECK;

/* 0 when the token signs and the database answers a read.  Errors: the
 * token's own (ERR_TOKEN_*), or ERR_UNAVAILABLE for the database. */
int portal_health(struct portal *p, struct err *e) MUST_CHECK;

/* Sets the function called after every revocation the portal commits
 * (portal_deactivate, the housekeeping's automatic revocations), so that
 * the daemon publishes a new CRL at once instead of at its next check.
 * fn runs on the thread that revoked (a request thread, or the caller of
 * portal_housekeeping), after the transaction: it must return at once
 * (mycertd only wakes its publisher) and must not call the portal.  Set
 * it before the portal serves; NULL removes it. */
void portal_on_revocation(struct portal *p, void (*fn)(void *arg),
			  void *arg);

#endif
