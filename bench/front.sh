#!/bin/sh
# front.sh OUT_DIR: the HTTPS front under load, next to nginx.
#
# Called by bench/run.sh after the issuance benchmark, on the setup that
# run.sh provisioned in OUT_DIR/setup.  Starts mycertd on a copy of that
# setup (a free loopback port, the mail outbox) and nginx (Debian's, as an
# unprivileged foreground process with its own prefix in a temporary
# folder) on another free loopback port with the same TLS certificate and
# key, serving the very bytes of the daemon's style.css with the daemon's
# headers.  Then, with wrk over TLS and keep-alive: GET / without a
# session, GET /static/style.css, nginx's GET /style.css; a short run
# with a new TLS connection per request on both; and the whole flow of
# bench/flow.py at 1, 8 and 32 concurrent people.  Every load goes to
# 127.0.0.1, is bounded in time, and stops by itself.  Figures are
# printed, never asserted.
#
# Knobs: BENCH_WRK_SECONDS (default 8), BENCH_WRK_CONNECTIONS (32),
# BENCH_FLOW_LEVELS (1,8,32).
# shellcheck disable=SC2034 # MYCERT_TEST_SETUP: read by lib.sh
set -eu

HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
OUT=$1
MYCERT_TEST_SETUP="$OUT/setup"
# shellcheck source=tests/lib.sh
. "$HERE/../tests/lib.sh"
# lib.sh takes ROOT from a tests/*/ path: this script is one level up.
ROOT=$(CDPATH='' cd -- "$HERE/.." && pwd)
# shellcheck source=tests/daemon.sh
. "$ROOT/tests/daemon.sh"

WRK_SECONDS=${BENCH_WRK_SECONDS:-8}
WRK_CONNECTIONS=${BENCH_WRK_CONNECTIONS:-32}
WRK_THREADS=2
WARM_SECONDS=1
CLOSE_SECONDS=3
CLOSE_CONNECTIONS=8
FLOW_LEVELS=${BENCH_FLOW_LEVELS:-1,8,32}
PYTHON=/usr/bin/python3
HZ=$(getconf CLK_TCK)

WORK="$OUT/front"
NGINX_PID=""
THREAD_SHARES=""
NGX=""

