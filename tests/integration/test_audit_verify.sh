#!/bin/sh
# shellcheck disable=SC2016 # awk programs expand their own fields
# test_audit_verify.sh: the audit log's export verifies offline with only
# the audit certificate; an independent implementation (Python's hashlib)
# finds the same roots and openssl the same signatures; every tampering,
# on a copy of the export or in the database, is detected, named by its
# line, and exits 1; --since accepts an extension and refuses a rewritten
# history; a SIGKILL loses no committed entry.
#
# Until the daemon's events are wired, build/audit-fill appends synthetic
# entries and signs checkpoints with the real token of a copy of the
# provisioned setup.
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

BIN=${MYCERT_BUILD:-$ROOT/build}
AUDIT="$BIN/mycert-audit"
FILL="$BIN/audit-fill"
PYTHON=/usr/bin/python3
REFERENCE="$ROOT/tests/audit_reference.py"
if [ ! -x "$AUDIT" ] || [ ! -x "$FILL" ]; then
	fatal "build $AUDIT and $FILL first (make all build/audit-fill)"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/audit-verify.XXXXXX")
S="$WORK/setup"
copy_setup "$S"
CONF="$S/mycertd.conf"
DB=$(conf_value "$CONF" database)
CERT=$(conf_value "$CONF" audit_cert)
CA=$(conf_value "$CONF" ca_cert)
SOFTHSM2_CONF="$S/softhsm2.conf"
export SOFTHSM2_CONF

# fill CONF ARGS...: audit-fill, stopping the test when it fails.
fill() {
	"$FILL" "$@" >>"$WORK/fill.log" 2>&1 ||
		fatal "audit-fill $* failed: $(tail -n 1 "$WORK/fill.log")"
}

# export_to CONF FILE: mycert-audit export, stopping the test on failure.
export_to() {
	"$AUDIT" -c "$1" export "$2" 2>>"$WORK/export.log" ||
		fatal "mycert-audit export $2 failed: $(tail -n 1 "$WORK/export.log")"
}

# verify FILE [ARGS...]: the report in $WORK/out, the status in $STATUS.
verify() {
	STATUS=0
	"$AUDIT" verify "$@" --cert "$CERT" >"$WORK/out" 2>&1 || STATUS=$?
}

# detected NAME PATTERN...: the last verify exited 1 and its report
# holds every pattern (grep -E).
detected() {
	_d_name=$1
	shift
	if [ "$STATUS" -ne 1 ]; then
		not_ok "$_d_name" "verify exited $STATUS: $(cat "$WORK/out")"
		return
	fi
	for _d_p in "$@"; do
		if ! grep -Eq -- "$_d_p" "$WORK/out"; then
			not_ok "$_d_name" "no \"$_d_p\" in: $(cat "$WORK/out")"
			return
		fi
	done
	ok "$_d_name"
}

# passes NAME PATTERN: the last verify exited 0 and printed PATTERN.
passes() {
	if [ "$STATUS" -eq 0 ] && grep -Eq -- "$2" "$WORK/out"; then
		ok "$1"
	else
		not_ok "$1" "verify exited $STATUS: $(cat "$WORK/out")"
	fi
}

# tamper NAME AWK-PROGRAM: a copy of the export changed by awk (fields
# split at TABs), in $WORK/NAME.tsv.
tamper() {
	awk -F '\t' -v OFS='\t' "$2" "$WORK/new.tsv" >"$WORK/$1.tsv" ||
		fatal "cannot make the $1 copy"
}

# leaf_of LINE-WITHOUT-LEAF: SHA-256(0x00 || line) in hex, with openssl.
leaf_of() {
	{ printf '\000'; printf '%s' "$1"; } | openssl dgst -sha256 -r |
		cut -c1-64
}

# --- a day of activity: 40 entries, then 20 more after a "restart" --------
fill "$CONF" 40 --checkpoint-every 10
export_to "$CONF" "$WORK/old.tsv"
fill "$CONF" 20 --batch 5
export_to "$CONF" "$WORK/new.tsv"

