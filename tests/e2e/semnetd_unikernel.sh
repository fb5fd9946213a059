#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A unikernel through semnetd, the way Oakestra's NodeEngine runs one
# (issue 17, item 1). POST /unikernel/deploy on node b builds what
# Oakestra's NetManager builds (node-net-manager/env/
# UnikernelNetDeployment.go, oakestra/oakestra-net 1bdf5fa): the named
# network namespace <serviceName>.instance.<n> (go_node_engine/util/
# taskid, oakestra/oakestra 0e879834), a veth into it with the nsIP, and
# inside the bridge virbr0 (192.168.1.1/30), the TAP device tap0 on it and
# NAT between the veth and the guest's 192.168.1.2. The hypervisor is a
# stand-in (tests/lib/tapguest.py): it attaches to tap0 by name, as
# crosvm does, and relays its frames to a TAP device in a "guest"
# namespace configured as Oakestra configures the guest. A container on node a
# reaches the guest's server through the service's RR address across the
# tunnel, node a reaches it through the port mapping "9080" (host port =
# guest port), and undeploy removes the namespace, the veth, the kernel
# instance and the lease.
#
#          netns ctl 10.99.0.100: semnet-root, semnet-cluster, mosquitto
#                   |
#   netns wire: bridge ul0 -------------------------------------
#        |                              |
#   node a 10.99.0.1               node b 10.99.0.2
#   semnetd, br0                   semnetd, br0
#        |                              | veth (nsIP .66)
#       cli                        netns app.ns.uk.prod.instance.0
#   (client, cli.ns.c.prod)          eth0, virbr0 192.168.1.1/30, tap0
#                                       | tapguest.py: tap0 <-> TAP eth0
#                                    netns ukguest: eth0 192.168.1.2/30,
#                                    servers on 80 and 9080
#
# The test's shell is the NodeEngine: in PID 1's mount namespace, made
# shared as systemd leaves a host's. semnetd on b runs as the shipped unit
# starts it (SEMNET_UNIT, default daemon/systemd/semnetd.service.in; run by
# tests/lib/unitexec.py, which sets up the unit's mount namespace, with
# mounts slaves of the host's and / read-only, its capabilities and its
# seccomp filter as systemd 252 does): it must make the namespace in the
# host's mount namespace, where "ip netns exec" looks. semnetd on a runs in
# the host's mount namespace (sd_exec_netns) and gets a unikernel of its
# own. SEMNET_UNIT=none runs b there too. After the guest is reached,
# semnetd on b restarts (SIGTERM, a new sandbox, as "systemctl restart"):
# the namespace, tap0 and the lease stay and the guest is reached again.
# vm-timeout: 300
# vm-cost: 133
# shellcheck disable=SC2317 # test_* functions run from tap_cases
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
# shellcheck source=tests/lib/tap.sh
. "$SEMNET_TOP/tests/lib/tap.sh"
# shellcheck source=tests/lib/semnetd.sh
. "$SEMNET_TOP/tests/lib/semnetd.sh"
tap_need jq curl socat python3 mosquitto nsenter
# The VM's /dev has no static nodes: the TUN module makes /dev/net/tun.
[ -c /dev/net/tun ] || modprobe tun || tap_skip_all "no TUN/TAP driver"
SEMNET_UNIT=${SEMNET_UNIT:-$SEMNET_TOP/daemon/systemd/semnetd.service.in}
SD_UNIT=$SEMNET_UNIT
[ "$SEMNET_UNIT" = none ] || tap_need systemd-analyze
# uk_exec NODE CMD...: semnetd on b as the unit runs it, on a as it is
uk_exec() {
	if [ "$1" = b ] && [ "$SEMNET_UNIT" != none ]; then
		sd_exec_unit "$@"
	else
		sd_exec_netns "$@"
	fi
}
SD_EXEC=uk_exec
# The VM's mounts private again once every named namespace is gone (also
# those that cases made in subshells): before, an unmount would no longer
# reach the copies that propagation made under /run, and the names would
# stay for the next script of a series.
uk_cleanup() {
	sd_cleanup
	[ "$SEMNET_UNIT" = none ] && return
	ip -all netns delete 2>/dev/null
	mount --make-rprivate /
}
trap uk_cleanup EXIT
# Python and systemd-analyze start slowly under TCG: seconds before semnetd
SD_READY_WAIT=30

UK=app.ns.uk.prod
CLI=cli.ns.c.prod
UKNS=$UK.instance.0
RR=
NSIP=

# uk_api PATH: the NodeEngine's request for instance 0 of $UK (its
# connectNetworkRequestUnikernel: pid 0; the undeploy's pid -1)
uk_api() {
	local pid=0
	[ "$1" = /unikernel/undeploy ] && pid=-1
	sd_api b POST "$1" "{\"pid\":$pid,\"serviceName\":\"$UK\",\"instanceNumber\":0,\"portMappings\":\"9080\"}"
}

