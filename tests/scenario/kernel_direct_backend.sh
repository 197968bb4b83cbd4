#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine and a client talking to a backend port directly (not through
# zeroserve): while a proxied connection to that backend is carried by the
# kernel, 100 keep-alive requests of a direct client (GETs and 64 KiB POSTs)
# are answered byte exact on the direct connection, and the kernel counts
# none of their bytes: the backend's end of the direct connection is not in
# zs_socks at all (bpftool dump), only those of zeroserve's own connections.
. "$ZS_TESTS/lib.sh"

BPFTOOL=/usr/sbin/bpftool
[ -x "$BPFTOOL" ] || BPFTOOL=$(command -v bpftool) || skip "bpftool is not installed"

cg_setup
kmsg_mark
PA=$(backend_start a)
zs_start_kernel "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" "$PA" "$ZS_PID" "$ZS_LOG" "$BPFTOOL" "$CG" <<'PY' || fail "direct requests to the backend"
import hashlib, json, os, re, signal, subprocess, sys, time
from rawhttp import Conn, pattern_bytes
zs_port, port, pid, log = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
bpftool, cg = sys.argv[5:7]

def bpf(*args):
    p = subprocess.run([bpftool, "-j"] + list(args), capture_output=True, text=True)
    assert p.returncode == 0, "bpftool %s: %s" % (" ".join(args), p.stderr.strip())
    return json.loads(p.stdout or "[]")

def socks_keys():
    """(local port, remote port) of every socket in this zeroserve's zs_socks."""
    progs = [p["id"] for p in bpf("cgroup", "show", cg) if p["name"].startswith("zs_")]
    assert progs, "nothing of zeroserve attached to %s" % cg
    maps = bpf("prog", "show", "id", str(progs[0]))["map_ids"]
    socks = [m for m in maps if bpf("map", "show", "id", str(m)).get("name") == "zs_socks"]
    assert socks, "no zs_socks among maps %r" % maps
    keys = []
    for e in bpf("map", "dump", "id", str(socks[0])):
        k = bytes(int(b, 16) for b in e["key"])
        # struct zs_sock_key (bpf/zs_abi.h): two 16-byte addresses, then the ports.
        keys.append((int.from_bytes(k[32:34], "little"), int.from_bytes(k[34:36], "little")))
    return keys

def counters():
    def lines():
        return [l for l in open(log, errors="replace") if "kernel engine counters (" in l]
    n = len(lines())
    os.kill(pid, signal.SIGUSR1)
    end = time.monotonic() + 5
    while len(lines()) <= n:
        assert time.monotonic() < end, "no counters line after SIGUSR1"
        time.sleep(0.05)
    line = lines()[-1]
    return {k: int(v) for k, v in re.findall(r"[ :](\w+)=(\d+)", line)}, line.strip()

proxied = Conn(zs_port)
for i in range(5):
    r = proxied.request("GET", "/bytes/3000")
    assert r.status == 200 and r.body == pattern_bytes(3000), "proxied %d: %r" % (i, r)
before, line = counters()
print("before:", line)
assert before.get("requests", 0) >= 1, "the kernel carried none of 5 proxied GETs"

direct = Conn(port)
proxied_reqs = 0
for i in range(100):
    if i % 2:
        body = os.urandom(65536)
        r = direct.request("POST", "/echo/direct?i=%d" % i, body=body)
        assert r.status == 200, "direct %d: %r" % (i, r)
        d = r.json()
        assert d["path"] == "/echo/direct?i=%d" % i, "direct %d answered for %r" % (i, d["path"])
        assert d["body_sha256"] == hashlib.sha256(body).hexdigest(), "direct %d: body differs" % i
    else:
        r = direct.request("GET", "/bytes/%d" % (1000 + i))
        assert r.status == 200 and r.body == pattern_bytes(1000 + i), "direct %d: %r" % (i, r)
    if i % 25 == 0:  # the proxied connection still works in between
        r = proxied.request("GET", "/bytes/3000")
        assert r.status == 200 and r.body == pattern_bytes(3000), "proxied after direct %d: %r" % (i, r)
        proxied_reqs += 1
keys = socks_keys()
print("zs_socks:", keys)
mine = direct.sock.getsockname()[1]
assert (port, mine) not in keys, "the backend's end of the direct connection is in zs_socks"
assert [k for k in keys if k[0] == port], "no backend socket in zs_socks: the check proves nothing"
after, line = counters()
print("after: ", line)
# Only the few proxied requests (3000-byte bodies) may have been counted.
assert after["requests"] - before["requests"] <= proxied_reqs, "kernel requests grew by %d" % (after["requests"] - before["requests"])
assert after["bytes_up"] - before["bytes_up"] < 65536, "bytes_up grew by %d: the direct uploads were counted" % (after["bytes_up"] - before["bytes_up"])
assert after["bytes_down"] - before["bytes_down"] < proxied_reqs * 4000 + 1, "bytes_down grew by %d" % (after["bytes_down"] - before["bytes_down"])
PY
kmsg_check
exit 0
