#!/bin/sh
# SPDX-License-Identifier: MIT
# Symlinks that leave the root are refused (403) unless --follow-symlinks;
# symlinks that stay inside always work.
. "$ZS_TESTS/lib.sh"

mkdir -p "$T/root/sub" "$T/outside"
printf 'inside\n' >"$T/root/sub/real.txt"
printf 'OUTSIDE\n' >"$T/outside/secret.txt"
ln -s "$T/outside/secret.txt" "$T/root/abs-link.txt"
ln -s ../../outside "$T/root/sub/out-dir"
ln -s sub/real.txt "$T/root/in-link.txt"
zs_start "$T/root"

for p in /abs-link.txt /sub/out-dir/secret.txt; do
	code=$(zs_req "$p") || fail "GET $p: curl failed"
	expect_eq "$code" 403 "status of $p"
	grep -q OUTSIDE "$T/body" && fail "$p: outside file sent"
done
code=$(zs_req /in-link.txt) || fail "curl failed"
expect_eq "$code" 200 "status of a symlink inside the root"
expect_eq "$(cat "$T/body")" inside "body of /in-link.txt"

zs_kill "$ZS_PID"
zs_start --follow-symlinks "$T/root"
for p in /abs-link.txt /sub/out-dir/secret.txt; do
	code=$(zs_req "$p") || fail "GET $p: curl failed"
	expect_eq "$code" 200 "status of $p with --follow-symlinks"
	expect_eq "$(cat "$T/body")" OUTSIDE "body of $p with --follow-symlinks"
done
exit 0