cleanup() {
	stop_daemon
	if [ -n "$NGINX_PID" ] && kill -0 "$NGINX_PID" 2>/dev/null; then
		kill -QUIT "$NGINX_PID"
		wait "$NGINX_PID" 2>/dev/null || true
	fi
	NGINX_PID=""
	if [ -n "$NGX" ] && [ -d "$NGX" ]; then
		cp "$NGX/error.log" "$WORK/nginx-error.log" 2>/dev/null || true
		rm -rf "$NGX"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

need() {
	for _nd_c in "$@"; do
		command -v "$_nd_c" >/dev/null 2>&1 ||
			fatal "$_nd_c is missing: run 'make deps' (tools/deps.sh)"
	done
}

# ---- mycertd ----------------------------------------------------------------

start_mycertd() {
	copy_setup "$WORK/daemon"
	CONF="$WORK/daemon/mycertd.conf"
	OUTBOX=$(conf_value "$CONF" mail_outbox)
	if [ -z "$OUTBOX" ] || [ ! -d "$OUTBOX" ]; then
		fatal "the bench setup has no mail_outbox folder"
	fi
	# 32 logins from 127.0.0.1 within a minute would meet the default
	# limit of 30 assertions per minute per address.
	set_conf "$CONF" assertions_per_minute 100000
	PORT=$(free_port)
	BASE="https://127.0.0.1:$PORT"
	set_conf "$CONF" listen "127.0.0.1:$PORT"
	set_status_port
	set_conf "$CONF" appliance_id "$BASE"
	DAEMON_LOG="$WORK/mycertd.log"
	run_daemon
}

# ---- nginx ------------------------------------------------------------------

# nginx_headers HEADER_FILE: add_header lines for the daemon's own
# headers of style.css, so that both servers send comparable responses.
nginx_headers() {
	tr -d '\r' <"$1" | while IFS= read -r line; do
		name=${line%%:*}
		value=${line#*: }
		case $name in
		HTTP/* | '' | Date | Content-Length | Content-Type | ETag | \
			Connection | Server | Keep-Alive) continue ;;
		esac
		case $value in
		*[\"\$\\]*) continue ;;	# not worth quoting for nginx
		esac
		printf '\t\t\tadd_header %s "%s" always;\n' "$name" "$value"
	done
}

# nginx_server PORT [EXTRA]: a server block for the static file.
nginx_server() {
	cat <<EOF
	server {
		listen 127.0.0.1:$1 ssl;
		ssl_certificate $NGX/tls.pem;
		ssl_certificate_key $NGX/tls-key.pem;
		ssl_protocols TLSv1.2 TLSv1.3;
		${2:-}
		root $NGX/html;
		location = /style.css {
$(nginx_headers "$WORK/style.css.headers")
		}
	}
EOF
}

# The second server takes mycertd's key exchange group, so that the
# handshake figures compare like with like.
write_nginx_conf() {
	NPORT=$(free_port)
	NBASE="https://127.0.0.1:$NPORT"
	NPORT384=$(free_port)
	while [ "$NPORT384" = "$NPORT" ]; do
		NPORT384=$(free_port)
	done
	NBASE384="https://127.0.0.1:$NPORT384"
	cat >"$NGX/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes $(nproc);
pid $NGX/nginx.pid;
error_log $NGX/error.log warn;
events {
	worker_connections 1024;
}
http {
	access_log $NGX/access.log;
	client_body_temp_path $NGX/tmp/body;
	proxy_temp_path $NGX/tmp/proxy;
	fastcgi_temp_path $NGX/tmp/fastcgi;
	uwsgi_temp_path $NGX/tmp/uwsgi;
	scgi_temp_path $NGX/tmp/scgi;
	types {
		text/css css;
	}
	default_type application/octet-stream;
	charset utf-8;
	charset_types text/css;
	server_tokens off;
	sendfile on;
	keepalive_timeout 30s;
	# mycertd closes no connection after a count of requests: neither
	# does nginx here (its default closes after 1000).
	keepalive_requests 1000000;
$(nginx_server "$NPORT")
$(nginx_server "$NPORT384" "ssl_ecdh_curve secp384r1;")
}
EOF
}

start_nginx() {
	NGX=$(mktemp -d "${TMPDIR:-/tmp}/mycert-bench-nginx.XXXXXX")
	mkdir -p "$NGX/html" "$NGX/tmp"
	cp "$WORK/style.css" "$NGX/html/style.css"
	cp "$CONF_DIR/tls.pem" "$NGX/tls.pem"
	(umask 077 && cp "$CONF_DIR/tls-key.pem" "$NGX/tls-key.pem")
	write_nginx_conf
	if [ "$(id -u)" -eq 0 ]; then
		# Never root: the whole of nginx runs as nobody, on a
		# private copy of the key that is removed at exit.
		chown -R nobody:nogroup "$NGX"
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
			--no-new-privs nginx -p "$NGX" -c "$NGX/nginx.conf" \
			-e "$NGX/error.log" >>"$WORK/nginx.out" 2>&1 &
	else
		nginx -p "$NGX" -c "$NGX/nginx.conf" -e "$NGX/error.log" \
			>>"$WORK/nginx.out" 2>&1 &
	fi
	NGINX_PID=$!
	_sn_i=0
	while [ "$_sn_i" -lt 50 ]; do
		if curl -sk -o /dev/null "$NBASE/style.css" 2>/dev/null; then
			return 0
		fi
		kill -0 "$NGINX_PID" 2>/dev/null || break
		sleep 0.1
		_sn_i=$((_sn_i + 1))
	done
	cat "$WORK/nginx.out" "$NGX/error.log" >&2 2>/dev/null || true
	fatal "nginx did not answer on $NBASE (log above)"
}

# ---- measures ---------------------------------------------------------------

# cpu_ticks PID...: user + system clock ticks of the processes so far.
cpu_ticks() {
	_ct_sum=0
	for _ct_p in "$@"; do
		# Field 2 is "(comm)" without spaces for mycertd and nginx.
		_ct_t=$(awk '{ print $14 + $15 }' "/proc/$_ct_p/stat" \
			2>/dev/null || echo 0)
		_ct_sum=$((_ct_sum + _ct_t))
	done
	echo "$_ct_sum"
}

# server_pids NAME: the processes of the server under test.
server_pids() {
	if [ "$1" = nginx ]; then
		# shellcheck disable=SC2046 # one pid per word
		echo "$NGINX_PID" $(ps -o pid= --ppid "$NGINX_PID")
	else
		echo "$DAEMON_PID"
	fi
}

# machine_busy: clock ticks of all CPUs so far in processes (user, nice,
# system) and stolen by the hypervisor.
machine_busy() {
	awk '/^cpu / { print $2 + $3 + $4 + $9 }' /proc/stat
}

# machine_irq: clock ticks of all CPUs so far in interrupts, where the
# kernel does most of the loopback network work, for no process.
machine_irq() {
	awk '/^cpu / { print $7 + $8 }' /proc/stat
}

# mhd_ticks: "TID TICKS" of each libmicrohttpd thread of mycertd.
mhd_ticks() {
	for _mt_t in "/proc/$DAEMON_PID/task/"*; do
		if [ "$(cat "$_mt_t/comm" 2>/dev/null)" = MHD-worker ]; then
			awk -v tid="${_mt_t##*/}" '{ print tid, $14 + $15 }' \
				"$_mt_t/stat"
		fi
	done | sort
}

# thread_shares BEFORE AFTER: each libmicrohttpd thread's share of their
# CPU between two mhd_ticks, largest first.
thread_shares() {
	join "$1" "$2" | awk '{ d[NR] = $3 - $2; sum += d[NR] }
	END {
		for (i = 1; i <= NR; i++)
			printf "%.0f\n", (sum > 0 ? 100 * d[i] / sum : 0)
	}' | sort -rn | awk '{ printf "%s%d%%", (NR > 1 ? " " : ""), $1 }'
}

# measured SERVER OUT_FILE WRK_ARGS...: runs wrk into OUT_FILE and sets
# SRV_TICKS (the server's processes), WRK_TICKS (wrk), IRQ_TICKS (the
# kernel's interrupt work) and OTHER_TICKS (every other process on the
# machine, and the hypervisor's steal).
measured() {
	_me_server=$1
	_me_pids=$(server_pids "$1")
	_me_out=$2
	shift 2
	[ "$_me_server" != mycertd ] || mhd_ticks >"$_me_out.threads0"
	# shellcheck disable=SC2086 # one pid per word
	_me_s0=$(cpu_ticks $_me_pids)
	_me_b0=$(machine_busy)
	_me_i0=$(machine_irq)
	# The inner shell reads its waited-for children's CPU: wrk's.
	# shellcheck disable=SC2016 # expanded by the inner shell
	WRK_TICKS=$(sh -c 'out=$1; shift; "$@" >"$out" || exit 1
		awk "{ print \$16 + \$17 }" /proc/$$/stat' sh "$_me_out" wrk "$@") ||
		fatal "wrk $* failed (output in $_me_out)"
	# shellcheck disable=SC2086
	SRV_TICKS=$(($(cpu_ticks $_me_pids) - _me_s0))
	OTHER_TICKS=$(($(machine_busy) - _me_b0 - SRV_TICKS - WRK_TICKS))
	[ "$OTHER_TICKS" -ge 0 ] || OTHER_TICKS=0
	IRQ_TICKS=$(($(machine_irq) - _me_i0))
	if [ "$_me_server" = mycertd ]; then
		mhd_ticks >"$_me_out.threads1"
		THREAD_SHARES=$(thread_shares "$_me_out.threads0" \
			"$_me_out.threads1")
	fi
}

# response_size URL: "HEADER_BYTES+BODY_BYTES" of one response.
response_size() {
	curl -sk -o /dev/null -w '%{size_header}+%{size_download}' "$1"
}

# wrk_report LABEL FILE: one row of figures from wrk's report and the
# CPU ticks of the run.
wrk_report() {
	awk -v label="$1" -v srv="$SRV_TICKS" -v wrk="$WRK_TICKS" \
	    -v irq="$IRQ_TICKS" -v other="$OTHER_TICKS" -v hz="$HZ" \
	    -v newconn="${3:-0}" '
	function ms(v) {
		if (v ~ /us$/) return v * 0.001
		if (v ~ /ms$/) return v + 0
		if (v ~ /m$/) return v * 60000
		if (v ~ /s$/) return v * 1000
		return v + 0
	}
	$1 == "50%" { p50 = ms($2) }
	$1 == "90%" { p90 = ms($2) }
	$1 == "99%" { p99 = ms($2) }
	/requests in/ { n = $1 }
	/^Requests\/sec:/ { rps = $2 }
	/Socket errors:/ {
		gsub(",", "")
		errs += $4 + $6 + $8 + $10
	}
	/Non-2xx or 3xx responses:/ { errs += $5 }
	END {
		cpu = srv / hz
		if (newconn)
			printf "  %-30s %7.0f %6d %9.2f %7.1f %6.1f %6.1f" \
			    " %6.1f\n", label, rps, errs,
			    (n > 0 ? 1000 * cpu / n : 0), cpu, wrk / hz,
			    irq / hz, other / hz
		else
			printf "  %-30s %7.0f %7.2f %7.2f %7.2f %6d %8.0f" \
			    " %7.1f %6.1f %6.1f %6.1f\n", label, rps, p50, p90,
			    p99, errs, (cpu > 0 ? n / cpu : 0), cpu, wrk / hz,
			    irq / hz, other / hz
	}' "$2"
}

# wrk_run ID LABEL SERVER URL: a warm-up, then the measured run into
# $WORK/wrk-ID.txt; prints one row of the table.
wrk_run() {
	wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"${WARM_SECONDS}s" \
		"$4" >/dev/null
	measured "$3" "$WORK/wrk-$1.txt" -t"$WRK_THREADS" \
		-c"$WRK_CONNECTIONS" -d"${WRK_SECONDS}s" --latency "$4"
	wrk_report "$2" "$WORK/wrk-$1.txt" | tee "$WORK/wrk-$1.txt.row"
	awk '{ print $(NF - 4) }' "$WORK/wrk-$1.txt.row" \
		>"$WORK/wrk-$1.txt.per-cpu"
	[ "$3" != mycertd ] || echo "$THREAD_SHARES" >"$WORK/wrk-$1.txt.threads"
}

# rps_of ID: requests/s of the run $WORK/wrk-ID.txt.
rps_of() {
	awk '/^Requests\/sec:/ { print $2 }' "$WORK/wrk-$1.txt"
}

# per_cpu_of ID: requests per server CPU second of the run (wrk_report's
# figure, read back from its row).
per_cpu_of() {
	cat "$WORK/wrk-$1.txt.per-cpu"
}

# close_run ID LABEL SERVER URL: a new TLS connection for every request;
# prints one row: requests (connections) per second, errors, the server's
# CPU per connection.  wrk's latency leaves the handshake out: not shown.
close_run() {
	measured "$3" "$WORK/close-$1.txt" -t"$WRK_THREADS" \
		-c"$CLOSE_CONNECTIONS" -d"${CLOSE_SECONDS}s" --latency \
		-H 'Connection: close' "$4"
	wrk_report "$2" "$WORK/close-$1.txt" 1
}

# close_rps ID: requests/s of the run $WORK/close-ID.txt.
close_rps() {
	awk '/^Requests\/sec:/ { print $2 }' "$WORK/close-$1.txt"
}

# tls_params PORT: what an OpenSSL client negotiates, and whether the
# server answered its first key share with a HelloRetryRequest.
tls_params() {
	_tp_hellos=$(openssl s_client -connect "127.0.0.1:$1" -msg \
		</dev/null 2>/dev/null | grep -c '^>>> .*ClientHello' || true)
	openssl s_client -connect "127.0.0.1:$1" -brief </dev/null 2>&1 |
		awk -F': ' -v hellos="$_tp_hellos" '
		/^Protocol version/ { p = $2 }
		/^Ciphersuite/ { c = $2 }
		/^(Peer|Server) Temp Key/ { k = $2 }
		END {
			printf "%s, %s, %s", p, c, k
			if (hellos > 1)
				printf " (after a HelloRetryRequest)"
		}'
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (b > 0) printf "%.2f", a / b; else printf "n/a" }'
}

# ---- the report -------------------------------------------------------------

report_static() {
	_rs_threads=$(sed -n 's/.*event=web_started.* threads=\([0-9]*\).*/\1/p' \
		"$DAEMON_LOG" | tail -n 1)
	cat <<EOF

== The front over TLS: GET / and the static CSS, next to nginx ==
wrk ${WRK_THREADS} threads, ${WRK_CONNECTIONS} connections kept alive, \
${WRK_SECONDS} s per target after a ${WARM_SECONDS} s warm-up;
wrk and the server under test share this machine's $(nproc) cores.
  mycertd  $BASE, libmicrohttpd pool of ${_rs_threads:-?} threads
           TLS (openssl client): $(tls_params "$PORT")
  nginx    $(nginx -v 2>&1 | sed 's|.*/||') $NBASE, $(nproc) worker \
processes, the same
           tls.pem and tls-key.pem, the daemon's style.css bytes and headers
           TLS (openssl client): $(tls_params "$NPORT")

                                            latency (ms)              requests  CPU seconds in the run
  target                           req/s     p50     p90     p99 errors per cpu-s  server    wrk    irq others
EOF
	wrk_run home "mycertd GET /" mycertd "$BASE/"
	wrk_run css "mycertd GET /static/style.css" mycertd \
		"$BASE/static/style.css"
	wrk_run nginx "nginx GET /style.css" nginx "$NBASE/style.css"
	cat <<EOF

  style.css, mycertd / nginx: \
$(ratio "$(rps_of css)" "$(rps_of nginx)") in requests/s, \
$(ratio "$(per_cpu_of css)" "$(per_cpu_of nginx)") in requests per server cpu-s
  Requests per cpu-s: per second of the server's own CPU (throughput per
  core).  irq: the kernel's interrupt time (the loopback network, for both
  ends).  others: every other process on the machine and the hypervisor's
  steal during the run; when it is not near 0, the run had that much less
  CPU and its figures are low.
  mycertd's libmicrohttpd threads, each one's share of their CPU in the
  run: GET / $(cat "$WORK/wrk-home.txt.threads"), style.css \
