# mycert: one plain Makefile.  Each binary lists its own objects, so that a
# reader sees which code links into which program.
#
#   make          build the binaries into build/
#   make deps     install the Debian packages mycert needs (when missing)
#   make check    deps, build, provision a throwaway token, run every test;
#                 then the same under ASan+UBSan, then brief fuzz runs
#   make bench    issuance against its primitives, the front next to nginx
#   make demo     deps, build, provision demo/ and issue a sample store
#   make fuzz     each libFuzzer target FUZZ_SECONDS (mk/fuzz.mk)
#   make install  PREFIX, DESTDIR (mk/install.mk); make uninstall
#   make check-valgrind   the unit tests under valgrind's memcheck
#   make clean    remove build/

CC := gcc
BUILD := build
PKGS := libcrypto sqlite3 libp11 libcurl libmicrohttpd

WARN := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wvla \
	-Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong \
	-fstack-clash-protection -fcf-protection -fPIE
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(HARDEN) $(CFLAGS) \
	-Iappliance -Ipkcs11 -Iweb $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDFLAGS_HARDEN := -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack
LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm

# --- objects --------------------------------------------------------------
CORE := err secret config identity password profile p12 storage \
	storage_flow storage_status dbpool files issue crl log \
	merkle audit audit_sign storage_audit
CORE_OBJS := $(CORE:%=$(BUILD)/obj/appliance/%.o)
TOKEN_OBJS := $(BUILD)/obj/pkcs11/token.o $(BUILD)/obj/pkcs11/token_uri.o
# The only object that uses libcurl (the one-time code by email).
MAIL_OBJS := $(BUILD)/obj/appliance/mail.o
# The OCSP responder's core (no HTTP): parses untrusted requests.
OCSP_OBJS := $(BUILD)/obj/appliance/ocsp.o
# The portal's signed assertion (JWS) and the development portal.
ASSERTION_OBJS := $(BUILD)/obj/appliance/json.o \
	$(BUILD)/obj/appliance/assertion.o
# Mints test assertions (build/mycert-devportal); needs only a key.
DEVPORTAL := err secret config identity json assertion devportal
DEVPORTAL_OBJS := $(BUILD)/obj/appliance/mycert_devportal.o \
	$(DEVPORTAL:%=$(BUILD)/obj/appliance/%.o)

# The HTTPS front and the plain-HTTP status listener (CRL, OCSP): web.o
# and status.o are the only objects that use libmicrohttpd; assets.o
# holds the files of web/static/, built in by web/embed.sh.
WEB := form html i18n pages routes web status httpd listen
WEB_OBJS := $(WEB:%=$(BUILD)/obj/web/%.o) $(BUILD)/obj/web/assets.o

ADMIN_OBJS := $(BUILD)/obj/appliance/mycert_admin.o $(CORE_OBJS) $(TOKEN_OBJS)

# The network-facing daemon: the front, the flow, mail, the token.
DAEMON_OBJS := $(BUILD)/obj/appliance/mycertd.o \
	$(BUILD)/obj/appliance/portal.o $(BUILD)/obj/appliance/devportal.o \
	$(BUILD)/obj/appliance/privilege.o \
	$(WEB_OBJS) $(ASSERTION_OBJS) $(MAIL_OBJS) $(OCSP_OBJS) $(CORE_OBJS) \
	$(TOKEN_OBJS)

UNIT := test_config test_identity test_password test_token_uri \
	test_storage test_token test_issue test_mail test_json \
	test_assertion test_devportal
UNIT_OBJS := $(UNIT:%=$(BUILD)/obj/tests/unit/%.o) \
	$(BUILD)/obj/tests/unit/run_unit.o $(BUILD)/obj/tests/unit/fixture.o \
	$(CORE_OBJS) $(TOKEN_OBJS) $(MAIL_OBJS) $(ASSERTION_OBJS) \
	$(BUILD)/obj/appliance/devportal.o

# Sends one code with mail.c (tests/integration/test_mail_smtp.sh).
MAIL_SEND := err secret config identity files mail
MAIL_SEND_OBJS := $(BUILD)/obj/tests/tools/mail_send.o \
	$(MAIL_SEND:%=$(BUILD)/obj/appliance/%.o)

