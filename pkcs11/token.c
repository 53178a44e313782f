/*
 * token.c: token access through libp11 (see token.h).
 */
#include "token.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libp11.h>
#include <openssl/err.h>

#include "secret.h"
#include "token_uri.h"

/* PKCS#11 return values that libp11 reports through OpenSSL's queue. */
#define P11_CKR_PIN_INCORRECT 0xA0UL
#define P11_CKR_PIN_INVALID 0xA1UL
#define P11_CKR_PIN_LEN_RANGE 0xA2UL
#define P11_CKR_PIN_EXPIRED 0xA3UL
#define P11_CKR_PIN_LOCKED 0xA4UL

#define PIN_MAX_BYTES 256
#define TOKEN_OPEN_ATTEMPTS 4

struct token_key {
	struct token *token;
	PKCS11_KEY *key;	/* NULL while the token is away */
	EVP_PKEY *pkey;		/* fetched once per connection, never dup'd */
	char label[256];	/* the selector it was found by */
	/* Read once when found, kept across reconnections: callers may ask
	 * for the public key or the type while the token is away (the
	 * daemon signs audit checkpoints on a timer). */
	int type;		/* EVP_PKEY_RSA or EVP_PKEY_EC */
	unsigned char *public_der;	/* SubjectPublicKeyInfo */
	int public_len;
};

struct token {
	/* What to connect to, kept for reconnecting. */
	char *module;
	char *softhsm2_conf;
	char *selector;
	char *pin_file;

	/* Signers hold it for reading; a reconnection for writing. */
	pthread_rwlock_t lock;
	unsigned long generation;	/* connections made so far */

	PKCS11_CTX *ctx;
	PKCS11_SLOT *slots;
	unsigned int nslots;
	PKCS11_SLOT *slot;
	char label[64];
	sem_t signers;
	int signers_ready;
	struct token_key keys[TOKEN_MAX_KEYS];
	size_t nkeys;
};

/* The first CKR_* code libp11 queued, or 0.  Clears the queue. */
static unsigned long
pop_ckr(void)
{
	unsigned long e, ckr = 0;

	while ((e = ERR_get_error()) != 0) {
		if (ckr == 0 && ERR_GET_LIB(e) == ERR_get_CKR_code()) {
			ckr = ERR_GET_REASON(e);
		}
	}
	return ckr;
}

static int
load_module(struct token *t, const struct token_params *p, struct err *e)
{
	if (p->softhsm2_conf != NULL) {
		if (access(p->softhsm2_conf, R_OK) != 0) {
			return err_set(e, ERR_TOKEN_MODULE, "the SoftHSM2 "
				       "configuration %s cannot be read (%s); "
				       "check softhsm2_conf", p->softhsm2_conf,
				       strerror(errno));
		}
		/* SoftHSM2 reads it when the module initialises. */
		if (setenv("SOFTHSM2_CONF", p->softhsm2_conf, 1) != 0) {
			return err_set(e, ERR_INTERNAL, "cannot set "
				       "SOFTHSM2_CONF");
		}
	}
	if (access(p->module, R_OK) != 0) {
		return err_set(e, ERR_TOKEN_MODULE, "the PKCS#11 module %s is "
			       "missing (%s); install the HSM's library or fix "
			       "pkcs11_module", p->module, strerror(errno));
	}
	t->ctx = PKCS11_CTX_new();
	if (t->ctx == NULL) {
		return err_set(e, ERR_INTERNAL, "out of memory (libp11)");
	}
	if (PKCS11_CTX_load(t->ctx, p->module) != 0) {
		ERR_clear_error();
		PKCS11_CTX_free(t->ctx);
		t->ctx = NULL;
		return err_set(e, ERR_TOKEN_MODULE, "the PKCS#11 module %s "
			       "could not be loaded or initialised; check that "
			       "it is the HSM's PKCS#11 library and, for "
			       "SoftHSM2, that softhsm2_conf and its token "
			       "folder exist", p->module);
	}
	return 0;
}

