#!/bin/sh
# SPDX-License-Identifier: MIT
# --help lists the directory options and an example mixing a directory and
# a backend.
. "$ZS_TESTS/lib.sh"

"$ZS_BIN" --help >"$T/out" 2>"$T/err" || fail "--help failed: $(cat "$T/err")"
for word in --browse --spa --dotfiles --follow-symlinks --cache --no-gzip DIRECTORY \
	'/=./dist /api=:3001'; do
	grep -qF -- "$word" "$T/out" || fail "--help does not mention $word"
done
exit 0
