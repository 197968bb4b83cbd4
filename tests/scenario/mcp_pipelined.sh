#!/bin/sh
# SPDX-License-Identifier: MIT
# Pipelined MCP calls, on both engines: a client writes eight JSON-RPC
# POSTs (a notification among them, some answered as SSE, some split into
# many writes by the server) in one go on one connection, then reads the
# answers. Each answer is its own call's, and each call is logged, in
# order, and counted by its own method, tool and outcome: a request read
# while an earlier one is still being answered names neither that one nor
# the one after it.
. "$ZS_TESTS/lib.sh"
. "$ZS_TESTS/mcplib.sh"

for engine in user kernel; do
	mcp_start $engine
	zs_python - "$ZS_PORT" >"$T/sent.$engine" <<'PY' || fail "$engine engine: the pipelined calls"
import json, sys
from mcpclient import Reply, sse_events
from rawhttp import Conn, build

SSE = [("X-Test-SSE", "1")]
SPLIT = [("X-Test-Split", "9")]
# (id, method, params, headers, status, tool, outcome)
calls = [
    (1, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                       "clientInfo": {"name": "zs-test", "version": "1"}}, [], 200, None, "ok"),
    (None, "notifications/initialized", None, [], 202, None, "none"),
    (2, "tools/call", {"name": "fail_tool", "arguments": {}}, SSE + SPLIT, 200, "fail_tool", "tool_error"),
    (3, "tools/call", {"name": "get_weather", "arguments": {"city": "Rome"}}, [], 200, "get_weather", "ok"),
    (4, "tools/call", {"name": "unknown", "arguments": {}}, SPLIT, 200, "unknown", "error"),
    (5, "tools/list", {}, SSE, 200, None, "ok"),
    (6, "tools/call", {"name": "fail_tool", "arguments": {}}, SPLIT, 200, "fail_tool", "tool_error"),
    (7, "ping", None, [], 200, None, "ok"),
]
raw = b""
for mid, method, params, headers, *_ in calls:
    msg = {"jsonrpc": "2.0", "method": method}
    if mid is not None:
        msg["id"] = mid
    if params is not None:
        msg["params"] = params
    raw += build("POST", "/mcp", headers=[("Content-Type", "application/json"),
                                          ("Accept", "application/json, text/event-stream")] + headers,
                 body=json.dumps(msg).encode())
c = Conn(int(sys.argv[1]))
c.send(raw)
for mid, method, params, headers, status, tool, outcome in calls:
    r = c.read_response("POST")
    message = None
    if r.header("Content-Type") == "text/event-stream":
        message = json.loads(sse_events(r.body)[-1]["data"])
    elif r.body:
        message = json.loads(r.body)
    if message is not None:
        assert message.get("id") == mid, "call %s: the answer to %r" % (mid, message)
    got = Reply(r, message, [], 0, 0).outcome()
    assert r.status == status and got == outcome, "call %s %s: %s %r" % (mid, method, got, r)
    print(json.dumps({"mcp_method": method, "mcp_tool": tool, "mcp_outcome": outcome,
                      "status": status}))
c.close()
PY
	metric_wait "$MP" zeroserve_mcp_calls_total 8
	zs_python - "$T/metrics" "$T/sent.$engine" "mcp@/mcp=127.0.0.1:$PM" <<'PY' || fail "$engine engine: zeroserve_mcp_calls_total"
import collections, json, sys
from promcheck import parse
samples = parse(open(sys.argv[1]).read())
got = {tuple(sorted(labels)): v for (name, labels), v in samples.items()
       if name == "zeroserve_mcp_calls_total"}
want = collections.Counter()
for s in map(json.loads, open(sys.argv[2])):
    want[tuple(sorted({"route": sys.argv[3], "method": s["mcp_method"], "tool": s["mcp_tool"] or "",
                       "outcome": s["mcp_outcome"]}.items()))] += 1
assert got == dict(want), "zeroserve_mcp_calls_total:\n got  %r\n want %r" % (sorted(got.items()), sorted(want.items()))
PY
	zs_stop_all
	zs_python - "$T/access.$engine" "$T/sent.$engine" <<'PY' || fail "$engine engine: the log"
import json, sys
from obslib import read_log
lines = read_log(sys.argv[1])
sent = [json.loads(l) for l in open(sys.argv[2])]
got = [{k: l.get(k) for k in ("mcp_method", "mcp_tool", "mcp_outcome", "status")} for l in lines]
assert got == sent, "the log:\n got  %r\n want %r" % (got, sent)
PY
done
exit 0
