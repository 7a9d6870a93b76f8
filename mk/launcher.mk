# mk/launcher.mk - the launcher, build/noclobber (included by the Makefile).
# Its sources are in shim/launcher/, out of the library's $(wildcard shim/*.c);
# it shares shim/core/tally.h (the count channel's format) with the shim.
# libdir.c holds where `make install` put the library: "" here, and compiled
# again with that path for the installed launcher (mk/install.mk).
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

$(BUILD)/launcher/%.o: shim/launcher/%.c $(wildcard shim/launcher/*.h) shim/core/tally.h shim/supervisor/supervisor.h Makefile mk/launcher.mk
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(LAUNCHER_CFLAGS) -c $< -o $@

$(BUILD)/launcher/sv/%.o: shim/supervisor/%.c $(wildcard shim/supervisor/*.h) $(wildcard shim/core/*.h) Makefile mk/launcher.mk
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(LAUNCHER_CFLAGS) -c $< -o $@

$(BUILD)/launcher/core/%.o: shim/core/%.c $(wildcard shim/core/*.h) shim/core/options.def Makefile mk/launcher.mk
	@mkdir -p $(@D)
	@echo "  CC      $< (core, for the supervisor)"
	@$(CC) $(CORE_CFLAGS) -c $< -o $@

$(BUILD)/launcher/libnccore.a: $(CORE_OBJS)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/noclobber: $(LAUNCHER_OBJS) $(SV_OBJS) $(BUILD)/launcher/libnccore.a shim/launcher/libdir.c
	@echo "  LD      $@"
	@$(CC) $(LAUNCHER_CFLAGS) $(LAUNCHER_OBJS) $(SV_OBJS) shim/launcher/libdir.c $(BUILD)/launcher/libnccore.a -o $@
