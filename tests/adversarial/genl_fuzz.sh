#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The generic-netlink family under a fuzzer generated from the UAPI header
# and the module's policies (tests/adversarial/genl_fuzz.py): every
# command, attributes mutated in type, length, nesting and value,
# duplicates, missing ones, random commands, flags and framing, dumps read
# half-way across changes, valid configurations mixed in.
#
#   init netns            root, two workers racing on one table set
#     semnet-fzbr (bridge of the node config)
#   ip netns semnet-fz*   root; another thread deletes each namespace while
#                         requests are in flight, the sockets' close frees it
#   nobody                EPERM for every change in the init namespace, then
#                         root of its own user+net namespace (unshare)
#
# Asserts: the kernel answers every acked request, each answer is well
# formed, every error the module returns carries an extack message,
# unprivileged changes are refused, and the module unloads afterwards (the
# VM runner then checks the log for splats and kmemleak for leaks).
# Knobs: SEMNET_FUZZ_MESSAGES (default 100000), SEMNET_FUZZ_SEED (replay).
# vm-timeout: 900
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	# The knobs ride along as NAME=VALUE arguments.
	exec "$(dirname "$0")/../vm/run" --kernel debug --kmemleak "$0" \
		${SEMNET_FUZZ_MESSAGES:+SEMNET_FUZZ_MESSAGES="$SEMNET_FUZZ_MESSAGES"} \
		${SEMNET_FUZZ_SEED:+SEMNET_FUZZ_SEED="$SEMNET_FUZZ_SEED"} "$@"
fi
for arg in "$@"; do
	case $arg in SEMNET_FUZZ_*=*) export "${arg?}" ;; esac
done
# shellcheck source=tests/lib/tap.sh
. "$SEMNET_TOP/tests/lib/tap.sh"

FUZZ=$SEMNET_TOP/tests/adversarial/genl_fuzz.py
RESULT=$(mktemp)

cleanup() {
	local ns
	for ns in $(ip netns list | awk '/^semnet-fz/ {print $1}'); do
		ip netns del "$ns"
	done
	ip link del semnet-fzbr 2>/dev/null
	rm -f "$RESULT"
}
trap cleanup EXIT

get() { jq -r ".$1" "$RESULT"; }

test_fuzz() {
	if ! "$FUZZ" --json "$RESULT"; then
		tap_fail "the fuzzer ran"
		return
	fi
	tap_ok "the fuzzer ran (seed $(get seed))"
	local want=${SEMNET_FUZZ_MESSAGES:-100000}
	[ "$(get sent)" -ge "$want" ] && tap_ok "sent $(get sent) messages (>= $want)" ||
		tap_fail "sent $(get sent) messages" "want at least $want"
	tap_eq "no worker failed" "$(get 'crashed // 0')" 0
	tap_eq "every acked request answered" "$(get unanswered)" 0
	tap_eq "no malformed answer" "$(get malformed)" 0
	tap_eq "every error from the module carries an extack message" "$(get no_extack)" 0
	tap_eq "unprivileged changes in the init namespace refused (EPERM)" \
		"$(get eperm_violations)" 0
	[ "$(get ns_created)" -ge 2 ] && tap_ok "namespaces created and destroyed during the run" ||
		tap_fail "namespaces created and destroyed during the run" "created $(get ns_created)"
	[ "$(get 'ok_valid // 0')" -ge 0 ] && [ "$(get acks)" -gt 0 ] &&
		tap_ok "valid changes succeeded ($(get acks) acks)" ||
		tap_fail "valid changes succeeded" "acks $(get acks)"
}

# The state the fuzzer left behind is torn down by rmmod; loading it
# again leaves the VM runner a module to unload.
test_unload() {
	tap_run "the module unloads after the fuzz" rmmod semnet
	tap_run "and loads again" insmod "$SEMNET_MODULE"
}

test_fuzz
test_unload
tap_done