verify "$WORK/new.tsv"
passes "verify passes on an untouched export" \
	"verified .*new.tsv: 60 entries, 5 checkpoints, every signature good"
verify "$WORK/new.tsv" --ca "$CA"
passes "verify --ca checks that the CA signed the audit certificate" verified
check "the export starts with its header: format 1 and the appliance id" \
	sh -c "head -n 1 '$WORK/new.tsv' | grep -q \
		'^mycert-audit-export	1	https://127.0.0.1:8443	60	5	'"
check "entries encode %, backslash and UTF-8" \
	grep -q 'label=M%C3%A9decin%2520%5Cx	' "$WORK/new.tsv"
check "the export is written with mode 0600" \
	test "$(stat -c %a "$WORK/new.tsv")" = 600
STATUS=0
"$AUDIT" -c "$CONF" export "$WORK/new.tsv" 2>"$WORK/err" || STATUS=$?
check "export never writes over an existing file" \
	sh -c "[ $STATUS -ne 0 ] && grep -q 'already exists' '$WORK/err' &&
		[ \$(wc -l <'$WORK/new.tsv') -eq 66 ]"

# --- an independent implementation ------------------------------------------
mkdir "$WORK/messages"
if "$PYTHON" "$REFERENCE" "$WORK/new.tsv" --messages "$WORK/messages" \
	>"$WORK/python.out" 2>&1; then
	ok "Python's reading finds every recorded leaf and signed root"
else
	not_ok "Python's reading finds every recorded leaf and signed root" \
		"$(cat "$WORK/python.out")"
fi
awk -F '\t' '$1 == "checkpoint" { print $2, $3 }' "$WORK/new.tsv" \
	>"$WORK/signed.roots"
grep -v '^all ' "$WORK/python.out" >"$WORK/python.roots"
check "the Python root of each checkpoint's size is the signed root" \
	cmp -s "$WORK/signed.roots" "$WORK/python.roots"
check "the Python root over all 60 entries is the last signed root" \
	sh -c "grep -q \"^all 60 \$(tail -n 1 '$WORK/signed.roots' |
		cut -d' ' -f2)\$\" '$WORK/python.out'"
openssl x509 -in "$CERT" -pubkey -noout >"$WORK/audit-pub.pem"
signatures_ok=yes
for size in 10 20 30 40 60; do
	openssl dgst -sha256 -verify "$WORK/audit-pub.pem" \
		-signature "$WORK/messages/$size.sig" \
		"$WORK/messages/$size.msg" >/dev/null 2>&1 || signatures_ok=no
done
check "openssl verifies every checkpoint's signature on its own" \
	test "$signatures_ok" = yes

# --- tampering with a copy of the export --------------------------------------
tamper edited '$1 == "entry" && $2 == 15 { $7 = "refused:other" } { print }'
verify "$WORK/edited.tsv"
detected "an edited entry is named by line and seq" \
	"edited.tsv line 16: edited entry: entry seq 15 was edited" \
	"line 63: checkpoint mismatch: the checkpoint of size 20 .* seq 11 to 20 \(lines 12 to 21\)" \
	"NOT VERIFIED"

canonical=$(awk -F '\t' -v OFS='\t' '$1 == "entry" && $2 == 15 {
	$7 = "refused:other"; NF = 9; print }' "$WORK/new.tsv")
forged=$(leaf_of "$canonical")
tamper releafed "\$1 == \"entry\" && \$2 == 15 { \$7 = \"refused:other\";
	\$10 = \"$forged\" } { print }"
verify "$WORK/releafed.tsv"
detected "an edit with a recomputed leaf breaks the checkpoint over it" \
	"checkpoint mismatch: the checkpoint of size 20 .* seq 11 to 20"
check "... and is not mistaken for an intact entry" \
	sh -c "! grep -q 'edited entry' '$WORK/out'"

