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
# formed, every error the module returns carries an extack message, a
# change with stray bytes at the end of a nest is refused, unprivileged
# changes are refused, and the module unloads afterwards (the VM runner
# then checks the log for splats and kmemleak for leaks).
# Knobs: SEMNET_FUZZ_MESSAGES (50,000 in make check, 300,000 with
# SEMNET_FULL=1: the debug kernel answered 484 a second under TCG, 100,000
# in 207 s; each run draws a new seed, so the runs add up), SEMNET_FUZZ_SEED
# (replay).
# vm-timeout: 3000
# vm-cost: 262 2329
# shellcheck source=tests/lib/adversarial.sh
. "$(dirname "$0")/../lib/adversarial.sh"

SEMNET_FUZZ_MESSAGES=${SEMNET_FUZZ_MESSAGES:-$(adv_size 50000 300000)}
export SEMNET_FUZZ_MESSAGES

FUZZ=$SEMNET_TOP/tests/adversarial/genl_fuzz.py
RESULT=$(mktemp)

# shellcheck disable=SC2317 # called by the EXIT trap
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

tap_ge() {	# tap_ge WHAT GOT MIN
	if [ "$2" -ge "$3" ]; then
		tap_ok "$1 ($2)"
	else
		tap_fail "$1" "got:  $2" "want: at least $3"
	fi
}

test_fuzz() {
	local cmd
	if ! "$FUZZ" --json "$RESULT"; then
		tap_fail "the fuzzer ran"
		return
	fi
	tap_ok "the fuzzer ran (seed $(get seed), $(get rate) messages/s)"
	tap_ge "messages sent" "$(get sent)" "$SEMNET_FUZZ_MESSAGES"
	tap_eq "no worker failed" "$(get 'crashed // 0')" 0
	tap_eq "every acked request answered" "$(get unanswered)" 0
	tap_eq "no malformed answer" "$(get malformed)" 0
	tap_eq "every error from the module carries an extack message" "$(get no_extack)" 0
	tap_eq "unprivileged changes in the init namespace refused (EPERM)" \
		"$(get eperm_violations)" 0
	tap_eq "changes with stray bytes in a nest refused" "$(get junk_accepted)" 0
	tap_ge "namespaces created and destroyed during the run" "$(get ns_created)" 2
	# Valid configurations reached the deep paths: each kind of change
	# succeeded at least once.
	for cmd in SET_NODE NEW_SERVICE NEW_INSTANCE NEW_PEER; do
		tap_ge "$cmd succeeded" "$(get "ok_cmd.$cmd // 0")" 1
	done
	tap_ge "dumps completed" "$(get dumps_done)" 1
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
