#!/bin/sh
# SPDX-License-Identifier: MIT
# A 100 MiB download by a client reading slowly (~16 MiB/s) arrives byte
# exact while zeroserve's RSS stays bounded (backpressure, no buffering of
# the whole response).
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
# In a sanitizer build ASan's quarantine keeps freed buffers resident;
# measure zeroserve's buffering, not the quarantine.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
export ASAN_OPTIONS
zs_start /=127.0.0.1:$PA

zs_python - "$ZS_PORT" "$ZS_PID" <<'PY' || fail "slow 100 MiB download"
import hashlib, sys, threading, time
from rawhttp import Conn, pattern_sha256
port, pid = int(sys.argv[1]), sys.argv[2]
N = 100 * 1024 * 1024
RATE = 16 * 1024 * 1024   # bytes/s the client reads

def rss_kib():
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

base = rss_kib()
peak = [base]
done = threading.Event()
def sample():
    while not done.is_set():
        peak[0] = max(peak[0], rss_kib())
        time.sleep(0.05)
threading.Thread(target=sample, daemon=True).start()

c = Conn(port, timeout=15)
t0 = time.monotonic()
c.send(b"GET /bytes/%d HTTP/1.1\r\nHost: dl.localhost\r\n\r\n" % N)
r = c.read_head()
assert r.status == 200, r
h, got = hashlib.sha256(), 0
for piece in c.iter_body(r):
    h.update(piece)
    got += len(piece)
    ahead = got / RATE - (time.monotonic() - t0)
    if ahead > 0:
        time.sleep(ahead)
elapsed = time.monotonic() - t0
done.set()
peak[0] = max(peak[0], rss_kib())
grow = (peak[0] - base) / 1024
print("%d bytes in %.1f s, %s framing; RSS %d KiB at start, peak %d KiB (+%.1f MiB)"
      % (got, elapsed, r.framing, base, peak[0], grow))
assert got == N, "got %d bytes, want %d" % (got, N)
assert h.hexdigest() == pattern_sha256(N), "sha256 differs"
assert elapsed > 4, "the client was not slow (%.1f s)" % elapsed
assert grow < 64, "zeroserve RSS grew by %.1f MiB during a slow download, want < 64" % grow
PY
exit 0
