#!/bin/sh
# SPDX-License-Identifier: MIT
# The metrics' source label is the client's cgroup, its path relative to
# the cgroup v2 mount, whichever engine carried the request: clients in two
# cgroups, 7 requests from the first and 4 from the second, are counted as
# source="/.../svc" 7 and source="/.../svc2" 4 and nothing else; with
# --metrics-sources 1 the second source, seen after the first had the one
# place, is counted as source="other". On both engines.
. "$ZS_TESTS/lib.sh"

SVC=
SVC2=
# The two cgroups go at exit too, before lib.sh removes the kernel
# engine's, which holds them.
_metrics_cleanup() {
	_st=$?
	zs_stop_all
	[ -z "$SVC2" ] || rmdir "$SVC2" 2>/dev/null || :
	[ -z "$SVC" ] || rmdir "$SVC" 2>/dev/null || :
	(exit "$_st")
	_zs_cleanup
}
trap _metrics_cleanup EXIT

# requests CGROUP N: N requests on one keep-alive connection from CGROUP.
requests() {
	_zs_cgexec "$1" "$PYTHON" - "$ZS_PORT" "$2" <<'PY' || fail "$engine engine: $2 requests from $1"
import os, sys
sys.path.insert(0, os.environ["ZS_TESTS"])
from rawhttp import Conn
port, n = int(sys.argv[1]), int(sys.argv[2])
c = Conn(port)
for i in range(n):
    r = c.request("GET", "/bytes/%d" % (100 + i), host="localhost")
    assert r.status == 200 and len(r.body) == 100 + i, "request %d: %r" % (i, r)
c.close()
PY
}

# sources WANT...: the scrape's request series, by source, are exactly
# WANT (SOURCE=N...), in every request family; on the kernel engine the
# kernel carried at least half of each source's requests.
sources() {
	zs_python - "$MP" "$engine" "$@" <<'PY' || fail "$engine engine: the sources ($*)"
import sys
from collections import Counter
from metrics_scrape import scrape, series
port, engine = int(sys.argv[1]), sys.argv[2]
want = {k: float(v) for k, v in (a.rsplit("=", 1) for a in sys.argv[3:])}
samples, _ = scrape(port)
got = Counter()
for ls, v in series(samples, "zeroserve_requests_total").items():
    got[dict(ls)["source"]] += v
assert dict(got) == want, "%s engine: requests by source %r, want %r" % (engine, dict(got), want)
for fam in ("zeroserve_request_duration_seconds_count", "zeroserve_request_bytes_total"):
    by = Counter()
    for ls, v in series(samples, fam).items():
        by[dict(ls)["source"]] += v if fam.endswith("_count") else 1
    assert set(by) == set(want), "%s engine: %s by source %r" % (engine, fam, dict(by))
kernel = Counter()
for ls, v in series(samples, "zeroserve_requests_total").items():
    if dict(ls)["engine"] == "kernel":
        kernel[dict(ls)["source"]] += v
if engine == "kernel":
    for k, n in want.items():
        assert kernel[k] >= n / 2, "kernel engine: the kernel carried %r of source %s's %d requests" % (kernel[k], k, n)
print("%s engine: by source %r, carried by the kernel %r" % (engine, dict(got), dict(kernel)))
PY
}

mnt=$(cg_mount)
[ -n "$mnt" ] || skip "no cgroup v2 mount in /proc/self/mountinfo"
for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	svc_cgroup_make
	SVC2=${SVC}2
	mkdir "$SVC2" || fail "cannot create the cgroup $SVC2"
	src1=${SVC#"$mnt"}
	src2=${SVC2#"$mnt"}
	for max in default 1; do
		MP=$(zs_port)
		opt=
		[ $max = 1 ] && opt="--metrics-sources 1"
		# shellcheck disable=SC2086 # opt is words on purpose
		zs_start_on $engine --metrics "127.0.0.1:$MP" $opt "/=127.0.0.1:$PA"
		requests "$SVC" 7
		# Every request of the first cgroup is counted before the second's.
		[ $engine = kernel ] && zs_counters >/dev/null
		requests "$SVC2" 4
		[ $engine = kernel ] && zs_counters >/dev/null
		if [ $max = 1 ]; then
			sources "$src1=7" "other=4"
		else
			sources "$src1=7" "$src2=4"
		fi
		zs_kill "$ZS_PID"
	done
	zs_stop_all
	rmdir "$SVC2" || fail "cannot remove $SVC2"
	SVC2=
	svc_cgroup_remove
	SVC=
	[ $engine = kernel ] && kmsg_check
done
exit 0
