/*
 * routes.c: the routing table and the handlers of the front (see
 * routes.h).
 *
 * Each request goes through the same gate, in this order: the query is
 * parsed, the language chosen, the route found (404, or 405 with Allow),
 * then for a POST the Origin (when sent) must be ours and the body must
 * parse; the session is read from its cookie; a route that needs one
 * without it shows the sign-in page; every POST but /sso must carry the
 * session's CSRF token; a page of another step redirects to the page of
 * the current step.  Only then does the handler call the portal.
 */
#include "routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assets.h"
#include "devportal.h"
#include "form.h"
#include "html.h"
#include "i18n.h"
#include "log.h"
#include "pages.h"
#include "secret.h"

#define ORIGIN_MAX 256
#define EMAIL_MAX 254

struct routes {
	const struct config *cfg;
	struct portal *portal;
	EVP_PKEY *dev_key;
	char origin[ORIGIN_MAX];	/* where our own pages are */
	char portal_origin[ORIGIN_MAX];	/* the portal posting to /sso */
};

/* One request on its way through. */
struct call {
	const struct routes *r;
	const struct routes_request *rq;
	struct routes_reply *out;
	struct pages_ctx page;
	struct form query;
	struct form body;
	char sid[PORTAL_ID_BUF];
	int signed_in;
	int session_lost;	/* a cookie named a dead session */
	struct portal_session s;
};

#define STEP(x) (1u << (x))
#define ANY_STEP 0xffu

enum route_flags {
	SESSION = 1,		/* needs a signed-in session */
	NO_CSRF = 2,		/* POST without CSRF token (/sso) */
};

struct route {
	const char *method;
	const char *path;
	unsigned flags;
	unsigned steps;		/* steps at which the page is shown */
	void (*handle)(struct call *c);
};

/* ---- replies ----------------------------------------------------------- */

static void
reply_html(struct call *c, unsigned status, struct html *h)
{
	size_t len = 0;
	char *body = html_take(h, &len);

	if (body == NULL) {
		status = 500;
		body = strdup("<!doctype html><title>500</title>"
			      "<p>Internal error</p>");
		len = body != NULL ? strlen(body) : 0;
	}
	c->out->status = status;
	c->out->content_type = "text/html; charset=utf-8";
	c->out->body = (unsigned char *)body;
	c->out->body_len = len;
}

static void
reply_error(struct call *c, unsigned status)
{
	struct html h;

	html_init(&h);
	pages_error(&c->page, status, &h);
	reply_html(c, status, &h);
	if (status == 405 && c->out->allow == NULL) {
		c->out->allow = "GET, HEAD, POST";
	}
}

static void
redirect(struct call *c, const char *location)
{
	c->out->status = 303;
	snprintf(c->out->location, sizeof(c->out->location), "%s",
		 location);
	c->out->content_type = "text/plain; charset=utf-8";
	c->out->body = (unsigned char *)strdup("See Other\n");
	c->out->body_len = c->out->body != NULL ? 10 : 0;
}

static const char *
step_path(enum portal_step step)
{
	switch (step) {
	case PORTAL_STEP_TERMS_ACCEPTED:
		return "/data";
	case PORTAL_STEP_CODE_SENT:
		return "/code";
	case PORTAL_STEP_GENERATING:
	case PORTAL_STEP_FAILED:
		return "/progress";
	case PORTAL_STEP_ISSUED:
		return "/done";
	default:
		return "/";
	}
}

static void
log_portal_error(const struct call *c, const char *what, const struct err *e)
{
	char msg[600], ip[80];

	log_event("warn", "portal_error", "call=%s error=%s msg=%s ip=%s",
		  what, err_code_name(e->code),
		  log_escape(msg, sizeof(msg), e->msg),
		  log_escape(ip, sizeof(ip), c->rq->ip));
}

/* The pages of errors every portal call may give (session gone, service
 * down, wrong step, a bug). */
static void
portal_failed(struct call *c, const char *what, const struct err *e)
{
	struct html h;
	struct err e2 = { 0 };

	c->out->error = err_code_name(e->code);
	switch (e->code) {
	case ERR_NOT_FOUND:
	case ERR_EXPIRED:
		html_init(&h);
		c->page.csrf = NULL;
		c->page.notice = I18N_LOGIN_EXPIRED;
		c->page.tone = PAGES_TONE_WARN;
		pages_login(&c->page, &h);
		reply_html(c, 403, &h);
		return;
	case ERR_WRONG_STEP:
		if (portal_session(c->r->portal, c->sid, &c->s, &e2) == 0) {
			redirect(c, step_path(c->s.step));
		} else {
			redirect(c, "/");
		}
		return;
	case ERR_LIMIT:
		reply_error(c, 429);
		return;
	case ERR_UNAVAILABLE:
		log_portal_error(c, what, e);
		reply_error(c, 503);
		return;
	default:
		log_portal_error(c, what, e);
		reply_error(c, 500);
		return;
	}
}

