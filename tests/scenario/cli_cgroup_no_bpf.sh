#!/bin/sh
# SPDX-License-Identifier: MIT
# --cgroup together with --no-bpf is an error at start (the cgroup is for the
# kernel engine, which --no-bpf turns off): exit 2, a line naming both,
# whatever the order and even when the cgroup exists.
. "$ZS_TESTS/lib.sh"

cg=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break } }' /proc/self/mountinfo)
[ -n "$cg" ] || cg=$T
for args in "--cgroup $cg --no-bpf" "--no-bpf --cgroup $cg"; do
	st=0
	# shellcheck disable=SC2086 # args is a word list
	timeout 5 "$ZS_BIN" -l "127.0.0.1:$ZS_PORT" $args "/=127.0.0.1:1" \
		>"$T/out" 2>"$T/err" </dev/null || st=$?
	expect_eq "$st" 2 "exit status with $args"
	grep -q -- "--cgroup and --no-bpf together" "$T/err" ||
		fail "$args: stderr does not name the conflict: $(cat "$T/err")"
	expect_eq "$(wc -l <"$T/err")" 1 "$args: stderr lines"
done
exit 0
