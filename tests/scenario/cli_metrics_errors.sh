#!/bin/sh
# SPDX-License-Identifier: MIT
# A bad metrics, log or OTLP option is a bad command line: one line on
# stderr naming the option and the value, with the hint to run
# zeroserve --help, and exit status 2, before anything listens (the listen
# port is held by another socket meanwhile: listening first would fail
# otherwise). A --metrics address that is no ADDR:PORT or is a listen
# address, a --log-ring that is no power of two from 64k to 1g, a
# --metrics-sources of 0, a --metrics-interval that is not positive, an
# --mcp that names no route or a directory route, an --otlp-endpoint that
# is https or no URL.
. "$ZS_TESTS/lib.sh"

port=$(zs_port)
$PYTHON -c 'import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
time.sleep(120)' "$port" &
_zs_track $!
_zs_wait_port "$port" $! 5 || fail "cannot hold port $port"
mkdir "$T/www"
L="-l 127.0.0.1:$port"

# bad WANT ARGS...: expect_usage_error WANT ARGS, and the line ends with
# the hint.
bad() {
	expect_usage_error "$@"
	shift
	grep -qF '(see zeroserve --help)' "$T/err" ||
		fail "zeroserve $*: no '(see zeroserve --help)' hint: $(cat "$T/err")"
}

# shellcheck disable=SC2086 # L is two words on purpose
{
	bad "bad --metrics address 'nonsense'" $L --metrics nonsense /=127.0.0.1:1
	bad "--metrics '127.0.0.1:$port' is also a --listen address" $L --metrics "127.0.0.1:$port" /=127.0.0.1:1
	bad "bad --log-ring '1000': expected a power of two" $L --log-ring 1000 /=127.0.0.1:1
	bad "bad --log-ring '3m': expected a power of two" $L --log-ring 3m /=127.0.0.1:1
	bad "bad --metrics-sources '0'" $L --metrics-sources 0 /=127.0.0.1:1
	bad "bad --metrics-interval '-1'" $L --metrics-interval -1 /=127.0.0.1:1
	bad "bad --mcp 'nosuch': no route has that name or spec" $L --mcp nosuch /=127.0.0.1:1
	bad "bad --mcp '/d=$T/www': a directory route" $L --mcp "/d=$T/www" /=127.0.0.1:1 "/d=$T/www"
	bad "bad --otlp-endpoint 'https://x:1'" $L --otlp-endpoint https://x:1 /=127.0.0.1:1
	bad "bad --otlp-endpoint 'nonsense'" $L --otlp-endpoint nonsense /=127.0.0.1:1
}
exit 0
