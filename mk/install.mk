# mk/install.mk - `make install` and `make uninstall` (included by the Makefile).
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

# Included before the Makefile's first target: keep `make` alone meaning `all`.
ifeq ($(.DEFAULT_GOAL),)
nc_install_keep_goal := 1
endif

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

ifdef nc_install_keep_goal
.DEFAULT_GOAL :=
endif
