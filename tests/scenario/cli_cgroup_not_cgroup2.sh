#!/bin/sh
# SPDX-License-Identifier: MIT
# An explicit --cgroup that is a directory but not a cgroup v2 one (here the
# test's temp dir) is an error at start: exit 2 and a line saying so.
. "$ZS_TESTS/lib.sh"

mkdir "$T/plain"
st=0
# No $ZS_ENGINE_ARGS: make check's --no-bpf would be the other error.
timeout 5 "$ZS_BIN" -l "127.0.0.1:$ZS_PORT" --cgroup "$T/plain" "/=127.0.0.1:1" \
	>"$T/out" 2>"$T/err" </dev/null || st=$?
expect_eq "$st" 2 "exit status with --cgroup $T/plain"
grep -qF -- "--cgroup: $T/plain is not a cgroup v2 directory" "$T/err" ||
	fail "stderr does not say it is not a cgroup v2 directory: $(cat "$T/err")"
expect_eq "$(wc -l <"$T/err")" 1 "stderr lines"
exit 0
