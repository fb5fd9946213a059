# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Helpers of the anti-spoofing scenarios (tests/adversarial/bridge.sh on a
# bridged node, routed.sh on a routed one), sourced after adversarial.sh:
# their topology (node "n", the node mode SEMNET_NODE_MODE), its drop
# counters and the devices' MACs.
# Every process costs under TCG and KASAN: the helpers spawn few.

N=(ip netns exec n)
sn() { "${N[@]}" semnet "$@"; }

# drops_now: SPOOFED, TAGGED and BAD (malformed + nomem) drops, now.
# shellcheck disable=SC2034 # the scenarios read them
drops_now() {
	read -r SPOOFED TAGGED BAD <<<"$(sn -j stats |
		jq -r '.drops | "\(.spoofed_source) \(.tagged) \(.malformed + .nomem)"')"
}

# wait_drops VAR WANT: drops_now until VAR (SPOOFED, TAGGED) reaches WANT,
# for up to 5 s (softirq counts them, as a rule before the sender returns).
wait_drops() {
	wait_until 5 _spoof_reached "$1" "$2"
}
_spoof_reached() { drops_now; [ "${!1}" -ge "$2" ]; }

# spoof_topology [NAME:NSIP...]: node n (subnet 172.16.0.0/26, the
# gateway $GW) with containers ca ($A_IP) and cb ($B_IP) and one more for
# each NAME:NSIP, semnet configured: instances 172.30.1.1 (a, a client)
# and 172.30.1.2 (b, the app behind the RR address $RR); b's TCP echo
# server on port 7. The configuration goes through $LOGS/config.
spoof_topology() {
	local c
	topo_node n 172.16.0.0/26 "$GW"
	# ("a" and "b" would read as keywords to `ip link add`.)
	for c in "ca:$A_IP" "cb:$B_IP" "$@"; do
		if ! topo_container n "${c%%:*}" "${c#*:}" 26 "$GW"; then
			tap_fail "topology: container ${c%%:*}"
			tap_done
		fi
	done
	cat >"$LOGS/config" <<EOF
node set platform 172.16.0.0/12 services 172.30.0.0/16 subnet 172.16.0.0/26 gateway $GW ${TOPO_ATTACH[*]}
service add $RR name app.ns.svc.ns policy rr
instance add 172.30.1.1 service client.ns.a.ns nsip $A_IP dev ca
instance add 172.30.1.2 service app.ns.svc.ns nsip $B_IP dev cb
EOF
	tap_run "$SEMNET_NODE_MODE node, RR address $RR, instances 172.30.1.1 (a) and 172.30.1.2 (b)" \
		sn -batch "$LOGS/config"
	ip netns exec cb socat -t 10 TCP-LISTEN:7,fork,reuseaddr EXEC:cat &
	wait_port cb 7 || tap_fail "b's echo server listens"
}

# mac_of NS DEV: DEV's MAC address in namespace NS.
mac_of() {
	local out
	out=$(ip -n "$1" -br link show "$2")
	[[ $out =~ ([0-9a-f]{2}(:[0-9a-f]{2}){5}) ]] && echo "${BASH_REMATCH[1]}"
}
