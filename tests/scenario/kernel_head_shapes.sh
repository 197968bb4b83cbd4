#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, the head scanner at word boundaries: 300 keep-alive GETs
# (fixed seed) whose header names and values are 1 to 40 bytes long, some
# one byte off a name the scanner acts on (Hostx, Content-Lengt,
# Transfer-Encodinx, X-Forwarded-Fo, ...), with ':' inside values and
# targets of every length, reach the backend exactly as sent (plus the
# forwarding fields) and are answered in order, whichever engine carried
# each; the kernel carried most (counters requests >= 200).
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)
zs_start_kernel "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" <<'PY' || fail "request heads of every shape"
import random, sys
from rawhttp import Conn
rnd = random.Random(20261128)
tchar = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!#$%&'*+^`|~"
vchar = tchar + " :;,/=\"()[]{}?@"
near = ["Hostx", "Hos", "Content-Lengt", "Content-Lengthh", "Transfer-Encodinx",
        "Connectionn", "Connectio", "Keep-Aliv", "Upgradee", "Expec", "T",
        "X-Forwarded-Fo", "X-Forwarded-Hos", "Forwardedd", "Proxy-Connectio"]
fwd = {"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded"}
c = Conn(int(sys.argv[1]))
for i in range(300):
    hdrs = []
    for j in range(rnd.randint(0, 6)):
        if rnd.random() < 0.3:
            name = rnd.choice(near)
        else:
            name = "".join(rnd.choice(tchar) for _ in range(rnd.randint(1, 40)))
        if name.lower() in ("host", "content-length", "transfer-encoding", "connection",
                            "keep-alive", "upgrade", "expect", "te", "proxy-connection") or name.lower() in fwd:
            continue
        value = "".join(rnd.choice(vchar) for _ in range(rnd.randint(1, 40))).strip()
        hdrs.append((name, value or "v"))
    target = "/echo/" + "".join(rnd.choice("abcxyz019-._~%/") for _ in range(rnd.randint(0, 60))) + "?i=%d" % i
    r = c.request("GET", target, host="shapes.localhost", headers=hdrs)
    assert r.status == 200, "request %d: %r" % (i, r)
    d = r.json()
    assert d["path"] == target, "request %d: backend saw %r, want %r" % (i, d["path"], target)
    seen = [(k, v) for k, v in d["headers"] if k.lower() not in fwd]
    want = [("Host", "shapes.localhost")] + hdrs
    assert seen == want, "request %d: backend saw\n%r\nwant\n%r" % (i, seen, want)
    assert not c.eof, "request %d: connection closed" % i
c.close()
PY

zs_counters
requests=$(counter requests)
[ "$requests" -ge 200 ] || fail "counters requests=$requests: the kernel carried fewer than 200 of 300 requests"
kmsg_check
exit 0