static void
set_session_cookie(struct call *c, const char *sid)
{
	if (sid != NULL) {
		snprintf(c->out->set_cookie, sizeof(c->out->set_cookie),
			 "%s=%s; Path=/; Secure; HttpOnly; SameSite=Strict",
			 ROUTES_COOKIE, sid);
	} else {
		snprintf(c->out->set_cookie, sizeof(c->out->set_cookie),
			 "%s=; Path=/; Secure; HttpOnly; SameSite=Strict; "
			 "Max-Age=0", ROUTES_COOKIE);
	}
}

/* ---- pages of the flow ------------------------------------------------- */

/* Reads ?notice= of a page reached by a redirect. */
static void
query_notice(struct call *c)
{
	static const struct {
		const char *name;
		enum i18n_id id;
		enum pages_tone tone;
	} notices[] = {
		{ "deactivated", I18N_NOTICE_DEACTIVATED, PAGES_TONE_OK },
		{ "cancelled", I18N_NOTICE_CANCELLED, PAGES_TONE_INFO },
		{ "active-exists", I18N_NOTICE_ACTIVE_EXISTS, PAGES_TONE_WARN },
		{ "locked", I18N_NOTICE_LOCKED, PAGES_TONE_BAD },
		{ "signed-out", I18N_LOGIN_SIGNED_OUT, PAGES_TONE_INFO },
		{ "expired", I18N_LOGIN_EXPIRED, PAGES_TONE_WARN },
		{ "resent", I18N_CODE_RESENT, PAGES_TONE_OK },
		{ "switched", I18N_NOTICE_SWITCHED, PAGES_TONE_OK },
		{ "renew-unavailable", I18N_NOTICE_RENEW_UNAVAILABLE,
		  PAGES_TONE_WARN },
	};
	const char *v = form_get(&c->query, "notice");
	size_t i;

	for (i = 0; v != NULL && i < sizeof(notices) / sizeof(notices[0]);
	     i++) {
		if (strcmp(v, notices[i].name) == 0) {
			c->page.notice = notices[i].id;
			c->page.tone = notices[i].tone;
		}
	}
}

/* A form shown again with an error says it on top too: on a phone the
 * field may be out of sight. */
static void
field_error_notice(struct call *c, enum i18n_id error)
{
	if (error < I18N_ID_COUNT && c->page.notice == I18N_ID_COUNT) {
		c->page.notice = error;
		c->page.tone = PAGES_TONE_BAD;
	}
}

static void
show_login(struct call *c, unsigned status)
{
	struct html h;

	if (c->session_lost && c->page.notice == I18N_ID_COUNT) {
		c->page.notice = I18N_LOGIN_EXPIRED;
		c->page.tone = PAGES_TONE_WARN;
	}
	c->page.csrf = NULL;
	html_init(&h);
	pages_login(&c->page, &h);
	reply_html(c, status, &h);
}

static void
get_home(struct call *c)
{
	struct html h;

	query_notice(c);
	if (!c->signed_in) {
		show_login(c, 200);
		return;
	}
	html_init(&h);
	pages_home(&c->page, &c->s, &h);
	reply_html(c, 200, &h);
}

/* A current store that has not expired: a request must renew it. */
static int
store_valid(const struct call *c)
{
	return c->s.store.present &&
	       strcmp(c->s.store.status, "expired") != 0;
}

static void
get_terms(struct call *c)
{
	struct html h;

	if (store_valid(c)) {
		redirect(c, "/?notice=active-exists");
		return;
	}
	html_init(&h);
	pages_terms(&c->page, c->r->cfg->terms_version, I18N_ID_COUNT, &h);
	reply_html(c, 200, &h);
}

static void
post_terms(struct call *c)
{
	const char *accept = form_get(&c->body, "accept");
	struct err e = { 0 };
	struct html h;

	if (accept == NULL || strcmp(accept, "on") != 0) {
		c->out->error = "terms-not-accepted";
		c->page.path = "/terms";
		field_error_notice(c, I18N_TERMS_REQUIRED);
		html_init(&h);
		pages_terms(&c->page, c->r->cfg->terms_version,
			    I18N_TERMS_REQUIRED, &h);
		reply_html(c, 422, &h);
		return;
	}
	if (portal_accept_terms(c->r->portal, c->sid, &e) != 0) {
		if (e.code == ERR_ACTIVE_EXISTS) {
			c->out->error = err_code_name(e.code);
			redirect(c, "/?notice=active-exists");
			return;
		}
		portal_failed(c, "accept_terms", &e);
		return;
	}
	redirect(c, "/data");
}

static void
show_data(struct call *c, unsigned status, const char *email,
	  enum i18n_id error)
{
	struct html h;

	c->page.path = "/data";
	field_error_notice(c, error);
	html_init(&h);
	pages_data(&c->page, &c->s, email, error, &h);
	reply_html(c, status, &h);
}

static void
get_data(struct call *c)
{
	/* A renewal proposes the address of the store it replaces. */
	show_data(c, 200, c->s.email[0] == '\0' && c->s.renewing ?
		  c->s.store.email : c->s.email, I18N_ID_COUNT);
}

static void
cancel(struct call *c)
{
	struct err e = { 0 };

	if (portal_cancel(c->r->portal, c->sid, &e) != 0) {
		portal_failed(c, "cancel", &e);
		return;
	}
	redirect(c, "/?notice=cancelled");
}

