#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# daemon/node/wg.c against the kernel's WireGuard (issue 18, stage 2's
# groundwork), through its command line semnet-wgtest
# (tests/e2e/links_wgtool.c); wireguard-tools' `wg` checks what it set:
#  - the device made over rtnl, kept when it exists, refused over a device
#    of another kind;
#  - the private key made once (0600, 32 bytes) and given to the kernel:
#    the public key read back equals `wg pubkey` of the file, and a
#    restart (a new device) reuses it;
#  - peers (public key, endpoint, keepalive, allowed-ips IPv4 and IPv6)
#    as `wg show` reports them; a ping over the link addresses makes a
#    real handshake, whose time and byte counters wg.c reads back;
#  - REPLACE_ALLOWEDIPS, REMOVE_ME; 150 peers and a peer with 300
#    allowed-ips over many small messages, read back coalesced;
#  - bad input (a key of the wrong length, a missing device, a device of
#    another kind, an allowed-ip with host bits, a key file readable by
#    others) gives its sentence and changes nothing.
#
#   netns wga                                 netns wgb
#   wg0 10.77.0.1/24 fd77::1/64               wg0 10.77.0.2/24 fd77::2/64
#     udp 51820 on ul 192.0.2.1/24 ---veth--- ul 192.0.2.2/24, udp 51821
# vm-timeout: 900
# vm-cost: 70
# shellcheck disable=SC2317 # test_* functions run from tap_cases
set -u
if [ "${SEMNET_IN_VM:-}" != 1 ]; then
	exec "$(dirname "$0")/../vm/run" "$0" "$@"
fi
# shellcheck source=tests/lib/tap.sh
. "$SEMNET_TOP/tests/lib/tap.sh"
# shellcheck source=tests/lib/topo.sh
. "$SEMNET_TOP/tests/lib/topo.sh"
tap_need wg semnet-wgtest python3 ping base64
export LC_ALL=C

A=wga B=wgb
DIR=$(mktemp -d /tmp/links_wg.XXXXXX)
trap 'topo_cleanup; rm -rf "$DIR"' EXIT

# The debian kernel has WireGuard as a module; the debug kernel built in.
modprobe wireguard 2>/dev/null

wgt() {	# wgt NS ARGS...: semnet-wgtest in NS
	local ns=$1
	shift
	ip netns exec "$ns" semnet-wgtest "$@"
}

# peers NS: `wg show wg0 dump`'s peer lines, sorted, without the
# handshake and byte counters (what was set, not what happened).
peers() {
	ip netns exec "$1" wg show wg0 dump | tail -n +2 | cut -f 1-4,8 | sort
}

# shown NS: wg.c's view of NS's wg0 (semnet-wgtest show) into SHOWN, one
# process for the fld calls after it.
SHOWN=''
shown() { SHOWN=$(wgt "$1" show wg0); }

# fld KEY N: field N of SHOWN's line for peer KEY (3 endpoint, 4 keepalive,
# 5 handshake seconds, 6 rx, 7 tx, 8 allowed-ips, sorted).
fld() {
	local v
	v=$(awk -v k="$1" -v n="$2" '$1 == "peer" && $2 == k { print $n }' <<<"$SHOWN")
	[ "$2" != 8 ] || v=$(tr ',' '\n' <<<"$v" | sort | paste -sd,)
	printf '%s\n' "$v"
}

handshake_nonzero() {
	local t
	shown "$1"
	t=$(fld "$2" 5)
	[ -n "$t" ] && [ "$t" -gt 0 ]
}

# keys N: N distinct random base64 keys, one a line.
keys() {
	python3 -c 'import base64, os, sys
for _ in range(int(sys.argv[1])): print(base64.b64encode(os.urandom(32)).decode())' "$1"
}

topo_netns "$A"
topo_netns "$B"
ip link add ul netns "$A" type veth peer name ul netns "$B"
ip -n "$A" addr add 192.0.2.1/24 dev ul
ip -n "$B" addr add 192.0.2.2/24 dev ul
ip -n "$A" link set ul up
ip -n "$B" link set ul up

PUB_A='' PUB_B=''

test_device() {
	local out again
	out=$(wgt "$A" add wg0 2>&1)
	tap_match "add: the device is made over rtnl" "$out" '^ifindex [0-9]+$'
	tap_eq "add: it is a WireGuard device" \
		"$(ip -n "$A" -d link show wg0 | grep -c 'wireguard')" 1
	again=$(wgt "$A" add wg0 2>&1)
	tap_eq "add again: the same device is kept" "$again" "$out"
	out=$(wgt "$A" add ul 2>&1)
	tap_eq "add over a veth: refused" "$?" 1
	tap_match "add over a veth: says it is not WireGuard" "$out" \
		'device ul exists and is not a WireGuard device \(veth\)'
	out=$(wgt "$A" add 0123456789abcdef 2>&1)
	tap_match "add with a 16-character name: refused" "$out" '1 to 15 characters'
	tap_run "add in b" wgt "$B" add wg0
}

