#!/bin/sh
# test_install.sh: make install and make uninstall (mk/install.mk).
#
# Installs the binaries under test ($BIN, the sanitizer build included:
# make install never builds) into a staging folder with PREFIX=/usr, then
# checks every installed file and its mode against the expected list
# (nothing more, nothing less), that the binaries are the ones built, that
# the man pages lint clean with mandoc, render, and name every option,
# command, configuration key and exit status the programs have, that the
# systemd unit starts the installed daemon and passes systemd-analyze
# verify, and that its offline security exposure is at most
# MAX_EXPOSURE, that it never restarts on the exit statuses of err.c
# that only the officer can fix (the PIN ones above all), and that
# mycertd.conf.example names every key of config.c.  A second install
# keeps an existing mycertd.conf; uninstall removes every installed file
# and keeps it.  The installed provisioning scripts provision a setup
# with the installed mycert-admin (no repository build, no MYCERT_ADMIN).
# Last, as root, README's "Installing as a service" runs in a staging
# folder with a throwaway account (removed on exit) up to the installed
# mycertd serving as that account and answering /healthz 200.
# shellcheck disable=SC2016 # the sh -c snippets read their own $1
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

# systemd-analyze's scale: 0.0 (safest) to 10.0; "OK" is below 5.0.
MAX_EXPOSURE=2.0

WORK=$(mktemp -d "${TMPDIR:-/tmp}/install.XXXXXX")
SVC_USER=""
# shellcheck source=tests/daemon.sh
. "$(dirname "$0")/../daemon.sh"
cleanup() {
	stop_daemon
	# The throwaway account of the staged service install, if made.
	if [ -n "$SVC_USER" ] && id -u "$SVC_USER" >/dev/null 2>&1; then
		userdel "$SVC_USER" >/dev/null 2>&1 ||
			log "WARNING: could not remove the account $SVC_USER"
	fi
	if [ -n "$SVC_USER" ] && getent group "$SVC_USER" >/dev/null; then
		groupdel "$SVC_USER" >/dev/null 2>&1 || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 2' INT TERM HUP
STAGE="$WORK/stage"

install_into() {
	make -s --no-print-directory -C "$ROOT" "$@" BUILD="$BIN" \
		>"$WORK/make.out" 2>&1
}

# --- install -------------------------------------------------------------------
check "make install DESTDIR PREFIX=/usr succeeds without building" \
	install_into install DESTDIR="$STAGE" PREFIX=/usr
check "make install compiled and linked nothing" \
	fails grep -q "CC \|LINK " "$WORK/make.out"

check "make install without built binaries refuses, saying to run make" \
	sh -c '! make -s --no-print-directory -C "$1" install BUILD="$2/none" \
		DESTDIR="$2/empty" >"$2/none.out" 2>&1 &&
		grep -q "run .make. first" "$2/none.out" && [ ! -e "$2/empty" ]' \
	_ "$ROOT" "$WORK"

# mode path: every file make install must write, and nothing else.
{
	echo "755 etc/mycert"
	echo "644 etc/mycert/mycertd.conf.example"
	echo "755 usr/bin/mycert-audit"
	echo "644 usr/lib/systemd/system/mycertd.service"
	echo "755 usr/sbin/mycert-admin"
	echo "755 usr/sbin/mycertd"
	echo "644 usr/share/man/man1/mycert-audit.1"
	echo "644 usr/share/man/man8/mycert-admin.8"
	echo "644 usr/share/man/man8/mycertd.8"
	echo "644 usr/share/mycert/hsm-config/softhsm2.conf.in"
	echo "644 usr/share/mycert/provisioning/README.md"
	# lib.sh is sourced, not run.
	for s in "$ROOT"/provisioning/*.sh; do
		case $s in
		*/lib.sh) echo "644 usr/share/mycert/provisioning/lib.sh" ;;
		*) echo "755 usr/share/mycert/provisioning/$(basename "$s")" ;;
		esac
	done
} | sort -k2 >"$WORK/expected"
{
	(cd "$STAGE" && find . -type f -printf '%m %P\n')
	stat -c '%a etc/mycert' "$STAGE/etc/mycert"
} | sort -k2 >"$WORK/got"
check "installs exactly the expected files with the expected modes" \
	diff "$WORK/expected" "$WORK/got"
