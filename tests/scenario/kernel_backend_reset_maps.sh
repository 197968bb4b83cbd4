#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, a backend that resets a paired connection: zeroserve drops
# the backend's zs_peers entry all the same, and the client's next request is
# answered over a new backend connection. The backend (inline below) answers
# two keep-alive requests on a connection, then closes it with SO_LINGER 0
# (an RST); once zeroserve closed its end, zs_peers (bpftool dump of
# zeroserve's own maps, found through its fds) is empty. getpeername(2)
# fails on a reset socket, so the key must not be computed from it then.
. "$ZS_TESTS/lib.sh"

BPFTOOL=/usr/sbin/bpftool
[ -x "$BPFTOOL" ] || BPFTOOL=$(command -v bpftool) || skip "bpftool is not installed"

cg_setup
kmsg_mark
PB=$(zs_port)
cg_spawn "$PYTHON" -c '
import socket, struct, sys, threading, time
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", int(sys.argv[1])))
ls.listen(16)

def serve(c):
    buf, n = b"", 0
    while True:
        while b"\r\n\r\n" not in buf:
            data = c.recv(65536)
            if not data:
                c.close()
                return
            buf += data
        buf = buf.split(b"\r\n\r\n", 1)[1]
        n += 1
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
        if n == 2:
            time.sleep(0.3)  # the answer is out; then reset
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            c.close()
            return

while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
' "$PB"
_zs_wait_port "$PB" "$CG_PID" 5 || fail "the resetting backend did not listen on $PB"
zs_start_kernel "/=127.0.0.1:$PB"

zs_python - "$ZS_PORT" "$ZS_PID" "$BPFTOOL" "$PB" <<'PY' || fail "zs_peers after a backend reset"
import json, os, re, subprocess, sys, time
from rawhttp import Conn
port, pid, bpftool, bport = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])

def bpf(*args):
    p = subprocess.run([bpftool, "-j"] + list(args), capture_output=True, text=True)
    assert p.returncode == 0, "bpftool %s: %s" % (" ".join(args), p.stderr.strip())
    return json.loads(p.stdout or "[]")

def peers():
    """Entries of zeroserve's zs_peers (a map it holds open)."""
    d = "/proc/%d/fdinfo" % pid
    for fd in os.listdir(d):
        m = re.search(r"^map_id:\s*(\d+)", open(os.path.join(d, fd)).read(), re.M)
        if m and bpf("map", "show", "id", m.group(1)).get("name") == "zs_peers":
            return len(bpf("map", "dump", "id", m.group(1)))
    raise AssertionError("zeroserve holds no zs_peers map")

def backend_socks():
    """zeroserve's sockets connected to the backend's port."""
    inodes = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(name).read().splitlines()[1:]:
            f = line.split()
            if int(f[2].rsplit(":", 1)[1], 16) == bport:
                inodes.add("socket:[%s]" % f[9])
    n = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            n += os.readlink("/proc/%d/fd/%s" % (pid, fd)) in inodes
        except FileNotFoundError:  # closed meanwhile
            pass
    return n

c = Conn(port)
for i in range(2):
    r = c.request("GET", "/one/%d" % i, host="reset.localhost")
    assert r.status == 200 and r.body == b"ok\n", "request %d: %r" % (i, r)
assert peers() == 1, "zs_peers holds %d entries while paired, want 1" % peers()
# The backend resets 0.3 s after its second answer; zeroserve then closes
# its end, and with it the entry must be gone.
for _ in range(100):
    if backend_socks() == 0:
        break
    time.sleep(0.05)
assert backend_socks() == 0, "zeroserve kept its reset backend connection"
assert peers() == 0, "zs_peers holds %d entries after the backend reset" % peers()
r = c.request("GET", "/one/2", host="reset.localhost")
assert r.status == 200 and r.body == b"ok\n", "request after the reset: %r" % r
PY

kmsg_check
exit 0
