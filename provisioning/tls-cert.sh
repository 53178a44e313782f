#!/bin/sh
# provisioning/tls-cert.sh: key and self-signed certificate of the front.
#
# Usage: tls-cert.sh --out-cert FILE --out-key FILE [--name NAME]
#                    [--days N]
#
# Makes a software EC P-256 key (mode 0600) and a self-signed TLS server
# certificate for NAME (default 127.0.0.1): subjectAltName NAME (IP or DNS)
# plus IP:127.0.0.1 and DNS:localhost, extendedKeyUsage serverAuth, valid
# N days (default and maximum 825).  For development: in production, use
# a certificate from the organisation's TLS CA for the same key.
set -eu

HERE=$(cd "$(dirname -- "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

usage() {
	printf 'usage: %s --out-cert FILE --out-key FILE [--name NAME]' \
		"$PROG" >&2
	printf ' [--days N]\n' >&2
	exit 2
}

parse_args() {
	out_cert=
	out_key=
	name=127.0.0.1
	days=825
	while [ "$#" -gt 0 ]; do
		case $1 in
		--out-cert) opt_arg "$1" "$#"; out_cert=$2; shift 2 ;;
		--out-key) opt_arg "$1" "$#"; out_key=$2; shift 2 ;;
		--name) opt_arg "$1" "$#"; name=$2; shift 2 ;;
		--days) opt_arg "$1" "$#"; days=$2; shift 2 ;;
		-h | --help) usage ;;
		*) log "unknown argument: $1"; usage ;;
		esac
	done
	if [ -z "$out_cert" ] || [ -z "$out_key" ]; then usage; fi
	[ "$out_cert" != "$out_key" ] ||
		fatal "--out-cert and --out-key must be two different files"
	case $days in
	'' | *[!0-9]*) fatal "--days $days is not a number" ;;
	esac
	if [ "$days" -lt 1 ] || [ "$days" -gt 825 ]; then
		fatal "--days $days is outside 1..825 (the CA/Browser Forum" \
			"limit for TLS server certificates)"
	fi
	# NAME goes into the openssl config: allow host names and IPs only.
	case $name in
	'' | *[!A-Za-z0-9.:-]* | -* | .*)
		fatal "--name '$name' is not a host name or an IP address"
		;;
	esac
	if printf '%s\n' "$name" | grep -Eq '^[0-9]+(\.[0-9]+){3}$|:'; then
		name_san=IP:$name
	else
		name_san=DNS:$name
	fi
	san=$name_san
	for extra in IP:127.0.0.1 DNS:localhost; do
		[ "$extra" = "$name_san" ] || san="$san, $extra"
	done
}

main() {
	parse_args "$@"
	need_cmd openssl
	refuse_existing "$out_cert" "$out_key"
	tmp_dir
	# A private config: a pkcs11 engine in the system openssl.cnf breaks
	# software EC keys (TECH-NOTES, libp11).
	cat >"$TMPD/req.cnf" <<-EOC
		[req]
		distinguished_name = dn
		x509_extensions = ext
		prompt = no
		[dn]
		CN = $name
		[ext]
		basicConstraints = critical, CA:FALSE
		keyUsage = critical, digitalSignature
		extendedKeyUsage = serverAuth
		subjectAltName = $san
		subjectKeyIdentifier = hash
		authorityKeyIdentifier = keyid
	EOC

	cleanup_add "$out_key"
	(set -C && OPENSSL_CONF=$TMPD/req.cnf openssl genpkey \
		-algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-pkeyopt ec_param_enc:named_curve >"$out_key") ||
		fatal "generating the TLS key into $out_key failed"
	chmod 600 "$out_key"

	cleanup_add "$out_cert"
	OPENSSL_CONF=$TMPD/req.cnf openssl req -new -x509 -config \
		"$TMPD/req.cnf" -key "$out_key" -sha256 -days "$days" \
		-out "$out_cert" ||
		fatal "making the self-signed certificate $out_cert failed"
	chmod 644 "$out_cert"
	cleanup_done
	log "wrote TLS key $out_key (0600) and certificate $out_cert" \
		"for $san, valid $days days"
}

main "$@"
