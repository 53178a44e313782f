/*
 * mail.c: the one-time code and the expiry reminder by email (see
 * mail.h).
 *
 * Runs in mycertd's request threads (codes), its housekeeping thread
 * (reminders) and in the test tool mail-send.  The untrusted input is the
 * recipient address, typed by the holder in a form: it reaches a header
 * only as a plain ASCII address, never with a line break.  The message
 * is built here (RFC 5322, quoted-printable UTF-8 body, RFC 2047 subject)
 * and delivered to an outbox folder or by SMTP through libcurl; this is
 * the only file of mycert that includes libcurl.  The message holds the
 * code, so every buffer that holds it is wiped.
 */
#include "mail.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "files.h"
#include "identity.h"
#include "secret.h"

#define MAIL_PASSWORD_MAX 1024	/* bytes of the SMTP password file */
#define MAIL_CODE_MAX 64	/* characters of a code */
#define MAIL_MINUTES_MAX 1440
#define MAIL_CONNECT_TIMEOUT 10L	/* seconds */
#define MAIL_TIMEOUT 30L		/* seconds, the whole exchange */
#define MAIL_QP_LINE 76		/* RFC 2045 6.7 */
#define MAIL_WORD_MAX 75	/* RFC 2047 2: an encoded word */

struct mailer {
	char *outbox;		/* a folder; NULL for SMTP */
	char *from;		/* the From: header, as configured */
	char *from_address;	/* its address, for the SMTP envelope */
	char *smtp_url;
	char *smtp_host;	/* for messages */
	char *smtp_user;	/* NULL: no authentication */
	char *smtp_password;	/* wiped in mail_close */
	char *smtp_ca_file;	/* NULL: the system's authorities */
	int curl_started;	/* curl_global_init succeeded */
};

/* A growing buffer of text.  It may hold the code: every copy left behind
 * by growth is wiped, and buf_wipe wipes the rest. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
	int failed;		/* an allocation failed; the text is cut */
};

/* What the message says, in one language.  The body lines are joined
 * with line breaks; the code comes on a line of its own. */
struct mail_text {
	const char *lang;
	const char *subject;
	const char *hello;
	const char *code_intro;
	const char *valid;		/* then the minutes, the unit */
	const char *minute;
	const char *minutes;
	const char *valid_end;
	const char *never_ask;
	const char *ignore;
	const char *automatic;
};

static const struct mail_text texts[] = {
	{
		"fr",
		"Votre code de vérification mycert",
		"Bonjour,",
		"Voici votre code de vérification mycert :",
		"Ce code est valable", "minute", "minutes", ".",
		"mycert ne vous demandera jamais ce code, ni par téléphone "
		"ni par email.\nNe le communiquez à personne.",
		"Si vous n'avez pas demandé ce code, vous pouvez ignorer ce "
		"message.",
		"Ce message est envoyé automatiquement ; merci de ne pas y "
		"répondre.",
	},
	{
		"en",
		"Your mycert verification code",
		"Hello,",
		"Here is your mycert verification code:",
		"This code is valid for", "minute", "minutes", ".",
		"mycert will never ask you for this code, by phone or by "
		"email.\nDo not share it with anyone.",
		"If you did not request this code, you can ignore this "
		"message.",
		"This message was sent automatically; please do not reply.",
	},
	{
		"de",
		"Ihr mycert-Bestätigungscode",
		"Guten Tag,",
		"Hier ist Ihr mycert-Bestätigungscode:",
		"Dieser Code ist", "Minute", "Minuten", " gültig.",
		"mycert wird Sie niemals per Telefon oder per E-Mail nach "
		"diesem Code fragen.\nGeben Sie ihn an niemanden weiter.",
		"Wenn Sie diesen Code nicht angefordert haben, können Sie "
		"diese Nachricht ignorieren.",
		"Diese Nachricht wurde automatisch versendet; bitte antworten "
		"Sie nicht darauf.",
	},
};

#define TEXT_COUNT (sizeof(texts) / sizeof(texts[0]))

/* What the expiry reminder says, in one language: the serial on a line
 * of its own, then "<expires> <date><expires_end>, <in> <n> <day(s)>."
 * or "..., <less_than_day>.". */
