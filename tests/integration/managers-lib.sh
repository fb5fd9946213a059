# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Helpers for the managers' integration tests (semnet-root, semnet-cluster,
# a real mosquitto broker), sourced after tests/lib/tap.sh. Everything runs
# on 127.0.0.1 with ports the kernel picks and a fresh mktemp directory, so
# parallel runs do not collide. Binaries: $SEMNET_BUILD/bin (default: the
# ASan/UBSan build in build/asan, built here when missing).

TOP=$(cd ../.. && pwd)	# the tests cd to tests/integration first
SEMNET_BUILD=${SEMNET_BUILD:-$TOP/build/asan}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/semnet-it.XXXXXX")
PIDS=""
# Leak checks stay on: a daemon that leaks fails its clean-shutdown check.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# shellcheck disable=SC2034 # read by tests/lib/wait.sh
WAIT_POLL=0.05	# tests/lib/wait.sh: the daemons answer in milliseconds here

it_cleanup() {
	for pid in $PIDS; do kill -9 "$pid" 2>/dev/null; done
	wait 2>/dev/null
	if [ "${KEEP_WORK:-0}" = 1 ]; then echo "# work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap it_cleanup EXIT

it_build() {	# incremental; SEMNET_NO_BUILD=1 uses $SEMNET_BUILD as it is
	if [ "${SEMNET_NO_BUILD:-0}" != 1 ]; then
		make -s -C "$TOP/daemon" -j2 SANITIZE=1 BUILD="$SEMNET_BUILD" \
			"$SEMNET_BUILD/bin/semnet-root" "$SEMNET_BUILD/bin/semnet-cluster" >"$WORK/build.log" 2>&1 ||
			{ cat "$WORK/build.log"; echo "Bail out! build failed"; exit 1; }
	fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_file PATH [SECONDS]: until PATH exists and is not empty
wait_file() {
	wait_for_file "${2:-10}" "$1"
}

# broker_up: the broker on $MQTT_PORT takes a message
broker_up() {
	mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT" -t probe -m x 2>/dev/null
}

# start_broker: a mosquitto on 127.0.0.1:$MQTT_PORT
start_broker() {
	for _ in 1 2 3; do
		MQTT_PORT=$(free_port)
		# Unbounded queues: a burst of answers to one subscriber is not dropped.
		printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\nset_tcp_nodelay true\n' "$MQTT_PORT" \
			>"$WORK/mosquitto.conf"
		mosquitto -c "$WORK/mosquitto.conf" >"$WORK/mosquitto.log" 2>&1 &
		MQTT_PID=$!
		PIDS="$PIDS $MQTT_PID"
		wait_until 5 broker_up && return 0
		kill "$MQTT_PID" 2>/dev/null
	done
	echo "Bail out! mosquitto does not start"; cat "$WORK/mosquitto.log"; exit 1
}

# restart_broker: kill the broker and start it again on the same port (its
# retained messages are gone: persistence is off)
restart_broker() {
	kill "$MQTT_PID"
	wait "$MQTT_PID" 2>/dev/null
	mosquitto -c "$WORK/mosquitto.conf" >>"$WORK/mosquitto.log" 2>&1 &
	MQTT_PID=$!
	PIDS="$PIDS $MQTT_PID"
	wait_until 5 broker_up || { echo "Bail out! mosquitto does not restart"; exit 1; }
}

# start_root [ARGS...]: semnet-root on an ephemeral port ($ROOT_PORT if set);
# sets ROOT_PID, ROOT
start_root() {
	rm -f "$WORK/root.port"
	"$SEMNET_BUILD/bin/semnet-root" --listen 127.0.0.1 --port "${ROOT_PORT:-0}" --ready-file "$WORK/root.port" \
		--db "$WORK/root.db" --sync normal --push-backoff-ms 50 "$@" 2>>"$WORK/root.log" &
	ROOT_PID=$!
	PIDS="$PIDS $ROOT_PID"
	wait_file "$WORK/root.port" || { echo "Bail out! semnet-root does not start"; cat "$WORK/root.log"; exit 1; }
	ROOT="http://127.0.0.1:$(cat "$WORK/root.port")"
}

# start_cluster ID [ARGS...]: semnet-cluster; sets CLUSTER_PID, CLUSTER
start_cluster() {
	id=$1
	shift
	rm -f "$WORK/cluster-$id.port"
	"$SEMNET_BUILD/bin/semnet-cluster" --cluster-id "$id" --listen 127.0.0.1 --port 0 \
		--ready-file "$WORK/cluster-$id.port" --db "$WORK/cluster-$id.db" --sync normal \
		--root-url "$ROOT" --mqtt-host 127.0.0.1 --mqtt-port "$MQTT_PORT" \
		--retry-backoff-ms 50 "$@" 2>>"$WORK/cluster-$id.log" &
	CLUSTER_PID=$!
	PIDS="$PIDS $CLUSTER_PID"
	wait_file "$WORK/cluster-$id.port" ||
		{ echo "Bail out! semnet-cluster does not start"; cat "$WORK/cluster-$id.log"; exit 1; }
	CLUSTER="http://127.0.0.1:$(cat "$WORK/cluster-$id.port")"
	wait_until 5 cluster_up && return 0
	echo "Bail out! semnet-cluster does not register"; cat "$WORK/cluster-$id.log"; exit 1
}

# cluster_up: $CLUSTER registered at the root and reached the broker
cluster_up() {
	curl -s "$CLUSTER/api/net/status" | grep -q '"registered":true,"mqtt_connected":true'
}

# stop_daemon PID LOG WHAT: SIGTERM, expect exit 0 and no sanitizer report
stop_daemon() {
	kill -TERM "$1"
	wait "$1"
	rc=$?
	tap_eq "$3 exits cleanly on SIGTERM" "$rc" 0
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$2"; then
		tap_fail "$3 ran without sanitizer reports" "$(grep -m3 -E 'Sanitizer|runtime error' "$2")"
	else
		tap_ok "$3 ran without sanitizer reports"
	fi
}

# http METHOD URL [BODY]: prints "STATUS BODY"
http() {
	if [ -n "${3:-}" ]; then
		curl -s -o "$WORK/http.out" -w '%{http_code}' -X "$1" -H 'Content-Type: application/json' \
			--data-binary "$3" "$2" >"$WORK/http.code"
	else
		curl -s -o "$WORK/http.out" -w '%{http_code}' -X "$1" "$2" >"$WORK/http.code"
	fi
	printf '%s %s' "$(cat "$WORK/http.code")" "$(cat "$WORK/http.out")"
}

# http_match WHAT REGEX METHOD URL [BODY]: a TAP line, passing when the
# request's "STATUS BODY" matches REGEX
http_match() {
	tap_match "$1" "$(http "${@:3}")" "$2"
}

# http_eq WHAT WANT METHOD URL [BODY]: a TAP line, passing when the
# request's "STATUS BODY" is WANT
http_eq() {
	tap_eq "$1" "$(http "${@:3}")" "$2"
}

# The node side of MQTT: one subscriber logging every message ("topic payload"
# per line) to $WORK/mqtt.log from the start, so no answer is missed.
start_listener() {
	if [ -n "${LISTENER_PID:-}" ]; then	# one listener at a time: no duplicate lines
		kill "$LISTENER_PID" 2>/dev/null
		wait "$LISTENER_PID" 2>/dev/null
	fi
	touch "$WORK/mqtt.log"	# exists before the background job opens it
	mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -q 1 -v -t 'nodes/#' -t 'jobs/#' -t 'semnet/#' \
		-t 'listener/ready' >>"$WORK/mqtt.log" 2>&1 &
	LISTENER_PID=$!
	PIDS="$PIDS $LISTENER_PID"
	wait_until 5 listener_ready || { echo "Bail out! mosquitto_sub does not listen"; exit 1; }
}

# listener_ready: a message published now reaches the listener's log
listener_ready() {
	mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT" -q 1 -t listener/ready -m "$LISTENER_PID"
	grep -q "^listener/ready $LISTENER_PID\$" "$WORK/mqtt.log"
}

# mqtt_pub TOPIC PAYLOAD
mqtt_pub() {
	mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT" -q 1 -t "$1" -m "$2"
}

# mqtt_count TOPIC: messages seen so far on TOPIC
mqtt_count() {
	awk -v t="$1" '$1 == t' "$WORK/mqtt.log" | wc -l
}

# mqtt_wait TOPIC N: waits (10 s) for the Nth message on TOPIC, prints its payload
mqtt_wait() {
	wait_until 10 mqtt_nth "$1" "$2"
}

# mqtt_nth TOPIC N: the payload of the Nth message on TOPIC, if there is one
mqtt_nth() {
	awk -v t="$1" -v n="$2" '$1 == t { if (++c == n) { sub(/^[^ ]* /, ""); print; f = 1; exit } }
		END { exit !f }' "$WORK/mqtt.log"
}

# mqtt_match WHAT REGEX REQ_TOPIC RESULT_TOPIC PAYLOAD: a TAP line, passing
# when the answer to the request matches REGEX
mqtt_match() {
	tap_match "$1" "$(mqtt_request "${@:3}")" "$2"
}

# mqtt_eq WHAT WANT REQ_TOPIC RESULT_TOPIC PAYLOAD: a TAP line, passing when
# the answer to the request is WANT
mqtt_eq() {
	tap_eq "$1" "$(mqtt_request "${@:3}")" "$2"
}

# mqtt_request REQ_TOPIC RESULT_TOPIC PAYLOAD: publish, print the next answer
mqtt_request() {
	n=$(($(mqtt_count "$2") + 1))
	mqtt_pub "$1" "$3"
	mqtt_wait "$2" "$n"
}
