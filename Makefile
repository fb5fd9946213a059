# SPDX-License-Identifier: GPL-2.0
#
# semnet top-level build.
#   make              semnet.ko (against KDIR) and every userspace program
#   make deps         install the Debian packages everything needs
#   make check        every test: Check units, KUnit, VM scenarios
#   make check-debug  the VM scenarios on the debug (KASAN/lockdep) kernel
#   make demo         a multi-node overlay in a VM
#   make install      programs, UAPI header, systemd units, configs, man pages
#                     (DESTDIR, PREFIX; see README "Installing")
#   make dkms-install semnet.ko via DKMS (sources in /usr/src/semnet-VERSION);
#                     make dkms-remove undoes it
# Kernel sources: Kbuild (kmod/, include/); userspace: daemon/Makefile.

# The kernel to build against: the running kernel's build tree when it has
# one, else the newest installed Debian linux-headers-*-amd64. Resolved
# late, on a fresh machine the headers only arrive with `make deps`: the
# value is expanded only where a recipe uses it (recursive `=`), and it is
# not exported, so the scripts of `make demo` and `make check`, which run
# after deps, resolve it again in their own `make module`. A KDIR given on
# the command line or in the environment wins and reaches them as it is;
# an empty one counts as none.
ifeq ($(strip $(KDIR)),)
KDIR = $(or $(wildcard /lib/modules/$(shell uname -r)/build),\
	    $(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64))))
unexport KDIR
endif

# Where expensive, clone-independent artefacts (the debug/KUnit kernel) are
# cached, keyed by config and source version.
SEMNET_CACHE ?= /var/cache/semnet-dev
export SEMNET_CACHE

.PHONY: all module user deps check check-debug demo kunit clean help print-kdir bench bench-managers bench-overlay bench-control bench-scale
.PHONY: install uninstall dkms-src dkms-install dkms-remove

all: module user

module:
	@test -n "$(KDIR)" -a -d "$(KDIR)" || { echo "No kernel build tree: install linux-headers-amd64 (make deps) or set KDIR" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

user:
	$(MAKE) -C daemon

deps:
	tests/deps.sh

check: deps
	tests/run-all.sh

check-debug: deps
	tests/run-all.sh --debug

demo: deps
	tests/demo.sh

bench-managers: deps
	tests/bench/managers.sh

bench-overlay: deps
	tests/bench/overlay.sh

# Every benchmark, one after another (about an hour and a half).
bench: bench-overlay bench-scale bench-control bench-managers

bench-control: deps
	tests/bench/control.sh

bench-scale: deps module user
	tests/bench/scale.sh

kunit: deps
	tests/run-all.sh --only kunit

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C daemon clean
	rm -rf build

# For scripts (tests/vm/run): the kernel tree semnet.ko is built against.
print-kdir:
	@echo $(KDIR)

help:
	@sed -n '3,/^# Kernel sources/p' Makefile | sed '$$d; s/^# \{0,1\}//'

# --- Installation (README "Installing"; tests/integration/install.sh checks
# the file list, tests/e2e/dkms.sh the DKMS path in a VM) ---
# Configuration stays in /etc whatever PREFIX is: the units and daemons
# name it there. Units go where systemd looks for PREFIX (/usr/lib/... or
# /usr/local/lib/...).
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
INCLUDEDIR ?= $(PREFIX)/include
MANDIR     ?= $(PREFIX)/share/man
DATADIR    ?= $(PREFIX)/share/semnet
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
SEMNET_VERSION := $(shell sed -n 's/^\#define SEMNET_VERSION "\(.*\)"/\1/p' kmod/version.h)
# DKMS only looks in /usr/src; KVER picks the kernel (default: the running one).
DKMS_SRC   ?= /usr/src/semnet-$(SEMNET_VERSION)
KVER       ?=
DAEMONS    := semnet-root semnet-cluster semnetd

# The daemons that `make user` built (semnetd once it exists) get their
# unit and their default configuration; an existing configuration is kept.
install: user
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(INCLUDEDIR)/linux \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DATADIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSCONFDIR)/semnet
	install -m 0755 build/user/bin/semnet $(DESTDIR)$(BINDIR)/semnet
	install -m 0644 include/uapi/linux/semnet.h $(DESTDIR)$(INCLUDEDIR)/linux/semnet.h
	install -m 0644 $(wildcard daemon/*/*.8) $(DESTDIR)$(MANDIR)/man8/
	install -m 0755 dkms/mok-enroll.sh $(DESTDIR)$(DATADIR)/mok-enroll.sh
	@set -e; for p in $(DAEMONS); do \
		[ -x build/user/bin/$$p ] || { echo "install: $$p not built, skipped"; continue; }; \
		echo "install $$p, $$p.service, $(SYSCONFDIR)/semnet/$$p.json"; \
		install -m 0755 build/user/bin/$$p $(DESTDIR)$(SBINDIR)/$$p; \
		sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
			daemon/systemd/$$p.service.in >$(DESTDIR)$(UNITDIR)/$$p.service; \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$p.service; \
		conf=$(DESTDIR)$(SYSCONFDIR)/semnet/$$p.json; \
		if [ -e $$conf ]; then echo "install: keeping $$conf"; \
		else install -m 0644 daemon/etc/$$p.json $$conf; fi; \
	done

# Removes what `make install` put in place, except the configuration.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/semnet $(DESTDIR)$(INCLUDEDIR)/linux/semnet.h \
		$(DESTDIR)$(DATADIR)/mok-enroll.sh \
		$(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(wildcard daemon/*/*.8))) \
		$(addprefix $(DESTDIR)$(SBINDIR)/,$(DAEMONS)) \
		$(addprefix $(DESTDIR)$(UNITDIR)/,$(addsuffix .service,$(DAEMONS)))
	-rmdir $(DESTDIR)$(DATADIR)

# The module's sources as DKMS wants them (also for packagers: DESTDIR).
dkms-src:
	rm -rf $(DESTDIR)$(DKMS_SRC)
	install -d $(DESTDIR)$(DKMS_SRC)/kmod $(DESTDIR)$(DKMS_SRC)/include/uapi/linux
	install -m 0644 Kbuild COPYING $(DESTDIR)$(DKMS_SRC)/
	install -m 0644 kmod/*.c kmod/*.h $(DESTDIR)$(DKMS_SRC)/kmod/
	install -m 0644 include/uapi/linux/semnet.h $(DESTDIR)$(DKMS_SRC)/include/uapi/linux/
	sed 's/@VERSION@/$(SEMNET_VERSION)/' dkms/dkms.conf >$(DESTDIR)$(DKMS_SRC)/dkms.conf

# Re-running it replaces the installed version (same version, new sources).
dkms-install:
	@command -v dkms >/dev/null || { echo "dkms-install: dkms is not installed (apt-get install dkms)" >&2; exit 1; }
	-@dkms status -m semnet -v $(SEMNET_VERSION) | grep -q . && dkms remove semnet/$(SEMNET_VERSION) --all
	$(MAKE) --no-print-directory dkms-src DESTDIR=
	dkms add semnet/$(SEMNET_VERSION)
	dkms build semnet/$(SEMNET_VERSION) $(if $(KVER),-k $(KVER))
	dkms install semnet/$(SEMNET_VERSION) $(if $(KVER),-k $(KVER))
	-@dkms/mok-enroll.sh --check

dkms-remove:
	@command -v dkms >/dev/null || { echo "dkms-remove: dkms is not installed" >&2; exit 1; }
	-dkms remove semnet/$(SEMNET_VERSION) --all
	rm -rf $(DKMS_SRC)