static void
post_data(struct call *c)
{
	const char *action = form_get(&c->body, "action");
	const char *email = form_get(&c->body, "email");
	struct err e = { 0 };

	if (action != NULL && strcmp(action, "cancel") == 0) {
		cancel(c);
		return;
	}
	if (email == NULL || email[0] == '\0' || strlen(email) > EMAIL_MAX ||
	    (action != NULL && strcmp(action, "validate") != 0)) {
		c->out->error = "email-refused";
		show_data(c, 422, email != NULL && strlen(email) <= EMAIL_MAX ?
			  email : "", I18N_EMAIL_INVALID);
		return;
	}
	if (portal_submit_email(c->r->portal, c->sid, email,
				i18n_code(c->page.lang), &e) != 0) {
		c->out->error = err_code_name(e.code);
		if (e.code == ERR_INPUT) {
			show_data(c, 422, email, I18N_EMAIL_INVALID);
		} else if (e.code == ERR_MAIL) {
			log_portal_error(c, "submit_email", &e);
			c->page.notice = I18N_MAIL_FAILED;
			c->page.tone = PAGES_TONE_BAD;
			show_data(c, 503, email, I18N_ID_COUNT);
		} else {
			portal_failed(c, "submit_email", &e);
		}
		return;
	}
	redirect(c, "/code");
}

static void
show_code(struct call *c, unsigned status, enum i18n_id error)
{
	struct html h;

	c->page.path = "/code";
	field_error_notice(c, error);
	html_init(&h);
	pages_code(&c->page, &c->s, error, &h);
	reply_html(c, status, &h);
}

static void
get_code(struct call *c)
{
	query_notice(c);
	show_code(c, 200, I18N_ID_COUNT);
}

/* Copies the code without spaces into out; -1 unless it is 6 digits. */
static int
clean_code(const char *code, char out[PORTAL_CODE_DIGITS + 1])
{
	size_t n = 0;

	for (; code != NULL && *code != '\0'; code++) {
		if (*code == ' ') {
			continue;
		}
		if (*code < '0' || *code > '9' || n == PORTAL_CODE_DIGITS) {
			return -1;
		}
		out[n++] = *code;
	}
	out[n] = '\0';
	return n == PORTAL_CODE_DIGITS ? 0 : -1;
}

static void
code_refused(struct call *c, const struct err *e)
{
	struct err e2 = { 0 };

	c->out->error = err_code_name(e->code);
	switch (e->code) {
	case ERR_INPUT:
		/* One try fewer: show the count the portal now holds. */
		if (portal_session(c->r->portal, c->sid, &c->s, &e2) != 0) {
			portal_failed(c, "session", &e2);
			return;
		}
		show_code(c, 422, I18N_CODE_WRONG);
		return;
	case ERR_EXPIRED:
		show_code(c, 422, I18N_CODE_EXPIRED);
		return;
	case ERR_LIMIT:
		redirect(c, "/?notice=locked");
		return;
	default:
		portal_failed(c, "submit_code", e);
		return;
	}
}

static void
post_code(struct call *c)
{
	char code[PORTAL_CODE_DIGITS + 1];
	struct err e = { 0 };
	int rc;

	if (clean_code(form_get(&c->body, "code"), code) != 0) {
		c->out->error = "code-malformed";
		show_code(c, 422, I18N_CODE_FORMAT);
		secret_wipe(code, sizeof(code));
		return;
	}
	rc = portal_submit_code(c->r->portal, c->sid, code, &e);
	secret_wipe(code, sizeof(code));
	if (rc != 0) {
		code_refused(c, &e);
		return;
	}
	redirect(c, "/progress");
}

static void
post_resend(struct call *c)
{
	struct err e = { 0 };

	if (portal_resend_code(c->r->portal, c->sid, i18n_code(c->page.lang),
			       &e) == 0) {
		redirect(c, "/code?notice=resent");
		return;
	}
	c->out->error = err_code_name(e.code);
	if (e.code == ERR_LIMIT || e.code == ERR_MAIL) {
		if (e.code == ERR_MAIL) {
			log_portal_error(c, "resend_code", &e);
		}
		c->page.notice = e.code == ERR_LIMIT ? I18N_CODE_RESEND_LIMIT :
			I18N_MAIL_FAILED;
		c->page.tone = PAGES_TONE_BAD;
		show_code(c, e.code == ERR_LIMIT ? 429 : 503, I18N_ID_COUNT);
		return;
	}
	portal_failed(c, "resend_code", &e);
}

static void
post_cancel(struct call *c)
{
	cancel(c);
}

static void
get_progress(struct call *c)
{
	struct html h;

	html_init(&h);
	if (c->s.step == PORTAL_STEP_FAILED) {
		pages_failed(&c->page, &c->s, &h);
	} else {
		pages_progress(&c->page, &c->s, &h);
	}
	reply_html(c, 200, &h);
}

static void
post_retry(struct call *c)
{
	struct err e = { 0 };

	if (portal_retry(c->r->portal, c->sid, &e) != 0) {
		portal_failed(c, "retry", &e);
		return;
	}
	redirect(c, "/progress");
}

