/*
 * test_pages.c: the CUnit suite of the front's templates (web/html.c,
 * web/i18n.c, web/pages.c, the built-in static files).
 *
 * Checks that every value is escaped, that every text exists in the
 * three languages, that every POST form carries the CSRF token, that the
 * password is shown in groups without any space in its text, and that no
 * page holds inline script or style.  Needs no token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "assets.h"
#include "html.h"
#include "i18n.h"
#include "pages.h"
#include "suites.h"

#define EVIL "<script>alert('x')</script> & \"q\""
#define EVIL_ESCAPED \
	"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
#define CSRF "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCd"

static void
evil_session(struct portal_session *s, enum portal_step step)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->csrf, sizeof(s->csrf), "%s", CSRF);
	snprintf(s->ehealth_id, sizeof(s->ehealth_id), "1234567890");
	snprintf(s->given_name, sizeof(s->given_name), "%s", EVIL);
	snprintf(s->family_name, sizeof(s->family_name), "D'Ornano<b>");
	snprintf(s->profession_code, sizeof(s->profession_code), "PS-001");
	snprintf(s->profession_label, sizeof(s->profession_label),
		 "Médecin");
	snprintf(s->email, sizeof(s->email), "a\"onmouseover=x@b.fr");
	snprintf(s->failure, sizeof(s->failure), "%s", EVIL);
	s->step = step;
	s->code_tries_left = 4;
	s->code_sends_left = 2;
	s->download_ready = 1;
	s->store.present = step == PORTAL_STEP_HOME;
	snprintf(s->store.serial, sizeof(s->store.serial), "0a1b2c");
	snprintf(s->store.subject, sizeof(s->store.subject), "CN=%s", EVIL);
	snprintf(s->store.email, sizeof(s->store.email), "%s", EVIL);
	snprintf(s->store.status, sizeof(s->store.status), "active");
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* Checks what every page must hold, then frees it. */
static void
check_page(struct html *h, const char *what)
{
	char msg[200];
	const char *d;

	snprintf(msg, sizeof(msg), "%s renders", what);
	CU_assertImplementation(!html_failed(h) && h->data != NULL, __LINE__,
				msg, __FILE__, "", CU_TRUE);
	d = h->data;
	snprintf(msg, sizeof(msg), "%s: no raw value from outside", what);
	CU_assertImplementation(strstr(d, "<script>alert") == NULL &&
				strstr(d, "<b>") == NULL &&
				strstr(d, "\"onmouseover") == NULL, __LINE__,
				msg, __FILE__, "", CU_FALSE);
	snprintf(msg, sizeof(msg), "%s: one CSRF field per POST form", what);
	CU_assertImplementation(count(d, "method=\"post\"") ==
				count(d, "name=\"csrf\" value=\"" CSRF "\""),
				__LINE__, msg, __FILE__, "", CU_FALSE);
	snprintf(msg, sizeof(msg), "%s: no inline script or style", what);
	CU_assertImplementation(count(d, "<script") ==
				count(d, "<script src=\"/static/") &&
				strstr(d, " style=") == NULL &&
				strstr(d, "<style") == NULL &&
				strstr(d, " onclick") == NULL, __LINE__, msg,
				__FILE__, "", CU_FALSE);
	snprintf(msg, sizeof(msg), "%s: layout and language", what);
	CU_assertImplementation(strstr(d, "<!doctype html>") == d &&
				strstr(d, "href=\"/faq\"") != NULL &&
				strstr(d, "/lang?to=en&amp;next=") != NULL &&
				strstr(d, "</html>") != NULL, __LINE__, msg,
				__FILE__, "", CU_FALSE);
	html_free(h);
}

