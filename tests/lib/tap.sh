# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# TAP output for shell test scripts (scenarios and integration tests).
# Source it, assert with the functions below, and end with `tap_done`.
# Every assertion prints one line, `ok N - what` or `not ok N - what`;
# tests/run-all.sh counts these lines across all suites. The helpers'
# own variables start with _tap_: a command they run sees the caller's. A scenario is
# a list of test_* functions run by tap_cases; tap_skip_all (exit 4, as
# kselftest's KSFT_SKIP) when a tool it needs is missing.

# shellcheck source=tests/lib/wait.sh
. "${BASH_SOURCE[0]%/*}/wait.sh"
# shellcheck source=tests/lib/json.sh
. "${BASH_SOURCE[0]%/*}/json.sh"

TAP_N=0
TAP_FAILED=0
KSFT_SKIP=4
_tap_last=$SECONDS

# _tap_took: a comment with the seconds since the last result, when there
# were 5 or more (where a scenario's time goes, in every log).
_tap_took() {
	[ $((SECONDS - _tap_last)) -lt 5 ] || echo "# took $((SECONDS - _tap_last)) s"
	_tap_last=$SECONDS
}

tap_ok() {	# tap_ok WHAT: record a pass
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $*"
	_tap_took
}

tap_fail() {	# tap_fail WHAT [DETAIL...]: record a failure
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $1"
	shift
	local line
	for line in "$@"; do echo "#   $line"; done
	_tap_took
}

tap_run() {	# tap_run WHAT CMD...: passes when CMD exits 0
	local _tap_what=$1 _tap_out
	shift
	if _tap_out=$("$@" 2>&1); then
		tap_ok "$_tap_what"
	else
		tap_fail "$_tap_what" "command: $*" "exit: $?" "$(printf '%s' "$_tap_out" | tail -n 5)"
	fi
}

tap_fails() {	# tap_fails WHAT CMD...: passes when CMD exits non-zero
	local _tap_what=$1 _tap_out
	shift
	if _tap_out=$("$@" 2>&1); then
		tap_fail "$_tap_what" "command succeeded but should have failed: $*" \
			"$(printf '%s' "$_tap_out" | tail -n 5)"
	else
		tap_ok "$_tap_what"
	fi
}

tap_eq() {	# tap_eq WHAT GOT WANT
	if [ "$2" = "$3" ]; then
		tap_ok "$1"
	else
		tap_fail "$1" "got:  $2" "want: $3"
	fi
}

tap_match() {	# tap_match WHAT TEXT REGEX (grep -E)
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then
		tap_ok "$1"
	else
		tap_fail "$1" "text: $(printf '%s' "$2" | head -c 400)" "does not match: $3"
	fi
}

tap_note() {	# a diagnostic line, ignored by the counters
	echo "# $*"
}

tap_wait() {	# tap_wait WHAT TIMEOUT CMD...: passes when CMD exits 0 within TIMEOUT seconds (polled)
	local _tap_what=$1 _tap_t=$2
	shift 2
	if wait_until "$_tap_t" _tap_try "$@"; then
		tap_ok "$_tap_what"
	else
		tap_fail "$_tap_what" "command: $*" "still failing after ${_tap_t} s" \
			"$(printf '%s' "$_TAP_TRY_OUT" | tail -n 5)"
	fi
}
_tap_try() { _TAP_TRY_OUT=$("$@" 2>&1); }
_TAP_TRY_OUT=

tap_skip() {	# tap_skip WHAT WHY: an assertion that cannot run here (counted as ok, marked SKIP)
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP $2"
}

tap_skip_all() {	# tap_skip_all WHY: the scenario cannot run here; exits with KSFT_SKIP (4)
	[ "$TAP_N" -eq 0 ] && echo "1..0 # SKIP $*" || echo "# SKIP $*"
	exit "$KSFT_SKIP"
}

tap_need() {	# tap_need TOOL...: skip the whole scenario (exit 4) unless every TOOL is installed
	local _tap_t
	for _tap_t in "$@"; do
		command -v "$_tap_t" >/dev/null 2>&1 || tap_skip_all "$_tap_t is not installed"
	done
}

# tap_cases CASE...: runs each test function in turn under a "# CASE"
# header; a case that returns early (its setup failed) or with
# $KSFT_SKIP is named at the end, and the next case still runs. A case
# that is no function, or whose last command was not found (status 127),
# is a failed assertion: the scenario must not pass without it.
tap_cases() {
	local _tap_case _tap_rc _tap_failed='' _tap_before
	for _tap_case in "$@"; do
		echo "# $_tap_case"
		_tap_before=$TAP_FAILED
		if [ "$(type -t "$_tap_case")" != function ]; then
			tap_fail "$_tap_case: no such test function"
			_tap_failed+=" $_tap_case"
			continue
		fi
		"$_tap_case"
		_tap_rc=$?
		if [ "$_tap_rc" -eq 127 ] && [ "$TAP_FAILED" -eq "$_tap_before" ]; then
			tap_fail "$_tap_case: ended with status 127 (a command not found)"
		fi
		if [ "$_tap_rc" -eq "$KSFT_SKIP" ]; then
			tap_note "$_tap_case: skipped"
		elif [ "$_tap_rc" -ne 0 ] || [ "$TAP_FAILED" -ne "$_tap_before" ]; then
			_tap_failed+=" $_tap_case"
		fi
	done
	[ -z "$_tap_failed" ] || tap_note "failed cases:$_tap_failed"
}

count_of() {	# count_of LINE TEXT: how many lines of TEXT are exactly LINE
	grep -cx -- "$1" <<<"$2"
}

tap_jq() {	# tap_jq WHAT JSON FILTER WANT: passes when FILTER of JSON prints WANT
	tap_eq "$1" "$(json_get "$2" "$3")" "$4"
}
