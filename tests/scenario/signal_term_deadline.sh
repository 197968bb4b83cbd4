#!/bin/sh
# SPDX-License-Identifier: MIT
# SIGTERM with a request slower than --shutdown-timeout: zeroserve gives up on
# it when the timeout expires and exits, closing the client connection.
. "$ZS_TESTS/lib.sh"

# now_ns: wall-clock time in ns.
now_ns() {
	date +%s%N
}

# watch_exit PID MS: start a watcher that notes the moment PID exits (giving
# up after MS ms) and return once it runs. A watcher started before the event
# keeps a slow fork under load from counting as a slow exit.
watch_exit() {
	rm -f "$T/exit.at" "$T/exit.watching"
	$PYTHON - "$1" "$2" "$T/exit.watching" "$T/exit.at" <<'PY' &
import os, sys, time
pid, limit, ready, out = sys.argv[1], int(sys.argv[2]) / 1000, sys.argv[3], sys.argv[4]
open(ready, "w").close()
end = time.monotonic() + limit
at = 0
while time.monotonic() < end:
    try:
        with open("/proc/%s/status" % pid) as f:
            if "\nState:\tZ" in f.read():
                at = time.time_ns()
                break
    except FileNotFoundError:
        at = time.time_ns()
        break
    time.sleep(0.005)
with open(out + ".tmp", "w") as f:
    f.write("%d\n" % at)
os.rename(out + ".tmp", out)
PY
	_zs_track $!
	_w=0
	while [ ! -e "$T/exit.watching" ]; do
		_w=$((_w + 1))
		[ $_w -lt 200 ] || fail "exit watcher did not start"
		sleep 0.02
	done
}

# exit_ms SINCE_NS: wait for the watcher's verdict; prints the ms from
# SINCE_NS (from now_ns) to the exit, or "never" when PID had not exited in time.
exit_ms() {
	while [ ! -e "$T/exit.at" ]; do
		sleep 0.02
	done
	_at=$(cat "$T/exit.at")
	if [ "$_at" -eq 0 ]; then
		echo never
	else
		echo $(((_at - $1) / 1000000))
	fi
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
watch_exit "$ZS_PID" 4000
before=$(now_ns)
kill -TERM "$ZS_PID"
after=$(now_ns)
ms=$(exit_ms "$after")
[ "$ms" != never ] || fail "zeroserve still running 4 s after SIGTERM with --shutdown-timeout 1"
[ "$ms" -le 2500 ] || fail "zeroserve exited $ms ms after SIGTERM, want <= 2500"
ms=$(exit_ms "$before")
[ "$ms" -ge 800 ] || fail "zeroserve exited $ms ms after SIGTERM, before the 1 s drain ended"
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
