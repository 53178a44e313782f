#!/bin/sh
# test_mail_smtp.sh: the one-time code by SMTP, against real local SMTP
# servers (Debian's python3-aiosmtpd) on 127.0.0.1 and free ports.
#
# The good server requires STARTTLS (a certificate from a test authority
# made here, given to mycert as mail_smtp_ca_file) and AUTH after TLS for
# one user; it writes each message it receives to a folder.  build/mail-send
# sends the code (read from stdin, never in argv) with appliance/mail.c.
# Checks that the message arrives over TLS, authenticated, with the code
# and no link; that a wrong password, a server without STARTTLS and a
# server whose certificate the CA file does not vouch for are refused, with
# a message that says why and holds no secret, and that nothing reaches
# them; and that smtps:// (TLS from the start) works too.  Runs on a copy
# of the provisioned setup.  Prints "N passed, N failed".

# shellcheck disable=SC2016 # the sh -c snippets read their own $1
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

SEND="$BIN/mail-send"
SMTP_USER=mycert-test
[ -x "$SEND" ] || fatal "$SEND is missing; run: make build/mail-send"
# Debian's python3-aiosmtpd lives beside /usr/bin/python3, which another
# python3 first in PATH (pyenv, a venv) does not see.
PYTHON=""
for p in /usr/bin/python3 python3; do
	if "$p" -c 'import aiosmtpd' 2>/dev/null; then
		PYTHON=$p
		break
	fi
done
[ -n "$PYTHON" ] || fatal "python3-aiosmtpd is missing; run: make deps"

umask 077
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mail-smtp.XXXXXX")
SERVER_PIDS=""

# Stops every server this test started (and only those).
stop_servers() {
	for pid in $SERVER_PIDS; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in $SERVER_PIDS; do
		wait "$pid" 2>/dev/null || true
	done
	SERVER_PIDS=""
}
trap stop_servers EXIT
trap 'exit 2' INT TERM HUP

# --- certificates: a test authority, a server, and a stranger ----------------
# make_ca NAME: a self-signed authority NAME.pem, key NAME.key.
make_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$WORK/$1.key" -out "$WORK/$1.pem" -days 2 \
		-subj "/CN=mycert mail test $1" 2>>"$WORK/openssl.log"
}

# make_server_cert NAME CA: a certificate for 127.0.0.1 signed by CA.
make_server_cert() {
	printf '%s\n' "basicConstraints = CA:FALSE" \
		"keyUsage = critical, digitalSignature" \
		"extendedKeyUsage = serverAuth" \
		"subjectAltName = IP:127.0.0.1, DNS:localhost" >"$WORK/$1.ext"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$WORK/$1.key" -out "$WORK/$1.csr" \
		-subj "/CN=127.0.0.1" 2>>"$WORK/openssl.log" &&
		openssl x509 -req -in "$WORK/$1.csr" -CA "$WORK/$2.pem" \
			-CAkey "$WORK/$2.key" -set_serial "0x$(openssl rand \
			-hex 8)" -days 2 -extfile "$WORK/$1.ext" \
			-out "$WORK/$1.pem" 2>>"$WORK/openssl.log"
}

if ! { make_ca ca && make_server_cert server ca && make_ca stranger &&
	make_server_cert impostor stranger; }; then
	fatal "cannot make the test certificates (see $WORK/openssl.log)"
fi

# --- the SMTP servers --------------------------------------------------------
printf '%s\n' "$(openssl rand -hex 16)" >"$WORK/smtp.password"
printf '%s\n' "wrong-$(openssl rand -hex 8)" >"$WORK/wrong.password"

# smtpd.py MODE CERT KEY INBOX PORTFILE USER PASSWORD_FILE
#   starttls  STARTTLS required, then AUTH (aiosmtpd's auth_require_tls)
#   implicit  TLS from the first byte (smtps), AUTH required
#   plain     no TLS at all, AUTH optional: accepts any plaintext message
# Listens on 127.0.0.1, a port the system picks, written to PORTFILE.
cat >"$WORK/smtpd.py" <<'PY'
import asyncio
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

mode, cert, key, inbox, portfile, user, password_file = sys.argv[1:8]
with open(password_file, "rb") as f:
    password = f.read().splitlines()[0]


class Handler:
    count = 0

    async def handle_DATA(self, server, session, envelope):
        Handler.count += 1
        base = os.path.join(inbox, "msg-%d" % Handler.count)
        tls = (session.ssl is not None or
               server.transport.get_extra_info("ssl_object") is not None)
        with open(base + ".env", "w") as f:
            f.write("tls=%d\nauth=%d\nfrom=%s\nto=%s\n" % (
                tls, bool(session.authenticated), envelope.mail_from,
                ",".join(envelope.rcpt_tos)))
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".tmp", base + ".eml")
        return "250 2.0.0 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and
          auth_data.login == user.encode() and
          auth_data.password == password)
    return AuthResult(success=ok, handled=False)