# sandboxed PID: its mount namespace is not ours and it runs under seccomp
sandboxed() {
	[ "$(readlink "/proc/$1/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] &&
		grep -q '^Seccomp:[[:space:]]*2' "/proc/$1/status"
}

test_start() {
	# systemd makes every mount shared at boot (the VM's are private)
	[ "$SEMNET_UNIT" = none ] || mount --make-rshared /
	tap_run "control plane: root, cluster, broker" sd_control
	sd_nodes a:10.99.0.1 b:10.99.0.2
	tap_eq "semnetd starts on two nodes" "$?" 0
	if [ "$SEMNET_UNIT" != none ]; then
		tap_run "semnetd on b runs in the unit's sandbox" sandboxed "${SD_PID[b]}"
	fi
	tap_eq "an unregistered node refuses a unikernel (409)" "$(uk_api /unikernel/deploy | cut -c1-3)" 409
	tap_run "nodes a and b register and set up" sd_register a b
	RR=$(sd_service job1 app ns uk prod 1)
	sd_service job2 cli ns c prod 1 >/dev/null
	tap_match "the orchestrator deployed the service" "$RR" '^172\.30\.'
	sd_container cli >/dev/null
	tap_match "deploy the client on a" "$(sd_deploy a cli "$CLI" 0)" '^200 '
}

test_deploy() {
	local r
	TOPO_NETNS+=("$UKNS")	# removed at exit if a case fails
	r=$(uk_api /unikernel/deploy)
	tap_match "POST /unikernel/deploy: 200 with the nsIP, no IPv6 (IPv4 behind NAT)" "$r" \
		"^200 \{\"serviceName\":\"$UK\",\"nsAddress\":\"172\.16\.0\.(6[6-9]|[7-9][0-9]|1[01][0-9]|12[0-6])\",\"nsAddressv6\":\"\"\}"
	NSIP=$(sd_status b ".instances[] | select(.serviceName == \"$UK\") | .nsAddress")
	tap_match "the same deployment again: 409" "$(uk_api /unikernel/deploy)" '^409 .*deployed already'
	tap_match "the namespace is named as the NodeEngine names it" "$(ip netns list)" "^$UKNS( |\$)"
	tap_eq "in it: the veth with the nsIP, default route via b's gateway" \
		"$(ip -n "$UKNS" -4 -o addr show eth0 | awk '{print $4}') $(ip -n "$UKNS" route show default | awk '{print $3}')" \
		"$NSIP/26 172.16.0.65"
	tap_match "virbr0 holds 192.168.1.1/30" "$(ip -n "$UKNS" -4 -o addr show virbr0)" \
		'inet 192\.168\.1\.1/30 '
	tap_match "tap0 is a TAP device on virbr0" "$(ip -n "$UKNS" -d -o link show tap0)" \
		'master virbr0 .*tun type tap'
	tap_match "traffic in by the veth goes to the guest" \
		"$(ip netns exec "$UKNS" nft list table ip semnet-unikernel)" \
		'iifname "eth0" dnat to 192\.168\.1\.2'
	tap_match "traffic out of it leaves from the nsIP" \
		"$(ip netns exec "$UKNS" nft list table ip semnet-unikernel)" \
		"oifname \"eth0\" snat to $NSIP"
	tap_eq "forwarding on inside" "$(ip netns exec "$UKNS" sysctl -n net.ipv4.ip_forward)" 1
	tap_run "node b learns the unikernel's InstanceIP" sd_wait_instance_ip b "$UK" 0
	tap_eq "the unikernel is an instance in b's kernel" "$(sd_instances b "$UK")" 1
	tap_run "node a learns the client's InstanceIP" sd_wait_instance_ip a "$CLI" 0
}

# tap_carrier: tap0 has a reader (the hypervisor attached)
tap_carrier() { ip -n "$UKNS" link show tap0 | grep -q LOWER_UP; }

# The guest: what crosvm configures (192.168.1.2/30, gateway 192.168.1.1)
# on a NIC whose frames go through tap0.
test_guest() {
	topo_netns ukguest
	ip netns exec "$UKNS" python3 -S "$SEMNET_TOP/tests/lib/tapguest.py" tap0 ukguest eth0 \
		"$SD_WORK/guest.ready" >"$SD_LOGS/tapguest.log" 2>&1 &
	GUEST_PID=$!
	tap_run "the hypervisor stand-in attaches to tap0 by name" wait_for_file 30 "$SD_WORK/guest.ready"
	tap_wait "tap0 has carrier" 5 tap_carrier
	ip -n ukguest addr add 192.168.1.2/30 dev eth0 &&
	ip -n ukguest link set eth0 up &&
	ip -n ukguest route add default via 192.168.1.1
	tap_eq "the guest's NIC is set up as Oakestra's crosvm guest" "$?" 0
	ip netns exec ukguest socat -t 15 TCP-LISTEN:80,fork,reuseaddr SYSTEM:"echo unikernel" 2>/dev/null &
	ip netns exec ukguest socat -t 15 TCP-LISTEN:9080,fork,reuseaddr SYSTEM:"echo mapped" 2>/dev/null &
	wait_port ukguest 80 && wait_port ukguest 9080
	tap_eq "the guest's servers listen" "$?" 0
	tap_run "the guest reaches its gateway through tap0" \
		ip netns exec ukguest ping -c 1 -W 10 192.168.1.1
}

