/*
 * pages.c: the templates (see pages.h).
 *
 * Markup is written here as literal strings; everything else goes
 * through html_text or html_subst.  The layout is built by page_begin and
 * page_end; each page writes its <main> content in between.
 */
#include "pages.h"

#include <stdio.h>
#include <string.h>

#include "assets.h"
#include "secret.h"

#define T(id) i18n_get(c->lang, (id))

/* Optional parts of the <head>. */
enum head_extra {
	HEAD_PLAIN = 0,
	HEAD_REFRESH = 1,	/* reload every 2 seconds (progress) */
	HEAD_COPY_SCRIPT = 2,	/* /static/copy.js (success page) */
	HEAD_GO_HOME = 4,	/* go to / at once (after sign-in) */
};

void
pages_ctx_init(struct pages_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->lang = I18N_FR;
	c->path = "/";
	c->notice = I18N_ID_COUNT;
	c->tone = PAGES_TONE_INFO;
	c->now = time(NULL);
}

/* Appends s percent-encoded for a query value (unreserved kept). */
static void
url_component(struct html *h, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char buf[4];

	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
		    ch == '_' || ch == '~') {
			buf[0] = (char)ch;
			buf[1] = '\0';
		} else {
			buf[0] = '%';
			buf[1] = hex[ch >> 4];
			buf[2] = hex[ch & 0x0f];
			buf[3] = '\0';
		}
		html_raw(h, buf);
	}
}

static void
asset_link(struct html *h, const char *path)
{
	const struct assets_file *f = assets_find(path);

	html_text(h, path);
	if (f != NULL) {
		html_raw(h, "?v=");
		html_text(h, f->version);
	}
}

static void
hidden_csrf(const struct pages_ctx *c, struct html *h)
{
	html_raw(h, "<input type=\"hidden\" name=\"csrf\" value=\"");
	html_text(h, c->csrf != NULL ? c->csrf : "");
	html_raw(h, "\">\n");
}

static void
language_switch(const struct pages_ctx *c, struct html *h)
{
	enum i18n_lang l;

	html_raw(h, "<nav aria-label=\"");
	html_text(h, T(I18N_LANGUAGE));
	html_raw(h, "\"><ul class=\"langs\">\n");
	for (l = 0; l < I18N_LANG_COUNT; l++) {
		html_raw(h, "<li><a href=\"/lang?to=");
		html_raw(h, i18n_code(l));
		html_raw(h, "&amp;next=");
		url_component(h, c->path != NULL ? c->path : "/");
		html_raw(h, "\" lang=\"");
		html_raw(h, i18n_code(l));
		html_raw(h, "\" hreflang=\"");
		html_raw(h, i18n_code(l));
		html_raw(h, "\" title=\"");
		html_text(h, i18n_name(l));
		html_raw(h, l == c->lang ? "\" aria-current=\"true\">" : "\">");
		html_rawf(h, "%c%c", i18n_code(l)[0] - 32,
			  i18n_code(l)[1] - 32);
		html_raw(h, "</a></li>\n");
	}
	html_raw(h, "</ul></nav>\n");
}

static void
notice(const struct pages_ctx *c, struct html *h)
{
	static const char *const classes[] = {
		"notice", "notice notice-ok", "notice notice-warn",
		"notice notice-bad"
	};

	if (c->notice >= I18N_ID_COUNT) {
		return;
	}
	html_raw(h, "<div class=\"");
	html_raw(h, classes[c->tone <= PAGES_TONE_BAD ? c->tone : 0]);
	html_raw(h, c->tone == PAGES_TONE_BAD ? "\" role=\"alert\"><p>" :
		 "\" role=\"status\"><p>");
	html_text(h, T(c->notice));
	html_raw(h, "</p></div>\n");
}

static void
page_begin(const struct pages_ctx *c, struct html *h, const char *title,
	   int extra)
{
	html_raw(h, "<!doctype html>\n<html lang=\"");
	html_raw(h, i18n_code(c->lang));
	html_raw(h, "\">\n<head>\n<meta charset=\"utf-8\">\n"
		 "<meta name=\"viewport\" content=\"width=device-width, "
		 "initial-scale=1\">\n"
		 "<meta name=\"referrer\" content=\"same-origin\">\n");
	if (extra & HEAD_REFRESH) {
		html_raw(h, "<meta http-equiv=\"refresh\" content=\"2\">\n");
	}
	if (extra & HEAD_GO_HOME) {
		html_raw(h, "<meta http-equiv=\"refresh\" content=\"0; "
			 "url=/\">\n");
	}
	html_raw(h, "<title>");
	html_text(h, title);
	html_raw(h, " – mycert</title>\n<link rel=\"stylesheet\" href=\"");
	asset_link(h, "/static/style.css");
	html_raw(h, "\">\n<link rel=\"icon\" type=\"image/svg+xml\" "
		 "href=\"");
	asset_link(h, "/static/favicon.svg");
	html_raw(h, "\">\n");
	if (extra & HEAD_COPY_SCRIPT) {
		html_raw(h, "<script src=\"");
		asset_link(h, "/static/copy.js");
		html_raw(h, "\" defer></script>\n");
	}
	html_raw(h, "</head>\n<body>\n<a class=\"skip\" href=\"#main\">");
	html_text(h, T(I18N_SKIP));
	html_raw(h, "</a>\n<header class=\"top\"><div class=\"top-inner\">\n"
		 "<a class=\"brand\" href=\"/\"><span class=\"brand-name\">"
		 "mycert</span><span class=\"brand-tag\">");
	html_text(h, T(I18N_TAGLINE));
	html_raw(h, "</span></a>\n<div class=\"top-tools\">\n");
	language_switch(c, h);
	if (c->csrf != NULL) {
		html_raw(h, "<form method=\"post\" action=\"/logout\">\n");
		hidden_csrf(c, h);
		html_raw(h, "<button type=\"submit\" class=\"linklike\">");
		html_text(h, T(I18N_SIGN_OUT));
		html_raw(h, "</button></form>\n");
	}
	html_raw(h, "</div>\n</div></header>\n<main id=\"main\">\n");
	notice(c, h);
}

