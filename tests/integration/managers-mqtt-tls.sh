#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# semnet-cluster's MQTT over TLS with broker authentication (issue 17,
# item 4), against a real mosquitto on loopback:
#
#   semnet-root (HTTP) <-- semnet-cluster --TLS--> mosquitto :LOGIN  TLS, password file
#                                           \----> mosquitto :CERT   TLS, client certificate
#                                                    ^               required (its CN is the
#                       mosquitto_pub/_sub as a node-+               username), as Oakestra's
#                                           \----> mosquitto :MISNAMED  override-mosquitto-auth
#                                                    TLS, a certificate for another host name
#
# The certificates are made here with openssl: a CA, the broker's (CN and
# SAN 127.0.0.1), the cluster's with an encrypted key (as Oakestra's README
# makes cluster_net.key), a node's, and a second CA that signed none of them.
# Messages flow both ways over each listener (a node's subnet request and its
# answer); a wrong password, no client certificate, a wrong CA and a broker
# certificate for another host are refused with a log line that says why;
# bad files stop the daemon at startup.
# semnetd's MQTT client is the same sn_mqtt code with the same settings, but
# semnetd needs the kernel module to start, so it is not run here.
# shellcheck disable=SC2317 # helpers run through wait_until
cd "$(dirname "$0")" || exit 1
# shellcheck source=tests/lib/tap.sh
. ../lib/tap.sh
# shellcheck source=tests/integration/managers-lib.sh
. ./managers-lib.sh
tap_need mosquitto mosquitto_pub mosquitto_sub mosquitto_passwd openssl curl

TLS=$WORK/tls

# cert NAME CN CA [openssl req options...]: NAME.key and NAME.crt signed by CA
cert() {
	local name=$1 cn=$2 ca=$3
	shift 3
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$cn" \
		-keyout "$TLS/$name.key" -out "$TLS/$name.csr" "$@" 2>/dev/null &&
	openssl x509 -req -in "$TLS/$name.csr" -CA "$TLS/$ca.crt" -CAkey "$TLS/$ca.key" \
		-CAcreateserial -days 1 -copy_extensions copyall -out "$TLS/$name.crt" 2>/dev/null
}

make_certs() {
	mkdir -p "$TLS"
	for ca in ca other-ca; do
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
			-subj "/CN=semnet test $ca" -keyout "$TLS/$ca.key" -out "$TLS/$ca.crt" \
			2>/dev/null || return 1
	done
	cert broker localhost ca -addext "subjectAltName = IP:127.0.0.1, DNS:localhost" &&
	cert misnamed elsewhere ca -addext "subjectAltName = DNS:elsewhere" &&
	cert cluster cluster ca && cert node1 node1 ca || return 1
	# The cluster's key encrypted, its password in a file.
	echo "key pass phrase" >"$TLS/cluster.keypass"
	openssl pkey -in "$TLS/cluster.key" -aes256 -passout "file:$TLS/cluster.keypass" \
		-out "$TLS/cluster.enc.key" || return 1
	echo "s3cret" >"$TLS/cluster.pass"
	echo "wrong" >"$TLS/wrong.pass"
	mosquitto_passwd -c -b "$TLS/passwd" cluster s3cret &&
	mosquitto_passwd -b "$TLS/passwd" node1 n0de
}

# The listeners: LOGIN_PORT, CERT_PORT, and MISNAMED_PORT (anonymous, with a
# certificate from the right CA for another host).
start_tls_broker() {
	LOGIN_PORT=$(free_port)
	CERT_PORT=$(free_port)
	MISNAMED_PORT=$(free_port)
	# user root: started as root, mosquitto would become "mosquitto", who
	# cannot read the files in this test's private directory.
	cat >"$WORK/mosquitto-tls.conf" <<EOF
user root
per_listener_settings true
persistence false
set_tcp_nodelay true
listener $LOGIN_PORT 127.0.0.1
cafile $TLS/ca.crt
certfile $TLS/broker.crt
keyfile $TLS/broker.key
allow_anonymous false
password_file $TLS/passwd
listener $CERT_PORT 127.0.0.1
cafile $TLS/ca.crt
certfile $TLS/broker.crt
keyfile $TLS/broker.key
require_certificate true
use_identity_as_username true
allow_anonymous false
listener $MISNAMED_PORT 127.0.0.1
cafile $TLS/ca.crt
certfile $TLS/misnamed.crt
keyfile $TLS/misnamed.key
allow_anonymous true
EOF
	mosquitto -c "$WORK/mosquitto-tls.conf" >"$WORK/mosquitto.log" 2>&1 &
	MQTT_PID=$!
	PIDS="$PIDS $MQTT_PID"
	wait_until 10 node_pub login probe x ||
		{ echo "Bail out! mosquitto does not start"; cat "$WORK/mosquitto.log"; exit 1; }
}

