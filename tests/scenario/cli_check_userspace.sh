#!/bin/sh
# SPDX-License-Identifier: MIT
# zeroserve --check exits 1 when the kernel engine would not run, and its
# engine line says why: --no-bpf, or no backend routes (directories only, or
# no routes at all: the welcome page), whatever the environment. The
# environment lines are printed all the same.
. "$ZS_TESTS/lib.sh"

mkdir "$T/root"
check() {
	_want=$1
	shift
	st=0
	timeout 10 "$ZS_BIN" --check -l "127.0.0.1:$ZS_PORT" "$@" >"$T/out" 2>"$T/err" </dev/null || st=$?
	expect_eq "$st" 1 "--check $* exit status (stdout: $(cat "$T/out"); stderr: $(cat "$T/err"))"
	expect_eq "$(tail -n 1 "$T/out")" "engine: userspace ($_want)" "--check $*: engine line"
	for name in kernel "kernel BTF" capabilities lockdown "cgroup v2" cgroup bpffs user; do
		grep -q "^$name: " "$T/out" || fail "--check $*: no '$name:' line: $(cat "$T/out")"
	done
	[ ! -s "$T/err" ] || fail "--check $*: wrote to stderr: $(cat "$T/err")"
}
check "kernel engine off: --no-bpf" --no-bpf "/=127.0.0.1:1"
check "kernel engine not needed: no backend routes" "/=$T/root"
check "kernel engine not needed: no backend routes"
exit 0
