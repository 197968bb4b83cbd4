#!/bin/sh
# SPDX-License-Identifier: MIT
# GET /metrics (--metrics) counts every request exactly, whichever engine
# carried it: after known traffic on keep-alive connections (30 GET 200,
# 5 GET 404 from the backend, 4 POST with a 100-byte body, 3 HEAD, 2 GET
# that no route matches: zeroserve's own 404, route and backend "-") the
# scrape is a valid exposition (tests/promcheck.py, and promtool when it is
# installed) served as text/plain; version=0.0.4, and, summed over engine:
# zeroserve_requests_total is exact by route, method and code class; each
# histogram series' _count and +Inf bucket equal its requests_total, its
# _sum the JSON access log's durations; request and response bytes equal
# the log's request_bytes and response_bytes and what the client sent and
# got. On the kernel engine the engine="kernel" series count the kernel's
# requests counter, most of the requests. Another path is 404.
# zeroserve_connections_open is 2 while the client's two connections are
# open and falls to 0 once they have closed.
. "$ZS_TESTS/lib.sh"

for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	MP=$(zs_port)
	zs_start_on $engine --metrics "127.0.0.1:$MP" --access-log "$T/access.$engine" \
		--log-format json "/bytes=127.0.0.1:$PA" "/status=127.0.0.1:$PA" "/echo=127.0.0.1:$PA"
	zs_python - "$ZS_PORT" "$MP" >"$T/sent.$engine" <<'PY' || fail "$engine engine: requests"
import json, sys
from metrics_scrape import scrape, value
from obslib import CountingConn
port, mp = int(sys.argv[1]), int(sys.argv[2])
# Two keep-alive connections, one request at a time, taking turns: one
# asks the route /bytes (a HEAD every 11th), the other the others, a route
# at a time (the kernel hands a request for another route than the
# connection's last up to userspace).
a = [("HEAD", "/bytes/1000", None, 200) if i % 11 == 10 else ("GET", "/bytes/1000", None, 200)
     for i in range(33)]
b = ([("GET", "/status/404", None, 404)] * 5 + [("POST", "/echo/post", b"p" * 100, 200)] * 4
     + [("GET", "/nothing/here", None, 404)] * 2)
todo = [(0, t) for t in a]
for i, t in enumerate(b):
    todo.insert(3 * i + 1, (1, t))
conns = [CountingConn(port), CountingConn(port)]
for i, (k, (m, t, body, want)) in enumerate(todo):
    r, sent, got = conns[k].exchange(m, t, host="localhost", body=body)
    assert r.status == want, "request %d, %s %s: %r" % (i, m, t, r)
    print(json.dumps({"method": m, "path": t, "status": r.status, "sent": sent, "got": got}))
samples, _ = scrape(mp)
n = value(samples, "zeroserve_connections_open")
assert n == 2, "%r connections open, the client has 2" % n
for c in conns:
    c.close()
PY
	kreq=0
	if [ $engine = kernel ]; then
		zs_counters >/dev/null
		kreq=$(counter requests)
	fi
	zs_python "$ZS_TESTS/metrics_scrape.py" "$MP" "$T/metrics.$engine" \
		--until zeroserve_connections_open 0 || fail "$engine engine: connections after the clients closed"
	$PYTHON "$ZS_TESTS/promcheck.py" --no-timestamps "$T/metrics.$engine" ||
		fail "$engine engine: the scrape is not a valid exposition"
	if command -v promtool >/dev/null 2>&1; then
		promtool check metrics <"$T/metrics.$engine" ||
			fail "$engine engine: promtool check metrics refuses the scrape"
	fi
	zs_python - "$MP" <<'PY' || fail "$engine engine: paths other than /metrics"
import sys
from metrics_scrape import fetch
port = int(sys.argv[1])
for path in ("/other", "/metrics/x", "/"):
    status, ctype, body = fetch(port, path)
    assert status == 404, "GET %s: %d %r" % (path, status, body[:200])
status, ctype, body = fetch(port, "/metrics", "HEAD")
assert status == 200 and body == b"", "HEAD /metrics: %d %r" % (status, body[:200])
PY
	zs_stop_all
	zs_python - "$T/metrics.$engine" "$T/access.$engine" "$T/sent.$engine" $engine "$kreq" "$PA" <<'PY' || fail "$engine engine: the counts"
import json, sys
from collections import Counter, defaultdict
import promcheck
from metrics_scrape import series, value
from obslib import read_log
samples = promcheck.parse(open(sys.argv[1]).read(), timestamps=False)
lines = read_log(sys.argv[2])
sent = [json.loads(l) for l in open(sys.argv[3])]
engine, kreq, pa = sys.argv[4], int(sys.argv[5]), sys.argv[6]
be = "127.0.0.1:" + pa
R = "zeroserve_requests_total"
H = "zeroserve_request_duration_seconds"

