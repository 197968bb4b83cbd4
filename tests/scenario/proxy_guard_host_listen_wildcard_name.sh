#!/bin/sh
# SPDX-License-Identifier: MIT
# A wildcard listener (-l 0.0.0.0:PORT) allows the machine's interface
# addresses as Host, not the wildcard itself: Host: 0.0.0.0 is refused, as
# it is with the default listener (the "0.0.0.0 day" of 2024: browsers let
# public pages send requests to http://0.0.0.0:PORT/, which reach local
# listeners, and a no-cors GET carries no Origin).
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
P2=$(zs_port)
zs_start -l "0.0.0.0:$P2" "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" "$T/backend-a.requests" "$P2" <<'PY' || fail "Host: 0.0.0.0 on a wildcard listener"
import sys
import guard
from rawhttp import build
port, rec, p2 = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
guard.refused(p2, build("GET", "/echo/refused-1", "0.0.0.0:%d" % p2), "Host", "0.0.0.0",
              "Host: 0.0.0.0:PORT on the wildcard listener")
guard.refused(port, build("GET", "/echo/refused-2", "0.0.0.0"), "Host", "0.0.0.0",
              "Host: 0.0.0.0 on 127.0.0.1")
guard.never_reached(rec, "/echo/refused")
PY
exit 0
