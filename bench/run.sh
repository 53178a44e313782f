#!/bin/sh
# run.sh OUT_DIR: provisions a throwaway setup and runs every benchmark
# against it: the issuance path next to its primitives (bench-issue), then
# the HTTPS front next to nginx and the whole flow (front.sh), then the
# status listener: OCSP next to a pre-signed answer, and the time from a
# deactivation to the CRL and OCSP saying revoked (status.sh), then the
# audit log: appending, and export and verify of 100,000 entries
# (audit.sh).  Figures are printed, never asserted: speed is judged here,
# not in the tests.
# The whole run takes about 3 to 4 minutes.
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
echo "bench: load average $(cut -d' ' -f1-3 /proc/loadavg) at the start" \
	"(other work on this machine lowers every figure)"
echo
echo "== Issuance: the path next to its primitives =="
build/bench-issue "$OUT/setup/mycertd.conf" "$OUT" \
	"${BENCH_RSA_ROUNDS:-40}" "${BENCH_P256_ROUNDS:-200}"
sh bench/front.sh "$OUT"
sh bench/status.sh "$OUT"
sh bench/audit.sh "$OUT"
