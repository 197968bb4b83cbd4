#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, odd request heads: each is sent twice, as the first request
# of a new connection (always the userspace engine's) and as the second of
# another, after the kernel has taken over; the client sees the same
# statuses, bodies (the backend's echo of what reached it) and close on
# both. Lower-case methods, HTTP/1.0, absolute targets, a space before a
# ':', folded lines, bare LF, NUL or DEL in a value, two Hosts, odd
# Content-Length forms, 70-byte names, control bytes in a target, field
# names with a delimiter that is not a token byte (RFC 9110 5.6.2), ... The
# kernel carried at least the plain ones among them (counters requests).
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)
zs_start_kernel "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" >"$T/out" <<'PY' || fail "odd heads: engines disagree"
import json, sys
from rawhttp import Conn
port = int(sys.argv[1])
H = "Host: odd.localhost\r\n"
heads = [
    "get /echo HTTP/1.1\r\n" + H + "\r\n",
    "GET /echo HTTP/1.0\r\n" + H + "\r\n",
    "GET http://odd.localhost/echo HTTP/1.1\r\n" + H + "\r\n",
    "GET /echo HTTP/1.1\r\nHost : odd.localhost\r\n\r\n",
    "GET /echo HTTP/1.1\r\n" + H + "X-A: a\r\n folded\r\n\r\n",
    "GET /echo HTTP/1.1\r\n" + H + "NoColon\r\n\r\n",
    "GET /echo HTTP/1.1\r\n" + H + ": empty\r\n\r\n",
    "GET /echo HTTP/1.1\r\n" + H + "Host: other.localhost\r\n\r\n",
    "GET /echo HTTP/1.1\r\nHost:\r\n\r\n",
    "GET /echo HTTP/1.1\r\nHost: odd.localhost\nX-B: b\r\n\r\n",
    "GET /echo HTTP/1.1\r\n" + H + "X-C: a\rb\r\n\r\n",
    "GET /echo HTTP/1.1\r\n" + H + "X-D: a\x00b\r\n\r\n",
    "GET /echo HTTP/1.1\r\n" + H + "X-E: \x7f\r\n\r\n",
    "GET /echo HTTP/1.1\r\n" + H + "X-F: \x01\r\n\r\n",
    "GET /echo HTTP/1.1\r\n" + H + "X-G:\tv\t\r\n\r\n",
    "GET /echo HTTP/1.1\r\n" + H + "X-H: caf\xc3\xa9\r\n\r\n",
    "GET /echo HTTP/1.1\r\n" + H + "X-" + "n" * 70 + ": v\r\n\r\n",
    "GET /echo HTTP/1.1\r\n" + H + "Connection: Keep-Alive\r\n\r\n",
    "GET /echo HTTP/1.1\r\n" + H + "Connection: close\r\n\r\n",
    "GET /echo HTTP/1.1\r\n" + H + "Connection:  keep-alive \r\n\r\n",
    "GET /e\x01cho HTTP/1.1\r\n" + H + "\r\n",
    "GET /e cho HTTP/1.1\r\n" + H + "\r\n",
    "GET /echo?a=b#frag HTTP/1.1\r\n" + H + "\r\n",
    "GET /\xc3\xa9cho HTTP/1.1\r\n" + H + "\r\n",
    "OPTIONS * HTTP/1.1\r\n" + H + "\r\n",
    "GET  /echo HTTP/1.1\r\n" + H + "\r\n",
    "GET /echo  HTTP/1.1\r\n" + H + "\r\n",
    "GET /echo HTTP/1.1 \r\n" + H + "\r\n",
    "GET /echo http/1.1\r\n" + H + "\r\n",
    "GET /echo HTTP/1.1\r\nhost: ODD.localhost\r\n\r\n",
    "POST /echo HTTP/1.1\r\n" + H + "Content-Length: 005\r\n\r\nhello",
    "POST /echo HTTP/1.1\r\n" + H + "Content-Length: +5\r\n\r\nhello",
    "POST /echo HTTP/1.1\r\n" + H + "Content-Length: 5, 5\r\n\r\nhello",
    "POST /echo HTTP/1.1\r\n" + H + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
    "POST /echo HTTP/1.1\r\n" + H + "Content-Length:\t5 \r\n\r\nhello",
    "POST /echo HTTP/1.1\r\n" + H + "Content-Length: 1 2\r\n\r\nhello",
    "GET /echo HTTP/1.1\r\n" + H + "Content-Length: 0\r\n\r\n",
    "DELETE /echo HTTP/1.1\r\n" + H + "\r\n",
    "PATCH /echo HTTP/1.1\r\n" + H + "Content-Length: 2\r\n\r\nhi",
    "PROPFIND /echo HTTP/1.1\r\n" + H + "\r\n",
    "POST /echo HTTP/1.1\r\n" + H + "Content-Length: 5\t\r\n\r\nhello",
    "POST /echo HTTP/1.1\r\n" + H + "Content-Length: 5 \r\n\r\nhello",
    "GET /echo HTTP/1.1\r\n" + H + "\r\n\rX",
] + ["GET /echo HTTP/1.1\r\n" + H + "X%sa: b\r\n\r\n" % d for d in '"(),/;<=>?@[\\]{}']

def outcome(c):
    res = []
    try:
        r = c.read_response()
        body = r.body
        if r.status == 200 and r.header("x-backend"):
            d = json.loads(body)
            d.pop("conn_id", None)
            body = json.dumps(d, sort_keys=True)
        res.append((r.status, body if isinstance(body, str) else body.decode("latin-1")))
    except Exception as e:
        res.append(("no response", type(e).__name__))
    res.append(("closed", c.peer_closed(0.2)))
    return res

bad = []
for i, h in enumerate(heads):
    raw = h.encode("latin-1")
    c = Conn(port, timeout=3)
    c.send(raw)
    user = outcome(c)
    c.close()
    c = Conn(port, timeout=3)
    r = c.request("GET", "/echo/pair", host="odd.localhost")
    assert r.status == 200, "head %d: pairing request: %r" % (i, r)
    c.send(raw)
    kern = outcome(c)
    c.close()
    if user != kern:
        bad.append("head %d %r:\n  first request: %r\n  after pairing: %r" % (i, h, user, kern))
if bad:
    sys.exit("\n".join(bad))
print(len(heads))
PY

zs_counters
requests=$(counter requests)
[ "$requests" -ge 8 ] ||
	fail "counters requests=$requests: the kernel carried fewer than 8 of the $(cat "$T/out") odd heads"
kmsg_check
exit 0
