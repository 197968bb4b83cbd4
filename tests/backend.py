#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Test backend for zeroserve's scenario tests: a small, real HTTP/1.1 server.

Usage: backend.py --port P [--name NAME] [--record FILE]
                  [--keepalive-timeout SECS]

Listens on 127.0.0.1:P, prints "ready" once listening, exits on SIGTERM.
With --record FILE, every request head it reads is appended to FILE before
it is answered, one JSON line: {"backend", "method", "target", "headers"}
(what a test needs to show that a request never reached the backend).
Every response carries "X-Backend: NAME" and "X-Conn-Id: N" (N is the
number of the TCP connection that carried the request, counted from 1).
Keep-alive follows HTTP/1.1 (HTTP/1.0 only with "Connection: keep-alive").
With --keepalive-timeout SECS, a connection that stays idle for SECS after
a response is closed (FIN), as nginx's keepalive_timeout does; the wait for
a connection's first request is not limited.
Request bodies (Content-Length or chunked, with "Expect: 100-continue") are
read on every path.  Endpoints:

  /echo...                any method: JSON describing the request
  /bytes/N[?chunked=1|?close=1]   N bytes of the repeating 0..255 pattern
  /sse?n=K&interval=MS[&close=1]  K server-sent events, MS ms apart
  /chunks?n=K&interval=MS         K chunks, MS ms apart
  /status/CODE            that status (204 and 304 without a body)
  /sleep/MS               answer after MS ms
  /midclose[?length=N]    Content-Length: N (1000000), 1000 bytes, then close
  /conns                  number of accepted TCP connections so far
  /ws                     RFC 6455 echo (with Upgrade: websocket)
  /headers-hop            response carrying hop-by-hop headers
  /raw/HEX                exactly these bytes (hex), then close
  anything else           404, body "not found: TARGET"
