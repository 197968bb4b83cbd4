#!/bin/sh
# SPDX-License-Identifier: MIT
# WebSocket through zeroserve: the upgrade handshake passes (101 with the
# right Sec-WebSocket-Accept), 100 masked text and binary messages from 1 B
# to 1 MiB come back intact, ping gets pong, close is answered.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start /=127.0.0.1:$PA

zs_python - "$ZS_PORT" <<'PY' || fail "websocket echo through zeroserve"
import base64, hashlib, os, socket, sys
from rawhttp import Conn, build
c = Conn(int(sys.argv[1]), timeout=10)
key = base64.b64encode(os.urandom(16)).decode()
c.send(build("GET", "/ws", "ws.localhost", [
    ("Upgrade", "websocket"), ("Connection", "Upgrade"),
    ("Sec-WebSocket-Key", key), ("Sec-WebSocket-Version", "13")]))
r = c.read_head()
assert r.status == 101, "handshake: %r" % r
assert "websocket" in r.tokens("upgrade"), r
assert "upgrade" in r.tokens("connection"), r
accept = base64.b64encode(hashlib.sha1(key.encode() + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest()).decode()
assert r.header("Sec-WebSocket-Accept") == accept, r
assert r.header("X-Backend") == "a", r

def send_frame(opcode, payload):
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + n.to_bytes(2, "big")
    else:
        head += bytes([0x80 | 127]) + n.to_bytes(8, "big")
    m = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
    c.send(head + mask + (int.from_bytes(payload, "big") ^ m).to_bytes(n, "big"))

def recv_frame():
    b0, b1 = c.read_exact(2)
    assert not b1 & 0x80, "server frame is masked"
    n = b1 & 0x7F
    if n == 126:
        n = int.from_bytes(c.read_exact(2), "big")
    elif n == 127:
        n = int.from_bytes(c.read_exact(8), "big")
    return b0 & 0x0F, bool(b0 & 0x80), c.read_exact(n)

total = 0
for i in range(100):
    size = max(1, round((1 << 20) ** (i / 99)))
    if i % 2:
        opcode, payload = 2, os.urandom(size)
    else:
        opcode, payload = 1, (b"0123456789abcdef" * (size // 16 + 1))[:size]
    send_frame(opcode, payload)
    op, fin, echo = recv_frame()
    assert fin and op == opcode, "message %d: opcode %d fin %s" % (i, op, fin)
    assert echo == payload, "message %d (%d bytes) came back as %d different bytes" % (i, size, len(echo))
    total += size
print("echoed 100 messages, %d bytes, largest %d" % (total, size))
assert size == 1 << 20
send_frame(9, b"are you there")
assert recv_frame() == (10, True, b"are you there"), "no pong"
send_frame(8, (1000).to_bytes(2, "big"))
op, fin, payload = recv_frame()
assert op == 8 and payload[:2] == (1000).to_bytes(2, "big"), "close answered with %d %r" % (op, payload)
assert c.peer_closed(3), "connection still open 3 s after the close handshake"
PY
exit 0