static void
page_end(const struct pages_ctx *c, struct html *h)
{
	html_raw(h, "</main>\n<footer><div class=\"foot-inner\">\n"
		 "<p><a href=\"/faq\">");
	html_text(h, T(I18N_FAQ_LINK));
	html_raw(h, "</a></p>\n<p>");
	html_text(h, T(I18N_FOOTER));
	html_raw(h, "</p>\n</div></footer>\n</body>\n</html>\n");
}

static void
paragraph(struct html *h, const char *cls, const char *text)
{
	if (cls != NULL) {
		html_raw(h, "<p class=\"");
		html_raw(h, cls);
		html_raw(h, "\">");
	} else {
		html_raw(h, "<p>");
	}
	html_text(h, text);
	html_raw(h, "</p>\n");
}

static void
heading(struct html *h, const char *title)
{
	html_raw(h, "<h1>");
	html_text(h, title);
	html_raw(h, "</h1>\n");
}

static void
step_label(const struct pages_ctx *c, struct html *h, int step)
{
	char n[4];

	snprintf(n, sizeof(n), "%d", step);
	html_raw(h, "<p class=\"step\">");
	html_subst(h, T(I18N_STEP_OF), n);
	html_raw(h, "</p>\n");
}

static void
link_button(struct html *h, const char *cls, const char *href,
	    const char *label)
{
	html_raw(h, "<a class=\"");
	html_raw(h, cls);
	html_raw(h, "\" href=\"");
	html_raw(h, href);
	html_raw(h, "\">");
	html_text(h, label);
	html_raw(h, "</a>\n");
}

/* A form holding one button that posts the CSRF token to action. */
static void
post_button(const struct pages_ctx *c, struct html *h, const char *action,
	    const char *cls, const char *label)
{
	html_raw(h, "<form method=\"post\" action=\"");
	html_raw(h, action);
	html_raw(h, "\">\n");
	hidden_csrf(c, h);
	html_raw(h, "<button type=\"submit\" class=\"");
	html_raw(h, cls);
	html_raw(h, "\">");
	html_text(h, label);
	html_raw(h, "</button>\n</form>\n");
}

static void
field_error_text(const struct pages_ctx *c, struct html *h,
		 const char *id, enum i18n_id error)
{
	if (error >= I18N_ID_COUNT) {
		return;
	}
	html_raw(h, "<p class=\"error-text\" id=\"");
	html_raw(h, id);
	html_raw(h, "\">");
	html_text(h, T(error));
	html_raw(h, "</p>\n");
}

static void
what_to_do(const struct pages_ctx *c, struct html *h, enum i18n_id text)
{
	html_raw(h, "<h2>");
	html_text(h, T(I18N_WHAT_TO_DO));
	html_raw(h, "</h2>\n");
	paragraph(h, NULL, T(text));
}

void
pages_login(const struct pages_ctx *c, struct html *out)
{
	page_begin(c, out, T(I18N_LOGIN_TITLE), HEAD_PLAIN);
	html_raw(out, "<div class=\"card\">\n");
	heading(out, T(I18N_LOGIN_TITLE));
	paragraph(out, "lead", T(I18N_LOGIN_TEXT));
	paragraph(out, NULL, T(I18N_LOGIN_HOW));
	if (c->dev_portal) {
		html_raw(out, "<div class=\"actions\">\n");
		link_button(out, "btn btn-secondary", "/dev/portal",
			    T(I18N_LOGIN_DEV));
		html_raw(out, "</div>\n");
	}
	html_raw(out, "</div>\n");
	page_end(c, out);
}

void
pages_refused(const struct pages_ctx *c, enum portal_access access,
	      struct html *out)
{
	enum i18n_id title = I18N_INVALID_TITLE, text = I18N_INVALID_TEXT,
		     todo = I18N_INVALID_DO;

	switch (access) {
	case PORTAL_ACCESS_NOT_PROFESSIONAL:
		title = I18N_NOT_PRO_TITLE;
		text = I18N_NOT_PRO_TEXT;
		todo = I18N_NOT_PRO_DO;
		break;
	case PORTAL_ACCESS_NOT_PRIMARY_ID:
		title = I18N_NOT_PRIMARY_TITLE;
		text = I18N_NOT_PRIMARY_TEXT;
		todo = I18N_NOT_PRIMARY_DO;
		break;
	case PORTAL_ACCESS_NOT_STRONG_LOGIN:
		title = I18N_NOT_STRONG_TITLE;
		text = I18N_NOT_STRONG_TEXT;
		todo = I18N_NOT_STRONG_DO;
		break;
	case PORTAL_ACCESS_RATE_LIMITED:
		title = I18N_RATE_TITLE;
		text = I18N_RATE_TEXT;
		todo = I18N_RATE_DO;
		break;
	default:
		break;
	}
	page_begin(c, out, T(title), HEAD_PLAIN);
	html_raw(out, "<div class=\"card\">\n");
	heading(out, T(title));
	paragraph(out, "lead", T(text));
	what_to_do(c, out, todo);
	html_raw(out, "</div>\n");
	page_end(c, out);
}

