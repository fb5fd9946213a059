# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# A semnet cluster in one VM, driven the way an orchestrator drives it:
# semnet-root, semnet-cluster and mosquitto in a control namespace on an
# underlay bridge, nodes (namespaces) each running semnetd, containers
# (namespaces with a sleeping process) deployed through semnetd's unix
# socket with curl. Sources tests/lib/topo.sh; used by tests/demo.sh,
# tests/e2e/semnetd.sh (and its SEMNET_UNDERLAY=6 run, semnetd_ul6.sh)
# and tests/e2e/closest.sh.

# shellcheck source=tests/lib/topo.sh
declare -F topo_netns >/dev/null || . "${BASH_SOURCE[0]%/*}/topo.sh"

# SEMNET_BIN_DIR: a directory of programs (e.g. one semnetd) to run
# instead of build/user/bin's
[ -z "${SEMNET_BIN_DIR:-}" ] || PATH=$SEMNET_BIN_DIR:$PATH

# SEMNET_UNDERLAY=6: an IPv6-only underlay. The nodes have no IPv4
# address on it (2001:db8:99::N/64 and an IPv6 default route there, from
# which semnetd finds its underlay address unless the node is in
# SD_UL_GIVEN, given --underlay-addr), register with the broker at ctl's
# IPv6 address SD_CTL6, and tunnel to each other over IPv6. ctl has both
# families: its managers talk to each other over IPv4, as before.
SEMNET_UNDERLAY=${SEMNET_UNDERLAY:-4}
SD_CTL6=2001:db8:99::100
SD_UL_GIVEN=${SD_UL_GIVEN:-}

SD_WORK=${SD_WORK:-$(mktemp -d)}
SD_LOGS=${SEMNET_OUT:-$SD_WORK}	# shared with the host: kept when a run fails
# SD_SEMNETD: another semnetd binary (e.g. an ASan build)
SD_CTL=10.99.0.100		# control plane on the underlay
SD_MQTT_PORT=1883
SD_ROOT=http://$SD_CTL:10099
SD_CLUSTER=http://$SD_CTL:10110
# SD_BROKER: the cluster address nodes register with (its broker's)
SD_BROKER=$SD_CTL
[ "$SEMNET_UNDERLAY" = 6 ] && SD_BROKER=$SD_CTL6
declare -A SD_UL SD_PID

# Every daemon's stdout and stderr go to a log file: a background job
# holding the caller's stdout would hang a $(...) around it.

# sd_control: the wire, and root + broker + cluster in namespace "ctl"
sd_control() {
	local listen=0.0.0.0
	topo_netns wire && ip -n wire link add ul0 type bridge && ip -n wire link set ul0 up &&
	sd_wire ctl "$SD_CTL" || return 1
	if [ "$SEMNET_UNDERLAY" = 6 ]; then
		ip -n ctl addr add "$SD_CTL6/64" dev ul0 nodad || return 1
		listen=	# every address of both families
	fi
	# set_tcp_nodelay: each table query and its answer is a small message
	# that Nagle's algorithm would hold for a delayed ACK (40 ms), as it
	# does in the clients (lib/sn_mqtt.c); README "Table misses".
	printf 'listener %s%s\nallow_anonymous true\npersistence false\nmax_queued_messages 0\nset_tcp_nodelay true\n' \
		"$SD_MQTT_PORT" "${listen:+ $listen}" >"$SD_WORK/mosquitto.conf"
	ip netns exec ctl mosquitto -c "$SD_WORK/mosquitto.conf" >"$SD_LOGS/mosquitto.log" 2>&1 &
	ip netns exec ctl semnet-root --listen 0.0.0.0 --port 10099 --db "$SD_WORK/root.db" \
		--sync normal --ready-file "$SD_WORK/root.ready" >"$SD_LOGS/root.log" 2>&1 &
	wait_for_file 30 "$SD_WORK/root.ready" || return 1
	sd_cluster_start
}

# SD_CLUSTER_ARGS: more semnet-cluster options (e.g. --links-policy auto)
SD_CLUSTER_ARGS=()

