#!/bin/sh
# SPDX-License-Identifier: MIT
# Requests on an --mcp route that are no JSON-RPC call, on both engines,
# are proxied as any other and get no MCP name: a POST of text, of an empty
# body, of a chunked body that is not JSON, of cut-off JSON, of a JSON
# array, of JSON without a top-level "method" (a client's JSON-RPC
# response, an object with "method" only nested in it) or whose "method" is
# not a string, and a GET. Each reaches the server with its body intact
# and its answer reaches the client; no log line has an mcp_* field and
# zeroserve_mcp_calls_total has no sample. Nor does a JSON-RPC call POSTed
# to a route without --mcp get one.
. "$ZS_TESTS/lib.sh"
. "$ZS_TESTS/mcplib.sh"

for engine in user kernel; do
	mcp_start $engine
	zs_python - "$ZS_PORT" >"$T/sent.$engine" <<'PY' || fail "$engine engine: the requests"
import json, sys
from obslib import CountingConn

c = CountingConn(int(sys.argv[1]))
JSON = [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")]
call = b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_weather"}}'
# (method, target, headers, body, status)
reqs = [
    ("POST", "/mcp", [("Content-Type", "text/plain")], b"hello, not JSON at all", 400),
    ("POST", "/mcp", JSON, b"", 400),
    ("POST", "/mcp", JSON + [("Transfer-Encoding", "chunked")],
     b"6\r\nmethod\r\n6\r\n: ping\r\n0\r\n\r\n", 400),
    ("POST", "/mcp", JSON, b'{"jsonrpc":"2.0","id":1,"meth', 400),
    ("POST", "/mcp", JSON, b'[1, 2, {"a": "method"}]', 400),
    ("POST", "/mcp", JSON, b'{"jsonrpc":"2.0","id":7,"result":{"method":"tools/call"}}', 202),
    ("POST", "/mcp", JSON, b'{"jsonrpc":"2.0","id":8,"params":{"method":"tools/call","name":"x"}}', 400),
    ("POST", "/mcp", JSON, b'{"jsonrpc":"2.0","id":9,"method":42}', 200),
    ("POST", "/mcp", JSON, b'{"jsonrpc":"2.0","id":10,"method":{"name":"tools/call"}}', 200),
    ("GET", "/mcp", [("Accept", "text/event-stream")], None, 405),
    ("POST", "/echo/mcp", JSON, call, 200),
]
for method, target, headers, body, status in reqs:
    r, sent, got = c.exchange(method, target, headers=headers, body=body)
    assert r.status == status, "%s %s %r: %r" % (method, target, body, r)
    if target == "/echo/mcp":
        assert r.json()["body_length"] == len(call), r
    elif status != 202:
        # The MCP server's own answer, as it sent it.
        assert r.header("Server").startswith("zs-test-mcp/"), r
    print(json.dumps({"method": method, "path": target, "status": status,
                      "request_bytes": sent, "response_bytes": got,
                      "body": None if body is None else body.decode("latin-1")}))
c.close()
PY
	n=$(wc -l <"$T/sent.$engine")
	[ $engine = user ] || zs_counters >/dev/null
	metric_wait "$MP" zeroserve_requests_total "$n"
	zs_python "$ZS_TESTS/promcheck.py" "$T/metrics" >"$T/promcheck.out" ||
		fail "$engine engine: /metrics is not valid: $(cat "$T/promcheck.out")"
	got=$(zs_python "$ZS_TESTS/promcheck.py" "$T/metrics" --get zeroserve_mcp_calls_total)
	expect_eq "$got" 0 "$engine engine: zeroserve_mcp_calls_total"
	! grep '^zeroserve_mcp_calls_total' "$T/metrics" ||
		fail "$engine engine: a zeroserve_mcp_calls_total sample"
	zs_stop_all
	zs_python - "$T/access.$engine" "$T/sent.$engine" "$T/mcp-m-$engine.requests" <<'PY' || fail "$engine engine: the log"
import json, sys
from obslib import read_log
lines = read_log(sys.argv[1])
sent = [json.loads(l) for l in open(sys.argv[2])]
seen = [json.loads(l) for l in open(sys.argv[3])]
assert len(lines) == len(sent), "%d lines for %d requests" % (len(lines), len(sent))
for l, s in zip(lines, sent):
    got = {k: l[k] for k in l if k in ("method", "path", "status", "request_bytes",
                                       "response_bytes") or k.startswith("mcp_")}
    exp = {k: s[k] for k in ("method", "path", "status", "request_bytes", "response_bytes")}
    assert got == exp, "line:\n got  %r\n want %r" % (got, exp)
# The MCP server had every request on its route, its body whole (de-chunked).
mine = [s for s in sent if s["path"] == "/mcp"]
want = [(s["method"], s["path"], s["body"] or "") for s in mine]
want[2] = ("POST", "/mcp", "method: ping")
assert [(r["method"], r["path"], r["body"]) for r in seen] == want, seen
PY
done
exit 0
