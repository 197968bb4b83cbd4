#!/bin/sh
# SPDX-License-Identifier: MIT
# A connect that times out while other connections to the backend are open
# means a busy backend, not a dead one: the request waits in the queue for
# one of them instead of failing. The backend here listens with a backlog
# of 0 and serves one connection at a time, the first one slowly (1 s), so
# of 4 concurrent requests' connects some find its accept queue full and
# time out (--connect-timeout 300ms). All 4 still get 200 once it answers.
. "$ZS_TESTS/lib.sh"

PB=$(zs_port)
cat >"$T/slow.py" <<'PY'
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(0)
print("ready", flush=True)
first = True
while True:
    c, _ = s.accept()
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = c.recv(4096)
        if not d:
            break
        buf += d
    if first:
        time.sleep(1)
        first = False
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
    c.close()
PY
$PYTHON -u "$T/slow.py" "$PB" >"$T/slow.out" 2>&1 &
_zs_track $!
i=0
while ! grep -qx ready "$T/slow.out"; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "slow backend did not start: $(cat "$T/slow.out")"
	sleep 0.05
done
zs_start --connect-timeout 300ms -v "/=127.0.0.1:$PB"

zs_python "$ZS_TESTS/burst.py" --port "$ZS_PORT" --n 4 --path / >"$T/burst" 2>"$T/burst.err" ||
	fail "burst client: $(tail -n 5 "$T/burst.err")"
expect_eq "$(cat "$T/burst")" "200 4" "statuses of 4 concurrent GETs (errors: $(sort "$T/burst.err" | uniq -c | head -n 5))"
# The test is only worth something if a connect did time out.
grep -q "connect timed out" "$ZS_LOG" || fail "no backend connect timed out: the backend's accept queue never overflowed"
exit 0