# The front's pure parts (parsers, templates) are unit-tested too.
UNIT += test_form test_pages
UNIT_OBJS += $(BUILD)/obj/tests/unit/test_form.o \
	$(BUILD)/obj/tests/unit/test_pages.o \
	$(patsubst %,$(BUILD)/obj/web/%.o,form html i18n pages assets)

# CRL and OCSP on the real token.
UNIT += test_crl test_ocsp
UNIT_OBJS += $(BUILD)/obj/tests/unit/test_crl.o \
	$(BUILD)/obj/tests/unit/test_ocsp.o $(OCSP_OBJS)

# Renewal, expiry and reminders in the storage (no token).
UNIT += test_renewal
UNIT_OBJS += $(BUILD)/obj/tests/unit/test_renewal.o

# Answers one OCSP request from standard input with ocsp.c
# (tests/integration/test_status_core.sh).
OCSP_ANSWER_OBJS := $(BUILD)/obj/tests/tools/ocsp_answer.o $(OCSP_OBJS) \
	$(CORE_OBJS) $(TOKEN_OBJS)

BENCH_OBJS := $(BUILD)/obj/bench/bench_issue.o $(CORE_OBJS) $(TOKEN_OBJS)

BINS := $(BUILD)/mycertd $(BUILD)/mycert-admin $(BUILD)/mycert-devportal
TEST_BINS := $(BUILD)/unit-tests $(BUILD)/p11-probe $(BUILD)/mail-send \
	$(BUILD)/ocsp-answer

# The auditors' tool: exports the log (the database read-only) and
# verifies exports offline.  It links no token code: checkpoints are
# signed by audit_sign.o, in CORE.
AUDIT := err config files storage storage_flow storage_status \
	storage_audit audit audit_verify merkle
AUDIT_OBJS := $(BUILD)/obj/appliance/mycert_audit.o \
	$(AUDIT:%=$(BUILD)/obj/appliance/%.o)
BINS += $(BUILD)/mycert-audit
# Fills the audit log with synthetic entries and signs checkpoints
# (tests/integration/test_audit_verify.sh, bench/audit.sh).
AUDIT_FILL_OBJS := $(BUILD)/obj/tests/tools/audit_fill.o $(CORE_OBJS) \
	$(TOKEN_OBJS)
TEST_BINS += $(BUILD)/audit-fill
UNIT += test_merkle test_audit
UNIT_OBJS += $(BUILD)/obj/tests/unit/test_merkle.o \
	$(BUILD)/obj/tests/unit/test_audit.o \
	$(BUILD)/obj/appliance/audit_verify.o

.PHONY: all deps check check-plain check-sanitize check-fuzz check-valgrind test-bins bench \
	demo clean format lint
