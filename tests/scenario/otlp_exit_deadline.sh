#!/bin/sh
# SPDX-License-Identifier: MIT
# SIGTERM with records waiting and a collector that answers only after 3 s
# (otlp_receiver.py --delay 3), on both engines: zeroserve tries to export
# them for 1 s, no longer: it exits between 0.9 and 2.5 s after the signal
# (nothing else is open), says so ("otlp: 20 records not exported at
# exit"), and the metrics textfile it writes at exit counts them dropped:
# zeroserve_otlp_records_dropped_total 20, sent 0.
. "$ZS_TESTS/lib.sh"
. "$ZS_TESTS/otlplib.sh"

for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	otlp_receiver_start $engine --delay 3
	# The serving user (nobody) writes the textfile.
	D="$T/prom.$engine"
	mkdir "$D" && chmod 777 "$D" || fail "cannot make $D"
	zs_start_on $engine --metrics-textfile "$D/zs.prom" --metrics-interval 3600s \
		--otlp-endpoint "http://127.0.0.1:$OTLP_PORT" "/=127.0.0.1:$PA"
	zs_python - "$ZS_PORT" <<'PY' || fail "$engine engine: requests"
import sys
from rawhttp import Conn
c = Conn(int(sys.argv[1]))
for i in range(20):
    r = c.request("GET", "/bytes/%d" % i)
    assert r.status == 200, r
c.close()
PY
	watch_exit "$ZS_PID" 6000
	sent=$(now_ns)
	kill -TERM "$ZS_PID"
	ms=$(exit_ms "$sent")
	[ "$ms" != never ] && [ "$ms" -ge 900 ] && [ "$ms" -le 2500 ] ||
		fail "$engine engine: zeroserve exited $ms ms after SIGTERM, want 900 to 2500"
	expect_eq "$(grep -c 'otlp: 20 records not exported at exit' "$ZS_LOG")" 1 \
		"$engine engine: lines saying 20 records were not exported"
	$PYTHON "$ZS_TESTS/promcheck.py" "$D/zs.prom" >"$T/promcheck.out" ||
		fail "$engine engine: the textfile: $(cat "$T/promcheck.out")"
	expect_eq "$($PYTHON "$ZS_TESTS/promcheck.py" "$D/zs.prom" --get zeroserve_otlp_records_dropped_total)" 20 \
		"$engine engine: zeroserve_otlp_records_dropped_total in the textfile written at exit"
	expect_eq "$($PYTHON "$ZS_TESTS/promcheck.py" "$D/zs.prom" --get zeroserve_otlp_records_sent_total)" 0 \
		"$engine engine: zeroserve_otlp_records_sent_total in the textfile written at exit"
	zs_stop_all
	[ $engine = kernel ] && kmsg_check
done
exit 0
