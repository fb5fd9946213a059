# SPDX-License-Identifier: GPL-2.0
# TAP output for shell test scripts (scenarios and integration tests).
# Source it, assert with the functions below, and end with `tap_done`.
# Every assertion prints one line, `ok N - what` or `not ok N - what`;
# tests/run-all.sh counts these lines across all suites.

TAP_N=0
TAP_FAILED=0

tap_ok() {	# tap_ok WHAT: record a pass
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $*"
}

tap_fail() {	# tap_fail WHAT [DETAIL...]: record a failure
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $1"
	shift
	local line
	for line in "$@"; do echo "#   $line"; done
}

tap_run() {	# tap_run WHAT CMD...: passes when CMD exits 0
	local what out
	what=$1
	shift
	if out=$("$@" 2>&1); then
		tap_ok "$what"
	else
		tap_fail "$what" "command: $*" "exit: $?" "$(printf '%s' "$out" | tail -n 5)"
	fi
}

tap_fails() {	# tap_fails WHAT CMD...: passes when CMD exits non-zero
	local what out
	what=$1
	shift
	if out=$("$@" 2>&1); then
		tap_fail "$what" "command succeeded but should have failed: $*" "$(printf '%s' "$out" | tail -n 5)"
	else
		tap_ok "$what"
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

tap_done() {	# print the plan; exit non-zero when anything failed
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
	exit $?
}
