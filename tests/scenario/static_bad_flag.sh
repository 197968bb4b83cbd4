#!/bin/sh
# SPDX-License-Identifier: MIT
# Bad values of the directory options exit 2 with one line naming them; a
# DIRECTORY route that is not a directory too.
. "$ZS_TESTS/lib.sh"

expect_usage_error() {
	want=$1
	shift
	st=0
	timeout 3 "$ZS_BIN" $ZS_ENGINE_ARGS "$@" >"$T/out" 2>"$T/err" </dev/null || st=$?
	[ "$st" -eq 2 ] || fail "zeroserve $*: exit status $st, want 2; stderr: $(cat "$T/err")"
	n=$(wc -l <"$T/err")
	[ "$n" -eq 1 ] || fail "zeroserve $*: $n lines on stderr, want 1: $(cat "$T/err")"
	grep -qF -- "$want" "$T/err" || fail "zeroserve $*: stderr does not name '$want': $(cat "$T/err")"
}

mkdir "$T/root"
port=$(zs_port)
expect_usage_error "--cache" -l "127.0.0.1:$port" --cache '' "$T/root"
expect_usage_error "--cache" -l "127.0.0.1:$port" --cache "$(printf 'a\001b')" "$T/root"
expect_usage_error "--cache" -l "127.0.0.1:$port" "$T/root" --cache
expect_usage_error "--browse" -l "127.0.0.1:$port" --browse=yes "$T/root"
expect_usage_error "$T/nonexistent" -l "127.0.0.1:$port" "/=$T/nonexistent"
exit 0
