#!/bin/sh
# SPDX-License-Identifier: MIT
# --otlp-endpoint on both engines: every request's access-log line goes to
# the collector as one OTLP/HTTP JSON LogRecord (POST /v1/logs, the shape
# checked strictly by otlp_receiver.py), batched: 40 keep-alive GETs and 5
# POSTs make exactly 45 records, within a few seconds (a batch leaves at
# most 1 s after its first record), each matching its access-log line one
# to one: method, path and query, status and severity, client address and
# port, sizes, route, backend, engine, duration, source and cgroup id. On
# the kernel engine the kernel carried most of them: as many records say
# zeroserve.engine "kernel" as its requests counter. /metrics counts
# zeroserve_otlp_records_sent_total 45 and none dropped.
. "$ZS_TESTS/lib.sh"
. "$ZS_TESTS/otlplib.sh"

for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	otlp_receiver_start $engine
	MP=$(zs_port)
	zs_start_on $engine --access-log "$T/access.$engine" --log-format json \
		--metrics "127.0.0.1:$MP" --otlp-endpoint "http://127.0.0.1:$OTLP_PORT" \
		"/=127.0.0.1:$PA"
	zs_python - "$ZS_PORT" <<'PY' || fail "$engine engine: requests"
import sys
from rawhttp import Conn
c = Conn(int(sys.argv[1]))
for i in range(45):
    if i % 9 == 8:
        m, t, body, want = "POST", "/echo/post-%d" % i, b"b" * (10 + i), 200
    elif i == 10:
        m, t, body, want = "GET", "/status/404", None, 404
    elif i == 20:
        m, t, body, want = "GET", "/status/503", None, 503
    elif i % 3 == 0:
        m, t, body, want = "GET", "/bytes/%d?i=%d&x=y" % (100 + i, i), None, 200
    else:
        m, t, body, want = "GET", "/bytes/%d" % (1000 + i), None, 200
    r = c.request(m, t, body=body)
    assert r.status == want, "%s %s: %r" % (m, t, r)
c.close()
PY
	kreq=0
	if [ $engine = kernel ]; then
		# zeroserve reads the kernel's records before it answers.
		zs_counters >/dev/null
		kreq=$(counter requests)
	fi
	otlp_wait_records 45
	metric_wait "$MP" zeroserve_otlp_records_sent_total 45
	expect_eq "$(metric "$MP" zeroserve_otlp_records_dropped_total)" 0 \
		"$engine engine: zeroserve_otlp_records_dropped_total"
	zs_python - "$T/access.$engine" "$OTLP_OUT" $engine "$kreq" <<'PY' || fail "$engine engine: the records"
import datetime, sys
import json
from obslib import read_log
lines = read_log(sys.argv[1])
recs = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
engine, kreq = sys.argv[3], int(sys.argv[4])
assert len(lines) == 45, "%d access-log lines" % len(lines)
assert len(recs) == 45, "%d records" % len(recs)
by_path = {}
for l in lines:
    assert l["path"] not in by_path, "path %r twice in the log" % l["path"]
    by_path[l["path"]] = l
for r in recs:
    a = r["attrs"]
    path = a["url.path"] + ("?" + a["url.query"] if "url.query" in a else "")
    l = by_path.pop(path, None)
    assert l is not None, "a record for no line (or a second one): %r" % r
    what = "%r for %r" % (r, l)
    host, port = l["client"].rsplit(":", 1)
    want = {
        "http.request.method": l["method"],
        "url.path": l["path"].split("?")[0],
        "http.response.status_code": l["status"],
        "client.address": host,
        "client.port": int(port),
        "http.request.size": l["request_bytes"],
        "http.response.size": l["response_bytes"],
        "http.response.body.size": l["bytes"],
        "http.route": l["route"],
        "zeroserve.engine": l["engine"],
        "zeroserve.backend": l["backend"],
        "zeroserve.duration_ms": l["duration_ms"],
    }
    if "?" in l["path"]:
        want["url.query"] = l["path"].split("?", 1)[1]
    if "source" in l:
        want["zeroserve.source"] = l["source"]
    if "cgroup_id" in l:
        want["zeroserve.cgroup_id"] = l["cgroup_id"]
    assert a == want, "attributes %r, want %r" % (a, want)
    assert r["body"] == "%s %s %d" % (l["method"], l["path"], l["status"]), what
    sev = 17 if l["status"] >= 500 else 13 if l["status"] >= 400 else 9
    assert r["severity"] == sev, what
    logged = datetime.datetime.strptime(l["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()
    assert abs(int(r["time"]) / 1e9 - logged) < 1, "time: " + what
assert not by_path, "lines without a record: %r" % list(by_path)
kernel = sum(1 for r in recs if r["attrs"]["zeroserve.engine"] == "kernel")
if engine == "user":
    assert kernel == 0, "user engine: %d kernel records" % kernel
else:
    assert kernel == kreq and kreq >= 30, \
        "kernel engine: %d kernel records, the kernel carried %d of 45" % (kernel, kreq)
PY
	zs_stop_all
	[ $engine = kernel ] && kmsg_check
done
exit 0
