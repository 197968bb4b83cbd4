#!/bin/sh
# SPDX-License-Identifier: MIT
# MCP calls answered with server-sent events (text/event-stream, chunked),
# on both engines: a server notification event first, then the response,
# its JSON on several data lines. Each call's outcome is the same as for a
# JSON answer (ok, tool_error, error, none for a notification and for an
# answer under another id), whether the client asked for SSE by its Accept
# header or the server chose it, and when the stream reaches zeroserve a
# few bytes per TCP write (the server writes 1 to 7 bytes at a time, 2 ms
# apart: an event, a data line, a JSON string, a CR LF split anywhere),
# with LF, CR LF or lone CR line ends. The log lines and
# zeroserve_mcp_calls_total are exact.
. "$ZS_TESTS/lib.sh"
. "$ZS_TESTS/mcplib.sh"

for engine in user kernel; do
	mcp_start $engine
	zs_python - "$ZS_PORT" >"$T/sent.$engine" <<'PY' || fail "$engine engine: the MCP session"
import json, sys
from mcpclient import Client

mcp = Client(int(sys.argv[1]))
SSE_ACCEPT = ("text/event-stream", [])       # the client asks for SSE only
SSE_SERVER = (None, [("X-Test-SSE", "1")])   # the server picks SSE
weather = {"name": "get_weather", "arguments": {"city": "Paris"}}
plain = [
    ("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                    "clientInfo": {"name": "zs-test", "version": "1"}}, None, "ok"),
    ("notifications/initialized", None, None, "none"),
    ("tools/list", {}, None, "ok"),
    ("tools/call", weather, "get_weather", "ok"),
    ("tools/call", {"name": "fail_tool", "arguments": {}}, "fail_tool", "tool_error"),
    ("tools/call", {"name": "unknown", "arguments": {}}, "unknown", "error"),
    ("tools/call", {"name": "wrong_id"}, "wrong_id", "none"),
    ("ping", None, None, "ok"),
]
calls = []
for way in (SSE_ACCEPT, SSE_SERVER):
    calls += [c + (way, []) for c in plain]
# Split into many writes, with each kind of line end.
for eol, size in (("lf", 7), ("crlf", 5), ("cr", 3)):
    split = [("X-Test-Split", str(size)), ("X-Test-EOL", eol)]
    calls += [c + (SSE_SERVER, split) for c in plain if c[0] in ("tools/call",)]
    calls.append(("ping", None, None, "ok", SSE_ACCEPT, [("X-Test-Split", "1"), ("X-Test-EOL", eol)]))
for method, params, tool, outcome, (accept, sse), extra in calls:
    notify = method.startswith("notifications/")
    r = mcp.call(method, params, notify=notify, accept=accept, headers=sse + extra)
    what = "%s %s %r" % (method, tool, extra)
    if notify:
        assert r.status == 202 and r.http.body == b"", "%s: %r" % (what, r.http)
    else:
        assert r.status == 200, "%s: %r" % (what, r.http)
        assert r.http.header("Content-Type") == "text/event-stream", "%s: %r" % (what, r.http)
        assert r.http.framing == "chunked", "%s: %r" % (what, r.http)
        # A notification event, then the response on several data lines.
        assert len(r.events) == 2, "%s: events %r" % (what, r.events)
        assert json.loads(r.events[0]["data"])["method"] == "notifications/message", what
        assert r.events[1]["data"].count("\n") >= 3, "%s: %r" % (what, r.events[1])
    assert r.outcome() == outcome, "%s: the client saw %s: %r" % (what, r.outcome(), r.http)
    print(json.dumps({"status": r.status, "mcp_method": method, "mcp_tool": tool,
                      "mcp_outcome": outcome, "sent": r.sent, "got": r.got}))
mcp.close()
PY
	n=$(wc -l <"$T/sent.$engine")
	metric_wait "$MP" zeroserve_mcp_calls_total "$n"
	zs_python - "$T/metrics" "mcp@/mcp=127.0.0.1:$PM" "$T/sent.$engine" <<'PY' || fail "$engine engine: zeroserve_mcp_calls_total"
import collections, json, sys
from promcheck import parse
samples = parse(open(sys.argv[1]).read())
route = sys.argv[2]
got = {tuple(sorted(labels)): v for (name, labels), v in samples.items()
       if name == "zeroserve_mcp_calls_total"}
want = collections.Counter()
for s in map(json.loads, open(sys.argv[3])):
    want[tuple(sorted({"route": route, "method": s["mcp_method"], "tool": s["mcp_tool"] or "",
                       "outcome": s["mcp_outcome"]}.items()))] += 1
assert got == dict(want), "zeroserve_mcp_calls_total:\n got  %r\n want %r" % (sorted(got.items()), sorted(want.items()))
PY
	zs_stop_all
	zs_python - "$T/access.$engine" "$T/sent.$engine" "$PM" <<'PY' || fail "$engine engine: the log"
import json, sys
from obslib import read_log
lines = read_log(sys.argv[1])
sent = [json.loads(l) for l in open(sys.argv[2])]
pm = sys.argv[3]
assert len(lines) == len(sent), "%d lines for %d requests" % (len(lines), len(sent))
for n, (l, s) in enumerate(zip(lines, sent), 1):
    got = {k: l.get(k) for k in ("method", "path", "status", "route", "engine", "request_bytes",
                                 "response_bytes", "mcp_method", "mcp_tool", "mcp_outcome")}
    exp = {"method": "POST", "path": "/mcp", "status": s["status"],
           "route": "mcp@/mcp=127.0.0.1:%s" % pm, "engine": "userspace",
           "request_bytes": s["sent"], "response_bytes": s["got"],
           "mcp_method": s["mcp_method"], "mcp_tool": s["mcp_tool"],
           "mcp_outcome": s["mcp_outcome"]}
    assert got == exp, "request %d:\n got  %r\n want %r" % (n, got, exp)
PY
done
exit 0
