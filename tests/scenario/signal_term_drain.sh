#!/bin/sh
# SPDX-License-Identifier: MIT
# SIGTERM: the listener closes at once, a request in flight still completes
# with 200, then zeroserve exits 0 well within --shutdown-timeout.
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

# upstream_busy: wait until the slow request has reached the backend. Its
# /conns counts every connection it accepted, our own queries included.
upstream_busy() {
	q=0
	while :; do
		q=$((q + 1))
		n=$(curl -s --max-time 2 "http://127.0.0.1:$BACKEND_PORT/conns")
		[ "${n:-0}" -gt "$q" ] && break
		[ $q -lt 100 ] || fail "the slow request never reached the backend"
		sleep 0.05
	done
	sleep 0.2
}

backend_start b1 >/dev/null
zs_start --shutdown-timeout 5 "/=127.0.0.1:$BACKEND_PORT"

curl -s --max-time 10 -o "$T/slow" -w '%{http_code}' "http://127.0.0.1:$ZS_PORT/sleep/2000" \
	>"$T/slow.code" 2>"$T/slow.err" &
curl_pid=$!
upstream_busy
alive "$curl_pid" || fail "the slow request ended before SIGTERM: $(cat "$T/slow.code")"
kill -TERM "$ZS_PID"

# New connections are refused within 300 ms of the signal.
$PYTHON - "$ZS_PORT" <<'PY' || fail "zeroserve still accepts connections after SIGTERM"
import socket, sys, time
end = time.monotonic() + 0.3
while True:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.2).close()
    except ConnectionRefusedError:
        sys.exit(0)
    except OSError:
        pass
    if time.monotonic() > end:
        sys.exit(1)
    time.sleep(0.02)
PY
if ! alive "$ZS_PID" && alive "$curl_pid"; then
	fail "zeroserve exited with a request in flight"
fi

wait "$curl_pid" || fail "the in-flight request failed: $(cat "$T/slow.err")"
done=$(now_ns)
expect_eq "$(cat "$T/slow.code")" 200 "status of the request in flight at SIGTERM"
expect_eq "$(cat "$T/slow")" "slept 2000 ms" "body of the request in flight at SIGTERM"

ms=$(wait_exit "$ZS_PID" "$done" 5000)
alive "$ZS_PID" && fail "zeroserve still running 5 s after its last request ended"
st=0
wait "$ZS_PID" || st=$?
expect_eq "$st" 0 "exit status after SIGTERM"
[ "$ms" -le 1000 ] || fail "zeroserve exited $ms ms after its last request ended, want <= 1000"
exit 0