test_reach() {
	local got
	got=$(ip netns exec cli socat -T15 -t15 - "TCP:$RR:80,connect-timeout=15" </dev/null)
	tap_eq "a container on a reaches the guest through the RR address" "$got" unikernel
	got=$(ip netns exec cli socat -T15 -t15 - "TCP:$RR:80,connect-timeout=15" </dev/null)
	tap_eq "and again" "$got" unikernel
	got=$(ip netns exec a socat -T15 -t15 - "TCP:10.99.0.2:9080,connect-timeout=15" </dev/null)
	tap_eq "node a reaches it through b's port mapping 9080 (host = guest port)" "$got" mapped
	[ "$TAP_FAILED" = 0 ] || uk_dump
}

# The unit's "systemctl restart" with the unikernel deployed and its
# hypervisor running: SIGTERM, then semnetd in a new sandbox.
test_restart() {
	local got t
	sd_stop b
	t=$SECONDS
	sd_start b
	tap_eq "semnetd on b starts again" "$?" 0
	tap_note "in $((SECONDS - t)) s"
	tap_run "and is ready" wait_for_output 15 ready sd_status b .state
	tap_eq "the lease stayed: the unikernel has its nsIP" \
		"$(sd_status b ".instances[] | select(.serviceName == \"$UK\") | .nsAddress")" "$NSIP"
	tap_run "its namespace is still there for the NodeEngine" ip netns exec "$UKNS" true
	tap_run "tap0 still has its hypervisor" tap_carrier
	tap_run "node b has its InstanceIP again" sd_wait_instance_ip b "$UK" 0
	tap_eq "and the kernel instance" "$(sd_instances b "$UK")" 1
	got=$(ip netns exec cli socat -T15 -t15 - "TCP:$RR:80,connect-timeout=15" </dev/null)
	tap_eq "the container on a reaches the guest again" "$got" unikernel
	[ "$TAP_FAILED" = 0 ] || uk_dump
}

# uk_dump: the unikernel's namespace and the guest, as TAP comments
uk_dump() {
	{
		ip netns exec "$UKNS" nft list ruleset
		ip -n "$UKNS" -s -br link
		ip -n "$UKNS" neigh
		ip -n ukguest -s -br link
		ip -n ukguest neigh
		cat "$SD_LOGS/tapguest.log"
	} 2>&1 | sed 's/^/# /'
	sd_dump b
}

test_undeploy() {
	local veths
	# The NodeEngine stops the hypervisor first.
	kill "$GUEST_PID"
	wait "$GUEST_PID" 2>/dev/null
	tap_match "POST /unikernel/undeploy: 200" "$(uk_api /unikernel/undeploy)" '^200 '
	tap_fails "the namespace is gone" ip netns exec "$UKNS" true
	tap_eq "its name too" "$(ip netns list | grep -c "^$UKNS")" 0
	veths=$(ip -n b -o link show | grep -c ' sn')
	tap_eq "its veth is gone from b" "$veths" 0
	tap_eq "the kernel instance is gone" "$(sd_instances b "$UK")" 0
	tap_eq "the lease is free, no instance left" \
		"$(sd_status b '"\(.leases_free) \(.instances | length)"')" "61 0"
	tap_match "undeploy again: 404" "$(uk_api /unikernel/undeploy)" '^404 '
	tap_match "a container's bad port mapping is refused with the reason" \
		"$(sd_api a POST /container/deploy "{\"pid\":${SD_PID[cli]},\"serviceName\":\"$CLI\",\"instanceNumber\":1,\"portMappings\":\"80;\"}")" \
		'^400 .*portMappings.*empty'
}

# semnetd in the host's mount namespace (a) names the namespace there too.
test_host_mntns() {
	local ns=$UK.instance.1 body="{\"pid\":0,\"serviceName\":\"$UK\",\"instanceNumber\":1,\"portMappings\":\"\"}"
	TOPO_NETNS+=("$ns")
	tap_match "node a deploys a unikernel too" "$(sd_api a POST /unikernel/deploy "$body")" '^200 '
	tap_match "its namespace has tap0 on virbr0" "$(ip -n "$ns" -d -o link show tap0 2>&1)" \
		'master virbr0 .*tun type tap'
	tap_match "and undeploys it" "$(sd_api a POST /unikernel/undeploy "$body")" '^200 '
	tap_fails "its namespace is gone" ip netns exec "$ns" true
}

test_stop() {
	sd_stop a b
	tap_note "${SECONDS}s"
}

tap_cases test_start test_deploy test_guest test_reach test_restart test_undeploy test_host_mntns \
	test_stop
tap_done
