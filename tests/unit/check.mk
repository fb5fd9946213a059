# The one main() and the shared fixtures of the Check unit tests (unit.h),
# a static library every test binary links. A test is test_NAME.c, which
# defines its cases and unit_suite(); unit_test declares it:
#   $(eval $(call unit_test,test_NAME,code it tests,libraries,pkg-config names))
# (it links unitmain and Check besides), or by hand as daemon/Makefile says:
#   TESTS += test_NAME
#   test_NAME_SRCS := $(TOP)/tests/unit/test_NAME.c (and the code it tests)
#   test_NAME_PKGS := check
#   test_NAME_LIBS := unitmain (and snlib or semnetgenl)
LIBS += unitmain
unitmain_SRCS := $(TOP)/tests/unit/check_main.c $(TOP)/tests/unit/fixtures.c
unitmain_PKGS := check

define unit_test
TESTS += $(1)
$(1)_SRCS := $(TOP)/tests/unit/$(1).c $(2)
$(1)_LIBS := unitmain $(3)
$(1)_PKGS := check $(4)
endef
