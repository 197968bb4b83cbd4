#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, IPv6 end to end: a client on ::1 to zeroserve's [::1]
# listener, a backend listening on ::1 only (route /=[::1]:PORT). 40
# keep-alive rounds of an /echo and a 3000-byte /bytes come back byte exact,
# the kernel carried them (counters requests >= 70 of 80), and the backend
# saw X-Forwarded-For ::1 and Forwarded for="[::1]" on every request; with
# --no-bpf the backend sees the same forwarding fields.
. "$ZS_TESTS/lib.sh"

$PYTHON -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null ||
	skip "no IPv6 loopback (::1)"
cg_setup
kmsg_mark
PA=$(BACKEND_HOST=::1 backend_start a)

# 40 rounds on one connection from HOST to zeroserve; the forwarding
# fields the backend saw (the same on every request) into FILE as JSON.
rounds() {
	zs_python "$ZS_TESTS/fwdrounds.py" "$ZS_PORT" "$1" "$2" || fail "40 rounds from $1 ($3)"
}

zs_start_kernel -l "[::1]:$ZS_PORT" "/=[::1]:$PA"
rounds ::1 "$T/kernel.json" kernel
zs_counters
requests=$(counter requests)
[ "$requests" -ge 70 ] || fail "the kernel carried $requests of 80 requests from ::1 to [::1]:$PA, want >= 70"
expect_eq "$(json_get "$T/kernel.json" 'd["x-forwarded-for"]')" "::1" "X-Forwarded-For (kernel engine)"
expect_eq "$(json_get "$T/kernel.json" 'd["forwarded"]')" 'for="[::1]";host="v6.localhost:8080";proto=http' "Forwarded (kernel engine)"
zs_kill "$ZS_PID"

ZS_ENGINE_ARGS=--no-bpf
zs_start -l "[::1]:$ZS_PORT" "/=[::1]:$PA"
rounds ::1 "$T/user.json" userspace
expect_eq "$(cat "$T/user.json")" "$(cat "$T/kernel.json")" "forwarding fields, --no-bpf against the kernel engine"
kmsg_check
exit 0
