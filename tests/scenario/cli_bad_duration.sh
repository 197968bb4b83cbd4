#!/bin/sh
# SPDX-License-Identifier: MIT
# A bad duration is one line on stderr naming it and exit status 2.
. "$ZS_TESTS/lib.sh"

# expect_usage_error WANT ARGS...: zeroserve ARGS exits 2 by itself within 3 s
# with exactly one line on stderr containing WANT (or one of its |-separated
# alternatives).
expect_usage_error() {
	want=$1
	shift
	st=0
	timeout 3 "$ZS_BIN" $ZS_ENGINE_ARGS "$@" >"$T/out" 2>"$T/err" </dev/null || st=$?
	[ "$st" -eq 2 ] || fail "zeroserve $*: exit status $st, want 2; stderr: $(cat "$T/err")"
	n=$(wc -l <"$T/err")
	[ "$n" -eq 1 ] || fail "zeroserve $*: $n lines on stderr, want 1: $(cat "$T/err")"
	named=no
	rest=$want
	while :; do
		alt=${rest%%|*}
		grep -qF -- "$alt" "$T/err" && named=yes
		[ "$alt" = "$rest" ] && break
		rest=${rest#*|}
	done
	[ "$named" = yes ] || fail "zeroserve $*: stderr does not name '$want': $(cat "$T/err")"
}

port=$(zs_port)
expect_usage_error abc -l "127.0.0.1:$port" --upstream-timeout abc /=:1
expect_usage_error 10x -l "127.0.0.1:$port" --idle-timeout 10x /=:1
expect_usage_error -5 -l "127.0.0.1:$port" --header-timeout -5 /=:1
expect_usage_error 1.5.2s -l "127.0.0.1:$port" --connect-timeout 1.5.2s /=:1
expect_usage_error 99999999999999 -l "127.0.0.1:$port" --shutdown-timeout 99999999999999 /=:1
exit 0
