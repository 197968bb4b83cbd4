#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, the whole userspace suite: every proxy_, err_, log_ and
# signal_ scenario runs again with the kernel engine attached to this test's
# cgroup, its clients and backends inside it, and passes (or skips, as it
# does in make check, where a capability it checks for is missing). All of
# them: proxy_upstream_pool, which counts backend connections, holds too now
# that a client's backend connection goes back to the pool at its close.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
# The engine the scenarios below get: on, here (else they would pass on
# the userspace engine and prove nothing).
PA=$(backend_start a)
zs_start_kernel "/=127.0.0.1:$PA"
zs_stop_all
ran=0
skipped=0
failed=
for t in "$ZS_TESTS"/scenario/proxy_*.sh "$ZS_TESTS"/scenario/err_*.sh \
	"$ZS_TESTS"/scenario/log_*.sh "$ZS_TESTS"/scenario/signal_*.sh; do
	name=$(basename "$t" .sh)
	rc=0
	ZS_CG=$CG ZS_ENGINE_ARGS="--cgroup $CG" sh "$t" >"$T/$name.log" 2>&1 || rc=$?
	ran=$((ran + 1))
	if [ $rc -eq 0 ]; then
		echo "PASS: $name"
	elif [ $rc -eq 77 ]; then
		# Its own capability check said no (it skips in make check too):
		# on a fresh chroot, proxy_backend_other_family cannot unshare -m.
		echo "$(grep -m1 '^SKIP' "$T/$name.log" || echo "SKIP: $name")"
		skipped=$((skipped + 1))
	else
		echo "FAIL: $name (exit $rc)"
		tail -n 15 "$T/$name.log" | sed 's/^/    /'
		failed="$failed $name"
	fi
done
echo "$ran scenarios on the kernel engine, $skipped skipped"
[ $((ran - skipped)) -ge 40 ] || fail "only $((ran - skipped)) scenarios ran (of $ran found under $ZS_TESTS/scenario)"
[ -z "$failed" ] || fail "on the kernel engine:$failed"
kmsg_check
exit 0
