#!/bin/sh
# SPDX-License-Identifier: MIT
# Started as root with --no-bpf, zeroserve drops everything at once: nobody,
# no capabilities in any set, no_new_privs, from its first request on. It
# proxies, serves its directory route and writes the access log it opened
# as root.
. "$ZS_TESTS/lib.sh"

[ "$(id -u)" = 0 ] || skip "not root (uid $(id -u)): nothing to drop"
unset SUDO_USER
uid=$(id -u nobody) || fail "no user nobody"
mkdir "$T/root"
printf 'static\n' >"$T/root/index.html"
PA=$(backend_start a)
ZS_ENGINE_ARGS=--no-bpf
zs_start --access-log "$T/access.log" "/=$T/root" "/echo=127.0.0.1:$PA"
expect_unprivileged "$uid"
expect_echo /echo/x a
code=$(zs_req /) || fail "GET / failed"
expect_eq "$code" 200 "GET / (directory route) status"
expect_eq "$(cat "$T/body")" static "GET / body"
zs_kill "$ZS_PID"
expect_eq "$(grep -c ' 200 ' "$T/access.log")" 2 "access-log lines"
grep -q "running as nobody (uid $uid; the default), no capabilities left" "$ZS_LOG" ||
	fail "no 'running as nobody' line"
exit 0
