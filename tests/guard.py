# SPDX-License-Identifier: MIT
"""Checks shared by the Host/Origin guard scenarios (proxy_guard_*,
proxy_origin_*, static_guard_*, kernel_guard_*), python3 stdlib only.

A refusal (man/zeroserve.8, SECURITY) is zeroserve's own 403: Content-Type
text/plain; charset=utf-8, Connection: close, a one-line body naming the
option that would allow the request ("--allow-host NAME", NAME the Host
without its port, or "--allow-origin VALUE"), then the connection closes.
Backends started with lib.sh's backend_start record every request head they
read (backend.py --record): records() reads that file, so a test can show
that a refused request never reached the backend.

    zs_python - "$ZS_PORT" "$T/backend-a.requests" <<'PY'
    import sys, guard
    from rawhttp import build
    port, rec = int(sys.argv[1]), sys.argv[2]
    guard.refused(port, build("GET", "/echo/r1", "attacker.example"),
                  "Host", "attacker.example")
    guard.served(port, build("GET", "/echo/s1", "localhost"), "a")
    guard.never_reached(rec, "/echo/r")
"""

import json
import re

from rawhttp import Conn

OPTION = {"Host": "--allow-host", "Origin": "--allow-origin"}


def check_refusal(r, kind, name=None, what="request"):
    """r (a rawhttp.Response) is zeroserve's 403 refusal for kind ("Host"
    or "Origin"); with name, its hint is "OPTION name" (case-insensitive,
    at the end of the line); without, the body only has to name kind."""
    assert r.status == 403, "%s: want zeroserve's 403, got %r" % (what, r)
    assert r.header("X-Backend") is None, \
        "%s: answered by backend %s: %r" % (what, r.header("X-Backend"), r)
    ctype = (r.header("Content-Type") or "").replace(" ", "").lower()
    assert ctype == "text/plain;charset=utf-8", \
        "%s: Content-Type %r, want text/plain; charset=utf-8" % (what, r.header("Content-Type"))
    assert "close" in r.tokens("connection"), "%s: no Connection: close: %r" % (what, r)
    body = r.body.decode("utf-8")
    assert body.rstrip("\n") and "\n" not in body.rstrip("\n"), \
        "%s: body is not one line: %r" % (what, body)
    assert kind in body, "%s: body does not name the %s: %r" % (what, kind, body)
    opt = OPTION[kind]
    if name is not None:
        assert opt in body, "%s: body does not name %s: %r" % (what, opt, body)
        m = re.search(re.escape(opt) + r" (\S+)\s*$", body)
        assert m and m.group(1).lower() == name.lower(), \
            "%s: hint should say '%s %s': %r" % (what, opt, name, body)
    return r


def refused(port, data, kind, name=None, what=None, host="127.0.0.1"):
    """Send data (a request, maybe more pipelined behind it) on a new
    connection: the one answer is the refusal, then zeroserve closes."""
    what = what or repr(data[:120])
    c = Conn(port, host=host)
    try:
        c.send(data)
        r = c.read_response()
        check_refusal(r, kind, name, what)
        assert c.peer_closed(3), \
            "%s: no close within 3 s of the 403 (have %r)" % (what, c.buf[:200])
    finally:
        c.close()
    return r


def served(port, data, backend, what=None, method="GET", host="127.0.0.1"):
    """Send data (one request) on a new connection: BACKEND answers 200."""
    what = what or repr(data[:120])
    c = Conn(port, host=host)
    try:
        c.send(data)
        r = c.read_response(method)
    finally:
        c.close()
    assert r.status == 200, "%s: want 200 from backend %s, got %r" % (what, backend, r)
    assert r.header("X-Backend") == backend, \
        "%s: answered by %s, want backend %s: %r" % (what, r.header("X-Backend"), backend, r)
    return r


def records(path):
    """The request heads a backend recorded, as dicts (backend, method,
    target, headers)."""
    try:
        with open(path, encoding="utf-8") as f:
            return [json.loads(l) for l in f if l.strip()]
    except FileNotFoundError:
        return []


def reached(path, needle):
    """Recorded requests whose target contains needle."""
    return [d for d in records(path) if needle in d["target"]]


def never_reached(path, needle):
    got = reached(path, needle)
    assert not got, "the backend received refused requests: %s" % \
        "; ".join("%s %s %r" % (d["method"], d["target"], d["headers"]) for d in got[:5])


def header(rec, name):
    """Values of request header name (case-insensitive) in a record."""
    return [v for k, v in rec["headers"] if k.lower() == name.lower()]
