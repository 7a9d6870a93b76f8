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
# parser, raw calls), which the launcher links too (below).
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
# The benchmark and the fuzzers live with the tests, each in a file of its own;
# the default goal stays `all` whatever they define first.
include tests/bench/bench.mk tests/fuzz/fuzz.mk
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

# ---- the launcher, build/noclobber ----
# Its sources are in shim/launcher/, out of the library's $(wildcard shim/*.c);
# it shares shim/core/tally.h (the count channel's format) with the shim.
# libdir.c holds where `make install` put the library: "" here, and compiled
# again with that path for the installed launcher (install, below).
LAUNCHER_SRCS := $(filter-out shim/launcher/libdir.c,$(wildcard shim/launcher/*.c))
LAUNCHER_OBJS := $(patsubst shim/launcher/%.c,$(BUILD)/launcher/%.o,$(LAUNCHER_SRCS))
# The supervisor (--supervise, shim/supervisor/) runs in a process of the
# launcher's and decides with the shim's core, shim/core/ (the policy, the
# report and log lines, the lookups, the maps parser, the raw calls), compiled
# again for the launcher's architecture into an archive. The library's own part,
# shim/*.c (the exported calls and the decision), is not in it.
SV_SRCS := $(wildcard shim/supervisor/*.c)
SV_OBJS := $(patsubst shim/supervisor/%.c,$(BUILD)/launcher/sv/%.o,$(SV_SRCS))
CORE_SRCS := $(wildcard shim/core/*.c)
CORE_OBJS := $(patsubst shim/core/%.c,$(BUILD)/launcher/core/%.o,$(CORE_SRCS))
CORE_CFLAGS := -std=gnu11 -fvisibility=hidden -ftls-model=initial-exec $(WARN) $(CFLAGS)
LAUNCHER_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -Ishim -Ishim/core

all: $(BUILD)/noclobber
tests: $(BUILD)/noclobber

$(BUILD)/launcher/%.o: shim/launcher/%.c $(wildcard shim/launcher/*.h) shim/core/tally.h shim/supervisor/supervisor.h Makefile
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(LAUNCHER_CFLAGS) -c $< -o $@

$(BUILD)/launcher/sv/%.o: shim/supervisor/%.c $(wildcard shim/supervisor/*.h) $(wildcard shim/core/*.h) Makefile
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(LAUNCHER_CFLAGS) -c $< -o $@

$(BUILD)/launcher/core/%.o: shim/core/%.c $(wildcard shim/core/*.h) shim/core/options.def Makefile
	@mkdir -p $(@D)
	@echo "  CC      $< (core, for the supervisor)"
	@$(CC) $(CORE_CFLAGS) -c $< -o $@

$(BUILD)/launcher/libnccore.a: $(CORE_OBJS)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/noclobber: $(LAUNCHER_OBJS) $(SV_OBJS) $(BUILD)/launcher/libnccore.a shim/launcher/libdir.c
	@echo "  LD      $@"
	@$(CC) $(LAUNCHER_CFLAGS) $(LAUNCHER_OBJS) $(SV_OBJS) shim/launcher/libdir.c $(BUILD)/launcher/libnccore.a -o $@

# ---- `make install` and `make uninstall` ----
#
#   make install [PREFIX=/usr/local] [DESTDIR=/staging/root]
#   make uninstall [PREFIX=...] [DESTDIR=...]
#
# Installs exactly these files:
#   $(LIBDIR)/libnoclobber.so          (LIBDIR = $(PREFIX)/lib)
#   $(BINDIR)/noclobber                (BINDIR = $(PREFIX)/bin; the launcher, with LIBDIR built in)
#   $(BINDIR)/noclobber-report
#   $(MAN7DIR)/noclobber.7             (MAN7DIR = $(MANDIR)/man7, MANDIR = $(PREFIX)/share/man)
#   $(MAN7DIR)/libnoclobber.7          (.so links to noclobber.7, so that `man libnoclobber`
#   $(MAN1DIR)/noclobber-report.1       and `man noclobber-report` open it too)
# and, when DESTDIR is empty, runs ldconfig, so that LD_PRELOAD=libnoclobber.so
# finds the library by its bare name (/usr/local/lib is in the loader's search
# path through /etc/ld.so.conf.d/). `make uninstall` removes those files and
# nothing else, and runs ldconfig again so that the cache forgets the library.
#
# Every path reaches the shell through the environment, never pasted into a
# command line: a space, a quote, & or ; in DESTDIR or PREFIX stays part of
# the name. The installed launcher finds the library as ../lib/libnoclobber.so
# next to itself (so a DESTDIR tree works as it is), else in LIBDIR.

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  ?= $(PREFIX)/bin
LIBDIR  ?= $(PREFIX)/lib
MANDIR  ?= $(PREFIX)/share/man
MAN1DIR ?= $(MANDIR)/man1
MAN7DIR ?= $(MANDIR)/man7
INSTALL ?= install

.PHONY: install uninstall

install uninstall: export NC_DESTDIR = $(DESTDIR)
install uninstall: export NC_LIBDIR = $(LIBDIR)
install uninstall: export NC_LIB = $(DESTDIR)$(LIBDIR)
install uninstall: export NC_BIN = $(DESTDIR)$(BINDIR)
install uninstall: export NC_MAN1 = $(DESTDIR)$(MAN1DIR)
install uninstall: export NC_MAN7 = $(DESTDIR)$(MAN7DIR)

# ldconfig, where it exists, when installing to the running system.
nc_ldconfig = if [ -z "$$NC_DESTDIR" ]; then \
		ldc=$$(PATH="$$PATH:/sbin:/usr/sbin" command -v ldconfig); \
		if [ -n "$$ldc" ]; then \
			echo "$$ldc"; \
			"$$ldc" || echo "warning: ldconfig failed; run it as root so that the loader's cache knows $$NC_LIBDIR"; \
		fi; \
	fi

install: $(BUILD)/libnoclobber.so $(BUILD)/noclobber shim/launcher/libdir.c scripts/noclobber-report docs/noclobber.7
	@set -e; \
	nl=$$(printf '\nx'); nl=$${nl%x}; \
	case "$$NC_LIBDIR" in *"$$nl"*) echo "LIBDIR must be one line: it is built into the launcher" >&2; exit 1;; esac; \
	$(INSTALL) -d -m 755 "$$NC_LIB" "$$NC_BIN" "$$NC_MAN1" "$$NC_MAN7"; \
	echo "  INSTALL $$NC_LIB/libnoclobber.so"; \
	$(INSTALL) -m 644 $(BUILD)/libnoclobber.so "$$NC_LIB/libnoclobber.so"; \
	echo "  LD      $$NC_BIN/noclobber (library in $$NC_LIBDIR)"; \
	esc=$$(printf '%s' "$$NC_LIBDIR" | sed 's/[\\"]/\\&/g'); \
	$(CC) $(LAUNCHER_CFLAGS) "-DNC_INSTALLED_LIBDIR=\"$$esc\"" $(LAUNCHER_OBJS) $(SV_OBJS) shim/launcher/libdir.c \
		$(BUILD)/launcher/libnccore.a -o "$$NC_BIN/noclobber.tmp"; \
	chmod 755 "$$NC_BIN/noclobber.tmp"; \
	mv -f "$$NC_BIN/noclobber.tmp" "$$NC_BIN/noclobber"; \
	echo "  INSTALL $$NC_BIN/noclobber-report"; \
	$(INSTALL) -m 755 scripts/noclobber-report "$$NC_BIN/noclobber-report"; \
	echo "  INSTALL $$NC_MAN7/noclobber.7, libnoclobber.7, $$NC_MAN1/noclobber-report.1"; \
	$(INSTALL) -m 644 docs/noclobber.7 "$$NC_MAN7/noclobber.7"; \
	printf '.so man7/noclobber.7\n' >"$$NC_MAN7/libnoclobber.7"; \
	printf '.so man7/noclobber.7\n' >"$$NC_MAN1/noclobber-report.1"; \
	chmod 644 "$$NC_MAN7/libnoclobber.7" "$$NC_MAN1/noclobber-report.1"; \
	$(nc_ldconfig)

uninstall:
	@echo "  RM      $$NC_LIB/libnoclobber.so, $$NC_BIN/noclobber, noclobber-report, the pages"
	@rm -f -- "$$NC_LIB/libnoclobber.so" "$$NC_BIN/noclobber" "$$NC_BIN/noclobber-report" \
		"$$NC_MAN7/noclobber.7" "$$NC_MAN7/libnoclobber.7" "$$NC_MAN1/noclobber-report.1"
	@$(nc_ldconfig)
