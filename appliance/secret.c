/*
 * secret.c: wiping, constant-time comparison and secret files (secret.h).
 */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

void
secret_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0) {
		OPENSSL_cleanse(p, n);
	}
}

void
secret_free_string(char *s)
{
	if (s != NULL) {
		secret_wipe(s, strlen(s));
		free(s);
	}
}

int
secret_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

static int
check_secret_file(int fd, const char *path, const char *what, size_t max,
		  struct err *e)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		return err_set(e, ERR_IO, "cannot inspect the %s file %s: %s",
			       what, path, strerror(errno));
	}
	if (!S_ISREG(st.st_mode)) {
		return err_set(e, ERR_IO, "the %s file %s is not a regular "
			       "file", what, path);
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		return err_set(e, ERR_IO, "the %s file %s is open to group or "
			       "others (mode %03o); run: chmod 600 %s", what,
			       path, (unsigned)(st.st_mode & 0777), path);
	}
	if (st.st_size == 0 || (size_t)st.st_size > max) {
		return err_set(e, ERR_IO, "the %s file %s is empty or larger "
			       "than %zu bytes", what, path, max);
	}
	return 0;
}

int
secret_read_file(const char *path, const char *what, size_t max,
		 char **out, struct err *e)
{
	int fd = -1;
	char *buf = NULL;
	ssize_t got = 0;
	size_t len;
	int rc = -1;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		err_set(e, ERR_IO, "cannot open the %s file %s: %s", what,
			path, strerror(errno));
		goto out;
	}
	if (check_secret_file(fd, path, what, max, e) != 0) {
		goto out;
	}
	buf = calloc(1, max + 1);
	if (buf == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory reading the %s", what);
		goto out;
	}
	got = read(fd, buf, max);
	if (got <= 0) {
		err_set(e, ERR_IO, "cannot read the %s file %s", what, path);
		goto out;
	}
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	secret_wipe(buf + len, (size_t)got - len);
	if (len == 0) {
		err_set(e, ERR_IO, "the %s file %s holds an empty first line",
			what, path);
		goto out;
	}
	*out = buf;
	buf = NULL;
	rc = 0;
out:
	if (buf != NULL) {
		secret_wipe(buf, max + 1);
		free(buf);
	}
	if (fd >= 0) {
		close(fd);
	}
	return rc;
}

void
secret_protect_process(void)
{
	struct rlimit none = { 0, 0 };

	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)setrlimit(RLIMIT_CORE, &none);
}
