/*
 * files.c: safe file writing (see files.h).
 */
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
files_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static int
write_all(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
sync_folder(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (copy == NULL) {
		return;
	}
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(copy);
}

static int
fill(int fd, const char *path, const void *data, size_t len, struct err *e)
{
	if (write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		return err_set(e, ERR_IO, "cannot write %s: %s", path,
			       strerror(errno));
	}
	return 0;
}

int
files_write_new(const char *path, const void *data, size_t len, mode_t mode,
		struct err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
			    O_NOFOLLOW, mode);

	if (fd < 0) {
		return err_set(e, ERR_IO, "cannot create %s: %s%s", path,
			       strerror(errno), errno == EEXIST
			       ? " (mycert never overwrites a file; move it "
				 "away or choose another name)" : "");
	}
	if (fchmod(fd, mode) != 0 || fill(fd, path, data, len, e) != 0) {
		if (e->code == ERR_NONE) {
			err_set(e, ERR_IO, "cannot set the mode of %s", path);
		}
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	sync_folder(path);
	return 0;
}

int
files_write_temp(const char *path, const void *data, size_t len, char **tmp,
		 struct err *e)
{
	int fd;

	*tmp = NULL;
	if (asprintf(tmp, "%s.tmp-XXXXXX", path) < 0) {
		*tmp = NULL;
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	fd = mkostemp(*tmp, O_CLOEXEC);	/* mode 0600 */
	if (fd < 0) {
		err_set(e, ERR_IO, "cannot create a file beside %s: %s", path,
			strerror(errno));
		free(*tmp);
		*tmp = NULL;
		return -1;
	}
	if (fill(fd, *tmp, data, len, e) != 0) {
		close(fd);
		unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
		return -1;
	}
	close(fd);
	return 0;
}

int
files_commit(const char *tmp, const char *path, struct err *e)
{
	/* link() fails on an existing target: never replaces a file. */
	if (link(tmp, path) != 0) {
		return err_set(e, ERR_IO, "cannot move %s to %s: %s", tmp, path,
			       strerror(errno));
	}
	unlink(tmp);
	sync_folder(path);
	return 0;
}
