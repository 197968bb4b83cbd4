#!/bin/sh
# SPDX-License-Identifier: MIT
# A route that is a near miss of a backend exits 2 with one line naming the
# fix; a port out of range names the range; no sound guess keeps the
# "is not a directory" message.
. "$ZS_TESTS/lib.sh"

# expect_usage_error WANT ARGS...: exit status 2 within 3 s, one line on
# stderr containing WANT.
expect_usage_error() {
	want=$1
	shift
	st=0
	timeout 3 "$ZS_BIN" $ZS_ENGINE_ARGS "$@" >"$T/out" 2>"$T/err" </dev/null || st=$?
	[ "$st" -eq 2 ] || fail "zeroserve $*: exit status $st, want 2; stderr: $(cat "$T/err")"
	n=$(wc -l <"$T/err")
	[ "$n" -eq 1 ] || fail "zeroserve $*: $n lines on stderr, want 1: $(cat "$T/err")"
	grep -qF -- "$want" "$T/err" || fail "zeroserve $*: stderr lacks '$want': $(cat "$T/err")"
}

cd "$T" || fail "cd $T"
port=$(zs_port)
expect_usage_error "did you mean :3000?" -l "127.0.0.1:$port" 3000x
expect_usage_error "did you mean :3000?" -l "127.0.0.1:$port" 3000/
expect_usage_error "did you mean :3001?" -l "127.0.0.1:$port" /api=3001x
expect_usage_error "did you mean http://localhost:3000/app?" -l "127.0.0.1:$port" \
	localhost:3000/app
expect_usage_error "port 0 out of range (1-65535)" -l "127.0.0.1:$port" 0
expect_usage_error "port 70000 out of range (1-65535)" -l "127.0.0.1:$port" 70000
expect_usage_error "port 65536 out of range (1-65535)" -l "127.0.0.1:$port" /api=65536
expect_usage_error "'3000ms' is not a directory" -l "127.0.0.1:$port" 3000ms
expect_usage_error "'dist' is not a directory" -l "127.0.0.1:$port" dist
exit 0
