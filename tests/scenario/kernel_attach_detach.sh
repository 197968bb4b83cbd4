#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine lifecycle: while zeroserve runs, its sock_ops program
# zs_sockops is attached to the --cgroup directory; after SIGTERM, and after
# kill -9 in the middle of a 50 MiB download, nothing of it is left: no
# program on the cgroup, its zs_sockops / zs_msg programs and maps gone.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
BPFTOOL=/usr/sbin/bpftool
[ -x "$BPFTOOL" ] || BPFTOOL=$(command -v bpftool) || skip "bpftool is not installed"

# "PROGS MAPS": the ids of the zs_ programs attached to $CG, of the zs_
# programs sharing a map with them (zs_msg on the sockhash), and of their
# maps. Other zeroserves on this host (other tests) are not ours.
zs_bpf_ids() {
	$PYTHON - "$BPFTOOL" "$CG" <<'PY'
import json, subprocess, sys
bpftool, cg = sys.argv[1:3]
def j(*args):
    p = subprocess.run([bpftool, "-j"] + list(args), capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("bpftool %s: %s" % (" ".join(args), p.stderr.strip()))
    return json.loads(p.stdout or "[]")
attached = [p["id"] for p in j("cgroup", "show", cg) if str(p.get("name", "")).startswith("zs_")]
progs = {p["id"]: p for p in j("prog", "show")}
maps = set()
for i in attached:
    maps.update(progs.get(i, {}).get("map_ids", []))
ids = set(attached)
for i, p in progs.items():
    if str(p.get("name", "")).startswith("zs_") and maps & set(p.get("map_ids", [])):
        ids.add(i)
print(",".join(str(i) for i in sorted(ids)), ",".join(str(m) for m in sorted(maps)))
PY
}

# Wait up to 5 s until none of the programs and maps in "PROGS MAPS" exist
# and nothing named zs_ is attached to $CG.
expect_gone() {
	_what=$1
	_progs=$2
	_maps=$3
	_i=0
	while :; do
		_left=
		"$BPFTOOL" cgroup show "$CG" >"$T/cg.now" 2>&1 || :
		grep -q 'zs_' "$T/cg.now" && _left="$_left cgroup:$(grep zs_ "$T/cg.now" | tr -s ' \n' ' ')"
		for _id in $(echo "$_progs" | tr ',' ' '); do
			"$BPFTOOL" prog show id "$_id" >/dev/null 2>&1 && _left="$_left prog:$_id"
		done
		for _id in $(echo "$_maps" | tr ',' ' '); do
			"$BPFTOOL" map show id "$_id" >/dev/null 2>&1 && _left="$_left map:$_id"
		done
		[ -n "$_left" ] || return 0
		_i=$((_i + 1))
		if [ $_i -ge 100 ]; then
			"$BPFTOOL" cgroup tree "$CG" >&2
			"$BPFTOOL" prog show >&2
			fail "$_what: still there after 5 s:$_left"
		fi
		sleep 0.05
	done
}

PA=$(backend_start a)

# 1. Attached while running; the log says so.
zs_start_kernel "/=127.0.0.1:$PA"
grep -qF "kernel engine on (cgroup $CG)" "$ZS_LOG" ||
	fail "no 'kernel engine on (cgroup $CG)' line"
grep -q "listening on http://127.0.0.1:$ZS_PORT/ (engine: kernel)" "$ZS_LOG" ||
	fail "the listening line does not say engine: kernel"
expect_eq "$(grep -c 'kernel engine ' "$ZS_LOG")" 1 "kernel engine lines at start"
"$BPFTOOL" cgroup tree "$CG" >"$T/cg" || fail "bpftool cgroup tree $CG failed"
cat "$T/cg"
grep -Eq 'sock_ops[[:space:]].*zs_sockops' "$T/cg" ||
	fail "no sock_ops program zs_sockops on $CG: $(cat "$T/cg")"
ids=$(zs_bpf_ids) || fail "cannot list zeroserve's BPF programs"
# shellcheck disable=SC2086 # "PROGS MAPS": two words
set -- $ids
progs=$1
maps=${2:-}
echo "zeroserve's BPF programs: $progs, maps: $maps"
"$BPFTOOL" prog show | grep -q 'name zs_msg' || fail "no zs_msg program loaded"
expect_match "$progs" ',' "more than one zs_ program (zs_sockops and zs_msg) of this zeroserve"
code=$(zs_req /bytes/1000) || fail "GET /bytes/1000 failed"
expect_eq "$code" 200 "GET /bytes/1000"

# 2. SIGTERM: detached, programs and maps freed, the exit counters logged.
zs_kill "$ZS_PID"
grep -q 'kernel engine counters (' "$ZS_LOG" || fail "no counters line at exit"
expect_gone "after SIGTERM" "$progs" "$maps"

# 3. kill -9 during a 50 MiB download (slow enough to be cut in the middle).
zs_start_kernel "/=127.0.0.1:$PA"
ids=$(zs_bpf_ids) || fail "cannot list zeroserve's BPF programs"
# shellcheck disable=SC2086 # "PROGS MAPS": two words
set -- $ids
progs=$1
maps=${2:-}
"$BPFTOOL" cgroup show "$CG" | grep -q zs_sockops || fail "zs_sockops not attached after the restart"
echo "second zeroserve's BPF programs: $progs, maps: $maps"
cg_spawn curl -sS --noproxy '*' --max-time 60 --limit-rate 10M -o "$T/dl" \
	"http://127.0.0.1:$ZS_PORT/bytes/52428800"
curl_pid=$CG_PID
i=0
while [ "$(stat -c %s "$T/dl" 2>/dev/null || echo 0)" -lt 2000000 ]; do
	i=$((i + 1))
	[ $i -lt 200 ] || fail "the download did not start within 10 s"
	kill -0 "$curl_pid" 2>/dev/null || fail "curl ended before 2 MB arrived"
	sleep 0.05
done
kill -KILL "$ZS_PID"
wait "$ZS_PID" 2>/dev/null || :
echo "killed zeroserve with $(stat -c %s "$T/dl") bytes downloaded"
expect_gone "after kill -9" "$progs" "$maps"
zs_kill "$curl_pid"

# 4. Nothing left that disturbs a connection inside the cgroup.
code=$(zs_curl -o "$T/direct" -w '%{http_code}' "http://127.0.0.1:$PA/bytes/1000000") ||
	fail "direct GET after kill -9 failed"
expect_eq "$code" 200 "direct GET after kill -9"
expect_eq "$(sha256sum <"$T/direct" | cut -d' ' -f1)" "$(pattern_sha256 1000000)" "direct body"
kmsg_check
exit 0
