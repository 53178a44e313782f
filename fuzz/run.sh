#!/bin/sh
# run.sh MODE SECONDS BUILD TARGET...: runs the libFuzzer targets built
# in BUILD (build/fuzz) and writes BUILD/outcomes.tsv, one row per target
# in the format of tests/lib.sh outcome (area fuzz).
#
#   fuzz   each target SECONDS on BUILD/work/<target>, a working corpus
#          kept between runs and seeded from fuzz/corpus/<target>
#   check  each target SECONDS on a fresh copy of its seeds, then every
#          kept crash input (fuzz/regressions/<target>/) and every seed
#          once: any crash, leak, undefined behaviour or broken
#          invariant fails the run
#   merge  adds to fuzz/corpus/<target> the inputs of the working corpus
#          that reach new code (libFuzzer -merge=1)
#
# A crash leaves its input in BUILD/artifacts/<target>/ and the report in
# BUILD/logs/<target>.log; the repository's corpora are never written
# but by merge.
set -u

mode=$1
seconds=$2
build=$3
shift 3
ROOT=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
OUT="$build/outcomes.tsv"
mkdir -p "$build/logs" "$build/work" "$build/artifacts"
: >"$OUT"
failed=0

# What each target feeds, for the table, and its largest input (bytes).
what() {
	case $1 in
	assertion) echo "portal assertions (JWS, ES256/RS256) through the whole verify path, with claims signed by a test key" ;;
	json) echo "the strict JSON reader of assertion headers and claims" ;;
	form) echo "urlencoded form bodies and query strings, form Content-Type, redirect targets, Origin URLs" ;;
	cookie) echo "Cookie headers (session and language cookies)" ;;
	accept_language) echo "Accept-Language headers" ;;
	ocsp_request) echo "OCSP requests: DER bodies (POST) and base64 paths (GET)" ;;
	config) echo "the configuration file (mycertd.conf)" ;;
	audit_export) echo "audit log exports read by mycert-audit verify (with --since)" ;;
	*) echo "$1" ;;
	esac
}

max_len() {
	case $1 in
	cookie | accept_language) echo 1024 ;;
	form) echo 4096 ;;
	config | audit_export) echo 16384 ;;
	*) echo 9000 ;;
	esac
}

# The sanitizers' settings: leaks on, reports kept, libraries' own leaks
# named in tests/sanitizers/lsan.supp (never ours).
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
LSAN_OPTIONS=suppressions=$ROOT/tests/sanitizers/lsan.supp:print_suppressions=0
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

# row TARGET OBSERVED STATE: one line of outcomes.tsv.
row() {
	printf 'fuzz\tfuzz_%s\t%s\t%s\t%s\n' "$1" "$(what "$1")" "$2" "$3" \
		>>"$OUT"
}

# count DIR: files in DIR (0 when absent).
count() {
	if [ -d "$1" ]; then
		find "$1" -type f | wc -l | tr -d ' '
	else
		echo 0
	fi
}

# fuzz_one TARGET: sets execs, secs, cov, ft, found (0: clean).
fuzz_one() {
	t=$1
	bin="$build/fuzz_$t"
	work="$build/work/$t"
	log="$build/logs/$t.log"
	art="$build/artifacts/$t/"
	seeds="$ROOT/fuzz/corpus/$t"
	kept="$ROOT/fuzz/regressions/$t"
	if [ "$mode" = check ]; then
		rm -rf "$work"
	fi
	mkdir -p "$work" "$art"
	if [ "$(count "$work")" -eq 0 ] && [ -d "$seeds" ]; then
		cp "$seeds"/* "$work"/ 2>/dev/null || true
	fi
	set -- "$work"
	if [ "$(count "$kept")" -gt 0 ]; then
		set -- "$@" "$kept"
	fi
	dict="$ROOT/fuzz/dict/$t.dict"
	if [ -f "$dict" ]; then
		set -- "-dict=$dict" "$@"
	fi
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 \
		-max_len="$(max_len "$t")" -print_final_stats=1 \
		-artifact_prefix="$art" "$@" >"$log" 2>&1
	found=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
		tail -n 1)
	secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' \
		"$log" | tail -n 1)
	cov=$(sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) .*/\1/p' "$log" |
		tail -n 1)
	ft=$(sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) .*/\2/p' "$log" |
		tail -n 1)
}

# replay TARGET: runs every kept crash input and seed once, in one
# process; 0 when all pass.
replay() {
	t=$1
	set --
	for dir in "$ROOT/fuzz/regressions/$t" "$ROOT/fuzz/corpus/$t"; do
		if [ -d "$dir" ]; then
			set -- "$@" "$dir"
		fi
	done
	[ $# -gt 0 ] || return 0
	find "$@" -type f -exec "$build/fuzz_$t" -runs=1 {} + \
		>"$build/logs/$t.replay.log" 2>&1
}

for t in "$@"; do
	bin="$build/fuzz_$t"
	if [ ! -x "$bin" ]; then
		echo "fuzz: $bin is missing: run make fuzz-bins" >&2
		exit 1
	fi
	if [ "$mode" = merge ]; then
		mkdir -p "$ROOT/fuzz/corpus/$t"
		before=$(count "$ROOT/fuzz/corpus/$t")
		"$bin" -merge=1 -max_len="$(max_len "$t")" \
			"$ROOT/fuzz/corpus/$t" "$build/work/$t" \
			>"$build/logs/$t.merge.log" 2>&1 || {
			echo "fuzz: merging $t failed: see $build/logs/$t.merge.log" >&2
			exit 1
		}
		echo "fuzz: $t: $before seeds, now $(count "$ROOT/fuzz/corpus/$t")"
		continue
	fi
	nseeds=$(count "$ROOT/fuzz/corpus/$t")
	nkept=$(count "$ROOT/fuzz/regressions/$t")
	fuzz_one "$t"
	observed="${execs:-0} executions in ${secs:-?} s from $nseeds seeds, cov: ${cov:-?}, ft: ${ft:-?}"
	if [ "$found" -ne 0 ]; then
		state="FAILED (a crash, leak or broken invariant: input in ${art}, report in $log)"
		echo "fuzz: fuzz_$t: FAILED: input in $art, report in $log" >&2
		grep -m 3 -E 'ERROR|runtime error|invariant broken|SUMMARY' \
			"$log" >&2
		row "$t" "$observed, 1 crash" "$state"
		failed=1
		continue
	fi
	state=held
	if [ "$mode" = check ]; then
		if replay "$t"; then
			observed="$observed, 0 crashes; $nkept kept crash inputs and $nseeds seeds replayed, 0 crashes"
		else
			state="FAILED (a kept input or seed crashes: see $build/logs/$t.replay.log)"
			echo "fuzz: fuzz_$t: a kept input or seed crashes: see $build/logs/$t.replay.log" >&2
			failed=1
		fi
	else
		observed="$observed, 0 crashes"
	fi
	echo "fuzz: fuzz_$t: $observed: $state"
	row "$t" "$observed" "$state"
done
exit $failed
