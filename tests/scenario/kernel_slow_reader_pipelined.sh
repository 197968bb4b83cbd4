#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, a client that keeps asking and never reads: 64 GETs of
# 1 MiB each (every response under the kernel's per-response bound), sent
# one at a time 50 ms apart (each response complete before the next
# request), none read for 4 s after the last; what is queued on the client
# socket (ss Recv-Q and skmem r, FIONREAD) stays <= 8 MiB the whole time,
# then all 64 responses arrive in order, byte exact. The kernel carried the
# first ones (counters requests >= 4) and left the rest to userspace once
# the client had 4 MiB unread.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
command -v ss >/dev/null 2>&1 || skip "ss (iproute2) is not installed"
PA=$(backend_start a)
zs_start_kernel "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" <<'PY' || fail "unread responses piling up"
import fcntl, re, struct, subprocess, sys, termios, time
from rawhttp import Conn, build, pattern_bytes
M = 1024 * 1024
BOUND = 8 * 1024 * 1024
c = Conn(int(sys.argv[1]), timeout=15)
lport = c.sock.getsockname()[1]
# The Host of the pipelined requests: a value the guard allowed before is
# one the kernel may carry (man zeroserve, SECURITY).
for i in range(3):
    r = c.request("GET", "/bytes/100", host="pipe.localhost")
    assert r.status == 200 and len(r.body) == 100, r

def queued():
    """(Recv-Q, skmem r, FIONREAD) of the client socket."""
    out = subprocess.run(["ss", "-tmnH", "state", "established", "src", "127.0.0.1:%d" % lport],
                         capture_output=True, text=True).stdout
    words = out.split()
    assert words, "ss does not show the client connection 127.0.0.1:%d" % lport
    m = re.search(r"skmem:\(r(\d+),", out)
    fion = struct.unpack("i", fcntl.ioctl(c.sock.fileno(), termios.FIONREAD, b"\0\0\0\0"))[0]
    return int(words[0]), int(m.group(1)) if m else 0, fion

peak = (0, 0, 0)
def sample():
    global peak
    q = queued()
    if max(q) > max(peak):
        peak = q
for i in range(64):
    c.send(build("GET", "/bytes/%d" % (M + i), "pipe.localhost"))
    time.sleep(0.05)
    sample()
t0 = time.monotonic()
while time.monotonic() - t0 < 4:
    sample()
    time.sleep(0.1)
print("64 requests, nothing read; peak queued (Recv-Q, skmem r, FIONREAD) = %s" % (peak,))
assert max(peak) <= BOUND, "%d bytes queued on the client socket that reads nothing (%s), want <= %d" % (max(peak), peak, BOUND)
assert max(peak) >= 16384, "nothing seen queued on the stalled socket (%s): the measurement is broken" % (peak,)
for i in range(64):
    r = c.read_response()
    assert r.status == 200, "response %d: %r" % (i, r)
    assert r.body == pattern_bytes(M + i), "response %d: %d bytes, want the %d-byte pattern" % (i, len(r.body), M + i)
print("64 responses in order, byte exact")
PY
zs_counters
requests=$(counter requests)
[ "$requests" -ge 4 ] || fail "counters requests=$requests: the kernel carried none of the first responses"
kmsg_check
exit 0
