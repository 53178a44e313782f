#!/bin/sh
# provisioning/provision-dev.sh: a complete development appliance in DIR.
#
# Usage: provision-dev.sh DIR [--ca-key-type rsa|ec]
#
# Makes DIR (mode 0700; it must be new or empty) holding a SoftHSM2 token
# "mycert-dev" with its PINs, a CA key (RSA 3072 by default, or EC P-256)
# and an audit key (EC P-256) generated inside the token, a self-signed CA
# certificate, the audit certificate, a TLS key and certificate for
# 127.0.0.1, the development portal's key pair, DIR/mycertd.conf and the
# mail outbox and an empty database; then checks the token.  Builds build/mycert-admin first if
# it is missing (or uses $MYCERT_ADMIN).  For development and tests only:
# the PINs sit beside the token.  Production: see provisioning/README.md.
set -eu

HERE=$(cd "$(dirname -- "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

TOKEN_LABEL=mycert-dev

usage() {
	printf 'usage: %s DIR [--ca-key-type rsa|ec]\n' "$PROG" >&2
	exit 2
}

parse_args() {
	dir=
	ca_key_type=rsa
	while [ "$#" -gt 0 ]; do
		case $1 in
		--ca-key-type) opt_arg "$1" "$#"; ca_key_type=$2; shift 2 ;;
		-h | --help) usage ;;
		-*) log "unknown option: $1"; usage ;;
		*)
			[ -z "$dir" ] || usage
			dir=$1
			shift
			;;
		esac
	done
	[ -n "$dir" ] || usage
	case $ca_key_type in
	rsa) ca_p11_type=rsa:3072 ;;
	ec) ca_p11_type=ec:p256 ;;
	*) fatal "--ca-key-type must be rsa or ec" ;;
	esac
	check_path_text "$dir" DIR
	case $dir in
	*'#'*) fatal "DIR $dir contains '#', which starts a config comment" ;;
	esac
}

# refuse_used_dir: DIR must be new, or an empty folder.
refuse_used_dir() {
	if [ -L "$dir" ] || { [ -e "$dir" ] && [ ! -d "$dir" ]; }; then
		fatal "$dir exists and is not a folder: choose another DIR"
	fi
	[ -d "$dir" ] || return 0
	found=$(find "$dir/." ! -name . -prune -print | head -n 1)
	if [ -n "$found" ]; then
		found=${found#"$dir/./"}
		fatal "$dir is not empty (found $dir/$found): refusing to" \
			"provision over it; choose a new or empty DIR"
	fi
}

# find_admin: the mycert-admin to use, built if missing.
find_admin() {
	if [ -n "${MYCERT_ADMIN-}" ] || [ -n "$INSTALLED_ADMIN" ]; then
		admin_tool >/dev/null
		return 0
	fi
	[ -x "$ROOT/build/mycert-admin" ] && return 0
	need_cmd make
	log "building $ROOT/build/mycert-admin"
	# The build is not secret: do not pass on this script's umask 077.
	(umask 022 && make -s -C "$ROOT" build/mycert-admin) ||
		fatal "building mycert-admin failed: run 'make -C $ROOT' and" \
			"fix the build first"
	admin_tool >/dev/null
}

STEP=0

# step TEXT COMMAND...: run one provisioning step; stop on failure.
step() {
	STEP=$((STEP + 1))
	_st_text=$1
	shift
	log "step $STEP: $_st_text"
	"$@" || fatal "step $STEP ($_st_text) failed: see the message" \
		"above.  $dir is left as it is for inspection; remove it" \
		"(rm -rf $dir) before provisioning again"
}

summary() {
	cat <<EOF_SUMMARY
mycert development appliance in $dir
  configuration     $conf
  token             $TOKEN_LABEL, SoftHSM2 config $dir/softhsm2.conf,
                    token folder $dir/tokens (mode 0700)
  PIN files         $dir/user.pin, $dir/so.pin (mode 0600, not shown)
  CA key            mycert-ca (id 01, $ca_p11_type), in the token only
  audit key         mycert-audit (id 02, ec:p256), in the token only
  CA certificate    $dir/ca.pem
                    $(cert_summary "$dir/ca.pem")
  audit certificate $dir/audit.pem
  TLS               $dir/tls.pem, key $dir/tls-key.pem
  dev portal        $dir/portal-key.pem (private), $dir/portal-pub.pem
  database          $dir/mycert.db (mode 0600)
  mail outbox       $dir/outbox
  CRL folder        $dir/crl
check again with:   $HERE/check-token.sh '$conf'
EOF_SUMMARY
}

main() {
	parse_args "$@"
	need_cmd pkcs11-tool openssl
	refuse_used_dir
	P11_MODULE=$DEFAULT_MODULE
	p11_check_module
	find_admin

	if [ -d "$dir" ]; then
		chmod 700 "$dir" || fatal "cannot chmod 700 $dir"
	else
		mkdir -m 0700 -- "$dir" ||
			fatal "cannot create $dir: check that its parent exists"
	fi
	dir=$(cd -- "$dir" && pwd) || fatal "cannot enter $dir"
	conf=$dir/mycertd.conf

	step "SoftHSM2 token folder" sh "$HERE/softhsm-setup.sh" "$dir"
	SOFTHSM2_CONF=$dir/softhsm2.conf
	export SOFTHSM2_CONF
	step "token $TOKEN_LABEL and its PINs" sh "$HERE/token-init.sh" \
		--module "$P11_MODULE" --label "$TOKEN_LABEL" \
		--so-pin-file "$dir/so.pin" --pin-file "$dir/user.pin"
	step "CA key ($ca_p11_type)" sh "$HERE/token-keygen.sh" \
		--module "$P11_MODULE" --token "$TOKEN_LABEL" \
		--pin-file "$dir/user.pin" --label mycert-ca --id 01 \
		--type "$ca_p11_type"
	step "audit key (ec:p256)" sh "$HERE/token-keygen.sh" \
		--module "$P11_MODULE" --token "$TOKEN_LABEL" \
		--pin-file "$dir/user.pin" --label mycert-audit --id 02 \
		--type ec:p256
	step "TLS key and certificate" sh "$HERE/tls-cert.sh" \
		--out-cert "$dir/tls.pem" --out-key "$dir/tls-key.pem"
	step "development portal key" sh "$HERE/portal-key.sh" \
		--out-key "$dir/portal-key.pem" --out-pub "$dir/portal-pub.pem"
	step "configuration" sh "$HERE/write-config.sh" "$dir" \
		--ca-key-type "$ca_key_type" --module "$P11_MODULE" \
		--token "$TOKEN_LABEL"
	step "self-signed CA certificate" sh "$HERE/ca-selfsign.sh" "$conf"
	step "audit certificate" sh "$HERE/audit-cert.sh" "$conf"
	step "database" "$(admin_tool)" -c "$conf" init-db
	step "token check" sh "$HERE/check-token.sh" "$conf"
	step "mail outbox" mkdir -m 0700 -- "$dir/outbox"
	step "CRL publish folder" mkdir -m 0755 -- "$dir/crl"

	for f in "$conf" "$dir/ca.pem" "$dir/audit.pem"; do
		[ -s "$f" ] || fatal "$f is missing after provisioning"
	done
	summary
}

main "$@"
