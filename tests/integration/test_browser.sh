#!/bin/sh
# test_browser.sh: the professional's flow in a real browser.  Debian's
# headless Chromium, driven by playwright-core (tests/browser/flow.mjs),
# clicks through the whole flow against a real mycertd (on a copy of the
# provisioned setup, a free port on 127.0.0.1), with and without
# JavaScript, and saves a screenshot of every page.  This script then
# opens each downloaded .p12 with `openssl pkcs12` and the password the
# page showed, checks that its certificate is the one the overview showed,
# and counts the screenshots.  Prints "N passed, N failed".
#
# Screenshots: $MYCERT_BROWSER_OUT/screenshots, by default
# $TMPDIR/browser/screenshots (build/check/browser/screenshots under
# make check).  Chromium and Node.js missing is a failure: run make deps.

set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/daemon.sh
. "$ROOT/tests/daemon.sh"

BROWSER_DIR="$ROOT/tests/browser"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
OUT=${MYCERT_BROWSER_OUT:-${TMPDIR:-/tmp}/browser}

# --- tools -------------------------------------------------------------------
tools_ok=1
if [ ! -x "$CHROMIUM" ]; then
	not_ok "chromium is installed" \
		"$CHROMIUM is missing; run: make deps (Debian package chromium)"
	tools_ok=0
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	not_ok "node and npm are installed" \
		"node or npm is missing; run: make deps, and install Node.js 20 with npm"
	tools_ok=0
else
	node_major=$(node -p 'process.versions.node.split(".")[0]')
	if [ "$node_major" -lt 20 ]; then
		not_ok "node is version 20 or later" \
			"node $(node --version) is too old for playwright-core"
		tools_ok=0
	fi
fi
if [ "$tools_ok" -eq 0 ]; then
	finish
	exit 1
fi
ok "chromium, node and npm are there"

if [ ! -f "$BROWSER_DIR/node_modules/playwright-core/package.json" ]; then
	log "installing playwright-core in tests/browser (npm ci)"
	if ! (cd "$BROWSER_DIR" && npm ci --no-audit --no-fund --loglevel=error \
		>"${TMPDIR:-/tmp}/browser-npm.log" 2>&1); then
		cat "${TMPDIR:-/tmp}/browser-npm.log" >&2
		not_ok "npm ci in tests/browser" "see the npm log above"
		finish
		exit 1
	fi
fi
ok "playwright-core is installed"

# --- the daemon ----------------------------------------------------------------
umask 077
WORK=$(mktemp -d "${TMPDIR:-/tmp}/browser-daemon.XXXXXX")
trap 'stop_daemon' EXIT
trap 'exit 2' INT TERM HUP
start_daemon "$WORK/setup"
OUTBOX=$(conf_value "$CONF" mail_outbox)
[ -d "$OUTBOX" ] || fatal "the outbox $OUTBOX of $CONF is missing"

mkdir -p "$OUT"
rm -rf "$OUT/screenshots"
rm -f "$OUT"/js.* "$OUT"/nojs.*

# --- the browser -------------------------------------------------------------
# The Chromium flags (headless, no sandbox, no background network, fresh
# profile) are set in flow.mjs.
log "browser flow against $BASE; screenshots in $OUT/screenshots"
if (cd "$BROWSER_DIR" && BASE=$BASE OUTBOX=$OUTBOX OUT=$OUT CHROMIUM=$CHROMIUM \
	TMPDIR=$WORK timeout 150 node flow.mjs); then
	ok "the browser went through the flow (flow.mjs)"
else
	not_ok "the browser went through the flow (flow.mjs)" \
		"see the FAIL line above; daemon log: $DAEMON_LOG"
fi

