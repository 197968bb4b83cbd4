#!/bin/sh
# SPDX-License-Identifier: MIT
# --user NAME: started as root, zeroserve serves as NAME (its uid, its own
# group only, no capabilities) and says so.
. "$ZS_TESTS/lib.sh"

[ "$(id -u)" = 0 ] || skip "not root (uid $(id -u)): --user needs root"
user=
for u in daemon bin sys; do
	getent passwd "$u" >/dev/null && user=$u && break
done
[ -n "$user" ] || fail "no user daemon, bin or sys to run as"
uid=$(id -u "$user")
gid=$(id -g "$user")
mkdir "$T/root"
printf 'static\n' >"$T/root/index.html"
zs_start --user "$user" "$T/root"
expect_unprivileged "$uid"
expect_eq "$(zs_status Gid)" "$gid $gid $gid $gid" "Gid (real, effective, saved, fs)"
expect_eq "$(zs_status Groups)" "$gid " "supplementary groups"
code=$(zs_req /) || fail "GET / failed"
expect_eq "$code" 200 "GET / status"
grep -q "running as $user (uid $uid; --user), no capabilities left" "$ZS_LOG" ||
	fail "no 'running as $user' line"
exit 0
