#!/bin/sh
# provisioning/token-keygen.sh: generate a key pair inside the token.
#
# Usage: token-keygen.sh --module MODULE --token LABEL --pin-file FILE
#                        --label KEYLABEL --id HEXID
#                        --type rsa:3072|rsa:2048|ec:p256
#                        [--softhsm2-conf FILE]
#
# The token generates the key itself (C_GenerateKeyPair): the private key is
# sensitive and never extractable and exists nowhere else.  There is no
# backup of it outside the token; see provisioning/README.md.  Refuses if an
# object with that label or id already exists.  Checks the attributes of
# the new key before it reports success.
set -eu

HERE=$(cd "$(dirname -- "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

usage() {
	printf 'usage: %s --module MODULE --token LABEL --pin-file FILE' \
		"$PROG" >&2
	printf ' --label KEYLABEL --id HEXID\n' >&2
	printf '       --type rsa:3072|rsa:2048|ec:p256' >&2
	printf ' [--softhsm2-conf FILE]\n' >&2
	exit 2
}

parse_args() {
	P11_MODULE=
	token=
	pin_file=
	key_label=
	key_id=
	key_type=
	while [ "$#" -gt 0 ]; do
		case $1 in
		--module) opt_arg "$1" "$#"; P11_MODULE=$2; shift 2 ;;
		--token) opt_arg "$1" "$#"; token=$2; shift 2 ;;
		--pin-file) opt_arg "$1" "$#"; pin_file=$2; shift 2 ;;
		--label) opt_arg "$1" "$#"; key_label=$2; shift 2 ;;
		--id) opt_arg "$1" "$#"; key_id=$2; shift 2 ;;
		--type) opt_arg "$1" "$#"; key_type=$2; shift 2 ;;
		--softhsm2-conf)
			opt_arg "$1" "$#"
			SOFTHSM2_CONF=$(abs_path "$2")
			export SOFTHSM2_CONF
			shift 2
			;;
		-h | --help) usage ;;
		*) log "unknown argument: $1"; usage ;;
		esac
	done
	if [ -z "$P11_MODULE" ] || [ -z "$token" ] || [ -z "$pin_file" ] ||
		[ -z "$key_label" ] || [ -z "$key_id" ] || [ -z "$key_type" ]
	then
		usage
	fi
	token=$(token_label_of "$token")
	check_label "$token" "token label"
	check_label "$key_label" "key label"
	key_id=$(printf '%s' "$key_id" | tr 'A-F' 'a-f')
	case $key_id in
	*[!0-9a-f]*) fatal "--id $key_id is not hexadecimal (e.g. 01)" ;;
	esac
	if [ $((${#key_id} % 2)) -ne 0 ] || [ "${#key_id}" -gt 40 ]; then
		fatal "--id $key_id must be whole bytes: an even number of hex" \
			"digits, at most 40"
	fi
	case $key_type in
	rsa:3072 | rsa:2048) p11_type=$key_type ;;
	ec:p256) p11_type=EC:prime256v1 ;;
	*) fatal "--type $key_type is not one of rsa:3072, rsa:2048, ec:p256" ;;
	esac
}

# refuse_taken: stop if an object of the token has the label or the id.
refuse_taken() {
	listing=
	p11_out listing "$pin_file" --token-label "$token" --list-objects ||
		fatal "cannot log in to token '$token' and list its objects" \
			"($P11_ERR): check the PIN in $pin_file"
	names=$(printf '%s\n' "$listing" | p11_object_names)
	if printf '%s\n' "$names" | grep -Fxq -- "label $key_label"; then
		fatal "token '$token' already has an object labelled" \
			"'$key_label': refusing to add a second one; choose" \
			"another label or delete the old key with the HSM's tools"
	fi
	if printf '%s\n' "$names" | grep -Fxq -- "id $key_id"; then
		fatal "token '$token' already has an object with id $key_id:" \
			"choose another --id"
	fi
}

# check_new_key: the key must be sensitive, never extractable and local.
check_new_key() {
	listing=
	p11_out listing "$pin_file" --token-label "$token" \
		--list-objects --type privkey ||
		fatal "cannot list the keys of token '$token' after" \
			"generation: $P11_ERR"
	KEY_LABEL=$key_label
	KEY_ID=$key_id
	keys=$(printf '%s\n' "$listing" | p11_privkeys)
	[ "$(printf '%s\n' "$keys" | grep -c .)" = 1 ] ||
		fatal "the new key '$key_label' (id $key_id) is not found once" \
			"in token '$token'"
	access=$(printf '%s\n' "$keys" | cut -f 3)
	for flag in sensitive "always sensitive" "never extractable" local; do
		access_has "$access" "$flag" ||
			fatal "the new key '$key_label' is not '$flag'" \
				"(Access: $access): do not use it; delete it and" \
				"check the token's policy"
	done
	if access_has "$access" extractable; then
		fatal "the new key '$key_label' is extractable: do not use it"
	fi
}

main() {
	parse_args "$@"
	need_cmd pkcs11-tool
	p11_check_module
	pin_file_check "$pin_file"

	count=$(p11_token_count "$token")
	case $count in
	1) ;;
	0) fatal "no token labelled '$token': run token-init.sh first or" \
		"check the module and SOFTHSM2_CONF" ;;
	*) fatal "$count tokens are labelled '$token': the label is" \
		"ambiguous; relabel or remove the extra ones" ;;
	esac
	refuse_taken

	log "generating $key_type key '$key_label' (id $key_id) inside" \
		"token '$token'"
	# No --extractable: the token makes the key sensitive and keeps it.
	p11_out out "$pin_file" --token-label "$token" --keypairgen \
		--key-type "$p11_type" --label "$key_label" --id "$key_id" \
		--usage-sign ||
		fatal "key generation in token '$token' failed: $P11_ERR"
	check_new_key
	log "generated key '$key_label' (id $key_id):" \
		"sensitive, never extractable, local"
}

main "$@"
