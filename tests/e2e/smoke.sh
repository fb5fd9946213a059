#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Smoke: `semnet version` in the initial and in a new network namespace
# (module version, netns identity, JSON), CLI errors, and unloading and
# reloading the module. Runs in the test VM: tests/vm/run tests/e2e/smoke.sh
# (started on the host, it re-runs itself that way).
#
#   init netns            netns smoke-PID
#   semnet version  <-->  semnet version    (one module, two netns inums)
# vm-timeout: 300
# vm-cost: 9
# shellcheck disable=SC2317 # test_* functions run from tap_cases
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
# shellcheck source=tests/lib/tap.sh
. "$SEMNET_TOP/tests/lib/tap.sh"
tap_need jq

want=$(sed -n 's/^#define SEMNET_VERSION "\(.*\)"/\1/p' "$SEMNET_TOP/kmod/version.h")
ns=smoke-$$
init_inum=
trap 'ip netns del "$ns" 2>/dev/null' EXIT

test_version() {
	local msg json
	msg=$(semnet version 2>&1)
	tap_eq "semnet version exits 0" "$?" 0
	tap_match "semnet version prints the module version $want" "$msg" "^semnet module $want "

	json=$(semnet -j version 2>&1)
	tap_eq "semnet -j version exits 0" "$?" 0
	tap_run "semnet -j version prints valid JSON" jq -e . <<<"$json"
	tap_jq "JSON: module version is kmod/version.h's" "$json" .module.version "$want"
	tap_jq "JSON: tool version is kmod/version.h's" "$json" .tool.version "$want"
	init_inum=$(json_get "$json" .module.netns_inum)
	tap_eq "init netns: inum is that of /proc/self/ns/net" "$init_inum" "$(stat -L -c %i /proc/self/ns/net)"
}

test_netns() {
	local json ns_inum
	tap_run "ip netns add $ns" ip netns add "$ns" || return 1
	json=$(ip netns exec "$ns" semnet -j version 2>&1)
	tap_eq "new netns: semnet -j version exits 0" "$?" 0
	ns_inum=$(json_get "$json" .module.netns_inum)
	tap_eq "new netns: inum is that of /run/netns/$ns" "$ns_inum" "$(stat -L -c %i "/run/netns/$ns")"
	tap_run "the two netns inums differ" test "$init_inum" != "$ns_inum"
}

test_cli_errors() {
	local msg
	msg=$(semnet frobnicate 2>&1)
	tap_eq "an unknown command exits 2" "$?" 2
	tap_match "an unknown command is named in the message" "$msg" "unknown command.*frobnicate"
}

test_reload() {
	local msg
	tap_run "rmmod semnet" rmmod semnet
	msg=$(semnet version 2>&1)
	tap_run "semnet version fails without the module" test "$?" -ne 0
	tap_match "semnet version says the module is not loaded" "$msg" "not loaded"

	tap_run "insmod semnet.ko again" insmod "$SEMNET_MODULE"
	tap_run "semnet version works after the reload" semnet version
	tap_run "semnet version works in $ns after the reload" ip netns exec "$ns" semnet version
}

tap_cases test_version test_netns test_cli_errors test_reload
tap_done