all: $(BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/gen/assets.c: web/embed.sh $(wildcard web/static/*)
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@sh web/embed.sh web/static >$@.tmp && mv $@.tmp $@

$(BUILD)/obj/web/assets.o: $(BUILD)/gen/assets.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/mycert-admin: $(ADMIN_OBJS)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS_HARDEN) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/mycertd: $(DAEMON_OBJS)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS_HARDEN) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/mycert-devportal: $(DEVPORTAL_OBJS)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS_HARDEN) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/unit-tests: $(UNIT_OBJS)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS_HARDEN) $(LDFLAGS) -o $@ $^ $(LIBS) -lcunit

$(BUILD)/mail-send: $(MAIL_SEND_OBJS)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS_HARDEN) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/ocsp-answer: $(OCSP_ANSWER_OBJS)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS_HARDEN) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/mycert-audit: $(AUDIT_OBJS)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS_HARDEN) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/audit-fill: $(AUDIT_FILL_OBJS)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS_HARDEN) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/bench-issue: $(BENCH_OBJS)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS_HARDEN) $(LDFLAGS) -o $@ $^ $(LIBS)

# Reads token attributes with the raw PKCS#11 API (tests only: proves the
# CA key cannot be read out).  It does not use libp11.
$(BUILD)/p11-probe: tests/tools/p11_probe.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags p11-kit-1) \
		$(LDFLAGS_HARDEN) $(LDFLAGS) -o $@ $< -ldl

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# --- packages ---------------------------------------------------------------
deps:
	@sh tools/deps.sh

# --- tests --------------------------------------------------------------------
CHECK_DIR := $(BUILD)/check

# make check runs three passes and fails if any fails: every test on the
# plain build (build/), every test again on a build under AddressSanitizer
# (leak detection on) and UndefinedBehaviorSanitizer (build/san/), and
# each fuzz target briefly (mk/fuzz.mk).  Then it writes the table of
# faults and attacks tried, docs/RESILIENCE.md, from what the tests saw.
check: deps
	@status=0; \
	$(MAKE) --no-print-directory check-plain || status=1; \
	$(MAKE) --no-print-directory check-sanitize || status=1; \
	$(MAKE) --no-print-directory check-fuzz || status=1; \
	sh tests/outcomes.sh $(CHECK_OUTCOMES) >docs/RESILIENCE.md; \
	echo "check: wrote docs/RESILIENCE.md"; \
	[ $$status -eq 0 ] || echo "check: FAILED (see the passes above)" >&2; \
	exit $$status

check-plain:
	@$(MAKE) --no-print-directory all $(TEST_BINS)
	@sh tests/run-all.sh $(CHECK_DIR)

test-bins: $(TEST_BINS)

# The sanitizer pass: its own build folder, the same tests.  Reports go
# to files (log_path), so that a daemon's report at exit fails the run
# too (tests/run-all.sh); tests/sanitizers/lsan.supp names the leaks of
# the libraries we load (never ours).
SAN_BUILD := $(BUILD)/san
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
SAN_LOGS := $(abspath $(SAN_BUILD))/reports
check-sanitize:
	@$(MAKE) --no-print-directory BUILD=$(SAN_BUILD) \
		CFLAGS="-O1 -g $(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" all test-bins
	@rm -rf $(SAN_LOGS) && mkdir -p $(SAN_LOGS)
	@MYCERT_BUILD=$(SAN_BUILD) MYCERT_SANITIZER_LOGS=$(SAN_LOGS) \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:log_path=$(SAN_LOGS)/asan \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$(SAN_LOGS)/ubsan \
	LSAN_OPTIONS=suppressions=$(abspath tests/sanitizers/lsan.supp):print_suppressions=0 \
	sh tests/run-all.sh $(SAN_BUILD)/check

# Valgrind's memcheck on the unit tests (plain build; a separate target,
# not part of make check): any error or definite leak fails.
# tests/sanitizers/valgrind.supp names what the libraries we load do.
check-valgrind: deps
	@$(MAKE) --no-print-directory all test-bins
	@MYCERT_SUITES=none MYCERT_UNIT_SLOW=1 MYCERT_UNIT_WRAPPER="valgrind -q \
		--error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite --track-origins=yes \
		--suppressions=$(abspath tests/sanitizers/valgrind.supp)" \
		sh tests/run-all.sh $(BUILD)/valgrind

# The rows docs/RESILIENCE.md is made of: the plain pass, the sanitizer
# pass's own summary row, the fuzz runs.
CHECK_OUTCOMES := $(CHECK_DIR)/outcomes.tsv $(SAN_BUILD)/check/sanitizer.tsv \
	$(BUILD)/fuzz/outcomes.tsv

bench: deps
	@$(MAKE) --no-print-directory all $(BUILD)/bench-issue \
		$(BUILD)/audit-fill
	@sh bench/run.sh $(BUILD)/bench

demo: deps
	@$(MAKE) --no-print-directory all
	@sh tools/demo.sh

format:
	clang-format -i appliance/*.[ch] pkcs11/*.[ch] tests/unit/*.[ch] \
		tests/tools/*.c bench/*.c web/*.[ch]

lint:
	shellcheck -x provisioning/*.sh tests/*.sh tests/integration/*.sh fuzz/*.sh \
		tools/*.sh bench/*.sh web/*.sh

clean:
	rm -rf $(BUILD)

# Pieces kept in their own files: fuzzing (mk/fuzz.mk), installation
# (mk/install.mk).
include $(wildcard mk/*.mk)