tamper removed '!($1 == "entry" && $2 == 25) { print }'
verify "$WORK/removed.tsv"
detected "a removed entry is named" \
	"line 26: removed entry: entry seq 25 is missing: seq 24 \(line 25\) is followed by seq 26" \
	"checkpoint mismatch: the checkpoint of size 30"

tamper swapped '$1 == "entry" && $2 == 30 { held = $0; next }
	{ print } $1 == "entry" && $2 == 31 { print held }'
verify "$WORK/swapped.tsv"
detected "a reordered pair is named" \
	"line 32: reordered entries: entries seq 31 \(line 31\) and seq 30 \(line 32\) are in reverse order" \
	"checkpoint mismatch: the checkpoint of size 40"

tamper cut '!($1 == "entry" && $2 > 55) { print }'
verify "$WORK/cut.tsv"
detected "a truncated tail is named (entries cut, checkpoints left)" \
	"truncated tail: the header announces 60 entries, the file holds 55" \
	"line 61: truncated tail: the checkpoint of size 60 covers more entries than the export holds \(55, up to seq 55\)"

head -n 30 "$WORK/new.tsv" >"$WORK/head.tsv"
verify "$WORK/head.tsv"
detected "a file cut short is named" \
	"truncated tail: the header announces 60 entries, the file holds 29" \
	"nothing signed"

head -c 2000 "$WORK/new.tsv" >"$WORK/mid.tsv"
verify "$WORK/mid.tsv"
detected "a file cut inside a line is named" \
	"truncated tail: the file ends inside this line"

openssl ecparam -name prime256v1 -genkey -noout -out "$WORK/other-key.pem" \
	2>/dev/null || fatal "openssl cannot make a P-256 key"
openssl dgst -sha256 -sign "$WORK/other-key.pem" -out "$WORK/other.sig" \
	"$WORK/messages/60.msg" || fatal "openssl cannot sign"
other=$(base64 -w0 "$WORK/other.sig")
tamper resigned "\$1 == \"checkpoint\" && \$2 == 60 { \$6 = \"$other\" }
	{ print }"
verify "$WORK/resigned.tsv"
detected "a checkpoint signed by another key is named" \
	"line 66: bad signature: the checkpoint of size 60: its signature does not verify with the audit certificate"

tamper garbled '$1 == "entry" && $2 == 3 { $5 = "code%zz" } { print }
	NR == 10 { print "hello" }'
verify "$WORK/garbled.tsv"
detected "malformed lines are named" \
	"line 4: malformed line: entry seq 3: field 5 is not percent-encoded" \
	"line 11: malformed line: neither an entry nor a checkpoint line"

# Entries added after the last checkpoint are signed by nothing: verify
# says so, and --since against a later export would catch a forgery.
canonical=$(awk -F '\t' -v OFS='\t' '$1 == "entry" && $2 == 60 {
	$2 = 61; NF = 9; print }' "$WORK/new.tsv")
EXTRA="$canonical	$(leaf_of "$canonical")"
export EXTRA
tamper tail 'NR == 1 { $4 = 61 } { print }
	$1 == "entry" && $2 == 60 { print ENVIRON["EXTRA"] }'
verify "$WORK/tail.tsv"
passes "an unsigned tail is reported as not yet covered" \
	"note: entries 61 to 61 are not covered by a signed checkpoint yet"

# --- tampering in the database --------------------------------------------------
cp "$DB" "$WORK/edit.db" || fatal "cannot copy the database"
cp "$CONF" "$WORK/edit.conf"
set_conf "$WORK/edit.conf" database "$WORK/edit.db"
check "the database refuses an UPDATE of the log (append-only)" \
	fails sqlite3 "$WORK/edit.db" \
	"UPDATE audit_log SET outcome = 'ok' WHERE seq = 4" 2>/dev/null
check "the database refuses a DELETE from the log" \
	fails sqlite3 "$WORK/edit.db" \
	"DELETE FROM audit_log WHERE seq = 4" 2>/dev/null
sqlite3 "$WORK/edit.db" "DROP TRIGGER audit_log_no_update;
	UPDATE audit_log SET outcome = 'refused:forged' WHERE seq = 12" ||
	fatal "sqlite3 cannot alter the copy"
