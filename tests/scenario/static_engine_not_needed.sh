#!/bin/sh
# SPDX-License-Identifier: MIT
# A start with no backend routes (a directory only; no routes: the welcome
# page) logs "kernel engine not needed: no backend routes", not "unavailable",
# loads no BPF at all (no bpf-prog or bpf-map descriptor in the process) and
# serves on the userspace engine. Without --no-bpf, as make check runs it.
. "$ZS_TESTS/lib.sh"

mkdir "$T/root"
printf 'static\n' >"$T/root/index.html"
ZS_ENGINE_ARGS=
for routes in "/=$T/root" ""; do
	# shellcheck disable=SC2086 # routes is empty or one word
	zs_start $routes
	expect_eq "$(grep -c 'kernel engine not needed: no backend routes' "$ZS_LOG")" 1 \
		"'kernel engine not needed' lines (routes: $routes)"
	grep -Eq 'kernel engine (on|off|unavailable)' "$ZS_LOG" &&
		fail "routes '$routes': $(grep 'kernel engine' "$ZS_LOG")"
	grep -q "listening on http://127.0.0.1:$ZS_PORT/ (engine: userspace)" "$ZS_LOG" ||
		fail "routes '$routes': the listening line does not say engine: userspace"
	code=$(zs_req /) || fail "GET / failed"
	expect_eq "$code" 200 "GET / status (routes: $routes)"
	bpf=$(ls -l "/proc/$ZS_PID/fd" 2>/dev/null | grep -c 'anon_inode:bpf' || :)
	expect_eq "$bpf" 0 "BPF descriptors in zeroserve (routes: $routes)"
	zs_kill "$ZS_PID"
done
exit 0
