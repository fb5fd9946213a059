#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# semnet-cluster's endpoint discovery (issue 18, daemon/LINKS.md §4) as a
# node uses it, against the daemon itself:
#
#   node (python, 127.0.0.1:P) --request--> semnet-cluster --stun-port S, S+1
#                              <--"127.0.0.1:P via S"--
#
# Both ports answer the same socket with its own address and port; junk
# and short requests are counted, not answered; /api/net/status says so;
# a second cluster on the same ports does not start, saying why.
# tests/unit/test_stun.c covers the messages and the rate limit in depth.
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib/tap.sh
. ../lib/tap.sh
# shellcheck source=tests/integration/managers-lib.sh
. ./managers-lib.sh
tap_need mosquitto curl jq python3

it_build
start_broker
# shellcheck disable=SC2119 # no extra options
start_root

# Two consecutive free UDP ports.
STUN=$(python3 -c '
import socket
for _ in range(50):
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("127.0.0.1", 0))
    p = a.getsockname()[1]
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        b.bind(("127.0.0.1", p + 1)); print(p); break
    except OSError:
        pass
')
start_cluster c1 --stun-port "$STUN"

# ask PORT...: one socket asks each PORT; prints "ADDR:PORT via V" per
# answer, then its own address, or "none" for a port that did not answer.
ask() {
	python3 - "$@" <<'PY'
import json, os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(2)
nonce = os.urandom(16).hex()
req = json.dumps({"semnet_stun": 1, "nonce": nonce, "pad": ""}, separators=(",", ":"))
req = req.replace('"pad":""', '"pad":"' + "." * (256 - len(req)) + '"')
for port in sys.argv[1:]:
    s.sendto(req.encode(), ("127.0.0.1", int(port)))
    try:
        a = json.loads(s.recv(2048))
        assert a["nonce"] == nonce
        print("%s:%d via %d" % (a["addr"], a["port"], a["via"]))
    except socket.timeout:
        print("none")
print("self 127.0.0.1:%d" % s.getsockname()[1])
PY
}

test_answers() {
	local out me
	out=$(ask "$STUN" "$((STUN + 1))")
	me=$(sed -n 's/^self //p' <<<"$out")
	tap_eq "port $STUN answers with the node's own address and port" \
		"$(sed -n 1p <<<"$out")" "$me via $STUN"
	tap_eq "port $((STUN + 1)) answers the same socket the same (no NAT here)" \
		"$(sed -n 2p <<<"$out")" "$me via $((STUN + 1))"
}

test_refusals() {
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
p = int(sys.argv[1])
s.sendto(b"junk", ("127.0.0.1", p))
s.sendto(b"{\"semnet_stun\":1,\"nonce\":\"00112233445566778899aabbccddeeff\"}", ("127.0.0.1", p))
s.settimeout(0.5)
try:
    s.recv(2048); print("answered")
except socket.timeout:
    print("silent")
' "$STUN" >"$WORK/refused"
	tap_eq "junk and a short request get no answer" "$(cat "$WORK/refused")" silent
	tap_eq "status counts them under discovery" \
		"$(curl -s "$CLUSTER/api/net/status" | jq -c '.discovery | [.port, .answered, .malformed, .short]')" \
		"[$STUN,2,1,1]"
}

test_ports_taken() {
	local rc
	"$SEMNET_BUILD/bin/semnet-cluster" --cluster-id c2 --listen 127.0.0.1 --port 0 \
		--db "$WORK/c2.db" --root-url "$ROOT" --mqtt-host 127.0.0.1 --mqtt-port "$MQTT_PORT" \
		--stun-port "$STUN" 2>"$WORK/c2.log"
	rc=$?
	tap_eq "a second cluster on the same discovery ports exits 1" "$rc" 1
	tap_match "saying why" "$(cat "$WORK/c2.log")" "cannot listen on 127.0.0.1 UDP ports $STUN and $((STUN + 1))"
}

test_answers
test_refusals
test_ports_taken
stop_daemon "$CLUSTER_PID" "$WORK/cluster-c1.log" semnet-cluster
tap_done
