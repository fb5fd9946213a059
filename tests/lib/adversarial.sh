# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The start of every tests/adversarial scenario, sourced first thing:
#	. "$(dirname "$0")/../lib/adversarial.sh"
# Started on the host, the scenario runs itself again in the test VM on
# the debug kernel (KASAN, lockdep, panic_on_warn=1, a kmemleak scan
# after it); tests/vm/run carries every SEMNET_* variable (the knobs)
# into the VM. In the VM it goes on with tap.sh and topo.sh loaded.
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" --kernel debug --kmemleak "$0" "$@"
fi
# shellcheck source=tests/lib/tap.sh
. "$SEMNET_TOP/tests/lib/tap.sh"
# shellcheck source=tests/lib/topo.sh
. "$SEMNET_TOP/tests/lib/topo.sh"

# adv_size QUICK FULL: a default size: QUICK in a plain `make check`,
# FULL (the hardening issue's sizes) with SEMNET_FULL=1.
adv_size() {
	if [ "${SEMNET_FULL:-0}" = 1 ]; then echo "$2"; else echo "$1"; fi
}

# The tunnel packet crafter (tests/lib/craft.py --help), run in NS:
# craft NS ARGS...
CRAFT=$SEMNET_TOP/tests/lib/craft.py
craft() {
	ip netns exec "$1" "$CRAFT" "${@:2}"
}

# peer_tx NS SUBNET, peer_rx NS SUBNET: the packets NS's peer for SUBNET
# has carried each way.
peer_tx() { jq_in "$1" ".[] | select(.subnet == \"$2\") | .tx_packets" -s peer show; }
peer_rx() { jq_in "$1" ".[] | select(.subnet == \"$2\") | .rx_packets" -s peer show; }

# nft_count NS COMMENT: packets the counter rule with COMMENT has seen.
nft_count() {
	ip netns exec "$1" nft -j list ruleset |
		jq "[.nftables[].rule? | select(.comment == \"$2\") | .expr[] |
		     .counter? | select(.) | .packets] | add // 0"
}

elapsed() {	# elapsed T0 T1: seconds from T0 to T1 (date +%s.%N), to 0.1 s
	awk "BEGIN { printf \"%.1f\", $2 - $1 }"
}
