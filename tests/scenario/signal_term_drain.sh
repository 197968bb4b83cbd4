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

backend_start b1 >/dev/null
zs_start --shutdown-timeout 5 "/=127.0.0.1:$BACKEND_PORT"

curl -s --max-time 10 -o "$T/slow" -w '%{http_code}' "http://127.0.0.1:$ZS_PORT/sleep/2000" \
	>"$T/slow.code" 2>"$T/slow.err" &
curl_pid=$!
upstream_busy
alive "$curl_pid" || fail "the slow request ended before SIGTERM: $(cat "$T/slow.code")"
watch_exit "$ZS_PID" 8000
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

ms=$(exit_ms "$done")
[ "$ms" != never ] || fail "zeroserve still running 8 s after SIGTERM"
st=0
wait "$ZS_PID" || st=$?
expect_eq "$st" 0 "exit status after SIGTERM"
[ "$ms" -le 1000 ] || fail "zeroserve exited $ms ms after its last request ended, want <= 1000"
exit 0
