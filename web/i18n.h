/*
 * i18n.h: every text a person reads on the pages, in French (the
 * default), English and German.
 *
 * Texts are plain UTF-8, never markup: templates escape them like any
 * other value.  A text may hold one "{}" that html_subst fills.  The
 * language comes from the lang cookie (set by the switch on every page),
 * else from Accept-Language, else French.  Pure tables; runs in mycertd.
 */
#ifndef MYCERT_I18N_H
#define MYCERT_I18N_H

#include <stddef.h>
#include <time.h>

enum i18n_lang {
	I18N_FR = 0,
	I18N_EN,
	I18N_DE,
	I18N_LANG_COUNT
};

enum i18n_id {
	/* layout */
	I18N_TAGLINE,
	I18N_SKIP,
	I18N_LANGUAGE,
	I18N_SIGN_OUT,
	I18N_FAQ_LINK,
	I18N_FOOTER,
	I18N_BACK_HOME,
	I18N_WHAT_TO_DO,
	I18N_STEP_OF,

	/* sign-in needed */
	I18N_LOGIN_TITLE,
	I18N_LOGIN_TEXT,
	I18N_LOGIN_HOW,
	I18N_LOGIN_EXPIRED,
	I18N_LOGIN_SIGNED_OUT,
	I18N_LOGIN_DEV,
	I18N_SSO_CONTINUE_TITLE,
	I18N_SSO_CONTINUE,

	/* access refused, one per condition */
	I18N_NOT_PRO_TITLE,
	I18N_NOT_PRO_TEXT,
	I18N_NOT_PRO_DO,
	I18N_NOT_PRIMARY_TITLE,
	I18N_NOT_PRIMARY_TEXT,
	I18N_NOT_PRIMARY_DO,
	I18N_NOT_STRONG_TITLE,
	I18N_NOT_STRONG_TEXT,
	I18N_NOT_STRONG_DO,
	I18N_INVALID_TITLE,
	I18N_INVALID_TEXT,
	I18N_INVALID_DO,
	I18N_RATE_TITLE,
	I18N_RATE_TEXT,
	I18N_RATE_DO,

	/* home */
	I18N_HOME_TITLE,
	I18N_HOME_HELLO,
	I18N_HOME_NONE,
	I18N_HOME_WHAT,
	I18N_HOME_STEPS,
	I18N_HOME_STEP1,
	I18N_HOME_STEP2,
	I18N_HOME_STEP3,
	I18N_HOME_STEP4,
	I18N_HOME_REQUEST,
	I18N_HOME_ACTIVE,
	I18N_STATUS,
	I18N_STATUS_ACTIVE,
	I18N_STATUS_EXPIRED,
	I18N_SERIAL,
	I18N_HOLDER,
	I18N_EMAIL,
	I18N_ISSUED_ON,
	I18N_EXPIRES_ON,
	I18N_DEACTIVATE,
	I18N_HOME_LOST,
	I18N_HOME_READY,
	I18N_HOME_READY_LINK,
	I18N_NOTICE_DEACTIVATED,
	I18N_NOTICE_CANCELLED,
	I18N_NOTICE_ACTIVE_EXISTS,
	I18N_NOTICE_LOCKED,

	/* renewal and expiry */
	I18N_STATUS_REPLACED,
	I18N_HOME_NEW,
	I18N_HOME_REPLACED,
	I18N_HOME_SWITCH_WAIT,
	I18N_HOME_SWITCH_TEXT,
	I18N_HOME_SWITCH,
	I18N_HOME_RENEW_TEXT,
	I18N_RENEW,
	I18N_HOME_EXPIRED_TEXT,
	I18N_NOTICE_SWITCHED,
	I18N_NOTICE_RENEW_UNAVAILABLE,
	I18N_RENEW_TITLE,
	I18N_RENEW_INTRO,
	I18N_DONE_RENEWED,
	I18N_DEACT_BOTH,

	/* terms */
	I18N_TERMS_TITLE,
	I18N_TERMS_VERSION,
	I18N_TERMS_P1,
	I18N_TERMS_P2,
	I18N_TERMS_P3,
	I18N_TERMS_P4,
	I18N_TERMS_P5,
	I18N_TERMS_ACCEPT,
	I18N_TERMS_REQUIRED,
	I18N_CONTINUE,

	/* data check */
	I18N_DATA_TITLE,
	I18N_DATA_INTRO,
	I18N_GIVEN_NAME,
	I18N_FAMILY_NAME,
	I18N_EHEALTH_ID,
	I18N_PROFESSION,
	I18N_DATA_WRONG,
	I18N_EMAIL_HINT,
	I18N_EMAIL_INVALID,
	I18N_MAIL_FAILED,
	I18N_VALIDATE,
	I18N_CANCEL,

