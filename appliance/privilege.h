/*
 * privilege.h: what mycertd gives up once its listeners are bound, and
 * the files it refuses to trust.
 *
 * Runs in mycertd at start, before any thread, token, database or
 * network input.  The rule (mycertd(8)):
 *
 *   - started as root, it serves as the account named by `user` in the
 *     configuration: supplementary groups of that account, then its group,
 *     then its uid (real, effective and saved), and proves that root
 *     cannot be regained.  Without `user` it refuses to start: serving as
 *     root by accident is never right.  `user = root` keeps root, because
 *     the configuration says so (throwaway development setups made by root
 *     only; logged as a warning).
 *   - started as another account (the systemd unit's User=), `user`, when
 *     set, must name that account.
 *   - either way, every capability left (CAP_NET_BIND_SERVICE from the
 *     unit) is dropped, and no-new-privileges is set.
 */
#ifndef MYCERT_PRIVILEGE_H
#define MYCERT_PRIVILEGE_H

#include "err.h"

/* Applies the rule above; logs one line saying who the daemon now is.
 * ERR_CONFIG when user is missing, unknown or not the running account;
 * ERR_INTERNAL when a step fails or root could be regained. */
int privilege_drop(const char *user, struct err *e) MUST_CHECK;

/* Refuses (ERR_IO) a file that group or others may read or write, naming
 * it and the fix (chmod 600).  A missing file is fine when optional (the
 * -wal and -shm files of a database); what names it in messages. */
int privilege_check_private(const char *path, const char *what, int optional,
			    struct err *e) MUST_CHECK;

#endif