static int
slot_matches(const PKCS11_SLOT *slot, const char *label,
	     const struct token_uri *u)
{
	const PKCS11_TOKEN *tok = slot->token;

	if (tok == NULL || !tok->initialized) {
		return 0;
	}
	if (label != NULL && strcmp(tok->label, label) != 0) {
		return 0;
	}
	if (u->manufacturer != NULL &&
	    strcmp(tok->manufacturer, u->manufacturer) != 0) {
		return 0;
	}
	if (u->serial != NULL && strcmp(tok->serialnr, u->serial) != 0) {
		return 0;
	}
	return u->model == NULL || strcmp(tok->model, u->model) == 0;
}

static int
find_slot(struct token *t, const char *selector, struct err *e)
{
	struct token_uri u = { 0 };
	const char *label = selector;
	unsigned int i, found = 0;
	int rc = -1;

	if (token_uri_is_uri(selector)) {
		if (token_uri_parse(selector, &u, e) != 0) {
			return -1;
		}
		label = u.token;
	}
	if (PKCS11_enumerate_slots(t->ctx, &t->slots, &t->nslots) != 0) {
		ERR_clear_error();
		err_set(e, ERR_TOKEN_NOT_FOUND, "the PKCS#11 module lists no "
			"slots; check that the HSM is connected");
		goto out;
	}
	for (i = 0; i < t->nslots; i++) {
		if (slot_matches(&t->slots[i], label, &u)) {
			t->slot = &t->slots[i];
			found++;
		}
	}
	if (found == 0) {
		err_set(e, ERR_TOKEN_NOT_FOUND, "no initialised token matches "
			"\"%s\"; check token in the configuration (list "
			"tokens with: pkcs11-tool --module MODULE -L)",
			selector);
		goto out;
	}
	if (found > 1) {
		err_set(e, ERR_TOKEN_NOT_FOUND, "%u tokens match \"%s\"; name "
			"one with a pkcs11: URI that adds serial=", found,
			selector);
		goto out;
	}
	snprintf(t->label, sizeof(t->label), "%s", t->slot->token->label);
	rc = 0;
out:
	token_uri_clear(&u);
	return rc;
}

static int
login(struct token *t, const char *pin_file, struct err *e)
{
	char *pin = NULL;
	unsigned long ckr;
	int rc = -1;

	if (t->slot->token->userPinLocked) {
		return err_set(e, ERR_TOKEN_PIN_LOCKED, "the user PIN of token "
			       "%s is locked; the security officer must unlock "
			       "it with the SO PIN", t->label);
	}
	if (secret_read_file(pin_file, "PIN", PIN_MAX_BYTES, &pin, e) != 0) {
		e->code = ERR_TOKEN_PIN_FILE;
		return -1;
	}
	if (PKCS11_open_session(t->slot, 0) != 0) {
		ERR_clear_error();
		err_set(e, ERR_TOKEN_NOT_FOUND, "cannot open a session on "
			"token %s", t->label);
		goto out;
	}
	if (PKCS11_login(t->slot, 0, pin) == 0) {
		rc = 0;
		goto out;
	}
	ckr = pop_ckr();
	if (ckr == P11_CKR_PIN_LOCKED) {
		err_set(e, ERR_TOKEN_PIN_LOCKED, "the user PIN of token %s is "
			"locked; the security officer must unlock it with the "
			"SO PIN", t->label);
	} else if (ckr == P11_CKR_PIN_INCORRECT || ckr == P11_CKR_PIN_INVALID ||
		   ckr == P11_CKR_PIN_LEN_RANGE) {
		err_set(e, ERR_TOKEN_PIN_INCORRECT, "token %s refused the PIN "
			"in %s (wrong PIN); fix the file before the token "
			"locks after repeated failures", t->label, pin_file);
	} else if (ckr == P11_CKR_PIN_EXPIRED) {
		err_set(e, ERR_TOKEN_PIN_INCORRECT, "the user PIN of token %s "
			"has expired; change it with the HSM's tools",
			t->label);
	} else {
		err_set(e, ERR_TOKEN_NOT_FOUND, "login to token %s failed "
			"(PKCS#11 error 0x%lx)", t->label, ckr);
	}
out:
	secret_free_string(pin);
	return rc;
}

