#!/bin/sh
# SPDX-License-Identifier: MIT
# A burst against a weak backend: python3 -m http.server listens with a
# backlog of 5, so 200 connects at once overflow its accept queue and the
# dropped SYNs come back only after the 1 s connect timeout. 200 concurrent
# GETs on 200 client connections all get 200 and the file: zeroserve keeps
# at most --backend-max-connecting new connections unanswered and queues the
# rest of the requests.
. "$ZS_TESTS/lib.sh"

mkdir "$T/www"
head -c 20000 /dev/urandom >"$T/www/f.bin"
PY=$(pyhttp_start "$T/www")
zs_start "/=127.0.0.1:$PY"

zs_python "$ZS_TESTS/burst.py" --port "$ZS_PORT" --n 200 --path /f.bin \
	--body "$T/www/f.bin" >"$T/burst" 2>"$T/burst.err" || fail "burst client: $(tail -n 5 "$T/burst.err")"
expect_eq "$(cat "$T/burst")" "200 200" "statuses of 200 concurrent GETs (errors: $(sort "$T/burst.err" | uniq -c | head -n 5))"
exit 0