NFILES=$(grep -vc ' etc/mycert$' "$WORK/got")
for pair in "sbin/mycertd mycertd" "sbin/mycert-admin mycert-admin" \
	"bin/mycert-audit mycert-audit"; do
	# shellcheck disable=SC2086 # two words on purpose
	set -- $pair
	check "usr/$1 is $BIN/$2" cmp -s "$STAGE/usr/$1" "$BIN/$2"
done
check "the installed scripts use the installed mycert-admin" \
	grep -qx 'INSTALLED_ADMIN=/usr/sbin/mycert-admin' \
	"$STAGE/usr/share/mycert/provisioning/lib.sh"

# --- man pages -------------------------------------------------------------------
MAN="$STAGE/usr/share/man"
for page in man8/mycertd.8 man8/mycert-admin.8 man1/mycert-audit.1; do
	check "$page: mandoc -T lint finds nothing (warnings included)" \
		sh -c 'out=$(mandoc -T lint -W warning "$1" 2>&1) &&
			[ -z "$out" ]' _ "$MAN/$page"
	check "$page renders with mandoc -T utf8 (NAME, SYNOPSIS, SEE ALSO)" \
		sh -c 'mandoc -T utf8 "$1" | col -b >"$2" &&
			grep -q "^NAME" "$2" && grep -q "^SYNOPSIS" "$2" &&
			grep -q "^SEE ALSO" "$2" && [ "$(wc -l <"$2")" -gt 40 ]' \
		_ "$MAN/$page" "$WORK/$(basename "$page").txt"
done
# Every key of the example configuration is documented in mycertd(8).
sed -n 's/^#\{0,1\} *\([a-z][a-z0-9_]*\) *= .*/\1/p' \
	"$ROOT/hsm-config/mycertd.conf.example" | sort -u >"$WORK/keys"
missing=""
while read -r k; do
	grep -q "^\.\(It \)\{0,1\}Cm $k\( \|$\)" "$MAN/man8/mycertd.8" ||
		missing="$missing $k"
done <"$WORK/keys"
check "mycertd(8) documents every configuration key ($(grep -c . \
	"$WORK/keys") keys; missing:${missing:- none})" [ -z "$missing" ]
# Every key config.c knows (its keys[] table) is in the example, set or
# commented out, so that a new key without documentation fails here.
sed -n '/^static const struct key_def keys\[\] = {/,/^};/s/^[[:space:]]*{ "\([a-z][a-z0-9_]*\)",.*/\1/p' \
	"$ROOT/appliance/config.c" | sort -u >"$WORK/config-keys"
missing=$(comm -23 "$WORK/config-keys" "$WORK/keys" | tr '\n' ' ')
check "mycertd.conf.example names every key of config.c ($(grep -c . \
	"$WORK/config-keys") keys; missing: ${missing:-none})" \
	sh -c '[ -z "$1" ] && [ "$(grep -c . "$2")" -ge 60 ]' _ "$missing" \
	"$WORK/config-keys"
# The values that end up in issued certificates or name the appliance are
# the officer's: commented out ("SET"), never a development value.
for k in token subject_country subject_organization policy_oid crl_url \
	ocsp_url ca_issuers_url appliance_id portal_issuer mail_from; do
	grep -q "^$k *=" "$ROOT/hsm-config/mycertd.conf.example" &&
		not_ok "the example leaves $k to the officer (commented out)"
done
check "the example holds no development value (mycert-dev, mycert development, 127.0.0.1 URLs)" \
	fails grep -Eq '^[a-z_]+ *= *(mycert-dev|mycert development|http://127\.0\.0\.1)' \
	"$ROOT/hsm-config/mycertd.conf.example"

# Every command of mycert-admin --help is in mycert-admin(8).
"$BIN/mycert-admin" --help |
	sed -n 's/^  \([a-z][a-z-]*\)\( .*\)\{0,1\}$/\1/p' | sort -u >"$WORK/cmds"
missing=""
while read -r c; do
	grep -q "^\.\(It \)\{0,1\}Cm $c\( \|$\)" "$MAN/man8/mycert-admin.8" ||
		missing="$missing $c"
done <"$WORK/cmds"
check "mycert-admin(8) documents every command ($(grep -c . "$WORK/cmds") \
commands; missing:${missing:- none})" \
	[ -z "$missing" ] && [ "$(grep -c . "$WORK/cmds")" -ge 10 ]
