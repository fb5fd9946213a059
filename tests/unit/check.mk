# The one main() and the shared fixtures of the Check unit tests (unit.h),
# a static library every test binary links. A test is test_NAME.c, which
# defines its cases and unit_suite(), and names unitmain in its _LIBS:
#   TESTS += test_NAME
#   test_NAME_SRCS := $(TOP)/tests/unit/test_NAME.c (and the code it tests)
#   test_NAME_PKGS := check
#   test_NAME_LIBS := unitmain (and snlib or semnetgenl)
LIBS += unitmain
unitmain_SRCS := $(TOP)/tests/unit/check_main.c $(TOP)/tests/unit/fixtures.c
unitmain_PKGS := check