void
pages_signed_in(const struct pages_ctx *c, struct html *out)
{
	page_begin(c, out, T(I18N_SSO_CONTINUE_TITLE), HEAD_GO_HOME);
	html_raw(out, "<div class=\"card\">\n");
	heading(out, T(I18N_SSO_CONTINUE_TITLE));
	html_raw(out, "<div class=\"actions\">\n");
	link_button(out, "btn", "/", T(I18N_SSO_CONTINUE));
	html_raw(out, "</div>\n</div>\n");
	page_end(c, out);
}

static void
full_name(const struct portal_session *s, char *out, size_t n)
{
	snprintf(out, n, "%s %s", s->given_name, s->family_name);
}

static void
overview_row(struct html *h, const char *label, const char *value,
	     const char *cls)
{
	html_raw(h, "<tr><th scope=\"row\">");
	html_text(h, label);
	html_raw(h, "</th><td");
	if (cls != NULL) {
		html_raw(h, " class=\"");
		html_raw(h, cls);
		html_raw(h, "\"");
	}
	html_raw(h, ">");
	html_text(h, value);
	html_raw(h, "</td></tr>\n");
}

/* The CN of an RFC 2253 subject ("CN=Given Family,serialNumber=..."),
 * unescaped; the whole subject when it has none. */
static void
holder_name(const char *subject, char *out, size_t n)
{
	const char *p = subject;
	size_t o = 0;

	while (*p != '\0' && strncmp(p, "CN=", 3) != 0) {
		p = strchr(p, ',');	/* names escape their commas */
		while (p != NULL && p > subject && p[-1] == '\\') {
			p = strchr(p + 1, ',');
		}
		if (p == NULL) {
			snprintf(out, n, "%s", subject);
			return;
		}
		p++;
		while (*p == ' ') {
			p++;
		}
	}
	if (*p == '\0') {
		snprintf(out, n, "%s", subject);
		return;
	}
	for (p += 3; *p != '\0' && *p != ',' && o + 1 < n; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
		}
		out[o++] = *p;
	}
	out[o] = '\0';
}

static int
store_expired(const struct pages_ctx *c, const struct portal_store *st)
{
	return strcmp(st->status, "expired") == 0 ||
	       (st->not_after != 0 && st->not_after < c->now);
}

/* One store's table, under a title. */
static void
store_table(const struct pages_ctx *c, const struct portal_store *st,
	    enum i18n_id title, struct html *h)
{
	int expired = store_expired(c, st);
	int replaced = strcmp(st->status, "replaced") == 0 && !expired;
	char date[64], holder[sizeof(st->subject)];

	holder_name(st->subject, holder, sizeof(holder));
	html_raw(h, "<h2>");
	html_text(h, T(title));
	html_raw(h, "</h2>\n<table class=\"overview\">\n"
		 "<tr><th scope=\"row\">");
	html_text(h, T(I18N_STATUS));
	html_raw(h, expired ? "</th><td><span class=\"badge badge-bad\">" :
		 replaced ? "</th><td><span class=\"badge badge-warn\">" :
		 "</th><td><span class=\"badge badge-ok\">");
	html_text(h, T(expired ? I18N_STATUS_EXPIRED :
		       replaced ? I18N_STATUS_REPLACED : I18N_STATUS_ACTIVE));
	html_raw(h, "</span></td></tr>\n");
	overview_row(h, T(I18N_SERIAL), st->serial, "mono");
	overview_row(h, T(I18N_HOLDER), holder, NULL);
	overview_row(h, T(I18N_EMAIL), st->email, NULL);
	i18n_date(c->lang, st->issued_at != 0 ? st->issued_at :
		  st->not_before, date, sizeof(date));
	overview_row(h, T(I18N_ISSUED_ON), date, NULL);
	i18n_date(c->lang, st->not_after, date, sizeof(date));
	overview_row(h, T(I18N_EXPIRES_ON), date, NULL);
	html_raw(h, "</table>\n");
}

/* During a renewal's overlap: the old store, and the switch. */
static void
replaced_part(const struct pages_ctx *c, const struct portal_session *s,
	      struct html *h)
{
	char date[64];

	store_table(c, &s->replaced, I18N_HOME_REPLACED, h);
	if (s->store_pending || s->replaced_until == 0) {
		html_raw(h, "<div class=\"notice notice-warn\"><p>");
		html_text(h, T(I18N_HOME_SWITCH_WAIT));
		html_raw(h, "</p></div>\n");
		return;
	}
	i18n_date(c->lang, s->replaced_until, date, sizeof(date));
	html_raw(h, "<p>");
	html_subst(h, T(I18N_HOME_SWITCH_TEXT), date);
	html_raw(h, "</p>\n<div class=\"actions\">\n");
	post_button(c, h, "/renew/confirm", "btn", T(I18N_HOME_SWITCH));
	html_raw(h, "</div>\n");
}