test_keys() {
	local out mode
	out=$(wgt "$A" set wg0 key-file "$DIR/a.key" port 51820 2>&1)
	tap_eq "set key-file and port: one message" "$out" "messages 1"
	mode=$(stat -c '%a %s' "$DIR/a.key")
	tap_eq "the key file is mode 600, 32 bytes" "$mode" "600 32"
	PUB_A=$(wgt "$A" show wg0 | awk '$1 == "public_key" { print $2 }')
	tap_eq "the public key wg.c reads back is wg's" "$PUB_A" \
		"$(ip netns exec "$A" wg show wg0 public-key)"
	tap_eq "the public key is that of the file's private key" "$PUB_A" \
		"$(base64 -w0 "$DIR/a.key" | wg pubkey)"
	tap_eq "the listen port is set" "$(ip netns exec "$A" wg show wg0 listen-port)" 51820
	tap_eq "show: listen_port" "$(wgt "$A" show wg0 | awk '$1 == "listen_port" { print $2 }')" \
		51820

	wgt "$B" set wg0 key-file "$DIR/b.key" port 51821 >/dev/null
	PUB_B=$(wgt "$B" show wg0 | awk '$1 == "public_key" { print $2 }')
	tap_match "b has a key of its own" "$PUB_B" '^[A-Za-z0-9+/]{43}=$'
	if [ "$PUB_A" != "$PUB_B" ]; then
		tap_ok "a's and b's keys differ"
	else
		tap_fail "a's and b's keys differ" "both $PUB_A"
	fi

	# The private key is in no output of wg.c's: neither the file's bytes
	# nor the kernel's clamped copy.
	local priv_file priv_kernel shown
	priv_file=$(base64 -w0 "$DIR/a.key")
	priv_kernel=$(ip netns exec "$A" wg show wg0 private-key)
	shown=$(wgt "$A" show wg0; wgt "$A" set wg0 key-file "$DIR/a.key"; wgt "$A" key "$DIR/a.key")
	if grep -qF -e "$priv_file" -e "$priv_kernel" <<<"$shown"; then
		tap_fail "no output shows the private key" "$shown"
	else
		tap_ok "no output shows the private key"
	fi

	# A restart: a new device, the same file.
	tap_eq "key: the file is loaded, not made again" "$(wgt "$A" key "$DIR/a.key")" loaded
	ip -n "$A" link del wg0
	wgt "$A" add wg0 >/dev/null
	tap_eq "a new device starts without a key" \
		"$(ip netns exec "$A" wg show wg0 public-key)" "(none)"
	wgt "$A" set wg0 key-file "$DIR/a.key" port 51820 >/dev/null
	tap_eq "restart: the same public key" "$(ip netns exec "$A" wg show wg0 public-key)" \
		"$PUB_A"
	tap_eq "restart: the key file is unchanged" "$(stat -c '%a %s' "$DIR/a.key")" "600 32"
	# A key on stdin, never in argv: b's key makes a's device b's public
	# key; a's file then restores a's.
	wgt "$A" set wg0 private-key - <<<"$(base64 -w0 "$DIR/b.key")" >/dev/null
	tap_eq "private-key - (stdin): b's key gives b's public key" \
		"$(ip netns exec "$A" wg show wg0 public-key)" "$PUB_B"
	wgt "$A" set wg0 key-file "$DIR/a.key" >/dev/null
	tap_eq "key-file: a's public key again" "$(ip netns exec "$A" wg show wg0 public-key)" \
		"$PUB_A"
}

test_peers() {
	local want
	wgt "$A" set wg0 peer "$PUB_B" endpoint 192.0.2.2:51821 keepalive 25 \
		allowed 10.77.0.2/32,fd77::2/128 >/dev/null
	wgt "$B" set wg0 peer "$PUB_A" endpoint 192.0.2.1:51820 \
		allowed 10.77.0.1/32,fd77::1/128 >/dev/null
	want=$(printf '%s\t(none)\t192.0.2.2:51821\t10.77.0.2/32,fd77::2/128\t25' "$PUB_B")
	tap_eq "a's peer: key, endpoint, allowed-ips, keepalive" "$(peers "$A")" "$want"
	want=$(printf '%s\t(none)\t192.0.2.1:51820\t10.77.0.1/32,fd77::1/128\toff' "$PUB_A")
	tap_eq "b's peer: no keepalive" "$(peers "$B")" "$want"
	shown "$A"
	tap_eq "show: a's peer as wg.c reads it" "$(fld "$PUB_B" 3) $(fld "$PUB_B" 4) $(fld "$PUB_B" 8)" \
		"192.0.2.2:51821 25 10.77.0.2/32,fd77::2/128"
	tap_eq "show: no handshake yet" "$(fld "$PUB_B" 5)" 0
}

