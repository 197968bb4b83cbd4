#!/bin/sh
# SPDX-License-Identifier: MIT
# An explicit --cgroup that does not exist is an error at start: one line
# naming the path and the problem, exit 2, nothing listening (not a log line
# and a start on the userspace engine).
. "$ZS_TESTS/lib.sh"

st=0
# No $ZS_ENGINE_ARGS: make check's --no-bpf would be the other error.
timeout 5 "$ZS_BIN" -l "127.0.0.1:$ZS_PORT" --cgroup "$T/no-such-cgroup" "/=127.0.0.1:1" \
	>"$T/out" 2>"$T/err" </dev/null || st=$?
expect_eq "$st" 2 "exit status with --cgroup $T/no-such-cgroup"
grep -q -- "--cgroup" "$T/err" || fail "stderr does not name --cgroup: $(cat "$T/err")"
grep -qF "$T/no-such-cgroup" "$T/err" || fail "stderr does not name the path: $(cat "$T/err")"
grep -q "No such file or directory" "$T/err" || fail "stderr does not say what is wrong: $(cat "$T/err")"
expect_eq "$(wc -l <"$T/err")" 1 "stderr lines"
[ ! -s "$T/out" ] || fail "wrote to stdout: $(cat "$T/out")"
exit 0
