#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, a client that stops reading: during a 100 MiB download the
# client reads nothing for 4 s; what is queued on its socket (receive
# queue, redirected messages: ss Recv-Q and skmem r, FIONREAD) stays
# <= 8 MiB, then the client resumes and gets all 100 MiB byte exact.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
command -v ss >/dev/null 2>&1 || skip "ss (iproute2) is not installed"
PA=$(backend_start a)
zs_start_kernel "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" <<'PY' || fail "stalled 100 MiB download"
import fcntl, hashlib, re, struct, subprocess, sys, termios, time
from rawhttp import Conn, pattern_sha256
N = 100 * 1024 * 1024
BOUND = 8 * 1024 * 1024
c = Conn(int(sys.argv[1]), timeout=30)
lport = c.sock.getsockname()[1]
# A few small requests first: the connection is then in the kernel's hands.
for i in range(3):
    r = c.request("GET", "/bytes/100")
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

c.send(b"GET /bytes/%d HTTP/1.1\r\nHost: slow.localhost\r\n\r\n" % N)
r = c.read_head()
assert r.status == 200, r
peak, samples = (0, 0, 0), []
t0 = time.monotonic()
while time.monotonic() - t0 < 4:
    q = queued()
    samples.append(q)
    if max(q) > max(peak):
        peak = q
    time.sleep(0.1)
print("stalled 4 s with %d bytes read; queued at the end: Recv-Q %d, skmem r %d, FIONREAD %d; "
      "peak %s" % (len(c.buf), *samples[-1], peak))
assert max(peak) <= BOUND, "%d bytes queued on the stalled client socket (Recv-Q, r, FIONREAD = %s), want <= %d" % (max(peak), peak, BOUND)
assert max(peak) >= 16384, "nothing seen queued on the stalled socket (%s): the measurement is broken" % (peak,)
h, got = hashlib.sha256(), 0
t1 = time.monotonic()
for piece in c.iter_body(r):
    h.update(piece)
    got += len(piece)
print("then %d bytes in %.1f s" % (got, time.monotonic() - t1))
assert got == N, "got %d bytes, want %d" % (got, N)
assert h.hexdigest() == pattern_sha256(N), "sha256 of the 100 MiB differs"
PY
kmsg_check
exit 0
