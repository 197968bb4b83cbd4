# SPDX-License-Identifier: MIT
"""Minimal raw HTTP/1.x client for scenario tests (python3 stdlib only).

Unlike curl it shows exactly what arrived on one TCP connection: interim
1xx responses, framing (Content-Length, chunked, close-delimited), whether
the peer closed.  Use it from inline python in a scenario:

    zs_python - "$ZS_PORT" <<'EOF'      (lib.sh puts tests/ on PYTHONPATH)
    import sys
    from rawhttp import Conn
    c = Conn(int(sys.argv[1]))
    r = c.request("GET", "/echo", host="example")
    assert r.status == 200, r
"""

import hashlib
import json
import socket


class ProtocolError(Exception):
    pass


def pattern_bytes(n):
    """n bytes of tests/backend.py's /bytes pattern."""
    return (bytes(range(256)) * (n // 256 + 1))[:n]


def pattern_sha256(n):
    h = hashlib.sha256()
    block = bytes(range(256)) * 256
    while n > 0:
        h.update(block[:min(n, len(block))])
        n -= len(block)
    return h.hexdigest()


class Response:
    def __init__(self, version, status, reason, headers):
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers      # [(name, value)] in received order
        self.body = b""
        self.framing = None         # "none", "length", "chunked" or "close"
        self.interim = []           # 1xx responses seen before this one

    def header(self, name):
        """The value of the first header NAME, or None."""
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def tokens(self, name):
        return [t.strip().lower() for v in self.header_all(name)
                for t in v.split(",") if t.strip()]

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "<%s %d %s %r body=%d bytes %r...>" % (
            self.version, self.status, self.reason, self.headers,
            len(self.body), self.body[:200])


class Conn:
    def __init__(self, port, host="127.0.0.1", timeout=10.0, source=None):
        self.sock = socket.create_connection(
            (host, port), timeout=timeout,
            source_address=(source, 0) if source else None)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.eof = False
        self.port = port

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        if self.eof:
            return False
        data = self.sock.recv(262144)
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def readline(self):
        while b"\n" not in self.buf:
            if not self._fill():
                raise ProtocolError("connection closed while reading a line "
                                    "(have %r)" % self.buf[:200])
        line, _, self.buf = self.buf.partition(b"\n")
        return line + b"\n"

    def read_exact(self, n):
        while len(self.buf) < n:
            if not self._fill():
                raise ProtocolError("connection closed after %d of %d bytes"
                                    % (len(self.buf), n))
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_head(self):
        line = self.readline()
        parts = line.rstrip(b"\r\n").decode("latin-1").split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
            raise ProtocolError("bad status line %r" % line)
        headers = []
        while True:
            h = self.readline()
            if h in (b"\r\n", b"\n"):
                break
            name, sep, value = h.decode("latin-1").rstrip("\r\n").partition(":")
            if not sep:
                raise ProtocolError("bad header line %r" % h)
            headers.append((name, value.strip()))
        return Response(parts[0], int(parts[1]),
                        parts[2] if len(parts) > 2 else "", headers)

    def body_framing(self, r, method="GET"):
        te = r.tokens("transfer-encoding")
        cl = r.header_all("content-length")
        if method == "HEAD" or 100 <= r.status < 200 or r.status in (204, 304):
            return "none"
        if te:
            if te[-1] != "chunked":
                raise ProtocolError("transfer-encoding %r" % te)
            return "chunked"
        if cl:
            if len(set(cl)) != 1:
                raise ProtocolError("conflicting Content-Length %r" % cl)
            return "length"
        return "close"

    def iter_body(self, r, method="GET"):
        """Yield the (decoded) body of response head r piece by piece, as
        it arrives; sets r.framing."""
        r.framing = self.body_framing(r, method)
        if r.framing == "chunked":
            while True:
                size = int(self.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.readline() not in (b"\r\n", b"\n"):
                        pass
                    return
                while size > 0:
                    if not self.buf and not self._fill():
                        raise ProtocolError("connection closed inside a chunk")
                    piece, self.buf = self.buf[:size], self.buf[size:]
                    size -= len(piece)
                    yield piece
                if self.readline() not in (b"\r\n", b"\n"):
                    raise ProtocolError("no CRLF after chunk")
        elif r.framing == "length":
            left = int(r.header("content-length"))
            while left > 0:
                if not self.buf and not self._fill():
                    raise ProtocolError("connection closed with %d body bytes "
                                        "missing" % left)
                piece, self.buf = self.buf[:left], self.buf[left:]
                left -= len(piece)
                yield piece
        elif r.framing == "close":
            while self.buf or self._fill():
                piece, self.buf = self.buf, b""
                yield piece

    def read_response(self, method="GET", skip_interim=True):
        """Read one response; HEAD/1xx/204/304 have no body.  Interim 1xx
        responses (but 101) are collected in r.interim."""
        interim = []
        while True:
            r = self.read_head()
            if 100 <= r.status < 200 and r.status != 101 and skip_interim:
                interim.append(r)
                continue
            break
        r.interim = interim
        r.body = b"".join(self.iter_body(r, method))
        return r

    def request(self, method, target, host="localhost", headers=(), body=None,
                version="HTTP/1.1"):
        """Send one request (Content-Length body if body is not None)."""
        self.send(build(method, target, host, headers, body, version))
        return self.read_response(method)

    def peer_closed(self, wait=1.0):
        """True if the peer closes (EOF) within `wait` s and sends nothing."""
        if self.buf:
            return False
        self.sock.settimeout(wait)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
        finally:
            self.sock.settimeout(10.0)
        if data:
            self.buf += data
            return False
        self.eof = True
        return True


def build(method, target, host="localhost", headers=(), body=None,
          version="HTTP/1.1"):
    lines = ["%s %s %s" % (method, target, version)]
    if host is not None:
        lines.append("Host: " + host)
    lines += ["%s: %s" % kv for kv in headers]
    if body is not None and not any(k.lower() in ("content-length",
                                                  "transfer-encoding")
                                    for k, _ in headers):
        lines.append("Content-Length: %d" % len(body))
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return data + (body or b"")

