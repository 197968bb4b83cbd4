#!/bin/sh
# SPDX-License-Identifier: MIT
# Names starting with '.' are hidden (404), encoded or not, unless --dotfiles.
. "$ZS_TESTS/lib.sh"

mkdir -p "$T/root/.git" "$T/root/sub"
printf 'SECRET=1\n' >"$T/root/.env"
printf '[core]\n' >"$T/root/.git/config"
printf 'h\n' >"$T/root/sub/.hidden"
zs_start "$T/root"

for p in /.env /.git/config /sub/.hidden /%2eenv /sub/../.env; do
	code=$(zs_req "$p") || fail "GET $p: curl failed"
	expect_eq "$code" 404 "status of $p"
done

zs_kill "$ZS_PID"
zs_start --dotfiles "$T/root"
code=$(zs_req /.env) || fail "curl failed"
expect_eq "$code" 200 "status of /.env with --dotfiles"
expect_eq "$(cat "$T/body")" SECRET=1 "body of /.env"
code=$(zs_req /.git/config) || fail "curl failed"
expect_eq "$code" 200 "status of /.git/config with --dotfiles"
exit 0
