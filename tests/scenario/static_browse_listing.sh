#!/bin/sh
# SPDX-License-Identifier: MIT
# --browse lists a directory without index.html: directories first, names
# HTML-escaped, links percent-encoded; dotfiles left out.
. "$ZS_TESTS/lib.sh"

mkdir -p "$T/root/files/zdir" "$T/root/files/adir"
printf 'x' >"$T/root/files/<a&b>.txt"
printf 'y' >"$T/root/files/plain.txt"
printf 'z' >"$T/root/files/.secret"
zs_start --browse "$T/root"

code=$(zs_req /files/) || fail "GET /files/: curl failed"
expect_eq "$code" 200 "status of /files/"
expect_match "$(resp_header Content-Type)" '^text/html; charset=utf-8$' "listing type"
b=$(cat "$T/body")
expect_match "$b" '&lt;a&amp;b&gt;\.txt' "escaped name in the listing"
expect_match "$b" 'href="\./%3Ca%26b%3E\.txt"' "encoded link in the listing"
printf '%s' "$b" | grep -q '<a&b>' && fail "raw name in the listing: $b"
printf '%s' "$b" | grep -q 'secret' && fail "dotfile listed: $b"
# Directories first (sorted), then files.
order=$(printf '%s\n' "$b" | grep -o 'href="[^"]*"' | tr '\n' ' ')
expect_eq "$order" 'href="../" href="./adir/" href="./zdir/" href="./%3Ca%26b%3E.txt" href="./plain.txt" ' "listing order"
# The link works.
code=$(zs_req '/files/%3Ca%26b%3E.txt') || fail "GET the listed file: curl failed"
expect_eq "$code" 200 "status of the listed file"
expect_eq "$(cat "$T/body")" x "body of the listed file"

# An empty directory lists only the way up.
code=$(zs_req /files/adir/) || fail "GET /files/adir/: curl failed"
expect_eq "$code" 200 "status of an empty directory"
expect_eq "$(grep -o 'href="[^"]*"' "$T/body" | tr '\n' ' ')" 'href="../" ' "empty listing"

zs_kill "$ZS_PID"
zs_start "$T/root"
code=$(zs_req /files/) || fail "GET /files/ without --browse: curl failed"
expect_eq "$code" 404 "status of /files/ without --browse"
exit 0
