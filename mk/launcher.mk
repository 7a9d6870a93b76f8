# mk/launcher.mk - the launcher, build/noclobber (included by the Makefile).
# Its sources are in shim/launcher/, out of the library's $(wildcard shim/*.c);
# it shares shim/tally.h (the count channel's format) with the shim.
# libdir.c holds where `make install` put the library: "" here, and compiled
# again with that path for the installed launcher (mk/install.mk).
LAUNCHER_SRCS := $(filter-out shim/launcher/libdir.c,$(wildcard shim/launcher/*.c))
LAUNCHER_OBJS := $(patsubst shim/launcher/%.c,$(BUILD)/launcher/%.o,$(LAUNCHER_SRCS))
LAUNCHER_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -Ishim

all: $(BUILD)/noclobber
tests: $(BUILD)/noclobber

$(BUILD)/launcher/%.o: shim/launcher/%.c $(wildcard shim/launcher/*.h) shim/tally.h Makefile mk/launcher.mk
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(LAUNCHER_CFLAGS) -c $< -o $@

$(BUILD)/noclobber: $(LAUNCHER_OBJS) shim/launcher/libdir.c
	@echo "  LD      $@"
	@$(CC) $(LAUNCHER_CFLAGS) $(LAUNCHER_OBJS) shim/launcher/libdir.c -o $@
