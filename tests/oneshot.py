# SPDX-License-Identifier: MIT
"""One-request connections for scenario tests (tests/backend.py behind).

Each request goes on a new TCP connection, as curl in a script, a health
check or `ab` without -k send them, and its answer is checked against that
request alone: /echo/... targets must come back with the path the backend
saw, /bytes/N targets with exactly the N-byte pattern, so an answer that
belongs to another client's request never passes.

Styles: "plain" (HTTP/1.1, no Connection field; the client closes after
the answer, as curl does), "close" (HTTP/1.1 with "Connection: close", as
wrk --close sends; the server must close after the answer) and "http10"
(HTTP/1.0 without keep-alive; the server must close after the answer).

As a module:

    from oneshot import one
    r = one(port, "/echo/x", host="pool.localhost", backend="a")

As a command: N connections one after the other (or, with --concurrent,
all open first, their requests sent at once, and none closed before every
answer is in), targets alternating
/echo/TAG/I and /bytes/(1000+I); prints "ok N" and exits 0 when every
answer was right, else names the first wrong one on stderr and exits 1.

    zs_python "$ZS_TESTS/oneshot.py" --port "$ZS_PORT" --n 200 --tag run1
"""

import argparse
import sys
import threading

from rawhttp import Conn, build, pattern_bytes

STYLES = ("plain", "close", "http10")


def request_bytes(target, host, style, method="GET"):
    if style == "close":
        return build(method, target, host, headers=[("Connection", "close")])
    if style == "http10":
        return build(method, target, host, version="HTTP/1.0")
    return build(method, target, host)


def check(r, target, backend=None, what=None):
    """Assert that r is the 200 answer to GET target (from backend)."""
    what = what or "GET " + target
    assert r.status == 200, "%s: %r" % (what, r)
    if backend is not None:
        assert r.header("X-Backend") == backend, \
            "%s answered by %r, want %r" % (what, r.header("X-Backend"), backend)
    if target.startswith("/bytes/"):
        n = int(target.split("/")[2].split("?")[0])
        assert r.body == pattern_bytes(n), \
            "%s: %d bytes, not the %d-byte pattern (%r...)" % (what, len(r.body), n, r.body[:80])
    else:
        got = r.json()["path"]
        assert got == target, "%s: the answer is for %r" % (what, got)


def one(port, target, host="localhost", style="plain", backend=None,
        timeout=10.0, conn=None, before_close=None):
    """GET target on a new connection (or conn, opened already); check the
    answer; with "close" and "http10" the server must close within 2 s.
    before_close() runs before the client closes."""
    c = conn or Conn(port, timeout=timeout)
    try:
        c.send(request_bytes(target, host, style))
        r = c.read_response()
        check(r, target, backend, "%s GET %s" % (style, target))
        if style != "plain":
            assert c.peer_closed(2.0), \
                "%s GET %s: connection still open 2 s after the answer" % (style, target)
    finally:
        if before_close is not None:
            before_close()
        c.close()
    return r


def target_for(tag, i):
    return "/echo/%s/%d" % (tag, i) if i % 2 == 0 else "/bytes/%d" % (1000 + i)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--host", default="localhost")
    ap.add_argument("--style", choices=STYLES, default="plain")
    ap.add_argument("--tag", default="one")
    ap.add_argument("--backend", help="the X-Backend every answer must carry")
    ap.add_argument("--concurrent", action="store_true",
                    help="open all N connections, then send every request at once")
    ap.add_argument("--timeout", type=float, default=10.0)
    a = ap.parse_args()

    if not a.concurrent:
        for i in range(a.n):
            one(a.port, target_for(a.tag, i), a.host, a.style, a.backend, a.timeout)
        print("ok", a.n)
        return 0

    conns = [Conn(a.port, timeout=a.timeout) for _ in range(a.n)]
    start = threading.Barrier(a.n)
    # No client closes before all have their answer: no backend connection
    # comes free at a client's close while the burst lasts.
    answered = threading.Barrier(a.n)
    errors = []

    def held():
        try:
            answered.wait(a.timeout + 5)
        except threading.BrokenBarrierError:
            pass

    def run(i, c):
        start.wait()
        try:
            one(a.port, target_for(a.tag, i), a.host, a.style, a.backend,
                a.timeout, conn=c, before_close=held)
        except Exception as e:  # noqa: BLE001 - every failure is reported
            errors.append("connection %d: %r" % (i, e))

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        sys.stderr.write("%d of %d wrong; first: %s\n" % (len(errors), a.n, sorted(errors)[0]))
        return 1
    print("ok", a.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