# By route, backend, method and code class, summed over engine and source.
got = Counter()
for ls, v in series(samples, R).items():
    d = dict(ls)
    assert set(d) == {"route", "backend", "method", "code", "engine", "source"}, d
    assert d["engine"] in ("kernel", "userspace"), d
    got[(d["route"], d["backend"], d["method"], d["code"])] += v
want = {("/bytes=" + be, be, "GET", "2xx"): 30, ("/status=" + be, be, "GET", "4xx"): 5,
        ("/echo=" + be, be, "POST", "2xx"): 4, ("/bytes=" + be, be, "HEAD", "2xx"): 3,
        ("-", "-", "GET", "4xx"): 2}
assert got == want, "%s engine: requests_total %r, want %r" % (engine, dict(got), want)
for (m, c), n in {("GET", "2xx"): 30, ("GET", "4xx"): 7, ("POST", "2xx"): 4,
                  ("HEAD", "2xx"): 3}.items():
    assert value(samples, R, method=m, code=c) == n, "%s engine: %s %s" % (engine, m, c)
assert value(samples, R) == 44 == len(sent) == len(lines), \
    "%s engine: %d counted, %d sent, %d logged" % (engine, value(samples, R), len(sent), len(lines))

# Per series: the histogram's _count and +Inf bucket are the requests, its
# _sum the log's durations; the bytes are the log's.
logged = defaultdict(list)
for l in lines:
    code = "%dxx" % (l["status"] // 100)
    logged[(l["route"], l["backend"], l["method"], code, l["engine"])].append(l)
reqs = series(samples, R)
for name in (H + "_count", H + "_sum", "zeroserve_request_bytes_total",
             "zeroserve_response_bytes_total"):
    assert set(series(samples, name)) == set(reqs), "%s engine: %s has other series" % (engine, name)
for ls, n in reqs.items():
    d = dict(ls)
    what = "%s engine, series %r" % (engine, d)
    assert samples[(H + "_count", ls)] == n, "%s: _count %r" % (what, samples[(H + "_count", ls)])
    inf = samples[(H + "_bucket", ls | {("le", "+Inf")})]
    assert inf == n, "%s: +Inf bucket %r" % (what, inf)
    mine = [l for k, ll in logged.items() for l in ll
            if k == (d["route"], d["backend"], d["method"], d["code"], d["engine"])]
    assert len(mine) == n, "%s: %d log lines" % (what, len(mine))
    for field, fam in (("request_bytes", "zeroserve_request_bytes_total"),
                       ("response_bytes", "zeroserve_response_bytes_total")):
        total = sum(l[field] for l in mine)
        assert samples[(fam, ls)] == total, "%s: %s %r, the log's %s sum to %d" % (
            what, fam, samples[(fam, ls)], field, total)
    # The log rounds each duration to 1 us.
    dur = sum(l["duration_ms"] for l in mine) / 1e3
    s = samples[(H + "_sum", ls)]
    assert abs(s - dur) <= n * 5e-7 + 1e-9, "%s: _sum %r, the log's durations %r" % (what, s, dur)
for fam, key in (("zeroserve_request_bytes_total", "sent"), ("zeroserve_response_bytes_total", "got")):
    total = sum(s[key] for s in sent)
    assert value(samples, fam) == total, "%s engine: %s %r, the client counted %d" % (
        engine, fam, value(samples, fam), total)

assert value(samples, "zeroserve_connections_open") == 0, engine
assert value(samples, "zeroserve_requests_in_flight") == 0, engine
kernel = value(samples, R, engine="kernel")
if engine == "user":
    assert kernel == 0, "user engine: %r engine=\"kernel\" requests" % kernel
    assert value(samples, "zeroserve_kernel_engine") == 0, engine
else:
    assert kernel == kreq, "kernel engine: %r engine=\"kernel\" requests, the kernel carried %d" % (kernel, kreq)
    assert kreq >= 30, "kernel engine: the kernel carried %d of 44" % kreq
    assert value(samples, "zeroserve_kernel_engine") == 1, engine
    assert value(samples, "zeroserve_log_events_total") == kreq, "kernel engine: log events %r" % (
        value(samples, "zeroserve_log_events_total"))
print("%s engine: %d of 44 carried by the kernel" % (engine, kernel))
PY
	[ $engine = kernel ] && kmsg_check
done
exit 0
