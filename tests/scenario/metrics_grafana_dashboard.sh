#!/bin/sh
# SPDX-License-Identifier: MIT
# contrib/grafana/zeroserve.json is a dashboard of the metrics zeroserve(8)
# documents: it parses, its panel ids are unique, and every expression uses
# only documented metric families with their documented labels
# (tests/grafana_check.py; its own cases first).
. "$ZS_TESTS/lib.sh"

top=$(cd "$ZS_TESTS/.." && pwd)
$PYTHON "$ZS_TESTS/grafana_check.py" --self-test "$top/man/zeroserve.8" >"$T/self" 2>&1 ||
	fail "grafana_check.py's own cases: $(tail -n 5 "$T/self")"
$PYTHON "$ZS_TESTS/grafana_check.py" "$top/contrib/grafana/zeroserve.json" "$top/man/zeroserve.8" ||
	fail "the dashboard does not match the documented metrics"
exit 0
