# libnoclobber - see README.md.  `make` builds build/libnoclobber.so;
# `make check` runs the test suite, `make demo` shows the classic clobber.
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Werror
SHIM_CFLAGS := -std=gnu11 -fPIC -fvisibility=hidden -ftls-model=initial-exec $(WARN) $(CFLAGS)
SHIM_LDFLAGS := -shared -Wl,--version-script=shim/exports.map -Wl,--no-undefined -Wl,-z,now
SHIM_LIBS := -ldl -pthread

BUILD   := build
SHIM_SRCS := $(wildcard shim/*.c)
SHIM_OBJS := $(patsubst shim/%.c,$(BUILD)/obj/%.o,$(SHIM_SRCS))
# Unit tests link the shim's objects directly, minus the exported wrappers.
UNIT_OBJS := $(filter-out $(BUILD)/obj/interpose.o,$(SHIM_OBJS))

UNIT_SRCS := $(wildcard tests/unit_*.c)
PROG_SRCS := $(filter-out $(UNIT_SRCS),$(wildcard tests/*.c))
UNIT_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
PROG_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(PROG_SRCS))
TEST_CFLAGS := -std=gnu11 -D_GNU_SOURCE -O1 -g -rdynamic $(WARN) -Ishim

.PHONY: all check demo clean tests
# Further targets (install, bench, fuzz...) each live in their own file; the
# default goal stays `all` whatever they define first.
-include $(wildcard mk/*.mk)
.DEFAULT_GOAL := all

all: $(BUILD)/libnoclobber.so

$(BUILD)/obj/%.o: shim/%.c $(wildcard shim/*.h) shim/options.def Makefile
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(SHIM_CFLAGS) -c $< -o $@

$(BUILD)/libnoclobber.so: $(SHIM_OBJS) shim/exports.map
	@echo "  LD      $@"
	@$(CC) $(SHIM_CFLAGS) $(SHIM_LDFLAGS) $(SHIM_OBJS) -o $@ $(SHIM_LIBS)

$(BUILD)/tests/unit_%: tests/unit_%.c $(UNIT_OBJS)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(TEST_CFLAGS) $< $(UNIT_OBJS) -o $@ -ldl -pthread

$(BUILD)/tests/%: tests/%.c tests/testlib.h
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(TEST_CFLAGS) $< -o $@ -ldl -pthread

tests: $(BUILD)/libnoclobber.so $(UNIT_BINS) $(PROG_BINS)

check: tests
	@bash tests/run.sh

demo: $(BUILD)/libnoclobber.so $(BUILD)/tests/demo_libc
	@bash scripts/demo.sh

clean:
	rm -rf $(BUILD)
