#!/bin/sh
# SPDX-License-Identifier: MIT
# SIGTERM with a request slower than --shutdown-timeout: zeroserve gives up on
# it when the timeout expires and exits, closing the client connection.
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
zs_start --shutdown-timeout 1 "/=127.0.0.1:$BACKEND_PORT"

curl -s --max-time 10 -o /dev/null -w '%{http_code} %{time_total}' \
	"http://127.0.0.1:$ZS_PORT/sleep/8000" >"$T/slow.out" 2>&1 &
curl_pid=$!
upstream_busy
sent=$(now_ns)
kill -TERM "$ZS_PID"
ms=$(wait_exit "$ZS_PID" "$sent" 4000)
alive "$ZS_PID" && fail "zeroserve still running 4 s after SIGTERM with --shutdown-timeout 1"
[ "$ms" -ge 800 ] || fail "zeroserve exited $ms ms after SIGTERM, before the 1 s drain ended"
[ "$ms" -le 2500 ] || fail "zeroserve exited $ms ms after SIGTERM, want <= 2500"
st=0
wait "$ZS_PID" || st=$?
[ "$st" -le 1 ] || fail "exit status $st after the drain timeout: killed by a signal or crashed?"

st=0
wait "$curl_pid" || st=$?
set -- $(cat "$T/slow.out")
[ "$1" != 200 ] || fail "the request cut at shutdown got a complete 200"
t=$(awk -v t="${2:-99}" 'BEGIN { printf "%d", t * 1000 }')
[ "$t" -lt 4000 ] || fail "the client connection was left open after zeroserve exited (curl: $*)"
exit 0
