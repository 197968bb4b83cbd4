#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, AF_INET6 sockets on IPv4 connections (v4-mapped, as a
# dual-stack program opens them): a client's AF_INET6 socket connected to
# ::ffff:127.0.0.1 (zeroserve's 127.0.0.1 listener), and a backend whose
# AF_INET6 socket listens on ::ffff:127.0.0.1 (route /=127.0.0.1:PORT).
# Their keys are the IPv4 sockets' at the other ends: the kernel carries
# the 40 keep-alive rounds (counters requests >= 70 of 80), byte exact,
# X-Forwarded-For 127.0.0.1 as with --no-bpf.
. "$ZS_TESTS/lib.sh"

$PYTHON -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null ||
	skip "no IPv6 loopback (::1)"
cg_setup
kmsg_mark
PA=$(BACKEND_HOST=::ffff:127.0.0.1 backend_start a)

# 40 rounds on one connection from HOST to zeroserve; the forwarding
# fields the backend saw (the same on every request) into FILE as JSON.
rounds() {
	zs_python "$ZS_TESTS/fwdrounds.py" "$ZS_PORT" "$1" "$2" || fail "40 rounds from $1 ($3)"
}

zs_start_kernel "/=127.0.0.1:$PA"
rounds ::ffff:127.0.0.1 "$T/kernel.json" kernel
zs_counters
requests=$(counter requests)
[ "$requests" -ge 70 ] || fail "the kernel carried $requests of 80 requests over v4-mapped sockets, want >= 70"
expect_eq "$(json_get "$T/kernel.json" 'd["x-forwarded-for"]')" "127.0.0.1" "X-Forwarded-For (kernel engine)"
expect_eq "$(json_get "$T/kernel.json" 'd["forwarded"]')" 'for=127.0.0.1;host="v6.localhost:8080";proto=http' "Forwarded (kernel engine)"
zs_kill "$ZS_PID"

ZS_ENGINE_ARGS=--no-bpf
zs_start "/=127.0.0.1:$PA"
rounds ::ffff:127.0.0.1 "$T/user.json" userspace
expect_eq "$(cat "$T/user.json")" "$(cat "$T/kernel.json")" "forwarding fields, --no-bpf against the kernel engine"
kmsg_check
exit 0
