#!/bin/sh
# demo.sh: runs the product on this machine.  Provisions a development
# setup under demo/ (git-ignored) the first time, reuses it afterwards,
# then issues a sample store with mycert-admin and shows how to open it.
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

mkdir -p "$DEMO/stores"
# A new holder each run: an eHealthID not used yet in demo/.
ID=$(date +%s | cut -c1-10)
while [ -e "$DEMO/stores/$ID.p12" ]; do
	ID=$((ID + 1))
done
OUT="$DEMO/stores/$ID.p12"
PASSWORD=$(build/mycert-admin -c "$CONF" issue --ehealth-id "$ID" \
	--given "Hélène" --family "Dupont-Lefèvre" --profession-code PS-001 \
	--profession-label "Médecin" --email "helene.dupont@example.org" \
	--out "$OUT")

cat <<MSG

A certificate store was issued for the sample holder $ID:
  file      $OUT
  password  $PASSWORD   (shown once; mycert keeps no copy)

Try it:
  openssl pkcs12 -in $OUT -nokeys -clcerts | openssl x509 -noout -subject -issuer
  keytool -list -storetype PKCS12 -keystore $OUT
  build/mycert-admin -c $CONF list
MSG
