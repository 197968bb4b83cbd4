#!/bin/sh
# SPDX-License-Identifier: MIT
# An idle zeroserve exits 0 promptly on SIGINT, and on SIGTERM.
. "$ZS_TESTS/lib.sh"

# alive PID: the process exists and is not a zombie.
alive() {
	kill -0 "$1" 2>/dev/null &&
		[ "$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)" != Z ]
}

# now_ns: wall-clock time in ns, for wait_exit.
now_ns() {
	date +%s%N
}

# wait_exit PID SINCE_NS MS: wait until PID has exited, at most MS ms after
# SINCE_NS (from now_ns); prints the ms from SINCE_NS to the exit.
wait_exit() {
	$PYTHON - "$1" "$2" "$3" <<'PY'
import sys, time
pid, t0, limit = sys.argv[1], int(sys.argv[2]) / 1e9, int(sys.argv[3]) / 1000
while time.time() - t0 < limit:
    try:
        with open("/proc/%s/status" % pid) as f:
            if "\nState:\tZ" in f.read():
                break
    except FileNotFoundError:
        break
    time.sleep(0.005)
print(int((time.time() - t0) * 1000))
PY
}

backend_start b1 >/dev/null
for sig in INT TERM; do
	zs_start "/=127.0.0.1:$BACKEND_PORT"
	code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$ZS_PORT/echo")
	expect_eq "$code" 200 "GET /echo before SIG$sig"
	sent=$(now_ns)
	kill -"$sig" "$ZS_PID"
	ms=$(wait_exit "$ZS_PID" "$sent" 3000)
	alive "$ZS_PID" && fail "idle zeroserve still running 3 s after SIG$sig"
	st=0
	wait "$ZS_PID" || st=$?
	expect_eq "$st" 0 "exit status after SIG$sig"
	[ "$ms" -le 1000 ] || fail "idle zeroserve took $ms ms to exit on SIG$sig, want <= 1000"
done
exit 0
