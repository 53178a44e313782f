#!/bin/sh
# provisioning/ca-import.sh: install the CA certificate signed by a root.
#
# Usage: ca-import.sh CONF CERTFILE [--chain CHAINFILE]
#
# Asks mycert-admin to check that CERTFILE certifies the token's CA key and
# to install it as ca_cert of CONF (with CHAINFILE, the intermediate and
# root certificates, as chain_file).
set -eu

HERE=$(cd "$(dirname -- "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

usage() {
	printf 'usage: %s CONF CERTFILE [--chain CHAINFILE]\n' "$PROG" >&2
	exit 2
}

main() {
	[ "$#" -ge 2 ] || usage
	case $1$2 in -*) usage ;; esac
	conf=$(check_conf "$1")
	cert=$2
	shift 2
	chain=
	while [ "$#" -gt 0 ]; do
		case $1 in
		--chain) opt_arg "$1" "$#"; chain=$2; shift 2 ;;
		-h | --help) usage ;;
		*) log "unknown argument: $1"; usage ;;
		esac
	done
	[ -r "$cert" ] || fatal "cannot read certificate $cert"
	if [ -n "$chain" ] && [ ! -r "$chain" ]; then
		fatal "cannot read chain file $chain"
	fi
	ca_cert=$(conf_need -p "$conf" ca_cert) || exit 1
	if [ -n "$chain" ]; then
		chain_file=$(conf_opt -p "$conf" chain_file) || exit 1
		[ -n "$chain_file" ] ||
			fatal "--chain needs a chain_file line in $conf: add" \
				"'chain_file = chain.pem' (where to install it)"
	fi
	admin=$(admin_tool)

	# Options before FILE: mycert-admin's sub-command parser stops at the
	# first operand.
	if [ -n "$chain" ]; then
		"$admin" -c "$conf" ca-import --chain "$chain" "$cert" ||
			fatal "mycert-admin ca-import failed (see its message above)"
	else
		"$admin" -c "$conf" ca-import "$cert" ||
			fatal "mycert-admin ca-import failed (see its message above)"
	fi
	[ -s "$ca_cert" ] ||
		fatal "mycert-admin reported success but $ca_cert is missing"
	log "CA certificate $ca_cert: $(cert_summary "$ca_cert")"
}

main "$@"
