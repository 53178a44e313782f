#!/bin/sh
# run.sh OUT_DIR: provisions a throwaway setup and runs every benchmark
# against it.  Figures are printed, never asserted: speed is judged here,
# not in the tests.
set -eu

ROOT=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
OUT=$1
cd "$ROOT"
rm -rf "$OUT"
mkdir -p "$OUT"
OUT=$(CDPATH='' cd -- "$OUT" && pwd)

if ! sh provisioning/provision-dev.sh "$OUT/setup" >"$OUT/provision.log" 2>&1; then
	cat "$OUT/provision.log" >&2
	echo "bench: provisioning failed" >&2
	exit 1
fi
echo "bench: $(nproc) cores, $(uname -m), $(openssl version)"
build/bench-issue "$OUT/setup/mycertd.conf" "$OUT" \
	"${BENCH_RSA_ROUNDS:-60}" "${BENCH_P256_ROUNDS:-200}"