# sd_cluster_start: (re)starts semnet-cluster in ctl (its store kept; at
# startup every table it cached is stale) and waits until it is up
sd_cluster_start() {
	rm -f "$SD_WORK/cluster.ready"
	ip netns exec ctl semnet-cluster --cluster-id c1 --listen 0.0.0.0 --port 10110 \
		--cluster-address "$SD_CTL" --root-url "$SD_ROOT" --mqtt-host 127.0.0.1 \
		--mqtt-port "$SD_MQTT_PORT" --db "$SD_WORK/cluster.db" --sync normal \
		--retry-backoff-ms 50 --ready-file "$SD_WORK/cluster.ready" "${SD_CLUSTER_ARGS[@]}" \
		>>"$SD_LOGS/cluster.log" 2>&1 &
	SD_CLUSTER_PID=$!
	wait_for_file 30 "$SD_WORK/cluster.ready" &&
	wait_until 30 sd_cluster_up
}

# sd_cluster_up: the cluster registered at the root and reached the broker
sd_cluster_up() {
	sd_ctl_http GET "$SD_CLUSTER/api/net/status" | grep -q '"registered":true,"mqtt_connected":true'
}

# sd_wire NS ADDR: NS on the underlay bridge with ADDR/24 on ul0 (an
# IPv6 ADDR: /64 without DAD, and the IPv6 default route there unless NS
# is in SD_UL_GIVEN)
sd_wire() {
	topo_netns "$1" &&
	ip -n wire link add "ul-$1" type veth peer name ul0 netns "$1" &&
	ip -n wire link set "ul-$1" master ul0 up || return 1
	if [[ $2 == *:* ]]; then
		ip -n "$1" addr add "$2/64" dev ul0 nodad && ip -n "$1" link set ul0 up || return 1
		[[ " $SD_UL_GIVEN " == *" $1 "* ]] || ip -n "$1" -6 route add default dev ul0
	else
		ip -n "$1" addr add "$2/24" dev ul0 && ip -n "$1" link set ul0 up
	fi
}

# sd_ctl_http METHOD URL [BODY]: a request to the root or the cluster
sd_ctl_http() {
	ip netns exec ctl curl -s -X "$1" -H 'Content-Type: application/json' \
		${3:+--data-binary "$3"} "$2"
}

