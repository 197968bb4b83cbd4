#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, a client that resets its connection: zeroserve's entries for
# it go away all the same. Eight clients are paired with a backend connection
# (two keep-alive requests each), then close with SO_LINGER 0 (an RST, as a
# browser closing a tab with an answer unread may); once zeroserve closed
# their connections, zs_ctl and zs_peers (bpftool dump of zeroserve's own
# maps, found through its fds) hold no entry. getpeername(2) fails on a reset
# socket, so the keys must not be computed from it at close time.
. "$ZS_TESTS/lib.sh"

BPFTOOL=/usr/sbin/bpftool
[ -x "$BPFTOOL" ] || BPFTOOL=$(command -v bpftool) || skip "bpftool is not installed"

cg_setup
kmsg_mark
PA=$(backend_start a)
zs_start_kernel "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" "$ZS_PID" "$BPFTOOL" <<'PY' || fail "entries of reset clients"
import json, os, re, socket, struct, subprocess, sys, time
from rawhttp import Conn
port, pid, bpftool = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]

def bpf(*args):
    p = subprocess.run([bpftool, "-j"] + list(args), capture_output=True, text=True)
    assert p.returncode == 0, "bpftool %s: %s" % (" ".join(args), p.stderr.strip())
    return json.loads(p.stdout or "[]")

def entries():
    """Entries of zeroserve's zs_ctl and zs_peers (maps it holds open)."""
    out = {}
    d = "/proc/%d/fdinfo" % pid
    for fd in os.listdir(d):
        m = re.search(r"^map_id:\s*(\d+)", open(os.path.join(d, fd)).read(), re.M)
        if m:
            name = bpf("map", "show", "id", m.group(1)).get("name")
            if name in ("zs_ctl", "zs_peers"):
                out[name] = len(bpf("map", "dump", "id", m.group(1)))
    assert set(out) == {"zs_ctl", "zs_peers"}, "maps found: %r" % out
    return out

def client_socks():
    """zeroserve's sockets accepted on its listening port."""
    inodes = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(name).read().splitlines()[1:]:
            f = line.split()
            if int(f[1].rsplit(":", 1)[1], 16) == port and int(f[2].rsplit(":", 1)[1], 16):
                inodes.add("socket:[%s]" % f[9])
    n = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            n += os.readlink("/proc/%d/fd/%s" % (pid, fd)) in inodes
        except FileNotFoundError:  # closed meanwhile
            pass
    return n

conns = []
for k in range(8):
    c = Conn(port)
    for i in range(2):
        r = c.request("GET", "/echo/reset%d/%d" % (k, i), host="reset.localhost")
        assert r.status == 200, "client %d request %d: %r" % (k, i, r)
    conns.append(c)
paired = entries()
assert paired["zs_peers"] >= 1, "no client paired: %r" % paired
for c in conns:
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.sock.close()
# zeroserve drops a client's entries before it closes the connection.
for _ in range(100):
    if client_socks() == 0:
        break
    time.sleep(0.05)
assert client_socks() == 0, "zeroserve kept %d reset client connections" % client_socks()
left = entries()
assert left == {"zs_ctl": 0, "zs_peers": 0}, \
    "entries left after the clients reset: %r (while paired: %r)" % (left, paired)
PY

kmsg_check
exit 0
