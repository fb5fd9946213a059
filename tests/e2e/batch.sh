#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Batches (SEMNET_A_SERVICES, SEMNET_A_INSTANCES): many objects in one
# request, applied in order up to the first that fails, whose extack offset
# points inside it; and semnet -batch, which sends consecutive adds that
# way, reporting a refused line as if it had been sent alone, stopping
# there (or, with -force, going on), and sending what waits before it
# reads more from a pipe.
#
#   netns n: br0 10.0.0.1/26, veth port p0
#   semnet node: platform 10.0.0.0/8, services 10.64.0.0/10
#   requests: raw generic netlink (tests/lib/genl.py's encoding) and the CLI
# vm-timeout: 600
# vm-cost: 24
# shellcheck disable=SC2317 # test_* functions run from tap_cases
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
# shellcheck source=tests/lib/tap.sh
. "$SEMNET_TOP/tests/lib/tap.sh"
# shellcheck source=tests/lib/topo.sh
. "$SEMNET_TOP/tests/lib/topo.sh"
tap_need jq python3

N=(ip netns exec n)
sn() { "${N[@]}" semnet "$@"; }
count() { sn -j stats | jq -r ".$1"; }
TMP=$(mktemp -d)
trap 'topo_cleanup; rm -rf "$TMP"' EXIT

topo_node n 10.0.0.0/26 10.0.0.1

# rawbatch KIND FIRST N BAD: one request of N entries of KIND (services or
# instances) from address FIRST, entry BAD (0-based; -1: none) a duplicate
# of entry 0; prints "errno E entry K" (K: the entry the error's offset
# lies in, -1 if none) and the extack message.
rawbatch() {
	"${N[@]}" python3 -S - "$@" <<-'EOF'
	import ipaddress, os, socket, struct, sys
	sys.path.insert(0, os.environ["SEMNET_TOP"] + "/tests/lib")
	import genl
	kind, first, n, bad = sys.argv[1], ipaddress.ip_address(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
	E = genl.E
	def entry(i):
	    a = first + (0 if i == bad else i)
	    if kind == "services":
	        body = genl.attr(E["SEMNET_A_SERVICE_ADDR"], a.packed) + \
	            genl.attr(E["SEMNET_A_SERVICE_NAME"], b"b%d\0" % (i % 7))
	        return genl.attr(E["SEMNET_A_SERVICE"] | genl.NLA_F_NESTED, body)
	    nsip = ipaddress.ip_address("10.128.0.0") + i
	    body = genl.attr(E["SEMNET_A_INSTANCE_ADDR"], a.packed) + \
	        genl.attr(E["SEMNET_A_INSTANCE_SERVICE"], b"b%d\0" % (i % 7)) + \
	        genl.attr(E["SEMNET_A_INSTANCE_NSIP"], nsip.packed)
	    return genl.attr(E["SEMNET_A_INSTANCE"] | genl.NLA_F_NESTED, body)
	entries = [entry(i) for i in range(n)]
	lst = E["SEMNET_A_SERVICES" if kind == "services" else "SEMNET_A_INSTANCES"]
	payload = genl.attr(lst | genl.NLA_F_NESTED, b"".join(entries))
	cmd = E["SEMNET_CMD_NEW_SERVICE" if kind == "services" else "SEMNET_CMD_NEW_INSTANCE"]
	sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, genl.NETLINK_GENERIC)
	sock.setsockopt(genl.SOL_NETLINK, genl.NETLINK_EXT_ACK, 1)
	sock.setsockopt(genl.SOL_NETLINK, 10, 1)
	sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
	sock.bind((0, 0))
	family = genl.resolve(sock)
	err, text, data = genl.request(sock, family, cmd, payload, genl.NLM_F_REQUEST | genl.NLM_F_ACK | 0x600)
	# NLMSGERR_ATTR_OFFS (2): bytes from the request's nlmsghdr.
	off, a = -1, 16 + 4 + 16
	while a + 4 <= len(data):
	    alen, atype = struct.unpack_from("HH", data, a)
	    if atype == 2:
	        off = struct.unpack_from("I", data, a + 4)[0]
	    a += (alen + 3) & ~3
	k, pos = -1, 16 + 4 + 4
	for i, e in enumerate(entries):
	    if pos <= off < pos + len(e):
	        k = i
	    pos += len(e)
	print(f"errno {err} entry {k} {text}".rstrip())
	EOF
}