test_ping() {
	local ns rx tx
	for ns in "$A" "$B"; do
		ip -n "$ns" link set wg0 up
	done
	ip -n "$A" addr add 10.77.0.1/24 dev wg0
	ip -n "$B" addr add 10.77.0.2/24 dev wg0
	ip -n "$A" addr add fd77::1/64 dev wg0 nodad
	ip -n "$B" addr add fd77::2/64 dev wg0 nodad
	tap_run "ping a -> b over WireGuard" ip netns exec "$A" ping -c 2 -W 5 10.77.0.2
	tap_run "ping6 a -> b over WireGuard" ip netns exec "$A" ping -6 -c 2 -W 5 fd77::2
	tap_wait "a: wg.c reads a non-zero last handshake" 10 handshake_nonzero "$A" "$PUB_B"
	tap_wait "b: wg.c reads a non-zero last handshake" 10 handshake_nonzero "$B" "$PUB_A"
	shown "$A"
	rx=$(fld "$PUB_B" 6)
	tx=$(fld "$PUB_B" 7)
	tap_eq "a: rx and tx bytes read back equal wg's transfer" "$rx $tx" \
		"$(ip netns exec "$A" wg show wg0 transfer | cut -f 2,3 | tr '\t' ' ')"
	if [ "${rx:-0}" -gt 0 ] && [ "${tx:-0}" -gt 0 ]; then
		tap_ok "a: rx and tx bytes are counted"
	else
		tap_fail "a: rx and tx bytes are counted" "rx=$rx tx=$tx"
	fi
	shown "$B"
	tap_eq "b: the endpoint is a's" "$(fld "$PUB_A" 3)" 192.0.2.1:51820
}

test_allowed_ips() {
	wgt "$A" set wg0 peer "$PUB_B" allowed 10.77.5.0/24 >/dev/null
	shown "$A"
	tap_eq "without replace-allowed: added" "$(fld "$PUB_B" 8)" \
		"10.77.0.2/32,10.77.5.0/24,fd77::2/128"
	wgt "$A" set wg0 peer "$PUB_B" allowed 10.77.0.2/32,10.77.6.0/24 replace-allowed >/dev/null
	shown "$A"
	tap_eq "replace-allowed: only the new list" "$(fld "$PUB_B" 8)" \
		"10.77.0.2/32,10.77.6.0/24"
	tap_eq "the endpoint and keepalive stay" "$(fld "$PUB_B" 3) $(fld "$PUB_B" 4)" \
		"192.0.2.2:51821 25"
}

