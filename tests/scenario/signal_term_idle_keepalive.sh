#!/bin/sh
# SPDX-License-Identifier: MIT
# SIGTERM with an idle keep-alive client connection: zeroserve closes it and
# exits at once instead of waiting out --shutdown-timeout.
. "$ZS_TESTS/lib.sh"

backend_start b1 >/dev/null
zs_start --shutdown-timeout 10 --idle-timeout 60 "/=127.0.0.1:$BACKEND_PORT"

# One request, then the connection stays open and idle.
$PYTHON "$ZS_TESTS/rawclient.py" "$ZS_PORT" --timeout 6 \
	'send:GET /echo HTTP/1.1\r\nHost: localhost\r\n\r\n' wait:1 "touch:$T/answered" >"$T/raw.out" &
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
