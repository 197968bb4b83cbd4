#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, an IPv4 client on a dual-stack listener (-l [::]:PORT):
# zeroserve's socket is AF_INET6 and names the client ::ffff:127.0.0.1, so
# the kernel writes X-Forwarded-For ::ffff:127.0.0.1 and Forwarded
# for="[::ffff:127.0.0.1]" too, while a client of the same zeroserve's
# 127.0.0.1 listener stays 127.0.0.1; an IPv6 client of [::] is ::1. Each
# of the three clients' 40 keep-alive rounds of an /echo and a 3000-byte
# /bytes come back byte exact and the kernel carried them (counters
# requests >= 210 of 240); --no-bpf gives the backend the same fields.
. "$ZS_TESTS/lib.sh"

$PYTHON -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null ||
	skip "no IPv6 loopback (::1)"
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
rounds 127.0.0.1 "$T/kernel-mapped.json" "kernel, IPv4 on [::]"
rounds ::1 "$T/kernel-v6.json" "kernel, IPv6 on [::]"
ZS_PORT=$ZS_PORT_V4
rounds 127.0.0.1 "$T/kernel-v4.json" "kernel, IPv4 on 127.0.0.1"
zs_counters
requests=$(counter requests)
[ "$requests" -ge 210 ] || fail "the kernel carried $requests of 240 requests, want >= 210"
expect_eq "$(json_get "$T/kernel-mapped.json" 'd["x-forwarded-for"]')" "::ffff:127.0.0.1" "X-Forwarded-For of IPv4 on [::] (kernel engine)"
expect_eq "$(json_get "$T/kernel-mapped.json" 'd["forwarded"]')" 'for="[::ffff:127.0.0.1]";host="v6.localhost:8080";proto=http' "Forwarded of IPv4 on [::] (kernel engine)"
expect_eq "$(json_get "$T/kernel-v6.json" 'd["x-forwarded-for"]')" "::1" "X-Forwarded-For of ::1 on [::] (kernel engine)"
expect_eq "$(json_get "$T/kernel-v4.json" 'd["x-forwarded-for"]')" "127.0.0.1" "X-Forwarded-For of IPv4 on 127.0.0.1 (kernel engine)"
zs_kill "$ZS_PID"

ZS_ENGINE_ARGS=--no-bpf
zs_start -l "[::]:$P6" "/=127.0.0.1:$PA"
ZS_PORT=$P6
rounds 127.0.0.1 "$T/user-mapped.json" "userspace, IPv4 on [::]"
rounds ::1 "$T/user-v6.json" "userspace, IPv6 on [::]"
ZS_PORT=$ZS_PORT_V4
rounds 127.0.0.1 "$T/user-v4.json" "userspace, IPv4 on 127.0.0.1"
for k in mapped v6 v4; do
	expect_eq "$(cat "$T/user-$k.json")" "$(cat "$T/kernel-$k.json")" "forwarding fields ($k), --no-bpf against the kernel engine"
done
kmsg_check
exit 0
