#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A small MCP server for zeroserve's --mcp scenarios: the Streamable HTTP
transport of the Model Context Protocol (spec 2025-06-18) on http.server.

Usage: mcp_backend.py --port P [--record FILE]

Listens on 127.0.0.1:P (HTTP/1.1, keep-alive, one thread per connection),
prints "ready" once listening, exits on SIGTERM. With --record FILE, every
request is appended to FILE as it is read, one JSON line: {"method",
"path", "body" (the body as latin-1 text)}.

POST /mcp takes one JSON-RPC 2.0 message:
  initialize                  result (protocolVersion, capabilities,
                              serverInfo), an Mcp-Session-Id header
  ping                        result {}
  tools/list                  result: the tools below
  tools/call get_weather      result, "isError": false; its text and its
                              structuredContent give the arguments back
  tools/call fail_tool        result with "isError": true (the tool failed),
                              after a text of arguments.size bytes
  tools/call http_500         HTTP 500 with a JSON-RPC error body
  tools/call wrong_id         a result whose id is not the request's
  tools/call anything else    JSON-RPC error -32602 (unknown tool)
  another method              JSON-RPC error -32601
  a notification (no id), or a client's response (result or error, no
  method)                     202, no body
  not JSON                    400, JSON-RPC error -32700
  JSON but not a message      400, JSON-RPC error -32600
The head and the body go in one TCP write. The answer is
application/json (Content-Length) unless the request's
Accept names text/event-stream and not application/json, or it has
"X-Test-SSE: 1": then text/event-stream, chunked, two events: first a
server notification (notifications/message, one data line), then the
response, its JSON on several data lines. Request headers for the tests:
  X-Test-Split: N     write the body N bytes at a time (one chunk each for
                      SSE), 2 ms apart, each piece its own TCP write
  X-Test-EOL: crlf|cr SSE lines end in CRLF or in a lone CR (default LF)
