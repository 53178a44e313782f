#!/bin/sh
# demo.sh: runs the product on this machine.  Provisions a development
# setup under demo/ (git-ignored) the first time and reuses it afterwards,
# then runs mycertd in the foreground on https://127.0.0.1:8443 with the
# development portal and the mail outbox.  Ctrl-C stops it cleanly.
set -eu

ROOT=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
DEMO="$ROOT/demo"
SETUP="$DEMO/setup"
CONF="$SETUP/mycertd.conf"
cd "$ROOT"

mkdir -p "$DEMO"
if [ ! -f "$CONF" ]; then
	echo "demo: provisioning a development token and CA in $SETUP"
	sh provisioning/provision-dev.sh "$SETUP" >"$DEMO/provision.log" 2>&1 || {
		cat "$DEMO/provision.log" >&2
		echo "demo: provisioning failed (log above); remove $DEMO" \
			"and run make demo again" >&2
		exit 1
	}
else
	echo "demo: reusing the setup in $SETUP"
fi
# A setup made before mycertd gave up root names no user: the account
# that owns the setup is the one to serve as (root, if root made it).
if ! grep -q '^user *=' "$CONF"; then
	printf '\n# Added by make demo: the owner of this setup.\nuser = %s\n' \
		"$(stat -c %U "$SETUP")" >>"$CONF"
fi
DB=$(sed -n 's/^database *= *//p' "$CONF")
if [ ! -f "$DB" ]; then
	build/mycert-admin -c "$CONF" init-db
fi
LISTEN=$(sed -n 's/^listen *= *//p' "$CONF")
OUTBOX=$(sed -n 's/^mail_outbox *= *//p' "$CONF")
TLS_CERT=$(sed -n 's/^tls_cert *= *//p' "$CONF")

cat <<MSG

mycert is starting on https://$LISTEN.  The front's TLS certificate is
the self-signed $TLS_CERT: your browser warns once; with curl,
pass --cacert $TLS_CERT.  $SETUP/ca.pem is the CA that issues the
professionals' stores, not the front's.

  Open          https://$LISTEN/dev/portal  and pick a test persona
  Codes arrive  in $OUTBOX (one .eml file per message)
  Officer CLI   build/mycert-admin -c $CONF list
  Stop          Ctrl-C

MSG
exec build/mycertd -c "$CONF"