/* Loads the module, finds the token and logs in, from t's settings. */
static int
connect_token(struct token *t, struct err *e)
{
	struct token_params p = { t->module, t->softhsm2_conf, t->selector,
				  t->pin_file };

	if (load_module(t, &p, e) != 0 || find_slot(t, p.token, e) != 0 ||
	    login(t, p.pin_file, e) != 0) {
		return -1;
	}
	t->generation++;
	return 0;
}

/* Drops the connection: keys, then slots, then module (the order libp11
 * 0.4.12 needs).  The key records stay, emptied, for reconnecting. */
static void
disconnect_token(struct token *t)
{
	size_t i;

	for (i = 0; i < t->nkeys; i++) {
		EVP_PKEY_free(t->keys[i].pkey);
		t->keys[i].pkey = NULL;
		t->keys[i].key = NULL;
	}
	if (t->slots != NULL) {
		if (t->slot != NULL) {
			(void)PKCS11_logout(t->slot);
		}
		PKCS11_release_all_slots(t->ctx, t->slots, t->nslots);
	}
	t->slots = NULL;
	t->slot = NULL;
	t->nslots = 0;
	if (t->ctx != NULL) {
		PKCS11_CTX_unload(t->ctx);
		PKCS11_CTX_free(t->ctx);
	}
	t->ctx = NULL;
	ERR_clear_error();
}

static int
copy_params(struct token *t, const struct token_params *p)
{
	t->module = strdup(p->module);
	t->softhsm2_conf = p->softhsm2_conf ? strdup(p->softhsm2_conf) : NULL;
	t->selector = strdup(p->token);
	t->pin_file = strdup(p->pin_file);
	return t->module == NULL || t->selector == NULL ||
	       t->pin_file == NULL ||
	       (p->softhsm2_conf != NULL && t->softhsm2_conf == NULL) ? -1 : 0;
}

/* SoftHSM2 reads its token files at initialisation: while another process
 * writes them (its login counter), the token can seem absent for a
 * moment.  Such a miss is tried again a few times; a wrong PIN or a
 * missing module file is not. */
static int
connect_with_retries(struct token *t, struct err *e)
{
	struct timespec pause = { 0, 0 };
	int attempt;

	for (attempt = 1;; attempt++) {
		if (connect_token(t, e) == 0) {
			return 0;
		}
		disconnect_token(t);
		if (attempt == TOKEN_OPEN_ATTEMPTS ||
		    (e->code != ERR_TOKEN_NOT_FOUND &&
		     !(e->code == ERR_TOKEN_MODULE &&
		       access(t->module, R_OK) == 0))) {
			return -1;
		}
		pause.tv_nsec = 100000000L * attempt;
		nanosleep(&pause, NULL);
	}
}