# --- the stores it downloaded --------------------------------------------------
# check_store NAME: NAME.p12 opens with NAME.password; prints its serial.
check_store() {
	_cs_p12="$OUT/$1.p12"
	_cs_pw="$OUT/$1.password"
	if [ ! -s "$_cs_p12" ] || [ ! -s "$_cs_pw" ]; then
		not_ok "$1: store and password saved" "$_cs_p12 or $_cs_pw missing"
		return
	fi
	if openssl pkcs12 -in "$_cs_p12" -passin "file:$_cs_pw" -nocerts \
		-nodes 2>"$WORK/$1.err" | grep -q 'BEGIN PRIVATE KEY'; then
		ok "$1: the .p12 opens with the shown password and holds a key"
	else
		not_ok "$1: the .p12 opens with the shown password and holds a key" \
			"$(head -n 3 "$WORK/$1.err")"
	fi
	if openssl pkcs12 -in "$_cs_p12" -passin pass:wrong-password -nokeys \
		>/dev/null 2>&1; then
		not_ok "$1: a wrong password is refused"
	else
		ok "$1: a wrong password is refused"
	fi
	_cs_serial=$(openssl pkcs12 -in "$_cs_p12" -passin "file:$_cs_pw" \
		-nokeys -clcerts 2>/dev/null | openssl x509 -noout -serial \
		2>/dev/null | sed 's/^serial=//' | tr 'A-F' 'a-f')
	if [ -n "$_cs_serial" ]; then
		ok "$1: the .p12 holds a certificate (serial $_cs_serial)"
	else
		not_ok "$1: the .p12 holds a certificate"
	fi
	if openssl pkcs12 -in "$_cs_p12" -passin "file:$_cs_pw" -nokeys \
		-clcerts 2>/dev/null | openssl verify -CAfile "$(conf_value \
		"$CONF" ca_cert)" >/dev/null 2>&1; then
		ok "$1: its certificate verifies against the CA"
	else
		not_ok "$1: its certificate verifies against the CA"
	fi
}

check_store js
check_store nojs

# The serial the overview showed is the certificate's.
shown=$(tr -d ' :\n' <"$OUT/js.serial" 2>/dev/null | tr 'A-F' 'a-f')
in_p12=$(openssl pkcs12 -in "$OUT/js.p12" -passin "file:$OUT/js.password" \
	-nokeys -clcerts 2>/dev/null | openssl x509 -noout -serial 2>/dev/null |
	sed 's/^serial=//' | tr 'A-F' 'a-f')
# openssl drops leading zero bytes of a serial; the page may not.
if [ -n "$in_p12" ] && [ "$(echo "$shown" | sed 's/^0*//')" = \
	"$(echo "$in_p12" | sed 's/^0*//')" ]; then
	ok "the overview showed the serial of the downloaded certificate"
else
	not_ok "the overview showed the serial of the downloaded certificate" \
		"page: '$shown', .p12: '$in_p12'"
fi

# --- screenshots ---------------------------------------------------------------
shots=0
bad=""
for f in "$OUT"/screenshots/*.png; do
	[ -f "$f" ] || continue
	# A PNG starts with \211PNG.
	if [ "$(head -c 4 "$f" | tail -c 3)" = "PNG" ] && [ -s "$f" ]; then
		shots=$((shots + 1))
	else
		bad="$bad $(basename "$f")"
	fi
done
if [ "$shots" -ge 10 ] && [ -z "$bad" ]; then
	ok "$shots screenshots in $OUT/screenshots"
else
	not_ok "at least 10 screenshots in $OUT/screenshots" \
		"found $shots valid PNG files; not PNG:${bad:- none}"
fi

# --- the daemon's side ---------------------------------------------------------
stop_daemon
if grep -q 'status=5[0-9][0-9]' "$DAEMON_LOG"; then
	not_ok "the daemon answered no 5xx" \
		"$(grep 'status=5[0-9][0-9]' "$DAEMON_LOG" | head -n 3)"
else
	ok "the daemon answered no 5xx"
fi
if grep -q 'error=origin-refused\|error=csrf-refused' "$DAEMON_LOG"; then
	not_ok "no click was refused by the Origin or CSRF checks" \
		"$(grep 'error=origin-refused\|error=csrf-refused' "$DAEMON_LOG" |
			head -n 3)"
else
	ok "no click was refused by the Origin or CSRF checks"
fi

# The daemon copy (token, PIN files, log) stays only when something failed.
if [ "$FAILED" -eq 0 ]; then
	rm -rf "$WORK"
fi
finish
