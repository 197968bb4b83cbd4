#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""40 keep-alive rounds of an /echo and a 3000-byte /bytes from one client
address to zeroserve; every answer must be right, the connection must stay
open, and the forwarding fields the backend saw must be the same on every
request. Writes them to OUT as JSON, for the kernel_ipv6_* scenarios to
compare engines.

Usage: fwdrounds.py PORT CLIENT_HOST OUT
"""
import json, sys
from rawhttp import Conn, pattern_bytes
port, host, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
names = ("x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded")
want = pattern_bytes(3000)
c = Conn(port, host=host)
seen = []
for i in range(40):
    r = c.request("GET", "/echo/v6", host="v6.localhost:8080")
    assert r.status == 200, "echo %d: %r" % (i, r)
    seen.append([[k.lower(), v] for k, v in r.json()["headers"] if k.lower() in names])
    r = c.request("GET", "/bytes/3000", host="v6.localhost:8080")
    assert r.status == 200 and r.body == want, "bytes %d: %r, %d bytes" % (i, r, len(r.body))
    assert not c.eof, "round %d: connection closed" % i
c.close()
for i, h in enumerate(seen):
    assert h == seen[0], "echo %d saw %r, echo 0 saw %r" % (i, h, seen[0])
json.dump(dict(seen[0]), open(out, "w"), sort_keys=True)
