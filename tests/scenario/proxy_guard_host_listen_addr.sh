#!/bin/sh
# SPDX-License-Identifier: MIT
# The address zeroserve listens on is an allowed Host: with -l ADDR:PORT on
# a non-loopback address of this machine, Host: ADDR (any port) is served;
# listening there does not turn the check off: attacker.example is still
# refused, on either listener.
. "$ZS_TESTS/lib.sh"

# A network namespace with a second address: every machine has one then.
netns_with_addr 192.0.2.2
addr=$ZS_NETNS_ADDR
PA=$(backend_start a)
P2=$(zs_port)
zs_start -l "$addr:$P2" "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" "$T/backend-a.requests" "$addr" "$P2" <<'PY' || fail "Host: the listen address $addr"
import sys
import guard
from rawhttp import build
port, rec, addr, p2 = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
for i, host in enumerate([addr, "%s:%d" % (addr, p2), "%s:%d" % (addr, port)]):
    guard.served(port, build("GET", "/echo/served-%d" % i, host), "a", "Host: " + host)
guard.refused(port, build("GET", "/echo/refused-1", "attacker.example"),
              "Host", "attacker.example", "Host: attacker.example")
guard.refused(p2, build("GET", "/echo/refused-2", "attacker.example:%d" % p2),
              "Host", "attacker.example", "Host: attacker.example on %s:%d" % (addr, p2), host=addr)
guard.served(p2, build("GET", "/echo/served-on-addr", "%s:%d" % (addr, p2)), "a",
             "Host: %s:%d on that listener" % (addr, p2), host=addr)
guard.never_reached(rec, "/echo/refused")
PY
exit 0
