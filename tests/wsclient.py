# SPDX-License-Identifier: MIT
"""WebSocket client side for scenario tests (RFC 6455, python3 stdlib only),
over a rawhttp.Conn:

    from rawhttp import Conn
    import wsclient
    c = Conn(port)
    r = wsclient.handshake(c, "/ws", host="localhost", origin="http://localhost")
    assert r.status == 101 and wsclient.accepted(r, c.ws_key), r
    wsclient.send(c, 1, b"hello")
    assert wsclient.recv(c) == (1, True, b"hello")
"""

import base64
import hashlib
import os

from rawhttp import build

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def accept_for(key):
    """The Sec-WebSocket-Accept a server answers to key."""
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def upgrade_request(path, host, origin=None, key=None, extra=()):
    """The bytes of a GET upgrade request (and the key it carries)."""
    key = key or base64.b64encode(os.urandom(16)).decode()
    headers = [("Upgrade", "websocket"), ("Connection", "Upgrade"),
               ("Sec-WebSocket-Key", key), ("Sec-WebSocket-Version", "13")]
    if origin is not None:
        headers.append(("Origin", origin))
    return build("GET", path, host, headers + list(extra)), key


def handshake(c, path, host, origin=None, extra=()):
    """Send an upgrade request on c and read the response head (a 101 has
    no body; any other response is read whole). c.ws_key is the key sent."""
    data, c.ws_key = upgrade_request(path, host, origin, extra=extra)
    c.send(data)
    r = c.read_head()
    if r.status != 101:
        r.body = b"".join(c.iter_body(r))
    return r


def accepted(r, key):
    """True if r is a valid 101 answer to key."""
    return (r.status == 101 and "websocket" in r.tokens("upgrade")
            and "upgrade" in r.tokens("connection")
            and r.header("Sec-WebSocket-Accept") == accept_for(key))


def frame(opcode, payload, masked=True, fin=True):
    b0 = (0x80 if fin else 0) | opcode
    n = len(payload)
    m = 0x80 if masked else 0
    if n < 126:
        head = bytes([b0, m | n])
    elif n < 65536:
        head = bytes([b0, m | 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([b0, m | 127]) + n.to_bytes(8, "big")
    if not masked:
        return head + payload
    mask = os.urandom(4)
    return head + mask + unmask(payload, mask)


def unmask(payload, mask):
    n = len(payload)
    k = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
    return (int.from_bytes(payload, "big") ^ k).to_bytes(n, "big")


def send(c, opcode, payload):
    """A masked frame from the client."""
    c.send(frame(opcode, payload))


def recv(c):
    """One frame from the server: (opcode, fin, payload); a server frame
    must not be masked."""
    b0, b1 = c.read_exact(2)
    if b1 & 0x80:
        raise AssertionError("server frame is masked")
    n = b1 & 0x7F
    if n == 126:
        n = int.from_bytes(c.read_exact(2), "big")
    elif n == 127:
        n = int.from_bytes(c.read_exact(8), "big")
    return b0 & 0x0F, bool(b0 & 0x80), c.read_exact(n)


def close(c, code=1000):
    """Close handshake: send a close frame, expect one back."""
    send(c, 8, code.to_bytes(2, "big"))
    op, _, payload = recv(c)
    if op != 8:
        raise AssertionError("close answered with opcode %d %r" % (op, payload))
