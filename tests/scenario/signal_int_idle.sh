#!/bin/sh
# SPDX-License-Identifier: MIT
# An idle zeroserve exits 0 promptly on SIGINT, and on SIGTERM.
. "$ZS_TESTS/lib.sh"

# alive PID: the process exists and is not a zombie.
alive() {
	kill -0 "$1" 2>/dev/null &&
		[ "$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)" != Z ]
}

# wait_exit PID MS: wait up to MS ms for PID to exit; prints the ms it took.
wait_exit() {
	python3 - "$1" "$2" <<'PY'
import sys, time
pid, limit = sys.argv[1], int(sys.argv[2]) / 1000
t0 = time.monotonic()
while time.monotonic() - t0 < limit:
    try:
        with open("/proc/%s/status" % pid) as f:
            if "\nState:\tZ" in f.read():
                break
    except FileNotFoundError:
        break
    time.sleep(0.01)
print(int((time.monotonic() - t0) * 1000))
PY
}

backend_start b1 >/dev/null
for sig in INT TERM; do
	zs_start "/=127.0.0.1:$BACKEND_PORT"
	code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$ZS_PORT/echo")
	expect_eq "$code" 200 "GET /echo before SIG$sig"
	kill -"$sig" "$ZS_PID"
	ms=$(wait_exit "$ZS_PID" 3000)
	alive "$ZS_PID" && fail "idle zeroserve still running 3 s after SIG$sig"
	st=0
	wait "$ZS_PID" || st=$?
	expect_eq "$st" 0 "exit status after SIG$sig"
	[ "$ms" -le 1000 ] || fail "idle zeroserve took $ms ms to exit on SIG$sig, want <= 1000"
done
exit 0
