#!/bin/sh
# provisioning/write-config.sh: write a development mycertd.conf.
#
# Usage: write-config.sh DIR [--ca-key-type rsa|ec] [--module MODULE]
#                        [--token LABEL]
#
# Writes DIR/mycertd.conf with the keys of hsm-config/mycertd.conf.example,
# every path absolute inside DIR, the development portal on (loopback
# only) and its signing key DIR/portal-key.pem.  Refuses if the file
# exists.  The file layout is the one provision-dev.sh makes.
set -eu

HERE=$(cd "$(dirname -- "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

usage() {
	printf 'usage: %s DIR [--ca-key-type rsa|ec] [--module MODULE]' \
		"$PROG" >&2
	printf ' [--token LABEL]\n' >&2
	exit 2
}

parse_args() {
	dir=
	ca_key_type=rsa
	module=$DEFAULT_MODULE
	token=mycert-dev
	while [ "$#" -gt 0 ]; do
		case $1 in
		--ca-key-type) opt_arg "$1" "$#"; ca_key_type=$2; shift 2 ;;
		--module) opt_arg "$1" "$#"; module=$2; shift 2 ;;
		--token) opt_arg "$1" "$#"; token=$2; shift 2 ;;
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
	rsa) ca_key_desc="RSA 3072" ;;
	ec) ca_key_desc="EC P-256" ;;
	*) fatal "--ca-key-type must be rsa or ec" ;;
	esac
	check_label "$token" "token label"
	check_path_text "$module" "module path"
	[ -d "$dir" ] || fatal "folder $dir does not exist: create it first"
	dir=$(cd -- "$dir" && pwd) || fatal "cannot enter $dir"
	check_path_text "$dir" DIR
	case $dir in
	*'#'*) fatal "DIR $dir contains '#', which starts a comment" ;;
	esac
}

main() {
	parse_args "$@"
	conf=$dir/mycertd.conf
	# The account that provisions owns the files: mycertd serves as it
	# (root only for throwaway setups made by root, such as make check).
	user=$(id -un) || fatal "cannot tell the current user name"
	refuse_existing "$conf"
	cleanup_add "$conf"
	(set -C && cat >"$conf") <<EOF_CONF || fatal "cannot write $conf"
# mycertd.conf: development configuration of the mycert appliance.
# Written by provisioning/write-config.sh on $(date -u '+%Y-%m-%d %H:%M UTC').
# Keys as in hsm-config/mycertd.conf.example, which explains each one.
# The CA key ($ca_key_desc) and the audit key (EC P-256) live in the
# SoftHSM2 token below; nothing here is a secret except the files named by
# pin_file and dev_portal_key (mode 0600).

# --- token (PKCS#11) ---------------------------------------------------------
pkcs11_module = $module
softhsm2_conf = $dir/softhsm2.conf
token = $token
pin_file = $dir/user.pin
ca_key = mycert-ca
audit_key = mycert-audit

# --- certificates ------------------------------------------------------------
ca_cert = $dir/ca.pem
# chain_file = $dir/chain.pem
audit_cert = $dir/audit.pem
subject_country = FR
subject_organization = mycert development
store_key_type = rsa3072
validity_days = 1095
policy_oid = 1.3.6.1.4.1.99999.1.1
crl_url = http://127.0.0.1:8080/crl/mycert-ca.crl
ocsp_url = http://127.0.0.1:8080/ocsp
ca_issuers_url = http://127.0.0.1:8080/ca/mycert-ca.crt

# --- status publishing (plain HTTP on status_listen) -------------------------
crl_dir = $dir/crl
crl_validity_hours = 24
ocsp_validity_minutes = 60
# A delegated OCSP signer in the token (optional; default: the CA key).
# ocsp_key = mycert-ocsp
# ocsp_cert = $dir/ocsp.pem

# --- renewal -------------------------------------------------------------------
renewal_window_days = 30
renewal_grace_days = 14
reminder_days = 30,7

# --- audit log -----------------------------------------------------------------
checkpoint_interval_seconds = 300
checkpoint_entries = 1000

# --- PKCS#12 -----------------------------------------------------------------
p12_profile = modern
p12_iterations = 10000

# --- storage -----------------------------------------------------------------
database = $dir/mycert.db

# --- the service account (mycertd) ------------------------------------------
# The account that made this setup and owns its files; mycertd started as
# root serves as it (user = root: root made it, for tests only).
user = $user

# --- web front (mycertd) -----------------------------------------------------
listen = 127.0.0.1:8443
tls_cert = $dir/tls.pem
tls_key = $dir/tls-key.pem
status_listen = 127.0.0.1:8080
appliance_id = https://127.0.0.1:8443
portal_issuer = https://portal.dev.invalid
portal_public_key = $dir/portal-pub.pem
# Development only: mycertd refuses it on a non-loopback address.
dev_portal = on
dev_portal_key = $dir/portal-key.pem
strong_amr = smartcard
# terms_version = 2026-01

# --- the flow and the front's limits (defaults) -------------------------------
# session_idle_seconds = 900
# session_max_seconds = 28800
# code_ttl_seconds = 300
# code_max_tries = 5
# code_max_sends = 3
# download_window_seconds = 600
# generation_timeout_seconds = 120
# assertions_per_minute = 30
# web_threads = 4
# max_connections = 256
# max_connections_per_ip = 32
# connection_timeout_seconds = 30
# max_body_bytes = 16384

# --- mail: files in the outbox (development), or SMTP ------------------------
mail_outbox = $dir/outbox
# mail_smtp_url = smtp://127.0.0.1:2525
# mail_smtp_user = mycert
# mail_smtp_password_file = $dir/smtp.pass
# mail_smtp_ca_file = /etc/ssl/certs/ca-certificates.crt
# mail_from = mycert <no-reply@mycert.invalid>
EOF_CONF
	chmod 600 "$conf" || fatal "cannot chmod 600 $conf"
	cleanup_done
	log "wrote $conf"
}

main "$@"
