#!/bin/sh
# SPDX-License-Identifier: MIT
# A malformed route is one line on stderr naming it and exit status 2.
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
# The message names the route or at least its bad target.
for r in /api= = /api=https://x:1 /api=http://x /api=127.0.0.1:99999 /api=127.0.0.1: \
	/api=http://127.0.0.1:0x/ /api=x:1:2; do
	want=$r
	target=${r#*=}
	[ -n "$target" ] && want="$r|$target"
	expect_usage_error "$want" -l "127.0.0.1:$port" "$r"
done
exit 0
