/*
 * test_mail.c: the CUnit suite of mail.c.
 *
 * Sends codes to a temporary outbox folder and reads the files back:
 * one file of mode 0600 per message, the headers, and a body (decoded
 * from quoted-printable) that states the code, its validity and that
 * mycert never asks for it, with no link, in French, English and German.
 * Then the refusals: line breaks in the address (header injection), bad
 * addresses and codes, bad outbox folders and SMTP settings, and an SMTP
 * server that does not answer (a closed port on 127.0.0.1).  The
 * expiry reminder likewise: serial, date, days left, renewal in the
 * portal, no link, three languages, and its refusals.  Needs no token
 * and sends no mail anywhere.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "fixture.h"
#include "mail.h"
#include "suites.h"

#define TEST_CONF "/nonexistent-mycert-test/mycertd.conf"
#define TEST_FROM "mycert <no-reply@mycert.invalid>"
#define TEST_TO "holder@example.org"
#define TEST_CODE "4827-1936"

/* What one language must say. */
struct expect {
	const char *lang;
	const char *subject;	/* the header, as encoded */
	const char *content_language;
	const char *validity;	/* for 5 minutes */
	const char *never_ask;
	const char *ignore;
};

static const struct expect expect_fr = {
	"fr",
	"=?UTF-8?Q?Votre_code_de_v=C3=A9rification_mycert?=",
	"fr",
	"Ce code est valable 5 minutes.",
	"mycert ne vous demandera jamais ce code, ni par téléphone ni par "
	"email.",
	"Si vous n'avez pas demandé ce code, vous pouvez ignorer ce message.",
};

static const struct expect expect_en = {
	"en",
	"Your mycert verification code",
	"en",
	"This code is valid for 5 minutes.",
	"mycert will never ask you for this code, by phone or by email.",
	"If you did not request this code, you can ignore this message.",
};

static const struct expect expect_de = {
	"de",
	"=?UTF-8?Q?Ihr_mycert-Best=C3=A4tigungscode?=",
	"de",
	"Dieser Code ist 5 Minuten gültig.",
	"mycert wird Sie niemals per Telefon oder per E-Mail nach diesem "
	"Code fragen.",
	"Wenn Sie diesen Code nicht angefordert haben, können Sie diese "
	"Nachricht ignorieren.",
};

/* Records an assertion whose failure message names the input. */
static void
check(int ok, int line, const char *what, const char *input)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%.200s (input \"%.200s\")", what,
		 input != NULL ? input : "(null)");
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned)line, msg,
				__FILE__, "", CU_FALSE);
}

/* A configuration with only the mail settings, delivering to outbox. */
static struct config
outbox_config(char *outbox)
{
	struct config cfg = { 0 };

	cfg.path = TEST_CONF;
	cfg.mail_from = TEST_FROM;
	cfg.mail_outbox = outbox;
	return cfg;
}

/* The number of entries in dir; the name of the first in *name
 * (malloc'd, may be NULL). */
static int
dir_entries(const char *dir, char **name)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (name != NULL) {
		*name = NULL;
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0) {
			continue;
		}
		if (n++ == 0 && name != NULL) {
			*name = strdup(de->d_name);
		}
	}
	closedir(d);
	return n;
}

/* Removes the files of the flat folder dir, then dir, and frees dir. */
static void
remove_dir(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4096];

	while (d != NULL && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
		}
	}
	if (d != NULL) {
		closedir(d);
	}
	CU_ASSERT_EQUAL(rmdir(dir), 0);
	free(dir);
}

