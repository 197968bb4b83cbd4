#!/bin/sh
# SPDX-License-Identifier: MIT
# A wildcard listener (-l 0.0.0.0:PORT) allows the machine's interface
# addresses as Host, and nothing more: attacker.example and an address the
# machine does not have are still refused.
. "$ZS_TESTS/lib.sh"

# A network namespace with a second address: every machine has one then.
netns_with_addr 192.0.2.2
addr=$ZS_NETNS_ADDR
PA=$(backend_start a)
P2=$(zs_port)
zs_start -l "0.0.0.0:$P2" "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" "$T/backend-a.requests" "$addr" "$P2" <<'PY' || fail "Host on a wildcard listener"
import sys
import guard
from rawhttp import build
port, rec, addr, p2 = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
guard.served(port, build("GET", "/echo/served-1", "%s:%d" % (addr, p2)), "a",
             "Host: %s:%d (an interface address)" % (addr, p2))
guard.served(p2, build("GET", "/echo/served-2", addr), "a",
             "Host: %s on the wildcard listener" % addr, host=addr)
guard.refused(p2, build("GET", "/echo/refused-1", "attacker.example:%d" % p2),
              "Host", "attacker.example", "Host: attacker.example on the wildcard listener", host=addr)
guard.refused(port, build("GET", "/echo/refused-2", "198.51.100.7:%d" % p2),
              "Host", "198.51.100.7", "Host: 198.51.100.7 (not this machine's)")
guard.never_reached(rec, "/echo/refused")
PY
exit 0
