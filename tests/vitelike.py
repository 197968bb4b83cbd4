#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A Vite-like dev server for scenario tests (python3 stdlib only).

Usage: vitelike.py --port P [--allowed-host NAME]... [--record FILE]

Listens on 127.0.0.1:P, prints "ready" once listening, exits on SIGTERM.
Like Vite >= 5.4.12 (server.allowedHosts), it answers 403 to a request whose
Host is not localhost, a subdomain of localhost, an IP literal or an
--allowed-host NAME. It serves:

  / and /index.html   an HTML page that loads /@vite/client
  /@vite/client       a script that opens the HMR WebSocket
  /__hmr              the HMR WebSocket (Upgrade: websocket): refused with
                      403 when an Origin is present and its host is not
                      allowed by the same rules (a dev server must not let
                      another site's page talk to it); once open it sends
                      {"type":"connected"} and echoes every text or binary
                      frame, answers ping and close
  anything else       404

With --record FILE every request head is appended to FILE as a JSON line
{"method", "target", "headers"} before it is answered.
"""

import argparse
import base64
import hashlib
import http.server
import ipaddress
import json
import socket
import sys
import threading
import urllib.parse

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
ALLOWED = []
RECORD = None
record_lock = threading.Lock()

INDEX = b"""<!doctype html>
<html lang="en">
<head>
<meta charset="UTF-8">
<script type="module" src="/@vite/client"></script>
<title>vitelike</title>
</head>
<body><div id="app">vitelike-index</div></body>
</html>
"""

CLIENT = b"""// vitelike HMR client
const socket = new WebSocket(`ws://${location.host}/__hmr`, "vite-hmr");
socket.addEventListener("message", (e) => console.log("[vite]", e.data));
"""


def hostname(value):
    """The host part of a Host value (no port, no brackets), lower case."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].partition("]")[0]
    return value.rpartition(":")[0] if value.count(":") == 1 else value


def host_allowed(name):
    if name.endswith("."):
        name = name[:-1]
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        pass
    for a in ALLOWED:
        if a.startswith(".") and (name == a[1:] or name.endswith(a)):
            return True
        if name == a:
            return True
    return False


def frame(opcode, payload):
    n = len(payload)
    if n < 126:
        head = bytes([0x80 | opcode, n])
    elif n < 65536:
        head = bytes([0x80 | opcode, 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x80 | opcode, 127]) + n.to_bytes(8, "big")
    return head + payload


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "vitelike"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, ctype, body):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        if RECORD is not None:
            line = json.dumps({"method": self.command, "target": self.path,
                               "headers": [[k, v] for k, v in self.headers.items()]})
            with record_lock:
                RECORD.write(line + "\n")
                RECORD.flush()
        host = self.headers.get("Host")
        if host is None or not host_allowed(hostname(host)):
            h = hostname(host or "")
            return self.reply(403, "text/plain",
                              ('Blocked request. This host ("%s") is not allowed.\n'
                               'To allow this host, add "%s" to `server.allowedHosts` '
                               'in vite.config.js.\n' % (h, h)).encode())
        path = urllib.parse.urlsplit(self.path).path
        if path in ("/", "/index.html"):
            return self.reply(200, "text/html", INDEX)
        if path == "/@vite/client":
            return self.reply(200, "text/javascript", CLIENT)
        if path == "/__hmr" and "websocket" in self.headers.get("Upgrade", "").lower():
            return self.hmr()
        return self.reply(404, "text/plain", b"not found\n")

    def hmr(self):
        origin = self.headers.get("Origin")
        if origin is not None:
            o = urllib.parse.urlsplit(origin)
            if not o.scheme or not host_allowed((o.hostname or "").lower()):
                return self.reply(403, "text/plain", b"origin not allowed\n")
        key = self.headers.get("Sec-WebSocket-Key")
        if not key or "upgrade" not in self.headers.get("Connection", "").lower():
            return self.reply(400, "text/plain", b"websocket upgrade expected\n")
        accept = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        if "vite-hmr" in self.headers.get("Sec-WebSocket-Protocol", ""):
            self.send_header("Sec-WebSocket-Protocol", "vite-hmr")
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        out = self.connection
        out.sendall(frame(1, b'{"type":"connected"}'))
        rf = self.rfile
        while True:
            h = rf.read(2)
            if len(h) < 2:
                return
            op, n = h[0] & 0x0F, h[1] & 0x7F
            if n == 126:
                n = int.from_bytes(rf.read(2), "big")
            elif n == 127:
                n = int.from_bytes(rf.read(8), "big")
            mask = rf.read(4) if h[1] & 0x80 else None
            data = rf.read(n)
            if len(data) < n:
                return
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            if op == 8:
                out.sendall(frame(8, data[:2]))
                return
            if op == 9:
                out.sendall(frame(10, data))
            elif op in (1, 2):
                out.sendall(frame(op, data))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global RECORD
    ap = argparse.ArgumentParser(description="a Vite-like dev server for tests")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--allowed-host", action="append", default=[],
                    help="also allow this Host (.example.test: it and its subdomains)")
    ap.add_argument("--record", help="append every request head to this file")
    args = ap.parse_args()
    ALLOWED.extend(a.lower() for a in args.allowed_host)
    if args.record:
        RECORD = open(args.record, "a", encoding="utf-8")
    try:
        server = Server(("127.0.0.1", args.port), Handler)
    except OSError as e:
        print("vitelike.py: cannot listen on port %d: %s" % (args.port, e), file=sys.stderr)
        return 1
    server.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    print("ready", flush=True)
    server.serve_forever(poll_interval=0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