struct reminder_text {
	const char *lang;
	const char *subject;
	const char *hello;
	const char *store_intro;
	const char *expires;
	const char *expires_end;
	const char *in;
	const char *day;
	const char *days;
	const char *less_than_day;
	const char *renew;
	const char *without;
	const char *never_ask;
	const char *months[12];
};

static const struct reminder_text reminder_texts[] = {
	{
		"fr",
		"Votre magasin de certificats mycert expire bientôt",
		"Bonjour,",
		"Votre magasin de certificats mycert, de numéro de série",
		"expire le", "", "dans", "jour", "jours",
		"dans moins d'un jour",
		"Vous pouvez le renouveler dès maintenant : connectez-vous au "
		"portail de la plateforme e-santé, ouvrez « Mon certificat » "
		"et choisissez « Renouveler ». Votre magasin actuel reste "
		"valable jusqu'à ce que vous ayez installé le nouveau.",
		"Sans renouvellement, votre logiciel ne pourra plus se "
		"connecter aux services de la plateforme après cette date.",
		"mycert ne vous demandera jamais un code ou un mot de passe, "
		"ni par téléphone ni par email.",
		{ "janvier", "février", "mars", "avril", "mai", "juin",
		  "juillet", "août", "septembre", "octobre", "novembre",
		  "décembre" },
	},
	{
		"en",
		"Your mycert certificate store expires soon",
		"Hello,",
		"Your mycert certificate store, serial number",
		"expires on", "", "in", "day", "days", "in less than a day",
		"You can renew it now: sign in to the e-health platform "
		"portal, open \"My certificate\" and choose \"Renew\". Your "
		"current store stays valid until you have installed the new "
		"one.",
		"Without renewal, your software will no longer connect to the "
		"platform's services after that date.",
		"mycert will never ask you for a code or a password, by phone "
		"or by email.",
		{ "January", "February", "March", "April", "May", "June",
		  "July", "August", "September", "October", "November",
		  "December" },
	},
	{
		"de",
		"Ihr mycert-Zertifikatsspeicher läuft bald ab",
		"Guten Tag,",
		"Ihr mycert-Zertifikatsspeicher mit der Seriennummer",
		"läuft am", " ab", "in", "Tag", "Tagen",
		"in weniger als einem Tag",
		"Sie können ihn jetzt erneuern: Melden Sie sich beim Portal "
		"der E-Health-Plattform an, öffnen Sie „Mein Zertifikat“ und "
		"wählen Sie „Erneuern“. Ihr aktueller Speicher bleibt gültig, "
		"bis Sie den neuen installiert haben.",
		"Ohne Erneuerung kann sich Ihre Software nach diesem Datum "
		"nicht mehr bei den Diensten der Plattform anmelden.",
		"mycert wird Sie niemals per Telefon oder per E-Mail nach "
		"einem Code oder Passwort fragen.",
		{ "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli",
		  "August", "September", "Oktober", "November", "Dezember" },
	},
};

#define REMINDER_TEXT_COUNT (sizeof(reminder_texts) / sizeof(reminder_texts[0]))

/* --- buffers ------------------------------------------------------------- */

static void
buf_reserve(struct buf *b, size_t more)
{
	size_t cap = b->cap == 0 ? 1024 : b->cap;
	char *data;

	if (b->failed) {
		return;
	}
	if (more > SIZE_MAX / 4 - b->len) {
		b->failed = 1;
		return;
	}
	if (b->len + more + 1 <= b->cap) {
		return;
	}
	while (cap < b->len + more + 1) {
		cap *= 2;
	}
	/* Not realloc: the old block may hold the code and must be wiped. */
	data = malloc(cap);
	if (data == NULL) {
		b->failed = 1;
		return;
	}
	if (b->data != NULL) {
		memcpy(data, b->data, b->len + 1);
		secret_wipe(b->data, b->cap);
		free(b->data);
	} else {
		data[0] = '\0';
	}
	b->data = data;
	b->cap = cap;
}

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	if (b->failed) {
		return;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void
buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	buf_reserve(b, (size_t)n);
	if (b->failed) {
		return;
	}
	va_start(ap, fmt);
	(void)vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void
buf_wipe(struct buf *b)
{
	if (b->data != NULL) {
		secret_wipe(b->data, b->cap);
		free(b->data);
	}
	memset(b, 0, sizeof(*b));
}

/* --- checks -------------------------------------------------------------- */

/* Returns 1 when s is printable ASCII: no line break, no control. */
static int
printable_ascii(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s < 0x20 || *s > 0x7e) {
			return 0;
		}
	}
	return 1;
}