GET (and any other method) on /mcp: 405, "Allow: POST". Other paths: 404.
"""

import argparse
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RECORD = None
record_lock = threading.Lock()
session_lock = threading.Lock()
sessions = 0

TOOLS = [
    {"name": "get_weather", "description": "The weather in a city.",
     "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}},
                     "required": ["city"]}},
    {"name": "fail_tool", "description": "Always fails.",
     "inputSchema": {"type": "object", "properties": {}}},
]


def record(entry):
    if RECORD is None:
        return
    with record_lock:
        RECORD.write(json.dumps(entry) + "\n")


def rpc_error(mid, code, message):
    return {"jsonrpc": "2.0", "id": mid, "error": {"code": code, "message": message}}


def tools_call(mid, params):
    """(HTTP status, the JSON-RPC response) for a tools/call."""
    name = params.get("name") if isinstance(params, dict) else None
    args = params.get("arguments", {}) if isinstance(params, dict) else {}
    if name == "get_weather":
        city = args.get("city", "?") if isinstance(args, dict) else "?"
        return 200, {"jsonrpc": "2.0", "id": mid, "result": {
            "content": [{"type": "text", "text": "Weather in %s: sunny, 21 C" % city}],
            "structuredContent": {"city": city, "arguments": args},
            "isError": False}}
    if name == "fail_tool":
        # "size": N makes the text N bytes long, before "isError".
        n = args.get("size", 0) if isinstance(args, dict) else 0
        return 200, {"jsonrpc": "2.0", "id": mid, "result": {
            "content": [{"type": "text", "text": "fail_tool failed, as it always does"
                         + "." * (n if isinstance(n, int) else 0)}],
            "isError": True}}
    if name == "http_500":
        return 500, rpc_error(mid, -32603, "internal error")
    if name == "wrong_id":
        other = "not-%s" % (mid,)
        return 200, {"jsonrpc": "2.0", "id": other, "result": {
            "content": [{"type": "text", "text": "answered under another id"}]}}
    return 200, rpc_error(mid, -32602, "Unknown tool: %s" % (name,))


def dispatch(msg):
    """(HTTP status, the JSON-RPC response or None for 202, extra headers)."""
    if not isinstance(msg, dict) or msg.get("jsonrpc") != "2.0":
        return 400, rpc_error(None, -32600, "Invalid Request"), []
    if "method" not in msg:
        if "id" in msg and ("result" in msg or "error" in msg):
            return 202, None, []  # a client's response to a server request
        return 400, rpc_error(msg.get("id"), -32600, "Invalid Request"), []
    if "id" not in msg:
        return 202, None, []  # a notification
    mid, method, params = msg["id"], msg["method"], msg.get("params", {})
    if method == "initialize":
        global sessions
        with session_lock:
            sessions += 1
            sid = "zs-test-session-%d" % sessions
        return 200, {"jsonrpc": "2.0", "id": mid, "result": {
            "protocolVersion": "2025-06-18",
            "capabilities": {"tools": {"listChanged": False}, "logging": {}},
            "serverInfo": {"name": "zs-test-mcp", "version": "1.0"}}}, \
            [("Mcp-Session-Id", sid)]
    if method == "ping":
        return 200, {"jsonrpc": "2.0", "id": mid, "result": {}}, []
    if method == "tools/list":
        return 200, {"jsonrpc": "2.0", "id": mid, "result": {"tools": TOOLS}}, []
    if method == "tools/call":
        status, resp = tools_call(mid, params)
        return status, resp, []
    return 200, rpc_error(mid, -32601, "Method not found: %s" % (method,)), []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # each piece its own TCP write
    server_version = "zs-test-mcp/1.0"

    def log_message(self, fmt, *args):
        pass

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def pieces(self, data):
        """data as the X-Test-Split pieces (one piece without it)."""
        try:
            n = int(self.headers.get("X-Test-Split", "0"))
        except ValueError:
            n = 0
        if n <= 0:
            return [data]
        return [data[i:i + n] for i in range(0, len(data), n)]

    def write_pieces(self, pieces, chunked):
        """The head (headers sent so far) and the body's pieces: one TCP
        write for all when there is one piece, else the head, then each
        piece (and the last chunk with the last piece)."""
        self._headers_buffer.append(b"\r\n")
        out = [b"".join(self._headers_buffer)]
        self._headers_buffer = []
        if len(pieces) > 1:
            self.wfile.write(out.pop())
        for k, p in enumerate(pieces):
            if k > 0:
                time.sleep(0.002)
            out.append(b"%x\r\n%s\r\n" % (len(p), p) if chunked else p)
            if k == len(pieces) - 1 and chunked:
                out.append(b"0\r\n\r\n")
            self.wfile.write(b"".join(out))
            out = []
        self.wfile.flush()

    def wants_sse(self):
        if self.headers.get("X-Test-SSE", "") == "1":
            return True
        accept = [t.split(";")[0].strip().lower()
                  for t in self.headers.get("Accept", "").split(",")]
        return "text/event-stream" in accept and "application/json" not in accept

    def send_plain(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        path = self.path.split("?")[0]
        body = self.read_body()
        record({"method": "POST", "path": self.path, "body": body.decode("latin-1")})
        if path != "/mcp":
            return self.send_plain(404, b"not found: %s\n" % self.path.encode("latin-1"))
        try:
            msg = json.loads(body.decode("utf-8", "replace"))
        except ValueError:
            status, resp, extra = 400, rpc_error(None, -32700, "Parse error"), []
        else:
            status, resp, extra = dispatch(msg)
        self.send_response(status)
        for k, v in extra:
            self.send_header(k, v)
        if resp is None:
            self.send_header("Content-Length", "0")
            self.end_headers()
            self.wfile.flush()
            return
        if status == 200 and self.wants_sse():
            eol = {"crlf": b"\r\n", "cr": b"\r"}.get(self.headers.get("X-Test-EOL", ""), b"\n")
            note = {"jsonrpc": "2.0", "method": "notifications/message",
                    "params": {"level": "info", "logger": "zs-test",
                               "data": "working on it"}}
            lines = [b": zs-test stream", b"event: message", b"id: 1",
                     b"data: " + json.dumps(note).encode(), b""]
            lines += [b"event: message", b"id: 2"]
            lines += [b"data: " + ln.encode()
                      for ln in json.dumps(resp, indent=1, ensure_ascii=False).split("\n")]
            lines += [b"", b""]
            data = eol.join(lines)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.write_pieces(self.pieces(data), True)
            return
        data = json.dumps(resp, ensure_ascii=False).encode()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.write_pieces(self.pieces(data), False)

    def other(self):
        path = self.path.split("?")[0]
        body = self.read_body() if self.command != "HEAD" else b""
        record({"method": self.command, "path": self.path, "body": body.decode("latin-1")})
        if path == "/mcp":
            return self.send_plain(405, b"method not allowed\n", [("Allow", "POST")])
        return self.send_plain(404, b"not found: %s\n" % self.path.encode("latin-1"))

    do_GET = do_DELETE = do_PUT = do_PATCH = do_OPTIONS = other


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main():
    global RECORD
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--record")
    args = ap.parse_args()
    if args.record:
        RECORD = open(args.record, "a", buffering=1)
    srv = Server(("127.0.0.1", args.port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("ready", flush=True)
    try:
        srv.serve_forever()
    finally:
        srv.server_close()


if __name__ == "__main__":
    main()
