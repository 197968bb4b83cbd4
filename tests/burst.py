# SPDX-License-Identifier: MIT
"""Concurrent requests for scenario tests: N client connections, all open
before the first request, then --requests GETs each (keep-alive), the
first ones all sent at once (a barrier releases the threads together).  Prints one line "STATUS COUNT" per status
seen (0: no response: the error follows on stderr) and, with --body FILE,
counts 200 answers whose body differs from FILE's bytes as status "bad".

    zs_python "$ZS_TESTS/burst.py" --port "$ZS_PORT" --n 200 --path /f.txt
"""

import argparse
import collections
import sys
import threading

from rawhttp import Conn


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--path", default="/")
    ap.add_argument("--host", default="localhost")
    ap.add_argument("--body", help="file the 200 answers must equal")
    ap.add_argument("--requests", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=30.0)
    a = ap.parse_args()
    want = open(a.body, "rb").read() if a.body else None

    conns = [Conn(a.port, timeout=a.timeout) for _ in range(a.n)]
    barrier = threading.Barrier(a.n)
    seen = collections.Counter()
    lock = threading.Lock()

    def one(c):
        barrier.wait()
        for _ in range(a.requests):
            try:
                r = c.request("GET", a.path, host=a.host)
                status = r.status
                if status == 200 and want is not None and r.body != want:
                    status = "bad"
                elif status != 200:
                    sys.stderr.write("%d %r\n" % (status, r.body[:200]))
            except Exception as e:  # noqa: BLE001 - any failure is a result
                status = 0
                sys.stderr.write("no response: %r\n" % e)
            with lock:
                seen[status] += 1
            if status == 0 or c.eof:
                break
        c.close()

    threads = [threading.Thread(target=one, args=(c,)) for c in conns]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for status, count in sorted(seen.items(), key=str):
        print(status, count)


main()