/* The address inside "Name <address>", or the whole of a bare address,
 * as a new string; NULL when from holds no valid address. */
static char *
from_address(const char *from)
{
	const char *open = strchr(from, '<');
	char *addr;
	size_t len;

	if (open == NULL) {
		addr = strdup(from);
	} else {
		len = strlen(open + 1);
		if (len < 2 || open[len] != '>') {
			return NULL;
		}
		addr = strndup(open + 1, len - 1);
	}
	if (addr != NULL && !identity_email_valid(addr)) {
		free(addr);
		addr = NULL;
	}
	return addr;
}

static int
check_from(const struct config *cfg, struct mailer *m, struct err *e)
{
	if (cfg->mail_from == NULL || !printable_ascii(cfg->mail_from)) {
		return err_set(e, ERR_CONFIG, "%s: mail_from must be set, in "
			       "printable ASCII (like mycert "
			       "<no-reply@example.org>)", cfg->path);
	}
	m->from = strdup(cfg->mail_from);
	m->from_address = from_address(cfg->mail_from);
	if (m->from == NULL || m->from_address == NULL) {
		return err_set(e, ERR_CONFIG, "%s: mail_from must be an "
			       "address or \"Name <address>\" (like mycert "
			       "<no-reply@example.org>)", cfg->path);
	}
	return 0;
}

static int
check_outbox(const struct config *cfg, struct mailer *m, struct err *e)
{
	const char *dir = cfg->mail_outbox;
	struct stat st;

	if (stat(dir, &st) != 0) {
		return err_set(e, ERR_CONFIG, "mail_outbox %s: %s; create the "
			       "folder or fix mail_outbox in %s", dir,
			       strerror(errno), cfg->path);
	}
	if (!S_ISDIR(st.st_mode)) {
		return err_set(e, ERR_CONFIG, "mail_outbox %s is not a "
			       "folder; fix mail_outbox in %s", dir,
			       cfg->path);
	}
	if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) != 0) {
		return err_set(e, ERR_CONFIG, "mail_outbox %s is not writable "
			       "by this user: %s", dir, strerror(errno));
	}
	m->outbox = strdup(dir);
	if (m->outbox == NULL) {
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	return 0;
}

/* Checks the URL with libcurl's own parser (the one that will use it):
 * scheme smtp or smtps, a host, no credentials (they belong in
 * mail_smtp_user and the password file). */
static int
check_smtp_url(const struct config *cfg, struct mailer *m, struct err *e)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *user = NULL;
	int rc = -1;

	if (u == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (!printable_ascii(cfg->mail_smtp_url) ||
	    curl_url_set(u, CURLUPART_URL, cfg->mail_smtp_url, 0) !=
	    CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		err_set(e, ERR_CONFIG, "%s: mail_smtp_url is not a URL like "
			"smtp://mail.example.org:587", cfg->path);
		goto out;
	}
	if (strcmp(scheme, "smtp") != 0 && strcmp(scheme, "smtps") != 0) {
		err_set(e, ERR_CONFIG, "%s: mail_smtp_url must start with "
			"smtp:// (STARTTLS) or smtps:// (TLS)", cfg->path);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
		err_set(e, ERR_CONFIG, "%s: mail_smtp_url must not hold a "
			"user or password; use mail_smtp_user and "
			"mail_smtp_password_file", cfg->path);
		goto out;
	}
	m->smtp_url = strdup(cfg->mail_smtp_url);
	m->smtp_host = strdup(host);
	if (m->smtp_url == NULL || m->smtp_host == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto out;
	}
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_url_cleanup(u);
	return rc;
}

