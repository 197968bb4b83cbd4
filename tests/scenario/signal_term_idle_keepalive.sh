#!/bin/sh
# SPDX-License-Identifier: MIT
# SIGTERM with an idle keep-alive client connection: zeroserve closes it and
# exits at once instead of waiting out --shutdown-timeout.
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
zs_start --shutdown-timeout 10 --idle-timeout 60 "/=127.0.0.1:$BACKEND_PORT"

# One request, then the connection stays open and idle.
python3 "$ZS_TESTS/rawclient.py" "$ZS_PORT" --timeout 6 \
	'send:GET /echo HTTP/1.1\r\nHost: x\r\n\r\n' wait:1 >"$T/raw.out" &
raw_pid=$!
sleep 0.5
kill -TERM "$ZS_PID"
ms=$(wait_exit "$ZS_PID" 4000)
alive "$ZS_PID" && fail "zeroserve still running 4 s after SIGTERM with only an idle connection"
st=0
wait "$ZS_PID" || st=$?
expect_eq "$st" 0 "exit status after SIGTERM"
[ "$ms" -le 1500 ] || fail "zeroserve took $ms ms to exit with only an idle connection, want <= 1500"

wait "$raw_pid" || fail "rawclient failed"
eval "$(cat "$T/raw.out")"
expect_eq "$rc_statuses" 200 "the request before SIGTERM"
[ "$rc_eof" = 1 ] || fail "the idle client connection was not closed"
exit 0