static void
test_html_escapes(void)
{
	struct html h;
	size_t len;
	char *out;

	html_init(&h);
	html_raw(&h, "<p>");
	html_text(&h, EVIL);
	html_raw(&h, "</p>");
	out = html_take(&h, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_STRING_EQUAL(out, "<p>" EVIL_ESCAPED "</p>");
	CU_ASSERT_EQUAL(len, strlen(out));
	html_init(&h);
	html_subst(&h, "a<{}>b{}", "&");
	CU_ASSERT_STRING_EQUAL(h.data, "a&lt;&amp;&gt;b{}");
	html_free(&h);
	free(out);
}

static void
test_html_limit(void)
{
	static char big[64 * 1024];
	struct html h;
	size_t i, len;

	memset(big, 'x', sizeof(big) - 1);
	html_init(&h);
	for (i = 0; i < HTML_MAX_BYTES / (sizeof(big) - 1) + 2; i++) {
		html_raw(&h, big);
	}
	CU_ASSERT_TRUE(html_failed(&h));
	CU_ASSERT_PTR_NULL(html_take(&h, &len));
	CU_ASSERT_EQUAL(len, 0);
	html_free(&h);
}

static void
test_i18n_complete(void)
{
	enum i18n_id missing = I18N_ID_COUNT;
	char msg[80];
	int rc = i18n_check(&missing);

	snprintf(msg, sizeof(msg), "every text in fr, en, de (id %d)",
		 (int)missing);
	CU_assertImplementation(rc == 0, __LINE__, msg, __FILE__, "",
				CU_FALSE);
}

static void
test_i18n_choose(void)
{
	CU_ASSERT_EQUAL(i18n_choose(NULL, NULL), I18N_FR);
	CU_ASSERT_EQUAL(i18n_choose(NULL, "de-DE,de;q=0.9"), I18N_DE);
	CU_ASSERT_EQUAL(i18n_choose("en", "de"), I18N_EN);
	CU_ASSERT_EQUAL(i18n_choose("xx", "en"), I18N_EN);
	CU_ASSERT_EQUAL(i18n_choose("", "it"), I18N_FR);
	CU_ASSERT_STRING_EQUAL(i18n_code(I18N_DE), "de");
}

static void
ctx(struct pages_ctx *c, enum i18n_lang lang, const char *path)
{
	pages_ctx_init(c);
	c->lang = lang;
	c->path = path;
	c->csrf = CSRF;
	c->dev_portal = 1;
}

static void
test_pages_escape_values(void)
{
	static const enum portal_step steps[] = {
		PORTAL_STEP_HOME, PORTAL_STEP_FAILED, PORTAL_STEP_ISSUED,
	};
	enum i18n_lang lang;
	struct portal_session s;
	struct pages_ctx c;
	struct html h;
	size_t i;

	for (lang = 0; lang < I18N_LANG_COUNT; lang++) {
		ctx(&c, lang, "/");
		for (i = 0; i < 3; i++) {
			evil_session(&s, steps[i]);
			html_init(&h);
			pages_home(&c, &s, &h);
			check_page(&h, "home");
		}
		evil_session(&s, PORTAL_STEP_TERMS_ACCEPTED);
		html_init(&h);
		pages_data(&c, &s, EVIL, I18N_EMAIL_INVALID, &h);
		CU_ASSERT_PTR_NOT_NULL(strstr(h.data, "value=\"" EVIL_ESCAPED));
		CU_ASSERT_PTR_NOT_NULL(strstr(h.data, "Médecin (PS-001)"));
		check_page(&h, "data");
		html_init(&h);
		pages_code(&c, &s, I18N_CODE_WRONG, &h);
		CU_ASSERT_PTR_NOT_NULL(strstr(h.data,
			"autocomplete=\"one-time-code\""));
		CU_ASSERT_PTR_NOT_NULL(strstr(h.data, "inputmode=\"numeric\""));
		check_page(&h, "code");
		html_init(&h);
		pages_failed(&c, &s, &h);
		check_page(&h, "failed");
		html_init(&h);
		pages_progress(&c, &s, &h);
		CU_ASSERT_PTR_NOT_NULL(strstr(h.data,
			"<meta http-equiv=\"refresh\" content=\"2\">"));
		check_page(&h, "progress");
		evil_session(&s, PORTAL_STEP_HOME);
		html_init(&h);
		pages_deactivate(&c, &s, I18N_DEACT_MISSING, &h);
		check_page(&h, "deactivate");
		html_init(&h);
		pages_terms(&c, "2026-01<i>", I18N_ID_COUNT, &h);
		CU_ASSERT_PTR_NOT_NULL(strstr(h.data, "2026-01&lt;i&gt;"));
		check_page(&h, "terms");
	}
}

static void
test_pages_without_session(void)
{
	static const unsigned statuses[] = {
		400, 403, 404, 405, 410, 413, 415, 429, 500, 503, 999,
	};
	static const enum portal_access refusals[] = {
		PORTAL_ACCESS_NOT_PROFESSIONAL, PORTAL_ACCESS_NOT_PRIMARY_ID,
		PORTAL_ACCESS_NOT_STRONG_LOGIN, PORTAL_ACCESS_INVALID,
		PORTAL_ACCESS_RATE_LIMITED,
	};
	struct pages_ctx c;
	struct html h;
	size_t i;

	ctx(&c, I18N_DE, "/faq");
	c.csrf = NULL;
	html_init(&h);
	pages_login(&c, &h);
	CU_ASSERT_PTR_NOT_NULL(strstr(h.data, "href=\"/dev/portal\""));
	CU_ASSERT_PTR_NULL(strstr(h.data, "/logout"));
	check_page(&h, "login");
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		html_init(&h);
		pages_error(&c, statuses[i], &h);
		check_page(&h, "error");
	}
	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		html_init(&h);
		pages_refused(&c, refusals[i], &h);
		check_page(&h, "refused");
	}
	html_init(&h);
	pages_faq(&c, &h);
	CU_ASSERT_PTR_NOT_NULL(strstr(h.data, "next=%2Ffaq"));
	check_page(&h, "faq");
}