static void
store_overview(const struct pages_ctx *c, const struct portal_session *s,
	       struct html *h)
{
	const struct portal_store *st = &s->store;
	char date[64];

	store_table(c, st, s->replaced.present ? I18N_HOME_NEW :
		    I18N_HOME_ACTIVE, h);
	if (store_expired(c, st)) {
		html_raw(h, "<div class=\"notice notice-warn\"><p>");
		html_text(h, T(I18N_HOME_EXPIRED_TEXT));
		html_raw(h, "</p></div>\n<div class=\"actions\">\n");
		link_button(h, "btn", "/terms", T(I18N_HOME_REQUEST));
		html_raw(h, "</div>\n");
		return;
	}
	if (s->replaced.present) {
		replaced_part(c, s, h);
	}
	if (s->renewable) {
		i18n_date(c->lang, st->not_after, date, sizeof(date));
		html_raw(h, "<p>");
		html_subst(h, T(I18N_HOME_RENEW_TEXT), date);
		html_raw(h, "</p>\n");
	}
	paragraph(h, "muted small", T(I18N_HOME_LOST));
	html_raw(h, "<div class=\"actions\">\n");
	if (s->renewable) {
		link_button(h, "btn", "/renew", T(I18N_RENEW));
	}
	link_button(h, "btn btn-secondary", "/deactivate",
		    T(I18N_DEACTIVATE));
	html_raw(h, "</div>\n");
}

static void
home_request(const struct pages_ctx *c, struct html *h)
{
	paragraph(h, "lead", T(I18N_HOME_NONE));
	paragraph(h, NULL, T(I18N_HOME_WHAT));
	paragraph(h, NULL, T(I18N_HOME_STEPS));
	html_raw(h, "<ol class=\"steps\">\n<li>");
	html_text(h, T(I18N_HOME_STEP1));
	html_raw(h, "</li>\n<li>");
	html_text(h, T(I18N_HOME_STEP2));
	html_raw(h, "</li>\n<li>");
	html_text(h, T(I18N_HOME_STEP3));
	html_raw(h, "</li>\n<li>");
	html_text(h, T(I18N_HOME_STEP4));
	html_raw(h, "</li>\n</ol>\n<div class=\"actions\">\n");
	link_button(h, "btn", "/terms", T(I18N_HOME_REQUEST));
	html_raw(h, "</div>\n");
}

/* After a failed generation, home offers to try again or give up. */
static void
home_failed(const struct pages_ctx *c, struct html *h)
{
	html_raw(h, "<div class=\"notice notice-warn\"><p>");
	html_text(h, T(I18N_FAILED_TEXT));
	html_raw(h, "</p></div>\n<div class=\"actions\">\n");
	post_button(c, h, "/retry", "btn", T(I18N_RETRY));
	post_button(c, h, "/cancel", "btn btn-secondary",
		    T(I18N_CANCEL_REQUEST));
	html_raw(h, "</div>\n");
}

static void
home_ready(const struct pages_ctx *c, const struct portal_session *s,
	   struct html *h)
{
	char until[16];

	i18n_time(s->download_until, until, sizeof(until));
	html_raw(h, "<div class=\"notice notice-ok\"><p>");
	html_subst(h, T(I18N_HOME_READY), until);
	html_raw(h, "</p><p><a href=\"/done\">");
	html_text(h, T(I18N_HOME_READY_LINK));
	html_raw(h, "</a></p></div>\n");
}

void
pages_home(const struct pages_ctx *c, const struct portal_session *s,
	   struct html *out)
{
	char name[1100];

	full_name(s, name, sizeof(name));
	page_begin(c, out, T(I18N_HOME_TITLE), HEAD_PLAIN);
	html_raw(out, "<div class=\"card\">\n");
	heading(out, T(I18N_HOME_TITLE));
	html_raw(out, "<p class=\"muted\">");
	html_subst(out, T(I18N_HOME_HELLO), name);
	html_raw(out, "</p>\n");
	if (s->step == PORTAL_STEP_ISSUED && s->download_ready) {
		home_ready(c, s, out);
	}
	if (s->step == PORTAL_STEP_FAILED) {
		home_failed(c, out);
	} else if (s->store.present) {
		store_overview(c, s, out);
	} else {
		home_request(c, out);
	}
	html_raw(out, "</div>\n");
	page_end(c, out);
}

/* The terms and their acceptance form, posted to action (/terms for a
 * request, /renew for a renewal). */
static void
terms_form(const struct pages_ctx *c, const char *terms_version,
	   const char *action, enum i18n_id field_error, struct html *out)
{
	static const enum i18n_id paragraphs[] = {
		I18N_TERMS_P1, I18N_TERMS_P2, I18N_TERMS_P3, I18N_TERMS_P4,
		I18N_TERMS_P5,
	};
	size_t i;

	html_raw(out, "<p class=\"muted small\">");
	html_subst(out, T(I18N_TERMS_VERSION), terms_version);
	html_raw(out, "</p>\n<div class=\"terms\">\n");
	for (i = 0; i < sizeof(paragraphs) / sizeof(paragraphs[0]); i++) {
		paragraph(out, NULL, T(paragraphs[i]));
	}
	html_raw(out, "</div>\n<form method=\"post\" action=\"");
	html_raw(out, action);
	html_raw(out, "\">\n");
	hidden_csrf(c, out);
	html_raw(out, "<div class=\"field\">\n<label class=\"check "
		 "check-strong\"><input type=\"checkbox\" name=\"accept\" "
		 "required");
	if (field_error < I18N_ID_COUNT) {
		html_raw(out, " aria-invalid=\"true\" "
			 "aria-describedby=\"accept-error\"");
	}
	html_raw(out, "> <span>");
	html_text(out, T(I18N_TERMS_ACCEPT));
	html_raw(out, "</span></label>\n");
	field_error_text(c, out, "accept-error", field_error);
	html_raw(out, "</div>\n<div class=\"actions\">\n"
		 "<button type=\"submit\" class=\"btn\">");
	html_text(out, T(I18N_CONTINUE));
	html_raw(out, "</button>\n");
	link_button(out, "btn btn-secondary", "/", T(I18N_BACK_HOME));
	html_raw(out, "</div>\n</form>\n");
}