# The exit statuses of mycert-admin(8) are the README's table.
sed -n 's/^| \([0-9][0-9]*\) | \([a-z-]*\) |.*/\1 \2/p' "$ROOT/README.md" |
	grep -v '^0 ' >"$WORK/readme-status"
awk '/^\.Sh EXIT STATUS/ { on = 1; next } /^\.Sh/ { on = 0 }
	on && /^\.It [0-9]/ && $2 != "0" { n = $2; getline; sub(/:.*/, ""); print n, $0 }' \
	"$MAN/man8/mycert-admin.8" >"$WORK/man-status"
check "mycert-admin(8) lists the exit statuses of the README's table" \
	diff "$WORK/readme-status" "$WORK/man-status"
# mycertd(8)'s EXIT STATUS names each status as err.c's table does
# (err_exit_status and err_code_name): "N name" pairs from both.
awk '/code_names\[ERR_CODE_COUNT\]/ { t = "n" } /exit_statuses\[ERR_CODE_COUNT\]/ { t = "s" }
	/^};/ { t = "" }
	t != "" && match($0, /\[ERR_[A-Z_]*\] = /) {
		id = substr($0, RSTART, RLENGTH); v = substr($0, RSTART + RLENGTH)
		gsub(/[",]/, "", v); if (t == "n") name[id] = v; else st[id] = v }
	END { for (id in st) if (st[id] ~ /^[1-9][0-9]*$/) print st[id], name[id] }' \
	"$ROOT/appliance/err.c" | sort >"$WORK/err-status"
awk '/^\.Sh EXIT STATUS/ { on = 1; next } /^\.Sh/ { on = 0 }
	on && /^\.It [0-9]+$/ { n = $2; getline; sub(/:.*/, ""); print n, $0 }' \
	"$MAN/man8/mycertd.8" | sort >"$WORK/mycertd-status"
check "mycertd(8) EXIT STATUS: each status named as in err.c ($(tr '\n' ',' \
	<"$WORK/mycertd-status"))" sh -c '[ "$(grep -c . "$1")" -ge 7 ] &&
	[ -z "$(comm -23 "$1" "$2")" ]' _ "$WORK/mycertd-status" \
	"$WORK/err-status"

for opt in "--since" "--ca" "--cert"; do
	check "mycert-audit(1) documents verify $opt" \
		grep -q "^\.\(It \)\{0,1\}Fl -${opt#--} " "$MAN/man1/mycert-audit.1"
done

# --- the systemd unit -------------------------------------------------------------
UNIT="$STAGE/usr/lib/systemd/system/mycertd.service"
check "the unit starts the installed daemon on /etc/mycert/mycertd.conf" \
	grep -qx 'ExecStart=/usr/sbin/mycertd -c /etc/mycert/mycertd.conf' "$UNIT"
check "no @PLACEHOLDER@ is left in the unit" sh -c '! grep -q "@[A-Z]*@" "$1"' \
	_ "$UNIT"
for setting in User=mycert NoNewPrivileges=yes ProtectSystem=strict \
	PrivateTmp=yes PrivateDevices=yes ProtectHome=yes UMask=0077 \
	"RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" \
	CapabilityBoundingSet=CAP_NET_BIND_SERVICE \
	SystemCallFilter=@system-service SystemCallArchitectures=native \
	MemoryDenyWriteExecute=yes LockPersonality=yes RestrictNamespaces=yes \
	StateDirectory=mycert; do
	grep -qx "$setting" "$UNIT" || not_ok "the unit sets $setting"
done
# Restart policy: the exit statuses come from appliance/err.c's table
# (exit_statuses[]), so that the unit and the code cannot drift.
exit_status_of() {
	sed -n '/exit_statuses\[ERR_CODE_COUNT\]/,/^};/s/^[[:space:]]*\[ERR_'"$1"'\] = \([0-9]*\),$/\1/p' \
		"$ROOT/appliance/err.c"
}
PREVENT=" $(sed -n 's/^RestartPreventExitStatus=//p' "$UNIT" | tr '\n' ' ') "
for code in USAGE CONFIG INPUT IO CRYPTO TOKEN_PIN_FILE \
	TOKEN_PIN_INCORRECT TOKEN_PIN_LOCKED TOKEN_KEY_NOT_FOUND; do
	st=$(exit_status_of "$code")
	check "err.c gives ERR_$code an exit status (${st:-none})" \
		[ -n "$st" ]
	case $PREVENT in
	*" $st "*) ;;
	*) not_ok "the unit never restarts on ERR_$code (exit $st):" \
		"RestartPreventExitStatus=$PREVENT" ;;
	esac
done
for code in TOKEN_NOT_FOUND UNAVAILABLE; do
	st=$(exit_status_of "$code")
	case $PREVENT in
	*" $st "*) not_ok "the unit restarts on the passing ERR_$code" \
		"(exit $st)" ;;
	esac
