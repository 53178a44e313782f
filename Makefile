# mycert: one plain Makefile.  Each binary lists its own objects, so that a
# reader sees which code links into which program.
#
#   make          build the binaries into build/
#   make deps     install the Debian packages mycert needs (when missing)
#   make check    deps, build, provision a throwaway token, run every test
#   make bench    measure issuance against its primitives
#   make demo     deps, build, provision demo/ and issue a sample store
#   make clean    remove build/

CC := gcc
BUILD := build
PKGS := libcrypto sqlite3 libp11

WARN := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wvla \
	-Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong \
	-fstack-clash-protection -fcf-protection -fPIE
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(HARDEN) $(CFLAGS) \
	-Iappliance -Ipkcs11 $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDFLAGS_HARDEN := -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack
LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm

# --- objects --------------------------------------------------------------
CORE := err secret config identity password profile p12 storage files issue
CORE_OBJS := $(CORE:%=$(BUILD)/obj/appliance/%.o)
TOKEN_OBJS := $(BUILD)/obj/pkcs11/token.o $(BUILD)/obj/pkcs11/token_uri.o

ADMIN_OBJS := $(BUILD)/obj/appliance/mycert_admin.o $(CORE_OBJS) $(TOKEN_OBJS)

UNIT := test_config test_identity test_password test_token_uri \
	test_storage test_token test_issue
UNIT_OBJS := $(UNIT:%=$(BUILD)/obj/tests/unit/%.o) \
	$(BUILD)/obj/tests/unit/run_unit.o $(BUILD)/obj/tests/unit/fixture.o \
	$(CORE_OBJS) $(TOKEN_OBJS)

BENCH_OBJS := $(BUILD)/obj/bench/bench_issue.o $(CORE_OBJS) $(TOKEN_OBJS)

BINS := $(BUILD)/mycert-admin
TEST_BINS := $(BUILD)/unit-tests $(BUILD)/p11-probe

.PHONY: all deps check check-unit check-integration bench demo clean format \
	lint
all: $(BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/mycert-admin: $(ADMIN_OBJS)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS_HARDEN) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/unit-tests: $(UNIT_OBJS)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS_HARDEN) $(LDFLAGS) -o $@ $^ $(LIBS) -lcunit

$(BUILD)/bench-issue: $(BENCH_OBJS)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS_HARDEN) $(LDFLAGS) -o $@ $^ $(LIBS)

# Reads token attributes with the raw PKCS#11 API (tests only: proves the
# CA key cannot be read out).  It does not use libp11.
$(BUILD)/p11-probe: tests/tools/p11_probe.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags p11-kit-1) \
		$(LDFLAGS_HARDEN) -o $@ $< -ldl

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# --- packages ---------------------------------------------------------------
deps:
	@sh tools/deps.sh

# --- tests --------------------------------------------------------------------
CHECK_DIR := $(BUILD)/check

check: deps
	@$(MAKE) --no-print-directory all $(TEST_BINS)
	@sh tests/run-all.sh $(CHECK_DIR)

bench: deps
	@$(MAKE) --no-print-directory all $(BUILD)/bench-issue
	@sh bench/run.sh $(BUILD)/bench

demo: deps
	@$(MAKE) --no-print-directory all
	@sh tools/demo.sh

format:
	clang-format -i appliance/*.[ch] pkcs11/*.[ch] tests/unit/*.[ch] \
		tests/tools/*.c bench/*.c

lint:
	shellcheck provisioning/*.sh tests/*.sh tests/integration/*.sh \
		tools/*.sh bench/*.sh

clean:
	rm -rf $(BUILD)