context = None
if mode != "plain":
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)


def factory():
    return SMTP(Handler(), hostname="localhost",
                tls_context=context if mode == "starttls" else None,
                require_starttls=mode == "starttls",
                authenticator=authenticator,
                auth_required=mode != "plain",
                # aiosmtpd counts only STARTTLS as TLS for AUTH.
                auth_require_tls=mode == "starttls")


async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        factory, host="127.0.0.1", port=0,
        ssl=context if mode == "implicit" else None)
    port = server.sockets[0].getsockname()[1]
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(portfile + ".tmp", portfile)
    async with server:
        await server.serve_forever()

asyncio.run(main())
PY

# start_server NAME MODE CERT: starts a server whose messages land in
# $WORK/NAME.in; sets PORT.
start_server() {
	mkdir -p "$WORK/$1.in"
	"$PYTHON" -u "$WORK/smtpd.py" "$2" "$WORK/$3.pem" "$WORK/$3.key" \
		"$WORK/$1.in" "$WORK/$1.port" "$SMTP_USER" \
		"$WORK/smtp.password" >"$WORK/$1.log" 2>&1 &
	pid=$!
	SERVER_PIDS="$SERVER_PIDS $pid"
	tries=0
	while [ ! -s "$WORK/$1.port" ]; do
		kill -0 "$pid" 2>/dev/null ||
			fatal "the $1 SMTP server did not start: $(cat \
				"$WORK/$1.log")"
		tries=$((tries + 1))
		[ "$tries" -le 100 ] ||
			fatal "the $1 SMTP server did not start in 10 s"
		sleep 0.1
	done
	PORT=$(cat "$WORK/$1.port")
}

start_server good starttls server
GOOD_PORT=$PORT
start_server plain plain server
PLAIN_PORT=$PORT
start_server impostor starttls impostor
IMPOSTOR_PORT=$PORT
start_server implicit implicit server
IMPLICIT_PORT=$PORT

# --- configurations ----------------------------------------------------------
S="$WORK/setup"
copy_setup "$S"

# make_conf NAME URL PASSWORD_FILE: $WORK/NAME.conf, sending by SMTP.
make_conf() {
	grep -v '^[[:space:]]*mail_' "$S/mycertd.conf" >"$WORK/$1.conf"
	set_conf "$WORK/$1.conf" mail_smtp_url "$2"
	set_conf "$WORK/$1.conf" mail_smtp_user "$SMTP_USER"
	set_conf "$WORK/$1.conf" mail_smtp_password_file "$3"
	set_conf "$WORK/$1.conf" mail_smtp_ca_file "$WORK/ca.pem"
	set_conf "$WORK/$1.conf" mail_from "mycert <no-reply@mycert.invalid>"
}

make_conf good "smtp://127.0.0.1:$GOOD_PORT" "$WORK/smtp.password"
make_conf wrong "smtp://127.0.0.1:$GOOD_PORT" "$WORK/wrong.password"
make_conf plain "smtp://127.0.0.1:$PLAIN_PORT" "$WORK/smtp.password"
make_conf impostor "smtp://127.0.0.1:$IMPOSTOR_PORT" "$WORK/smtp.password"
make_conf implicit "smtps://127.0.0.1:$IMPLICIT_PORT" "$WORK/smtp.password"

# send CONF LANG: sends a new $CODE to holder@example.org; stderr in
# $WORK/err, status in $STATUS.
send() {
	CODE=$(od -An -N4 -tu4 /dev/urandom | tr -d ' \n')
	STATUS=0
	printf '%s\n' "$CODE" | "$SEND" "$WORK/$1.conf" holder@example.org \
		"$2" 2>"$WORK/err" || STATUS=$?
}

# received NAME: the number of messages server NAME received.
received() {
	find "$WORK/$1.in" -name '*.eml' | wc -l | tr -d ' '
}

# no_secret_in_err: the error holds neither the code nor a password.
no_secret_in_err() {
	! grep -qF -e "$CODE" -e "$(cat "$WORK/smtp.password")" \
		-e "$(cat "$WORK/wrong.password")" "$WORK/err"
}

