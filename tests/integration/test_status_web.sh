#!/bin/sh
# test_status_web.sh: the status listener (CRL, CA certificate, OCSP over
# plain HTTP) of the real mycertd, with real relying software.
#
# A doctor gets a store through the web flow (curl, mail outbox); a real
# nginx (Debian's, unprivileged, on a free loopback port) that requires
# client certificates from the CA and loads the CRL fetched from the
# listener accepts it, and `openssl ocsp` says good.  After deactivation
# through the web flow the listener serves a new CRL listing the serial
# with its reason, nginx reloaded with it refuses the same store, and
# `openssl ocsp` (POST and GET) says revoked with the reason; every answer
# verifies with the CA certificate.  A revocation by mycert-admin in
# another process reaches the CRL too, and the CRL number grows each
# time.  Broken OCSP input (truncated, garbage, another issuer, huge, bad
# base64, wrong type) gets an OCSP error or "unknown", never a 5xx, and
# the responder keeps answering.  Prints "N passed, N failed".

# shellcheck disable=SC2016 # the sh -c snippets read their own $1
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/daemon.sh
. "$(dirname "$0")/../daemon.sh"

[ -x "$DAEMON" ] || fatal "$DAEMON is missing; run: make"
[ -x "$DEVPORTAL" ] || fatal "$DEVPORTAL is missing; run: make"
command -v nginx >/dev/null || fatal "nginx is missing; run: make deps"

umask 077
WORK=$(mktemp -d "${TMPDIR:-/tmp}/status-web.XXXXXX")
S="$WORK/setup"
NGX=""
NGINX_PID=""