done
check "the unit gives up after StartLimitBurst failed starts" \
	grep -qx 'StartLimitBurst=5' "$UNIT"
check "the unit restarts on failure only" grep -qx 'Restart=on-failure' "$UNIT"
outcome service "a wrong, locked or unreadable PIN under systemd (exit $(exit_status_of TOKEN_PIN_INCORRECT), $(exit_status_of TOKEN_PIN_LOCKED), $(exit_status_of TOKEN_PIN_FILE) per err.c)" \
	"RestartPreventExitStatus=$(sed -n 's/^RestartPreventExitStatus=//p' "$UNIT"); StartLimitBurst=5 in 600 s"

if command -v systemd-analyze >/dev/null 2>&1; then
	# verify checks that ExecStart is executable and that man:mycertd(8)
	# exists: point both at the staging folder.
	sed "s|^ExecStart=/usr/sbin/|ExecStart=$STAGE/usr/sbin/|" "$UNIT" \
		>"$WORK/mycertd.service"
	check "systemd-analyze verify accepts the unit" \
		sh -c 'MANPATH="$1" systemd-analyze verify "$2" >"$3" 2>&1 &&
			[ ! -s "$3" ]' _ "$MAN" "$WORK/mycertd.service" \
		"$WORK/verify.out"
	systemd-analyze security --offline=true --no-pager "$UNIT" \
		>"$WORK/security.out" 2>&1
	EXPOSURE=$(sed -n 's/.*Overall exposure level for mycertd.service: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p' \
		"$WORK/security.out")
	check "systemd-analyze security --offline: exposure ${EXPOSURE:-?} \
<= $MAX_EXPOSURE" awk -v e="${EXPOSURE%% *}" -v max="$MAX_EXPOSURE" \
		'BEGIN { exit !(e != "" && e + 0 <= max + 0) }'
	outcome service "the systemd unit under systemd-analyze security --offline" \
		"exposure $EXPOSURE (bound $MAX_EXPOSURE); verify clean"
else
	log "SKIPPED: systemd-analyze is missing (make deps installs systemd)"
fi

# --- reinstall and uninstall --------------------------------------------------------
printf 'user = mycert\n' >"$STAGE/etc/mycert/mycertd.conf"
CONF_SUM=$(sha256sum <"$STAGE/etc/mycert/mycertd.conf")
check "a second install succeeds" \
	install_into install DESTDIR="$STAGE" PREFIX=/usr
check "a second install keeps an existing mycertd.conf as it was" \
	[ "$(sha256sum <"$STAGE/etc/mycert/mycertd.conf")" = "$CONF_SUM" ]
check "make uninstall succeeds" \
	install_into uninstall DESTDIR="$STAGE" PREFIX=/usr
LEFT=$(cd "$STAGE" && find . -type f | sort | tr '\n' ' ')
check "uninstall removes every installed file, keeps mycertd.conf (left: $LEFT)" \
	[ "$LEFT" = "./etc/mycert/mycertd.conf " ]
outcome service "make install DESTDIR PREFIX=/usr, again over a mycertd.conf, then uninstall" \
	"$NFILES files and their modes as listed; mycertd.conf unchanged; left after uninstall: $LEFT"

# --- the installed provisioning scripts ----------------------------------------------
PREFIX_DIR="$WORK/prefix"
check "make install PREFIX=<folder> succeeds" \
	install_into install PREFIX="$PREFIX_DIR" SYSCONFDIR="$PREFIX_DIR/etc" \
	SYSTEMDUNITDIR="$PREFIX_DIR/lib/systemd/system"
check "the installed provision-dev.sh provisions with the installed mycert-admin" \
	sh -c 'env -u MYCERT_ADMIN sh "$1" "$2" >"$3" 2>&1' _ \
	"$PREFIX_DIR/share/mycert/provisioning/provision-dev.sh" "$WORK/dev" \
	"$WORK/provision.log"