export_to "$WORK/edit.conf" "$WORK/db-edited.tsv"
verify "$WORK/db-edited.tsv"
detected "an entry updated in the database is named after export" \
	"line 13: edited entry: entry seq 12 was edited" \
	"checkpoint mismatch: the checkpoint of size 20"

cp "$DB" "$WORK/delete.db" || fatal "cannot copy the database"
cp "$CONF" "$WORK/delete.conf"
set_conf "$WORK/delete.conf" database "$WORK/delete.db"
sqlite3 "$WORK/delete.db" "DROP TRIGGER audit_log_no_delete;
	DELETE FROM audit_log WHERE seq = 33" ||
	fatal "sqlite3 cannot alter the copy"
export_to "$WORK/delete.conf" "$WORK/db-deleted.tsv"
verify "$WORK/db-deleted.tsv"
detected "an entry deleted in the database is named after export" \
	"removed entry: entry seq 33 is missing" \
	"checkpoint mismatch: the checkpoint of size 40"

# Entries not yet signed, altered in the database: the appliance refuses
# to sign a checkpoint over them.
fill "$CONF" 3 --no-final
cp "$DB" "$WORK/refuse.db" || fatal "cannot copy the database"
cp "$CONF" "$WORK/refuse.conf"
set_conf "$WORK/refuse.conf" database "$WORK/refuse.db"
sqlite3 "$WORK/refuse.db" "DROP TRIGGER audit_log_no_update;
	UPDATE audit_log SET actor = 'officer' WHERE seq = 62" ||
	fatal "sqlite3 cannot alter the copy"
check "the appliance refuses to sign over entries altered in the database" \
	sh -c "! '$FILL' '$WORK/refuse.conf' 0 >'$WORK/refuse.out' 2>&1 &&
		grep -q 'audit log was altered in the database at entry 62' \
		'$WORK/refuse.out'"

# --- consistency with an older export -------------------------------------------
verify "$WORK/new.tsv" --since "$WORK/old.tsv"
passes "--since accepts an export that extends the old one" \
	"extends .*old.tsv \(40 entries, 4 checkpoints\)"
verify "$WORK/old.tsv" --since "$WORK/new.tsv"
detected "--since refuses an export shorter than the old one" \
	"history rewritten: it holds 40 entries, fewer than the 60"

# The same token and key, a new database: a whole new history that
# verifies on its own but does not extend the old export.
copy_setup "$WORK/setup2"
fill "$WORK/setup2/mycertd.conf" 60 --checkpoint-every 10
export_to "$WORK/setup2/mycertd.conf" "$WORK/rewritten.tsv"
verify "$WORK/rewritten.tsv"
passes "a rewritten history signed with the real key verifies alone" verified
verify "$WORK/rewritten.tsv" --since "$WORK/old.tsv"
detected "--since refuses the rewritten history" \
	"history rewritten: its first 10 entries do not give the root that .*old.tsv signed"

# --- SIGKILL in the middle of appending --------------------------------------
copy_setup "$WORK/setup3"
"$FILL" "$WORK/setup3/mycertd.conf" 1000000 --checkpoint-every 50 \
	--no-final >/dev/null 2>&1 &
fill_pid=$!
sleep 1
kill -s KILL "$fill_pid" 2>/dev/null
wait "$fill_pid" 2>/dev/null
fill "$WORK/setup3/mycertd.conf" 0
export_to "$WORK/setup3/mycertd.conf" "$WORK/killed.tsv"
committed=$(sqlite3 "$WORK/setup3/mycert.db" \
	"SELECT count(*) || ' ' || max(seq) FROM audit_log")
verify "$WORK/killed.tsv"
passes "after a SIGKILL the log verifies and a checkpoint covers it all" \
	"verified .*killed.tsv: ${committed%% *} entries"
check "... with every committed entry, seq 1 to the last without gaps" \
	test "${committed%% *}" = "${committed##* }"

rm -rf "$WORK"
finish
