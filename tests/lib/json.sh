# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# JSON with jq: a field of a document, and of the semnet CLI's JSON output
# in a namespace. Sourced by tests/lib/tap.sh.

json_get() {	# json_get JSON FILTER: FILTER (jq, raw output) applied to JSON
	printf '%s' "$1" | jq -r "$2"
}

jq_in() {	# jq_in NS FILTER ARGS...: FILTER of `semnet -j ARGS` run in namespace NS
	ip netns exec "$1" semnet -j "${@:3}" | jq -r "$2"
}

stat_in() {	# stat_in NS COUNTER: a counter of `semnet stats` in NS
	jq_in "$1" ".$2" stats
}

drop_in() {	# drop_in NS REASON: a drop counter (e.g. no_instance) of `semnet stats` in NS
	jq_in "$1" ".drops[\"$2\"]" stats
}

tap_done() {	# print the plan; exit non-zero when anything failed
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
	exit $?
}