static int
check_smtp_auth(const struct config *cfg, struct mailer *m, struct err *e)
{
	if (cfg->mail_smtp_user == NULL) {
		if (cfg->mail_smtp_password_file != NULL) {
			return err_set(e, ERR_CONFIG, "%s: "
				       "mail_smtp_password_file is set but "
				       "mail_smtp_user is not", cfg->path);
		}
		return 0;
	}
	if (!printable_ascii(cfg->mail_smtp_user)) {
		return err_set(e, ERR_CONFIG, "%s: mail_smtp_user must be "
			       "printable ASCII", cfg->path);
	}
	if (cfg->mail_smtp_password_file == NULL) {
		return err_set(e, ERR_CONFIG, "%s: mail_smtp_user is set but "
			       "mail_smtp_password_file is not", cfg->path);
	}
	m->smtp_user = strdup(cfg->mail_smtp_user);
	if (m->smtp_user == NULL) {
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	if (secret_read_file(cfg->mail_smtp_password_file, "SMTP password",
			     MAIL_PASSWORD_MAX, &m->smtp_password, e) != 0) {
		/* A settings problem: the message already says which. */
		e->code = ERR_CONFIG;
		return -1;
	}
	return 0;
}

static int
check_smtp_ca_file(const struct config *cfg, struct mailer *m,
		   struct err *e)
{
	int fd;

	if (cfg->mail_smtp_ca_file == NULL) {
		return 0;
	}
	fd = open(cfg->mail_smtp_ca_file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return err_set(e, ERR_CONFIG, "cannot read mail_smtp_ca_file "
			       "%s: %s", cfg->mail_smtp_ca_file,
			       strerror(errno));
	}
	close(fd);
	m->smtp_ca_file = strdup(cfg->mail_smtp_ca_file);
	if (m->smtp_ca_file == NULL) {
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	return 0;
}

static int
check_smtp(const struct config *cfg, struct mailer *m, struct err *e)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		return err_set(e, ERR_INTERNAL, "cannot start libcurl");
	}
	m->curl_started = 1;
	if (check_smtp_url(cfg, m, e) != 0 ||
	    check_smtp_auth(cfg, m, e) != 0 ||
	    check_smtp_ca_file(cfg, m, e) != 0) {
		return -1;
	}
	return 0;
}

int
mail_open(const struct config *cfg, struct mailer **out, struct err *e)
{
	struct mailer *m = NULL;
	int rc = -1;

	*out = NULL;
	if (cfg->mail_outbox == NULL && cfg->mail_smtp_url == NULL) {
		return err_set(e, ERR_CONFIG, "%s: no mail delivery is "
			       "configured; set mail_smtp_url (production) "
			       "or mail_outbox (a folder, for development)",
			       cfg->path);
	}
	if (cfg->mail_outbox != NULL && cfg->mail_smtp_url != NULL) {
		return err_set(e, ERR_CONFIG, "%s: set mail_outbox or "
			       "mail_smtp_url, not both", cfg->path);
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	if (check_from(cfg, m, e) != 0) {
		goto out;
	}
	if (cfg->mail_outbox != NULL) {
		if (check_outbox(cfg, m, e) != 0) {
			goto out;
		}
	} else if (check_smtp(cfg, m, e) != 0) {
		goto out;
	}
	*out = m;
	m = NULL;
	rc = 0;
out:
	mail_close(m);
	return rc;
}

void
mail_close(struct mailer *m)
{
	if (m == NULL) {
		return;
	}
	free(m->outbox);
	free(m->from);
	free(m->from_address);
	free(m->smtp_url);
	free(m->smtp_host);
	free(m->smtp_user);
	secret_free_string(m->smtp_password);
	free(m->smtp_ca_file);
	if (m->curl_started) {
		curl_global_cleanup();
	}
	free(m);
}

/* --- the message --------------------------------------------------------- */

static const struct mail_text *
text_for(const char *lang)
{
	size_t i;

	for (i = 0; lang != NULL && i < TEXT_COUNT; i++) {
		if (strcmp(lang, texts[i].lang) == 0) {
			return &texts[i];
		}
	}
	return &texts[0];
}

static int
random_hex(char *out, size_t bytes, struct err *e)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[32];
	size_t i;

	if (bytes > sizeof(raw) ||
	    getrandom(raw, bytes, 0) != (ssize_t)bytes) {
		return err_set(e, ERR_INTERNAL, "cannot read random bytes: %s",
			       strerror(errno));
	}
	for (i = 0; i < bytes; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 0x0f];
	}
	out[2 * bytes] = '\0';
	return 0;
}