# The node's side over either listener: node_args login|cert
node_args() {
	if [ "$1" = login ]; then
		echo "-h 127.0.0.1 -p $LOGIN_PORT --cafile $TLS/ca.crt -u node1 -P n0de"
	else
		echo "-h 127.0.0.1 -p $CERT_PORT --cafile $TLS/ca.crt --cert $TLS/node1.crt --key $TLS/node1.key"
	fi
}

# node_pub login|cert TOPIC PAYLOAD
node_pub() {
	# shellcheck disable=SC2046 # the arguments, split on purpose
	mosquitto_pub $(node_args "$1") -q 1 -t "$2" -m "$3" 2>/dev/null
}

# node_request login|cert NODE: the node asks for its subnet, prints the answer
node_request() {
	local out=$WORK/answer-$2 sub
	: >"$out"
	# shellcheck disable=SC2046
	mosquitto_sub $(node_args "$1") -q 1 -v -W 15 -t "nodes/$2/net/subnetwork/result" \
		-t "ready/$2" >"$out" 2>/dev/null &
	sub=$!
	# Subscribed once its own probe comes back.
	wait_until 10 probe_back "$1" "$2" "$out"
	node_pub "$1" "nodes/$2/net/subnet" '{"METHOD":"GET"}'
	wait_until 10 grep -q "^nodes/$2/net/subnetwork/result " "$out"
	kill "$sub" 2>/dev/null
	wait "$sub" 2>/dev/null
	sed -n "s|^nodes/$2/net/subnetwork/result ||p" "$out"
}

# probe_back login|cert NODE FILE: a probe published now shows in FILE
probe_back() {
	node_pub "$1" "ready/$2" x
	grep -q "^ready/$2 " "$3"
}

# cluster_connected: the cluster's status says it reached the broker
cluster_connected() {
	curl -s "$CLUSTER/api/net/status" | grep -q '"mqtt_connected":true'
}

# run_cluster NAME ARGS...: a semnet-cluster that may not connect; sets
# CLUSTER_PID, CLUSTER (its log: $WORK/cluster-NAME.log)
run_cluster() {
	local name=$1
	shift
	"$SEMNET_BUILD/bin/semnet-cluster" --cluster-id "$name" --listen 127.0.0.1 --port 0 \
		--ready-file "$WORK/$name.port" \
		--db "$WORK/$name.db" --sync normal --root-url "$ROOT" --mqtt-host 127.0.0.1 \
		"$@" 2>>"$WORK/cluster-$name.log" &
	CLUSTER_PID=$!
	PIDS="$PIDS $CLUSTER_PID"
	wait_file "$WORK/$name.port" 30 || return 1
	CLUSTER="http://127.0.0.1:$(cat "$WORK/$name.port")"
}

# --- messages flow ------------------------------------------------------------

# A username and password over TLS, the broker checked against the test CA.
case_password() {
	run_cluster login --mqtt-port "$LOGIN_PORT" --mqtt-cafile "$TLS/ca.crt" \
		--mqtt-username cluster --mqtt-password-file "$TLS/cluster.pass" ||
		{ tap_fail "semnet-cluster starts with TLS and a password"; return 1; }
	tap_wait "semnet-cluster logs in over TLS with a password" 20 cluster_connected
	tap_match "a node's subnet request and its answer cross the TLS listener" \
		"$(node_request login n1)" '^\{"address":"172\.16\.0\.0",'
	stop_daemon "$CLUSTER_PID" "$WORK/cluster-login.log" "semnet-cluster (password)"
}