static void
get_done(struct call *c)
{
	char password[PASSWORD_BUF];
	struct err e = { 0 };
	struct html h;
	int shown;

	memset(password, 0, sizeof(password));
	if (strcmp(c->rq->method, "HEAD") == 0) {
		/* No body goes out: the password must not be spent. */
		shown = 0;
		e.code = ERR_NOT_FOUND;
	} else {
		shown = portal_take_password(c->r->portal, c->sid, password,
					     &e) == 0;
	}
	if (!shown && e.code != ERR_NOT_FOUND) {
		portal_failed(c, "take_password", &e);
		return;
	}
	html_init(&h);
	pages_done(&c->page, &c->s, shown ? password : NULL, &h);
	secret_wipe(password, sizeof(password));
	reply_html(c, 200, &h);
}

/* 1 when name is a plain file name for Content-Disposition. */
static int
plain_filename(const char *name)
{
	size_t i;

	for (i = 0; name[i] != '\0'; i++) {
		char ch = name[i];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
		      (ch == '.' && i > 0))) {
			return 0;
		}
	}
	return i > 0;
}

/* The fate of a download, reported by web.c at the request's end. */
struct delivery {
	struct portal *portal;
	struct portal_delivery d;
};

static void
download_done(void *cls, int sent)
{
	struct delivery *dl = cls;

	portal_download_done(dl->portal, &dl->d, sent);
	free(dl);
}

static void
get_download(struct call *c)
{
	unsigned char *p12 = NULL;
	struct delivery *dl;
	char filename[64];
	struct err e = { 0 };
	size_t len = 0;

	memset(filename, 0, sizeof(filename));
	dl = calloc(1, sizeof(*dl));
	if (dl == NULL) {
		err_set(&e, ERR_INTERNAL, "out of memory");
		portal_failed(c, "download", &e);
		return;
	}
	dl->portal = c->r->portal;
	if (portal_download(c->r->portal, c->sid, &p12, &len, filename,
			    &dl->d, &e) != 0) {
		free(dl);
		if (e.code == ERR_NOT_FOUND || e.code == ERR_EXPIRED) {
			/* One explanation and one status for both: the file
			 * is gone (saved, erased, or never this session's). */
			reply_error(c, 410);
			c->out->error = err_code_name(e.code);
			return;
		}
		portal_failed(c, "download", &e);
		return;
	}
	filename[sizeof(filename) - 1] = '\0';
	c->out->status = 200;
	c->out->content_type = "application/x-pkcs12";
	c->out->body = p12;
	c->out->body_len = len;
	snprintf(c->out->disposition, sizeof(c->out->disposition),
		 "attachment; filename=\"%s\"",
		 plain_filename(filename) ? filename : "mycert.p12");
	if (strcmp(c->rq->method, "HEAD") == 0) {
		free(dl);	/* no body goes out: nothing to record */
		return;
	}
	/* Recorded downloaded only once written whole (web.c, on
	 * libmicrohttpd's completion): a transfer cut off before that
	 * consumes nothing.  Parallel downloads by the same session are
	 * allowed: the first whole one is recorded (storage_pending_sent),
	 * and no in-flight lock can hold a flaky holder's retry out. */
	c->out->on_done = download_done;
	c->out->done_cls = dl;
}

/* "I have saved the file": erases the .p12 at once. */
static void
post_download_saved(struct call *c)
{
	struct err e = { 0 };

	if (portal_download_saved(c->r->portal, c->sid, &e) != 0 &&
	    e.code != ERR_NOT_FOUND) {
		if (e.code == ERR_WRONG_STEP) {
			redirect(c, "/done");	/* not sent yet: try again */
			return;
		}
		portal_failed(c, "download_saved", &e);
		return;
	}
	redirect(c, "/done");
}

static void
show_deactivate(struct call *c, unsigned status, enum i18n_id error)
{
	struct html h;

	c->page.path = "/deactivate";
	field_error_notice(c, error);
	html_init(&h);
	pages_deactivate(&c->page, &c->s, error, &h);
	reply_html(c, status, &h);
}

static void
get_deactivate(struct call *c)
{
	if (!store_valid(c)) {
		redirect(c, "/");
		return;
	}
	show_deactivate(c, 200, I18N_ID_COUNT);
}

/* The reason field: one of the PORTAL_REASON_* values, else -1. */
static int
parse_reason(const char *v)
{
	static const int reasons[] = {
		PORTAL_REASON_UNSPECIFIED, PORTAL_REASON_KEY_COMPROMISE,
		PORTAL_REASON_AFFILIATION_CHANGED, PORTAL_REASON_CESSATION,
	};
	size_t i;

	if (v == NULL || v[0] < '0' || v[0] > '9' || v[1] != '\0') {
		return -1;
	}
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		if (v[0] - '0' == reasons[i]) {
			return reasons[i];
		}
	}
	return -1;
}

