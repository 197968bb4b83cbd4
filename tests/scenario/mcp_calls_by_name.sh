#!/bin/sh
# SPDX-License-Identifier: MIT
# MCP calls by name (--mcp ROUTE), on both engines: an MCP client's session
# on one keep-alive connection (initialize, notifications/initialized,
# tools/list, tools/call of a tool that works, of one that fails
# (isError; once after 300 KB of text), of an unknown tool (a JSON-RPC
# error), of one the server answers with HTTP 500 and of one answered under
# another id, ping), after two GETs on the same connection, has
# one access-log line per request, in order, naming its JSON-RPC method,
# the tool of a tools/call and the outcome (ok, none, tool_error, error,
# http_error), and zeroserve_mcp_calls_total counts exactly those calls.
# The route stays in userspace (engine "userspace") while the kernel engine
# carries most requests on another route (those two GETs, more sent in
# between on another connection), which have no mcp_* field.
. "$ZS_TESTS/lib.sh"
. "$ZS_TESTS/mcplib.sh"

for engine in user kernel; do
	mcp_start $engine
	zs_python - "$ZS_PORT" >"$T/sent.$engine" <<'PY' || fail "$engine engine: the MCP session"
import json, sys
from mcpclient import Client
from obslib import CountingConn

port = int(sys.argv[1])
mcp = Client(port)
web = CountingConn(port)
# The MCP client fetched a page first, on the connection it goes on with.
for t in ("/bytes/1", "/bytes/2"):
    g, sent, got = mcp.conn.exchange("GET", t)
    assert g.status == 200, "GET %s: %r" % (t, g)
    print(json.dumps({"route": "web", "method": "GET", "path": t, "status": 200,
                      "sent": sent, "got": got, "body": len(g.body)}))