int
token_open(const struct token_params *p, struct token **out, struct err *e)
{
	struct token *t = NULL;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	pthread_rwlock_init(&t->lock, NULL);
	if (copy_params(t, p) != 0) {
		token_close(t);
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	if (connect_with_retries(t, e) != 0) {
		token_close(t);
		return -1;
	}
	if (sem_init(&t->signers, 0, TOKEN_MAX_SIGNERS) != 0) {
		token_close(t);
		return err_set(e, ERR_INTERNAL, "cannot create a semaphore");
	}
	t->signers_ready = 1;
	*out = t;
	return 0;
}

void
token_close(struct token *t)
{
	size_t i;

	if (t == NULL) {
		return;
	}
	disconnect_token(t);
	for (i = 0; i < t->nkeys; i++) {
		OPENSSL_free(t->keys[i].public_der);
	}
	if (t->signers_ready) {
		sem_destroy(&t->signers);
	}
	pthread_rwlock_destroy(&t->lock);
	free(t->module);
	free(t->softhsm2_conf);
	free(t->selector);
	free(t->pin_file);
	free(t);
}

static int
key_matches(const PKCS11_KEY *k, const char *label, const struct token_uri *u)
{
	if (label != NULL && (k->label == NULL || strcmp(k->label, label))) {
		return 0;
	}
	if (u->id_len != 0 && (k->id_len != u->id_len ||
			       memcmp(k->id, u->id, u->id_len) != 0)) {
		return 0;
	}
	return 1;
}

static int
select_key(struct token *t, const char *selector, PKCS11_KEY **out,
	   struct err *e)
{
	struct token_uri u = { 0 };
	const char *label = selector;
	PKCS11_KEY *keys = NULL;
	unsigned int n = 0, i, found = 0;
	int rc = -1;

	*out = NULL;
	if (token_uri_is_uri(selector)) {
		if (token_uri_parse(selector, &u, e) != 0) {
			return -1;
		}
		label = u.object;
		if (label == NULL && u.id_len == 0) {
			err_set(e, ERR_CONFIG, "the key URI %s names neither "
				"object= nor id=", selector);
			goto out;
		}
	}
	if (PKCS11_enumerate_keys(t->slot->token, &keys, &n) != 0) {
		ERR_clear_error();
		err_set(e, ERR_TOKEN_KEY_NOT_FOUND, "cannot list the keys of "
			"token %s", t->label);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (keys[i].isPrivate && key_matches(&keys[i], label, &u)) {
			*out = &keys[i];
			found++;
		}
	}
	if (found != 1) {
		*out = NULL;
		err_set(e, ERR_TOKEN_KEY_NOT_FOUND, "%s private key \"%s\" in "
			"token %s; check the key name in the configuration or "
			"run provisioning/check-token.sh",
			found == 0 ? "no" : "more than one", selector, t->label);
		goto out;
	}
	rc = 0;
out:
	token_uri_clear(&u);
	return rc;
}

/* Fetches the private key of k from the current connection. */
static int
fetch_key(struct token *t, struct token_key *k, struct err *e)
{
	PKCS11_KEY *key = NULL;

	if (select_key(t, k->label, &key, e) != 0) {
		return -1;
	}
	k->pkey = PKCS11_get_private_key(key);
	if (k->pkey == NULL) {
		ERR_clear_error();
		return err_set(e, ERR_TOKEN_KEY_NOT_FOUND, "the key \"%s\" of "
			       "token %s cannot be used for signing", k->label,
			       t->label);
	}
	k->key = key;
	return 0;
}

/* The public key object with the same id as k, as a new EVP_PKEY. */
static EVP_PKEY *
public_from_object(const struct token_key *k)
{
	PKCS11_KEY *keys = NULL;
	unsigned int n = 0, i;

	if (PKCS11_enumerate_public_keys(k->token->slot->token, &keys, &n)) {
		ERR_clear_error();
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (keys[i].id_len == k->key->id_len &&
		    memcmp(keys[i].id, k->key->id, k->key->id_len) == 0) {
			return PKCS11_get_public_key(&keys[i]);
		}
	}
	return NULL;
}

/* Keeps the public key and type of a key just fetched. */
static int
read_public(struct token_key *k, struct err *e)
{
	EVP_PKEY *obj = NULL;

	/* The private key carries its public half (libp11 reads it from
	 * the token's public object for EC).  Only when it does not, ask
	 * the public object: enumerating public keys leaks in libp11
	 * 0.4.12. */
	k->type = EVP_PKEY_get_base_id(k->pkey);
	k->public_len = i2d_PUBKEY(k->pkey, &k->public_der);
	if (k->public_len <= 0) {
		ERR_clear_error();
		k->public_der = NULL;
		obj = public_from_object(k);
		k->public_len = obj != NULL ? i2d_PUBKEY(obj, &k->public_der)
					    : -1;
		EVP_PKEY_free(obj);
	}
	if (k->public_len <= 0) {
		k->public_der = NULL;
		return err_openssl(e, ERR_TOKEN_KEY_NOT_FOUND, "cannot read "
				   "the public key of \"%s\"", k->label);
	}
	return 0;
}

int
token_find_key(struct token *t, const char *selector, struct token_key **out,
	       struct err *e)
{
	struct token_key *k;
	size_t i;

	*out = NULL;
	if (strlen(selector) >= sizeof(t->keys[0].label)) {
		return err_set(e, ERR_CONFIG, "the key name is too long");
	}
	for (i = 0; i < t->nkeys; i++) {
		if (strcmp(t->keys[i].label, selector) == 0 &&
		    t->keys[i].pkey != NULL) {
			*out = &t->keys[i];
			return 0;
		}
	}
	if (t->nkeys == TOKEN_MAX_KEYS) {
		return err_set(e, ERR_INTERNAL, "too many keys in use");
	}
	k = &t->keys[t->nkeys];
	memset(k, 0, sizeof(*k));
	k->token = t;
	snprintf(k->label, sizeof(k->label), "%s", selector);
	if (fetch_key(t, k, e) != 0 || read_public(k, e) != 0) {
		EVP_PKEY_free(k->pkey);
		memset(k, 0, sizeof(*k));
		return -1;
	}
	t->nkeys++;
	*out = k;
	return 0;
}

/* After a failed signature: connects again (the token may have gone and
 * come back: SoftHSM2 invalidates every handle then) unless another
 * thread already did since seen_generation. */
static int
reconnect(struct token *t, unsigned long seen_generation, struct err *e)
{
	size_t i;
	int rc = 0;

	pthread_rwlock_wrlock(&t->lock);
	if (t->generation != seen_generation && t->ctx != NULL) {
		pthread_rwlock_unlock(&t->lock);
		return 0;
	}
	disconnect_token(t);
	if (connect_token(t, e) != 0) {
		disconnect_token(t);
		rc = -1;
	}
	for (i = 0; rc == 0 && i < t->nkeys; i++) {
		rc = fetch_key(t, &t->keys[i], e);
	}
	pthread_rwlock_unlock(&t->lock);
	return rc;
}

int
token_key_type(const struct token_key *k)
{
	return k->type;
}

int
token_key_public(const struct token_key *k, EVP_PKEY **out, struct err *e)
{
	const unsigned char *p = k->public_der;

	*out = d2i_PUBKEY(NULL, &p, k->public_len);
	if (*out == NULL) {
		return err_openssl(e, ERR_CRYPTO, "cannot decode the public "
				   "key of \"%s\"", k->label);
	}
	return 0;
}

static int
acquire_signer(struct token_key *k, struct err *e)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += TOKEN_SIGN_WAIT_SECONDS;
	while (sem_timedwait(&k->token->signers, &until) != 0) {
		if (errno != EINTR) {
			return err_set(e, ERR_TOKEN_SIGN, "the token %s is busy:"
				       " no signature slot within %d seconds",
				       k->token->label,
				       TOKEN_SIGN_WAIT_SECONDS);
		}
	}
	return 0;
}

