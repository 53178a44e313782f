/*
 * portal.c: the professional's flow (see portal.h).
 *
 * Holds what must not reach the database: passwords of stores not yet
 * shown (wiped when shown or when their window closes) and the per
 * address counts of the assertion rate limit.  Issuance jobs go to a
 * small pool of worker threads, so that key generation and the token's
 * signature never run on a request thread.
 */
#include "portal.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "assertion.h"
#include "audit.h"
#include "dbpool.h"
#include "identity.h"
#include "log.h"
#include "secret.h"

#define WORKERS 2
#define QUEUE_MAX 64
#define HELD_MAX 256		/* passwords waiting to be shown */
#define RATE_SLOTS 256		/* addresses tracked by the rate limit */
#define CODES_PER_HOUR 10	/* codes sent to one holder, all enrollments */
#define DAY_SECONDS 86400
#define GRACES_PER_ROUND 64	/* old stores revoked per housekeeping */
#define REMINDERS_PER_ROUND 16	/* reminder mails per housekeeping */
#define REMINDER_PAUSE 300	/* seconds without reminders after a
				 * delivery failed */
#define REMINDER_LANG "fr"	/* the holder's language is not kept */

struct job {
	long long enrollment_id;
	char session_hash[STORAGE_HASH_HEX + 1];
	char ehealth_id[11];
	char given_name[513];
	char family_name[513];
	char profession_code[17];
	char profession_label[257];
	char email[255];
	char renews[STORAGE_SERIAL_HEX + 1];
	time_t queued_at;
};

struct held_password {
	long long enrollment_id;	/* 0: free slot */
	char password[PASSWORD_BUF];
	time_t until;
};

struct rate_slot {
	char ip[64];
	time_t minute;
	unsigned count;
};

struct portal {
	const struct config *cfg;
	struct token *token;
	struct issuer *iss;
	struct mailer *mailer;
	EVP_PKEY *portal_key;

	struct dbpool *dbs;		/* one connection per thread */

	pthread_mutex_t lock;		/* queue, held, rate, stopping */
	pthread_cond_t wake;
	struct job queue[QUEUE_MAX];
	size_t queue_head, queue_len;
	int stopping;
	pthread_t workers[WORKERS];
	size_t nworkers;

	struct held_password held[HELD_MAX];
	struct rate_slot rate[RATE_SLOTS];

	void (*on_revocation)(void *);	/* portal_on_revocation */
	void *on_revocation_arg;

	time_t reminders_paused_until;	/* housekeeping's thread only */
};

/* ---- small helpers ------------------------------------------------------ */

/* Tells the daemon that a revocation was committed (portal.h). */
static void
revoked_notify(struct portal *p)
{
	if (p->on_revocation != NULL) {
		p->on_revocation(p->on_revocation_arg);
	}
}

static void
base64url(const unsigned char *in, size_t n, char *out)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789-_";
	size_t i, o = 0;
	unsigned v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = alphabet[v >> 6 & 63];
		out[o++] = alphabet[v & 63];
	}
	if (n - i == 1) {
		v = (unsigned)in[i] << 16;
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
	} else if (n - i == 2) {
		v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = alphabet[v >> 6 & 63];
	}
	out[o] = '\0';
}

/* A new random identifier: 32 bytes, base64url (43 characters). */
static int
new_id(char out[PORTAL_ID_BUF], struct err *e)
{
	unsigned char raw[32];

	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		return err_set(e, ERR_CRYPTO, "the random generator failed");
	}
	base64url(raw, sizeof(raw), out);
	secret_wipe(raw, sizeof(raw));
	return 0;
}

static void
hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/* The database keeps the SHA-256 of a session id, never the id. */
static int
session_hash(const char *session_id, char out[STORAGE_HASH_HEX + 1],
	     struct err *e)
{
	unsigned char md[32];
	size_t n = session_id != NULL ? strlen(session_id) : 0;

	if (n != PORTAL_ID_LEN) {
		return err_set(e, ERR_NOT_FOUND, "no session");
	}
	if (!EVP_Digest(session_id, n, md, NULL, EVP_sha256(), NULL)) {
		return err_set(e, ERR_CRYPTO, "cannot hash the session id");
	}
	hex(md, sizeof(md), out);
	return 0;
}

static int
code_hash(const char *code, const unsigned char salt[16],
	  unsigned char out[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
		 EVP_DigestUpdate(md, salt, 16) &&
		 EVP_DigestUpdate(md, code, strlen(code)) &&
		 EVP_DigestFinal_ex(md, out, NULL);

	EVP_MD_CTX_free(md);
	return ok ? 0 : -1;
}

/* A uniform 6-digit code. */
static int
new_code(char out[PORTAL_CODE_DIGITS + 1], struct err *e)
{
	uint32_t v;

	do {
		if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1) {
			return err_set(e, ERR_CRYPTO, "the random generator "
				       "failed");
		}
	} while (v >= 4294000000U);	/* a multiple of 10^6: no bias */
	snprintf(out, PORTAL_CODE_DIGITS + 1, "%06u", v % 1000000U);
	secret_wipe(&v, sizeof(v));
	return 0;
}

/* ---- per-thread databases ---------------------------------------------- */

static int
get_db(struct portal *p, struct storage **out, struct err *e)
{
	return dbpool_get(p->dbs, out, e);
}

/* ---- audit notes -------------------------------------------------------- */

/* An audit entry for the next write of this thread's database, kept
 * here so that its strings outlive the storage call (storage.h). */
struct note {
	char actor[24];
	char object[64];
	char source[64];
	char detail[128];
	struct audit_entry a;
};

static void
note(struct storage *db, struct note *n, const char *ehealth_id,
     const char *event, const char *object, const char *outcome,
     const char *source, const char *detail)
{
	if (ehealth_id != NULL && ehealth_id[0] != '\0') {
		snprintf(n->actor, sizeof(n->actor), "ehealth:%.10s",
			 ehealth_id);
	} else {
		snprintf(n->actor, sizeof(n->actor), "anonymous");
	}
	snprintf(n->object, sizeof(n->object), "%s", object);
	snprintf(n->source, sizeof(n->source), "%s",
		 source != NULL ? source : "");
	snprintf(n->detail, sizeof(n->detail), "%s", detail);
	n->a = (struct audit_entry){
		.actor = n->actor,
		.event = event,
		.object = n->object,
		.outcome = outcome,
		.source = n->source,
		.detail = n->detail,
	};
	storage_audit_next(db, &n->a);
}

/* Records an event that changes nothing else (a refusal), in its own
 * transaction; a failure is logged, never shown to the person. */
