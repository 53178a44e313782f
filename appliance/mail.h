/*
 * mail.h: the one-time code and the expiry reminder by email.
 *
 * Two deliveries, chosen by the configuration: an outbox folder (one file
 * per message, mode 0600, written atomically; for development and demos)
 * or SMTP through libcurl, with STARTTLS required on smtp:// (implicit TLS
 * on smtps://), the server's certificate verified (mail_smtp_ca_file or
 * the system's), and authentication when mail_smtp_user is set (password
 * from mail_smtp_password_file, mode 0600).  The message states the code,
 * its validity in minutes and that the appliance never asks for it by
 * phone; it holds no link.  The reminder states the store's serial,
 * its expiry date and the days left, and that it can be renewed in the
 * portal while it stays valid; it holds no link either.  Runs in
 * mycertd's request threads and its housekeeping: the mailer is safe to
 * use from several threads at once.
 */
#ifndef MYCERT_MAIL_H
#define MYCERT_MAIL_H

#include <time.h>

#include "config.h"
#include "err.h"

struct mailer;

/* Checks the mail settings of cfg (outbox folder exists and is writable,
 * or the SMTP URL and password file are usable).  No connection is made
 * here.  The mailer copies what it needs (cfg may be freed after) and
 * keeps the SMTP password until mail_close wipes it.  With SMTP it starts
 * libcurl (curl_global_init), which is not safe while other threads run:
 * call mail_open before starting threads.  Error ERR_CONFIG (or
 * ERR_INTERNAL) naming the setting to fix. */
int mail_open(const struct config *cfg, struct mailer **out, struct err *e)
	MUST_CHECK;

/* Wipes the password and frees m (NULL is fine).  Call it after the
 * threads that send have stopped: it also stops libcurl. */
void mail_close(struct mailer *m);

/* Sends the code to the address, in lang ("fr", "en" or "de"; anything
 * else is French), saying it is valid minutes minutes.  Error ERR_INPUT
 * for an address that is not a plain ASCII address or holds a line break
 * (header injection), a code that is not 1 to 64 letters, digits or
 * hyphens, or minutes not in 1..1440: nothing is sent.  Error ERR_MAIL
 * when the delivery failed, with a message for the log (never the code,
 * the password or the address).  Every copy of the message mycert made
 * is wiped. */
int mail_send_code(struct mailer *m, const char *to, const char *code,
		   unsigned minutes, const char *lang, struct err *e)
	MUST_CHECK;

/* Tells the holder at to that the store serial expires at not_after: the
 * local date and the whole days left at now ("less than a day" under
 * one), that it can be renewed in the portal and stays valid until the
 * new one is installed.  lang as for mail_send_code.  Error ERR_INPUT for
 * an address refused as above or a serial that is not 1 to 64 hex
 * digits: nothing is sent.  Error ERR_MAIL when the delivery failed, with
 * a message for the log (never the address). */
int mail_send_reminder(struct mailer *m, const char *to, const char *serial,
		       time_t not_after, time_t now, const char *lang,
		       struct err *e) MUST_CHECK;

#endif