static void
post_deactivate(struct call *c)
{
	const char *confirm = form_get(&c->body, "confirm");
	int reason = parse_reason(form_get(&c->body, "reason"));
	struct err e = { 0 };

	if (!store_valid(c)) {
		redirect(c, "/");
		return;
	}
	if (confirm == NULL || strcmp(confirm, "yes") != 0 || reason < 0) {
		c->out->error = "deactivation-unconfirmed";
		show_deactivate(c, 422, I18N_DEACT_MISSING);
		return;
	}
	if (portal_deactivate(c->r->portal, c->sid, reason, &e) != 0) {
		if (e.code == ERR_NOT_FOUND) {
			c->out->error = err_code_name(e.code);
			redirect(c, "/");
			return;
		}
		portal_failed(c, "deactivate", &e);
		return;
	}
	redirect(c, "/?notice=deactivated");
}

/* ---- renewal ------------------------------------------------------------ */

static void
show_renew(struct call *c, unsigned status, enum i18n_id error)
{
	struct html h;

	c->page.path = "/renew";
	field_error_notice(c, error);
	html_init(&h);
	pages_renew(&c->page, &c->s, c->r->cfg->terms_version, error, &h);
	reply_html(c, status, &h);
}

static void
get_renew(struct call *c)
{
	if (!c->s.renewable) {
		redirect(c, "/?notice=renew-unavailable");
		return;
	}
	show_renew(c, 200, I18N_ID_COUNT);
}

static void
post_renew(struct call *c)
{
	const char *accept = form_get(&c->body, "accept");
	struct err e = { 0 };

	if (!c->s.renewable) {
		c->out->error = "renewal-unavailable";
		redirect(c, "/?notice=renew-unavailable");
		return;
	}
	if (accept == NULL || strcmp(accept, "on") != 0) {
		c->out->error = "terms-not-accepted";
		show_renew(c, 422, I18N_TERMS_REQUIRED);
		return;
	}
	if (portal_renew(c->r->portal, c->sid, &e) != 0) {
		portal_failed(c, "renew", &e);
		return;
	}
	redirect(c, "/data");
}

static void
post_renew_confirm(struct call *c)
{
	struct err e = { 0 };

	if (portal_confirm_renewal(c->r->portal, c->sid, &e) != 0) {
		/* Nothing to switch (done meanwhile, or the new store not
		 * downloaded yet): home says where things stand. */
		if (e.code == ERR_NOT_FOUND || e.code == ERR_WRONG_STEP) {
			c->out->error = err_code_name(e.code);
			redirect(c, "/");
			return;
		}
		portal_failed(c, "confirm_renewal", &e);
		return;
	}
	redirect(c, "/?notice=switched");
}

static void
post_logout(struct call *c)
{
	struct err e = { 0 };

	if (portal_logout(c->r->portal, c->sid, &e) != 0 &&
	    e.code != ERR_NOT_FOUND && e.code != ERR_EXPIRED) {
		portal_failed(c, "logout", &e);
		return;
	}
	redirect(c, "/?notice=signed-out");
	set_session_cookie(c, NULL);
}

/* ---- pages without a session ------------------------------------------- */

static void
get_faq(struct call *c)
{
	struct html h;

	html_init(&h);
	pages_faq(&c->page, &h);
	reply_html(c, 200, &h);
}

static void
get_lang(struct call *c)
{
	const char *to = form_get(&c->query, "to");
	const char *next = form_get(&c->query, "next");
	enum i18n_lang lang;

	if (!form_is_local_path(next)) {
		next = "/";
	}
	redirect(c, next);
	if (i18n_from_code(to, &lang) == 0) {
		snprintf(c->out->set_cookie, sizeof(c->out->set_cookie),
			 "%s=%s; Path=/; Secure; SameSite=Strict; "
			 "Max-Age=31536000", ROUTES_LANG_COOKIE,
			 i18n_code(lang));
	}
}

static void
get_healthz(struct call *c)
{
	struct err e = { 0 };
	int healthy = portal_health(c->r->portal, &e) == 0;
	int token = e.code >= ERR_TOKEN_MODULE && e.code <= ERR_TOKEN_SIGN;
	int storage = !healthy && !token;
	char text[128];

	if (healthy) {
		snprintf(text, sizeof(text),
			 "{\"token\":\"ok\",\"database\":\"ok\"}\n");
	} else {
		/* portal_health names one failure: the other is unknown. */
		snprintf(text, sizeof(text), "{\"token\":\"%s\",\"database\":"
			 "\"%s\",\"status\":\"unavailable\"}\n",
			 token ? "down" : "unknown",
			 storage ? "down" : "unknown");
		c->out->error = err_code_name(e.code);
		log_portal_error(c, "health", &e);
	}
	c->out->status = healthy ? 200 : 503;
	c->out->content_type = "application/json";
	c->out->body = (unsigned char *)strdup(text);
	c->out->body_len = c->out->body != NULL ? strlen(text) : 0;
}

static void
free_personas(struct pages_persona *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free((char *)list[i].assertion);
		free((char *)list[i].name);
	}
	free(list);
}

static const char *
persona_description(const struct call *c, const struct devportal_persona *p)
{
	switch (c->page.lang) {
	case I18N_EN:
		return p->description_en;
	case I18N_DE:
		return p->description_de;
	default:
		return p->description_fr;
	}
}

