/*
 * privilege.c: dropping root and capabilities in mycertd (privilege.h).
 *
 * Called once, from the main thread, before any other thread exists: the
 * uid change then applies to the whole process without relying on the C
 * library's broadcast to other threads.
 */
#include "privilege.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "secret.h"

/* The capability sets of this process, through the raw system calls (no
 * libcap on the appliance).  Returns 1 when any is held, 0 when none, -1
 * when they cannot be read. */
static int
holds_capabilities(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	int i;

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) != 0) {
		return -1;
	}
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		if (d[i].effective != 0 || d[i].permitted != 0 ||
		    d[i].inheritable != 0) {
			return 1;
		}
	}
	return 0;
}

/* Empties the effective, permitted, inheritable and ambient sets. */
static int
drop_capabilities(struct err *e)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	int held = holds_capabilities();

	if (held == 0) {
		return 0;
	}
	memset(d, 0, sizeof(d));
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (held < 0 || syscall(SYS_capset, &h, d) != 0 ||
	    holds_capabilities() != 0) {
		return err_set(e, ERR_INTERNAL, "cannot drop the capabilities "
			       "left after binding (%s); a systemd unit must "
			       "allow capset (SystemCallFilter=capset)",
			       strerror(errno));
	}
	return 0;
}

static int
become(const struct passwd *pw, struct err *e)
{
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0) {
		return err_set(e, ERR_INTERNAL, "cannot become user %s (uid "
			       "%u): %s", pw->pw_name, (unsigned)pw->pw_uid,
			       strerror(errno));
	}
	/* The proof: neither root's uid nor its group can come back. */
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0 ||
	    getuid() != pw->pw_uid || geteuid() != pw->pw_uid ||
	    getgid() != pw->pw_gid || getegid() != pw->pw_gid) {
		return err_set(e, ERR_INTERNAL, "dropping root to user %s did "
			       "not hold: root could be regained; refusing to "
			       "serve", pw->pw_name);
	}
	return 0;
}

static int
from_root(const char *user, struct err *e)
{
	const struct passwd *pw;

	if (user == NULL) {
		return err_set(e, ERR_CONFIG, "mycertd was started as root and "
			       "the configuration names no account to serve "
			       "as: add \"user = mycert\" (the account that "
			       "owns the token, database and CRL folders; see "
			       "mycertd(8)) or start it as that account");
	}
	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL) {
		return err_set(e, ERR_CONFIG, "user = %s: no such account; "
			       "create it (useradd --system --home-dir "
			       "/var/lib/mycert --shell /usr/sbin/nologin %s) "
			       "or name another", user, user);
	}
	if (pw->pw_uid == 0) {
		log_event("warn", "privileges", "user=root uid=0 "
			  "note=\"serving as root because the configuration "
			  "says user = root: for throwaway development setups "
			  "only\"");
		return 0;
	}
	return become(pw, e);
}

static int
as_account(const char *user, struct err *e)
{
	const struct passwd *pw;

	if (user == NULL) {
		return 0;
	}
	pw = getpwnam(user);
	if (pw == NULL || pw->pw_uid != geteuid()) {
		return err_set(e, ERR_CONFIG, "mycertd runs as uid %u but the "
			       "configuration says user = %s: start it as %s "
			       "(systemd: User=%s) or as root",
			       (unsigned)geteuid(), user, user, user);
	}
	return 0;
}

int
privilege_drop(const char *user, struct err *e)
{
	int was_root = geteuid() == 0;

	if ((was_root ? from_root(user, e) : as_account(user, e)) != 0 ||
	    (geteuid() != 0 && drop_capabilities(e) != 0)) {
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		return err_set(e, ERR_INTERNAL, "cannot set no-new-privileges: "
			       "%s", strerror(errno));
	}
	/* A change of uid resets the dumpable flag: set it again. */
	secret_protect_process();
	if (geteuid() != 0) {
		log_event("info", "privileges", "user=%s uid=%u gid=%u "
			  "started_as=%s capabilities=none root=refused",
			  user != NULL ? user : "-", (unsigned)geteuid(),
			  (unsigned)getegid(), was_root ? "root" : "user");
	}
	return 0;
}

int
privilege_check_private(const char *path, const char *what, int optional,
			struct err *e)
{
	struct stat st;

	if (lstat(path, &st) != 0) {
		if (optional && errno == ENOENT) {
			return 0;
		}
		return err_set(e, ERR_IO, "cannot inspect the %s %s: %s", what,
			       path, strerror(errno));
	}
	if (!S_ISREG(st.st_mode)) {
		return err_set(e, ERR_IO, "the %s %s is not a regular file",
			       what, path);
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		return err_set(e, ERR_IO, "the %s %s is open to group or "
			       "others (mode %03o); run: chmod 600 %s", what,
			       path, (unsigned)(st.st_mode & 0777), path);
	}
	return 0;
}
