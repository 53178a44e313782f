#!/bin/sh
# tests/integration/test_provisioning.sh: the provisioning scripts, end to
# end, on throwaway SoftHSM2 tokens in a temporary folder.
#
# Usage: tests/integration/test_provisioning.sh
#
# Provisions a development appliance with provisioning/provision-dev.sh
# (under strace when it is installed, to prove that no PIN reaches an
# argv), checks files, modes, configuration and certificates, runs
# check-token.sh, then the refusals: a second provisioning of the same
# folder, existing files and keys, and check-token.sh against an
# extractable, an imported and a world-readable setup.  Also walks the
# production path (ca-csr, a test root signs, ca-import, audit-cert).
# Needs build/mycert-admin (provision-dev.sh builds it when missing).
# Prints one line per test and "N passed, N failed" at the end; exits 1 if
# any test failed.

# shellcheck disable=SC2016 # the sh -c snippets read their own $1, $2
set -eu

ROOT=$(cd "$(dirname -- "$0")/../.." && pwd)
P=$ROOT/provisioning
MODULE=/usr/lib/softhsm/libsofthsm2.so
PASSED=0
FAILED=0
SKIPPED=0

unset SOFTHSM2_CONF MYCERT_PIN MYCERT_SO_PIN MYCERT_NEW_PIN 2>/dev/null ||
	true
