# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Waiting without fixed sleeps: poll a command until it succeeds or a
# timeout runs out. Sourced by tests/lib/tap.sh (and topo.sh), so every
# scenario has these. TIMEOUT is in seconds and may have a fraction
# ("0.5"). The helpers' own variables start with _w_: the commands they
# poll see the caller's. WAIT_POLL (default 0.2 s: each try may start several
# processes, slow in a TCG guest) is the pause between tries.

WAIT_POLL=${WAIT_POLL:-0.2}

# _wait_usec SECONDS: SECONDS ("2", "0.5") in microseconds
_wait_usec() {
	local _w_s=${1%%.*} _w_f=
	[[ $1 == *.* ]] && _w_f=${1#*.}
	_w_f=${_w_f}000000
	echo $(( ${_w_s:-0} * 1000000 + 10#${_w_f:0:6} ))
}

# wait_until TIMEOUT CMD...: polls CMD until it exits 0; returns 0 then, or CMD's last status once TIMEOUT has passed
wait_until() {
	local _w_end _w_rc
	_w_end=$(( ${EPOCHREALTIME//[!0-9]/} + $(_wait_usec "$1") ))
	shift
	while :; do
		"$@" && return 0
		_w_rc=$?
		[ "${EPOCHREALTIME//[!0-9]/}" -lt "$_w_end" ] || return "$_w_rc"
		sleep "$WAIT_POLL"
	done
}

# stays_for SECONDS WANT CMD...: CMD prints WANT throughout SECONDS (a "nothing happens" check); fails as soon as it does not
stays_for() {
	local _w_end _w_want=$2
	_w_end=$(( ${EPOCHREALTIME//[!0-9]/} + $(_wait_usec "$1") ))
	shift 2
	while [ "${EPOCHREALTIME//[!0-9]/}" -lt "$_w_end" ]; do
		[ "$("$@")" = "$_w_want" ] || return 1
		sleep "$WAIT_POLL"
	done
}

# counter_at_least WANT CMD...: succeeds when CMD prints a number >= WANT (a test for wait_until)
counter_at_least() {
	local _w_want=$1 _w_got
	shift
	_w_got=$("$@") || return 1
	[[ $_w_got =~ ^-?[0-9]+$ ]] && [ "$_w_got" -ge "$_w_want" ]
}

# wait_for_counter TIMEOUT WANT CMD...: waits until CMD (e.g. a semnet stats counter) prints a number >= WANT
wait_for_counter() {
	local _w_t=$1
	shift
	wait_until "$_w_t" counter_at_least "$@"
}

# lines_at_least N FILE: succeeds when FILE has N lines or more (a test for wait_until)
lines_at_least() {
	[ -f "$2" ] && [ "$(wc -l <"$2")" -ge "$1" ]
}

# wait_for_output TIMEOUT WANT CMD...: waits until CMD prints exactly WANT
wait_for_output() {
	local _w_t=$1
	shift
	wait_until "$_w_t" _wait_output_is "$@"
}
_wait_output_is() { local _w_want=$1; shift; [ "$("$@")" = "$_w_want" ]; }

# wait_for_file TIMEOUT PATH: waits until PATH exists and is not empty
wait_for_file() {
	wait_until "$1" test -s "$2"
}

# wait_gone TIMEOUT PID...: waits until every process PID has exited
wait_gone() {
	wait_until "$1" _wait_not_running "${@:2}"
}
_wait_not_running() {
	local _w_p
	for _w_p in "$@"; do kill -0 "$_w_p" 2>/dev/null && return 1; done
	return 0
}

# wait_port NS PORT [PROTO] [TIMEOUT]: waits until something listens on PORT (tcp or udp) in namespace NS ("" = this one);
# TIMEOUT 30 s by default: on the debug kernel beside another VM, starting
# a server through timeout and ip netns exec has taken over 5 s
wait_port() {
	WAIT_POLL=0.1 wait_until "${4:-30}" _wait_listening "$@"
}
_wait_listening() {
	local flag=-tln
	[ "${3:-tcp}" = udp ] && flag=-uln
	if [ -n "$1" ]; then
		ip netns exec "$1" ss -H "$flag" "sport = :$2" | grep -q .
	else
		ss -H "$flag" "sport = :$2" | grep -q .
	fi
}