static void
note_alone(struct portal *p, const char *ehealth_id, const char *event,
	   const char *object, const char *outcome, const char *source)
{
	struct storage *db = NULL;
	struct note n;
	struct err e = { 0 };

	if (get_db(p, &db, &e) == 0) {
		note(db, &n, ehealth_id, event, object, outcome, source, "");
		storage_audit_next(db, NULL);
		if (storage_audit_record(db, &n.a, &e) == 0) {
			return;
		}
	}
	log_event("error", "audit-failed", "event=%s detail=\"%s\"", event,
		  e.msg);
}

/* The session and, through it, the database of this thread. */
struct ctx {
	struct storage *db;
	char hash[STORAGE_HASH_HEX + 1];
	struct storage_session s;
	struct storage_enrollment en;	/* en.id 0: none */
	time_t now;
};

static int
load(struct portal *p, const char *session_id, struct ctx *c, struct err *e)
{
	memset(c, 0, sizeof(*c));
	c->now = time(NULL);
	if (session_hash(session_id, c->hash, e) != 0 ||
	    get_db(p, &c->db, e) != 0 ||
	    storage_session_get(c->db, c->hash, c->now,
				p->cfg->session_idle_seconds, &c->s, e) != 0) {
		return -1;
	}
	if (c->s.enrollment_id != 0 &&
	    storage_enrollment_get(c->db, c->s.enrollment_id, &c->en, e)) {
		return -1;
	}
	return 0;
}

static int
in_state(const struct ctx *c, const char *state)
{
	return c->en.id != 0 && strcmp(c->en.state, state) == 0;
}

/* ---- held passwords ---------------------------------------------------- */

static void
hold_password(struct portal *p, long long enrollment_id, const char *pw,
	      time_t until)
{
	size_t i, slot = HELD_MAX;

	pthread_mutex_lock(&p->lock);
	for (i = 0; i < HELD_MAX && slot == HELD_MAX; i++) {
		if (p->held[i].enrollment_id == 0) {
			slot = i;
		}
	}
	if (slot == HELD_MAX) {
		slot = 0;	/* full: the oldest is lost, its store
				 * will be revoked unused */
		for (i = 1; i < HELD_MAX; i++) {
			if (p->held[i].until < p->held[slot].until) {
				slot = i;
			}
		}
	}
	p->held[slot].enrollment_id = enrollment_id;
	snprintf(p->held[slot].password, PASSWORD_BUF, "%s", pw);
	p->held[slot].until = until;
	pthread_mutex_unlock(&p->lock);
}

/* Copies and forgets the password of enrollment_id; 0 when found. */
static int
take_held(struct portal *p, long long enrollment_id, char out[PASSWORD_BUF])
{
	size_t i;
	int found = -1;

	pthread_mutex_lock(&p->lock);
	for (i = 0; i < HELD_MAX; i++) {
		if (p->held[i].enrollment_id == enrollment_id &&
		    enrollment_id != 0) {
			if (out != NULL) {
				memcpy(out, p->held[i].password,
				       PASSWORD_BUF);
			}
			secret_wipe(&p->held[i], sizeof(p->held[i]));
			found = 0;
		}
	}
	pthread_mutex_unlock(&p->lock);
	return found;
}

static int
is_held(struct portal *p, long long enrollment_id)
{
	size_t i;
	int found = 0;

	pthread_mutex_lock(&p->lock);
	for (i = 0; i < HELD_MAX; i++) {
		found |= enrollment_id != 0 &&
			 p->held[i].enrollment_id == enrollment_id;
	}
	pthread_mutex_unlock(&p->lock);
	return found;
}

static void
expire_held(struct portal *p, time_t now)
{
	size_t i;

	pthread_mutex_lock(&p->lock);
	for (i = 0; i < HELD_MAX; i++) {
		if (p->held[i].enrollment_id != 0 && p->held[i].until <= now) {
			secret_wipe(&p->held[i], sizeof(p->held[i]));
		}
	}
	pthread_mutex_unlock(&p->lock);
}

/* ---- issuance workers -------------------------------------------------- */

static void
run_job(struct portal *p, struct job *j)
{
	char object[48], detail[64];
	struct note n;
	int rc;
	struct identity id = {
		.ehealth_id = j->ehealth_id,
		.given_name = j->given_name,
		.family_name = j->family_name,
		.profession_code = j->profession_code,
		.profession_label = j->profession_label,
		.email = j->email,
	};
	struct issue_result r = { 0 };
	struct storage *db = NULL;
	struct err e = { 0 }, e2 = { 0 };
	time_t until;

	if (time(NULL) - j->queued_at >
	    (time_t)p->cfg->generation_timeout_seconds) {
		return;		/* housekeeping fails it */
	}
	if (get_db(p, &db, &e) != 0) {
		goto fail;
	}
	if (j->renews[0] != '\0' ?
	    issue_prepare_renewal(p->iss, &id, "web", &r, &e) != 0 :
	    issue_prepare(p->iss, db, &id, "web", &r, &e) != 0) {
		goto fail;
	}
	until = time(NULL) + p->cfg->download_window_seconds;
	snprintf(object, sizeof(object), "serial:%s", r.cert.serial);
	snprintf(detail, sizeof(detail), "key_type=%s channel=web",
		 r.cert.key_type);
	note(db, &n, j->ehealth_id, "store_issued", object, "ok", "", detail);
	rc = storage_record_web_issuance(db, j->enrollment_id, &r.cert,
					 j->session_hash, r.p12, r.p12_len,
					 until, &e);
	storage_audit_next(db, NULL);
	if (rc != 0) {
		goto fail;
	}
	hold_password(p, j->enrollment_id, r.password, until);
	log_event("info", "store-issued", "serial=%s ehealth_id=%s "
		  "renews=%s key_type=%s keygen_ms=%.1f sign_ms=%.1f "
		  "p12_ms=%.1f total_ms=%.1f", r.cert.serial,
		  r.cert.ehealth_id, j->renews[0] != '\0' ? j->renews : "-",
		  r.cert.key_type, r.timing.keygen_ms, r.timing.sign_ms,
		  r.timing.p12_ms, r.timing.total_ms);
	issue_result_wipe(&r);
	return;
fail:
	issue_result_wipe(&r);
	log_event("error", "generation-failed", "enrollment=%lld error=%s "
		  "detail=\"%s\"", j->enrollment_id, err_code_name(e.code),
		  e.msg);
	if (db != NULL && e.code != ERR_WRONG_STEP) {
		const char *why = e.code == ERR_ACTIVE_EXISTS ? "active"
				: e.code >= ERR_TOKEN_MODULE &&
				  e.code <= ERR_TOKEN_SIGN ? "token"
							   : "internal";

		snprintf(object, sizeof(object), "enrollment:%lld",
			 j->enrollment_id);
		snprintf(detail, sizeof(detail), "failed:%s", why);
		note(db, &n, j->ehealth_id, "store_issue_failed", object,
		     detail, "", "");
		rc = storage_enrollment_move(db, j->enrollment_id, "issuing",
					     "failed", why, time(NULL), &e2);
		storage_audit_next(db, NULL);
		if (rc != 0) {
			log_event("error", "generation-failed", "enrollment="
				  "%lld detail=\"%s\"", j->enrollment_id,
				  e2.msg);
		}
	}
}

