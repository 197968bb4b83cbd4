#!/bin/sh
# SPDX-License-Identifier: MIT
# Without the kernel engine zeroserve still serves: with --no-bpf it logs
# one "kernel engine off: " line and listens with engine: userspace; as an
# unprivileged user (nobody) without --no-bpf it logs one "kernel engine
# unavailable: " line, listens with engine: userspace and proxies requests.
. "$ZS_TESTS/lib.sh"

kmsg_mark
PA=$(backend_start a)

# 1. --no-bpf
ZS_ENGINE_ARGS=--no-bpf
zs_start "/=127.0.0.1:$PA"
expect_echo /echo/off a
zs_kill "$ZS_PID"
expect_eq "$(grep -c 'kernel engine off: ' "$ZS_LOG")" 1 "'kernel engine off: ' lines with --no-bpf"
grep -Eq 'kernel engine (on|unavailable)' "$ZS_LOG" && fail "--no-bpf: $(grep 'kernel engine' "$ZS_LOG")"
grep -q "listening on http://127.0.0.1:$ZS_PORT/ (engine: userspace)" "$ZS_LOG" ||
	fail "--no-bpf: the listening line does not say engine: userspace"

# 2. Unprivileged, without --no-bpf.
bin=$ZS_BIN
if [ "$(id -u)" = 0 ]; then
	command -v setpriv >/dev/null 2>&1 || skip "setpriv (util-linux) is not installed"
	uid=$(id -u nobody) || skip "no user nobody"
	gid=$(getent group nogroup | cut -d: -f3)
	[ -n "$gid" ] || gid=$(id -g nobody)
	as_nobody="setpriv --reuid=$uid --regid=$gid --clear-groups"
	# nobody must be able to run the binary: a copy in $T if the build
	# directory is closed to it.
	if ! $as_nobody test -x "$bin"; then
		chmod 711 "$T"
		mkdir -m 755 "$T/nobody"
		cp "$bin" "$T/nobody/zeroserve"
		bin=$T/nobody/zeroserve
	fi
else
	[ "$(_zs_cap_bpf)" = 0 ] || skip "not root but with CAP_BPF: no unprivileged user to test as"
	as_nobody=
fi
ZS_STARTS=$((ZS_STARTS + 1))
ZS_LOG="$T/zeroserve.$ZS_STARTS.log"
# shellcheck disable=SC2086 # as_nobody is a word list
$as_nobody "$bin" -l "127.0.0.1:$ZS_PORT" "/=127.0.0.1:$PA" >"$ZS_LOG" 2>&1 </dev/null &
ZS_PID=$!
_zs_track "$ZS_PID"
_zs_wait_port "$ZS_PORT" "$ZS_PID" 5 || fail "unprivileged zeroserve did not start"
[ -z "$as_nobody" ] || expect_eq "$(awk '/^Uid:/ { print $3 }' "/proc/$ZS_PID/status")" "$uid" "zeroserve's effective uid"
i=0
while ! grep -q 'kernel engine' "$ZS_LOG" && [ $i -lt 40 ]; do
	sleep 0.05
	i=$((i + 1))
done
expect_echo /echo/unprivileged a
code=$(zs_req /bytes/100000) || fail "GET /bytes/100000 failed"
expect_eq "$code" 200 "GET /bytes/100000 status"
expect_eq "$(sha256sum <"$T/body" | cut -d' ' -f1)" "$(pattern_sha256 100000)" "GET /bytes/100000 body"
expect_eq "$(grep -c 'kernel engine unavailable: ' "$ZS_LOG")" 1 "'kernel engine unavailable: ' lines when unprivileged"
grep -q 'kernel engine on' "$ZS_LOG" && fail "unprivileged: $(grep 'kernel engine on' "$ZS_LOG")"
grep -q "listening on http://127.0.0.1:$ZS_PORT/ (engine: userspace)" "$ZS_LOG" ||
	fail "unprivileged: the listening line does not say engine: userspace"
grep 'kernel engine unavailable: ' "$ZS_LOG"
zs_kill "$ZS_PID"
kmsg_check
exit 0
