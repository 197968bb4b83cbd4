#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, the pool stays within --backend-max-conns: behind
# --backend-max-conns 8, three bursts of 32 new connections each send one
# request at once and hold their connection until all are answered. Every
# answer is right, and at no point sampled (all 32 answered and still open;
# after they closed) has zeroserve more than 8 connections open to the
# backend, whether in use, pooled for the kernel or idle, on either engine.
. "$ZS_TESTS/lib.sh"

for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	zs_start_on $engine --backend-max-conns 8 "/=127.0.0.1:$PA"
	zs_python - "$ZS_PORT" "$PA" $engine <<'PY' || fail "$engine engine: bursts behind --backend-max-conns 8"
import sys, threading, time
from oneshot import one
port, backend_port, engine = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]

def open_at_backend():
    """zeroserve's established connections to the backend: their remote end
    is the backend's port (zeroserve's end leaves ESTABLISHED at its
    close(2); the backend's only once it has processed the FIN, which a
    loaded machine may defer)."""
    n = 0
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(name).read().splitlines()[1:]:
            f = line.split()
            if int(f[2].rsplit(":", 1)[1], 16) == backend_port and f[3] == "01":
                n += 1
    return n

seen = []
for b in range(3):
    k = 32
    errors, start, done = [], threading.Barrier(k), threading.Barrier(k + 1)
    def run(i):
        start.wait()
        try:
            one(port, "/echo/%s/b%d-%d" % (engine, b, i), host="cap.localhost", backend="a",
                before_close=lambda: done.wait(20))
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))
            done.abort()
    ts = [threading.Thread(target=run, args=(i,)) for i in range(k)]
    for t in ts:
        t.start()
    try:
        done.wait(20)  # every client has its answer and holds its connection
    except threading.BrokenBarrierError:
        pass
    held = open_at_backend()
    for t in ts:
        t.join()
    assert not errors, "burst %d: %d wrong, first: %s" % (b, len(errors), errors[0])
    time.sleep(0.3)
    after = open_at_backend()
    seen.append((held, after))
    assert held <= 8 and after <= 8, \
        "burst %d: %d backend connections open while the clients held theirs, %d after they closed; want <= 8" % (b, held, after)
print("backend connections open (held, after):", seen)
PY
	[ $engine = kernel ] && kmsg_check
	zs_stop_all
done
exit 0
