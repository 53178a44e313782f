#!/bin/sh
# provisioning/softhsm-setup.sh: prepare a SoftHSM2 token folder.
#
# Usage: softhsm-setup.sh DIR
#
# Writes DIR/softhsm2.conf from hsm-config/softhsm2.conf.in and creates the
# token folder DIR/tokens (mode 0700).  Creates DIR (0700) if needed.
# Refuses if DIR/softhsm2.conf already exists.  Afterwards:
#   export SOFTHSM2_CONF=DIR/softhsm2.conf
# and initialise a token with provisioning/token-init.sh.
# shellcheck source-path=SCRIPTDIR
set -eu

HERE=$(cd "$(dirname -- "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

usage() {
	printf 'usage: %s DIR\n' "$PROG" >&2
	exit 2
}

main() {
	[ "$#" -eq 1 ] || usage
	case $1 in -*) usage ;; esac

	template=$ROOT/hsm-config/softhsm2.conf.in
	[ -r "$template" ] ||
		fatal "template $template is missing: restore it from git"

	check_path_text "$1" DIR
	if [ ! -d "$1" ]; then
		mkdir -m 0700 -- "$1" ||
			fatal "cannot create $1: check that its parent folder exists"
	fi
	dir=$(cd -- "$1" && pwd) || fatal "cannot enter $1"
	conf=$dir/softhsm2.conf
	tokens=$dir/tokens

	refuse_existing "$conf"
	if [ -d "$tokens" ] && [ -n "$(ls -A -- "$tokens")" ]; then
		fatal "$tokens already holds tokens: refusing to mix them;" \
			"use an empty folder"
	fi

	if [ ! -d "$tokens" ]; then
		cleanup_add "$tokens"
		mkdir -m 0700 -- "$tokens" || fatal "cannot create $tokens"
	fi
	chmod 700 "$tokens" || fatal "cannot chmod 700 $tokens"

	cleanup_add "$conf"
	TOKENDIR=$tokens awk '{
		line = $0
		while ((i = index(line, "@TOKENDIR@")) > 0) {
			line = substr(line, 1, i - 1) ENVIRON["TOKENDIR"] \
			    substr(line, i + 10)
		}
		print line
	}' "$template" >"$conf" || fatal "cannot write $conf"
	chmod 600 "$conf" || fatal "cannot chmod 600 $conf"
	cleanup_done

	log "wrote $conf; token folder $tokens (mode 0700)"
	log "next: export SOFTHSM2_CONF=$conf"
}

main "$@"
