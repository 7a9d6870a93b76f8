# mk/launcher.mk - the launcher, build/noclobber (included by the Makefile).
# Its sources are in shim/launcher/, out of the library's $(wildcard shim/*.c);
# it shares shim/tally.h (the count channel's format) with the shim.
# libdir.c holds where `make install` put the library: "" here, and compiled
# again with that path for the installed launcher (mk/install.mk).
LAUNCHER_SRCS := $(filter-out shim/launcher/libdir.c,$(wildcard shim/launcher/*.c))
LAUNCHER_OBJS := $(patsubst shim/launcher/%.c,$(BUILD)/launcher/%.o,$(LAUNCHER_SRCS))
# The supervisor (--supervise, shim/supervisor/) runs in a process of the
# launcher's and decides with the shim's core: every shim/*.c but the exported
# wrappers (interpose.c), compiled again for the launcher's architecture into
# an archive, from which the linker takes what the supervisor uses.
SV_SRCS := $(wildcard shim/supervisor/*.c)
SV_OBJS := $(patsubst shim/supervisor/%.c,$(BUILD)/launcher/sv/%.o,$(SV_SRCS))
CORE_SRCS := $(filter-out shim/interpose.c,$(wildcard shim/*.c))
CORE_OBJS := $(patsubst shim/%.c,$(BUILD)/launcher/core/%.o,$(CORE_SRCS))
CORE_CFLAGS := -std=gnu11 -fvisibility=hidden -ftls-model=initial-exec $(WARN) $(CFLAGS)
LAUNCHER_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -Ishim

all: $(BUILD)/noclobber
tests: $(BUILD)/noclobber

$(BUILD)/launcher/%.o: shim/launcher/%.c $(wildcard shim/launcher/*.h) shim/tally.h shim/supervisor/supervisor.h Makefile mk/launcher.mk
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(LAUNCHER_CFLAGS) -c $< -o $@

$(BUILD)/launcher/sv/%.o: shim/supervisor/%.c $(wildcard shim/supervisor/*.h) $(wildcard shim/*.h) Makefile mk/launcher.mk
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(LAUNCHER_CFLAGS) -c $< -o $@

$(BUILD)/launcher/core/%.o: shim/%.c $(wildcard shim/*.h) shim/options.def Makefile mk/launcher.mk
	@mkdir -p $(@D)
	@echo "  CC      $< (core, for the supervisor)"
	@$(CC) $(CORE_CFLAGS) -c $< -o $@

$(BUILD)/launcher/libnccore.a: $(CORE_OBJS)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/noclobber: $(LAUNCHER_OBJS) $(SV_OBJS) $(BUILD)/launcher/libnccore.a shim/launcher/libdir.c
	@echo "  LD      $@"
	@$(CC) $(LAUNCHER_CFLAGS) $(LAUNCHER_OBJS) $(SV_OBJS) shim/launcher/libdir.c $(BUILD)/launcher/libnccore.a -o $@