static void
release_signer(struct token_key *k)
{
	sem_post(&k->token->signers);
}

struct sign_job {
	enum { JOB_CERT, JOB_REQ, JOB_CRL } kind;
	void *object;
};

static int
sign_object(EVP_PKEY *pkey, void *arg)
{
	struct sign_job *job = arg;

	switch (job->kind) {
	case JOB_CERT:
		return X509_sign(job->object, pkey, EVP_sha256()) > 0;
	case JOB_REQ:
		return X509_REQ_sign(job->object, pkey, EVP_sha256()) > 0;
	case JOB_CRL:
		return X509_CRL_sign(job->object, pkey, EVP_sha256()) > 0;
	}
	return 0;
}

/* One try: 1 signed, 0 failed.  *generation gets the connection used. */
static int
try_sign(struct token_key *k, int (*fn)(EVP_PKEY *, void *), void *arg,
	 unsigned long *generation)
{
	struct token *t = k->token;
	int ok = 0;

	pthread_rwlock_rdlock(&t->lock);
	*generation = t->generation;
	ERR_clear_error();
	if (k->pkey != NULL) {
		ok = fn(k->pkey, arg) == 1;
	}
	pthread_rwlock_unlock(&t->lock);
	return ok;
}

int
token_sign_with(struct token_key *k, int (*fn)(EVP_PKEY *, void *),
		void *arg, struct err *e)
{
	unsigned long generation = 0, ckr;
	struct err again = { 0 };
	int ok;

	if (acquire_signer(k, e) != 0) {
		return -1;
	}
	ok = try_sign(k, fn, arg, &generation);
	if (!ok) {
		ckr = pop_ckr();
		if (reconnect(k->token, generation, &again) == 0) {
			ok = try_sign(k, fn, arg, &generation);
			ckr = ok ? 0 : pop_ckr();
		}
	}
	release_signer(k);
	if (!ok && again.code != ERR_NONE) {
		return err_set(e, ERR_TOKEN_SIGN, "the token %s is unavailable "
			       "(%s)", k->token->label, again.msg);
	}
	if (!ok) {
		return err_set(e, ERR_TOKEN_SIGN, "the token %s failed to sign "
			       "with \"%s\" (PKCS#11 error 0x%lx); check the "
			       "token with provisioning/check-token.sh",
			       k->token->label, k->label, ckr);
	}
	return 0;
}

