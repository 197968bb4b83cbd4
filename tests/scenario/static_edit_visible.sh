#!/bin/sh
# SPDX-License-Identifier: MIT
# Edits show at once: a cached small file rewritten in place (same size),
# replaced, or deleted is answered from the disk's new state on the next
# request.
. "$ZS_TESTS/lib.sh"

mkdir "$T/root"
printf 'AAAA\n' >"$T/root/f.txt"
zs_start "$T/root"

code=$(zs_req /f.txt) || fail "curl failed"
expect_eq "$(cat "$T/body")" AAAA "first body"
code=$(zs_req /f.txt) || fail "curl failed"
printf 'BBBB\n' >"$T/root/f.txt"
code=$(zs_req /f.txt) || fail "curl failed"
expect_eq "$(cat "$T/body")" BBBB "body after an in-place rewrite"
printf 'CCCCCC\n' >"$T/root/f.new"
mv "$T/root/f.new" "$T/root/f.txt"
code=$(zs_req /f.txt) || fail "curl failed"
expect_eq "$(cat "$T/body")" CCCCCC "body after a rename over it"
rm "$T/root/f.txt"
code=$(zs_req /f.txt) || fail "curl failed"
expect_eq "$code" 404 "status after deletion"
exit 0
