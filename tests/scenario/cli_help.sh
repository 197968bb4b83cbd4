#!/bin/sh
# SPDX-License-Identifier: MIT
# -h and --help print the usage on stdout and exit 0 without starting.
. "$ZS_TESTS/lib.sh"

for opt in -h --help; do
	st=0
	timeout 3 "$ZS_BIN" $ZS_ENGINE_ARGS "$opt" >"$T/out" 2>"$T/err" </dev/null || st=$?
	[ "$st" -eq 0 ] || fail "zeroserve $opt: exit status $st, want 0; stderr: $(cat "$T/err")"
	grep -qi usage "$T/out" || fail "zeroserve $opt: no usage on stdout: $(head -c 300 "$T/out")"
	for word in ROUTE -l --no-bpf --upstream-timeout --access-log; do
		grep -qF -- "$word" "$T/out" || fail "zeroserve $opt: usage does not mention $word"
	done
	[ ! -s "$T/err" ] || fail "zeroserve $opt: wrote to stderr: $(cat "$T/err")"
done
# --help wins over arguments that would otherwise start a server.
port=$(zs_port)
st=0
timeout 3 "$ZS_BIN" $ZS_ENGINE_ARGS -l "127.0.0.1:$port" --help /=:1 >"$T/out" 2>"$T/err" </dev/null || st=$?
[ "$st" -eq 0 ] || fail "zeroserve -l ... --help ROUTE: exit status $st, want 0"
grep -qi usage "$T/out" || fail "zeroserve -l ... --help ROUTE: no usage on stdout"
exit 0
