# mk/install.mk - `make install` and `make uninstall` (included by the Makefile).
#
#   make install [PREFIX=/usr/local] [DESTDIR=/staging/root]
#   make uninstall [PREFIX=...] [DESTDIR=...]
#
# Installs exactly four files:
#   $(LIBDIR)/libnoclobber.so        (LIBDIR = $(PREFIX)/lib)
#   $(BINDIR)/noclobber              (BINDIR = $(PREFIX)/bin)
#   $(BINDIR)/noclobber-report
#   $(MAN7DIR)/noclobber.7           (MAN7DIR = $(PREFIX)/share/man/man7)
# and, when DESTDIR is empty, runs ldconfig so that LD_PRELOAD=libnoclobber.so
# finds the library by its bare name (/usr/local/lib is in the loader's
# search path through /etc/ld.so.conf.d/, and so through ld.so.cache).
# `make uninstall` removes those four files and nothing else.
#
# The installed launcher finds the library as ../lib/libnoclobber.so next to
# itself (so a DESTDIR tree works as it is), else where LIBDIR says.

# Included before the Makefile's first target: keep `make` alone meaning `all`.
ifeq ($(.DEFAULT_GOAL),)
nc_install_keep_goal := 1
endif

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  ?= $(PREFIX)/bin
LIBDIR  ?= $(PREFIX)/lib
MANDIR  ?= $(PREFIX)/share/man
MAN7DIR ?= $(MANDIR)/man7
INSTALL ?= install

NC_INSTALLED := $(DESTDIR)$(LIBDIR)/libnoclobber.so $(DESTDIR)$(BINDIR)/noclobber \
	$(DESTDIR)$(BINDIR)/noclobber-report $(DESTDIR)$(MAN7DIR)/noclobber.7

# LIBDIR is written into the installed launcher in single quotes.
nc_bad_chars := $(or $(findstring ',$(LIBDIR)),$(findstring |,$(LIBDIR)))

.PHONY: install uninstall

install: $(BUILD)/libnoclobber.so scripts/noclobber scripts/noclobber-report docs/noclobber.7
	$(if $(nc_bad_chars),$(error LIBDIR '$(LIBDIR)' must not contain a single quote or '|'))
	$(INSTALL) -d -m 755 $(DESTDIR)$(LIBDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(MAN7DIR)
	$(INSTALL) -m 644 $(BUILD)/libnoclobber.so $(DESTDIR)$(LIBDIR)/libnoclobber.so
	sed "s|^installed_libdir=''$$|installed_libdir='$(LIBDIR)'|" scripts/noclobber >$(DESTDIR)$(BINDIR)/noclobber.tmp
	chmod 755 $(DESTDIR)$(BINDIR)/noclobber.tmp
	mv -f $(DESTDIR)$(BINDIR)/noclobber.tmp $(DESTDIR)$(BINDIR)/noclobber
	$(INSTALL) -m 755 scripts/noclobber-report $(DESTDIR)$(BINDIR)/noclobber-report
	$(INSTALL) -m 644 docs/noclobber.7 $(DESTDIR)$(MAN7DIR)/noclobber.7
	@if [ -z "$(DESTDIR)" ]; then \
		ldc=$$(PATH="$$PATH:/sbin:/usr/sbin" command -v ldconfig); \
		if [ -n "$$ldc" ]; then \
			echo "$$ldc"; \
			"$$ldc" || echo "warning: ldconfig failed; run it as root so that LD_PRELOAD=libnoclobber.so finds $(LIBDIR)/libnoclobber.so"; \
		fi; \
	fi

uninstall:
	rm -f $(NC_INSTALLED)

ifdef nc_install_keep_goal
.DEFAULT_GOAL :=
endif
