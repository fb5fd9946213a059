# SPDX-License-Identifier: GPL-2.0
#
# semnet top-level build.
#   make              semnet.ko (against KDIR) and every userspace program
#   make deps         install the Debian packages everything needs
#   make check        every test: Check units, KUnit, VM scenarios
#   make check-debug  the VM scenarios on the debug (KASAN/lockdep) kernel
#   make demo         a multi-node overlay in a VM
# Kernel sources: Kbuild (kmod/, include/); userspace: daemon/Makefile.

# The kernel to build against: the running kernel's build tree when it has
# one, else the newest installed Debian linux-headers-*-amd64.
KDIR ?= $(or $(wildcard /lib/modules/$(shell uname -r)/build),\
	     $(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64))))
export KDIR

# Where expensive, clone-independent artefacts (the debug/KUnit kernel) are
# cached, keyed by config and source version.
SEMNET_CACHE ?= /var/cache/semnet-dev
export SEMNET_CACHE

.PHONY: all module user deps check check-debug demo kunit clean help print-kdir bench-managers bench-overlay

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
	@sed -n '3,9p' Makefile | sed 's/^# \{0,1\}//'
