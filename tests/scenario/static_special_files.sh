#!/bin/sh
# SPDX-License-Identifier: MIT
# Only regular files are served: a FIFO or a device under the root is 404
# at once (opening it must not block the server), and the server goes on.
. "$ZS_TESTS/lib.sh"

mkdir "$T/root"
mkfifo "$T/root/pipe" || skip "cannot make a FIFO"
ln -s /dev/zero "$T/root/zero"
printf 'ok\n' >"$T/root/f.txt"
zs_start --follow-symlinks "$T/root"

code=$(ZS_CURL_TIMEOUT=3 zs_req /pipe) || fail "GET /pipe: curl failed (server blocked?)"
expect_eq "$code" 404 "status of a FIFO"
code=$(ZS_CURL_TIMEOUT=3 zs_req /zero) || fail "GET /zero: curl failed"
expect_eq "$code" 404 "status of a character device"
code=$(zs_req /f.txt) || fail "GET /f.txt: curl failed"
expect_eq "$code" 200 "status of a regular file afterwards"
expect_eq "$(cat "$T/body")" ok "body of /f.txt"
exit 0