/* "Tue, 03 Feb 2026 10:00:00 +0000", whatever the locale. */
static void
format_date(time_t now, char out[40])
{
	static const char *const days[] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
	};
	static const char *const months[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
	};
	struct tm tm;

	gmtime_r(&now, &tm);
	snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000",
		 days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Length of the UTF-8 sequence that starts with byte c (1 for ASCII and
 * for a stray byte, which is then encoded alone). */
static size_t
utf8_length(unsigned char c)
{
	if (c >= 0xf0 && c < 0xf8) {
		return 4;
	}
	if (c >= 0xe0) {
		return c < 0xf0 ? 3 : 1;
	}
	return c >= 0xc0 ? 2 : 1;
}

/* Returns 1 for a byte that an encoded word may hold as it is. */
static int
word_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	       (c >= 'a' && c <= 'z') || c == '-';
}

/* Adds text as a header value: as it is when printable ASCII, otherwise
 * as RFC 2047 "Q" encoded words of at most 75 characters, folded, never
 * cutting a UTF-8 sequence. */
static void
add_header_text(struct buf *b, const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)text;
	const char *head = "=?UTF-8?Q?";
	size_t word = 0, n, i;
	char piece[16];
	size_t plen;

	if (printable_ascii(text)) {
		buf_adds(b, text);
		return;
	}
	while (*p != '\0') {
		n = utf8_length(*p);
		for (i = 1; i < n; i++) {
			if (p[i] == '\0') {
				n = i;
				break;
			}
		}
		plen = 0;
		for (i = 0; i < n; i++) {
			if (p[i] == ' ') {
				piece[plen++] = '_';
			} else if (word_char(p[i])) {
				piece[plen++] = (char)p[i];
			} else {
				piece[plen++] = '=';
				piece[plen++] = hex[p[i] >> 4];
				piece[plen++] = hex[p[i] & 0x0f];
			}
		}
		if (word > 0 && word + plen + 2 > MAIL_WORD_MAX) {
			buf_adds(b, "?=\r\n ");
			word = 0;
		}
		if (word == 0) {
			buf_adds(b, head);
			word = strlen(head);
		}
		buf_add(b, piece, plen);
		word += plen;
		p += n;
	}
	buf_adds(b, "?=");
}

/* Adds text (lines separated by "\n") as a quoted-printable body with
 * CRLF line breaks and lines of at most 76 characters. */
static void
add_quoted_printable(struct buf *b, const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)text;
	size_t col = 0;
	char piece[4];
	size_t plen;
	int last;

	for (; *p != '\0'; p++) {
		if (*p == '\n') {
			buf_adds(b, "\r\n");
			col = 0;
			continue;
		}
		last = p[1] == '\n' || p[1] == '\0';
		if ((*p >= 33 && *p <= 126 && *p != '=') ||
		    ((*p == ' ' || *p == '\t') && !last)) {
			piece[0] = (char)*p;
			plen = 1;
		} else {
			piece[0] = '=';
			piece[1] = hex[*p >> 4];
			piece[2] = hex[*p & 0x0f];
			plen = 3;
		}
		/* Keep room for the "=" of a soft break, except on a line's
		 * last character. */
		if (col + plen + (last ? 0 : 1) > MAIL_QP_LINE) {
			buf_adds(b, "=\r\n");
			col = 0;
		}
		buf_add(b, piece, plen);
		col += plen;
	}
}

static void
add_body(struct buf *b, const struct mail_text *t, const char *code,
	 unsigned minutes)
{
	struct buf text = { 0 };

	buf_addf(&text, "%s\n\n%s\n\n    %s\n\n", t->hello, t->code_intro,
		 code);
	buf_addf(&text, "%s %u %s%s", t->valid, minutes,
		 minutes == 1 ? t->minute : t->minutes, t->valid_end);
	buf_addf(&text, "\n\n%s\n\n%s\n\n-- \n%s\n", t->never_ask,
		 t->ignore, t->automatic);
	if (text.failed) {
		b->failed = 1;
	} else {
		add_quoted_printable(b, text.data);
	}
	buf_wipe(&text);
}