void
pages_terms(const struct pages_ctx *c, const char *terms_version,
	    enum i18n_id field_error, struct html *out)
{
	page_begin(c, out, T(I18N_TERMS_TITLE), HEAD_PLAIN);
	html_raw(out, "<div class=\"card\">\n");
	step_label(c, out, 1);
	heading(out, T(I18N_TERMS_TITLE));
	terms_form(c, terms_version, "/terms", field_error, out);
	html_raw(out, "</div>\n");
	page_end(c, out);
}

void
pages_renew(const struct pages_ctx *c, const struct portal_session *s,
	    const char *terms_version, enum i18n_id field_error,
	    struct html *out)
{
	char date[64];

	i18n_date(c->lang, s->store.not_after, date, sizeof(date));
	page_begin(c, out, T(I18N_RENEW_TITLE), HEAD_PLAIN);
	html_raw(out, "<div class=\"card\">\n");
	step_label(c, out, 1);
	heading(out, T(I18N_RENEW_TITLE));
	html_raw(out, "<div class=\"notice\"><p>");
	html_subst(out, T(I18N_RENEW_INTRO), date);
	html_raw(out, "</p></div>\n<h2>");
	html_text(out, T(I18N_TERMS_TITLE));
	html_raw(out, "</h2>\n");
	terms_form(c, terms_version, "/renew", field_error, out);
	html_raw(out, "</div>\n");
	page_end(c, out);
}

static void
data_row(struct html *h, const char *label, const char *value,
	 const char *cls)
{
	html_raw(h, "<dt>");
	html_text(h, label);
	html_raw(h, cls != NULL ? "</dt><dd class=\"mono\">" : "</dt><dd>");
	html_text(h, value);
	html_raw(h, "</dd>\n");
}

void
pages_data(const struct pages_ctx *c, const struct portal_session *s,
	   const char *email, enum i18n_id field_error, struct html *out)
{
	char profession[300];

	snprintf(profession, sizeof(profession), "%s (%s)",
		 s->profession_label, s->profession_code);
	page_begin(c, out, T(I18N_DATA_TITLE), HEAD_PLAIN);
	html_raw(out, "<div class=\"card\">\n");
	step_label(c, out, 2);
	heading(out, T(I18N_DATA_TITLE));
	paragraph(out, NULL, T(I18N_DATA_INTRO));
	html_raw(out, "<dl class=\"data\">\n");
	data_row(out, T(I18N_GIVEN_NAME), s->given_name, NULL);
	data_row(out, T(I18N_FAMILY_NAME), s->family_name, NULL);
	data_row(out, T(I18N_EHEALTH_ID), s->ehealth_id, "mono");
	data_row(out, T(I18N_PROFESSION), profession, NULL);
	html_raw(out, "</dl>\n");
	paragraph(out, "muted small", T(I18N_DATA_WRONG));
	html_raw(out, "<form method=\"post\" action=\"/data\">\n");
	hidden_csrf(c, out);
	html_raw(out, "<div class=\"field\">\n<label for=\"email\">");
	html_text(out, T(I18N_EMAIL));
	html_raw(out, "</label>\n<span class=\"hint\" id=\"email-hint\">");
	html_text(out, T(I18N_EMAIL_HINT));
	html_raw(out, "</span>\n<input type=\"email\" id=\"email\" "
		 "name=\"email\" required maxlength=\"254\" "
		 "autocomplete=\"email\" spellcheck=\"false\" value=\"");
	html_text(out, email != NULL ? email : "");
	html_raw(out, "\"");
	if (field_error < I18N_ID_COUNT) {
		html_raw(out, " aria-invalid=\"true\" "
			 "aria-describedby=\"email-hint email-error\"");
	} else {
		html_raw(out, " aria-describedby=\"email-hint\"");
	}
	html_raw(out, ">\n");
	field_error_text(c, out, "email-error", field_error);
	html_raw(out, "</div>\n<div class=\"actions\">\n"
		 "<button type=\"submit\" name=\"action\" "
		 "value=\"validate\" class=\"btn\">");
	html_text(out, T(I18N_VALIDATE));
	html_raw(out, "</button>\n<button type=\"submit\" name=\"action\" "
		 "value=\"cancel\" formnovalidate class=\"btn "
		 "btn-secondary\">");
	html_text(out, T(I18N_CANCEL));
	html_raw(out, "</button>\n</div>\n</form>\n</div>\n");
	page_end(c, out);
}

void
pages_code(const struct pages_ctx *c, const struct portal_session *s,
	   enum i18n_id field_error, struct html *out)
{
	char n[16], until[16];

