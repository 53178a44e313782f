#!/bin/sh
# provisioning/token-init.sh: initialise a token and set its PINs.
#
# Usage: token-init.sh --module MODULE --label LABEL
#                      --so-pin-file FILE --pin-file FILE
#                      [--softhsm2-conf FILE] [--pin-format hex|digits]
#                      [--pin-length N]
#
# Generates a random SO PIN and user PIN (default 32 hex characters, from
# openssl rand) into two new files of mode 0600, initialises the first
# uninitialised slot of MODULE as token LABEL with the SO PIN, then sets the
# user PIN.  Refuses if either file exists or a token LABEL already exists;
# never touches an initialised token.  PINs reach pkcs11-tool through the
# environment only, never argv.  For a production HSM whose token is made
# by the vendor's tools, skip this script and write the user PIN file
# yourself (one line, mode 0600).
set -eu

HERE=$(cd "$(dirname -- "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

usage() {
	printf 'usage: %s --module MODULE --label LABEL --so-pin-file FILE' \
		"$PROG" >&2
	printf ' --pin-file FILE\n       [--softhsm2-conf FILE]' >&2
	printf ' [--pin-format hex|digits] [--pin-length N]\n' >&2
	exit 2
}

parse_args() {
	P11_MODULE=
	label=
	so_pin_file=
	pin_file=
	pin_format=hex
	pin_length=32
	while [ "$#" -gt 0 ]; do
		case $1 in
		--module) opt_arg "$1" "$#"; P11_MODULE=$2; shift 2 ;;
		--label) opt_arg "$1" "$#"; label=$2; shift 2 ;;
		--so-pin-file) opt_arg "$1" "$#"; so_pin_file=$2; shift 2 ;;
		--pin-file) opt_arg "$1" "$#"; pin_file=$2; shift 2 ;;
		--softhsm2-conf)
			opt_arg "$1" "$#"
			SOFTHSM2_CONF=$(abs_path "$2")
			export SOFTHSM2_CONF
			shift 2
			;;
		--pin-format) opt_arg "$1" "$#"; pin_format=$2; shift 2 ;;
		--pin-length) opt_arg "$1" "$#"; pin_length=$2; shift 2 ;;
		-h | --help) usage ;;
		*) log "unknown argument: $1"; usage ;;
		esac
	done
	if [ -z "$P11_MODULE" ] || [ -z "$label" ] || [ -z "$so_pin_file" ] ||
		[ -z "$pin_file" ]; then
		usage
	fi
	check_label "$label" "token label"
	[ "$so_pin_file" != "$pin_file" ] ||
		fatal "--so-pin-file and --pin-file must be two different files"
	case $pin_format in
	hex | digits) ;;
	*) fatal "--pin-format must be hex or digits" ;;
	esac
}

# free_slot: the index of the first slot without an initialised token.
free_slot() {
	slots=$(p11 --list-slots 2>&1) ||
		fatal "cannot list the slots of $P11_MODULE:" \
			"$(printf '%s\n' "$slots" | p11_last_error)"
	printf '%s\n' "$slots" | awk '
		/^Slot [0-9]+ / { slot = $2; next }
		/^[ \t]*token state:[ \t]*uninitialized/ {
			if (slot != "") { print slot; exit }
		}'
}

main() {
	parse_args "$@"
	need_cmd pkcs11-tool openssl
	p11_check_module
	refuse_existing "$so_pin_file" "$pin_file"

	count=$(p11_token_count "$label")
	[ "$count" = 0 ] ||
		fatal "a token labelled '$label' already exists: choose another" \
			"label, or remove that token first (SoftHSM2: its folder" \
			"under the token directory)"
	slot=$(free_slot)
	[ -n "$slot" ] ||
		fatal "no slot of $P11_MODULE has an uninitialised token:" \
			"check SOFTHSM2_CONF and the token folder, or free a slot" \
			"with the HSM's own tools"

	secret_new "$so_pin_file" "$pin_format" "$pin_length"
	secret_new "$pin_file" "$pin_format" "$pin_length"
	log "wrote SO PIN to $so_pin_file and user PIN to $pin_file (mode 0600)"

	out=$(p11_secret MYCERT_SO_PIN "$so_pin_file" -- --init-token \
		--slot-index "$slot" --so-pin env:MYCERT_SO_PIN \
		--label "$label" 2>&1) ||
		fatal "initialising the token in slot index $slot failed:" \
			"$(printf '%s\n' "$out" | p11_last_error)"
	# The token now depends on the SO PIN file: keep it whatever happens.
	cleanup_done
	cleanup_add "$pin_file"
	[ "$(p11_token_count "$label")" = 1 ] ||
		fatal "token '$label' is not visible after initialisation:" \
			"check the module and SOFTHSM2_CONF"
	log "initialised token '$label' (slot index $slot)"

	out=$(p11_secret MYCERT_SO_PIN "$so_pin_file" \
		MYCERT_NEW_PIN "$pin_file" -- --token-label "$label" \
		--init-pin --login --login-type so --so-pin env:MYCERT_SO_PIN \
		--new-pin env:MYCERT_NEW_PIN 2>&1) ||
		fatal "setting the user PIN of token '$label' failed:" \
			"$(printf '%s\n' "$out" | p11_last_error);" \
			"the token exists with the SO PIN in $so_pin_file:" \
			"delete the token and start again"
	# The token now has this user PIN: keep its file whatever happens.
	cleanup_done

	out=$(p11_login "$pin_file" --token-label "$label" \
		--list-objects 2>&1) ||
		fatal "logging in to token '$label' with the new user PIN" \
			"failed: $(printf '%s\n' "$out" | p11_last_error)"
	log "set the user PIN of token '$label'; login checked"
}

main "$@"
