# SPDX-License-Identifier: MIT
"""Helpers for the metrics and logs scenarios (zeroserve(8), METRICS AND
LOGS): a client that counts the bytes it sends and receives per request,
and a strict reader of the JSON access log."""
import json
import re

from rawhttp import Conn, build

# Every JSON access-log line has these fields, with these types.
LOG_FIELDS = {
    "time": str, "client": str, "method": str, "path": str, "status": int,
    "bytes": int, "request_bytes": int, "response_bytes": int,
    "duration_ms": (int, float), "route": str, "backend": str, "engine": str,
}
# And may have these.
LOG_OPTIONAL = {
    "reason": str, "tag": str, "source": str, "cgroup_id": int,
    "path_truncated": bool, "mcp_method": str, "mcp_tool": str,
    "mcp_outcome": str,
}
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


class CountingConn(Conn):
    """A Conn that knows how many bytes each request and answer took."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.received = 0

    def _fill(self):
        before = len(self.buf)
        ok = super()._fill()
        self.received += len(self.buf) - before
        return ok

    def consumed(self):
        return self.received - len(self.buf)

    def exchange(self, method, target, host="localhost", headers=(), body=None):
        """(response, bytes sent, bytes of the response received); sets
        r.wire_body: the body's bytes as they came, chunk framing and all
        (what the access log's "bytes" counts, as nginx's $body_bytes_sent)."""
        raw = build(method, target, host, headers, body)
        start = self.consumed()
        self.send(raw)
        r = self.read_head()
        head = self.consumed() - start
        r.body = b"".join(self.iter_body(r, method))
        got = self.consumed() - start
        r.wire_body = got - head
        return r, len(raw), got


def read_log(path):
    """The JSON access log's lines, each checked against the documented
    fields; raises AssertionError naming the first bad line."""
    lines = []
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            assert raw.endswith(b"\n"), "line %d: no newline: %r" % (n, raw)
            obj = json.loads(raw)
            for k, t in LOG_FIELDS.items():
                assert k in obj, "line %d: no %s: %r" % (n, k, raw)
                assert isinstance(obj[k], t) and not isinstance(obj[k], bool) \
                    or t is bool, "line %d: %s is %r" % (n, k, obj[k])
            for k in obj:
                assert k in LOG_FIELDS or k in LOG_OPTIONAL, \
                    "line %d: undocumented field %s" % (n, k)
                if k in LOG_OPTIONAL:
                    assert isinstance(obj[k], LOG_OPTIONAL[k]), \
                        "line %d: %s is %r" % (n, k, obj[k])
            assert TIME.match(obj["time"]), "line %d: time %r" % (n, obj["time"])
            assert obj["engine"] in ("kernel", "userspace"), "line %d: engine" % n
            assert obj["duration_ms"] >= 0, "line %d: duration" % n
            lines.append(obj)
    return lines
