# Check units for the managers' shared library and stores.
TESTS += test_ipalloc test_oak_json test_root_store test_cluster_store test_http
test_ipalloc_SRCS := $(TOP)/tests/unit/test_ipalloc.c
test_ipalloc_PKGS := check
test_ipalloc_LIBS := unitmain snlib
test_oak_json_SRCS := $(TOP)/tests/unit/test_oak_json.c
test_oak_json_PKGS := check
test_oak_json_LIBS := unitmain snlib
test_root_store_SRCS := $(TOP)/tests/unit/test_root_store.c $(TOP)/daemon/root/store.c
test_root_store_PKGS := check
test_root_store_LIBS := unitmain snlib
test_cluster_store_SRCS := $(TOP)/tests/unit/test_cluster_store.c $(TOP)/daemon/cluster/store.c
test_cluster_store_PKGS := check
test_cluster_store_LIBS := unitmain snlib
test_http_SRCS := $(TOP)/tests/unit/test_http.c
test_http_PKGS := check
test_http_LIBS := unitmain snlib
