#!/bin/sh
# SPDX-License-Identifier: MIT
# SIGTERM with an idle keep-alive client connection: zeroserve closes it and
# exits at once instead of waiting out --shutdown-timeout.
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
watch_exit "$ZS_PID" 4000
kill -TERM "$ZS_PID"
sent=$(now_ns)
ms=$(exit_ms "$sent")
[ "$ms" != never ] || fail "zeroserve still running 4 s after SIGTERM with only an idle connection"
st=0
wait "$ZS_PID" || st=$?
expect_eq "$st" 0 "exit status after SIGTERM"
[ "$ms" -le 1500 ] || fail "zeroserve took $ms ms to exit with only an idle connection, want <= 1500"

wait "$raw_pid" || fail "rawclient failed"
eval "$(cat "$T/raw.out")"
expect_eq "$rc_statuses" 200 "the request before SIGTERM"
[ "$rc_eof" = 1 ] || fail "the idle client connection was not closed"
exit 0
