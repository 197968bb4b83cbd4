#!/bin/sh
# SPDX-License-Identifier: MIT
# An idle zeroserve exits 0 promptly on SIGINT, and on SIGTERM.
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

backend_start b1 >/dev/null
for sig in INT TERM; do
	zs_start "/=127.0.0.1:$BACKEND_PORT"
	code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$ZS_PORT/echo")
	expect_eq "$code" 200 "GET /echo before SIG$sig"
	watch_exit "$ZS_PID" 3000
	kill -"$sig" "$ZS_PID"
	sent=$(now_ns)
	ms=$(exit_ms "$sent")
	[ "$ms" != never ] || fail "idle zeroserve still running 3 s after SIG$sig"
	st=0
	wait "$ZS_PID" || st=$?
	expect_eq "$st" 0 "exit status after SIG$sig"
	[ "$ms" -le 1000 ] || fail "idle zeroserve took $ms ms to exit on SIG$sig, want <= 1000"
done
exit 0
