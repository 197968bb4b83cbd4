#!/bin/sh
# SPDX-License-Identifier: MIT
# An MCP call's arguments are never logged nor counted, on both engines and
# in both log formats: tools/call arguments (and a resources/read's params,
# a _meta) carry a secret, which reaches the server and comes back in its
# answer (JSON and SSE), and decoy "name", "method", "id", "isError",
# "error" and "result" keys nested in them. The secret and the decoys appear
# nowhere in the access log, zeroserve's own output and /metrics; the log
# and zeroserve_mcp_calls_total name the call's real method and tool and
# its real outcome.
. "$ZS_TESTS/lib.sh"
. "$ZS_TESTS/mcplib.sh"

for engine in user kernel; do
	engine_setup $engine
	for format in json text; do
		PM=$(mcp_backend_start "m-$format")
		PA=$(backend_start "a-$format")
		MP=$(zs_port)
		zs_start_on $engine --access-log "$T/access.$engine.$format" --log-format $format \
			--metrics "127.0.0.1:$MP" --mcp "mcp@/mcp=127.0.0.1:$PM" \
			"mcp@/mcp=127.0.0.1:$PM" "/=127.0.0.1:$PA"
		zs_python - "$ZS_PORT" "$T/secret.$engine.$format" >"$T/sent.$engine.$format" <<'PY' ||
import json, os, sys
from mcpclient import Client

secret = "zs-secret-" + os.urandom(8).hex()
open(sys.argv[2], "w").write(secret)
mcp = Client(int(sys.argv[1]))
decoys = {"name": "decoy_tool", "method": "decoy/method", "jsonrpc": "1.0", "id": 999,
          "isError": True, "error": {"code": -1, "message": "decoy_error"},
          "result": {"isError": True}, "params": {"name": "decoy_nested"}}


def args(**kw):
    a = dict(decoys)
    a.update(kw)
    return a


# (message, SSE, the method, tool and outcome to log, what the answer holds)
calls = [
    # The arguments, with their decoys, before the tool's name and the
    # method after the params.
    ({"jsonrpc": "2.0", "id": 1,
      "params": {"arguments": args(city=secret, note=secret + ' "q" \\ \n'), "name": "get_weather"},
      "method": "tools/call"}, False, "tools/call", "get_weather", "ok", True),
    ({"jsonrpc": "2.0", "id": 2,
      "params": {"arguments": args(city=secret), "name": "get_weather"},
      "method": "tools/call"}, True, "tools/call", "get_weather", "ok", True),
    # The decoy "name" after the real one.
    ({"jsonrpc": "2.0", "id": "call-3", "method": "tools/call",
      "params": {"name": "fail_tool", "arguments": args(secret=secret)}},
     False, "tools/call", "fail_tool", "tool_error", False),
    # A _meta naming a tool, before the name.
    ({"jsonrpc": "2.0", "id": 4, "method": "tools/call",
      "params": {"_meta": {"progressToken": secret, "name": "decoy_meta"}, "name": "get_weather",
                 "arguments": {"city": "Oslo"}}}, True, "tools/call", "get_weather", "ok", False),
    # Not a tools/call: no tool, whatever its params hold.
    ({"jsonrpc": "2.0", "id": 5, "method": "resources/read",
      "params": {"uri": "file:///" + secret, "name": "decoy_tool", "arguments": {"x": secret}}},
     False, "resources/read", None, "error", False),
]
for msg, sse, method, tool, outcome, echoed in calls:
    body = json.dumps(msg).encode()
    assert secret.encode() in body
    r = mcp.send(body, msg["id"], headers=[("X-Test-SSE", "1")] if sse else [])
    assert r.status == 200, "%r: %r" % (msg, r.http)
    assert r.outcome() == outcome, "%r: the client saw %s: %r" % (msg, r.outcome(), r.http)
    # The secret went through zeroserve both ways.
    assert (secret.encode() in r.http.body) == echoed, "%r: %r" % (msg, r.http)
    print(json.dumps({"mcp_method": method, "mcp_tool": tool, "mcp_outcome": outcome}))
mcp.close()
PY
			fail "$engine engine, $format log: the MCP session"
		secret=$(cat "$T/secret.$engine.$format")
		grep -q "$secret" "$T/mcp-m-$format.requests" || fail "the secret never reached the server"
		metric_wait "$MP" zeroserve_mcp_calls_total 5
		zs_python "$ZS_TESTS/promcheck.py" "$T/metrics" >"$T/promcheck.out" ||
			fail "$engine engine: /metrics is not valid: $(cat "$T/promcheck.out")"
		zs_stop_all
		for f in "$T/access.$engine.$format" "$T/metrics" "$ZS_LOG"; do
			! grep -q -e "$secret" -e decoy "$f" ||
				fail "$engine engine, $format log: the secret or a decoy in $f: $(grep -e "$secret" -e decoy "$f")"
		done
		zs_python - "$T/access.$engine.$format" $format "$T/sent.$engine.$format" "$T/metrics" \
			"mcp@/mcp=127.0.0.1:$PM" <<'PY' || fail "$engine engine, $format log: the MCP fields"
import collections, json, re, sys
from obslib import read_log
from promcheck import parse
path, fmt, route = sys.argv[1], sys.argv[2], sys.argv[5]
sent = [json.loads(l) for l in open(sys.argv[3])]
FIELDS = ("mcp_method", "mcp_tool", "mcp_outcome")
if fmt == "json":
    got = [{k: l.get(k) for k in FIELDS} for l in read_log(path)]
else:
    got = []
    for line in open(path, encoding="utf-8"):
        f = dict(re.findall(r' (mcp_\w+)="([^"\\]*)"', line))
        assert line.count("mcp_") == len(f), "a text line with odd mcp fields: %r" % line
        got.append({k: f.get(k) for k in FIELDS})
assert got == sent, "the log's MCP fields:\n got  %r\n want %r" % (got, sent)
samples = parse(open(sys.argv[4]).read())
m = {tuple(sorted(labels)): v for (name, labels), v in samples.items()
     if name == "zeroserve_mcp_calls_total"}
want = collections.Counter()
for s in sent:
    want[tuple(sorted({"route": route, "method": s["mcp_method"], "tool": s["mcp_tool"] or "",
                       "outcome": s["mcp_outcome"]}.items()))] += 1
assert m == dict(want), "zeroserve_mcp_calls_total:\n got  %r\n want %r" % (sorted(m.items()), sorted(want.items()))
PY
	done
done
exit 0