static void
get_dev_portal(struct call *c)
{
	size_t i, n = devportal_count();
	struct pages_persona *list = calloc(n > 0 ? n : 1, sizeof(*list));
	struct err e = { 0 };
	struct html h;

	if (list == NULL) {
		reply_error(c, 500);
		return;
	}
	for (i = 0; i < n; i++) {
		const struct devportal_persona *p = devportal_get(i);
		char *jws = NULL, name[1100];

		if (p == NULL || devportal_mint(c->r->cfg, c->r->dev_key, p,
						time(NULL), &jws, &e) != 0) {
			log_portal_error(c, "devportal_mint", &e);
			free_personas(list, i);
			reply_error(c, 500);
			return;
		}
		snprintf(name, sizeof(name), "%s %s (%s)", p->given_name,
			 p->family_name, p->key);
		list[i].key = p->key;
		list[i].description = persona_description(c, p);
		list[i].assertion = jws;
		list[i].name = strdup(name);
	}
	html_init(&h);
	pages_dev_portal(&c->page, list, n, &h);
	free_personas(list, n);
	reply_html(c, 200, &h);
}

static int
origin_allowed(const struct call *c, int portal_too)
{
	const char *o = c->rq->origin;

	if (o == NULL) {
		return 1;
	}
	if (strcmp(o, c->r->origin) == 0) {
		return 1;
	}
	return portal_too && c->r->portal_origin[0] != '\0' &&
	       strcmp(o, c->r->portal_origin) == 0;
}

static void
sso_refused(struct call *c, enum portal_access access, const struct err *e)
{
	static const char *const names[] = {
		"granted", "not-professional", "not-primary-id",
		"not-strong-login", "invalid", "rate-limited",
	};
	char msg[600], ip[80];
	struct html h;

	c->out->error = (unsigned)access < 6 ? names[access] : "invalid";
	log_event("info", "login_refused", "access=%s reason=%s ip=%s",
		  c->out->error, log_escape(msg, sizeof(msg), e->msg),
		  log_escape(ip, sizeof(ip), c->rq->ip));
	html_init(&h);
	c->page.csrf = NULL;
	pages_refused(&c->page, access, &h);
	reply_html(c, access == PORTAL_ACCESS_RATE_LIMITED ? 429 : 403, &h);
}

static void
post_sso(struct call *c)
{
	const char *assertion = form_get(&c->body, "assertion");
	enum portal_access access = PORTAL_ACCESS_GRANTED;
	char sid[PORTAL_ID_BUF], ip[80];
	struct err e = { 0 };
	struct html h;
	int rc;

	if (assertion == NULL || assertion[0] == '\0') {
		c->out->error = "assertion-missing";
		reply_error(c, 400);
		return;
	}
	memset(sid, 0, sizeof(sid));
	rc = portal_login(c->r->portal, assertion, strlen(assertion),
			  c->rq->ip, &access, sid, &e);
	if (access != PORTAL_ACCESS_GRANTED) {
		sso_refused(c, access, &e);
		return;
	}
	if (rc != 0) {
		c->out->error = err_code_name(e.code);
		log_portal_error(c, "login", &e);
		reply_error(c, e.code == ERR_UNAVAILABLE ? 503 : 500);
		return;
	}
	if (c->signed_in) {
		struct err ignored = { 0 };

		(void)!portal_logout(c->r->portal, c->sid, &ignored);
	}
	log_event("info", "login", "ip=%s",
		  log_escape(ip, sizeof(ip), c->rq->ip));
	/* A cross-site POST (from the portal) makes the redirect after it
	 * cross-site too, and SameSite=Strict would hold the new cookie
	 * back: a page of ours that moves on to / is same-site. */
	if (c->rq->origin != NULL && strcmp(c->rq->origin, c->r->origin) != 0) {
		html_init(&h);
		c->page.csrf = NULL;
		pages_signed_in(&c->page, &h);
		reply_html(c, 200, &h);
	} else {
		redirect(c, "/");
	}
	set_session_cookie(c, sid);
	secret_wipe(sid, sizeof(sid));
}

static void
get_static(struct call *c)
{
	const struct assets_file *f = assets_find(c->rq->path);

	if (f == NULL) {
		reply_error(c, 404);
		return;
	}
	c->out->cacheable = 1;
	c->out->etag = f->etag;
	if (c->rq->if_none_match != NULL &&
	    strstr(c->rq->if_none_match, f->etag) != NULL) {
		c->out->status = 304;
		return;
	}
	c->out->status = 200;
	c->out->content_type = f->type;
	c->out->static_body = f->data;
	c->out->body_len = f->len;
}

/* ---- the table --------------------------------------------------------- */

#define AT_HOME (STEP(PORTAL_STEP_HOME) | STEP(PORTAL_STEP_ISSUED) | \
		 STEP(PORTAL_STEP_FAILED))

