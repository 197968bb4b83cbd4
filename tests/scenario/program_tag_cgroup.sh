#!/bin/sh
# SPDX-License-Identifier: MIT
# Routing program contrib/programs/tag_cgroup on both engines: a client in
# a cgroup of its own, whose id (its directory's inode) is in the program's
# map cgroup_tags (filled with bpftool, as the example says), gets its
# requests tagged "svc-alpha" in the access log; a client in another
# cgroup gets no tag. The id is the client socket's cgroup, read by the
# kernel from the socket and by userspace from sock_diag; requests the
# kernel carried are logged from its records, with their tags.
. "$ZS_TESTS/lib.sh"

program_need tag_cgroup
for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	zs_start_on $engine --access-log "$T/access.$engine" --program "$PROG" "/=127.0.0.1:$PA"
	svc_cgroup_make
	value=$($PYTHON -c 'print(" ".join("%02x" % b for b in b"svc-alpha".ljust(16, b"\0")))')
	# shellcheck disable=SC2086 # key and value are words of hex bytes
	bpftool map update name cgroup_tags key hex $SVC_KEY value hex $value ||
		fail "bpftool could not fill cgroup_tags"
	for who in svc other; do
		d=$SVC
		[ $who = other ] && d=$(dirname "$SVC")
		_zs_cgexec "$d" $PYTHON - "$ZS_PORT" $who <<'PY' || fail "$engine engine: requests from $who"
import sys
sys.path.insert(0, __import__("os").environ["ZS_TESTS"])
from rawhttp import Conn
port, who = int(sys.argv[1]), sys.argv[2]
for conn in range(2):
    c = Conn(port)
    for i in range(3):
        r = c.request("GET", "/echo?who=%s&c=%d&i=%d" % (who, conn, i), host="localhost")
        assert r.status == 200, "%s: %r" % (who, r)
    c.close()
PY
	done
	zs_stop_all
	svc_cgroup_remove
	zs_python - "$T/access.$engine" $engine <<'PY' || fail "$engine engine: tags by cgroup"
import sys
lines = open(sys.argv[1]).read().splitlines()
svc = [l for l in lines if "who=svc" in l]
other = [l for l in lines if "who=other" in l]
for l in svc:
    assert ' tag="svc-alpha"' in l, "%s engine: %s" % (sys.argv[2], l)
for l in other:
    assert " tag=" not in l, "%s engine: %s" % (sys.argv[2], l)
assert len(svc) == 6 and len(other) == 6, "%s engine: %d and %d lines" % (sys.argv[2], len(svc), len(other))
if sys.argv[2] == "kernel":
    assert any("engine=kernel" in l for l in svc), "kernel engine: no svc request carried by the kernel"
PY
done
exit 0