	/* code */
	I18N_CODE_TITLE,
	I18N_CODE_SENT_TO,
	I18N_CODE_VALID,
	I18N_CODE_LABEL,
	I18N_CODE_HINT,
	I18N_CODE_TRIES,
	I18N_CODE_SUBMIT,
	I18N_CODE_PHONE,
	I18N_CODE_NOT_RECEIVED,
	I18N_CODE_RESEND,
	I18N_CODE_SENDS,
	I18N_CODE_WRONG,
	I18N_CODE_FORMAT,
	I18N_CODE_EXPIRED,
	I18N_CODE_RESENT,
	I18N_CODE_RESEND_LIMIT,
	I18N_CANCEL_REQUEST,

	/* progress and failure */
	I18N_PROGRESS_TITLE,
	I18N_PROGRESS_STAY,
	I18N_PROGRESS_ELAPSED,
	I18N_PROGRESS_REFRESH,
	I18N_FAILED_TITLE,
	I18N_FAILED_TEXT,
	I18N_FAILED_DETAIL,
	I18N_RETRY,

	/* success */
	I18N_DONE_TITLE,
	I18N_DONE_PASSWORD,
	I18N_DONE_ONCE,
	I18N_COPY,
	I18N_COPIED,
	I18N_DOWNLOAD,
	I18N_DOWNLOAD_UNTIL,
	I18N_DONE_INSTALL,
	I18N_DONE_SHOWN,
	I18N_DONE_SHOWN_DO,
	I18N_DOWNLOAD_GONE,
	I18N_DOWNLOAD_RETRY,
	I18N_DOWNLOAD_SAVED,

	/* deactivation */
	I18N_DEACT_TITLE,
	I18N_DEACT_FINAL,
	I18N_DEACT_REASON,
	I18N_REASON_CESSATION,
	I18N_REASON_UNSPECIFIED,
	I18N_REASON_AFFILIATION,
	I18N_REASON_COMPROMISE,
	I18N_DEACT_CONFIRM,
	I18N_DEACT_SUBMIT,
	I18N_DEACT_MISSING,
	I18N_DEACT_NONE,

	/* FAQ */
	I18N_FAQ_TITLE,
	I18N_FAQ_Q1,
	I18N_FAQ_A1,
	I18N_FAQ_Q2,
	I18N_FAQ_A2,
	I18N_FAQ_Q3,
	I18N_FAQ_A3,
	I18N_FAQ_Q4,
	I18N_FAQ_A4,
	I18N_FAQ_Q5,
	I18N_FAQ_A5,
	I18N_FAQ_Q6,
	I18N_FAQ_A6,

	/* errors */
	I18N_ERROR_CODE,
	I18N_E400_TITLE,
	I18N_E400_TEXT,
	I18N_E403_TITLE,
	I18N_E403_TEXT,
	I18N_E404_TITLE,
	I18N_E404_TEXT,
	I18N_E405_TITLE,
	I18N_E405_TEXT,
	I18N_E410_TITLE,
	I18N_E410_TEXT,
	I18N_E413_TITLE,
	I18N_E413_TEXT,
	I18N_E415_TITLE,
	I18N_E415_TEXT,
	I18N_E429_TITLE,
	I18N_E429_TEXT,
	I18N_E500_TITLE,
	I18N_E500_TEXT,
	I18N_E503_TITLE,
	I18N_E503_TEXT,

	/* development portal */
	I18N_DEV_TITLE,
	I18N_DEV_INTRO,
	I18N_DEV_SIGN_IN,

	I18N_ID_COUNT
};

/* 0 when every text exists in the three languages, with as many "{}"
 * in each; else -1 and *missing names the first faulty text (tests). */
int i18n_check(enum i18n_id *missing);

/* The text of id in lang (never NULL). */
const char *i18n_get(enum i18n_lang lang, enum i18n_id id);

/* "fr", "en" or "de". */
const char *i18n_code(enum i18n_lang lang);

/* The language's own name ("Français"). */
const char *i18n_name(enum i18n_lang lang);

/* Finds the language of a two-letter code; -1 when not supported. */
int i18n_from_code(const char *code, enum i18n_lang *out);

/* The language for a lang cookie value (may be NULL) and an
 * Accept-Language header (may be NULL). */
enum i18n_lang i18n_choose(const char *cookie, const char *accept_language);

/* Writes t as a local date in lang ("4 décembre 2026", "4 December 2026",
 * "4. Dezember 2026"). */
void i18n_date(enum i18n_lang lang, time_t t, char *out, size_t n);

/* Writes t as a local time of day ("15:04"). */
void i18n_time(time_t t, char *out, size_t n);

#endif