test_node() {
	tap_run "node set" sn node set platform 10.0.0.0/8 services 10.64.0.0/10 \
		subnet 10.0.0.0/26 gateway 10.0.0.1 bridge br0
}

test_raw_batches() {
	local out
	out=$(rawbatch services 10.64.0.0 1000 -1)
	tap_eq "1000 services in one request" "$out" "errno 0 entry -1"
	tap_eq "... all there" "$(count services)" 1000
	out=$(rawbatch instances 10.80.0.0 1000 -1)
	tap_eq "1000 instances in one request" "$out" "errno 0 entry -1"
	tap_eq "... all there" "$(count instances)" 1000
	tap_eq "... each name's set has all of its instances" \
		"$(sn -j service show 10.64.0.1 | jq -r '.[0].instances')" 143
	# A duplicate as entry 600: 0..599 applied, the rest not.
	out=$(rawbatch services 10.65.0.0 1000 600)
	tap_match "a failing entry: its errno (EEXIST)" "$out" "^errno 17 "
	tap_match "... the offset lies in that entry" "$out" "^errno 17 entry 600 "
	tap_match "... and the kernel says why" "$out" "already exists"
	tap_eq "... the entries before it applied, none after" "$(count services)" 1600
	out=$(rawbatch instances 10.81.0.0 500 250)
	tap_match "instances: the failing entry named" "$out" "^errno 17 entry 250 "
	tap_eq "... the entries before it applied" "$(count instances)" 1250
	tap_eq "... and in their sets" \
		"$(sn -j service show | jq '[.[] | select(.address | startswith("10.64.")) | .instances] | max')" 179
	tap_run "flush instances" sn instance flush
	tap_run "flush services" sn service flush
}

# batchfile N FIRST: N service add lines from host number FIRST
service_lines() {
	awk -v n="$1" -v first="$2" 'BEGIN { for (i = 0; i < n; i++) { a = first + i
		printf "service add 10.%d.%d.%d name c%d\n", int(a / 65536) % 256 + 64,
			int(a / 256) % 256, a % 256, i % 5 } }'
}

test_cli_batch() {
	local out
	service_lines 3000 0 >"$TMP/ok"
	tap_run "semnet -batch: 3000 service adds" sn -batch "$TMP/ok"
	tap_eq "... all there" "$(count services)" 3000
	# Line 2501 repeats line 1: 2500 applied, the batch stops there.
	{ service_lines 2500 10000; service_lines 1 10000; service_lines 499 20000; } >"$TMP/dup"
	out=$(sn -batch "$TMP/dup" 2>&1)
	tap_eq "a refused add stops the batch (exit 1)" "$?" 1
	tap_eq "... reported at its line, in the kernel's words" "$out" \
		"semnet: line 2501: service add: service address already exists"
	tap_eq "... the lines before it applied, none after" "$(count services)" 5500
	tap_run "flush" sn service flush
	out=$(sn -force -batch "$TMP/dup" 2>&1)
	tap_eq "-force: exit 1" "$?" 1
	tap_eq "... the same message" "$out" \
		"semnet: line 2501: service add: service address already exists"
	tap_eq "... and the lines after it applied" "$(count services)" 2999
	# Mixed commands keep their order: a show sees the adds before it.
	{ service_lines 10 30000; echo "service show 10.64.117.57"; service_lines 2 30100; } >"$TMP/mixed"
	out=$(sn -j -batch "$TMP/mixed" 2>&1)
	tap_eq "a show after adds sees them" "$(jq -r '.[0].name' <<<"$out")" c4
	tap_run "flush" sn service flush
}

# Input from a pipe: what waits is sent before semnet -batch blocks.
test_cli_pipe() {
	local pid
	mkfifo "$TMP/fifo"
	sn -batch - <"$TMP/fifo" &
	pid=$!
	exec 9>"$TMP/fifo"
	echo "service add 10.64.9.9 name piped" >&9
	echo "service add 10.64.9.10 name piped" >&9
	tap_wait "adds from a pipe applied while it stays open" 20 \
		sh -c "ip netns exec n semnet -j stats | jq -e '.services == 2' >/dev/null"
	exec 9>&-
	wait "$pid"
	tap_eq "... and it exits 0 at the end" "$?" 0
	tap_run "flush" sn service flush
}

tap_cases test_node test_raw_batches test_cli_batch test_cli_pipe
tap_done
