#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine: a burst against a weak backend. python3 -m http.server
# (listen backlog 5) in the test's cgroup, 200 concurrent GETs on 200 client
# connections in it: all 200 get 200 and the file, as on the userspace
# engine (proxy_burst_weak_backend). Its HTTP/1.0 answers close every
# backend connection, so nothing is paired: the queue does it all.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
mkdir "$T/www"
head -c 20000 /dev/urandom >"$T/www/f.bin"
PY=$(pyhttp_start "$T/www")
zs_start_kernel "/=127.0.0.1:$PY"

zs_python "$ZS_TESTS/burst.py" --port "$ZS_PORT" --n 200 --path /f.bin \
	--body "$T/www/f.bin" >"$T/burst" 2>"$T/burst.err" || fail "burst client: $(tail -n 5 "$T/burst.err")"
expect_eq "$(cat "$T/burst")" "200 200" "statuses of 200 concurrent GETs (errors: $(sort "$T/burst.err" | uniq -c | head -n 5))"
kmsg_check
exit 0