test_split() {
	local -a args=() k
	local out n want i
	ip -n "$A" link add wgs type wireguard
	mapfile -t k <<<"$(keys 151)"
	for ((i = 0; i < 150; i++)); do
		args+=(peer "${k[$i]}" allowed "10.78.$i.1/32,10.78.$i.2/32,fd78::$i/128" keepalive 5)
	done
	# The last peer: 300 allowed-ips.
	args+=(peer "${k[150]}" replace-allowed allowed
		"$(python3 -c 'print(",".join("10.79.%d.%d/32" % (i // 200, i % 200) for i in range(300)))')")
	out=$(ip netns exec "$A" semnet-wgtest set wgs port 0 msg-size 1024 "${args[@]}")
	n=${out#messages }
	if [ "${n:-0}" -gt 10 ] 2>/dev/null; then
		tap_ok "151 peers over $n messages of 1 KiB"
	else
		tap_fail "151 peers over many messages of 1 KiB" "got: $out"
	fi
	tap_eq "wg: 151 peers" "$(ip netns exec "$A" wg show wgs peers | wc -l)" 151
	tap_eq "wg: 750 allowed-ips" \
		"$(ip netns exec "$A" wg show wgs allowed-ips | cut -f 2 | tr ' ' '\n' | wc -l)" 750
	tap_eq "wg: the big peer kept all 300 (replace only in its first part)" \
		"$(ip netns exec "$A" wg show wgs allowed-ips | grep -F "${k[150]}" | cut -f 2 | wc -w)" 300
	want=$(printf '%s\n' "${k[@]:0:150}" | sort)
	tap_eq "wg: every peer key is there" "$(ip netns exec "$A" wg show wgs peers | grep -vxF "${k[150]}" | sort)" \
		"$want"
	out=$(ip netns exec "$A" semnet-wgtest show wgs)
	tap_eq "wg.c reads 151 peers back (split dumps coalesced)" "$(grep -c '^peer ' <<<"$out")" 151
	tap_eq "wg.c reads the big peer's 300 allowed-ips" \
		"$(awk -v k="${k[150]}" '$2 == k { print $8 }' <<<"$out" | tr ',' '\n' | wc -l)" 300
	tap_eq "wg.c reads peer 7's three" "$(awk -v k="${k[7]}" '$2 == k { print $8 }' <<<"$out")" \
		"10.78.7.1/32,10.78.7.2/32,fd78::7/128"
	out=$(ip netns exec "$A" semnet-wgtest set wgs replace-peers peer "${k[3]}" allowed 10.78.3.1/32)
	tap_eq "replace-peers: one peer left" "$(ip netns exec "$A" wg show wgs peers)" "${k[3]}"
	ip -n "$A" link del wgs
}

test_remove() {
	local k
	k=$(keys 1)
	wgt "$A" set wg0 peer "$k" allowed 10.77.9.0/24 >/dev/null
	tap_eq "a has two peers" "$(ip netns exec "$A" wg show wg0 peers | wc -l)" 2
	wgt "$A" set wg0 peer "$k" remove >/dev/null
	tap_eq "remove: only b is left" "$(ip netns exec "$A" wg show wg0 peers)" "$PUB_B"
}

# bad WHAT WANT ARGS...: `semnet-wgtest ARGS` in a fails saying WANT, and
# a's configuration is the same afterwards.
bad() {
	local what=$1 want=$2 before out rc
	shift 2
	before=$(ip netns exec "$A" wg show wg0 dump | cut -f 1-4,8)
	out=$(wgt "$A" "$@" 2>&1)
	rc=$?
	tap_eq "$what: exit 1" "$rc" 1
	tap_match "$what: says why" "$out" "$want"
	tap_eq "$what: nothing changed" "$(ip netns exec "$A" wg show wg0 dump | cut -f 1-4,8)" \
		"$before"
}

test_bad_input() {
	# The base64 of 31 and of 33 bytes, each 44 characters as a key's.
	local k31=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==
	local k33=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g
	bad "a peer key of 31 bytes" "peer key '$k31': not the base64 of 32 bytes" \
		set wg0 port 4000 peer "$k31" allowed 10.77.8.0/24
	bad "a private key of 33 bytes" "private key: not the base64 of 32 bytes" \
		set wg0 private-key - port 4000 <<<"$k33"
	bad "a private key on the command line" "never the key itself" set wg0 private-key "$k33" port 4000
	bad "an allowed-ip with host bits" "allowed-ip 1 is not a prefix" \
		set wg0 port 4000 peer "$PUB_B" replace-allowed allowed 10.77.0.2/32,10.77.7.1/24
	bad "a keepalive over 65535" "keepalive 70000 is not 0 to 65535 seconds" \
		set wg0 port 4000 peer "$PUB_B" keepalive 70000
	bad "a missing device" "cannot set WireGuard device nosuch0: no such device" \
		set nosuch0 port 4000
	bad "a device of another kind" "cannot set WireGuard device ul: not a WireGuard device" \
		set ul port 4000
	bad "show of a missing device" "cannot read WireGuard device nosuch0: no such device" \
		show nosuch0
	cp "$DIR/a.key" "$DIR/open.key"
	chmod 644 "$DIR/open.key"
	bad "a key file readable by others" "has mode 0644, readable by others: refused" \
		set wg0 key-file "$DIR/open.key" port 4000
	tap_eq "the refused key file is left as it was" "$(stat -c '%a %s' "$DIR/open.key")" "644 32"
	head -c 31 /dev/urandom >"$DIR/short.key"
	chmod 600 "$DIR/short.key"
	bad "a key file of 31 bytes" "has 31 bytes, not 32: refused" \
		set wg0 key-file "$DIR/short.key"
	tap_eq "the link still works" "$(ip netns exec "$A" ping -c 1 -W 5 10.77.0.2 >/dev/null && echo up)" up
}

tap_cases test_device test_keys test_peers test_ping test_allowed_ips test_split test_remove \
	test_bad_input
tap_done
