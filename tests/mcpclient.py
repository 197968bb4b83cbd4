# SPDX-License-Identifier: MIT
"""A small MCP client (Streamable HTTP, spec 2025-06-18) for the --mcp
scenarios, over one keep-alive connection (rawhttp.Conn), and what
zeroserve should log of each call.

    from mcpclient import Client
    c = Client(port)
    r = c.call("tools/call", {"name": "get_weather", "arguments": {...}})
    r.status, r.message (the JSON-RPC response, or None), r.events (SSE),
    r.sent and r.got (the bytes of the request and of its whole answer)
"""
import json

from obslib import CountingConn

ACCEPT = "application/json, text/event-stream"


def sse_events(body):
    """The events of a text/event-stream body (LF, CRLF or CR line ends):
    a list of {"event", "id", "data"}, as an EventSource dispatches them."""
    text = body.decode("utf-8")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    events, cur, data = [], {}, None
    for ln in lines:
        if ln == "":
            if data is not None:
                cur["data"] = "\n".join(data)
                events.append(cur)
            cur, data = {}, None
            continue
        if ln.startswith(":"):
            continue
        name, _, value = ln.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            data = (data or []) + [value]
        elif name in ("event", "id"):
            cur[name] = value
    return events


class Reply:
    def __init__(self, http, message, events, sent, got):
        self.http = http
        self.sent = sent
        self.got = got
        self.status = http.status
        self.message = message  # the JSON-RPC response to the call, or None
        self.events = events    # SSE events, [] for a JSON answer

    def outcome(self):
        """What zeroserve should log as mcp_outcome for this call, from what
        the client got."""
        if not 200 <= self.status <= 299:
            return "http_error"
        m = self.message
        if m is None:
            return "none"
        if "error" in m:
            return "error"
        if isinstance(m.get("result"), dict) and m["result"].get("isError") is True:
            return "tool_error"
        return "ok"


class Client:
    def __init__(self, port, path="/mcp", host="localhost", timeout=10.0):
        self.conn = CountingConn(port, timeout=timeout)
        self.path = path
        self.host = host
        self.next_id = 1
        self.session = None

    def close(self):
        self.conn.close()

    def post(self, body, headers=(), accept=ACCEPT):
        """POST raw body bytes: (the rawhttp Response, bytes sent, bytes got)."""
        h = [("Content-Type", "application/json"), ("Accept", accept)]
        if self.session is not None:
            h += [("Mcp-Session-Id", self.session), ("MCP-Protocol-Version", "2025-06-18")]
        h += list(headers)
        return self.conn.exchange("POST", self.path, host=self.host, headers=h, body=body)

    def call(self, method, params=None, notify=False, headers=(), accept=None, mid=None):
        """One JSON-RPC request (a notification with notify) and its answer.
        accept replaces the Accept header."""
        msg = {"jsonrpc": "2.0", "method": method}
        if not notify:
            if mid is None:
                mid = self.next_id
                self.next_id += 1
            msg["id"] = mid
        if params is not None:
            msg["params"] = params
        body = json.dumps(msg, ensure_ascii=False).encode("utf-8", "surrogateescape")
        return self.send(body, None if notify else mid, headers, accept)

    def send(self, body, mid, headers=(), accept=None):
        """POST body (a JSON-RPC message with id mid, None for none) and read
        the answer."""
        r, sent, got = self.post(body, headers, ACCEPT if accept is None else accept)
        sid = r.header("Mcp-Session-Id")
        if sid is not None:
            self.session = sid
        ctype = (r.header("Content-Type") or "").split(";")[0].strip().lower()
        events, message = [], None
        if ctype == "text/event-stream":
            events = sse_events(r.body)
            for ev in events:
                m = json.loads(ev["data"])
                if mid is not None and m.get("id") == mid and "method" not in m:
                    message = m
                    break
        elif ctype == "application/json" and r.body:
            m = json.loads(r.body)
            if mid is not None and isinstance(m, dict) and m.get("id") == mid:
                message = m
        return Reply(r, message, events, sent, got)
