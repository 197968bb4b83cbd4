#!/bin/sh
# SPDX-License-Identifier: MIT
# Both engines see the client's cgroup alike: tests/programs/cgroup_route
# sends requests from cgroups in its map svc_cgroups to the canary route.
# A client in such a cgroup is answered by the canary backend on every
# request, carried by the kernel or not; a client in another cgroup by the
# stable one. On the kernel engine the kernel carried most of them.
. "$ZS_TESTS/lib.sh"

program_need cgroup_route
for engine in user kernel; do
	canary_start $engine --program "$PROG"
	svc_cgroup_make
	# shellcheck disable=SC2086 # SVC_KEY is words of hex bytes
	bpftool map update name svc_cgroups key hex $SVC_KEY value hex 01 00 00 00 ||
		fail "bpftool could not fill svc_cgroups"
	[ $engine = kernel ] && before=$(zs_counters)
	for who in canary stable; do
		d=$SVC
		[ $who = stable ] && d=$(dirname "$SVC")
		_zs_cgexec "$d" $PYTHON - "$ZS_PORT" $who $engine <<'PY' || fail "$engine engine: requests from the $who cgroup"
import os, sys
sys.path.insert(0, os.environ["ZS_TESTS"])
from rawhttp import Conn
port, want, engine = int(sys.argv[1]), sys.argv[2], sys.argv[3]
for conn in range(3):
    c = Conn(port)
    for i in range(5):
        r = c.request("GET", "/echo?c=%d&i=%d" % (conn, i), host="localhost")
        assert r.status == 200 and r.header("X-Backend") == want, "%s engine, %s cgroup, connection %d, request %d: %r from %r" % (
            engine, want, conn, i, r.status, r.header("X-Backend"))
    c.close()
PY
	done
	if [ $engine = kernel ]; then
		zs_counters
		carried=$(counter_rise requests "$before")
		[ "$carried" -ge 15 ] || fail "the kernel carried $carried of 30 requests, want >= 15"
		kmsg_check
	fi
	zs_stop_all
	svc_cgroup_remove
done
exit 0