/* The whole content of path, NUL-terminated (malloc'd). */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t len = 0, cap = 0, n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	do {
		if (cap - len < 4096) {
			cap = cap * 2 + 4096;
			data = realloc(data, cap + 1);
			CU_ASSERT_PTR_NOT_NULL_FATAL(data);
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	data[len] = '\0';
	return data;
}

/* The value of the header name in msg (unfolded, malloc'd), or NULL. */
static char *
header(const char *msg, const char *name)
{
	size_t nlen = strlen(name);
	const char *p = msg, *end;
	char *value, *w;

	while (*p != '\0' && strncmp(p, "\r\n", 2) != 0) {
		end = strstr(p, "\r\n");
		if (end == NULL) {
			return NULL;
		}
		if (strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
			p += nlen + 1;
			p += *p == ' ';
			while (end[2] == ' ' || end[2] == '\t') {
				end = strstr(end + 2, "\r\n");
			}
			value = strndup(p, (size_t)(end - p));
			CU_ASSERT_PTR_NOT_NULL_FATAL(value);
			/* Unfold: drop each CRLF before a space. */
			for (w = value, p = value; *p != '\0'; p++) {
				if (strncmp(p, "\r\n", 2) == 0) {
					p++;
					continue;
				}
				*w++ = *p;
			}
			*w = '\0';
			return value;
		}
		p = end + 2;
	}
	return NULL;
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

/* The body of msg decoded from quoted-printable, with "\n" line breaks
 * (malloc'd); NULL when the encoding is broken. */
static char *
body_decoded(const char *msg)
{
	const char *p = strstr(msg, "\r\n\r\n");
	char *out, *w;
	int hi, lo;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	out = malloc(strlen(p) + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	for (w = out, p += 4; *p != '\0'; p++) {
		if (strncmp(p, "=\r\n", 3) == 0) {
			p += 2;
		} else if (*p == '=') {
			hi = hex_value(p[1]);
			lo = hi < 0 ? -1 : hex_value(p[2]);
			if (lo < 0) {
				free(out);
				return NULL;
			}
			*w++ = (char)(hi * 16 + lo);
			p += 2;
		} else if (strncmp(p, "\r\n", 2) == 0) {
			*w++ = '\n';
			p++;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	return out;
}

/* Checks that every line of msg ends with CRLF and is at most 78
 * characters, and that it holds no link. */
static void
check_lines(const char *msg, int line)
{
	const char *p = msg, *end;
	int ok = 1;

	while (*p != '\0') {
		end = strchr(p, '\n');
		if (end == NULL || end == p || end[-1] != '\r' ||
		    end - p - 1 > 78) {
			ok = 0;
			break;
		}
		p = end + 1;
	}
	check(ok, line, "lines end with CRLF, at most 78 characters", p);
	check(strcasestr(msg, "http") == NULL, line, "no http in the message",
	      "");
	check(strstr(msg, "://") == NULL, line, "no :// in the message", "");
}

static void
check_header(const char *msg, const char *name, const char *want,
	     int line)
{
	char *got = header(msg, name);

	check(got != NULL && strcmp(got, want) == 0, line, name,
	      got != NULL ? got : "(missing)");
	free(got);
}

static void
check_headers(const char *msg, const struct expect *x)
{
	char *date = header(msg, "Date"), *id = header(msg, "Message-ID");
	regex_t re;

	check_header(msg, "From", TEST_FROM, __LINE__);
	check_header(msg, "To", TEST_TO, __LINE__);
	check_header(msg, "Subject", x->subject, __LINE__);
	check_header(msg, "MIME-Version", "1.0", __LINE__);
	check_header(msg, "Content-Type", "text/plain; charset=UTF-8",
		     __LINE__);
	check_header(msg, "Content-Transfer-Encoding", "quoted-printable",
		     __LINE__);
	check_header(msg, "Content-Language", x->content_language, __LINE__);
	check_header(msg, "Auto-Submitted", "auto-generated", __LINE__);
	CU_ASSERT_EQUAL_FATAL(regcomp(&re, "^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), "
				      "[0-9]{2} [A-Z][a-z]{2} [0-9]{4} "
				      "[0-9]{2}:[0-9]{2}:[0-9]{2} \\+0000$",
				      REG_EXTENDED | REG_NOSUB), 0);
	check(date != NULL && regexec(&re, date, 0, NULL, 0) == 0, __LINE__,
	      "Date in RFC 5322 form", date);
	regfree(&re);
	CU_ASSERT_EQUAL_FATAL(regcomp(&re, "^<[0-9a-f]{32}@mycert>$",
				      REG_EXTENDED | REG_NOSUB), 0);
	check(id != NULL && regexec(&re, id, 0, NULL, 0) == 0, __LINE__,
	      "Message-ID random@mycert", id);
	regfree(&re);
	free(date);
	free(id);
}

static void
check_body(const char *msg, const struct expect *x)
{
	char *body = body_decoded(msg);
	char code_line[64];

	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	snprintf(code_line, sizeof(code_line), "\n    %s\n", TEST_CODE);
	check(strstr(body, code_line) != NULL, __LINE__,
	      "the code on a line of its own", body);
	check(strstr(body, x->validity) != NULL, __LINE__, x->validity, body);
	check(strstr(body, x->never_ask) != NULL, __LINE__, x->never_ask,
	      body);
	check(strstr(body, x->ignore) != NULL, __LINE__, x->ignore, body);
	check(strcasestr(body, "http") == NULL, __LINE__, "no http", body);
	check(strstr(body, "://") == NULL, __LINE__, "no ://", body);
	check(strstr(body, "www.") == NULL, __LINE__, "no www.", body);
	free(body);
}

/* Sends TEST_CODE in lang to a new outbox and checks the one file. */
static void
send_and_check(const char *lang, const struct expect *x)
{
	char *dir = fixture_temp_dir(), *name = NULL, *path = NULL;
	char *msg = NULL;
	struct config cfg = outbox_config(dir);
	struct mailer *m = NULL;
	struct err e = { 0 };
	struct stat st;
	regex_t re;

	CU_ASSERT_EQUAL_FATAL(mail_open(&cfg, &m, &e), 0);
	check(mail_send_code(m, TEST_TO, TEST_CODE, 5, lang, &e) == 0,
	      __LINE__, "mail_send_code", e.msg);
	mail_close(m);
	CU_ASSERT_EQUAL_FATAL(dir_entries(dir, &name), 1);
	CU_ASSERT_EQUAL_FATAL(regcomp(&re, "^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{16}"
				      "\\.eml$", REG_EXTENDED | REG_NOSUB),
			      0);
	check(regexec(&re, name, 0, NULL, 0) == 0, __LINE__,
	      "named <UTC time>-<random>.eml", name);
	regfree(&re);
	CU_ASSERT_FATAL(asprintf(&path, "%s/%s", dir, name) > 0);
	CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
	CU_ASSERT_TRUE(S_ISREG(st.st_mode));
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	msg = slurp(path);
	check(strstr(msg, TEST_CODE) != NULL, __LINE__, "the file holds the "
	      "code", lang);
	check_lines(msg, __LINE__);
	check_headers(msg, x);
	check_body(msg, x);
	free(msg);
	free(path);
	free(name);
	remove_dir(dir);
}

static void
test_french(void)
{
	send_and_check("fr", &expect_fr);
}

static void
test_english(void)
{
	send_and_check("en", &expect_en);
}

static void
test_german(void)
{
	send_and_check("de", &expect_de);
}

static void
test_unknown_language(void)
{
	send_and_check("es", &expect_fr);
	send_and_check(NULL, &expect_fr);
	send_and_check("", &expect_fr);
}

static void
test_one_minute(void)
{
	static const struct {
		const char *lang;
		const char *validity;
	} cases[] = {
		{ "fr", "Ce code est valable 1 minute." },
		{ "en", "This code is valid for 1 minute." },
		{ "de", "Dieser Code ist 1 Minute gültig." },
	};
	char *dir = fixture_temp_dir(), *name = NULL, *path = NULL;
	char *msg, *body;
	struct config cfg = outbox_config(dir);
	struct mailer *m = NULL;
	struct err e = { 0 };
	size_t i;

	CU_ASSERT_EQUAL_FATAL(mail_open(&cfg, &m, &e), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(mail_send_code(m, TEST_TO, "123456", 1,
						     cases[i].lang, &e), 0);
		CU_ASSERT_EQUAL_FATAL(dir_entries(dir, &name), 1);
		CU_ASSERT_FATAL(asprintf(&path, "%s/%s", dir, name) > 0);
		msg = slurp(path);
		body = body_decoded(msg);
		check(body != NULL && strstr(body, cases[i].validity) != NULL,
		      __LINE__, cases[i].validity, body);
		unlink(path);
		free(body);
		free(msg);
		free(path);
		free(name);
	}
	mail_close(m);
	remove_dir(dir);
}

static void
test_two_messages(void)
{
	char *dir = fixture_temp_dir();
	struct config cfg = outbox_config(dir);
	struct mailer *m = NULL;
	struct err e = { 0 };

	CU_ASSERT_EQUAL_FATAL(mail_open(&cfg, &m, &e), 0);
	CU_ASSERT_EQUAL(mail_send_code(m, TEST_TO, "111111", 5, "fr", &e), 0);
	CU_ASSERT_EQUAL(mail_send_code(m, TEST_TO, "222222", 5, "fr", &e), 0);
	CU_ASSERT_EQUAL(dir_entries(dir, NULL), 2);
	mail_close(m);
	remove_dir(dir);
}

/* Checks that sending to to (code, minutes) is refused with ERR_INPUT,
 * without the code in the message, and that the outbox stays empty. */
static void
expect_send_refused(struct mailer *m, const char *dir, const char *to,
		    const char *code, unsigned minutes, int line)
{
	struct err e = { 0 };

	check(mail_send_code(m, to, code, minutes, "fr", &e) == -1, line,
	      "mail_send_code refuses", to);
	check(e.code == ERR_INPUT, line, "code is ERR_INPUT", e.msg);
	check(code == NULL || code[0] == '\0' || strstr(e.msg, code) == NULL,
	      line, "the message does not hold the code", e.msg);
	check(dir_entries(dir, NULL) == 0, line, "nothing written", to);
}

static void
test_header_injection(void)
{
	static const char *const tos[] = {
		TEST_TO "\r\nBcc: other@example.org",
		TEST_TO "\nBcc: other@example.org",
		TEST_TO "\r",
		"\r\n" TEST_TO,
		"holder\r\n@example.org",
	};
	char *dir = fixture_temp_dir();
	struct config cfg = outbox_config(dir);
	struct mailer *m = NULL;
	struct err e = { 0 };
	size_t i;

	CU_ASSERT_EQUAL_FATAL(mail_open(&cfg, &m, &e), 0);
	for (i = 0; i < sizeof(tos) / sizeof(tos[0]); i++) {
		expect_send_refused(m, dir, tos[i], TEST_CODE, 5, __LINE__);
		memset(&e, 0, sizeof(e));
		check(mail_send_code(m, tos[i], TEST_CODE, 5, "en", &e) ==
		      -1 && strstr(e.msg, "line break") != NULL, __LINE__,
		      "the message names the line break", e.msg);
	}
	mail_close(m);
	remove_dir(dir);
}

static void
test_bad_input(void)
{
	static const char *const tos[] = {
		"", "holder", "@example.org", "holder@", "holder@example",
		"Holder <holder@example.org>", "holder@example.org, x@y.org",
		"hol der@example.org", "hélène@example.org",
	};
	static const char *const codes[] = {
		"", "12 34", "1234\r\n", "12\n.\n34", "1234=", "<a>",
		"12345678901234567890123456789012345678901234567890123456789"
		"012345",
	};
	char *dir = fixture_temp_dir();
	struct config cfg = outbox_config(dir);
	struct mailer *m = NULL;
	struct err e = { 0 };
	size_t i;

	CU_ASSERT_EQUAL_FATAL(mail_open(&cfg, &m, &e), 0);
	for (i = 0; i < sizeof(tos) / sizeof(tos[0]); i++) {
		expect_send_refused(m, dir, tos[i], TEST_CODE, 5, __LINE__);
	}
	expect_send_refused(m, dir, NULL, TEST_CODE, 5, __LINE__);
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		expect_send_refused(m, dir, TEST_TO, codes[i], 5, __LINE__);
	}
	expect_send_refused(m, dir, TEST_TO, NULL, 5, __LINE__);
	expect_send_refused(m, dir, TEST_TO, TEST_CODE, 0, __LINE__);
	expect_send_refused(m, dir, TEST_TO, TEST_CODE, 1441, __LINE__);
	mail_close(m);
	remove_dir(dir);
}

/* Checks that mail_open refuses cfg with ERR_CONFIG and a message holding
 * needle. */
static void
expect_open_refused(const struct config *cfg, const char *needle,
		    int line)
{
	struct mailer *m = NULL;
	struct err e = { 0 };

	check(mail_open(cfg, &m, &e) == -1, line, "mail_open refuses",
	      needle);
	check(m == NULL, line, "no mailer on error", needle);
	check(e.code == ERR_CONFIG, line, "code is ERR_CONFIG", e.msg);
	check(strstr(e.msg, needle) != NULL, line, needle, e.msg);
	mail_close(m);
}

static void
test_bad_outbox(void)
{
	char *dir = fixture_temp_dir(), *file = NULL, *missing = NULL;
	struct config cfg = { 0 };
	int fd;

	CU_ASSERT_FATAL(asprintf(&missing, "%s/missing", dir) > 0);
	CU_ASSERT_FATAL(asprintf(&file, "%s/file", dir) > 0);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);

	cfg = outbox_config(missing);
	expect_open_refused(&cfg, "No such file", __LINE__);
	cfg = outbox_config(file);
	expect_open_refused(&cfg, "is not a folder", __LINE__);
	/* root writes anywhere: a read-only folder refuses only others. */
	if (geteuid() != 0) {
		CU_ASSERT_EQUAL(chmod(dir, 0500), 0);
		cfg = outbox_config(dir);
		expect_open_refused(&cfg, "is not writable", __LINE__);
		CU_ASSERT_EQUAL(chmod(dir, 0700), 0);
	}
	unlink(file);
	free(file);
	free(missing);
	remove_dir(dir);
}

static void
test_no_delivery(void)
{
	struct config cfg = outbox_config(NULL);
	char *dir = fixture_temp_dir();

	expect_open_refused(&cfg, "no mail delivery is configured", __LINE__);
	cfg.mail_outbox = dir;
	cfg.mail_smtp_url = "smtp://127.0.0.1:25";
	expect_open_refused(&cfg, "not both", __LINE__);
	remove_dir(dir);
}

static void
test_bad_from(void)
{
	static char *const froms[] = {
		"no address", "mycert <no-reply@mycert.invalid",
		"mycert <>",
		"mycert <no-reply@mycert.invalid>\r\nBcc: x@y.org",
		"Mycért <no-reply@mycert.invalid>",
	};
	char *dir = fixture_temp_dir();
	struct config cfg = outbox_config(dir);
	size_t i;

	for (i = 0; i < sizeof(froms) / sizeof(froms[0]); i++) {
		cfg.mail_from = froms[i];
		expect_open_refused(&cfg, "mail_from", __LINE__);
	}
	cfg.mail_from = NULL;
	expect_open_refused(&cfg, "mail_from", __LINE__);
	remove_dir(dir);
}

/* A configuration that sends by SMTP to url, authenticating as user with
 * the password in the file password_file. */
static struct config
smtp_config(char *url, char *user, char *password_file)
{
	struct config cfg = { 0 };

	cfg.path = TEST_CONF;
	cfg.mail_from = TEST_FROM;
	cfg.mail_smtp_url = url;
	cfg.mail_smtp_user = user;
	cfg.mail_smtp_password_file = password_file;
	return cfg;
}

static void
test_smtp_settings(void)
{
	char *pw = fixture_secret_file("s3cret-Pa55\n");
	char *pw_dir = strdup(pw);
	struct config cfg;
	struct mailer *m = NULL;
	struct err e = { 0 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(pw_dir);
	*strrchr(pw_dir, '/') = '\0';

	/* Good settings open without any connection. */
	cfg = smtp_config("smtp://127.0.0.1:1", "mycert", pw);
	check(mail_open(&cfg, &m, &e) == 0, __LINE__, "opens", e.msg);
	mail_close(m);
	m = NULL;
	cfg = smtp_config("smtps://127.0.0.1:1/mycert.invalid", NULL, NULL);
	check(mail_open(&cfg, &m, &e) == 0, __LINE__, "opens", e.msg);
	mail_close(m);

	cfg = smtp_config("http://127.0.0.1:1", NULL, NULL);
	expect_open_refused(&cfg, "smtp://", __LINE__);
	cfg = smtp_config("smtp://", NULL, NULL);
	expect_open_refused(&cfg, "mail_smtp_url", __LINE__);
	cfg = smtp_config("smtp://mycert:pw@127.0.0.1:1", NULL, NULL);
	expect_open_refused(&cfg, "mail_smtp_password_file", __LINE__);
	cfg = smtp_config("smtp://127.0.0.1:1", "mycert", NULL);
	expect_open_refused(&cfg, "mail_smtp_password_file is not",
			    __LINE__);
	cfg = smtp_config("smtp://127.0.0.1:1", NULL, pw);
	expect_open_refused(&cfg, "mail_smtp_user is not", __LINE__);
	cfg = smtp_config("smtp://127.0.0.1:1", "mycert",
			  "/nonexistent-mycert-test/password");
	expect_open_refused(&cfg, "SMTP password", __LINE__);
	cfg = smtp_config("smtp://127.0.0.1:1", NULL, NULL);
	cfg.mail_smtp_ca_file = "/nonexistent-mycert-test/ca.pem";
	expect_open_refused(&cfg, "mail_smtp_ca_file", __LINE__);

	/* A password file open to others is refused, without its content. */
	CU_ASSERT_EQUAL(chmod(pw, 0644), 0);
	cfg = smtp_config("smtp://127.0.0.1:1", "mycert", pw);
	memset(&e, 0, sizeof(e));
	CU_ASSERT_EQUAL(mail_open(&cfg, &m, &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_CONFIG);
	check(strstr(e.msg, "chmod 600") != NULL, __LINE__, "says chmod 600",
	      e.msg);
	check(strstr(e.msg, "s3cret") == NULL, __LINE__, "no password",
	      e.msg);
	unlink(pw);
	free(pw);
	CU_ASSERT_EQUAL(rmdir(pw_dir), 0);
	free(pw_dir);
}

/* A port on 127.0.0.1 where nothing listens: bound, never listening. */
static int
closed_port(int *fd)
{
	struct sockaddr_in sa = { 0 };
	socklen_t len = sizeof(sa);

	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*fd = socket(AF_INET, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(*fd >= 0);
	CU_ASSERT_EQUAL_FATAL(bind(*fd, (struct sockaddr *)&sa, sizeof(sa)),
			      0);
	CU_ASSERT_EQUAL_FATAL(getsockname(*fd, (struct sockaddr *)&sa, &len),
			      0);
	return ntohs(sa.sin_port);
}

static void
test_smtp_unreachable(void)
{
	char *pw = fixture_secret_file("s3cret-Pa55\n");
	char *pw_dir = strdup(pw), *url = NULL;
	struct config cfg;
	struct mailer *m = NULL;
	struct err e = { 0 };
	int fd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(pw_dir);
	*strrchr(pw_dir, '/') = '\0';
	CU_ASSERT_FATAL(asprintf(&url, "smtp://127.0.0.1:%d",
				 closed_port(&fd)) > 0);
	cfg = smtp_config(url, "mycert", pw);
	CU_ASSERT_EQUAL_FATAL(mail_open(&cfg, &m, &e), 0);
	CU_ASSERT_EQUAL(mail_send_code(m, TEST_TO, TEST_CODE, 5, "fr", &e),
			-1);
	CU_ASSERT_EQUAL(e.code, ERR_MAIL);
	check(strstr(e.msg, "127.0.0.1") != NULL, __LINE__, "names the server",
	      e.msg);
	check(strstr(e.msg, "mail_smtp_url") != NULL, __LINE__,
	      "says what to check", e.msg);
	check(strstr(e.msg, TEST_CODE) == NULL &&
	      strstr(e.msg, "s3cret") == NULL && strstr(e.msg, TEST_TO) ==
	      NULL, __LINE__, "no code, password or address", e.msg);
	mail_close(m);
	close(fd);
	free(url);
	unlink(pw);
	free(pw);
	CU_ASSERT_EQUAL(rmdir(pw_dir), 0);
	free(pw_dir);
}

#define TEST_SERIAL "0a1b2c3d4e5f60718293a4b5c6d7e8f9"

/* Sends a reminder of TEST_SERIAL expiring at now + left in lang to a
 * new outbox; returns the one message (malloc'd). */
static char *
send_reminder(const char *lang, time_t now, time_t left)
{
	char *dir = fixture_temp_dir(), *name = NULL, *path = NULL;
	struct config cfg = outbox_config(dir);
	struct mailer *m = NULL;
	struct err e = { 0 };
	char *msg;

	CU_ASSERT_EQUAL_FATAL(mail_open(&cfg, &m, &e), 0);
	check(mail_send_reminder(m, TEST_TO, TEST_SERIAL, now + left, now,
				 lang, &e) == 0, __LINE__,
	      "mail_send_reminder", e.msg);
	mail_close(m);
	CU_ASSERT_EQUAL_FATAL(dir_entries(dir, &name), 1);
	CU_ASSERT_FATAL(asprintf(&path, "%s/%s", dir, name) > 0);
	msg = slurp(path);
	free(path);
	free(name);
	remove_dir(dir);
	return msg;
}

static void
check_reminder(const char *lang, const char *subject, const char *days,
	       const char *renew)
{
	time_t now = time(NULL);
	char *msg = send_reminder(lang, now, 30 * 86400 + 600), *body;
	char *got = header(msg, "Subject");
	char serial_line[64];

	check(got != NULL && strncmp(got, subject, strlen(subject)) == 0,
	      __LINE__, subject, got);
	free(got);
	check_header(msg, "To", TEST_TO, __LINE__);
	/* An unknown language gets French. */
	check_header(msg, "Content-Language", strcmp(lang, "xx") == 0 ? "fr" :
		     lang, __LINE__);
	check_header(msg, "Auto-Submitted", "auto-generated", __LINE__);
	check_lines(msg, __LINE__);
	body = body_decoded(msg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	snprintf(serial_line, sizeof(serial_line), "\n    %s\n", TEST_SERIAL);
	check(strstr(body, serial_line) != NULL, __LINE__,
	      "the serial on a line of its own", body);
	check(strstr(body, days) != NULL, __LINE__, days, body);
	check(strstr(body, renew) != NULL, __LINE__, renew, body);
	check(strcasestr(body, "http") == NULL && strstr(body, "www.") ==
	      NULL, __LINE__, "no link", body);
	free(body);
	free(msg);
}

static void
test_reminder_languages(void)
{
	check_reminder("fr", "=?UTF-8?Q?Votre_magasin_de_certificats_mycert",
		       ", dans 30 jours.", "« Renouveler »");
	check_reminder("en", "Your mycert certificate store expires soon",
		       ", in 30 days.", "\"Renew\"");
	check_reminder("de", "=?UTF-8?Q?Ihr_mycert-Zertifikatsspeicher",
		       " ab, in 30 Tagen.", "„Erneuern“");
	check_reminder("xx", "=?UTF-8?Q?Votre_magasin", "dans 30 jours",
		       "Renouveler");
}

static void
test_reminder_date(void)
{
	static const char *const months[] = {
		"janvier", "février", "mars", "avril", "mai", "juin",
		"juillet", "août", "septembre", "octobre", "novembre",
		"décembre",
	};
	time_t now = time(NULL), expiry = now + 86400 + 600;
	char *msg = send_reminder("fr", now, 86400 + 600);
	char *body = body_decoded(msg), want[96];
	struct tm tm;

	CU_ASSERT_PTR_NOT_NULL_FATAL(localtime_r(&expiry, &tm));
	snprintf(want, sizeof(want), "expire le %d %s %d, dans 1 jour.",
		 tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900);
	check(body != NULL && strstr(body, want) != NULL, __LINE__, want,
	      body);
	free(body);
	free(msg);
	msg = send_reminder("en", now, 3600);
	body = body_decoded(msg);
	check(body != NULL && strstr(body, ", in less than a day.") != NULL,
	      __LINE__, "less than a day", body);
	free(body);
	free(msg);
}

static void
test_reminder_refused(void)
{
	static const char *const serials[] = {
		"", "0a1b2c3d4e5f60718293a4b5c6d7e8fg", "0a1b 2c",
		"0a1b2c3d4e5f60718293a4b5c6d7e8f9\r\nBcc: x@example.org",
		"00000000000000000000000000000000000000000000000000000000000000"
		"000",
	};
	static const char *const addresses[] = {
		"holder@example.org\r\nBcc: x@example.org", "not-an-address",
		"",
	};
	char *dir = fixture_temp_dir();
	struct config cfg = outbox_config(dir);
	struct mailer *m = NULL;
	struct err e = { 0 };
	time_t now = time(NULL);
	size_t i;

	CU_ASSERT_EQUAL_FATAL(mail_open(&cfg, &m, &e), 0);
	for (i = 0; i < sizeof(serials) / sizeof(serials[0]); i++) {
		check(mail_send_reminder(m, TEST_TO, serials[i], now + 86400,
					 now, "fr", &e) == -1 &&
		      e.code == ERR_INPUT, __LINE__, "serial refused",
		      serials[i]);
	}
	check(mail_send_reminder(m, TEST_TO, NULL, now + 86400, now, "fr",
				 &e) == -1 && e.code == ERR_INPUT, __LINE__,
	      "no serial refused", "(null)");
	for (i = 0; i < sizeof(addresses) / sizeof(addresses[0]); i++) {
		check(mail_send_reminder(m, addresses[i], TEST_SERIAL,
					 now + 86400, now, "fr", &e) == -1 &&
		      e.code == ERR_INPUT, __LINE__, "address refused",
		      addresses[i]);
	}
	mail_close(m);
	CU_ASSERT_EQUAL(dir_entries(dir, NULL), 0);
	remove_dir(dir);
}

static void
test_reminder_smtp_unreachable(void)
{
	char *url = NULL;
	struct config cfg;
	struct mailer *m = NULL;
	struct err e = { 0 };
	int fd;

	CU_ASSERT_FATAL(asprintf(&url, "smtp://127.0.0.1:%d",
				 closed_port(&fd)) > 0);
	cfg = smtp_config(url, NULL, NULL);
	CU_ASSERT_EQUAL_FATAL(mail_open(&cfg, &m, &e), 0);
	CU_ASSERT_EQUAL(mail_send_reminder(m, TEST_TO, TEST_SERIAL,
					   time(NULL) + 86400, time(NULL),
					   "fr", &e), -1);
	CU_ASSERT_EQUAL(e.code, ERR_MAIL);
	check(strstr(e.msg, "reminder") != NULL && strstr(e.msg, TEST_TO) ==
	      NULL, __LINE__, "says reminder, not the address", e.msg);
	mail_close(m);
	close(fd);
	free(url);
}

int
test_mail_register(void)
{
	static const struct {
		const char *name;
		CU_TestFunc fn;
	} tests[] = {
		{ "writes one 0600 message in French with code and warning",
		  test_french },
		{ "writes the message in English", test_english },
		{ "writes the message in German", test_german },
		{ "writes French for an unknown or missing language",
		  test_unknown_language },
		{ "says 1 minute in the singular", test_one_minute },
		{ "writes one file per message", test_two_messages },
		{ "refuses a line break in the address and writes nothing",
		  test_header_injection },
		{ "refuses a bad address, code or validity",
		  test_bad_input },
		{ "refuses an outbox that is missing, a file or read-only",
		  test_bad_outbox },
		{ "refuses neither or both of outbox and SMTP",
		  test_no_delivery },
		{ "refuses a From without a plain address", test_bad_from },
		{ "checks the SMTP settings without connecting",
		  test_smtp_settings },
		{ "writes the expiry reminder with serial, days and renewal "
		  "in three languages", test_reminder_languages },
		{ "dates the reminder and says 1 day, less than a day",
		  test_reminder_date },
		{ "refuses a reminder with a bad serial or address",
		  test_reminder_refused },
		{ "reports an unreachable SMTP server for a reminder",
		  test_reminder_smtp_unreachable },
		{ "reports an unreachable SMTP server without secrets",
		  test_smtp_unreachable },
	};
	CU_pSuite suite = CU_add_suite("mail", NULL, NULL);
	size_t i;

	if (suite == NULL) {
		return -1;
	}
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (CU_add_test(suite, tests[i].name, tests[i].fn) == NULL) {
			return -1;
		}
	}
	return 0;
}