static const struct route table[] = {
	{ "GET", "/", 0, AT_HOME, get_home },
	/* After an issuance, a new request once that store is gone
	 * (deactivated elsewhere, revoked unused, expired). */
	{ "GET", "/terms", SESSION,
	  STEP(PORTAL_STEP_HOME) | STEP(PORTAL_STEP_ISSUED), get_terms },
	{ "POST", "/terms", SESSION,
	  STEP(PORTAL_STEP_HOME) | STEP(PORTAL_STEP_ISSUED), post_terms },
	{ "GET", "/data", SESSION, STEP(PORTAL_STEP_TERMS_ACCEPTED),
	  get_data },
	{ "POST", "/data", SESSION, STEP(PORTAL_STEP_TERMS_ACCEPTED),
	  post_data },
	{ "GET", "/code", SESSION, STEP(PORTAL_STEP_CODE_SENT), get_code },
	{ "POST", "/code", SESSION, STEP(PORTAL_STEP_CODE_SENT), post_code },
	{ "POST", "/code/resend", SESSION, STEP(PORTAL_STEP_CODE_SENT),
	  post_resend },
	{ "POST", "/cancel", SESSION,
	  STEP(PORTAL_STEP_TERMS_ACCEPTED) | STEP(PORTAL_STEP_CODE_SENT) |
	  STEP(PORTAL_STEP_FAILED), post_cancel },
	{ "GET", "/progress", SESSION,
	  STEP(PORTAL_STEP_GENERATING) | STEP(PORTAL_STEP_FAILED),
	  get_progress },
	{ "POST", "/retry", SESSION, STEP(PORTAL_STEP_FAILED), post_retry },
	{ "GET", "/done", SESSION, STEP(PORTAL_STEP_ISSUED), get_done },
	{ "GET", "/download", SESSION, ANY_STEP, get_download },
	{ "POST", "/download/saved", SESSION, STEP(PORTAL_STEP_ISSUED),
	  post_download_saved },
	{ "GET", "/deactivate", SESSION, AT_HOME, get_deactivate },
	{ "POST", "/deactivate", SESSION, AT_HOME, post_deactivate },
	{ "GET", "/renew", SESSION, AT_HOME, get_renew },
	{ "POST", "/renew", SESSION, AT_HOME, post_renew },
	{ "POST", "/renew/confirm", SESSION, AT_HOME, post_renew_confirm },
	{ "POST", "/logout", SESSION, ANY_STEP, post_logout },
	{ "GET", "/faq", 0, ANY_STEP, get_faq },
	{ "GET", "/lang", 0, ANY_STEP, get_lang },
	{ "GET", "/healthz", 0, ANY_STEP, get_healthz },
	{ "GET", "/dev/portal", 0, ANY_STEP, get_dev_portal },
	{ "POST", "/sso", NO_CSRF, ANY_STEP, post_sso },
};

#define TABLE_SIZE (sizeof(table) / sizeof(table[0]))

static int
is_static_path(const char *path)
{
	return strncmp(path, "/static/", 8) == 0;
}

/* Finds the route of rq; sets *allow (and returns NULL) when the path is
 * known under other methods only. */
static const struct route *
find_route(const struct routes *r, const struct routes_request *rq,
	   const char **allow)
{
	const char *method = strcmp(rq->method, "HEAD") == 0 ? "GET" :
			     rq->method;
	int get = 0, post = 0;
	size_t i;

	*allow = NULL;
	if (strcmp(rq->path, "/dev/portal") == 0 &&
	    (!r->cfg->dev_portal || r->dev_key == NULL)) {
		return NULL;
	}
	for (i = 0; i < TABLE_SIZE; i++) {
		if (strcmp(table[i].path, rq->path) != 0) {
			continue;
		}
		if (strcmp(table[i].method, method) == 0) {
			return &table[i];
		}
		get |= strcmp(table[i].method, "GET") == 0;
		post |= strcmp(table[i].method, "POST") == 0;
	}
	if (is_static_path(rq->path) && assets_find(rq->path) != NULL) {
		get = 1;
	}
	if (get || post) {
		*allow = get && post ? "GET, HEAD, POST" :
			 get ? "GET, HEAD" : "POST";
	}
	return NULL;
}

/* Reads the session named by the cookie, if any.  Returns -1 when the
 * reply is already made (the portal is down). */
static int
read_session(struct call *c)
{
	struct err e = { 0 };
	size_t i;

	if (form_cookie(c->rq->cookie, ROUTES_COOKIE, c->sid,
			sizeof(c->sid)) != 0) {
		return 0;
	}
	for (i = 0; c->sid[i] != '\0'; i++) {
		char ch = c->sid[i];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_')) {
			break;
		}
	}
	if (i != PORTAL_ID_LEN || c->sid[i] != '\0') {
		c->session_lost = 1;
		return 0;
	}
	if (portal_session(c->r->portal, c->sid, &c->s, &e) != 0) {
		if (e.code == ERR_NOT_FOUND || e.code == ERR_EXPIRED) {
			c->session_lost = 1;
			return 0;
		}
		portal_failed(c, "session", &e);
		return -1;
	}
	c->signed_in = 1;
	c->page.csrf = c->s.csrf;
	return 0;
}

static int
csrf_valid(const struct call *c)
{
	const char *token = form_get(&c->body, "csrf");

	return token != NULL && strlen(token) == PORTAL_ID_LEN &&
	       strlen(c->s.csrf) == PORTAL_ID_LEN &&
	       secret_equal(token, c->s.csrf, PORTAL_ID_LEN);
}

/* The checks every POST passes before its handler.  Returns -1 when the
 * reply is made. */
