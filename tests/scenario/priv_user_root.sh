#!/bin/sh
# SPDX-License-Identifier: MIT
# --user root keeps uid 0 but no capability in any set, with no_new_privs:
# it reads what root owns (a 0700 directory), nothing more.
. "$ZS_TESTS/lib.sh"

[ "$(id -u)" = 0 ] || skip "not root (uid $(id -u)): --user root needs root"
mkdir -m 700 "$T/private"
printf 'private\n' >"$T/private/index.html"
zs_start --user root "$T/private"
expect_unprivileged 0
expect_eq "$(zs_status CapBnd)" 0000000000000000 "CapBnd"
expect_eq "$(zs_req /)" 200 "GET / status"
expect_eq "$(cat "$T/body")" private "GET / body"
grep -q "running as root (uid 0; --user), no capabilities left" "$ZS_LOG" ||
	fail "no 'running as root' line"
exit 0
