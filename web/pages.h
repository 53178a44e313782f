/*
 * pages.h: the HTML pages of the professional's flow (DESIGN.md section
 * 1, steps 2 to 10), the access-refused pages and the error pages.
 *
 * Every page shares one layout: a header with the product name, the
 * language switch and (when signed in) a sign-out button, the main
 * column, and a footer with the FAQ link.  Every value put into a page
 * is escaped (html.h); every POST form carries the session's CSRF token
 * in a hidden "csrf" field.  No inline script or style: the only script
 * is /static/copy.js on the success page.  Pages hold no state and do no
 * I/O; routes.c decides which page to show.  Runs in mycertd.
 */
#ifndef MYCERT_PAGES_H
#define MYCERT_PAGES_H

#include <stddef.h>
#include <time.h>

#include "html.h"
#include "i18n.h"
#include "portal.h"

enum pages_tone {
	PAGES_TONE_INFO = 0,
	PAGES_TONE_OK,
	PAGES_TONE_WARN,
	PAGES_TONE_BAD,
};

/* What every page needs to know. */
struct pages_ctx {
	enum i18n_lang lang;
	const char *path;	/* the page's own path, for the language
				 * switch to come back to */
	const char *csrf;	/* the session's CSRF token; NULL when
				 * signed out (no sign-out button) */
	int dev_portal;		/* link the development portal */
	enum i18n_id notice;	/* a message on top; I18N_ID_COUNT: none */
	enum pages_tone tone;
	time_t now;
};

/* A persona of the development portal, with its fresh assertion. */
struct pages_persona {
	const char *key;
	const char *description;
	const char *name;
	const char *assertion;
};

/* A pages_ctx with no notice, French, path "/". */
void pages_ctx_init(struct pages_ctx *c);

/* Each function appends a whole document to out; check html_failed(out)
 * afterwards.  field_error is the message shown at the form's field
 * (I18N_ID_COUNT: none). */
void pages_login(const struct pages_ctx *c, struct html *out);
void pages_refused(const struct pages_ctx *c, enum portal_access access,
		   struct html *out);
void pages_signed_in(const struct pages_ctx *c, struct html *out);
void pages_home(const struct pages_ctx *c, const struct portal_session *s,
		struct html *out);
void pages_terms(const struct pages_ctx *c, const char *terms_version,
		 enum i18n_id field_error, struct html *out);
/* The first step of a renewal: the terms, posted to /renew. */
void pages_renew(const struct pages_ctx *c, const struct portal_session *s,
		 const char *terms_version, enum i18n_id field_error,
		 struct html *out);
void pages_data(const struct pages_ctx *c, const struct portal_session *s,
		const char *email, enum i18n_id field_error, struct html *out);
void pages_code(const struct pages_ctx *c, const struct portal_session *s,
		enum i18n_id field_error, struct html *out);
void pages_progress(const struct pages_ctx *c,
		    const struct portal_session *s, struct html *out);
void pages_failed(const struct pages_ctx *c, const struct portal_session *s,
		  struct html *out);

/* password: the password to show once, or NULL when it was shown
 * already. */
void pages_done(const struct pages_ctx *c, const struct portal_session *s,
		const char *password, struct html *out);
void pages_deactivate(const struct pages_ctx *c,
		      const struct portal_session *s,
		      enum i18n_id field_error, struct html *out);
void pages_faq(const struct pages_ctx *c, struct html *out);

/* The error page of an HTTP status (400, 403, 404, 405, 410, 413, 415,
 * 429, 500, 503; anything else reads as 500). */
void pages_error(const struct pages_ctx *c, unsigned status,
		 struct html *out);
void pages_dev_portal(const struct pages_ctx *c,
		      const struct pages_persona *personas, size_t count,
		      struct html *out);

#endif