static int
check_post(struct call *c, const struct route *rt)
{
	struct err e = { 0 };

	if (!origin_allowed(c, (rt->flags & NO_CSRF) != 0)) {
		c->out->error = "origin-refused";
		reply_error(c, 403);
		return -1;
	}
	if (form_parse(c->rq->body != NULL ? c->rq->body : "",
		       c->rq->body_len, &c->body, &e) != 0) {
		c->out->error = "form-malformed";
		reply_error(c, 400);
		return -1;
	}
	return 0;
}

static void
dispatch(struct call *c, const struct route *rt)
{
	int post = strcmp(rt->method, "POST") == 0;

	if (post && check_post(c, rt) != 0) {
		return;
	}
	if (read_session(c) != 0) {
		return;
	}
	if ((rt->flags & SESSION) && !c->signed_in) {
		c->out->error = "no-session";
		if (post) {
			show_login(c, 403);
		} else {
			redirect(c, c->session_lost ? "/?notice=expired" : "/");
		}
	} else if (post && !(rt->flags & NO_CSRF) && !csrf_valid(c)) {
		c->out->error = "csrf-refused";
		reply_error(c, 403);
	} else if (c->signed_in && !(STEP(c->s.step) & rt->steps)) {
		c->out->error = "other-step";
		redirect(c, step_path(c->s.step));
	} else {
		rt->handle(c);
	}
	if (c->session_lost && c->out->set_cookie[0] == '\0') {
		set_session_cookie(c, NULL);
	}
}

int
routes_new(const struct config *cfg, struct portal *portal,
	   EVP_PKEY *dev_portal_key, struct routes **out, struct err *e)
{
	struct routes *r = calloc(1, sizeof(*r));
	char listen_url[ORIGIN_MAX];

	*out = NULL;
	if (r == NULL) {
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	r->cfg = cfg;
	r->portal = portal;
	r->dev_key = dev_portal_key;
	snprintf(listen_url, sizeof(listen_url), "https://%s",
		 cfg->listen != NULL ? cfg->listen : "");
	if (form_origin(cfg->appliance_id != NULL ? cfg->appliance_id :
			listen_url, r->origin, sizeof(r->origin)) != 0) {
		free(r);
		return err_set(e, ERR_CONFIG, "appliance_id must be the "
			       "https:// address of the front, e.g. "
			       "https://127.0.0.1:8443");
	}
	if (cfg->portal_issuer != NULL &&
	    form_origin(cfg->portal_issuer, r->portal_origin,
			sizeof(r->portal_origin)) != 0) {
		r->portal_origin[0] = '\0';
	}
	*out = r;
	return 0;
}

void
routes_free(struct routes *r)
{
	free(r);
}

void
routes_reply_free(struct routes_reply *out)
{
	if (out->body != NULL) {
		secret_wipe(out->body, out->body_len);
		free(out->body);
	}
	out->body = NULL;
	out->body_len = 0;
	out->static_body = NULL;
	if (out->on_done != NULL) {
		out->on_done(out->done_cls, 0);
	}
	out->on_done = NULL;
	out->done_cls = NULL;
}

static void
call_init(struct call *c, const struct routes *r,
	  const struct routes_request *rq, struct routes_reply *out)
{
	char lang[8];

	memset(c, 0, sizeof(*c));
	memset(out, 0, sizeof(*out));
	c->r = r;
	c->rq = rq;
	c->out = out;
	pages_ctx_init(&c->page);
	c->page.dev_portal = r->cfg->dev_portal && r->dev_key != NULL;
	c->page.path = form_is_local_path(rq->path) ? rq->path : "/";
	if (form_cookie(rq->cookie, ROUTES_LANG_COOKIE, lang,
			sizeof(lang)) != 0) {
		lang[0] = '\0';
	}
	c->page.lang = i18n_choose(lang, rq->accept_language);
}

void
routes_error(const struct routes *r, const struct routes_request *rq,
	     unsigned status, struct routes_reply *out)
{
	struct call c;

	call_init(&c, r, rq, out);
	reply_error(&c, status);
}

void
routes_handle(const struct routes *r, const struct routes_request *rq,
	      struct routes_reply *out)
{
	const struct route *rt;
	const char *allow = NULL;
	struct call c;
	struct err e = { 0 };

	call_init(&c, r, rq, out);
	if (form_parse(rq->query, strlen(rq->query), &c.query, &e) != 0) {
		out->error = "query-malformed";
		reply_error(&c, 400);
		goto done;
	}
	rt = find_route(r, rq, &allow);
	if (rt == NULL && allow != NULL && is_static_path(rq->path) &&
	    (strcmp(rq->method, "GET") == 0 ||
	     strcmp(rq->method, "HEAD") == 0)) {
		get_static(&c);
	} else if (rt == NULL && allow != NULL) {
		out->allow = allow;
		reply_error(&c, 405);
	} else if (rt == NULL) {
		reply_error(&c, 404);
	} else {
		dispatch(&c, rt);
	}
done:
	form_free(&c.query);
	form_free(&c.body);
	secret_wipe(c.sid, sizeof(c.sid));
	secret_wipe(&c.s, sizeof(c.s));
}