	i18n_time(s->code_expires, until, sizeof(until));
	page_begin(c, out, T(I18N_CODE_TITLE), HEAD_PLAIN);
	html_raw(out, "<div class=\"card\">\n");
	step_label(c, out, 3);
	heading(out, T(I18N_CODE_TITLE));
	html_raw(out, "<p>");
	html_subst(out, T(I18N_CODE_SENT_TO), s->email);
	html_raw(out, " ");
	html_subst(out, T(I18N_CODE_VALID), until);
	html_raw(out, "</p>\n<form method=\"post\" action=\"/code\">\n");
	hidden_csrf(c, out);
	html_raw(out, "<div class=\"field\">\n<label for=\"code\">");
	html_text(out, T(I18N_CODE_LABEL));
	html_raw(out, "</label>\n<span class=\"hint\" id=\"code-hint\">");
	html_text(out, T(I18N_CODE_HINT));
	html_raw(out, " · ");
	snprintf(n, sizeof(n), "%u", s->code_tries_left);
	html_subst(out, T(I18N_CODE_TRIES), n);
	html_raw(out, "</span>\n<input type=\"text\" class=\"code\" "
		 "id=\"code\" name=\"code\" required inputmode=\"numeric\" "
		 "pattern=\"[0-9]{6}\" minlength=\"6\" maxlength=\"6\" "
		 "autocomplete=\"one-time-code\" spellcheck=\"false\"");
	if (field_error < I18N_ID_COUNT) {
		html_raw(out, " aria-invalid=\"true\" "
			 "aria-describedby=\"code-hint code-error\"");
	} else {
		html_raw(out, " aria-describedby=\"code-hint\"");
	}
	html_raw(out, ">\n");
	field_error_text(c, out, "code-error", field_error);
	html_raw(out, "</div>\n<div class=\"actions\">\n<button "
		 "type=\"submit\" class=\"btn\">");
	html_text(out, T(I18N_CODE_SUBMIT));
	html_raw(out, "</button>\n</div>\n</form>\n"
		 "<div class=\"notice notice-warn\"><p>");
	html_text(out, T(I18N_CODE_PHONE));
	html_raw(out, "</p></div>\n");
	paragraph(out, "small", T(I18N_CODE_NOT_RECEIVED));
	html_raw(out, "<div class=\"actions\">\n");
	if (s->code_sends_left > 0) {
		post_button(c, out, "/code/resend", "btn btn-secondary",
			    T(I18N_CODE_RESEND));
	}
	post_button(c, out, "/cancel", "btn btn-secondary",
		    T(I18N_CANCEL_REQUEST));
	html_raw(out, "</div>\n<p class=\"muted small\">");
	snprintf(n, sizeof(n), "%u", s->code_sends_left);
	html_subst(out, T(I18N_CODE_SENDS), n);
	html_raw(out, "</p>\n</div>\n");
	page_end(c, out);
}

void
pages_progress(const struct pages_ctx *c, const struct portal_session *s,
	       struct html *out)
{
	char n[32];
	long elapsed = s->generation_started != 0 ?
		       (long)(c->now - s->generation_started) : 0;

	snprintf(n, sizeof(n), "%ld", elapsed < 0 ? 0 : elapsed);
	page_begin(c, out, T(I18N_PROGRESS_TITLE), HEAD_REFRESH);
	html_raw(out, "<div class=\"card\">\n");
	step_label(c, out, 4);
	heading(out, T(I18N_PROGRESS_TITLE));
	html_raw(out, "<div class=\"spinner\" aria-hidden=\"true\"></div>\n");
	paragraph(out, "lead", T(I18N_PROGRESS_STAY));
	html_raw(out, "<p class=\"muted\" role=\"status\">");
	html_subst(out, T(I18N_PROGRESS_ELAPSED), n);
	html_raw(out, "</p>\n<p class=\"small\"><a href=\"/progress\">");
	html_text(out, T(I18N_PROGRESS_REFRESH));
	html_raw(out, "</a></p>\n</div>\n");
	page_end(c, out);
}

void
pages_failed(const struct pages_ctx *c, const struct portal_session *s,
	     struct html *out)
{
	page_begin(c, out, T(I18N_FAILED_TITLE), HEAD_PLAIN);
	html_raw(out, "<div class=\"card\">\n");
	heading(out, T(I18N_FAILED_TITLE));
	paragraph(out, "lead", T(I18N_FAILED_TEXT));
	if (s->failure[0] != '\0') {
		html_raw(out, "<p class=\"muted small\">");
		html_subst(out, T(I18N_FAILED_DETAIL), s->failure);
		html_raw(out, "</p>\n");
	}
	html_raw(out, "<div class=\"actions\">\n");
	post_button(c, out, "/retry", "btn", T(I18N_RETRY));
	link_button(out, "btn btn-secondary", "/", T(I18N_BACK_HOME));
	html_raw(out, "</div>\n</div>\n");
	page_end(c, out);
}

/* The password in groups of 4, each its own <span>: the spacing is CSS,
 * so what is selected and copied is exactly the password. */
