#!/bin/sh
# SPDX-License-Identifier: MIT
# --access-log - writes the access log to stdout, one line per request, and
# nothing else goes there (diagnostics stay on stderr).
. "$ZS_TESTS/lib.sh"

backend_start b1 >/dev/null
# zs_start sends stdout and stderr to one file; split them with a wrapper
# that keeps the PID (exec) and moves stderr aside.
cat >"$T/zeroserve" <<WRAP
#!/bin/sh
exec "$ZS_BIN" "\$@" 2>"$T/stderr"
WRAP
chmod +x "$T/zeroserve"
ZS_BIN=$T/zeroserve
ZS_ERR_LOG=$T/stderr
zs_start --access-log - "/=127.0.0.1:$BACKEND_PORT"
stdout=$ZS_LOG

u=http://127.0.0.1:$ZS_PORT
curl -s --max-time 5 -o /dev/null "$u/echo" -o /dev/null "$u/bytes/10" || fail "curl failed"
code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$u/status/404")
expect_eq "$code" 404 "GET /status/404"

i=0
while [ "$(wc -l <"$stdout")" -lt 3 ] && [ $i -lt 60 ]; do
	sleep 0.05
	i=$((i + 1))
done
sleep 0.2
n=$(wc -l <"$stdout")
[ "$n" -eq 3 ] || fail "stdout has $n lines for 3 requests: $(cat "$stdout")"
sed -n 1p "$stdout" | grep -q '/echo' || fail "stdout line 1 is not GET /echo: $(sed -n 1p "$stdout")"
sed -n 2p "$stdout" | grep -q '/bytes/10' || fail "stdout line 2 is not GET /bytes/10: $(sed -n 2p "$stdout")"
sed -n 3p "$stdout" | grep -q '/status/404.* 404 ' || fail "stdout line 3 is not a 404 for /status/404: $(sed -n 3p "$stdout")"
! grep -q '/echo\|/bytes/10\|/status/404' "$T/stderr" || fail "access log lines on stderr: $(cat "$T/stderr")"
exit 0
