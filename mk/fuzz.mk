# Fuzzing: a libFuzzer target for every parser that meets outside input
# (fuzz/*.c), built with Debian's clang under AddressSanitizer (leak
# detection on) and UndefinedBehaviorSanitizer into build/fuzz/.  The
# project's objects are compiled again with clang in their own folder
# (build/fuzz/obj/), so that the gcc build is untouched; -Werror stays.
#
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="json form"]
#                      each target FUZZ_SECONDS on its working corpus,
#                      build/fuzz/work/<target> (kept between runs,
#                      seeded from fuzz/corpus/<target>)
#   make check-fuzz [FUZZ_BRIEF=10]
#                      each target briefly on a fresh copy of its seeds,
#                      then every kept crash input (fuzz/regressions/)
#                      and every seed once; fails on any crash, leak,
#                      undefined behaviour or broken invariant
#   make fuzz-merge    adds to fuzz/corpus/ the inputs of the working
#                      corpora that reach new code (the only target
#                      that writes into the repository)
#
# Each run writes build/fuzz/outcomes.tsv, one row per target, for
# docs/RESILIENCE.md; fuzz/run.sh does the running.

FUZZ_CC := clang
FUZZ_BUILD := $(BUILD)/fuzz
FUZZ_SECONDS ?= 60
FUZZ_BRIEF ?= 10
FUZZ_TARGETS ?= assertion json form cookie accept_language ocsp_request \
	config audit_export

FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
# No _FORTIFY_SOURCE: its checked copies hide overflows from ASan.
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -O1 -g $(FUZZ_SAN) \
	-fsanitize=fuzzer-no-link -Iappliance -Ipkcs11 -Iweb -Ifuzz \
	-I$(FUZZ_BUILD)/gen \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_LDFLAGS := $(FUZZ_SAN) -fsanitize=fuzzer

# What links into each target: the parser under test and what it calls.
FUZZ_WEB := web/form appliance/err appliance/secret
FUZZ_OBJS_form := $(FUZZ_WEB)
FUZZ_OBJS_cookie := $(FUZZ_WEB)
FUZZ_OBJS_accept_language := $(FUZZ_WEB) web/i18n
FUZZ_OBJS_json := appliance/json appliance/err
FUZZ_OBJS_assertion := appliance/assertion appliance/json \
	appliance/identity appliance/err
FUZZ_OBJS_config := appliance/config appliance/err
# ocsp.o refers to the token and the storage (ocsp_respond); the target
# calls only the parsing, but the linker wants the rest.
FUZZ_OBJS_ocsp_request := appliance/ocsp $(CORE:%=appliance/%) \
	pkcs11/token pkcs11/token_uri
FUZZ_OBJS_audit_export := appliance/audit_verify appliance/audit \
	appliance/merkle appliance/err

FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

.PHONY: fuzz fuzz-bins fuzz-merge check-fuzz

$(FUZZ_BUILD)/gen/fuzz_keys.h: fuzz/embed-keys.sh $(wildcard fuzz/keys/*.pem)
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@sh fuzz/embed-keys.sh fuzz/keys >$@.tmp && mv $@.tmp $@

$(FUZZ_BUILD)/obj/%.o: %.c | $(FUZZ_BUILD)/gen/fuzz_keys.h
	@mkdir -p $(dir $@)
	@echo "  CLANG   $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

define FUZZ_LINK
$(FUZZ_BUILD)/fuzz_$(1): $(FUZZ_BUILD)/obj/fuzz/fuzz_$(1).o \
		$(FUZZ_OBJS_$(1):%=$(FUZZ_BUILD)/obj/%.o)
	@echo "  FUZZLD  $$@"
	@$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $$@ $$^ $(LIBS)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_LINK,$(t))))

-include $(shell find $(FUZZ_BUILD)/obj -name '*.d' 2>/dev/null)

fuzz-bins:
	@command -v $(FUZZ_CC) >/dev/null || { echo "fuzz: $(FUZZ_CC) is \
	missing: run make deps (clang, libclang-rt-14-dev)" >&2; exit 1; }
	@$(MAKE) --no-print-directory -s $(FUZZ_BINS)

fuzz: fuzz-bins
	@sh fuzz/run.sh fuzz $(FUZZ_SECONDS) $(FUZZ_BUILD) $(FUZZ_TARGETS)

check-fuzz: fuzz-bins
	@sh fuzz/run.sh check $(FUZZ_BRIEF) $(FUZZ_BUILD) $(FUZZ_TARGETS)

fuzz-merge: fuzz-bins
	@sh fuzz/run.sh merge 0 $(FUZZ_BUILD) $(FUZZ_TARGETS)
