#!/bin/sh
# SPDX-License-Identifier: MIT
# zeroserve_mcp_calls_total stays bounded whatever tool names clients send,
# and names any bytes safely, on both engines. A client calls initialize,
# three tools with odd names (quotes, a backslash, a newline, UTF-8; bytes
# that are not UTF-8; 100 bytes long), then 100 distinct tools, then one of
# the first again and ping: the metric has exactly 64 (method, tool) pairs,
# the first 64 met, and counts every later pair as method="other",
# tool="other" with its outcome; the total is every call. The JSON log
# names every tool (no bound there), each line valid JSON: the name as
# sent, a byte that is not UTF-8 as \u00XX, a long name cut to its first
# 63 bytes (src/mcp.h, MCP_NAME_MAX); its label value is that name's
# printable ASCII, other bytes "_", escaped as the text format wants
# (promcheck.py).
. "$ZS_TESTS/lib.sh"
. "$ZS_TESTS/mcplib.sh"

for engine in user kernel; do
	mcp_start $engine
	zs_python - "$ZS_PORT" >"$T/sent.$engine" <<'PY' || fail "$engine engine: the MCP session"
import base64, json, sys
from mcpclient import Client

mcp = Client(int(sys.argv[1]))


def call(body, mid, method, tool, outcome):
    r = mcp.send(body, mid)
    assert r.status == 200 and r.outcome() == outcome, "%r: %r" % (body, r.http)
    print(json.dumps({"method": method, "tool": tool and base64.b64encode(tool).decode(),
                      "outcome": outcome}))


def tool_call(mid, name):
    """A tools/call of name (bytes), as raw JSON: name may hold any byte."""
    esc = name.replace(b"\\", b"\\\\").replace(b'"', b'\\"').replace(b"\n", b"\\n")
    return b'{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"%s","arguments":{}}}' % (mid, esc)


call(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-06-18", "capabilities": {},
    "clientInfo": {"name": "zs-test", "version": "1"}}}).encode(), 1, "initialize", None, "ok")
odd = ['we"ird\\tool\nnamé€'.encode(), b'raw\xff\xc3("\\x', b"L" * 100]
mid = 2
for name in odd:
    call(tool_call(mid, name), mid, "tools/call", name, "error")
    mid += 1
for i in range(100):
    name = b"tool_%03d" % i
    call(tool_call(mid, name), mid, "tools/call", name, "error")
    mid += 1
call(tool_call(mid, b"tool_000"), mid, "tools/call", b"tool_000", "error")
mid += 1
call(json.dumps({"jsonrpc": "2.0", "id": mid, "method": "ping"}).encode(), mid, "ping", None, "ok")
mcp.close()
PY
	n=$(wc -l <"$T/sent.$engine")
	expect_eq "$n" 106 "$engine engine: calls made"
	metric_wait "$MP" zeroserve_mcp_calls_total 106
	zs_python "$ZS_TESTS/promcheck.py" "$T/metrics" >"$T/promcheck.out" ||
		fail "$engine engine: /metrics is not valid: $(cat "$T/promcheck.out")"
	zs_python - "$T/metrics" "$T/sent.$engine" "mcp@/mcp=127.0.0.1:$PM" <<'PY' || fail "$engine engine: zeroserve_mcp_calls_total"
import base64, collections, json, sys
from promcheck import parse
samples = parse(open(sys.argv[1]).read())
route = sys.argv[3]
sent = [json.loads(l) for l in open(sys.argv[2])]


def label(b):
    """A name's label value: its first 63 bytes (as logged), printable
    ASCII but space, other bytes "_"."""
    return "".join(chr(c) if 0x21 <= c <= 0x7e else "_" for c in b[:63])


want = collections.Counter()
pairs = []
for s in sent:
    tool = label(base64.b64decode(s["tool"])) if s["tool"] else ""
    pair = (s["method"], tool)
    if pair not in pairs and len(pairs) < 64:
        pairs.append(pair)
    if pair not in pairs:
        pair = ("other", "other")
    want[pair + (s["outcome"],)] += 1
got = {}
for (name, labels), v in samples.items():
    if name == "zeroserve_mcp_calls_total":
        d = dict(labels)
        assert d["route"] == route, d
        got[(d["method"], d["tool"], d["outcome"])] = v
assert got == dict(want), "zeroserve_mcp_calls_total:\n got  %r\n want %r" % (sorted(got.items()), sorted(want.items()))
named = {(m, t) for m, t, o in got if (m, t) != ("other", "other")}
assert len(named) == 64, "%d pairs" % len(named)
assert sum(got.values()) == 106, got
assert got[("other", "other", "error")] == 40 and got[("other", "other", "ok")] == 1, got
assert got[("tools/call", "tool_000", "error")] == 2, got
assert got[("tools/call", 'we"ird\\tool_nam_____', "error")] == 1, got
assert got[("tools/call", 'raw__("\\x', "error")] == 1, got
assert got[("tools/call", "L" * 63, "error")] == 1, got
PY
	zs_stop_all
	zs_python - "$T/access.$engine" "$T/sent.$engine" <<'PY' || fail "$engine engine: the log"
import base64, codecs, json, sys
from obslib import read_log
codecs.register_error("zs_latin1", lambda e: (e.object[e.start:e.end].decode("latin-1"), e.end))
lines = [l for l in read_log(sys.argv[1]) if l["method"] == "POST"]
sent = [json.loads(l) for l in open(sys.argv[2])]
assert len(lines) == len(sent), "%d lines for %d calls" % (len(lines), len(sent))
for l, s in zip(lines, sent):
    got = (l.get("mcp_method"), l.get("mcp_tool"), l.get("mcp_outcome"))
    tool = None
    if s["tool"]:
        # As sent, a byte that is not UTF-8 as U+00XX, the first 63 bytes.
        tool = base64.b64decode(s["tool"])[:63].decode("utf-8", "zs_latin1")
    assert got == (s["method"], tool, s["outcome"]), "line %r, sent %r" % (l, s)
odd = [l["mcp_tool"] for l in lines[1:4]]
assert odd == ['we"ird\\tool\nnamé€', 'raw\u00ff\u00c3("\\x', "L" * 63], odd
PY
done
exit 0