static void *
worker_main(void *arg)
{
	struct portal *p = arg;
	struct job j;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		while (p->queue_len == 0 && !p->stopping) {
			pthread_cond_wait(&p->wake, &p->lock);
		}
		if (p->queue_len == 0 && p->stopping) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		j = p->queue[p->queue_head];
		p->queue_head = (p->queue_head + 1) % QUEUE_MAX;
		p->queue_len--;
		pthread_mutex_unlock(&p->lock);
		run_job(p, &j);
		secret_wipe(&j, sizeof(j));
	}
}

static int
enqueue(struct portal *p, const struct ctx *c, struct err *e)
{
	struct job *j;

	pthread_mutex_lock(&p->lock);
	if (p->queue_len == QUEUE_MAX || p->stopping) {
		pthread_mutex_unlock(&p->lock);
		return err_set(e, ERR_UNAVAILABLE, "the generation queue is "
			       "full");
	}
	j = &p->queue[(p->queue_head + p->queue_len) % QUEUE_MAX];
	memset(j, 0, sizeof(*j));
	j->enrollment_id = c->en.id;
	memcpy(j->session_hash, c->hash, sizeof(j->session_hash));
	memcpy(j->ehealth_id, c->s.ehealth_id, sizeof(j->ehealth_id));
	memcpy(j->given_name, c->s.given_name, sizeof(j->given_name));
	memcpy(j->family_name, c->s.family_name, sizeof(j->family_name));
	memcpy(j->profession_code, c->s.profession_code,
	       sizeof(j->profession_code));
	memcpy(j->profession_label, c->s.profession_label,
	       sizeof(j->profession_label));
	memcpy(j->email, c->en.email, sizeof(j->email));
	memcpy(j->renews, c->en.renews, sizeof(j->renews));
	j->queued_at = c->now;
	p->queue_len++;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

/* Moves the enrollment to issuing and queues its job; on a full queue
 * the enrollment goes back to failed so that it can be retried. */
static int
start_generation(struct portal *p, struct ctx *c, const char *from,
		 struct err *e)
{
	struct err e2 = { 0 };

	if (storage_enrollment_move(c->db, c->en.id, from, "issuing", NULL,
				    c->now, e) != 0) {
		return -1;
	}
	if (enqueue(p, c, e) != 0) {
		if (storage_enrollment_move(c->db, c->en.id, "issuing",
					    "failed", "busy", c->now, &e2)) {
			log_event("error", "generation-failed", "enrollment="
				  "%lld detail=\"%s\"", c->en.id, e2.msg);
		}
		return -1;
	}
	return 0;
}

/* ---- open and close ---------------------------------------------------- */

static int
read_portal_key(const char *path, EVP_PKEY **out, struct err *e)
{
	FILE *f;

	*out = NULL;
	if (path == NULL) {
		return err_set(e, ERR_CONFIG, "portal_public_key is not set");
	}
	f = fopen(path, "re");
	if (f == NULL) {
		return err_set(e, ERR_CONFIG, "cannot read portal_public_key "
			       "%s", path);
	}
	*out = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (*out == NULL) {
		return err_openssl(e, ERR_CONFIG, "%s is not a PEM public key",
				   path);
	}
	return 0;
}

/* Generations and held passwords live in this process only: after a
 * stop (a crash above all) the enrollments still issuing can be retried
 * and the stores whose password was never shown are revoked. */
static int
recover(struct storage *db, struct err *e)
{
	int failed = 0, revoked = 0;

	if (storage_recover_interrupted(db, time(NULL), &failed, &revoked,
					e) != 0) {
		return -1;
	}
	if (failed + revoked > 0) {
		log_event("warn", "recovered", "generations_interrupted=%d "
			  "stores_revoked_unshown=%d", failed, revoked);
	}
	return 0;
}

int
portal_open(const struct config *cfg, struct token *token,
	    struct issuer *iss, struct mailer *mailer, struct portal **out,
	    struct err *e)
{
	struct portal *p = calloc(1, sizeof(*p));
	struct storage *db = NULL;
	size_t i;

	*out = NULL;
	if (p == NULL) {
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	p->cfg = cfg;
	p->token = token;
	p->iss = iss;
	p->mailer = mailer;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	if (dbpool_open(cfg->database, 1, &p->dbs, e) != 0) {
		pthread_cond_destroy(&p->wake);
		pthread_mutex_destroy(&p->lock);
		free(p);
		return -1;
	}
	/* Open (and migrate) the database now: a broken one stops the
	 * start, not the first visitor.  Then, before any worker runs,
	 * settle what the last stop left half-way. */
	if (read_portal_key(cfg->portal_public_key, &p->portal_key, e) != 0 ||
	    get_db(p, &db, e) != 0 || recover(db, e) != 0) {
		portal_close(p);
		return -1;
	}
	for (i = 0; i < WORKERS; i++) {
		if (pthread_create(&p->workers[i], NULL, worker_main, p)) {
			portal_close(p);
			return err_set(e, ERR_INTERNAL, "cannot start the "
				       "workers");
		}
		p->nworkers++;
	}
	*out = p;
	return 0;
}

void
portal_close(struct portal *p)
{
	size_t i;

	if (p == NULL) {
		return;
	}
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nworkers; i++) {
		pthread_join(p->workers[i], NULL);
	}
	secret_wipe(p->held, sizeof(p->held));
	secret_wipe(p->queue, sizeof(p->queue));
	dbpool_close(p->dbs);
	EVP_PKEY_free(p->portal_key);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* ---- login ------------------------------------------------------------- */

static int
rate_limited(struct portal *p, const char *ip, time_t now)
{
	time_t minute = now / 60;
	size_t i, slot = 0;
	int limited;

	pthread_mutex_lock(&p->lock);
	for (i = 0; i < RATE_SLOTS; i++) {
		if (strcmp(p->rate[i].ip, ip) == 0) {
			slot = i;
			break;
		}
		if (p->rate[i].minute < p->rate[slot].minute) {
			slot = i;	/* the stalest, to reuse */
		}
	}
	if (strcmp(p->rate[slot].ip, ip) != 0 ||
	    p->rate[slot].minute != minute) {
		snprintf(p->rate[slot].ip, sizeof(p->rate[slot].ip), "%s", ip);
		p->rate[slot].minute = minute;
		p->rate[slot].count = 0;
	}
	limited = ++p->rate[slot].count > p->cfg->assertions_per_minute;
	pthread_mutex_unlock(&p->lock);
	return limited;
}

static enum portal_access
access_rules(const struct portal *p, const struct assertion *a)
{
	if (a->profession_code[0] == '\0' || a->profession_label[0] == '\0') {
		return PORTAL_ACCESS_NOT_PROFESSIONAL;
	}
	if (strcmp(a->primary_id, "ehealth_id") != 0) {
		return PORTAL_ACCESS_NOT_PRIMARY_ID;
	}
	if (!assertion_has_amr(a, p->cfg->strong_amr)) {
		return PORTAL_ACCESS_NOT_STRONG_LOGIN;
	}
	return PORTAL_ACCESS_GRANTED;
}

/* The claims must also make a valid certificate identity. */
static int
claims_usable(const struct assertion *a, struct err *e)
{
	struct identity id = {
		.ehealth_id = a->sub,
		.given_name = a->given_name,
		.family_name = a->family_name,
		.profession_code = a->profession_code,
		.profession_label = a->profession_label,
		.email = "check@example.org",
	};

	return identity_check(&id, e);
}

static int
open_session(struct portal *p, const struct assertion *a, time_t now,
	     const char *source, char session_id[PORTAL_ID_BUF],
	     struct err *e)
{
	struct storage_holder h = {
		.ehealth_id = a->sub,
		.given_name = a->given_name,
		.family_name = a->family_name,
		.profession_code = a->profession_code,
		.profession_label = a->profession_label,
	};
	char hash[STORAGE_HASH_HEX + 1], csrf[PORTAL_ID_BUF];
	struct storage *db = NULL;
	int rc = -1;

	if (new_id(session_id, e) != 0 || new_id(csrf, e) != 0 ||
	    session_hash(session_id, hash, e) != 0 ||
	    get_db(p, &db, e) != 0) {
		goto out;
	}
	{
		struct note n;
		char object[24];

		snprintf(object, sizeof(object), "ehealth:%.10s", a->sub);
		note(db, &n, a->sub, "access_granted", object, "ok", source,
		     "");
		rc = storage_login(db, &h, a->jti,
				   a->exp + ASSERTION_CLOCK_SKEW, hash, csrf,
				   now, now + p->cfg->session_max_seconds, e);
		storage_audit_next(db, NULL);
	}
out:
	if (rc != 0) {
		secret_wipe(session_id, PORTAL_ID_BUF);
	}
	secret_wipe(csrf, sizeof(csrf));
	return rc;
}

static const char *
access_outcome(enum portal_access access)
{
	switch (access) {
	case PORTAL_ACCESS_NOT_PROFESSIONAL:
		return "refused:not-professional";
	case PORTAL_ACCESS_NOT_PRIMARY_ID:
		return "refused:not-primary-id";
	case PORTAL_ACCESS_NOT_STRONG_LOGIN:
		return "refused:not-strong-login";
	default:
		return "refused:invalid";
	}
}

int
portal_login(struct portal *p, const char *assertion, size_t len,
	     const char *source_ip, enum portal_access *access,
	     char session_id[PORTAL_ID_BUF], struct err *e)
{
	struct assertion_expect x = {
		.portal_key = p->portal_key,
		.issuer = p->cfg->portal_issuer,
		.audience = p->cfg->appliance_id,
		.now = time(NULL),
	};
	enum assertion_refusal why = ASSERTION_OK;
	struct assertion a;
	char outcome[48], object[24];
	int rc = -1;

	memset(&a, 0, sizeof(a));
	session_id[0] = '\0';
	*access = PORTAL_ACCESS_INVALID;
	if (rate_limited(p, source_ip != NULL ? source_ip : "-", x.now)) {
		*access = PORTAL_ACCESS_RATE_LIMITED;
		return err_set(e, ERR_LIMIT, "more than %u assertions a minute "
			       "from this address",
			       p->cfg->assertions_per_minute);
	}
	if (x.issuer == NULL || x.audience == NULL) {
		return err_set(e, ERR_CONFIG, "portal_issuer and appliance_id "
			       "must be set");
	}
	if (assertion_verify(assertion, len, &x, &a, &why, e) != 0) {
		snprintf(outcome, sizeof(outcome), "refused:%s",
			 assertion_refusal_name(why));
		note_alone(p, NULL, "access_refused", "", outcome, source_ip);
		goto out;
	}
	*access = access_rules(p, &a);
	if (*access != PORTAL_ACCESS_GRANTED) {
		err_set(e, ERR_INPUT, "access refused for %s", a.sub);
		snprintf(object, sizeof(object), "ehealth:%.10s", a.sub);
		note_alone(p, a.sub, "access_refused", object,
			   access_outcome(*access), source_ip);
		goto out;
	}
	if (claims_usable(&a, e) != 0) {
		*access = PORTAL_ACCESS_INVALID;
		note_alone(p, NULL, "access_refused", "", "refused:bad-claims",
			   source_ip);
		goto out;
	}
	if (open_session(p, &a, x.now, source_ip, session_id, e) != 0) {
		/* A replayed jti is an invalid assertion; the database
		 * failing is not the person's fault. */
		*access = e->code == ERR_INPUT ? PORTAL_ACCESS_INVALID
					       : PORTAL_ACCESS_GRANTED;
		if (e->code != ERR_INPUT) {
			e->code = ERR_UNAVAILABLE;
		}
		goto out;
	}
	rc = 0;
out:
	secret_wipe(&a, sizeof(a));
	return rc;
}

int
portal_logout(struct portal *p, const char *session_id, struct err *e)
{
	char hash[STORAGE_HASH_HEX + 1];
	struct storage *db = NULL;

	if (session_hash(session_id, hash, e) != 0 ||
	    get_db(p, &db, e) != 0) {
		return -1;
	}
	return storage_session_delete(db, hash, e);
}

/* ---- the session's view ------------------------------------------------ */

static enum portal_step
step_of(const struct ctx *c)
{
	static const struct {
		const char *state;
		enum portal_step step;
	} map[] = {
		{ "terms_accepted", PORTAL_STEP_TERMS_ACCEPTED },
		{ "email_entered", PORTAL_STEP_TERMS_ACCEPTED },
		{ "code_sent", PORTAL_STEP_CODE_SENT },
		{ "issuing", PORTAL_STEP_GENERATING },
		{ "failed", PORTAL_STEP_FAILED },
		{ "issued", PORTAL_STEP_ISSUED },
	};
	size_t i;

	for (i = 0; c->en.id != 0 && i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(c->en.state, map[i].state) == 0) {
			return map[i].step;
		}
	}
	return PORTAL_STEP_HOME;
}

static void
store_view(const struct storage_cert *cert, time_t now,
	   struct portal_store *out)
{
	memset(out, 0, sizeof(*out));
	out->present = 1;
	snprintf(out->serial, sizeof(out->serial), "%s", cert->serial);
	snprintf(out->subject, sizeof(out->subject), "%s", cert->subject);
	snprintf(out->email, sizeof(out->email), "%s", cert->email);
	out->issued_at = cert->issued_at;
	out->not_before = cert->not_before;
	out->not_after = cert->not_after;
	snprintf(out->status, sizeof(out->status), "%s",
		 cert->not_after < now ? "expired" : "active");
}

/* Home's view of the holder's stores: the current one and, during a
 * renewal's overlap, the one it replaces; whether "Renew" is offered. */
static int
fill_stores(const struct portal *p, struct ctx *c, struct portal_session *out,
	    struct err *e)
{
	const struct portal_store *st = &out->store;
	struct storage_cert cert;
	int pending = 0, rc;

	if (storage_active_cert(c->db, c->s.ehealth_id, &cert, e) != 0) {
		return e->code == ERR_NOT_FOUND ? 0 : -1;
	}
	store_view(&cert, c->now, &out->store);
	storage_cert_clear(&cert);
	rc = storage_download_pending(c->db, st->serial, &pending, e);
	if (rc == 0 && storage_replaced_cert(c->db, st->serial, c->now, &cert,
					     e) == 0) {
		store_view(&cert, c->now, &out->replaced);
		snprintf(out->replaced.status, sizeof(out->replaced.status),
			 "replaced");
		storage_cert_clear(&cert);
	} else if (rc == 0 && e->code != ERR_NOT_FOUND) {
		rc = -1;
	}
	if (rc != 0) {
		return -1;
	}
	out->store_pending = pending;
	if (out->replaced.present && !pending) {
		out->replaced_until = st->issued_at +
			(time_t)p->cfg->renewal_grace_days * DAY_SECONDS;
	}
	out->renewable = !out->replaced.present && !pending &&
			 st->not_after > c->now &&
			 st->not_after - c->now <=
			 (time_t)p->cfg->renewal_window_days * DAY_SECONDS;
	return 0;
}

static unsigned
left(unsigned max, unsigned used)
{
	return used >= max ? 0 : max - used;
}

int
portal_session(struct portal *p, const char *session_id,
	       struct portal_session *out, struct err *e)
{
	struct ctx c;
	int present = 0;

	memset(out, 0, sizeof(*out));
	if (load(p, session_id, &c, e) != 0) {
		return -1;
	}
	memcpy(out->csrf, c.s.csrf, sizeof(out->csrf) - 1);
	out->csrf[sizeof(out->csrf) - 1] = '\0';
	memcpy(out->ehealth_id, c.s.ehealth_id, sizeof(out->ehealth_id));
	memcpy(out->given_name, c.s.given_name, sizeof(out->given_name));
	memcpy(out->family_name, c.s.family_name, sizeof(out->family_name));
	memcpy(out->profession_code, c.s.profession_code,
	       sizeof(out->profession_code));
	memcpy(out->profession_label, c.s.profession_label,
	       sizeof(out->profession_label));
	out->step = step_of(&c);
	if (c.en.id != 0) {
		memcpy(out->email, c.en.email, sizeof(out->email));
		memcpy(out->failure, c.en.failure, sizeof(out->failure));
		out->code_expires = c.en.code_expires;
		out->code_tries_left = left(p->cfg->code_max_tries,
					    c.en.code_tries);
		out->code_sends_left = left(p->cfg->code_max_sends + 1,
					    c.en.code_sends);
		out->generation_started = c.en.updated_at;
		out->password_ready = is_held(p, c.en.id);
		if (storage_pending_state(c.db, c.en.id, &present,
					  &out->download_until,
					  out->issued_serial, e) != 0) {
			return -1;
		}
		out->download_ready = present && out->download_until > c.now;
		out->renewing = c.en.renews[0] != '\0';
	}
	return fill_stores(p, &c, out, e);
}

/* ---- the steps ----------------------------------------------------------- */

/* Refuses a new store while the holder has a current one that has not
 * expired, unless it is the one this enrollment renews ("": none). */
static int
refuse_if_active(struct ctx *c, const char *renews, struct err *e)
{
	struct storage_cert cert;
	int blocks;

	if (storage_active_cert(c->db, c->s.ehealth_id, &cert, e) == 0) {
		blocks = cert.not_after > c->now &&
			 strcmp(cert.serial, renews) != 0;
		storage_cert_clear(&cert);
		if (!blocks) {
			return 0;
		}
		return err_set(e, ERR_ACTIVE_EXISTS, "this eHealthID already "
			       "holds an active store");
	}
	return e->code == ERR_NOT_FOUND ? 0 : -1;
}

/* A new enrollment (renews: the serial it renews, or NULL), recorded
 * with its audit entry. */
static int
start_enrollment(struct portal *p, struct ctx *c, const char *renews,
		 long long *id, struct err *e)
{
	char object[48], detail[64];
	struct note n;
	int rc;

	snprintf(object, sizeof(object), "terms:%.32s", p->cfg->terms_version);
	snprintf(detail, sizeof(detail), "renewal=%s",
		 renews != NULL ? "yes" : "no");
	note(c->db, &n, c->s.ehealth_id, "terms_accepted", object, "ok", "",
	     detail);
	rc = storage_enrollment_start(c->db, c->hash, c->s.ehealth_id,
				      p->cfg->terms_version, renews, c->now,
				      id, e);
	storage_audit_next(c->db, NULL);
	return rc;
}

int
portal_accept_terms(struct portal *p, const char *session_id, struct err *e)
{
	struct ctx c;
	long long id = 0;

	if (load(p, session_id, &c, e) != 0 ||
	    refuse_if_active(&c, "", e) != 0) {
		return -1;
	}
	if (in_state(&c, "terms_accepted") && c.en.renews[0] == '\0') {
		return 0;
	}
	if (in_state(&c, "code_sent") || in_state(&c, "issuing")) {
		return err_set(e, ERR_WRONG_STEP, "an enrollment is under way");
	}
	return start_enrollment(p, &c, NULL, &id, e);
}

int
portal_renew(struct portal *p, const char *session_id, struct err *e)
{
	struct portal_session *v = NULL;
	struct ctx c;
	long long id = 0;
	int rc = -1;

	if (load(p, session_id, &c, e) != 0) {
		return -1;
	}
	if (in_state(&c, "code_sent") || in_state(&c, "issuing")) {
		return err_set(e, ERR_WRONG_STEP, "an enrollment is under way");
	}
	v = calloc(1, sizeof(*v));
	if (v == NULL) {
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	if (fill_stores(p, &c, v, e) != 0) {
		goto out;
	}
	if (!v->renewable) {
		err_set(e, ERR_WRONG_STEP, "no store can be renewed now");
		goto out;
	}
	if (in_state(&c, "terms_accepted") &&
	    strcmp(c.en.renews, v->store.serial) == 0) {
		rc = 0;
		goto out;
	}
	rc = start_enrollment(p, &c, v->store.serial, &id, e);
	if (rc == 0) {
		log_event("info", "renewal-started", "serial=%s ehealth_id=%s "
			  "enrollment=%lld", v->store.serial, c.s.ehealth_id,
			  id);
	}
out:
	free(v);
	return rc;
}

int
portal_confirm_renewal(struct portal *p, const char *session_id,
		       struct err *e)
{
	char old[STORAGE_SERIAL_HEX + 1], object[24];
	struct note n;
	struct ctx c;
	int rc;

	if (load(p, session_id, &c, e) != 0) {
		return -1;
	}
	snprintf(object, sizeof(object), "ehealth:%.10s", c.s.ehealth_id);
	note(c.db, &n, c.s.ehealth_id, "renewal_switched", object, "ok", "",
	     "reason=4");
	rc = storage_renewal_switch(c.db, c.s.ehealth_id, c.now, old, e);
	storage_audit_next(c.db, NULL);
	if (rc != 0) {
		return -1;
	}
	log_event("info", "renewal-switched", "serial=%s ehealth_id=%s "
		  "reason=%d", old, c.s.ehealth_id, STORAGE_REASON_SUPERSEDED);
	revoked_notify(p);
	return 0;
}

/* Makes a code, mails it, then records its hash.  A mail that fails
 * records nothing. */
static int
send_code(struct portal *p, struct ctx *c, const char *email,
	  const char *lang, const char *from, struct err *e)
{
	char object[40];
	struct note n;
	char code[PORTAL_CODE_DIGITS + 1];
	unsigned char salt[16], hash[32];
	long sent = 0;
	int rc = -1;

	if (storage_codes_sent_since(c->db, c->s.ehealth_id, c->now - 3600,
				     &sent, e) != 0) {
		return -1;
	}
	if (sent >= CODES_PER_HOUR) {
		return err_set(e, ERR_LIMIT, "%ld codes sent to this holder "
			       "in the last hour", sent);
	}
	if (new_code(code, e) != 0) {
		return -1;
	}
	if (RAND_bytes(salt, sizeof(salt)) != 1 ||
	    code_hash(code, salt, hash) != 0) {
		err_set(e, ERR_CRYPTO, "cannot make the code");
		goto out;
	}
	if (mail_send_code(p->mailer, email, code,
			   (p->cfg->code_ttl_seconds + 59) / 60, lang, e)) {
		goto out;
	}
	snprintf(object, sizeof(object), "enrollment:%lld", c->en.id);
	note(c->db, &n, c->s.ehealth_id, "code_sent", object, "ok", "", "");
	rc = storage_enrollment_set_code(c->db, c->en.id, from, email, hash,
					 salt, c->now +
					 p->cfg->code_ttl_seconds, c->now, e);
	storage_audit_next(c->db, NULL);
	if (rc == 0) {
		log_event("info", "code-sent", "enrollment=%lld ehealth_id=%s",
			  c->en.id, c->s.ehealth_id);
	}
out:
	secret_wipe(code, sizeof(code));
	secret_wipe(hash, sizeof(hash));
	return rc;
}

int
portal_submit_email(struct portal *p, const char *session_id,
		    const char *email, const char *lang, struct err *e)
{
	struct ctx c;

	if (load(p, session_id, &c, e) != 0) {
		return -1;
	}
	if (!in_state(&c, "terms_accepted") && !in_state(&c, "code_sent")) {
		return err_set(e, ERR_WRONG_STEP, "accept the terms first");
	}
	if (!identity_email_valid(email)) {
		return err_set(e, ERR_INPUT, "the email address is not valid");
	}
	if (c.en.code_sends >= p->cfg->code_max_sends + 1) {
		return err_set(e, ERR_LIMIT, "no more codes for this request");
	}
	if (refuse_if_active(&c, c.en.renews, e) != 0) {
		return -1;
	}
	return send_code(p, &c, email, lang, "terms_accepted,code_sent", e);
}

int
portal_cancel(struct portal *p, const char *session_id, struct err *e)
{
	struct ctx c;

	if (load(p, session_id, &c, e) != 0) {
		return -1;
	}
	if (c.en.id == 0) {
		return 0;
	}
	if (in_state(&c, "terms_accepted") || in_state(&c, "code_sent") ||
	    in_state(&c, "failed")) {
		if (storage_enrollment_move(c.db, c.en.id,
					    "terms_accepted,code_sent,failed",
					    "cancelled", "cancelled", c.now,
					    e) != 0) {
			return -1;
		}
	} else if (in_state(&c, "issuing")) {
		return err_set(e, ERR_WRONG_STEP, "the store is being made");
	}
	take_held(p, c.en.id, NULL);
	return storage_session_detach(c.db, c.hash, e);
}

int
portal_resend_code(struct portal *p, const char *session_id, const char *lang,
		   struct err *e)
{
	struct ctx c;

	if (load(p, session_id, &c, e) != 0) {
		return -1;
	}
	if (!in_state(&c, "code_sent")) {
		return err_set(e, ERR_WRONG_STEP, "no code is awaited");
	}
	if (c.en.code_sends >= p->cfg->code_max_sends + 1) {
		return err_set(e, ERR_LIMIT, "no more codes for this request");
	}
	return send_code(p, &c, c.en.email, lang, "code_sent", e);
}

static int
code_well_formed(const char *code)
{
	size_t i;

	for (i = 0; i < PORTAL_CODE_DIGITS; i++) {
		if (code[i] < '0' || code[i] > '9') {
			return 0;
		}
	}
	return code[PORTAL_CODE_DIGITS] == '\0';
}

int
portal_submit_code(struct portal *p, const char *session_id, const char *code,
		   struct err *e)
{
	unsigned char hash[32];
	struct ctx c;
	int locked = 0;

	if (load(p, session_id, &c, e) != 0) {
		return -1;
	}
	if (!in_state(&c, "code_sent") || !c.en.has_code) {
		return err_set(e, ERR_WRONG_STEP, "no code is awaited");
	}
	if (code == NULL || strlen(code) > 16 || !code_well_formed(code)) {
		return err_set(e, ERR_INPUT, "the code is %d digits",
			       PORTAL_CODE_DIGITS);
	}
	if (c.now >= c.en.code_expires) {
		return err_set(e, ERR_EXPIRED, "the code has expired");
	}
	if (code_hash(code, c.en.code_salt, hash) != 0) {
		return err_set(e, ERR_CRYPTO, "cannot check the code");
	}
	if (!secret_equal(hash, c.en.code_hash, sizeof(hash))) {
		char object[40];
		struct note n;
		int rc;

		snprintf(object, sizeof(object), "enrollment:%lld", c.en.id);
		note(c.db, &n, c.s.ehealth_id,
		     c.en.code_tries + 1 >= p->cfg->code_max_tries
			     ? "code_locked" : "code_failed",
		     object, "refused:wrong-code", "", "");
		rc = storage_enrollment_wrong_code(c.db, c.en.id,
						   p->cfg->code_max_tries,
						   c.now, &locked, e);
		storage_audit_next(c.db, NULL);
		if (rc != 0) {
			return -1;
		}
		log_event("info", locked ? "code-lockout" : "code-failed",
			  "enrollment=%lld ehealth_id=%s", c.en.id,
			  c.s.ehealth_id);
		return locked ? err_set(e, ERR_LIMIT, "too many wrong codes")
			      : err_set(e, ERR_INPUT, "wrong code");
	}
	if (refuse_if_active(&c, c.en.renews, e) != 0) {
		return -1;
	}
	return start_generation(p, &c, "code_sent", e);
}

int
portal_retry(struct portal *p, const char *session_id, struct err *e)
{
	struct ctx c;

	if (load(p, session_id, &c, e) != 0) {
		return -1;
	}
	if (!in_state(&c, "failed")) {
		return err_set(e, ERR_WRONG_STEP, "nothing to retry");
	}
	if (refuse_if_active(&c, c.en.renews, e) != 0) {
		return -1;
	}
	return start_generation(p, &c, "failed", e);
}

int
portal_take_password(struct portal *p, const char *session_id,
		     char out[PASSWORD_BUF], struct err *e)
{
	struct ctx c;

	out[0] = '\0';
	if (load(p, session_id, &c, e) != 0) {
		return -1;
	}
	if (!in_state(&c, "issued") || !is_held(p, c.en.id)) {
		return err_set(e, ERR_NOT_FOUND, "the password was shown "
			       "already");
	}
	/* Recorded first: a store whose password may have been seen stays
	 * downloadable across a restart (storage_recover_interrupted).  A
	 * store already fetched waits no more: nothing to record. */
	if (storage_pending_mark_shown(c.db, c.en.id, e) != 0 &&
	    e->code != ERR_NOT_FOUND) {
		return -1;
	}
	if (take_held(p, c.en.id, out) != 0) {
		return err_set(e, ERR_NOT_FOUND, "the password was shown "
			       "already");
	}
	return 0;
}

int
portal_download(struct portal *p, const char *session_id,
		unsigned char **p12, size_t *len, char filename[64],
		struct portal_delivery *d, struct err *e)
{
	struct ctx c;

	*p12 = NULL;
	*len = 0;
	memset(d, 0, sizeof(*d));
	if (load(p, session_id, &c, e) != 0) {
		return -1;
	}
	if (!in_state(&c, "issued")) {
		return err_set(e, ERR_NOT_FOUND, "no store waits for this "
			       "session");
	}
	if (storage_pending_read(c.db, c.en.id, c.hash, c.now, p12, len,
				 d->serial, e) != 0) {
		return -1;
	}
	d->enrollment_id = c.en.id;
	snprintf(d->ehealth_id, sizeof(d->ehealth_id), "%s", c.s.ehealth_id);
	snprintf(filename, 64, "mycert-%s.p12", c.s.ehealth_id);
	return 0;
}

void
portal_download_done(struct portal *p, const struct portal_delivery *d,
		     int sent)
{
	struct storage *db = NULL;
	char object[40];
	struct err e = { 0 };
	struct note n;
	int first = 0;

	if (!sent) {
		/* Nothing is consumed: the same session may try again
		 * inside the window. */
		log_event("warn", "download-cut", "serial=%s ehealth_id=%s",
			  d->serial, d->ehealth_id);
		return;
	}
	snprintf(object, sizeof(object), "enrollment:%lld", d->enrollment_id);
	if (get_db(p, &db, &e) != 0) {
		goto failed;
	}
	note(db, &n, d->ehealth_id, "store_downloaded", object, "ok", "", "");
	if (storage_pending_sent(db, d->enrollment_id, d->serial, time(NULL),
				 &first, &e) != 0) {
		storage_audit_next(db, NULL);
		if (e.code == ERR_NOT_FOUND) {
			/* Saved or its window closed while it was sent. */
			log_event("info", "store-sent", "serial=%s "
				  "ehealth_id=%s erased=1", d->serial,
				  d->ehealth_id);
			return;
		}
		goto failed;
	}
	storage_audit_next(db, NULL);
	log_event("info", first ? "store-downloaded" : "store-sent-again",
		  "serial=%s ehealth_id=%s", d->serial, d->ehealth_id);
	return;
failed:
	/* The holder got the file; only the record is missing, so the
	 * window's end would revoke the store: say so to the officers. */
	log_event("error", "download-record-failed", "serial=%s ehealth_id=%s "
		  "error=%s detail=\"%s\"", d->serial, d->ehealth_id,
		  err_code_name(e.code), e.msg);
}

int
portal_download_saved(struct portal *p, const char *session_id,
		      struct err *e)
{
	char serial[STORAGE_SERIAL_HEX + 1];
	struct ctx c;

	if (load(p, session_id, &c, e) != 0) {
		return -1;
	}
	if (!in_state(&c, "issued")) {
		return err_set(e, ERR_NOT_FOUND, "no store waits for this "
			       "session");
	}
	if (storage_pending_saved(c.db, c.en.id, c.hash, serial, e) != 0) {
		return -1;
	}
	log_event("info", "store-erased", "serial=%s ehealth_id=%s "
		  "cause=saved", serial, c.s.ehealth_id);
	return 0;
}

int
portal_deactivate(struct portal *p, const char *session_id, int reason,
		  struct err *e)
{
	char serials[2][STORAGE_SERIAL_HEX + 1];
	char object[24], detail[16];
	struct note nt;
	struct ctx c;
	int i, n = 0, rc;

	if (reason != PORTAL_REASON_UNSPECIFIED &&
	    reason != PORTAL_REASON_KEY_COMPROMISE &&
	    reason != PORTAL_REASON_AFFILIATION_CHANGED &&
	    reason != PORTAL_REASON_CESSATION) {
		return err_set(e, ERR_INPUT, "choose a reason");
	}
	if (load(p, session_id, &c, e) != 0) {
		return -1;
	}
	snprintf(object, sizeof(object), "ehealth:%.10s", c.s.ehealth_id);
	snprintf(detail, sizeof(detail), "reason=%d", reason);
	note(c.db, &nt, c.s.ehealth_id, "store_deactivated", object, "ok", "",
	     detail);
	rc = storage_deactivate_holder(c.db, c.s.ehealth_id, reason, c.now,
				       serials, &n, e);
	storage_audit_next(c.db, NULL);
	if (rc != 0) {
		return -1;
	}
	for (i = 0; i < n; i++) {
		log_event("info", "store-deactivated", "serial=%s "
			  "ehealth_id=%s reason=%d", serials[i],
			  c.s.ehealth_id, reason);
	}
	revoked_notify(p);
	take_held(p, c.en.id, NULL);
	/* The revocation is committed: a failure to detach the session
	 * now must not tell the person that nothing was done. */
	if (storage_session_detach(c.db, c.hash, e) != 0) {
		log_event("warn", "session-detach-failed", "ehealth_id=%s "
			  "error=%s detail=\"%s\"", c.s.ehealth_id,
			  err_code_name(e->code), e->msg);
		memset(e, 0, sizeof(*e));
	}
	return 0;
}

/* Revokes as superseded the old stores whose grace has ended. */
static int
end_graces(struct portal *p, struct storage *db, time_t now, struct err *e)
{
	char serial[STORAGE_SERIAL_HEX + 1];
	time_t grace = (time_t)p->cfg->renewal_grace_days * DAY_SECONDS;
	int n, rc = 0;

	for (n = 0; n < GRACES_PER_ROUND; n++) {
		struct note nt;
		int failed;

		note(db, &nt, NULL, "store_superseded", "", "ok", "",
		     "reason=4 grace=ended");
		snprintf(nt.actor, sizeof(nt.actor), "system");
		failed = storage_renewal_grace(db, now, grace, serial, e);
		storage_audit_next(db, NULL);
		if (failed != 0) {
			rc = e->code == ERR_NOT_FOUND ? 0 : -1;
			break;
		}
		log_event("info", "renewal-grace-ended", "serial=%s reason=%d",
			  serial, STORAGE_REASON_SUPERSEDED);
	}
	if (n > 0) {
		revoked_notify(p);
	}
	return rc;
}

/* Sends one claimed reminder; a failed delivery is forgotten (so that it
 * is tried again) and pauses reminders.  Returns -1 to stop the round. */
static int
send_reminder(struct portal *p, struct storage *db,
	      const struct storage_reminder *r, time_t now)
{
	struct err e = { 0 }, e2 = { 0 };

	if (mail_send_reminder(p->mailer, r->email, r->serial, r->not_after,
			       now, REMINDER_LANG, &e) == 0) {
		log_event("info", "reminder-sent", "serial=%s days_before=%u",
			  r->serial, r->days_before);
		return 0;
	}
	log_event("warn", "reminder-failed", "serial=%s days_before=%u "
		  "error=%s detail=\"%s\"", r->serial, r->days_before,
		  err_code_name(e.code), e.msg);
	/* An address refused by mail.c will not get better: keep the
	 * record.  A delivery failure is tried again later. */
	if (e.code != ERR_INPUT) {
		if (storage_reminder_release(db, r->serial, r->days_before,
					     &e2) != 0) {
			log_event("error", "reminder-failed", "serial=%s "
				  "detail=\"%s\"", r->serial, e2.msg);
		}
		p->reminders_paused_until = now + REMINDER_PAUSE;
		return -1;
	}
	return 0;
}

/* Mails the expiry reminders due: each is recorded, then sent. */
static int
send_reminders(struct portal *p, struct storage *db, time_t now,
	       struct err *e)
{
	struct storage_reminder r;
	int n;

	if (p->cfg->reminder_count == 0 || now < p->reminders_paused_until) {
		return 0;
	}
	for (n = 0; n < REMINDERS_PER_ROUND; n++) {
		if (storage_reminder_claim(db, now, p->cfg->reminder_points,
					   p->cfg->reminder_count, &r,
					   e) != 0) {
			return e->code == ERR_NOT_FOUND ? 0 : -1;
		}
		if (send_reminder(p, db, &r, now) != 0) {
			break;
		}
	}
	return 0;
}

int
portal_housekeeping(struct portal *p, time_t now, struct err *e)
{
	struct storage *db = NULL;
	int revoked = 0, erased = 0, timed_out = 0;

	expire_held(p, now);
	if (get_db(p, &db, e) != 0 ||
	    storage_housekeeping(db, now, now -
				 (time_t)p->cfg->generation_timeout_seconds,
				 p->cfg->session_idle_seconds, &revoked,
				 &erased, &timed_out, e) != 0) {
		return -1;
	}
	if (revoked + erased + timed_out > 0) {
		log_event("info", "housekeeping", "auto_revoked=%d erased=%d "
			  "generations_timed_out=%d", revoked, erased,
			  timed_out);
	}
	if (revoked > 0) {
		revoked_notify(p);
	}
	if (end_graces(p, db, now, e) != 0) {
		return -1;
	}
	return send_reminders(p, db, now, e);
}

void
portal_on_revocation(struct portal *p, void (*fn)(void *arg), void *arg)
{
	p->on_revocation = fn;
	p->on_revocation_arg = arg;
}

int
portal_health(struct portal *p, struct err *e)
{
	struct storage *db = NULL;
	long n = 0;

	/* The token's own code is kept (ERR_TOKEN_*), so that /healthz
	 * can say which part is down. */
	if (token_health(p->token, e) != 0) {
		return -1;
	}
	if (get_db(p, &db, e) != 0 ||
	    storage_count(db, "certificates", &n, e) != 0) {
		e->code = ERR_UNAVAILABLE;
		return -1;
	}
	return 0;
}