/* Adds the headers of a message and the blank line after them. */
static int
add_headers(const struct mailer *m, const char *to, const char *subject,
	    const char *lang, time_t now, struct buf *b, struct err *e)
{
	char id[33], date[40];

	if (random_hex(id, 16, e) != 0) {
		return -1;
	}
	format_date(now, date);
	buf_addf(b, "From: %s\r\nTo: %s\r\nSubject: ", m->from, to);
	add_header_text(b, subject);
	buf_addf(b, "\r\nDate: %s\r\nMessage-ID: <%s@mycert>\r\n", date, id);
	buf_adds(b, "MIME-Version: 1.0\r\n"
		 "Content-Type: text/plain; charset=UTF-8\r\n"
		 "Content-Transfer-Encoding: quoted-printable\r\n"
		 "Content-Language: ");
	buf_adds(b, lang);
	buf_adds(b, "\r\nAuto-Submitted: auto-generated\r\n\r\n");
	return 0;
}

/* Builds the whole message into b (CRLF line breaks). */
static int
build_message(const struct mailer *m, const char *to, const char *code,
	      unsigned minutes, const char *lang, time_t now, struct buf *b,
	      struct err *e)
{
	const struct mail_text *t = text_for(lang);

	if (add_headers(m, to, t->subject, t->lang, now, b, e) != 0) {
		return -1;
	}
	add_body(b, t, code, minutes);
	if (b->failed) {
		return err_set(e, ERR_INTERNAL, "out of memory building the "
			       "message");
	}
	return 0;
}

static const struct reminder_text *
reminder_text_for(const char *lang)
{
	size_t i;

	for (i = 0; lang != NULL && i < REMINDER_TEXT_COUNT; i++) {
		if (strcmp(lang, reminder_texts[i].lang) == 0) {
			return &reminder_texts[i];
		}
	}
	return &reminder_texts[0];
}

/* "<expires> 4 décembre 2026<expires_end>, <in> 30 jours." */
static void
add_expiry(struct buf *b, const struct reminder_text *t, time_t not_after,
	   time_t now)
{
	long days = not_after > now ? (long)((not_after - now) / 86400) : 0;
	struct tm tm;

	if (localtime_r(&not_after, &tm) == NULL) {
		memset(&tm, 0, sizeof(tm));
	}
	buf_addf(b, strcmp(t->lang, "de") == 0 ? "%s %d. %s %d%s, " :
		 "%s %d %s %d%s, ", t->expires, tm.tm_mday,
		 t->months[tm.tm_mon % 12], tm.tm_year + 1900,
		 t->expires_end);
	if (days == 0) {
		buf_addf(b, "%s.", t->less_than_day);
	} else {
		buf_addf(b, "%s %ld %s.", t->in, days,
			 days == 1 ? t->day : t->days);
	}
}

static int
build_reminder(const struct mailer *m, const char *to, const char *serial,
	       time_t not_after, const char *lang, time_t now, struct buf *b,
	       struct err *e)
{
	const struct reminder_text *t = reminder_text_for(lang);
	struct buf text = { 0 };

	if (add_headers(m, to, t->subject, t->lang, now, b, e) != 0) {
		return -1;
	}
	buf_addf(&text, "%s\n\n%s\n\n    %s\n\n", t->hello, t->store_intro,
		 serial);
	add_expiry(&text, t, not_after, now);
	buf_addf(&text, "\n\n%s\n\n%s\n\n%s\n\n-- \n%s\n", t->renew,
		 t->without, t->never_ask, text_for(t->lang)->automatic);
	if (text.failed) {
		b->failed = 1;
	} else {
		add_quoted_printable(b, text.data);
	}
	buf_wipe(&text);
	if (b->failed) {
		return err_set(e, ERR_INTERNAL, "out of memory building the "
			       "message");
	}
	return 0;
}

static int
check_recipient(const char *to, struct err *e)
{
	if (to == NULL || strpbrk(to, "\r\n") != NULL) {
		return err_set(e, ERR_INPUT, "the recipient address holds a "
			       "line break; refused (header injection)");
	}
	if (!identity_email_valid(to)) {
		return err_set(e, ERR_INPUT, "the recipient address is not a "
			       "valid address of the form name@example.org "
			       "(ASCII only)");
	}
	return 0;
}

