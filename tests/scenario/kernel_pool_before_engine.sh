#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, backend connections made before it was ready: the engine
# loads beside the event loop, so a client served at once gets a backend
# connection the kernel was never told about, which no client can be paired
# with. Such a connection must not go back to the pool, or LIFO reuse hands
# it to every later client and the kernel never carries a request: a slow
# request sent before the engine is on holds one across that moment, then a
# client connecting afterwards gets 20 requests carried by the kernel.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)

# The early client runs before zeroserve does, and connects the moment it
# listens: the engine takes longer than that to load.
cat >"$T/early.py" <<'PY'
import socket, sys, time
from rawhttp import Conn, build
port, log, ready = int(sys.argv[1]), sys.argv[2], sys.argv[3]
open(ready, "w").close()
end = time.monotonic() + 10
while True:
    try:
        early = Conn(port)
        break
    except OSError:
        assert time.monotonic() < end, "zeroserve never listened"
        time.sleep(0.001)
early.send(build("GET", "/sleep/1500", "pool.localhost"))
if "kernel engine on" in open(log, errors="replace").read():
    sys.exit(3)
r = early.read_response()
assert r.status == 200, "slow request: %r" % r
early.close()
PY
tries=0
while :; do
	tries=$((tries + 1))
	ZS_STARTS=$((ZS_STARTS + 1))
	log="$T/zeroserve.$ZS_STARTS.log"
	: >"$log"
	ZS_STARTS=$((ZS_STARTS - 1))
	rm -f "$T/ready"
	PYTHONPATH="$ZS_TESTS" _zs_bg_exec $PYTHON "$T/early.py" "$ZS_PORT" "$log" "$T/ready" &
	early=$!
	i=0
	until [ -e "$T/ready" ]; do
		i=$((i + 1))
		[ $i -lt 200 ] || fail "the early client did not start"
		sleep 0.01
	done
	ZS_ENGINE_ARGS="--cgroup $CG" zs_start "/=127.0.0.1:$PA"
	# 3: the engine was on before the slow request went out; try again.
	st=0
	wait "$early" || st=$?
	[ "$st" = 0 ] && break
	[ "$st" = 3 ] || fail "the slow request sent before the engine was on (status $st)"
	[ $tries -lt 5 ] || fail "the engine was on before a request could be sent, $tries times"
	zs_kill "$ZS_PID"
done
grep -q 'kernel engine on' "$ZS_LOG" || fail "no kernel engine: $(grep 'kernel engine' "$ZS_LOG")"

zs_python - "$ZS_PORT" <<'PY' || fail "requests after the engine came on"
import sys
from rawhttp import Conn
c = Conn(int(sys.argv[1]))
for i in range(21):
    r = c.request("GET", "/echo/after/%d" % i, host="pool.localhost")
    assert r.status == 200, "request %d: %r" % (i, r)
c.close()
PY

zs_counters
requests=$(counter requests)
[ "$requests" -ge 20 ] ||
	fail "counters requests=$requests: the kernel carried fewer than 20 of the 21 requests after it came on"
kmsg_check
exit 0