# A client certificate whose key is encrypted, as Oakestra's cluster uses.
case_client_cert() {
	run_cluster cert --profile oakestra --mqtt-port "$CERT_PORT" --mqtt-cafile "$TLS/ca.crt" \
		--mqtt-certfile "$TLS/cluster.crt" --mqtt-keyfile "$TLS/cluster.enc.key" \
		--mqtt-keyfile-password-file "$TLS/cluster.keypass" --mqtt-tls-version tlsv1.3 ||
		{ tap_fail "semnet-cluster starts with a client certificate"; return 1; }
	tap_wait "semnet-cluster connects with a client certificate" 20 cluster_connected
	tap_match "a node's subnet request and its answer cross the certificate listener" \
		"$(node_request cert n2)" '^\{"address":"172\.16\.0\.64",'
	tap_match "the broker took the certificate's CN as the username" \
		"$(cat "$WORK/mosquitto.log")" 'u.cluster.'
	stop_daemon "$CLUSTER_PID" "$WORK/cluster-cert.log" "semnet-cluster (certificate)"
}

# --- refusals -------------------------------------------------------------------

# refused NAME WHAT REGEX ARGS...: the cluster runs but never connects, and
# its log says why (REGEX)
refused() {
	local name=$1 what=$2 re=$3
	shift 3
	run_cluster "$name" "$@" || { tap_fail "semnet-cluster starts ($what)"; return 1; }
	tap_wait "$what: refused, the log says why" 20 \
		grep -qE "$re" "$WORK/cluster-$name.log"
	if cluster_connected; then
		tap_fail "$what: never connected"
	else
		tap_ok "$what: never connected"
	fi
	stop_daemon "$CLUSTER_PID" "$WORK/cluster-$name.log" "semnet-cluster ($what)"
}

case_wrong_password() {
	refused wrong-pass "a wrong password" \
		'level=warn .*msg="mqtt: broker refused the connection: Connection Refused: not authori[sz]ed' \
		--mqtt-port "$LOGIN_PORT" --mqtt-cafile "$TLS/ca.crt" \
		--mqtt-username cluster --mqtt-password-file "$TLS/wrong.pass"
}

case_no_client_cert() {
	refused no-cert "no client certificate" \
		'level=warn .*msg="mqtt: OpenSSL Error.*(certificate required|handshake failure)' \
		--mqtt-port "$CERT_PORT" --mqtt-cafile "$TLS/ca.crt"
}

case_wrong_ca() {
	refused wrong-ca "a broker certificate from another CA" \
		'level=warn .*msg="mqtt: OpenSSL Error.*certificate verify failed' \
		--mqtt-port "$LOGIN_PORT" --mqtt-cafile "$TLS/other-ca.crt" \
		--mqtt-username cluster --mqtt-password-file "$TLS/cluster.pass"
}

case_wrong_host() {
	refused wrong-host "a broker certificate for another host" \
		'level=warn .*msg="mqtt: Error: host name verification failed' \
		--mqtt-port "$MISNAMED_PORT" --mqtt-cafile "$TLS/ca.crt"
}

# startup_refused WHAT REGEX ARGS...: exits 2 at once, saying REGEX
startup_refused() {
	local what=$1 re=$2 out rc
	shift 2
	out=$("$SEMNET_BUILD/bin/semnet-cluster" --db "$WORK/never.db" "$@" 2>&1)
	rc=$?
	tap_eq "$what: exit status" "$rc" 2
	tap_match "$what: the reason" "$out" "$re"
}

case_bad_files() {
	startup_refused "a missing certificate file" \
		"^semnet-cluster: mqtt-certfile $TLS/missing.crt: No such file or directory$" \
		--mqtt-certfile "$TLS/missing.crt" --mqtt-keyfile "$TLS/cluster.key"
	startup_refused "a key without its certificate" \
		'^semnet-cluster: mqtt-keyfile without mqtt-certfile: a client certificate needs both$' \
		--mqtt-keyfile "$TLS/cluster.key"
	startup_refused "a CA file that holds a key" \
		"^semnet-cluster: mqtt-cafile $TLS/ca.key holds no PEM CERTIFICATE$" \
		--mqtt-cafile "$TLS/ca.key"
	startup_refused "an unreadable CA (a directory)" \
		"^semnet-cluster: mqtt-cafile $TLS: Is a directory$" --mqtt-cafile "$TLS"
	tap_fails "the database was never opened" test -e "$WORK/never.db"
}

it_build
make_certs || { echo "Bail out! openssl cannot make the certificates"; exit 1; }
start_tls_broker
start_root
tap_cases case_password case_client_cert case_wrong_password case_no_client_cert \
	case_wrong_ca case_wrong_host case_bad_files
stop_daemon "$ROOT_PID" "$WORK/root.log" "semnet-root"
tap_done
