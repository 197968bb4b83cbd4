#!/bin/sh
# SPDX-License-Identifier: MIT
# Started as root without --user, zeroserve serves as the user in SUDO_USER
# (sudo's caller, who can read its own files) when that names an existing
# user other than root; else as nobody.
. "$ZS_TESTS/lib.sh"

[ "$(id -u)" = 0 ] || skip "not root (uid $(id -u)): nothing to switch"
user=
for u in daemon bin sys; do
	getent passwd "$u" >/dev/null && user=$u && break
done
[ -n "$user" ] || fail "no user daemon, bin or sys to stand for sudo's caller"
nobody=$(id -u nobody) || fail "no user nobody"
mkdir "$T/root"
printf 'static\n' >"$T/root/index.html"

start_as() {
	SUDO_USER=$1
	export SUDO_USER
	zs_start "$T/root"
	expect_unprivileged "$2"
	expect_eq "$(zs_req /)" 200 "GET / status with SUDO_USER=$1"
	grep -q "running as .* (uid $2; $3), no capabilities left" "$ZS_LOG" ||
		fail "SUDO_USER=$1: no 'running as ... (uid $2; $3)' line: $(grep 'running as' "$ZS_LOG")"
	zs_kill "$ZS_PID"
}
start_as "$user" "$(id -u "$user")" SUDO_USER
start_as root "$nobody" "the default"
start_as no-such-user-zs "$nobody" "the default"
exit 0