n = 0
calls = [
    ("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                    "clientInfo": {"name": "zs-test", "version": "1"}}, False, None, 200, "ok"),
    ("notifications/initialized", None, True, None, 202, "none"),
    ("tools/list", {}, False, None, 200, "ok"),
]
calls += [("tools/call", {"name": "get_weather", "arguments": {"city": c}}, False,
           "get_weather", 200, "ok") for c in ("Paris", "Oslo", "Lima")]
calls += [
    ("tools/call", {"name": "fail_tool", "arguments": {}}, False, "fail_tool", 200, "tool_error"),
    # Its "isError" after 300 KB of text, more than zeroserve splices.
    ("tools/call", {"name": "fail_tool", "arguments": {"size": 300000}}, False, "fail_tool", 200,
     "tool_error"),
    ("tools/call", {"name": "unknown", "arguments": {"x": 1}}, False, "unknown", 200, "error"),
    ("tools/call", {"name": "http_500"}, False, "http_500", 500, "http_error"),
    ("tools/call", {"name": "wrong_id"}, False, "wrong_id", 200, "none"),
    ("ping", None, False, None, 200, "ok"),
    ("ping", None, False, None, 200, "ok"),
]
for method, params, notify, tool, status, outcome in calls:
    r = mcp.call(method, params, notify=notify)
    assert r.status == status, "%s %s: %r" % (method, tool, r.http)
    assert r.outcome() == outcome, "%s %s: the client saw %s: %r" % (method, tool, r.outcome(), r.http)
    # The session is over keep-alive: zeroserve kept the connection open.
    assert not mcp.conn.eof, "%s: the connection closed" % method
    print(json.dumps({"route": "mcp", "method": "POST", "path": "/mcp", "status": status,
                      "mcp_method": method, "mcp_tool": tool, "mcp_outcome": outcome,
                      "sent": r.sent, "got": r.got, "body": len(r.http.body)}))
    for k in range(2):
        n += 1
        t = "/bytes/%d" % (100 + n)
        g, sent, got = web.exchange("GET", t)
        assert g.status == 200 and len(g.body) == 100 + n, "GET %s: %r" % (t, g)
        print(json.dumps({"route": "web", "method": "GET", "path": t, "status": 200,
                          "sent": sent, "got": got, "body": len(g.body)}))
mcp.close()
web.close()
PY
	kreq=0
	if [ $engine = kernel ]; then
		zs_counters >/dev/null
		kreq=$(counter requests)
	fi
	metric_wait "$MP" zeroserve_mcp_calls_total 13
	zs_python "$ZS_TESTS/promcheck.py" "$T/metrics" >"$T/promcheck.out" ||
		fail "$engine engine: /metrics is not valid: $(cat "$T/promcheck.out")"
	zs_python - "$T/metrics" "mcp@/mcp=127.0.0.1:$PM" <<'PY' || fail "$engine engine: zeroserve_mcp_calls_total"
import sys
from promcheck import parse
samples = parse(open(sys.argv[1]).read())
route = sys.argv[2]
got = {tuple(sorted(labels)): v for (name, labels), v in samples.items()
       if name == "zeroserve_mcp_calls_total"}
want = {}
for method, tool, outcome, n in [
        ("initialize", "", "ok", 1), ("notifications/initialized", "", "none", 1),
        ("tools/list", "", "ok", 1), ("tools/call", "get_weather", "ok", 3),
        ("tools/call", "fail_tool", "tool_error", 2), ("tools/call", "unknown", "error", 1),
        ("tools/call", "http_500", "http_error", 1), ("tools/call", "wrong_id", "none", 1),
        ("ping", "", "ok", 2)]:
    key = tuple(sorted({"route": route, "method": method, "tool": tool,
                        "outcome": outcome}.items()))
    want[key] = n
assert got == want, "zeroserve_mcp_calls_total:\n got  %r\n want %r" % (sorted(got.items()), sorted(want.items()))
# The route's requests were all userspace's.
for (name, labels), v in samples.items():
    d = dict(labels)
    if name == "zeroserve_requests_total" and d["route"] == route:
        assert d["engine"] == "userspace", "%r %s" % (d, v)
PY
	zs_stop_all
	zs_python - "$T/access.$engine" "$T/sent.$engine" $engine "$kreq" "$PM" "$PA" <<'PY' || fail "$engine engine: the log"
import json, sys
from obslib import read_log
lines = read_log(sys.argv[1])
sent = [json.loads(l) for l in open(sys.argv[2])]
engine, kreq, pm, pa = sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
routes = {"mcp": "mcp@/mcp=127.0.0.1:%s" % pm, "web": "/=127.0.0.1:%s" % pa}
backends = {"mcp": "127.0.0.1:%s" % pm, "web": "127.0.0.1:%s" % pa}
assert len(lines) == len(sent), "%d lines for %d requests" % (len(lines), len(sent))
MCP = ("mcp_method", "mcp_tool", "mcp_outcome")
for which in ("mcp", "web"):
    mine = [l for l in lines if l["route"] == routes[which]]
    want = [s for s in sent if s["route"] == which]
    assert len(mine) == len(want), "%s: %d lines for %d requests" % (which, len(mine), len(want))
    # The MCP calls, on one connection one at a time, are logged in order;
    # the kernel's lines come when zeroserve reads its records: by path.
    if which == "web":
        mine.sort(key=lambda l: l["path"])
        want.sort(key=lambda s: s["path"])
    for l, s in zip(mine, want):
        got = {k: l[k] for k in ("method", "path", "status", "backend",
                                 "request_bytes", "response_bytes", "bytes") + MCP if k in l}
        exp = {"method": s["method"], "path": s["path"], "status": s["status"],
               "backend": backends[which], "request_bytes": s["sent"],
               "response_bytes": s["got"], "bytes": s["body"]}
        if which == "mcp":
            exp["mcp_method"] = s["mcp_method"]
            exp["mcp_outcome"] = s["mcp_outcome"]
            if s["mcp_tool"] is not None:
                exp["mcp_tool"] = s["mcp_tool"]
            assert l["engine"] == "userspace", "an --mcp route's request on the kernel: %r" % l
        assert got == exp, "%s line:\n got  %r\n want %r" % (which, got, exp)
web = [l for l in lines if l["route"] == routes["web"]]
kernel = [l for l in web if l["engine"] == "kernel"]
if engine == "user":
    assert not kernel, "user engine: a kernel line %r" % kernel[0]
else:
    assert len(kernel) == kreq, "%d kernel lines, the kernel carried %d" % (len(kernel), kreq)
    assert kreq >= len(web) * 3 // 4, "the kernel carried %d of %d GETs" % (kreq, len(web))
PY
done
exit 0