# check_message FILE CODE LANG: parses the message with Python's email
# package and checks headers and decoded body.
check_message() {
	"$PYTHON" - "$1" "$2" "$3" <<'PY'
import email
import email.policy
import sys

path, code, lang = sys.argv[1:4]
raw = open(path, "rb").read()
msg = email.message_from_bytes(raw, policy=email.policy.default)
body = msg.get_content().replace("\r\n", "\n")
subjects = {"fr": "Votre code de vérification mycert",
            "en": "Your mycert verification code",
            "de": "Ihr mycert-Bestätigungscode"}
phones = {"fr": "ni par téléphone ni par email",
          "en": "by phone or by email",
          "de": "per Telefon oder per E-Mail"}
problems = []
if msg["Subject"] != subjects[lang]:
    problems.append("subject %r" % msg["Subject"])
if msg["To"] != "holder@example.org":
    problems.append("to %r" % msg["To"])
if msg["Auto-Submitted"] != "auto-generated":
    problems.append("no Auto-Submitted")
if not msg["Message-ID"].endswith("@mycert>") or msg["Date"] is None:
    problems.append("Message-ID or Date")
if msg.get_content_type() != "text/plain" or \
        msg.get_content_charset() != "utf-8":
    problems.append("content type")
if "\n    %s\n" % code not in body:
    problems.append("the code is not in the body")
if "5 minute" not in body and "5 Minuten" not in body:
    problems.append("no validity")
if phones[lang] not in body:
    problems.append("no phone warning")
for text in (body.lower(), raw.decode("ascii").lower()):
    if "http" in text or "://" in text or "www." in text:
        problems.append("a link")
if problems:
    print("; ".join(problems), file=sys.stderr)
    sys.exit(1)
PY
}

# --- the good server: STARTTLS, AUTH, delivery -------------------------------
send good fr
cat "$WORK/err" >&2
check "sends the code through STARTTLS with AUTH" [ "$STATUS" -eq 0 ]
check "the server received exactly one message" [ "$(received good)" -eq 1 ]
check "it came over STARTTLS from the authenticated user" \
	sh -c 'grep -qx tls=1 "$1" && grep -qx auth=1 "$1"' _ \
	"$WORK/good.in/msg-1.env"
check "the envelope is from mail_from to the holder" \
	sh -c 'grep -qx "from=no-reply@mycert.invalid" "$1" &&
		grep -qx "to=holder@example.org" "$1"' _ \
	"$WORK/good.in/msg-1.env"
check "the French message holds the code, the warning and no link" \
	check_message "$WORK/good.in/msg-1.eml" "$CODE" fr

send good de
check "sends the code in German" [ "$STATUS" -eq 0 ]
check "the German message holds the code, the warning and no link" \
	check_message "$WORK/good.in/msg-2.eml" "$CODE" de
send good en
check "sends the code in English" [ "$STATUS" -eq 0 ]
check "the English message holds the code, the warning and no link" \
	check_message "$WORK/good.in/msg-3.eml" "$CODE" en

# --- refusals ----------------------------------------------------------------
send wrong fr
check "a wrong password fails" [ "$STATUS" -eq 1 ]
check "the error names the authentication" \
	grep -qi 'authentication' "$WORK/err"
check "the error for a wrong password holds no secret" no_secret_in_err
check "nothing was delivered with a wrong password" \
	[ "$(received good)" -eq 3 ]

# The plain server takes plaintext mail: the refusal below is mycert's.
check "the plain server accepts a plaintext message (control)" \
	"$PYTHON" -c 'import smtplib, sys
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10) as s:
    s.sendmail("control@example.org", ["control@example.org"],
               "Subject: control\r\n\r\ncontrol\r\n")' "$PLAIN_PORT"
send plain fr
check "a server without STARTTLS is refused" [ "$STATUS" -eq 1 ]
check "the error says STARTTLS is required" \
	grep -q 'STARTTLS' "$WORK/err"
check "the error without STARTTLS holds no secret" no_secret_in_err
check "nothing but the control reached the plain server" \
	[ "$(received plain)" -eq 1 ]

send impostor fr
check "a certificate the CA file does not vouch for is refused" \
	[ "$STATUS" -eq 1 ]
check "the error names the certificate" \
	grep -q 'certificate' "$WORK/err"
check "the error for the certificate holds no secret" no_secret_in_err
check "nothing reached the impostor" [ "$(received impostor)" -eq 0 ]

# --- smtps:// ----------------------------------------------------------------
send implicit en
cat "$WORK/err" >&2
check "sends the code over smtps:// (TLS from the start)" \
	[ "$STATUS" -eq 0 ]
check "the smtps message came over TLS from the authenticated user" \
	sh -c 'grep -qx tls=1 "$1" && grep -qx auth=1 "$1"' _ \
	"$WORK/implicit.in/msg-1.env"
check "the smtps message holds the code, the warning and no link" \
	check_message "$WORK/implicit.in/msg-1.eml" "$CODE" en

stop_servers
if [ "$FAILED" -eq 0 ]; then
	rm -rf "$WORK"
else
	log "kept $WORK for inspection"
fi
finish