int
token_sign_cert(struct token_key *k, X509 *cert, struct err *e)
{
	struct sign_job job = { JOB_CERT, cert };

	return token_sign_with(k, sign_object, &job, e);
}

int
token_sign_req(struct token_key *k, X509_REQ *req, struct err *e)
{
	struct sign_job job = { JOB_REQ, req };

	return token_sign_with(k, sign_object, &job, e);
}

int
token_sign_crl(struct token_key *k, X509_CRL *crl, struct err *e)
{
	struct sign_job job = { JOB_CRL, crl };

	return token_sign_with(k, sign_object, &job, e);
}

struct data_job {
	const unsigned char *data;
	size_t len;
	unsigned char *sig;
	size_t sig_len;
};

static int
sign_data(EVP_PKEY *pkey, void *arg)
{
	struct data_job *job = arg;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = 0;

	if (md == NULL ||
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pkey) != 1 ||
	    EVP_DigestSign(md, NULL, &job->sig_len, job->data, job->len) != 1) {
		goto out;
	}
	job->sig = OPENSSL_malloc(job->sig_len);
	if (job->sig == NULL ||
	    EVP_DigestSign(md, job->sig, &job->sig_len, job->data,
			   job->len) != 1) {
		OPENSSL_free(job->sig);
		job->sig = NULL;
		goto out;
	}
	ok = 1;
out:
	EVP_MD_CTX_free(md);
	return ok;
}

int
token_sign_data(struct token_key *k, const unsigned char *data, size_t len,
		unsigned char **sig, size_t *sig_len, struct err *e)
{
	struct data_job job = { data, len, NULL, 0 };

	*sig = NULL;
	*sig_len = 0;
	if (token_sign_with(k, sign_data, &job, e) != 0) {
		return -1;
	}
	*sig = job.sig;
	*sig_len = job.sig_len;
	return 0;
}

int
token_health(struct token *t, struct err *e)
{
	unsigned char *sig = NULL;
	size_t len = 0;

	/* A real signature is the only answer that proves the key works. */
	if (t->nkeys == 0) {
		return err_set(e, ERR_TOKEN_NOT_FOUND, "no key of token %s is "
			       "in use", t->label);
	}
	if (token_sign_data(&t->keys[0], (const unsigned char *)"health", 6,
			    &sig, &len, e) != 0) {
		return -1;
	}
	OPENSSL_free(sig);
	return 0;
}
