# SPDX-License-Identifier: MIT
"""Reading zeroserve's Prometheus metrics in the metrics scenarios
(tests/scenario/metrics_*.sh), python3 stdlib only.

scrape(port) GETs /metrics from a --metrics listener with urllib (never
through a proxy), checks the status and the Content-Type, and parses the
body with promcheck's strict parser (no timestamps allowed); a fault in
the text raises promcheck.FormatError naming its line.  value() sums the
samples of a family whose labels include the given ones, as promcheck's
--get does; series() lists a family's label sets.

As a script:
    metrics_scrape.py PORT FILE          scrape once, the body to FILE
    metrics_scrape.py PORT FILE --until SELECTOR VALUE
        scrape until SELECTOR (promcheck --get syntax) sums to VALUE, for
        at most 5 s in 0.05 s steps; exit 1 naming the last value if it
        never does; the last scrape is in FILE
"""

import sys
import time
import urllib.error
import urllib.request

import promcheck

# Prometheus's text format, version 0.0.4, in UTF-8.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(port, path="/metrics", method="GET"):
    """(status, Content-Type, body) of METHOD path on 127.0.0.1:port."""
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method=method)
    try:
        with _OPENER.open(req, timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), r.read()
    except urllib.error.HTTPError as e:
        body = e.read()
        return e.code, e.headers.get("Content-Type"), body


def scrape(port):
    """(samples, body) of a valid exposition at /metrics: promcheck.parse's
    {(name, frozenset(labels.items())): value}."""
    status, ctype, body = fetch(port)
    assert status == 200, "GET /metrics: status %d: %r" % (status, body[:200])
    assert ctype == CONTENT_TYPE, "GET /metrics: Content-Type %r, want %r" % (ctype, CONTENT_TYPE)
    return promcheck.parse_bytes(body, timestamps=False), body


def value(samples, name, **labels):
    """The sum of the samples of name whose labels include labels."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= ls)


def series(samples, name):
    """{frozenset(labels.items()): value} of the samples of name."""
    return {ls: v for (n, ls), v in samples.items() if n == name}


def main(argv):
    if len(argv) not in (2, 5) or (len(argv) == 5 and argv[2] != "--until"):
        sys.exit("usage: metrics_scrape.py PORT FILE [--until SELECTOR VALUE]")
    port, out = int(argv[0]), argv[1]
    end = time.monotonic() + 5
    while True:
        samples, body = scrape(port)
        with open(out, "wb") as f:
            f.write(body)
        if len(argv) == 2:
            return 0
        got = promcheck.select(samples, argv[3])
        if got == float(argv[4]):
            return 0
        if time.monotonic() > end:
            print("%s is %g after 5 s, want %s" % (argv[3], got, argv[4]),
                  file=sys.stderr)
            return 1
        time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