static void
password_box(struct html *h, const char *password)
{
	size_t i, n = strlen(password);
	char group[5];

	html_raw(h, "<p id=\"password\" class=\"password\" translate=\"no\">");
	for (i = 0; i < n; i += 4) {
		size_t len = n - i < 4 ? n - i : 4;

		memcpy(group, password + i, len);
		group[len] = '\0';
		html_raw(h, "<span>");
		html_text(h, group);
		html_raw(h, "</span>");
	}
	html_raw(h, "</p>\n");
	secret_wipe(group, sizeof(group));
}

static void
download_part(const struct pages_ctx *c, const struct portal_session *s,
	      struct html *h)
{
	char until[16];

	if (!s->download_ready) {
		paragraph(h, "muted", T(I18N_DOWNLOAD_GONE));
		return;
	}
	i18n_time(s->download_until, until, sizeof(until));
	html_raw(h, "<p>");
	html_subst(h, T(I18N_DOWNLOAD_UNTIL), until);
	html_raw(h, "</p>\n");
	paragraph(h, NULL, T(I18N_DOWNLOAD_RETRY));
}

void
pages_done(const struct pages_ctx *c, const struct portal_session *s,
	   const char *password, struct html *out)
{
	page_begin(c, out, T(I18N_DONE_TITLE),
		   password != NULL ? HEAD_COPY_SCRIPT : HEAD_PLAIN);
	html_raw(out, "<div class=\"card\">\n");
	step_label(c, out, 4);
	heading(out, T(I18N_DONE_TITLE));
	if (password != NULL) {
		html_raw(out, "<h2>");
		html_text(out, T(I18N_DONE_PASSWORD));
		html_raw(out, "</h2>\n");
		password_box(out, password);
		html_raw(out, "<div class=\"notice notice-warn\"><p>");
		html_text(out, T(I18N_DONE_ONCE));
		html_raw(out, "</p></div>\n<p><button type=\"button\" "
			 "id=\"copy\" class=\"btn btn-secondary\" "
			 "data-copied=\"");
		html_text(out, T(I18N_COPIED));
		html_raw(out, "\" hidden>");
		html_text(out, T(I18N_COPY));
		html_raw(out, "</button><span id=\"copy-status\" "
			 "class=\"copy-status\" role=\"status\"></span></p>\n");
	} else {
		html_raw(out, "<div class=\"notice notice-warn\"><p>");
		html_text(out, T(I18N_DONE_SHOWN));
		html_raw(out, "</p><p>");
		html_text(out, T(I18N_DONE_SHOWN_DO));
		html_raw(out, "</p></div>\n");
	}
	download_part(c, s, out);
	html_raw(out, "<div class=\"actions\">\n");
	if (s->download_ready) {
		html_raw(out, "<a class=\"btn\" href=\"/download\" download>");
		html_text(out, T(I18N_DOWNLOAD));
		html_raw(out, "</a>\n");
	}
	link_button(out, "btn btn-secondary", "/", T(I18N_BACK_HOME));
	html_raw(out, "</div>\n");
	if (s->download_ready) {
		post_button(c, out, "/download/saved", "btn btn-secondary",
			    T(I18N_DOWNLOAD_SAVED));
	}
	if (s->renewing) {
		paragraph(out, NULL, T(I18N_DONE_RENEWED));
	}
	paragraph(out, "muted small", T(I18N_DONE_INSTALL));
	html_raw(out, "</div>\n");
	page_end(c, out);
}

static void
reason_choice(const struct pages_ctx *c, struct html *h, int reason,
	      enum i18n_id label)
{
	html_rawf(h, "<label class=\"check\"><input type=\"radio\" "
		  "name=\"reason\" value=\"%d\" required> <span>", reason);
	html_text(h, T(label));
	html_raw(h, "</span></label>\n");
}

void
pages_deactivate(const struct pages_ctx *c, const struct portal_session *s,
		 enum i18n_id field_error, struct html *out)
{
	char holder[sizeof(s->store.subject)];

	page_begin(c, out, T(I18N_DEACT_TITLE), HEAD_PLAIN);
	html_raw(out, "<div class=\"card\">\n");
	heading(out, T(I18N_DEACT_TITLE));
	html_raw(out, "<div class=\"notice notice-bad\"><p>");
	html_text(out, T(I18N_DEACT_FINAL));
	html_raw(out, "</p></div>\n<table class=\"overview\">\n");
	holder_name(s->store.subject, holder, sizeof(holder));
	overview_row(out, T(I18N_SERIAL), s->store.serial, "mono");
	overview_row(out, T(I18N_HOLDER), holder, NULL);
	html_raw(out, "</table>\n");
	if (s->replaced.present) {
		html_raw(out, "<p>");
		html_subst(out, T(I18N_DEACT_BOTH), s->replaced.serial);
		html_raw(out, "</p>\n");
	}
	html_raw(out, "<form method=\"post\" action=\"/deactivate\">\n");
	hidden_csrf(c, out);
	html_raw(out, "<fieldset");
	if (field_error < I18N_ID_COUNT) {
		html_raw(out, " aria-describedby=\"deactivate-error\"");
	}
	html_raw(out, ">\n<legend>");
	html_text(out, T(I18N_DEACT_REASON));
	html_raw(out, "</legend>\n");
	reason_choice(c, out, PORTAL_REASON_CESSATION, I18N_REASON_CESSATION);
	reason_choice(c, out, PORTAL_REASON_UNSPECIFIED,
		      I18N_REASON_UNSPECIFIED);
	reason_choice(c, out, PORTAL_REASON_AFFILIATION_CHANGED,
		      I18N_REASON_AFFILIATION);
	reason_choice(c, out, PORTAL_REASON_KEY_COMPROMISE,
		      I18N_REASON_COMPROMISE);
	html_raw(out, "</fieldset>\n<div class=\"field\">\n<label "
		 "class=\"check check-strong\"><input type=\"checkbox\" "
		 "name=\"confirm\" value=\"yes\" required> <span>");
	html_text(out, T(I18N_DEACT_CONFIRM));
	html_raw(out, "</span></label>\n");
	field_error_text(c, out, "deactivate-error", field_error);
	html_raw(out, "</div>\n<div class=\"actions\">\n<button "
		 "type=\"submit\" class=\"btn btn-danger\">");
	html_text(out, T(I18N_DEACT_SUBMIT));
	html_raw(out, "</button>\n");
	link_button(out, "btn btn-secondary", "/", T(I18N_CANCEL));
	html_raw(out, "</div>\n</form>\n</div>\n");
	page_end(c, out);
}