$(cat "$WORK/wrk-css.txt.threads") \
(an even spread: $((100 / ${_rs_threads:-4}))% each).
  Response sizes (header+body bytes): mycertd / $(response_size "$BASE/"), \
mycertd style.css $(response_size "$BASE/static/style.css"),
  nginx style.css $(response_size "$NBASE/style.css").

A new TLS connection for every request (wrk -H 'Connection: close',
${CLOSE_CONNECTIONS} connections, ${CLOSE_SECONDS} s per target, GET of the CSS):

                                           server cpu  CPU seconds in the run
  target                           conn/s errors  ms/conn  server    wrk    irq others
EOF
	close_run mycertd "mycertd" mycertd "$BASE/static/style.css"
	close_run nginx "nginx (X25519)" nginx "$NBASE/style.css"
	close_run nginx384 "nginx (secp384r1, as mycertd)" nginx \
		"$NBASE384/style.css"
	_rs_c=$(close_rps mycertd)
	cat <<EOF

  new connections/s, mycertd / nginx: $(ratio "$_rs_c" "$(close_rps nginx)"); \
mycertd / nginx with secp384r1: $(ratio "$_rs_c" "$(close_rps nginx384)")
EOF
}

report_flow() {
	cat <<EOF

== The whole flow, assertion to downloaded .p12, concurrent people ==
EOF
	"$PYTHON" "$HERE/flow.py" --base "$BASE" --conf "$CONF" \
		--devportal "$DEVPORTAL" --outbox "$OUTBOX" --log "$DAEMON_LOG" \
		--pid "$DAEMON_PID" \
		--levels "$FLOW_LEVELS" ||
		not_ok "flow" "bench/flow.py failed (see above)"
}

main() {
	need wrk nginx curl openssl setpriv "$PYTHON"
	rm -rf "$WORK"
	mkdir -p "$WORK"
	start_mycertd
	CONF_DIR=$(dirname "$CONF")
	if ! curl -sk -D "$WORK/style.css.headers" -o "$WORK/style.css" \
		"$BASE/static/style.css"; then
		fatal "cannot fetch $BASE/static/style.css"
	fi
	start_nginx
	curl -sk -o "$WORK/style.nginx.css" "$NBASE/style.css"
	cmp -s "$WORK/style.css" "$WORK/style.nginx.css" ||
		fatal "nginx serves other bytes than the daemon's style.css"
	echo "bench: assertions_per_minute raised to 100000 in the bench" \
		"copy of the config (the default 30 per address would" \
		"refuse 32 logins from 127.0.0.1)"
	report_static
	report_flow
	[ "$FAILED" -eq 0 ]
}

main