HEAD works on every path: the GET headers, no body.
"""

import argparse
import base64
import hashlib
import json
import socket
import socketserver
import sys
import threading
import time
import urllib.parse

PATTERN_BLOCK = bytes(range(256)) * 256  # 64 KiB, starts at pattern offset 0
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_LINE = 65536
MAX_HEADERS = 200

REASONS = {
    100: "Continue", 101: "Switching Protocols", 200: "OK", 201: "Created",
    202: "Accepted", 204: "No Content", 206: "Partial Content",
    301: "Moved Permanently", 302: "Found", 304: "Not Modified",
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
    404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
    413: "Payload Too Large", 418: "I'm a teapot", 429: "Too Many Requests",
    500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Timeout",
}

NAME = "backend"
RECORD = None  # the --record file, line buffered
KEEPALIVE = None  # --keepalive-timeout, seconds
record_lock = threading.Lock()
conn_lock = threading.Lock()
conn_count = 0


class BadRequest(Exception):
    pass


class Closed(Exception):
    """The peer went away; drop the connection quietly."""


def pattern(n):
    """Yield n bytes of the 0..255 pattern in blocks of at most 64 KiB."""
    while n > 0:
        block = PATTERN_BLOCK if n >= len(PATTERN_BLOCK) else PATTERN_BLOCK[:n]
        n -= len(block)
        yield block


class Request:
    def __init__(self, method, target, version, headers):
        self.method = method
        self.target = target          # raw request-target, bytes
        self.version = version        # "HTTP/1.1"
        self.headers = headers        # [(name, value)] as str (latin-1)
        path, _, query = target.decode("latin-1").partition("?")
        self.path = path
        self.query = urllib.parse.parse_qs(query)

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def tokens(self, name):
        out = []
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                out += [t.strip().lower() for t in v.split(",") if t.strip()]
        return out

    def qint(self, key, default):
        try:
            return int(self.query[key][0])
        except (KeyError, ValueError, IndexError):
            return default

    def qflag(self, key):
        return self.query.get(key, ["0"])[0] not in ("", "0")


class Handler(socketserver.BaseRequestHandler):
    def setup(self):
        global conn_count
        with conn_lock:
            conn_count += 1
            self.conn_id = conn_count
        self.sock = self.request
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rfile = self.sock.makefile("rb", buffering=65536)

    def finish(self):
        try:
            self.rfile.close()
        except OSError:
            pass

    # ---- reading -------------------------------------------------------

    def readline(self):
        line = self.rfile.readline(MAX_LINE + 1)
        if not line:
            raise Closed()
        if len(line) > MAX_LINE or not line.endswith(b"\n"):
            raise BadRequest("line too long or truncated")
        return line

    def read_request(self):
        line = self.rfile.readline(MAX_LINE + 1)
        while line in (b"\r\n", b"\n"):  # tolerate stray CRLF between requests
            line = self.rfile.readline(MAX_LINE + 1)
        if not line:
            return None
        if len(line) > MAX_LINE or not line.endswith(b"\n"):
            raise BadRequest("request line too long")
        parts = line.rstrip(b"\r\n").split(b" ")
        if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
            raise BadRequest("bad request line")
        headers = []
        while True:
            h = self.readline()
            if h in (b"\r\n", b"\n"):
                break
            if len(headers) >= MAX_HEADERS:
                raise BadRequest("too many headers")
            name, sep, value = h.rstrip(b"\r\n").partition(b":")
            if not sep or not name or name != name.strip():
                raise BadRequest("bad header line")
            headers.append((name.decode("latin-1"),
                            value.strip(b" \t").decode("latin-1")))
        return Request(parts[0].decode("latin-1"), parts[1],
                       parts[2].decode("latin-1"), headers)

    def read_exact(self, n):
        data = self.rfile.read(n)
        if data is None or len(data) != n:
            raise Closed()
        return data

    def read_body(self, req, sink):
        """Read the request body, feeding it to sink(bytes)."""
        te = req.tokens("transfer-encoding")
        cl = req.header("content-length")
        if te:
            if te[-1] != "chunked":
                raise BadRequest("unsupported transfer-encoding")
        elif cl is None:
            return
        if req.version == "HTTP/1.1" and \
                (req.header("expect") or "").lower() == "100-continue":
            self.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        if te:
            while True:
                size_line = self.readline().split(b";")[0].strip()
                try:
                    size = int(size_line, 16)
                except ValueError:
                    raise BadRequest("bad chunk size")
                if size == 0:
                    while self.readline() not in (b"\r\n", b"\n"):
                        pass  # trailers are read and dropped
                    return
                while size > 0:
                    part = self.rfile.read(min(size, 1 << 20))
                    if not part:
                        raise Closed()
                    sink(part)
                    size -= len(part)
                if self.readline() not in (b"\r\n", b"\n"):
                    raise BadRequest("missing CRLF after chunk")
        else:
            try:
                n = int(cl)
            except ValueError:
                raise BadRequest("bad content-length")
            if n < 0:
                raise BadRequest("bad content-length")
            while n > 0:
                part = self.rfile.read(min(n, 1 << 20))
                if not part:
                    raise Closed()
                sink(part)
                n -= len(part)

    # ---- writing -------------------------------------------------------

    def head(self, status, headers, keep):
        lines = ["HTTP/1.1 %d %s" % (status, REASONS.get(status, "Status")),
                 "X-Backend: " + NAME, "X-Conn-Id: %d" % self.conn_id]
        lines += ["%s: %s" % kv for kv in headers]
        if not keep:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def send_simple(self, req, status, body=b"", ctype="text/plain",
                    extra=(), keep=True):
        headers = list(extra)
        if status not in (204, 304) and status >= 200:
            headers = [("Content-Type", ctype),
                       ("Content-Length", str(len(body)))] + headers
        else:
            body = b""
        data = self.head(status, headers, keep)
        if req.method != "HEAD":
            data += body
        self.sock.sendall(data)
        return keep

    def send_stream(self, req, status, headers, pieces, length, keep, mode):
        """Send a body produced piece by piece.

        mode "length": Content-Length (length must be known); "chunked";
        "close": close-delimited.  HEAD gets the headers with the length.
        """
        if req.version != "HTTP/1.1" and mode == "chunked":
            mode = "close"  # an HTTP/1.0 client cannot read chunked
        if req.method == "HEAD":
            if length is not None:
                headers = headers + [("Content-Length", str(length))]
            self.sock.sendall(self.head(status, headers, keep))
            return keep
        if mode == "length":
            headers = headers + [("Content-Length", str(length))]
        elif mode == "chunked":
            headers = headers + [("Transfer-Encoding", "chunked")]
        else:
            keep = False
        self.sock.sendall(self.head(status, headers, keep))
        for piece in pieces:
            if not piece:
                continue
            if mode == "chunked":
                piece = b"%x\r\n%s\r\n" % (len(piece), piece)
            self.sock.sendall(piece)
        if mode == "chunked":
            self.sock.sendall(b"0\r\n\r\n")
        return keep

    # ---- endpoints -----------------------------------------------------

    def ep_echo(self, req, body_info, keep):
        doc = {
            "backend": NAME,
            "method": req.method,
            "path": req.target.decode("latin-1"),
            "version": req.version,
            "headers": [[k, v] for k, v in req.headers],
            "body_length": body_info[0],
            "body_sha256": body_info[1],
            "conn_id": self.conn_id,
        }
        body = (json.dumps(doc) + "\n").encode()
        return self.send_simple(req, 200, body, "application/json", keep=keep)

    def ep_bytes(self, req, n, keep):
        if req.qflag("close"):
            mode = "close"
        elif req.qflag("chunked"):
            mode = "chunked"
        else:
            mode = "length"
        return self.send_stream(req, 200,
                                [("Content-Type", "application/octet-stream")],
                                pattern(n), n, keep, mode)

    def timed(self, n, interval_ms, make):
        for i in range(n):
            if i:
                time.sleep(interval_ms / 1000.0)
            yield make(i)

    def ep_sse(self, req, keep):
        n, ms = req.qint("n", 3), req.qint("interval", 100)
        mode = "close" if req.qflag("close") else "chunked"
        events = self.timed(n, ms, lambda i: b"data: event %d\n\n" % i)
        length = sum(len(b"data: event %d\n\n" % i) for i in range(n))
        return self.send_stream(req, 200, [("Content-Type", "text/event-stream"),
                                           ("Cache-Control", "no-cache")],
                                events, length, keep, mode)

    def ep_chunks(self, req, keep):
        n, ms = req.qint("n", 3), req.qint("interval", 100)
        chunks = self.timed(n, ms, lambda i: b"chunk %d\n" % i)
        length = sum(len(b"chunk %d\n" % i) for i in range(n))
        return self.send_stream(req, 200, [("Content-Type", "text/plain")],
                                chunks, length, keep, "chunked")

    def ep_midclose(self, req):
        length = req.qint("length", 1000000)
        data = self.head(200, [("Content-Type", "application/octet-stream"),
                               ("Content-Length", str(length))], True)
        if req.method != "HEAD":
            data += PATTERN_BLOCK[:1000]
        self.sock.sendall(data)
        if req.method == "HEAD":
            return True
        self.sock.shutdown(socket.SHUT_RDWR)
        return False

    def ep_headers_hop(self, req, keep):
        extra = [("Connection", "keep-alive, X-Hop"), ("X-Hop", "1"),
                 ("Keep-Alive", "timeout=5"), ("X-End-To-End", "1")]
        return self.send_simple(req, 200, b"hop-by-hop headers sent\n",
                                extra=extra, keep=keep)

    def ep_ws(self, req):
        key = req.header("sec-websocket-key")
        if "websocket" not in req.tokens("upgrade") or \
                "upgrade" not in req.tokens("connection") or not key:
            return self.send_simple(req, 400, b"websocket upgrade expected\n")
        accept = base64.b64encode(hashlib.sha1(key.encode() + WS_GUID).digest())
        self.sock.sendall(self.head(101, [("Upgrade", "websocket"),
                                          ("Connection", "Upgrade"),
                                          ("Sec-WebSocket-Accept",
                                           accept.decode())], True))
        while True:
            b0, b1 = self.read_exact(2)
            opcode, masked, n = b0 & 0x0F, b1 & 0x80, b1 & 0x7F
            if n == 126:
                n = int.from_bytes(self.read_exact(2), "big")
            elif n == 127:
                n = int.from_bytes(self.read_exact(8), "big")
            mask = self.read_exact(4) if masked else None
            payload = self.read_exact(n)
            if mask:
                payload = unmask(payload, mask)
            if opcode == 0x8:  # close: answer with the same status, then go
                self.sock.sendall(ws_frame(0x8, payload[:2]))
                return False
            if opcode == 0x9:  # ping
                self.sock.sendall(ws_frame(0xA, payload))
            elif opcode == 0xA:  # pong
                pass
            else:  # text, binary or continuation: echo with the same header bits
                self.sock.sendall(ws_frame(opcode, payload, fin=b0 & 0x80))

    def respond(self, req):
        """Answer one request; return True to keep the connection."""
        keep = req.version == "HTTP/1.1"
        conn = req.tokens("connection")
        if "close" in conn:
            keep = False
        elif "keep-alive" in conn:
            keep = True

        path = req.path
        if path == "/ws" and req.header("upgrade"):
            return self.ep_ws(req)

        digest = hashlib.sha256()
        length = [0]

        def sink(data):
            digest.update(data)
            length[0] += len(data)

        self.read_body(req, sink)

        if path.startswith("/echo"):
            return self.ep_echo(req, (length[0], digest.hexdigest()), keep)
        parts = path.split("/")
        if len(parts) == 3 and parts[1] in ("bytes", "status", "sleep"):
            try:
                arg = int(parts[2])
            except ValueError:
                arg = -1
            if arg >= 0 and parts[1] == "bytes":
                return self.ep_bytes(req, arg, keep)
            if 100 <= arg <= 599 and parts[1] == "status":
                return self.send_simple(req, arg, b"status %d\n" % arg,
                                        keep=keep)
            if arg >= 0 and parts[1] == "sleep":
                time.sleep(arg / 1000.0)
                return self.send_simple(req, 200, b"slept %d ms\n" % arg,
                                        keep=keep)
        elif path == "/sse":
            return self.ep_sse(req, keep)
        elif path == "/chunks":
            return self.ep_chunks(req, keep)
        elif path == "/midclose":
            return self.ep_midclose(req)
        elif path == "/conns":
            with conn_lock:
                n = conn_count
            return self.send_simple(req, 200, b"%d\n" % n, keep=keep)
        elif path == "/headers-hop":
            return self.ep_headers_hop(req, keep)
        elif len(parts) == 3 and parts[1] == "raw":
            # The answer is exactly these bytes (hex), then the connection
            # closes: for responses zeroserve must refuse.
            self.sock.sendall(bytes.fromhex(parts[2]))
            return False
        return self.send_simple(req, 404, b"not found: %s\n" % req.target,
                                keep=keep)

    def handle(self):
        first = True
        try:
            while True:
                try:
                    # Only the wait for the next request line is timed: a
                    # timeout ends handle() (TimeoutError), which closes.
                    if KEEPALIVE is not None and not first:
                        self.sock.settimeout(KEEPALIVE)
                    first = False
                    req = self.read_request()
                    self.sock.settimeout(None)
                except BadRequest as e:
                    msg = ("bad request: %s\n" % e).encode()
                    self.sock.sendall(b"HTTP/1.1 400 Bad Request\r\n"
                                      b"X-Backend: " + NAME.encode() +
                                      b"\r\nContent-Length: %d\r\n"
                                      b"Connection: close\r\n\r\n" % len(msg)
                                      + msg)
                    return
                if req is not None and RECORD is not None:
                    record(req)
                if req is None or not self.respond(req):
                    return
        except (Closed, BadRequest, ConnectionError, BrokenPipeError,
                TimeoutError, OSError):
            return


def record(req):
    line = json.dumps({"backend": NAME, "method": req.method,
                       "target": req.target.decode("latin-1"),
                       "headers": [[k, v] for k, v in req.headers]})
    with record_lock:
        RECORD.write(line + "\n")
        RECORD.flush()


def unmask(payload, mask):
    n = len(payload)
    m = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
    return (int.from_bytes(payload, "big") ^ m).to_bytes(n, "big")


def ws_frame(opcode, payload, fin=True):
    b0 = (0x80 if fin else 0) | opcode
    n = len(payload)
    if n < 126:
        head = bytes([b0, n])
    elif n < 65536:
        head = bytes([b0, 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([b0, 127]) + n.to_bytes(8, "big")
    return head + payload


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 512


class Server6(Server):
    address_family = socket.AF_INET6


def main():
    global NAME, RECORD, KEEPALIVE
    ap = argparse.ArgumentParser(description="zeroserve test backend")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--name", default="backend")
    ap.add_argument("--host", default="127.0.0.1", help="address to listen on (::1 for IPv6)")
    ap.add_argument("--record", help="append every request head to this file (JSON lines)")
    ap.add_argument("--keepalive-timeout", type=float,
                    help="close a connection idle for this many seconds after a response")
    args = ap.parse_args()
    NAME = args.name
    KEEPALIVE = args.keepalive_timeout
    if args.record:
        RECORD = open(args.record, "a", encoding="utf-8")
    try:
        cls = Server6 if ":" in args.host else Server
        server = cls((args.host, args.port), Handler)
    except OSError as e:
        print("backend.py: cannot listen on %s port %d: %s" % (args.host, args.port, e),
              file=sys.stderr)
        return 1
    print("ready", flush=True)
    server.serve_forever(poll_interval=0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