void
pages_faq(const struct pages_ctx *c, struct html *out)
{
	static const enum i18n_id qa[][2] = {
		{ I18N_FAQ_Q1, I18N_FAQ_A1 }, { I18N_FAQ_Q2, I18N_FAQ_A2 },
		{ I18N_FAQ_Q3, I18N_FAQ_A3 }, { I18N_FAQ_Q4, I18N_FAQ_A4 },
		{ I18N_FAQ_Q5, I18N_FAQ_A5 }, { I18N_FAQ_Q6, I18N_FAQ_A6 },
	};
	size_t i;

	page_begin(c, out, T(I18N_FAQ_TITLE), HEAD_PLAIN);
	html_raw(out, "<div class=\"card faq\">\n");
	heading(out, T(I18N_FAQ_TITLE));
	for (i = 0; i < sizeof(qa) / sizeof(qa[0]); i++) {
		html_raw(out, "<h2>");
		html_text(out, T(qa[i][0]));
		html_raw(out, "</h2>\n");
		paragraph(out, NULL, T(qa[i][1]));
	}
	html_raw(out, "<div class=\"actions\">\n");
	link_button(out, "btn btn-secondary", "/", T(I18N_BACK_HOME));
	html_raw(out, "</div>\n</div>\n");
	page_end(c, out);
}

void
pages_error(const struct pages_ctx *c, unsigned status, struct html *out)
{
	static const struct {
		unsigned status;
		enum i18n_id title, text;
	} errors[] = {
		{ 400, I18N_E400_TITLE, I18N_E400_TEXT },
		{ 403, I18N_E403_TITLE, I18N_E403_TEXT },
		{ 404, I18N_E404_TITLE, I18N_E404_TEXT },
		{ 405, I18N_E405_TITLE, I18N_E405_TEXT },
		{ 410, I18N_E410_TITLE, I18N_E410_TEXT },
		{ 413, I18N_E413_TITLE, I18N_E413_TEXT },
		{ 415, I18N_E415_TITLE, I18N_E415_TEXT },
		{ 429, I18N_E429_TITLE, I18N_E429_TEXT },
		{ 500, I18N_E500_TITLE, I18N_E500_TEXT },
		{ 503, I18N_E503_TITLE, I18N_E503_TEXT },
	};
	size_t i, found = 8;	/* 500 */
	char code[8];

	for (i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		if (errors[i].status == status) {
			found = i;
		}
	}
	snprintf(code, sizeof(code), "%u", errors[found].status);
	page_begin(c, out, T(errors[found].title), HEAD_PLAIN);
	html_raw(out, "<div class=\"card\">\n<p class=\"step\">");
	html_subst(out, T(I18N_ERROR_CODE), code);
	html_raw(out, "</p>\n");
	heading(out, T(errors[found].title));
	paragraph(out, "lead", T(errors[found].text));
	html_raw(out, "<div class=\"actions\">\n");
	link_button(out, "btn", "/", T(I18N_BACK_HOME));
	html_raw(out, "</div>\n</div>\n");
	page_end(c, out);
}

void
pages_dev_portal(const struct pages_ctx *c,
		 const struct pages_persona *personas, size_t count,
		 struct html *out)
{
	size_t i;

	page_begin(c, out, T(I18N_DEV_TITLE), HEAD_PLAIN);
	html_raw(out, "<div class=\"card\">\n");
	heading(out, T(I18N_DEV_TITLE));
	html_raw(out, "<div class=\"notice notice-warn\"><p>");
	html_text(out, T(I18N_DEV_INTRO));
	html_raw(out, "</p></div>\n");
	for (i = 0; i < count; i++) {
		html_raw(out, "<form method=\"post\" action=\"/sso\" "
			 "class=\"persona\">\n<h2>");
		html_text(out, personas[i].name);
		html_raw(out, "</h2>\n<p class=\"muted small\">");
		html_text(out, personas[i].description);
		html_raw(out, "</p>\n<input type=\"hidden\" name=\"assertion\" "
			 "value=\"");
		html_text(out, personas[i].assertion);
		html_raw(out, "\">\n<button type=\"submit\" class=\"btn\" "
			 "name=\"persona\" value=\"");
		html_text(out, personas[i].key);
		html_raw(out, "\">");
		html_text(out, T(I18N_DEV_SIGN_IN));
		html_raw(out, "</button>\n</form>\n");
	}
	html_raw(out, "</div>\n");
	page_end(c, out);
}
