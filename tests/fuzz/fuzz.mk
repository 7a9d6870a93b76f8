# tests/fuzz/fuzz.mk - included by the Makefile.
# Fuzzing the two parsers that read untrusted text: /proc/self/maps and
# NOCLOBBER_OPTIONS.
#   make fuzz [FUZZ_SECONDS=60]   libFuzzer (clang), each target in turn
#   make fuzz-replay              replay the corpus under ASan+UBSan (any compiler);
#                                 `make check` does this too
FUZZ_SECONDS ?= 60
FUZZ_CLANG ?= clang
# The replayers of other targets get what runs there: ASan does not start under
# qemu-i386, and musl and the aarch64 cross build have no sanitizer runtime
# (UBSan then traps instead of reporting).
FUZZ_SAN_native := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SAN_i386 := -fsanitize=undefined -fno-sanitize-recover=all
FUZZ_SAN_musl := -fsanitize=undefined -fsanitize-undefined-trap-on-error
FUZZ_SAN_aarch64 := -fsanitize=undefined -fsanitize-undefined-trap-on-error
FUZZ_SAN := $(FUZZ_SAN_$(TARGET))
FUZZ_CFLAGS := -std=gnu11 -g -O1 -D_GNU_SOURCE -Ishim/core $(WARN) $(SHIM_ARCH_FLAGS) $(ARCH_LDFLAGS)
FUZZ_TARGETS := maps options
FUZZ_DEPS_maps := $(addprefix shim/core/,maps.c regions.c arena.c store.c sys.c)
FUZZ_DEPS_options := $(addprefix shim/core/,options.c fmt.c sys.c)

.PHONY: fuzz fuzz-replay fuzz-seeds

$(BUILD)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(SHIM_HDRS)
	@mkdir -p $(@D)
	@echo "  CC      $@ (ASan, UBSan)"
	@$(CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) $< tests/fuzz/replay.c $(FUZZ_DEPS_$*) -o $@

$(BUILD)/fuzz/libfuzzer_%: tests/fuzz/fuzz_%.c $(SHIM_HDRS)
	@mkdir -p $(@D)
	@echo "  CC      $@ (libFuzzer, ASan, UBSan)"
	@$(FUZZ_CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) $< $(FUZZ_DEPS_$*) -o $@

fuzz-seeds:
	@bash tests/fuzz/make-seeds.sh $(BUILD)/fuzz/seeds-maps

tests: $(patsubst %,$(BUILD)/fuzz/replay_%,$(FUZZ_TARGETS)) fuzz-seeds

fuzz-replay: $(patsubst %,$(BUILD)/fuzz/replay_%,$(FUZZ_TARGETS)) fuzz-seeds
	$(BUILD)/fuzz/replay_maps tests/fuzz/corpus/maps $(BUILD)/fuzz/seeds-maps
	$(BUILD)/fuzz/replay_options tests/fuzz/corpus/options

fuzz: $(patsubst %,$(BUILD)/fuzz/libfuzzer_%,$(FUZZ_TARGETS)) fuzz-seeds
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/fuzz/corpus-$$t; \
		seeds=tests/fuzz/corpus/$$t; [ $$t = maps ] && seeds="$$seeds $(BUILD)/fuzz/seeds-maps"; \
		echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
		$(BUILD)/fuzz/libfuzzer_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=1100000 \
			-rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix=$(BUILD)/fuzz/$$t- \
			$(BUILD)/fuzz/corpus-$$t $$seeds || exit 1; \
	done