/* Returns 1 when s is 1 to max hex digits. */
static int
hex_text(const char *s, size_t max)
{
	size_t n = 0;

	for (; s != NULL && s[n] != '\0'; n++) {
		if (!isxdigit((unsigned char)s[n]) || n == max) {
			return 0;
		}
	}
	return n > 0;
}

static int
check_send_input(const char *to, const char *code, unsigned minutes,
		 struct err *e)
{
	size_t i, n;

	if (check_recipient(to, e) != 0) {
		return -1;
	}
	n = code == NULL ? 0 : strlen(code);
	if (n == 0 || n > MAIL_CODE_MAX) {
		return err_set(e, ERR_INPUT, "the code to send must be 1 to "
			       "%d letters, digits or hyphens", MAIL_CODE_MAX);
	}
	for (i = 0; i < n; i++) {
		if (!word_char((unsigned char)code[i])) {
			return err_set(e, ERR_INPUT, "the code to send must "
				       "be letters, digits or hyphens");
		}
	}
	if (minutes == 0 || minutes > MAIL_MINUTES_MAX) {
		return err_set(e, ERR_INPUT, "the validity of the code must "
			       "be 1 to %d minutes", MAIL_MINUTES_MAX);
	}
	return 0;
}

/* --- delivery: the outbox ------------------------------------------------ */

/* Writes the message to <outbox>/<UTC time>-<random>.eml, mode 0600:
 * first to a temporary name in the folder, then linked into place, so
 * that a reader of the folder never sees half a message. */