check "the installed mycert-admin reads that setup" \
	sh -c '"$1" -c "$2" list >/dev/null' _ "$PREFIX_DIR/sbin/mycert-admin" \
	"$WORK/dev/mycertd.conf"
check "the setup names the provisioning account as user" \
	[ "$(conf_value "$WORK/dev/mycertd.conf" user)" = "$(id -un)" ]
check "install into a prefix wrote no build folder there" \
	[ ! -e "$PREFIX_DIR/share/mycert/build" ]

# --- the service install of README, staged -------------------------------------------
# README's "Installing as a service", command for command, without
# systemd: a staged install, a throwaway system account as mycert, its
# state folder 0700 as /var/lib/mycert, a SoftHSM2 token provisioned by
# the installed scripts run as that account, the example configuration
# with the officer's values set, init-db, then the installed mycertd
# started as root on that configuration: it must serve as the account
# and answer /healthz.  Paths are the stage's; nothing else differs.
svc_install() {
	SVC_ROOT="$WORK/svc"
	S="$WORK/state"
	P="$SVC_ROOT/usr/share/mycert/provisioning"
	M=$(conf_value "$MYCERT_TEST_SETUP/mycertd.conf" pkcs11_module)
	C="$SVC_ROOT/etc/mycert/mycertd.conf"
	ADMIN_INSTALLED="$SVC_ROOT/usr/sbin/mycert-admin"
	SVC_USER="mycert-t$$"
	# The account reaches its state folder and the stage through $WORK.
	chmod 711 "$WORK"
	check "staged: make install DESTDIR PREFIX=/usr" \
		install_into install DESTDIR="$SVC_ROOT" PREFIX=/usr
	check "staged: useradd --system $SVC_USER" \
		useradd --system --user-group --home-dir "$S" \
		--shell /usr/sbin/nologin "$SVC_USER"
	check "staged: install -d -o $SVC_USER -m 0700 state folder" \
		install -d -o "$SVC_USER" -g "$SVC_USER" -m 0700 "$S"
	# The installed scripts name /usr/sbin/mycert-admin, which a DESTDIR
	# stage does not have: MYCERT_ADMIN points them at the staged one.
	# TMPDIR: the scripts' scratch folders go where the account may
	# write (/tmp, as for an officer's root shell), not the test's.
	# README's $U.
	as_account() {
		runuser -u "$SVC_USER" -- env -u TMPDIR \
			MYCERT_ADMIN="$ADMIN_INSTALLED" "$@"
	}
	: >"$WORK/svc.log"
	# From a folder the account cannot enter, as root's home is.
	mkdir -m 0700 "$WORK/root-home"
	cd "$WORK/root-home" || fatal "cannot enter $WORK/root-home"
	svc_step() {
		_ss_name=$1
		shift
		if "$@" >>"$WORK/svc.log" 2>&1; then
			ok "staged: $_ss_name"
		else
			not_ok "staged: $_ss_name" "$(tail -n 3 "$WORK/svc.log")"
		fi
	}
	svc_step "softhsm-setup.sh as the account" \
		as_account sh "$P/softhsm-setup.sh" "$S"
	svc_step "token-init.sh as the account" \
		as_account sh "$P/token-init.sh" --module "$M" \
		--softhsm2-conf "$S/softhsm2.conf" --label mycert \
		--so-pin-file "$S/so.pin" --pin-file "$S/user.pin"
	svc_step "token-keygen.sh CA key (rsa:3072)" \
		as_account sh "$P/token-keygen.sh" --module "$M" \
		--softhsm2-conf "$S/softhsm2.conf" --token mycert \
		--pin-file "$S/user.pin" --label mycert-ca --id 01 --type rsa:3072
	svc_step "token-keygen.sh audit key (ec:p256)" \
		as_account sh "$P/token-keygen.sh" --module "$M" \
		--softhsm2-conf "$S/softhsm2.conf" --token mycert \
		--pin-file "$S/user.pin" --label mycert-audit --id 02 --type ec:p256
	svc_step "tls-cert.sh as the account" \
		as_account sh "$P/tls-cert.sh" --out-cert "$S/tls.pem" \
		--out-key "$S/tls-key.pem" --name 127.0.0.1
	# The portal's operators give its public key; here a test portal's.
	svc_step "the portal's public key into etc/mycert" \
		sh "$P/portal-key.sh" --out-key "$WORK/portal-key.pem" \
		--out-pub "$SVC_ROOT/etc/mycert/portal-pub.pem"
	chmod 644 "$SVC_ROOT/etc/mycert/portal-pub.pem"
	cp "$SVC_ROOT/etc/mycert/mycertd.conf.example" "$C"
	chmod 644 "$C"
	# The stage's paths, then the officer's "SET" values.
	sed -i -e "s|/var/lib/mycert|$S|g" \
		-e "s|/etc/mycert/|$SVC_ROOT/etc/mycert/|g" \
		-e "s|^user = mycert\$|user = $SVC_USER|" "$C"
	PORT=$(free_port)
	BASE="https://127.0.0.1:$PORT"
	cat >>"$C" <<EOF_SET
token = mycert
subject_country = FR
subject_organization = mycert install test
policy_oid = 1.3.6.1.4.1.99999.1.1
crl_url = http://127.0.0.1:8080/crl/mycert-ca.crl
ocsp_url = http://127.0.0.1:8080/ocsp
ca_issuers_url = http://127.0.0.1:8080/ca/mycert-ca.crt
appliance_id = $BASE
portal_issuer = https://portal.test.invalid
mail_smtp_url = smtp://127.0.0.1:$(free_port)
mail_from = mycert <no-reply@example.org>
EOF_SET
	set_conf "$C" listen "127.0.0.1:$PORT"
	CONF=$C
	set_status_port
	svc_step "the account reads the configuration in etc/mycert" \
		runuser -u "$SVC_USER" -- test -r "$C"
	svc_step "ca-selfsign.sh as the account" as_account sh "$P/ca-selfsign.sh" "$C"
	svc_step "audit-cert.sh as the account" as_account sh "$P/audit-cert.sh" "$C"
	svc_step "mycert-admin init-db as the account" \
		as_account "$ADMIN_INSTALLED" -c "$C" init-db
	svc_step "mkdir crl as the account" as_account mkdir -m 0700 "$S/crl"
	svc_step "check-token.sh as the account" as_account sh "$P/check-token.sh" "$C"
	check "the state folder and everything in it is $SVC_USER's" \
		sh -c '[ -z "$(find "$1" ! -user "$2" | head -n 1)" ]' _ "$S" \
		"$SVC_USER"
	check "the PIN file and the TLS key are 0600" \
		sh -c '[ "$(stat -c %a "$1/user.pin" "$1/tls-key.pem" | sort -u)" = 600 ]' \
		_ "$S"
	DAEMON="$SVC_ROOT/usr/sbin/mycertd"
	DAEMON_LOG="$WORK/svc-mycertd.log"
	_t0=$(date +%s)
	run_daemon
	SVC_UID=$(id -u "$SVC_USER")
	# Real, effective, saved and file-system uid of the running daemon.
	RUN_UID=$(awk '/^Uid:/ { print $2 "/" $3 "/" $4 "/" $5 }' \
		"/proc/$DAEMON_PID/status")
	check "the installed mycertd, started as root, serves as $SVC_USER (uid $SVC_UID; /proc: $RUN_UID)" \
		[ "$RUN_UID" = "$SVC_UID/$SVC_UID/$SVC_UID/$SVC_UID" ]
	check "it logs the drop to $SVC_USER" \
		grep -q "event=privileges user=$SVC_USER uid=$SVC_UID" "$DAEMON_LOG"
	HEALTH=$(curl -s --cacert "$S/tls.pem" --max-time 10 \
		-w ' %{http_code}' "$BASE/healthz" | tr -d '\n')
	check "/healthz answers 200 with the token and the database ok ($HEALTH)" \
		[ "$HEALTH" = '{"token":"ok","database":"ok"} 200' ]
	stop_daemon
	cd "$ROOT" || fatal "cannot enter $ROOT"
	check "it stops cleanly on SIGTERM" \
		grep -q "event=stopped clean=yes" "$DAEMON_LOG"
	outcome service "README's service install, staged: make install, useradd, provisioning as the account, init-db, mycertd as root" \
		"healthz: $HEALTH; real/effective/saved/fs uid $RUN_UID (the account's, not 0); up within $(($(date +%s) - _t0)) s"
}
if [ "$(id -u)" -ne 0 ]; then
	log "SKIPPED: the staged service install needs root (useradd, runuser)"
elif ! command -v runuser >/dev/null 2>&1 ||
	! command -v useradd >/dev/null 2>&1; then
	log "SKIPPED: the staged service install needs runuser and useradd"
else
	svc_install
fi

finish