static void
test_password_groups(void)
{
	struct portal_session s;
	struct pages_ctx c;
	struct html h;

	ctx(&c, I18N_EN, "/done");
	evil_session(&s, PORTAL_STEP_ISSUED);
	html_init(&h);
	pages_done(&c, &s, "bcde2345fghj6789knpr", &h);
	CU_ASSERT_PTR_NOT_NULL(strstr(h.data,
		"<span>bcde</span><span>2345</span><span>fghj</span>"
		"<span>6789</span><span>knpr</span></p>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(h.data, "href=\"/download\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(h.data, "<script src=\"/static/copy.js"));
	check_page(&h, "done");
	html_init(&h);
	pages_done(&c, &s, NULL, &h);
	CU_ASSERT_PTR_NULL(strstr(h.data, "id=\"password\""));
	CU_ASSERT_PTR_NULL(strstr(h.data, "<script"));
	check_page(&h, "done, shown already");
}

static void
test_holder_name(void)
{
	struct portal_session s;
	struct pages_ctx c;
	struct html h;

	ctx(&c, I18N_FR, "/");
	evil_session(&s, PORTAL_STEP_HOME);
	snprintf(s.store.subject, sizeof(s.store.subject),
		 "serialNumber=8000000001, CN=Jean\\, Luc O\\'Connor,O=x");
	html_init(&h);
	pages_home(&c, &s, &h);
	CU_ASSERT_PTR_NOT_NULL(strstr(h.data,
				      "<td>Jean, Luc O&#39;Connor</td>"));
	check_page(&h, "home, holder");
}

/* A home with a current store expiring in ten days. */
static void
renewal_session(struct portal_session *s, time_t now)
{
	evil_session(s, PORTAL_STEP_HOME);
	s->store.issued_at = now - 355 * 86400;
	s->store.not_before = s->store.issued_at;
	s->store.not_after = now + 10 * 86400;
}