static int
deliver_outbox(const struct mailer *m, const struct buf *msg, time_t now,
	       struct err *e)
{
	char *path = NULL, *tmp = NULL;
	char stamp[32], rnd[17];
	struct tm tm;
	int rc = -1;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if (random_hex(rnd, 8, e) != 0) {
		goto out;
	}
	if (asprintf(&path, "%s/%s-%s.eml", m->outbox, stamp, rnd) < 0) {
		path = NULL;
		err_set(e, ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (files_write_temp(path, msg->data, msg->len, &tmp, e) != 0) {
		e->code = ERR_MAIL;
		goto out;
	}
	if (files_commit(tmp, path, e) != 0) {
		e->code = ERR_MAIL;
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	free(path);
	return rc;
}

/* --- delivery: SMTP ------------------------------------------------------ */

struct upload {
	const char *data;
	size_t len;
	size_t off;
};

static size_t
read_message(char *dst, size_t size, size_t count, void *arg)
{
	struct upload *u = arg;
	size_t n = u->len - u->off;

	if (n > size * count) {
		n = size * count;
	}
	memcpy(dst, u->data + u->off, n);
	u->off += n;
	return n;
}

/* What to tell the operator about a libcurl failure. */
static const char *
smtp_hint(CURLcode rc)
{
	switch (rc) {
	case CURLE_LOGIN_DENIED:
		return "; the server refused the authentication: check "
		       "mail_smtp_user and mail_smtp_password_file";
	case CURLE_USE_SSL_FAILED:
		return "; the server did not accept STARTTLS, and mycert "
		       "never sends mail without TLS";
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		return "; the server's TLS certificate was not verified: "
		       "check mail_smtp_ca_file and the host name in "
		       "mail_smtp_url";
	case CURLE_SSL_CONNECT_ERROR:
		return "; the TLS handshake failed";
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
		return "; check mail_smtp_url and that the server is up";
	default:
		return "";
	}
}

static int
smtp_error(const struct mailer *m, CURLcode rc, char *detail,
	   const char *code, struct err *e)
{
	/* libcurl's detail may quote the server; drop it if it ever holds
	 * a secret. */
	if ((code != NULL && strstr(detail, code) != NULL) ||
	    (m->smtp_password != NULL &&
	     strstr(detail, m->smtp_password) != NULL)) {
		detail[0] = '\0';
	}
	return err_set(e, ERR_MAIL, "cannot send the %s by SMTP through "
		       "%s: %s%s%s%s%s", code != NULL ? "code" : "reminder",
		       m->smtp_host, curl_easy_strerror(rc),
		       detail[0] != '\0' ? " (" : "", detail,
		       detail[0] != '\0' ? ")" : "", smtp_hint(rc));
}

static int
smtp_setup(CURL *c, const struct mailer *m, struct curl_slist *rcpt,
	   struct upload *u, char *errbuf)
{
	int ok = 1;

#define SET(opt, val) (ok = ok && curl_easy_setopt(c, opt, val) == CURLE_OK)
	SET(CURLOPT_URL, m->smtp_url);
	SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT, MAIL_CONNECT_TIMEOUT);
	SET(CURLOPT_TIMEOUT, MAIL_TIMEOUT);
	/* smtp://: STARTTLS or nothing; smtps:// is TLS from the start. */
	SET(CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (m->smtp_ca_file != NULL) {
		SET(CURLOPT_CAINFO, m->smtp_ca_file);
	}
	if (m->smtp_user != NULL) {
		SET(CURLOPT_USERNAME, m->smtp_user);
		SET(CURLOPT_PASSWORD, m->smtp_password);
	}
	SET(CURLOPT_MAIL_FROM, m->from_address);
	SET(CURLOPT_MAIL_RCPT, rcpt);
	SET(CURLOPT_READFUNCTION, read_message);
	SET(CURLOPT_READDATA, u);
	SET(CURLOPT_UPLOAD, 1L);
	SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)u->len);
#undef SET
	return ok ? 0 : -1;
}

/* Sends the message with a libcurl handle of its own, so that several
 * threads may send at once.  libcurl copies the message into its own
 * upload buffer, which it frees without wiping: a limit of this
 * delivery. */
static int
deliver_smtp(const struct mailer *m, const char *to, const char *code,
	     const struct buf *msg, struct err *e)
{
	struct upload u = { msg->data, msg->len, 0 };
	struct curl_slist *rcpt = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	char *rcpt_to = NULL;
	CURL *c = NULL;
	CURLcode rc;
	int status = -1;

	if (asprintf(&rcpt_to, "<%s>", to) < 0) {
		rcpt_to = NULL;
		err_set(e, ERR_INTERNAL, "out of memory");
		goto out;
	}
	c = curl_easy_init();
	rcpt = curl_slist_append(NULL, rcpt_to);
	if (c == NULL || rcpt == NULL ||
	    smtp_setup(c, m, rcpt, &u, errbuf) != 0) {
		err_set(e, ERR_INTERNAL, "cannot set up libcurl for SMTP");
		goto out;
	}
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		smtp_error(m, rc, errbuf, code, e);
		goto out;
	}
	status = 0;
out:
	if (c != NULL) {
		curl_easy_cleanup(c);
	}
	curl_slist_free_all(rcpt);
	free(rcpt_to);
	return status;
}

int
mail_send_code(struct mailer *m, const char *to, const char *code,
	       unsigned minutes, const char *lang, struct err *e)
{
	struct buf msg = { 0 };
	time_t now = time(NULL);
	int rc = -1;

	if (check_send_input(to, code, minutes, e) != 0) {
		goto out;
	}
	if (build_message(m, to, code, minutes, lang, now, &msg, e) != 0) {
		goto out;
	}
	if (m->outbox != NULL) {
		rc = deliver_outbox(m, &msg, now, e);
	} else {
		rc = deliver_smtp(m, to, code, &msg, e);
	}
out:
	buf_wipe(&msg);
	return rc;
}

int
mail_send_reminder(struct mailer *m, const char *to, const char *serial,
		   time_t not_after, time_t now, const char *lang,
		   struct err *e)
{
	struct buf msg = { 0 };
	int rc = -1;

	if (check_recipient(to, e) != 0) {
		return -1;
	}
	if (!hex_text(serial, MAIL_CODE_MAX)) {
		return err_set(e, ERR_INPUT, "the serial number to send must "
			       "be 1 to %d hex digits", MAIL_CODE_MAX);
	}
	if (build_reminder(m, to, serial, not_after, lang, now, &msg, e)) {
		goto out;
	}
	if (m->outbox != NULL) {
		rc = deliver_outbox(m, &msg, now, e);
	} else {
		rc = deliver_smtp(m, to, NULL, &msg, e);
	}
out:
	buf_wipe(&msg);
	return rc;
}