cleanup() {
	stop_daemon
	if [ -n "$NGINX_PID" ] && kill -0 "$NGINX_PID" 2>/dev/null; then
		kill -QUIT "$NGINX_PID"
		wait "$NGINX_PID" 2>/dev/null || true
	fi
	NGINX_PID=""
	if [ "$FAILED" -ne 0 ]; then
		if [ -f "$S/mycertd.log" ]; then
			log "last lines of the daemon's log:"
			tail -n 25 "$S/mycertd.log" >&2
		fi
		if [ -n "$NGX" ] && [ -f "$NGX/error.log" ]; then
			log "last lines of nginx's error log:"
			tail -n 10 "$NGX/error.log" >&2
		fi
	fi
	[ -z "$NGX" ] || rm -rf "$NGX"
	if [ -n "${MYCERT_KEEP_WORK:-}" ]; then
		log "kept $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 2' INT TERM HUP

prepare_daemon "$S"
OUTBOX=$(conf_value "$CONF" mail_outbox)
if [ -z "$OUTBOX" ] || [ ! -d "$OUTBOX" ]; then
	fatal "the setup has no mail_outbox folder"
fi
CRL_PATH=/$(conf_value "$CONF" crl_url | sed 's|^http://[^/]*/||')
CA_PATH=/$(conf_value "$CONF" ca_issuers_url | sed 's|^http://[^/]*/||')
OCSP_URL="$STATUS_BASE/ocsp"
[ "$(conf_value "$CONF" ocsp_url)" = "$OCSP_URL" ] ||
	fatal "the setup's ocsp_url does not end in /ocsp"
run_daemon

# ---- helpers ----------------------------------------------------------------

# status METHOD PATH [CURL_ARGS...]: one plain-HTTP request to the status
# listener; sets ST_CODE and ST_SIZE (body bytes received), leaves
# headers in $WORK/st.headers and the body in $WORK/st.body.
status() {
	_st_method=$1
	_st_path=$2
	shift 2
	if [ "$_st_method" = HEAD ]; then
		set -- -I -o /dev/null "$@"
	else
		set -- -X "$_st_method" -o "$WORK/st.body" "$@"
	fi
	_st_out=$(curl -s --max-time 10 -D "$WORK/st.headers" \
		-w '%{http_code} %{size_download}' "$@" \
		"$STATUS_BASE$_st_path") || _st_out="000 0"
	ST_CODE=${_st_out%% *}
	ST_SIZE=${_st_out##* }
	REQUESTS=$((REQUESTS + 1))
}
REQUESTS=0

# st_header NAME: a header of the last status answer.
st_header() {
	WEB_HEADERS="$WORK/st.headers" web_header "$1"
}

# fetch_crl OUT: the CRL the listener serves now, in DER at OUT.
fetch_crl() {
	status GET "$CRL_PATH"
	[ "$ST_CODE" = 200 ] && cp "$WORK/st.body" "$1"
}

# crl_number FILE: the CRL number of a DER CRL, in decimal.
crl_number() {
	_cn_hex=$(openssl crl -inform DER -in "$1" -noout -crlnumber \
		2>/dev/null | sed -n 's/^crlNumber=\(0x\)\{0,1\}//p')
	[ -n "$_cn_hex" ] && echo $((0x$_cn_hex))
}

# crl_lists FILE SERIAL: the DER CRL lists the serial (hex, any case).
crl_lists() {
	openssl crl -inform DER -in "$1" -noout -text 2>/dev/null |
		grep -qix " *Serial Number: *$2"
}

# wait_crl_listing SERIAL SECONDS: polls the listener every 50 ms until
# its CRL lists SERIAL (left in $WORK/crl-now.der); sets WAITED_MS.
wait_crl_listing() {
	_wc_t0=$(date +%s%N)
	_wc_end=$((_wc_t0 + $2 * 1000000000))
	while [ "$(date +%s%N)" -le "$_wc_end" ]; do
		if fetch_crl "$WORK/crl-now.der" &&
			crl_lists "$WORK/crl-now.der" "$1"; then
			WAITED_MS=$((($(date +%s%N) - _wc_t0) / 1000000))
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# ocsp_ask CERT [ISSUER [OPTIONS...]]: openssl ocsp against the
# responder (POST), the answer checked with the CA certificate; its text
# in $WORK/ocsp.out.
ocsp_ask() {
	_oa_cert=$1
	_oa_issuer=${2:-$S/ca.pem}
	shift
	[ $# -eq 0 ] || shift
	openssl ocsp -issuer "$_oa_issuer" -cert "$_oa_cert" -url "$OCSP_URL" \
		-CAfile "$S/ca.pem" -resp_text -timeout 10 "$@" \
		>"$WORK/ocsp.out" 2>&1
	REQUESTS=$((REQUESTS + 1))
}

# ocsp_says TEXT: the last ocsp_ask answer holds TEXT (fixed).
ocsp_says() {
	grep -qF -- "$1" "$WORK/ocsp.out"
}

# ocsp_post FILE [CONTENT_TYPE]: POSTs FILE as an OCSP request; the
# answer in $WORK/st.body.
ocsp_post() {
	status POST /ocsp -H "Content-Type: ${2:-application/ocsp-request}" \
		--data-binary "@$1"
}

# ocsp_get_url FILE: the GET URL of a DER request (RFC 6960 appendix A).
ocsp_get_url() {
	printf '%s/ocsp/%s' "$STATUS_BASE" "$(base64 -w0 "$1" |
		sed 's|+|%2B|g; s|/|%2F|g; s|=|%3D|g')"
}

# resp_text FILE: the text of a DER OCSP response (signature not checked).
resp_text() {
	openssl ocsp -respin "$1" -resp_text -noverify 2>&1
}

# resp_status FILE: "successful", "malformedrequest", ... of a response
# (openssl prints "Responder Error: <status>" for an error status).
resp_status() {
	resp_text "$1" | sed -n 's/.*OCSP Response Status: \([a-z]*\).*/\1/p
		s/^Responder Error: \([a-z]*\).*/\1/p'
}

# ---- (a) the CRL and the CA certificate --------------------------------------

status GET "$CRL_PATH"
cp "$WORK/st.body" "$WORK/crl-0.der"
check "the listener serves the CRL at the path of crl_url (200)" \
	[ "$ST_CODE" = 200 ]
check "the CRL is served as application/pkix-crl" \
	[ "$(st_header Content-Type)" = application/pkix-crl ]
check "the CRL carries a public max-age of at most 300 s" \
	sh -c 'printf "%s" "$1" | grep -Eq "^public, max-age=([0-9]|[0-9][0-9]|[12][0-9][0-9]|300), no-transform$"' \
	_ "$(st_header Cache-Control)"
ETAG=$(st_header ETag)
check "the CRL carries an ETag and a Last-Modified date" \
	sh -c '[ -n "$1" ] && [ -n "$2" ]' _ "$ETAG" \
	"$(st_header Last-Modified)"
check "the CRL answer says nosniff" \
	[ "$(st_header X-Content-Type-Options)" = nosniff ]
check "openssl crl -CAfile verifies the published CRL" \
	sh -c 'openssl crl -inform DER -in "$1" -CAfile "$2" -noout 2>&1 |
		grep -qx "verify OK"' _ "$WORK/crl-0.der" "$S/ca.pem"
check "the CRL published at start is empty and valid" \
	sh -c 'openssl crl -inform DER -in "$1" -noout -text |
		grep -q "No Revoked Certificates"' _ "$WORK/crl-0.der"
check "the CRL has an authority key identifier and a nextUpdate" \
	sh -c 'openssl crl -inform DER -in "$1" -noout -text >"$1.txt" &&
		grep -q "Authority Key Identifier" "$1.txt" &&
		grep -q "Next Update: [A-Z]" "$1.txt"' _ "$WORK/crl-0.der"
N0=$(crl_number "$WORK/crl-0.der")
check "the CRL has a CRL number" [ -n "$N0" ]
check "the CRL served is the file of crl_dir" \
	cmp -s "$WORK/crl-0.der" \
	"$(conf_value "$CONF" crl_dir)/${CRL_PATH##*/}"

status GET "$CRL_PATH" -H "If-None-Match: $ETAG"
check "a CRL request with the current ETag gets 304" [ "$ST_CODE" = 304 ]
status GET "$CRL_PATH" -H "If-Modified-Since: $(st_header Last-Modified)"
check "a CRL request with If-Modified-Since of its date gets 304" \
	[ "$ST_CODE" = 304 ]
status HEAD "$CRL_PATH"
check "HEAD on the CRL answers 200 without a body" \
	sh -c '[ "$1" = 200 ] && [ "$2" = 0 ] && [ "$3" = application/pkix-crl ]' \
	_ "$ST_CODE" "$ST_SIZE" "$(st_header Content-Type)"
status POST "$CRL_PATH" -d x=1
check "POST on the CRL is refused with 405 and Allow: GET, HEAD" \
	sh -c '[ "$1" = 405 ] && [ "$2" = "GET, HEAD" ]' _ "$ST_CODE" \
	"$(st_header Allow)"

status GET "$CA_PATH"
openssl x509 -in "$S/ca.pem" -outform DER -out "$WORK/ca.der"
check "the CA certificate is served in DER as application/pkix-cert" \
	sh -c '[ "$1" = 200 ] && [ "$2" = application/pkix-cert ] &&
		cmp -s "$3" "$4"' _ "$ST_CODE" "$(st_header Content-Type)" \
	"$WORK/st.body" "$WORK/ca.der"
NOT_404=""
for p in / /healthz /sso /crl/ "$CRL_PATH.bak" /ocsp.php /../setup/user.pin; do
	status GET "$p" --path-as-is
	[ "$ST_CODE" = 404 ] || NOT_404="$NOT_404 $p ($ST_CODE)"
done
check "the listener answers 404 to every other path" [ -z "$NOT_404" ]
[ -z "$NOT_404" ] || log "not 404:$NOT_404"

# ---- (b) a store through the web flow ------------------------------------------

J="$WORK/browser.jar"
web_login "$J" doctor || fatal "the sign-in failed"
web "$J" POST /terms -d "csrf=$CSRF" -d accept=on
redirect_to /data || fatal "accepting the terms failed ($WEB_STATUS)"
outbox_list "$OUTBOX" >"$WORK/outbox.before"
web "$J" POST /data -d "csrf=$CSRF" --data-urlencode \
	"email=helene.dupont@example.org" -d action=validate
redirect_to /code || fatal "the email step failed ($WEB_STATUS)"
CODE=$(new_outbox_code "$OUTBOX" "$WORK/outbox.before") ||
	fatal "no code arrived in the outbox"
web "$J" POST /code -d "csrf=$CSRF" -d "code=$CODE"
redirect_to /progress || fatal "the code was refused ($WEB_STATUS)"
if ! web_wait_generation "$J" 60 || ! redirect_to /done; then
	fatal "generation did not end on /done"
fi
web "$J" GET /done
PW=$(web_password)
export PW
[ -n "$PW" ] || fatal "the success page showed no password"
web "$J" GET /download
[ "$WEB_STATUS" = 200 ] || fatal "the download failed ($WEB_STATUS)"
cp "$WEB_BODY" "$WORK/store.p12"
openssl pkcs12 -in "$WORK/store.p12" -passin env:PW -clcerts -nokeys \
	2>/dev/null | openssl x509 -out "$WORK/store.pem" 2>/dev/null
openssl pkcs12 -in "$WORK/store.p12" -passin env:PW -nocerts -nodes \
	2>/dev/null | openssl pkey -out "$WORK/store-key.pem" 2>/dev/null
if [ ! -s "$WORK/store.pem" ] || [ ! -s "$WORK/store-key.pem" ]; then
	fatal "cannot read the certificate and key out of the store"
fi
SERIAL=$(openssl x509 -in "$WORK/store.pem" -noout -serial | cut -d= -f2)
log "store issued: serial $SERIAL"
check "the store's certificate names the status listener's URLs" \
	sh -c 'openssl x509 -in "$1" -noout -text >"$1.txt" &&
		grep -qF "URI:$2" "$1.txt" && grep -qF "OCSP - URI:$3" "$1.txt" &&
		grep -qF "CA Issuers - URI:$4" "$1.txt"' _ "$WORK/store.pem" \
	"$STATUS_BASE$CRL_PATH" "$OCSP_URL" "$STATUS_BASE$CA_PATH"

# ---- nginx requiring client certificates, with the published CRL ------------

# The temporary prefix must be reachable by the unprivileged user.
NGX=$(mktemp -d /tmp/mycert-status-nginx.XXXXXX)
mkdir -p "$NGX/tmp"
cp "$S/tls.pem" "$S/ca.pem" "$NGX/"
cp "$S/tls-key.pem" "$NGX/tls-key.pem"
NPORT=$(free_port)
while [ "$NPORT" = "$PORT" ] || [ "$NPORT" = "$STATUS_PORT" ]; do
	NPORT=$(free_port)
done

# install_crl DER: the CRL nginx loads (PEM) at its next (re)load.
install_crl() {
	openssl crl -inform DER -in "$1" -outform PEM -out "$NGX/crl.pem.new" &&
		mv "$NGX/crl.pem.new" "$NGX/crl.pem" &&
		chmod 644 "$NGX/crl.pem"
}

cat >"$NGX/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $NGX/nginx.pid;
error_log $NGX/error.log info;
events {
	worker_connections 64;
}
http {
	access_log $NGX/access.log;
	client_body_temp_path $NGX/tmp/body;
	proxy_temp_path $NGX/tmp/proxy;
	fastcgi_temp_path $NGX/tmp/fastcgi;
	uwsgi_temp_path $NGX/tmp/uwsgi;
	scgi_temp_path $NGX/tmp/scgi;
	server_tokens off;
	server {
		listen 127.0.0.1:$NPORT ssl;
		ssl_certificate $NGX/tls.pem;
		ssl_certificate_key $NGX/tls-key.pem;
		ssl_protocols TLSv1.2 TLSv1.3;
		ssl_verify_client on;
		ssl_client_certificate $NGX/ca.pem;
		ssl_crl $NGX/crl.pem;
		location / {
			default_type text/plain;
			return 200 "hello \$ssl_client_serial \$ssl_client_verify\n";
		}
	}
}
EOF
install_crl "$WORK/crl-0.der" || fatal "cannot convert the CRL to PEM"
if [ "$(id -u)" -eq 0 ]; then
	# Never root: nginx runs as nobody on a private copy of the key.
	chown -R nobody:nogroup "$NGX"
	setpriv --reuid=nobody --regid=nogroup --clear-groups --no-new-privs \
		nginx -p "$NGX" -c "$NGX/nginx.conf" -e "$NGX/error.log" \
		>"$WORK/nginx.out" 2>&1 &
else
	nginx -p "$NGX" -c "$NGX/nginx.conf" -e "$NGX/error.log" \
		>"$WORK/nginx.out" 2>&1 &
fi
NGINX_PID=$!
NBASE="https://127.0.0.1:$NPORT"

# nginx_get [CURL_ARGS...]: GET / on nginx; sets NG_CODE (000: the
# handshake failed), the body in $WORK/nginx.body.
nginx_get() {
	NG_CODE=$(curl -s --max-time 10 --cacert "$S/tls.pem" \
		-o "$WORK/nginx.body" -w '%{http_code}' "$@" "$NBASE/") ||
		NG_CODE=000
}
with_store() {
	nginx_get --cert "$WORK/store.pem" --key "$WORK/store-key.pem"
}
tries=0
while :; do
	nginx_get
	[ "$NG_CODE" = 000 ] || break
	kill -0 "$NGINX_PID" 2>/dev/null ||
		fatal "nginx did not start: $(cat "$WORK/nginx.out" \
			"$NGX/error.log" 2>/dev/null)"
	tries=$((tries + 1))
	[ "$tries" -le 100 ] || fatal "nginx did not answer in 10 s"
	sleep 0.1
done

check "nginx refuses a request without a client certificate (400)" \
	[ "$NG_CODE" = 400 ]
with_store
check "nginx (ssl_verify_client on, the CA, the CRL) accepts the fresh store (200)" \
	sh -c '[ "$1" = 200 ] && grep -q "SUCCESS" "$2"' _ "$NG_CODE" \
	"$WORK/nginx.body"

# ---- OCSP before deactivation ----------------------------------------------------

ocsp_ask "$WORK/store.pem"
check "openssl ocsp says good for the fresh store" \
	ocsp_says "$WORK/store.pem: good"
check "openssl ocsp verifies the response with the CA certificate" \
	ocsp_says "Response verify OK"
check "the responder echoes the nonce" ocsp_says "OCSP Nonce"
# The digest option names the CertID hash of the -cert after it.
openssl ocsp -issuer "$S/ca.pem" -sha256 -cert "$WORK/store.pem" \
	-url "$OCSP_URL" -CAfile "$S/ca.pem" -resp_text -timeout 10 \
	>"$WORK/ocsp.out" 2>&1
REQUESTS=$((REQUESTS + 1))
check "a SHA-256 CertID gets good too" \
	sh -c 'grep -qF "$1: good" "$2" && grep -q "Hash Algorithm: sha256" "$2"' \
	_ "$WORK/store.pem" "$WORK/ocsp.out"

openssl ocsp -issuer "$S/ca.pem" -cert "$WORK/store.pem" -no_nonce \
	-reqout "$WORK/req.der" >/dev/null 2>&1 || fatal "openssl ocsp -reqout"
ST_CODE=$(curl -s --max-time 10 -D "$WORK/st.headers" -o "$WORK/get.der" \
	-w '%{http_code}' "$(ocsp_get_url "$WORK/req.der")") || ST_CODE=000
REQUESTS=$((REQUESTS + 1))
check "OCSP over GET (base64, URL-encoded) answers application/ocsp-response" \
	sh -c '[ "$1" = 200 ] && [ "$2" = application/ocsp-response ]' _ \
	"$ST_CODE" "$(st_header Content-Type)"
check "the GET answer says good and verifies with the CA certificate" \
	sh -c 'openssl ocsp -respin "$1" -issuer "$2" -cert "$3" -CAfile "$2" \
		>"$1.txt" 2>&1 && grep -q "Response verify OK" "$1.txt" &&
		grep -qF "$3: good" "$1.txt"' _ "$WORK/get.der" "$S/ca.pem" \
	"$WORK/store.pem"
check "the GET answer may be cached until its nextUpdate (max-age, ETag)" \
	sh -c 'printf "%s" "$1" | grep -Eq "max-age=[1-9][0-9]*, public" &&
		[ -n "$2" ] && [ -n "$3" ]' _ "$(st_header Cache-Control)" \
	"$(st_header ETag)" "$(st_header Expires)"

# ---- deactivation through the web flow ---------------------------------------

web "$J" GET /
CSRF=$(web_csrf)
T0=$(date +%s%N)
web "$J" POST /deactivate -d "csrf=$CSRF" -d confirm=yes -d reason=1
check "deactivation through the web flow is accepted" \
	redirect_to "/?notice=deactivated"
if wait_crl_listing "$SERIAL" 10; then
	ok "the listener serves a CRL listing the serial soon after deactivation"
	log "a CRL listing it ${WAITED_MS} ms after the deactivation answer," \
		"$((($(date +%s%N) - T0) / 1000000)) ms after the request"
else
	not_ok "the listener serves a CRL listing the serial within 10 s"
fi
cp "$WORK/crl-now.der" "$WORK/crl-1.der"
check "the new CRL was published on the revocation, before the 5 s check" \
	[ "${WAITED_MS:-99999}" -lt 4000 ]
check "the new CRL verifies with the CA certificate" \
	sh -c 'openssl crl -inform DER -in "$1" -CAfile "$2" -noout 2>&1 |
		grep -qx "verify OK"' _ "$WORK/crl-1.der" "$S/ca.pem"
check "the CRL gives the reason (Key Compromise) and the revocation date" \
	sh -c 'openssl crl -inform DER -in "$1" -noout -text >"$1.txt" &&
		grep -q "Key Compromise" "$1.txt" &&
		grep -q "Revocation Date: [A-Z]" "$1.txt"' _ "$WORK/crl-1.der"
N1=$(crl_number "$WORK/crl-1.der")
check "the CRL number grew with the revocation ($N0 -> $N1)" \
	[ "${N1:-0}" -gt "${N0:-0}" ]
check "the daemon logged the CRL it published" \
	grep -q "event=crl-published number=${N1:-x} revoked=1" \
	"$DAEMON_LOG"
status GET "$CRL_PATH" -H "If-None-Match: $ETAG"
check "the old ETag no longer matches (200 with the new CRL)" \
	[ "$ST_CODE" = 200 ]

install_crl "$WORK/crl-1.der" || fatal "cannot convert the new CRL"
kill -HUP "$NGINX_PID"
tries=0
while :; do
	with_store
	[ "$NG_CODE" = 200 ] || break
	tries=$((tries + 1))
	[ "$tries" -le 50 ] || break
	sleep 0.2
done
check "nginx reloaded with the new CRL refuses the same store" \
	sh -c '[ "$1" = 400 ] || [ "$1" = 000 ]' _ "$NG_CODE"
if [ "$NG_CODE" = 400 ]; then
	check "nginx says the certificate is refused" \
		grep -q "SSL certificate error" "$WORK/nginx.body"
fi
check "nginx logged the revoked client certificate" \
	grep -q "certificate revoked" "$NGX/error.log"

ocsp_ask "$WORK/store.pem"
check "openssl ocsp says revoked after deactivation" \
	ocsp_says "$WORK/store.pem: revoked"
check "the OCSP answer gives the reason keyCompromise" \
	ocsp_says "Reason: keyCompromise"
check "the OCSP answer gives the revocation time" \
	ocsp_says "Revocation Time:"
check "the revoked answer verifies with the CA certificate" \
	ocsp_says "Response verify OK"
curl -s --max-time 10 -o "$WORK/get2.der" "$(ocsp_get_url "$WORK/req.der")"
REQUESTS=$((REQUESTS + 1))
check "OCSP over GET says revoked too" \
	sh -c 'openssl ocsp -respin "$1" -issuer "$2" -cert "$3" -CAfile "$2" \
		>"$1.txt" 2>&1 && grep -q "Response verify OK" "$1.txt" &&
		grep -qF "$3: revoked" "$1.txt"' _ "$WORK/get2.der" "$S/ca.pem" \
	"$WORK/store.pem"

# ---- (d) a revocation by an officer in another process -----------------------

"$ADMIN" -c "$CONF" issue --ehealth-id 8000000002 --given Marc \
	--family Martin --profession-code PS-002 --profession-label Infirmier \
	--email marc.martin@example.org --out "$WORK/second.p12" \
	>"$WORK/second.pw" 2>"$WORK/admin.err" ||
	fatal "mycert-admin issue failed: $(cat "$WORK/admin.err")"
SERIAL2=$(sed -n 's/.*issued serial=\([0-9a-f]*\).*/\1/p' "$WORK/admin.err")
[ -n "$SERIAL2" ] || fatal "mycert-admin issue printed no serial"
"$ADMIN" -c "$CONF" revoke "$SERIAL2" --reason affiliationChanged \
	>/dev/null 2>"$WORK/admin.err" ||
	fatal "mycert-admin revoke failed: $(cat "$WORK/admin.err")"
if wait_crl_listing "$SERIAL2" 15; then
	ok "a revocation by mycert-admin reaches the served CRL"
	log "mycert-admin revoke to a CRL listing it: ${WAITED_MS} ms"
else
	not_ok "a revocation by mycert-admin reaches the served CRL within 15 s"
fi
cp "$WORK/crl-now.der" "$WORK/crl-2.der"
N2=$(crl_number "$WORK/crl-2.der")
check "the CRL number grew again ($N1 -> $N2)" \
	[ "${N2:-0}" -gt "${N1:-0}" ]
check "the CRL still lists the first serial, and verifies" \
	sh -c 'openssl crl -inform DER -in "$1" -CAfile "$2" -noout 2>&1 |
		grep -qx "verify OK"' _ "$WORK/crl-2.der" "$S/ca.pem"
crl_lists "$WORK/crl-2.der" "$SERIAL" ||
	not_ok "the CRL after the second revocation lost the first serial"
# mycert-admin may have published that CRL itself: the daemon then sees
# the change at its next check and publishes once more.  After that,
# nothing changes, so nothing is published.
sleep 6
fetch_crl "$WORK/crl-3.der"
sleep 5.5
fetch_crl "$WORK/crl-4.der"
check "no new CRL while nothing changes (the 5 s check is quiet)" \
	[ "$(crl_number "$WORK/crl-4.der")" = "$(crl_number "$WORK/crl-3.der")" ]

# ---- (c) broken OCSP input ---------------------------------------------------------

# malformed: the last answer is HTTP 200 with OCSP malformedRequest.
malformed() {
	[ "$ST_CODE" = 200 ] &&
		[ "$(st_header Content-Type)" = application/ocsp-response ] &&
		[ "$(resp_status "$WORK/st.body")" = malformedrequest ]
}

head -c 30 "$WORK/req.der" >"$WORK/bad-truncated.der"
ocsp_post "$WORK/bad-truncated.der"
check "a truncated request gets 200 and malformedRequest" malformed
head -c 200 /dev/urandom >"$WORK/bad-garbage.der"
ocsp_post "$WORK/bad-garbage.der"
check "random bytes get malformedRequest" malformed
cat "$WORK/req.der" "$WORK/req.der" >"$WORK/bad-trailing.der"
ocsp_post "$WORK/bad-trailing.der"
check "a request with trailing bytes gets malformedRequest" malformed
: >"$WORK/bad-empty.der"
ocsp_post "$WORK/bad-empty.der"
check "an empty POST gets malformedRequest" malformed

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$WORK/other-ca.key" -out "$WORK/other-ca.pem" -days 1 \
	-subj "/CN=another CA" 2>/dev/null
openssl ocsp -issuer "$WORK/other-ca.pem" -cert "$WORK/store.pem" \
	-no_nonce -reqout "$WORK/bad-issuer.der" >/dev/null 2>&1
ocsp_post "$WORK/bad-issuer.der"
check "a CertID with another issuer's hashes gets unknown" \
	sh -c '[ "$1" = 200 ] && openssl ocsp -respin "$2" -resp_text \
		-noverify 2>&1 | grep -q "Cert Status: unknown"' \
	_ "$ST_CODE" "$WORK/st.body"

openssl req -x509 -key "$WORK/other-ca.key" -out "$WORK/stranger.pem" \
	-days 1 -subj "/CN=stranger" 2>/dev/null
ocsp_ask "$WORK/stranger.pem" "$S/ca.pem"
check "a serial this CA never issued gets unknown, signed" \
	sh -c 'grep -qF "$1: unknown" "$2" && grep -q "Response verify OK" "$2"' \
	_ "$WORK/stranger.pem" "$WORK/ocsp.out"

head -c 100000 /dev/urandom >"$WORK/bad-huge.der"
ocsp_post "$WORK/bad-huge.der"
check "a 100 kB request body is refused with 413" [ "$ST_CODE" = 413 ]
ST_CODE=$(head -c 100000 /dev/urandom | curl -s --max-time 10 -o /dev/null \
	-w '%{http_code}' -H 'Content-Type: application/ocsp-request' \
	-H 'Transfer-Encoding: chunked' --data-binary @- "$OCSP_URL") ||
	ST_CODE=000
REQUESTS=$((REQUESTS + 1))
check "a 100 kB chunked body (no Content-Length) is refused with 413" \
	[ "$ST_CODE" = 413 ]
ocsp_post "$WORK/req.der" text/plain
check "a request of another content type is refused with 415" \
	[ "$ST_CODE" = 415 ]
status PUT /ocsp --data-binary "@$WORK/req.der"
check "PUT on the OCSP path is refused with 405" [ "$ST_CODE" = 405 ]

NOT_MALFORMED=""
for enc in '!!!notbase64' 'QUJD%ZZ' 'A' 'MIIB' '%00%01' ''; do
	status GET "/ocsp/$enc"
	malformed || NOT_MALFORMED="$NOT_MALFORMED '$enc' ($ST_CODE)"
done
check "bad base64 in a GET gets malformedRequest (6 forms)" \
	[ -z "$NOT_MALFORMED" ]
[ -z "$NOT_MALFORMED" ] || log "not malformedRequest:$NOT_MALFORMED"
check "error answers are not cached" \
	[ "$(st_header Cache-Control)" = no-store ]
status GET "/ocsp/$(head -c 6000 /dev/zero | tr '\0' A)"
check "an over-long GET is refused with 414" [ "$ST_CODE" = 414 ]

ocsp_ask "$WORK/store.pem"
check "after all that the responder still answers a good request" \
	sh -c 'grep -qF "$1: revoked" "$2" && grep -q "Response verify OK" "$2"' \
	_ "$WORK/store.pem" "$WORK/ocsp.out"
check "mycertd is still running" kill -0 "$DAEMON_PID"
check "no status request got a 5xx answer" \
	fails grep -q 'event=status_request .* status=5' "$DAEMON_LOG"
check "the OCSP errors are logged as such (ocsp=malformedrequest)" \
	grep -q 'event=status_request method="POST" path="/ocsp" status=200 .*ocsp=malformedrequest' \
	"$DAEMON_LOG"

stop_daemon
check "the status listener stops cleanly with the daemon" \
	sh -c 'grep -q "event=status_stopped" "$1" &&
		grep -q "event=stopped clean=yes" "$1"' _ "$DAEMON_LOG"
check "the log holds one line per status request" \
	[ "$(grep -c 'event=status_request ' "$DAEMON_LOG")" -ge "$REQUESTS" ]

finish
