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
	otlp_exit_after_20 $engine 6000 --delay 3
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
