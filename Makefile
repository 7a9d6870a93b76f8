# libnoclobber - see README.md.  `make` builds build/libnoclobber.so;
# `make check` runs the test suite, `make demo` shows the classic clobber.
#
# TARGET picks the platform (README, Platforms); each builds under its own
# directory and `make check TARGET=...` runs the whole suite there:
#   native   the host's compiler and libc, in build/ (the default)
#   musl     x86_64 with musl-gcc, in build/musl/
#   i386     gcc -m32 (gcc-multilib), in build/i386/; run under qemu-i386
#   aarch64  clang --target=aarch64-linux-gnu with lld, in build/aarch64/;
#            run under qemu-aarch64 -L /usr/aarch64-linux-gnu
TARGET  ?= native
TARGETS := native musl i386 aarch64
ifeq ($(filter $(TARGET),$(TARGETS)),)
$(error TARGET=$(TARGET): the targets are $(TARGETS))
endif
# Each target's compiler, unless CC is given; ARCH_FLAGS go to every compile
# and link for the target (the emulator launcher alone is built for the host).
CC_musl    := musl-gcc
CC_i386    := gcc
CC_aarch64 := clang
ifneq ($(TARGET),native)
ifeq ($(origin CC),default)
CC := $(CC_$(TARGET))
endif
endif
ARCH_FLAGS_i386    := -m32
ARCH_FLAGS_aarch64 := --target=aarch64-linux-gnu
ARCH_FLAGS := $(ARCH_FLAGS_$(TARGET))
ARCH_LDFLAGS_aarch64 := -fuse-ld=lld
ARCH_LDFLAGS := $(ARCH_LDFLAGS_$(TARGET))
# On i386 the shim's own off_t and struct stat are the 64-bit ones (a file
# offset past 4 GiB, fstat64); the exported calls keep libc's own types.
SHIM_ARCH_FLAGS := $(ARCH_FLAGS) $(if $(filter i386,$(TARGET)),-D_FILE_OFFSET_BITS=64)
HOST_CC ?= cc

CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Werror
SHIM_CFLAGS := -std=gnu11 -fPIC -fvisibility=hidden -ftls-model=initial-exec $(WARN) $(SHIM_ARCH_FLAGS) $(CFLAGS) -Ishim/core
# --eh-frame-hdr: the stack walk (shim/core/unwind.c) finds unwind entries through
# it, the shim's own first; musl-gcc does not ask the linker for one.
SHIM_LDFLAGS := -shared -Wl,--version-script=shim/exports.map -Wl,--no-undefined -Wl,-z,now -Wl,--eh-frame-hdr
SHIM_LIBS := -ldl -pthread

BUILD   := $(if $(filter native,$(TARGET)),build,build/$(TARGET))
# shim/: the library's own part (the exported calls, the decision); shim/core/:
# what it shares with the supervisor (policy, report, lookups, own set, table,
# parser, raw calls), which the launcher links too (mk/launcher.mk).
SHIM_SRCS := $(wildcard shim/*.c shim/core/*.c)
SHIM_HDRS := $(wildcard shim/*.h shim/core/*.h) shim/core/options.def
SHIM_OBJS := $(patsubst shim/%.c,$(BUILD)/obj/%.o,$(SHIM_SRCS))
# Unit tests link the shim's objects directly, minus the exported wrappers.
UNIT_OBJS := $(filter-out $(BUILD)/obj/interpose.o $(BUILD)/obj/dlopen.o,$(SHIM_OBJS))

# unit_maps's fixtures are 64-bit maps files (README, Platforms).
UNIT_SKIP_i386 := tests/unit_maps.c
UNIT_SRCS := $(filter-out $(UNIT_SKIP_$(TARGET)),$(wildcard tests/unit_*.c))
PROG_SRCS := $(filter-out tests/unit_%.c,$(wildcard tests/*.c))
UNIT_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
PROG_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(PROG_SRCS))
TEST_CFLAGS := -std=gnu11 -D_GNU_SOURCE -O1 -g -rdynamic $(WARN) -Ishim -Ishim/core $(ARCH_FLAGS) $(ARCH_LDFLAGS)
# Unit tests share the shim's structures, so its types too.
UNIT_CFLAGS := $(TEST_CFLAGS) $(SHIM_ARCH_FLAGS)
# i386 and aarch64 programs run under qemu-user here, through this launcher.
EMU_LAUNCH := $(if $(filter i386 aarch64,$(TARGET)),$(BUILD)/emu/qemu-launch)

.PHONY: all check demo clean tests
# Further targets (install, bench, fuzz...) each live in their own file; the
# default goal stays `all` whatever they define first.
-include $(wildcard mk/*.mk)
include tests/bench/bench.mk
.DEFAULT_GOAL := all

all: $(BUILD)/libnoclobber.so

$(BUILD)/obj/%.o: shim/%.c $(SHIM_HDRS) Makefile
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(SHIM_CFLAGS) -c $< -o $@

$(BUILD)/libnoclobber.so: $(SHIM_OBJS) shim/exports.map
	@echo "  LD      $@"
	@$(CC) $(SHIM_CFLAGS) $(ARCH_LDFLAGS) $(SHIM_LDFLAGS) $(SHIM_OBJS) -o $@ $(SHIM_LIBS)

$(BUILD)/tests/unit_%: tests/unit_%.c $(UNIT_OBJS)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(UNIT_CFLAGS) $< $(UNIT_OBJS) -o $@ -ldl -pthread

$(BUILD)/tests/%: tests/%.c tests/testlib.h
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(TEST_CFLAGS) $< -o $@ -ldl -pthread

# Static, so that the LD_PRELOAD meant for the guest never reaches a host loader.
$(BUILD)/emu/qemu-launch: tests/emu/launch.c Makefile
	@mkdir -p $(@D)
	@echo "  CC      $@ (host, static)"
	@$(HOST_CC) -std=gnu11 -O1 $(WARN) -static -DNC_QEMU_TARGET='"$(TARGET)"' $< -o $@

$(BUILD)/tests/libmmap64spy.so: tests/spy/mmap64_spy.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(TEST_CFLAGS) -shared -fPIC $< -o $@ -ldl

# --supervise's programs (tests/supervise/): one static, built where the
# target has a static libc (native, musl); the others beside it.
SV_TEST_BINS := $(if $(filter native musl,$(TARGET)),$(BUILD)/tests/static_clobber $(BUILD)/tests/raw_clobber $(BUILD)/tests/no_seccomp)
$(BUILD)/tests/static_clobber: tests/supervise/static_clobber.c
	@mkdir -p $(@D)
	@echo "  CC      $< (static)"
	@$(CC) $(TEST_CFLAGS) -static $< -o $@

$(BUILD)/tests/%: tests/supervise/%.c tests/seccomp_bpf.h
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(TEST_CFLAGS) $< -o $@

tests: $(BUILD)/libnoclobber.so $(UNIT_BINS) $(PROG_BINS) $(EMU_LAUNCH) $(BUILD)/tests/libmmap64spy.so $(SV_TEST_BINS)

check: tests
	@NC_TARGET=$(TARGET) NC_BUILD=$(BUILD) NC_CC="$(CC) $(ARCH_FLAGS) $(ARCH_LDFLAGS)" bash tests/run.sh

demo: $(BUILD)/libnoclobber.so $(BUILD)/tests/demo_libc $(EMU_LAUNCH)
	@NC_TARGET=$(TARGET) NC_BUILD=$(BUILD) bash scripts/demo.sh

clean:
	rm -rf $(BUILD)