# sd_nodes NODE:UNDERLAY_ADDR...: node namespaces on the wire, each running
# semnetd (started together, then waited for)
sd_nodes() {
	local n
	for n in "$@"; do
		SD_UL[${n%%:*}]=${n#*:}
		sd_wire "${n%%:*}" "${n#*:}" && sd_launch "${n%%:*}" || return 1
	done
	for n in "$@"; do wait_for_file "$SD_READY_WAIT" "$SD_WORK/${n%%:*}.ready" || return 1; done
}
# SD_READY_WAIT: seconds semnetd gets to serve after its start
SD_READY_WAIT=${SD_READY_WAIT:-10}

# SD_ARGS: more semnetd options for every node (e.g. probe intervals)
SD_ARGS=()

# SD_EXEC: how semnetd enters its node's namespace, given NODE and the
# command (default "ip netns exec", which gives it a mount namespace of
# its own; sd_exec_netns keeps the caller's, for namespaces semnetd names;
# it replaces the background shell sd_launch runs it in, so that SD_PID is
# semnetd's pid)
SD_EXEC=${SD_EXEC:-ip netns exec}
sd_exec_netns() { local ns=$1; shift; exec nsenter --net="/run/netns/$ns" "$@"; }
# sd_exec_unit: as systemd starts the unit file SD_UNIT (tests/lib/unitexec.py:
# its mount namespace, capabilities and seccomp filter), SD_WORK standing in
# for its state and runtime directories
sd_exec_unit() {
	local ns=$1
	shift
	exec python3 -S "$SEMNET_TOP/tests/lib/unitexec.py" --rw "$SD_WORK" --netns "/run/netns/$ns" \
		"$SD_UNIT" -- "$@"
}

# sd_launch NODE [ARGS...]: starts semnetd in NODE (ARGS override), with
# bridge br0, or routed when SEMNET_NODE_MODE is (tests/lib/topo.sh), and
# a WireGuard key of its own (the nodes share one file system). A
# service stays of interest for 10 minutes without traffic: a slow run
# under TCG must not see node a forget one between two cases (it took over
# 60 s on a loaded host); semnetd.sh shortens it where it tests that.
sd_launch() {
	local node=$1
	local mode=(--bridge br0) ul=(--underlay-addr "${SD_UL[$node]}")
	shift
	[ "$SEMNET_NODE_MODE" = routed ] && mode=(--mode routed)
	# An IPv6 underlay: found by semnetd, unless given to this node
	[ "$SEMNET_UNDERLAY" = 6 ] && [[ " $SD_UL_GIVEN " != *" $node "* ]] && ul=()
	rm -f "$SD_WORK/$node.ready"
	$SD_EXEC "$node" "${SD_SEMNETD:-semnetd}" --socket "$SD_WORK/$node.sock" --db "$SD_WORK/$node.db" \
		--sync normal --mqtt-port "$SD_MQTT_PORT" "${ul[@]}" \
		"${mode[@]}" --interest-idle-ms 600000 --interest-check-ms 500 \
		--ready-file "$SD_WORK/$node.ready" --wg-key "$SD_WORK/$node.wg.key" \
		"${SD_ARGS[@]}" "$@" >>"$SD_LOGS/$node.log" 2>&1 &
	SD_PID[$node]=$!
}

# ask N: N connections from namespace cli to $RR port 80 (the caller's RR
# address); who answered, one a line
ask() {
	local _
	for _ in $(seq "$1"); do
		ip netns exec cli socat -T15 -t15 - "TCP:$RR:80,connect-timeout=15" </dev/null
		echo
	done
}

# sd_start NODE [ARGS...]: (re)starts semnetd in NODE and waits until it serves
sd_start() {
	sd_launch "$@"
	wait_for_file "$SD_READY_WAIT" "$SD_WORK/$1.ready"
}

# sd_api NODE METHOD PATH [BODY]: prints "STATUS BODY"
sd_api() {
	local out code
	out=$(mktemp)
	code=$(curl -s -o "$out" -w '%{http_code}' --unix-socket "$SD_WORK/$1.sock" -X "$2" \
		-H 'Content-Type: application/json' ${4:+--data-binary "$4"} "http://localhost$3")
	printf '%s %s' "$code" "$(cat "$out")"
	rm -f "$out"
}

# sd_status NODE JQ: a field of GET /status
sd_status() {
	curl -s --unix-socket "$SD_WORK/$1.sock" http://localhost/status | jq -r "$2"
}

# sd_register NODE...: POST /register to each, then waits until all are ready
sd_register() {
	local n
	for n in "$@"; do
		sd_api "$n" POST /register "{\"client_id\":\"$n\",\"cluster_address\":\"$SD_BROKER\"}" |
			grep -q '^200 ' || return 1
	done
	for n in "$@"; do
		wait_for_output 10 ready sd_status "$n" .state || return 1
	done
}

# sd_service JOB_ID APP NS SVC SVCNS N: the orchestrator deploys a service
# with N instances (0..N-1) in cluster c1; prints the RR address. One curl
# for all the calls: every process start is slow under TCG.
sd_service() {
	local id=$1 job="$2.$3.$4.$5" n args=() out
	args=(-d "{\"_id\":\"$id\",\"deployment_descriptor\":{\"app_name\":\"$2\",\"app_ns\":\"$3\",\"service_name\":\"$4\",\"service_ns\":\"$5\"}}"
		"$SD_ROOT/api/net/service/deploy")
	for n in $(seq 0 $(($6 - 1))); do
		args+=(--next -s -H 'Content-Type: application/json'
			-d "{\"_id\":\"$id\",\"instance_number\":$n,\"cluster_id\":\"c1\"}"
			"$SD_ROOT/api/net/instance/deploy")
	done
	args+=(--next -s -H 'Content-Type: application/json'
		-d "{\"job_name\":\"$job\",\"job_id\":\"$id\"}" "$SD_CLUSTER/api/net/deployment")
	out=$(ip netns exec ctl curl -s -H 'Content-Type: application/json' "${args[@]}") || return 1
	[[ $out == *"{\"job_name\":\"$job\"}" ]] || return 1
	[[ $out =~ \"RR_ip\":\"([0-9.]+)\" ]] || return 1
	echo "${BASH_REMATCH[1]}"
}

# sd_rr_ip6 JOB_NAME: the service's IPv6 RR address, as the root has it
sd_rr_ip6() {
	sd_ctl_http GET "$SD_ROOT/api/net/service/$1/instances" |
		jq -r '[.. | objects | select(.IpType? == "RR") | .Address_v6 // empty] | first // empty'
}

# sd_closest_ip JOB_NAME: the service's Closest address, as the root has it
sd_closest_ip() {
	sd_ctl_http GET "$SD_ROOT/api/net/service/$1/instances" |
		jq -r '[.. | objects | select(.IpType? == "Closest") | .Address] | first // empty'
}

# sd_container NAME: a "container": a namespace with a sleeping process;
# prints its pid
sd_container() {
	ip netns add "$1" || return 1	# semnetd sets lo up with eth0
	TOPO_NETNS+=("$1")
	ip netns exec "$1" sleep infinity >/dev/null 2>&1 &
	SD_PID[$1]=$!
	echo "${SD_PID[$1]}"
}

# sd_deploy NODE CONTAINER JOB NUMBER [PORTS]: POST /container/deploy
sd_deploy() {
	sd_api "$1" POST /container/deploy \
		"{\"pid\":${SD_PID[$2]},\"serviceName\":\"$3\",\"instanceNumber\":$4,\"portMappings\":\"${5:-}\"}"
}

# sd_undeploy NODE JOB NUMBER
sd_undeploy() {
	sd_api "$1" POST /container/undeploy \
		"{\"pid\":-1,\"serviceName\":\"$2\",\"instanceNumber\":$3,\"portMappings\":\"\"}"
}

# sd_wait_instance_ip NODE JOB NUMBER: until the node knows the InstanceIP
sd_wait_instance_ip() {
	wait_until 15 sd_instance_ip "$@"
}

# sd_instance_ip NODE JOB NUMBER: the InstanceIP, when the node knows it
sd_instance_ip() {
	local ip
	ip=$(sd_status "$1" ".instances[] | select(.serviceName == \"$2\" and .instanceNumber == $3) | .instanceIp")
	[ -n "$ip" ] && [ "$ip" != null ] && echo "$ip"
}

# sd_instances NODE SERVICE: how many IPv4 instances of SERVICE NODE's
# kernel has (sd_instances6: IPv6 ones; a dual-stack instance is one of each)
sd_instances() {
	ip netns exec "$1" semnet -j instance show |
		jq "[.[] | select(.service == \"$2\" and (.address | contains(\":\") | not))] | length"
}
sd_instances6() {
	ip netns exec "$1" semnet -j instance show |
		jq "[.[] | select(.service == \"$2\" and (.address | contains(\":\")))] | length"
}

# sd_peers NODE: how many IPv4 peers (one per other node) NODE's kernel has
sd_peers() {
	ip netns exec "$1" semnet -j peer show | jq '[.[] | select(.subnet | contains(":") | not)] | length'
}

# sd_peers6 NODE: how many IPv6 peers (the other nodes' IPv6 subnets) it has
sd_peers6() {
	ip netns exec "$1" semnet -j peer show | jq '[.[] | select(.subnet | contains(":"))] | length'
}

# sd_stop NODE...: SIGTERM to each node's semnetd; a TAP line each for a
# clean exit, then the errors they logged as TAP comments
sd_stop() {
	local n
	for n in "$@"; do
		kill -TERM "${SD_PID[$n]}"
		wait "${SD_PID[$n]}"
		tap_eq "semnetd on $n exits cleanly on SIGTERM" "$?" 0
	done
	for n in "$@"; do grep -h "level=error" "$SD_LOGS/$n.log"; done | head -5 | sed 's/^/# /'
}

# sd_dump NODE...: kernel tables and the daemon's last log lines, as TAP
# comments (when an assertion failed)
sd_dump() {
	local n
	for n in "$@"; do
		echo "# --- node $n"
		ip netns exec "$n" semnet -s show 2>&1 | sed 's/^/#   /'
		tail -n 15 "$SD_LOGS/$n.log" | sed 's/^/#   /'
	done
}

sd_cleanup() {
	local p
	for p in $(jobs -p); do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	topo_cleanup
}
trap sd_cleanup EXIT
