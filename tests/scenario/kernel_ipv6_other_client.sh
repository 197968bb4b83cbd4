#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, an IPv6 client other than ::1 (fd00::5, on lo in a network
# namespace of this test's own): the kernel writes no such address in the
# forwarding fields, so its requests are served by the userspace engine
# (counters requests stay 0 for its 80), byte exact, and the backend sees
# X-Forwarded-For fd00::5 and Forwarded for="[fd00::5]", as with --no-bpf.
# A ::1 client of the same zeroserve is carried (requests >= 70 of 80).
. "$ZS_TESTS/lib.sh"

$PYTHON -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null ||
	skip "no IPv6 loopback (::1)"
netns_with_addr fd00::5
cg_setup
kmsg_mark
PA=$(backend_start a)
P6=$(zs_port)

# 40 rounds on one connection from HOST to zeroserve; the forwarding
# fields the backend saw (the same on every request) into FILE as JSON.
rounds() {
	zs_python "$ZS_TESTS/fwdrounds.py" "$ZS_PORT" "$1" "$2" || fail "40 rounds from $1 ($3)"
}

zs_start_kernel -l "[::]:$P6" "/=127.0.0.1:$PA"
ZS_PORT_V4=$ZS_PORT
ZS_PORT=$P6
rounds fd00::5 "$T/kernel.json" "kernel engine, fd00::5"
zs_counters
expect_eq "$(counter requests)" 0 "requests the kernel carried from fd00::5"
rounds ::1 "$T/kernel-v6.json" "kernel engine, ::1"
zs_counters
requests=$(counter requests)
[ "$requests" -ge 70 ] || fail "the kernel carried $requests of 80 requests from ::1, want >= 70"
expect_eq "$(json_get "$T/kernel.json" 'd["x-forwarded-for"]')" "fd00::5" "X-Forwarded-For (kernel engine)"
expect_eq "$(json_get "$T/kernel.json" 'd["forwarded"]')" 'for="[fd00::5]";host="v6.localhost:8080";proto=http' "Forwarded (kernel engine)"
zs_kill "$ZS_PID"

ZS_ENGINE_ARGS=--no-bpf
ZS_PORT=$ZS_PORT_V4
zs_start -l "[::]:$P6" "/=127.0.0.1:$PA"
ZS_PORT=$P6
rounds fd00::5 "$T/user.json" "userspace, fd00::5"
expect_eq "$(cat "$T/user.json")" "$(cat "$T/kernel.json")" "forwarding fields, --no-bpf against the kernel engine"
kmsg_check
exit 0
