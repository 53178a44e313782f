#!/bin/sh
# provisioning/audit-cert.sh: certificate of the audit key.
#
# Usage: audit-cert.sh CONF [--days N] [--subject DN]
#
# Asks mycert-admin to certify the token's audit key (audit_key of CONF)
# with the CA key; it writes audit_cert.  Auditors verify exported logs
# with that certificate alone.  Default validity 1095 days; the default
# subject is mycert-admin's.
set -eu

HERE=$(cd "$(dirname -- "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

usage() {
	printf 'usage: %s CONF [--days N] [--subject DN]\n' "$PROG" >&2
	exit 2
}

main() {
	[ "$#" -ge 1 ] || usage
	case $1 in -*) usage ;; esac
	conf=$(check_conf "$1")
	shift
	days=1095
	subject=
	while [ "$#" -gt 0 ]; do
		case $1 in
		--days) opt_arg "$1" "$#"; days=$2; shift 2 ;;
		--subject) opt_arg "$1" "$#"; subject=$2; shift 2 ;;
		-h | --help) usage ;;
		*) log "unknown argument: $1"; usage ;;
		esac
	done
	check_days "$days" --days
	case $subject in
	'' | /?*) ;;
	*) fatal "--subject must look like /C=FR/O=.../CN=..." ;;
	esac
	audit_cert=$(conf_need -p "$conf" audit_cert) || exit 1
	admin=$(admin_tool)

	if [ -n "$subject" ]; then
		set -- --subject "$subject"
	else
		set --
	fi
	"$admin" -c "$conf" audit-cert --days "$days" "$@" ||
		fatal "mycert-admin audit-cert failed (see its message above)"
	[ -s "$audit_cert" ] ||
		fatal "mycert-admin reported success but $audit_cert is missing"
	log "audit certificate $audit_cert: $(cert_summary "$audit_cert")"
}

main "$@"