WORK=$(mktemp -d "${TMPDIR:-/tmp}/test_provisioning.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
DEV=$WORK/dev

pass() {
	PASSED=$((PASSED + 1))
	printf 'ok   %s\n' "$1"
}

# fail NAME [DETAIL]: DETAIL, or the output of the last run, is shown.
fail() {
	FAILED=$((FAILED + 1))
	printf 'FAIL %s\n' "$1"
	if [ "$#" -ge 2 ]; then
		printf '     %s\n' "$2"
	elif [ -s "$WORK/out" ]; then
		tail -n 8 "$WORK/out" | sed 's/^/     | /'
	fi
}

skip() {
	SKIPPED=$((SKIPPED + 1))
	printf 'skip %s (%s)\n' "$1" "$2"
}

# run CMD...: RC is its status; its output is in $WORK/out.
run() {
	RC=0
	"$@" >"$WORK/out" 2>&1 </dev/null || RC=$?
}

# expect_ok NAME CMD... / expect_fail NAME CMD...
expect_ok() {
	_name=$1
	shift
	run "$@"
	if [ "$RC" = 0 ]; then pass "$_name"; else fail "$_name"; fi
}

expect_fail() {
	_name=$1
	shift
	run "$@"
	if [ "$RC" != 0 ]; then pass "$_name"; else fail "$_name"; fi
}

# check NAME CMD...: pass when CMD succeeds (quietly).
check() {
	_name=$1
	shift
	if "$@" >/dev/null 2>&1; then pass "$_name"; else fail "$_name" \
		"condition failed: $*"; fi
}

out_has() {
	grep -Fq -- "$1" "$WORK/out"
}

mode_of() {
	# shellcheck disable=SC2012 # one known path, only its mode
	LC_ALL=C ls -ldn -- "$1" | cut -c 1-10
}

has_mode() {
	[ -e "$1" ] && [ "$(mode_of "$1")" = "$2" ]
}

# tree_sum DIR [PRUNE]: names, modes, sizes, mtimes and contents of a whole
# tree, without the subfolder PRUNE if given.
tree_sum() {
	(
		cd "$1" &&
			find . -path "./${2:-.no-prune.}" -prune -o \
				-exec ls -lnd --time-style=+%s {} + | sort &&
			find . -path "./${2:-.no-prune.}" -prune -o \
				-type f -exec sha256sum {} + | sort
	) | sha256sum
}

# token_objects DIR: the objects of the development token, logged in.
token_objects() {
	(
		SOFTHSM2_CONF=$1/softhsm2.conf
		export SOFTHSM2_CONF
		pin_env "$1/user.pin" pkcs11-tool --module "$MODULE" \
			--token-label mycert-dev --login --pin env:TEST_PIN \
			--list-objects </dev/null 2>/dev/null
	)
}

same_nonempty() {
	[ -n "$1" ] && [ "$1" = "$2" ]
}

# conf_keys FILE: the key names of a config, commented-out keys included.
conf_keys() {
	sed -n 's/^#\{0,1\} *\([a-z][a-z0-9_]*\) *= .*/\1/p' "$1" | sort
}

conf_value() {
	sed -n "s/^$2 *= *//p" "$1"
}

# pin_env FILE CMD...: CMD with the PIN of FILE in $TEST_PIN (not argv).
pin_env() {
	(
		IFS= read -r TEST_PIN <"$1"
		export TEST_PIN
		shift
		"$@"
	)
}

# --- static checks ---------------------------------------------------------

test_static() {
	if command -v shellcheck >/dev/null 2>&1; then
		expect_ok "scripts are shellcheck clean" \
			shellcheck "$P"/*.sh "$0"
	else
		skip "scripts are shellcheck clean" "shellcheck not installed"
	fi

	# A PIN option must be followed by env:, never by a value.
	grep -nE -e '--(so-|new-)?pin[= ]' "$P"/*.sh |
		grep -vE -e '--(so-|new-)?pin[= ]env:' >"$WORK/out" || true
	if [ -s "$WORK/out" ]; then
		fail "no script passes a PIN value on a command line"
	else
		pass "no script passes a PIN value on a command line"
	fi
	grep -n 'softhsm2-util' "$P"/*.sh | grep -e '--pin' \
		>"$WORK/out" || true
	if [ -s "$WORK/out" ]; then
		fail "no script gives softhsm2-util a PIN"
	else
		pass "no script gives softhsm2-util a PIN"
	fi
}

# --- the development appliance ---------------------------------------------

test_provision() {
	if command -v strace >/dev/null 2>&1; then
		TRACE=$WORK/execve.trace
		# LeakSanitizer cannot run under ptrace (sanitizer build): the
		# traced mycert-admin runs without leak detection; every other
		# run of it keeps it.
		expect_ok "provision-dev.sh provisions a new folder" \
			env ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
			strace -f -qq -e trace=execve -s 4096 -o "$TRACE" \
			"$P/provision-dev.sh" "$DEV"
	else
		TRACE=
		expect_ok "provision-dev.sh provisions a new folder" \
			"$P/provision-dev.sh" "$DEV"
	fi
	cp "$WORK/out" "$WORK/provision.out"
	if out_has "user.pin" && ! out_has "Please enter"; then
		pass "provision-dev.sh prints a summary and never prompts"
	else
		fail "provision-dev.sh prints a summary and never prompts"
	fi

	for f in mycertd.conf ca.pem audit.pem tls.pem tls-key.pem \
		portal-key.pem portal-pub.pem softhsm2.conf so.pin user.pin; do
		check "provisioned file $f exists" test -s "$DEV/$f"
	done
	for f in so.pin user.pin tls-key.pem portal-key.pem; do
		check "secret $f has mode 0600" has_mode "$DEV/$f" -rw-------
	done
	for d in . tokens outbox; do
		check "folder $d has mode 0700" has_mode "$DEV/$d" drwx------
	done
	check "user PIN is 32 hex characters on one line" sh -c \
		'[ "$(wc -l <"$1")" = 1 ] && grep -Eqx "[0-9a-f]{32}" "$1"' \
		sh "$DEV/user.pin"
	check "SO PIN differs from user PIN" sh -c \
		'! cmp -s "$1" "$2"' sh "$DEV/so.pin" "$DEV/user.pin"
}

test_no_pin_in_argv() {
	name="no PIN value appears in any execve argv"
	if [ -z "$TRACE" ]; then
		skip "$name" "strace not installed"
		return 0
	fi
	if [ ! -s "$TRACE" ] ||
		! grep -q '"pkcs11-tool", .*"--login"' "$TRACE"; then
		fail "$name" "the trace shows no pkcs11-tool login: test is void"
		return 0
	fi
	for f in so.pin user.pin; do
		IFS= read -r pin <"$DEV/$f"
		if [ -z "$pin" ] || grep -Fq -- "$pin" "$TRACE"; then
			fail "$name" "the value of $f is in the trace"
			return 0
		fi
	done
	pin=
	pass "$name"
}

test_config() {
	conf=$DEV/mycertd.conf
	conf_keys "$ROOT/hsm-config/mycertd.conf.example" >"$WORK/keys.example"
	conf_keys "$conf" >"$WORK/keys.dev"
	if diff "$WORK/keys.example" "$WORK/keys.dev" >"$WORK/out"; then
		pass "mycertd.conf has the keys of mycertd.conf.example"
	else
		fail "mycertd.conf has the keys of mycertd.conf.example"
	fi
	bad=
	for k in softhsm2_conf pin_file ca_cert audit_cert database tls_cert \
		tls_key portal_public_key dev_portal_key mail_outbox; do
		v=$(conf_value "$conf" "$k")
		case $v in
		"$DEV"/*) ;;
		*) bad="$bad $k" ;;
		esac
	done
	if [ -z "$bad" ]; then
		pass "mycertd.conf paths are absolute inside the folder"
	else
		fail "mycertd.conf paths are absolute inside the folder" \
			"not absolute in $DEV:$bad"
	fi
	check "mycertd.conf turns the dev portal on" \
		test "$(conf_value "$conf" dev_portal)" = on
	check "mycertd.conf names the dev portal key" \
		test "$(conf_value "$conf" dev_portal_key)" = "$DEV/portal-key.pem"
}

test_certificates() {
	check "ca.pem is a CA certificate" sh -c \
		'openssl x509 -in "$1" -noout -text | grep -q "CA:TRUE"' \
		sh "$DEV/ca.pem"
	check "ca.pem is self-signed and valid" \
		openssl verify -CAfile "$DEV/ca.pem" "$DEV/ca.pem"
	check "ca.pem has the default subject" sh -c \
		'openssl x509 -in "$1" -noout -subject -nameopt RFC2253 |
		grep -Fqx "subject=CN=mycert development CA,O=mycert development,C=FR"' \
		sh "$DEV/ca.pem"
	check "ca.pem certifies the RSA key of the token" sh -c \
		'openssl x509 -in "$1" -noout -text |
		grep -q "Public-Key: (3072 bit)"' sh "$DEV/ca.pem"
	check "audit.pem verifies against ca.pem" \
		openssl verify -CAfile "$DEV/ca.pem" "$DEV/audit.pem"
	check "tls.pem names 127.0.0.1 and localhost" sh -c \
		'openssl x509 -in "$1" -noout -ext subjectAltName |
		grep -q "IP Address:127.0.0.1, DNS:localhost"' sh "$DEV/tls.pem"
	check "tls.pem is for serverAuth" sh -c \
		'openssl x509 -in "$1" -noout -ext extendedKeyUsage |
		grep -q "TLS Web Server Authentication"' sh "$DEV/tls.pem"
	check "tls.pem is valid now" \
		openssl x509 -in "$DEV/tls.pem" -noout -checkend 0
	check "tls.pem expires within 826 days" sh -c \
		'! openssl x509 -in "$1" -noout -checkend 71366400' \
		sh "$DEV/tls.pem"
	check "tls-key.pem matches tls.pem" sh -c \
		'[ "$(openssl x509 -in "$1" -noout -pubkey)" = \
		"$(openssl pkey -in "$2" -pubout)" ]' \
		sh "$DEV/tls.pem" "$DEV/tls-key.pem"
	check "portal keys are a P-256 pair" sh -c \
		'openssl pkey -in "$1" -noout -text | grep -q "NIST CURVE: P-256" &&
		[ "$(openssl pkey -in "$1" -pubout)" = "$(cat "$2")" ]' \
		sh "$DEV/portal-key.pem" "$DEV/portal-pub.pem"
}

test_check_token() {
	expect_ok "check-token.sh passes on the provisioned token" \
		"$P/check-token.sh" "$DEV/mycertd.conf"
	n=$(grep -c '^ok ' "$WORK/out") || true
	if [ "$n" -ge 17 ] && ! grep -q '^FAIL' "$WORK/out"; then
		pass "check-token.sh reports every check ok"
	else
		fail "check-token.sh reports every check ok"
	fi
	for prop in present private sensitive "always sensitive" \
		"never extractable" local; do
		check "check-token.sh reports ca_key $prop" \
			grep -q "^ok   ca_key mycert-ca: $prop" "$WORK/out"
	done
	# The key reference as an RFC 7512 URI, token too.
	sed -e 's|^token = .*|token = pkcs11:token=mycert%2Ddev;serial=0|' \
		-e 's|^ca_key = .*|ca_key = pkcs11:object=mycert-ca;id=%01|' \
		"$DEV/mycertd.conf" >"$WORK/uri.conf"
	expect_ok "check-token.sh reads token and key URIs" \
		"$P/check-token.sh" "$WORK/uri.conf"
}

test_refusals() {
	before=$(tree_sum "$DEV")
	expect_fail "provision-dev.sh refuses a folder that is not empty" \
		"$P/provision-dev.sh" "$DEV"
	if grep -Eq "not empty \(found $DEV/[^)]+\)" "$WORK/out"; then
		pass "the refusal names the file it found"
	else
		fail "the refusal names the file it found"
	fi
	after=$(tree_sum "$DEV")
	check "a refused provisioning changes nothing in the folder" \
		test "$before" = "$after"

	# The refusals below log in, and a SoftHSM2 login rewrites a counter
	# in the token file: compare the token by its objects instead.
	before=$(tree_sum "$DEV" tokens)
	objects_before=$(token_objects "$DEV")

	mkdir "$WORK/used"
	echo keep >"$WORK/used/notes.txt"
	expect_fail "provision-dev.sh refuses a folder with one file" \
		"$P/provision-dev.sh" "$WORK/used"
	check "the other folder is left as it was" sh -c \
		'[ "$(ls -A "$1")" = notes.txt ] && [ "$(cat "$1/notes.txt")" = keep ]' \
		sh "$WORK/used"

	expect_fail "softhsm-setup.sh refuses an existing softhsm2.conf" \
		"$P/softhsm-setup.sh" "$DEV"
	expect_fail "token-init.sh refuses existing PIN files" \
		env SOFTHSM2_CONF="$DEV/softhsm2.conf" "$P/token-init.sh" \
		--module "$MODULE" --label other --so-pin-file "$DEV/so.pin" \
		--pin-file "$WORK/new-user.pin"
	check "token-init.sh left no new PIN file behind" \
		test ! -e "$WORK/new-user.pin"
	expect_fail "token-init.sh refuses a label that exists" \
		env SOFTHSM2_CONF="$DEV/softhsm2.conf" "$P/token-init.sh" \
		--module "$MODULE" --label mycert-dev \
		--so-pin-file "$WORK/so2.pin" --pin-file "$WORK/user2.pin"
	check "token-init.sh wrote no PIN file for a refused label" \
		test ! -e "$WORK/so2.pin"
	expect_fail "token-keygen.sh refuses a key label that exists" \
		env SOFTHSM2_CONF="$DEV/softhsm2.conf" "$P/token-keygen.sh" \
		--module "$MODULE" --token mycert-dev --pin-file "$DEV/user.pin" \
		--label mycert-ca --id 09 --type ec:p256
	expect_fail "token-keygen.sh refuses a key id that exists" \
		env SOFTHSM2_CONF="$DEV/softhsm2.conf" "$P/token-keygen.sh" \
		--module "$MODULE" --token mycert-dev --pin-file "$DEV/user.pin" \
		--label another --id 01 --type ec:p256
	expect_fail "write-config.sh refuses an existing mycertd.conf" \
		"$P/write-config.sh" "$DEV"
	expect_fail "tls-cert.sh refuses to overwrite a key" \
		"$P/tls-cert.sh" --out-cert "$WORK/x.pem" \
		--out-key "$DEV/tls-key.pem"
	check "tls-cert.sh left no certificate behind" test ! -e "$WORK/x.pem"
	expect_fail "ca-selfsign.sh refuses to replace ca.pem" \
		"$P/ca-selfsign.sh" "$DEV/mycertd.conf"
	after=$(tree_sum "$DEV" tokens)
	check "the refused commands changed no file outside the token" \
		test "$before" = "$after"
	objects_after=$(token_objects "$DEV")
	check "the refused commands changed no object of the token" \
		same_nonempty "$objects_before" "$objects_after"
}

# --- check-token.sh against bad tokens --------------------------------------

# bad_token NAME: a throwaway token "NAME" in $WORK/NAME, and a copy of the
# development config pointing at it, in $WORK/NAME/mycertd.conf.
bad_token() {
	b=$WORK/$1
	"$P/softhsm-setup.sh" "$b" >/dev/null 2>&1 &&
		SOFTHSM2_CONF=$b/softhsm2.conf "$P/token-init.sh" \
			--module "$MODULE" --label "$1" --so-pin-file "$b/so.pin" \
			--pin-file "$b/user.pin" >/dev/null 2>&1 || return 1
	sed -e "s|^softhsm2_conf = .*|softhsm2_conf = $b/softhsm2.conf|" \
		-e "s|^token = .*|token = $1|" \
		-e "s|^pin_file = .*|pin_file = $b/user.pin|" \
		"$DEV/mycertd.conf" >"$b/mycertd.conf"
}

# p11_bad TOKENDIR ARGS...: pkcs11-tool logged in to a throwaway token.
p11_bad() {
	(
		SOFTHSM2_CONF=$1/softhsm2.conf
		export SOFTHSM2_CONF
		_b=$1
		shift
		pin_env "$_b/user.pin" pkcs11-tool --module "$MODULE" --login \
			--pin env:TEST_PIN "$@" </dev/null >/dev/null 2>&1
	)
}

test_bad_tokens() {
	b=$WORK/badtok
	if ! bad_token badtok ||
		! p11_bad "$b" --token-label badtok --keypairgen \
			--key-type rsa:2048 --label mycert-ca --id 01 \
			--usage-sign --extractable ||
		! openssl genpkey -algorithm EC -pkeyopt \
			ec_paramgen_curve:P-256 -out "$b/sw.pem" 2>/dev/null ||
		! openssl pkey -in "$b/sw.pem" -outform DER -out "$b/sw.der" ||
		! p11_bad "$b" --token-label badtok --write-object "$b/sw.der" \
			--type privkey --label mycert-audit --id 02; then
		fail "a throwaway token with bad keys can be made"
		return 0
	fi
	pass "a throwaway token with bad keys can be made"
	# One key per config, so that each refusal has a single cause.
	sed '/^audit_key/d' "$b/mycertd.conf" >"$b/extractable.conf"
	sed -e '/^audit_key/d' -e 's/^ca_key = .*/ca_key = mycert-audit/' \
		"$b/mycertd.conf" >"$b/imported.conf"
	expect_fail "check-token.sh fails on an extractable CA key" \
		"$P/check-token.sh" "$b/extractable.conf"
	check "check-token.sh names the extractable CA key" \
		grep -q '^FAIL ca_key mycert-ca: never extractable' "$WORK/out"
	check "check-token.sh fails nothing else on that key" \
		test "$(grep -c '^FAIL' "$WORK/out")" = 1
	expect_fail "check-token.sh fails on an imported CA key" \
		"$P/check-token.sh" "$b/imported.conf"
	check "check-token.sh fails an imported key as not local" \
		grep -q '^FAIL ca_key mycert-audit: local' "$WORK/out"
	check "check-token.sh fails an imported key as not always sensitive" \
		grep -q '^FAIL ca_key mycert-audit: always sensitive' "$WORK/out"

	# A good token, then break the things around it.
	g=$WORK/goodtok
	if ! bad_token goodtok ||
		! SOFTHSM2_CONF=$g/softhsm2.conf "$P/token-keygen.sh" \
			--module "$MODULE" --token goodtok --pin-file "$g/user.pin" \
			--label mycert-ca --id 01 --type ec:p256 >/dev/null 2>&1; then
		fail "a throwaway good token can be made"
		return 0
	fi
	sed -i '/^audit_key/d' "$g/mycertd.conf"
	expect_ok "check-token.sh passes without audit_key" \
		"$P/check-token.sh" "$g/mycertd.conf"

	chmod 644 "$g/user.pin"
	expect_fail "check-token.sh fails a PIN file readable by others" \
		"$P/check-token.sh" "$g/mycertd.conf"
	chmod 600 "$g/user.pin"

	chmod 755 "$g/tokens"
	expect_fail "check-token.sh fails a token folder open to others" \
		"$P/check-token.sh" "$g/mycertd.conf"
	chmod 700 "$g/tokens"

	cp "$g/user.pin" "$g/user.pin.good"
	printf '0000000000\n' >"$g/user.pin"
	expect_fail "check-token.sh fails with a wrong PIN" \
		"$P/check-token.sh" "$g/mycertd.conf"
	check "check-token.sh reports the failed login" \
		grep -q '^FAIL login' "$WORK/out"
	mv "$g/user.pin.good" "$g/user.pin"

	sed -i 's/^ca_key = .*/ca_key = no-such-key/' "$g/mycertd.conf"
	expect_fail "check-token.sh fails a missing CA key" \
		"$P/check-token.sh" "$g/mycertd.conf"
	sed -i 's/^token = .*/token = no-such-token/' "$g/mycertd.conf"
	expect_fail "check-token.sh fails a missing token" \
		"$P/check-token.sh" "$g/mycertd.conf"
}

# --- production path: CSR, external root, import ----------------------------

test_production_path() {
	r=$WORK/prod
	if ! bad_token prod ||
		! SOFTHSM2_CONF=$r/softhsm2.conf "$P/token-keygen.sh" \
			--module "$MODULE" --token prod --pin-file "$r/user.pin" \
			--label mycert-ca --id 01 --type rsa:3072 >/dev/null 2>&1 ||
		! SOFTHSM2_CONF=$r/softhsm2.conf "$P/token-keygen.sh" \
			--module "$MODULE" --token prod --pin-file "$r/user.pin" \
			--label mycert-audit --id 02 --type ec:p256 >/dev/null 2>&1
	then
		fail "a production-like token can be made"
		return 0
	fi
	sed -i -e "s|^ca_cert = .*|ca_cert = $r/ca.pem|" \
		-e "s|^audit_cert = .*|audit_cert = $r/audit.pem|" \
		-e "s|^# chain_file = .*|chain_file = $r/chain.pem|" \
		-e "s|^database = .*|database = $r/mycert.db|" \
		"$r/mycertd.conf"
	expect_ok "ca-csr.sh writes a request for the token's CA key" \
		"$P/ca-csr.sh" "$r/mycertd.conf" --out "$r/ca.csr" \
		--subject "/C=FR/O=Test Health/CN=test issuing CA"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$r/root.key" -out "$r/root.pem" -subj /CN=test-root \
		-days 30 -addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign >/dev/null 2>&1
	printf '%s\n' 'basicConstraints = critical, CA:TRUE, pathlen:0' \
		'keyUsage = critical, keyCertSign, cRLSign, digitalSignature' \
		'subjectKeyIdentifier = hash' \
		'authorityKeyIdentifier = keyid' >"$r/ext.cnf"
	if ! openssl x509 -req -in "$r/ca.csr" -CA "$r/root.pem" \
		-CAkey "$r/root.key" -extfile "$r/ext.cnf" -days 20 \
		-out "$r/signed.pem" >/dev/null 2>&1; then
		fail "the test root signs the request"
		return 0
	fi
	expect_ok "ca-import.sh installs the signed CA certificate" \
		"$P/ca-import.sh" "$r/mycertd.conf" "$r/signed.pem" \
		--chain "$r/root.pem"
	check "ca-import.sh installed ca.pem" cmp "$r/ca.pem" "$r/signed.pem"
	expect_ok "audit-cert.sh certifies the audit key" \
		"$P/audit-cert.sh" "$r/mycertd.conf" --days 10
	check "audit.pem chains to the root" openssl verify \
		-CAfile "$r/root.pem" -untrusted "$r/ca.pem" "$r/audit.pem"
	expect_ok "check-token.sh passes on the production-like token" \
		"$P/check-token.sh" "$r/mycertd.conf"
}

test_ec_ca() {
	expect_ok "provision-dev.sh --ca-key-type ec provisions" \
		"$P/provision-dev.sh" "$WORK/dev-ec" --ca-key-type ec
	check "the EC CA certificate holds a P-256 key" sh -c \
		'openssl x509 -in "$1" -noout -text | grep -q "NIST CURVE: P-256"' \
		sh "$WORK/dev-ec/ca.pem"
}

main() {
	for c in pkcs11-tool openssl sha256sum; do
		command -v "$c" >/dev/null 2>&1 || {
			printf 'FAIL %s is not installed\n0 passed, 1 failed\n' "$c"
			exit 1
		}
	done
	if [ ! -r "$MODULE" ]; then
		printf 'FAIL %s is missing (apt-get install softhsm2)\n' "$MODULE"
		printf '0 passed, 1 failed\n'
		exit 1
	fi
	test_static
	test_provision
	test_no_pin_in_argv
	test_config
	test_certificates
	test_check_token
	test_refusals
	test_bad_tokens
	test_production_path
	test_ec_ca

	if [ "$SKIPPED" -gt 0 ]; then
		printf '%d passed, %d failed, %d skipped\n' \
			"$PASSED" "$FAILED" "$SKIPPED"
	else
		printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
	fi
	[ "$FAILED" = 0 ]
}

main "$@"
