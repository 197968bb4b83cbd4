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
zs_start --shutdown-timeout 10 --idle-timeout 60 "/=127.0.0.1:$BACKEND_PORT"

# One request, then the connection stays open and idle.
$PYTHON "$ZS_TESTS/rawclient.py" "$ZS_PORT" --timeout 6 \
	'send:GET /echo HTTP/1.1\r\nHost: x\r\n\r\n' wait:1 "touch:$T/answered" >"$T/raw.out" &
raw_pid=$!
i=0
while [ ! -e "$T/answered" ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "no response to GET /echo within 5 s"
	sleep 0.05
done
sleep 0.2
sent=$(now_ns)
kill -TERM "$ZS_PID"
ms=$(wait_exit "$ZS_PID" "$sent" 4000)
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
