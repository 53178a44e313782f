#!/bin/sh
# audit.sh OUT_DIR: the cost of the audit log.
#
# Called by bench/run.sh on the setup it provisioned in OUT_DIR/setup.
# On a copy of that setup (its real SoftHSM2 token), with build/audit-fill:
# appending entries one per transaction (each a commit with
# synchronous=FULL, as a refused access or a daemon start is recorded),
# then inside transactions of 1000 (the cost an entry adds to the
# transaction of the change it records); then a log of
# BENCH_AUDIT_ENTRIES entries (default 100000) with a checkpoint every
# 1000, its export, and mycert-audit verify of it.  Figures are printed,
# never asserted.
# shellcheck disable=SC2034 # MYCERT_TEST_SETUP: read by lib.sh
set -eu

HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
OUT=$1
MYCERT_TEST_SETUP="$OUT/setup"
# shellcheck source=tests/lib.sh
. "$HERE/../tests/lib.sh"
# lib.sh takes ROOT from a tests/*/ path: this script is one level up.
ROOT=$(CDPATH='' cd -- "$HERE/.." && pwd)

ENTRIES=${BENCH_AUDIT_ENTRIES:-100000}
SINGLE=${BENCH_AUDIT_SINGLE:-2000}
BIN=${MYCERT_BUILD:-$ROOT/build}
FILL="$BIN/audit-fill"
AUDIT="$BIN/mycert-audit"
WORK="$OUT/audit"

if [ ! -x "$FILL" ] || [ ! -x "$AUDIT" ]; then
	fatal "build $FILL and $AUDIT first (make bench does)"
fi

# now_ns: the time in nanoseconds (GNU date).
now_ns() {
	date +%s%N
}

# seconds START_NS: the seconds since START_NS, with 3 decimals.
seconds() {
	awk -v a="$1" -v b="$(now_ns)" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'
}

# setup NAME: a copy of the setup in $WORK/NAME; sets CONF.
setup() {
	copy_setup "$WORK/$1"
	CONF="$WORK/$1/mycertd.conf"
	SOFTHSM2_CONF="$WORK/$1/softhsm2.conf"
	export SOFTHSM2_CONF
}

rm -rf "$WORK"
mkdir -p "$WORK"
echo
echo "== Audit log: appending, checkpoints, export and verify =="

setup single
printf 'one entry per transaction:   '
"$FILL" "$CONF" "$SINGLE" --no-final | sed 's/^audit-fill: //'

setup batch
printf 'inside transactions of 1000: '
"$FILL" "$CONF" 20000 --batch 1000 --no-final | sed 's/^audit-fill: //'

setup large
printf 'a log of %s entries:      ' "$ENTRIES"
"$FILL" "$CONF" "$ENTRIES" --batch 1000 --checkpoint-every 1000 |
	sed 's/^audit-fill: //'

start=$(now_ns)
"$AUDIT" -c "$CONF" export "$WORK/large.tsv" 2>/dev/null ||
	fatal "mycert-audit export failed"
echo "export of $ENTRIES entries: $(seconds "$start") s," \
	"$(($(wc -c <"$WORK/large.tsv") / 1024)) KiB"

start=$(now_ns)
if ! "$AUDIT" verify "$WORK/large.tsv" --cert "$WORK/large/audit.pem" \
	>"$WORK/verify.out"; then
	cat "$WORK/verify.out" >&2
	fatal "mycert-audit verify failed on the bench log"
fi
echo "verify of $ENTRIES entries and $(grep -c '^checkpoint' \
	"$WORK/large.tsv") checkpoints: $(seconds "$start") s"

start=$(now_ns)
/usr/bin/python3 "$ROOT/tests/audit_reference.py" "$WORK/large.tsv" \
	>/dev/null || fatal "the Python reference disagrees on the bench log"
echo "the independent Python reading of the same export: $(seconds "$start") s"
rm -rf "$WORK"