static void
test_home_renewal(void)
{
	struct portal_session s;
	struct pages_ctx c;
	struct html h;

	ctx(&c, I18N_EN, "/");
	renewal_session(&s, c.now);
	html_init(&h);
	pages_home(&c, &s, &h);
	CU_ASSERT_PTR_NULL(strstr(h.data, "href=\"/renew\""));
	check_page(&h, "home, outside the window");
	s.renewable = 1;
	html_init(&h);
	pages_home(&c, &s, &h);
	CU_ASSERT_PTR_NOT_NULL(strstr(h.data, "href=\"/renew\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(h.data, "href=\"/deactivate\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(h.data, "You can renew it now"));
	check_page(&h, "home, renewable");
	html_init(&h);
	pages_renew(&c, &s, "2026-01<i>", I18N_TERMS_REQUIRED, &h);
	CU_ASSERT_PTR_NOT_NULL(strstr(h.data, "action=\"/renew\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(h.data, "name=\"accept\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(h.data, "aria-invalid=\"true\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(h.data, "2026-01&lt;i&gt;"));
	check_page(&h, "renew");
}

static void
test_home_overlap(void)
{
	struct portal_session s;
	struct pages_ctx c;
	struct html h;
	enum i18n_lang lang;

	for (lang = 0; lang < I18N_LANG_COUNT; lang++) {
		ctx(&c, lang, "/");
		renewal_session(&s, c.now);
		s.replaced = s.store;
		snprintf(s.replaced.serial, sizeof(s.replaced.serial),
			 "0ld5e41");
		snprintf(s.replaced.status, sizeof(s.replaced.status),
			 "replaced");
		s.store_pending = 1;
		html_init(&h);
		pages_home(&c, &s, &h);
		CU_ASSERT_PTR_NOT_NULL(strstr(h.data, ">0ld5e41</td>"));
		CU_ASSERT_PTR_NOT_NULL(strstr(h.data, ">0a1b2c</td>"));
		CU_ASSERT_PTR_NOT_NULL(strstr(h.data, "badge-warn"));
		CU_ASSERT_PTR_NULL(strstr(h.data, "/renew/confirm"));
		check_page(&h, "home, overlap before the download");
		s.store_pending = 0;
		s.replaced_until = c.now + 14 * 86400;
		html_init(&h);
		pages_home(&c, &s, &h);
		CU_ASSERT_PTR_NOT_NULL(strstr(h.data,
			"action=\"/renew/confirm\""));
		CU_ASSERT_PTR_NULL(strstr(h.data, "href=\"/renew\""));
		check_page(&h, "home, overlap");
		html_init(&h);
		pages_deactivate(&c, &s, I18N_ID_COUNT, &h);
		CU_ASSERT_PTR_NOT_NULL(strstr(h.data, "(0ld5e41)"));
		check_page(&h, "deactivate, overlap");
		s.renewing = 1;
		s.step = PORTAL_STEP_ISSUED;
		html_init(&h);
		pages_done(&c, &s, NULL, &h);
		check_page(&h, "done, renewal");
	}
}

static void
test_home_expired(void)
{
	struct portal_session s;
	struct pages_ctx c;
	struct html h;

	ctx(&c, I18N_EN, "/");
	renewal_session(&s, c.now);
	s.store.not_after = c.now - 60;
	snprintf(s.store.status, sizeof(s.store.status), "expired");
	html_init(&h);
	pages_home(&c, &s, &h);
	CU_ASSERT_PTR_NOT_NULL(strstr(h.data, "badge-bad\">Expired"));
	CU_ASSERT_PTR_NOT_NULL(strstr(h.data, "href=\"/terms\""));
	CU_ASSERT_PTR_NULL(strstr(h.data, "href=\"/deactivate\""));
	CU_ASSERT_PTR_NULL(strstr(h.data, "href=\"/renew\""));
	check_page(&h, "home, expired");
}

static void
test_static_files(void)
{
	const struct assets_file *css = assets_find("/static/style.css");
	const struct assets_file *js = assets_find("/static/copy.js");

	CU_ASSERT_PTR_NOT_NULL_FATAL(css);
	CU_ASSERT_PTR_NOT_NULL_FATAL(js);
	CU_ASSERT_TRUE(css->len > 100);
	CU_ASSERT_STRING_EQUAL(css->type, "text/css; charset=utf-8");
	CU_ASSERT_EQUAL(css->etag[0], '"');
	CU_ASSERT_PTR_NULL(assets_find("/static/../web.c"));
	CU_ASSERT_PTR_NULL(assets_find("/static/"));
}

int
test_pages_register(void)
{
	CU_pSuite s = CU_add_suite("pages", NULL, NULL);

	if (s == NULL ||
	    CU_add_test(s, "escapes & < > \" ' in values",
			test_html_escapes) == NULL ||
	    CU_add_test(s, "refuses pages past HTML_MAX_BYTES",
			test_html_limit) == NULL ||
	    CU_add_test(s, "has every text in French, English and German",
			test_i18n_complete) == NULL ||
	    CU_add_test(s, "chooses the language: cookie, header, French",
			test_i18n_choose) == NULL ||
	    CU_add_test(s, "renders names full of HTML specials escaped",
			test_pages_escape_values) == NULL ||
	    CU_add_test(s, "renders sign-in, refusal, error and FAQ pages",
			test_pages_without_session) == NULL ||
	    CU_add_test(s, "shows the password in groups, no space in it",
			test_password_groups) == NULL ||
	    CU_add_test(s, "shows the holder as the subject's CN",
			test_holder_name) == NULL ||
	    CU_add_test(s, "offers Renew only inside the renewal window",
			test_home_renewal) == NULL ||
	    CU_add_test(s, "shows both stores and the switch during an "
			"overlap", test_home_overlap) == NULL ||
	    CU_add_test(s, "shows an expired store and offers a new request",
			test_home_expired) == NULL ||
	    CU_add_test(s, "builds in the static files with an ETag",
			test_static_files) == NULL) {
		return -1;
	}
	return 0;
}
