#!/bin/sh
# SPDX-License-Identifier: MIT
# A directory route is opened as root before the switch, so the user
# zeroserve switches to needs rights on the root and below it only, not on
# the way there: a readable site inside a closed directory (a checkout in
# /root, mode 0700 on Debian) is served as nobody.
. "$ZS_TESTS/lib.sh"

[ "$(id -u)" = 0 ] || skip "not root (uid $(id -u)): no user switch"
unset SUDO_USER
mkdir -m 700 "$T/closed"
mkdir -m 755 "$T/closed/site" "$T/closed/site/sub"
printf 'site\n' >"$T/closed/site/index.html"
printf 'sub\n' >"$T/closed/site/sub/page.txt"
zs_start "$T/closed/site"
expect_unprivileged "$(id -u nobody)"
expect_eq "$(zs_req /)" 200 "GET / status"
expect_eq "$(cat "$T/body")" site "GET / body"
expect_eq "$(zs_req /sub/page.txt)" 200 "GET /sub/page.txt status"
expect_eq "$(cat "$T/body")" sub "GET /sub/page.txt body"
exit 0
