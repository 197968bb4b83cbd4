# SPDX-License-Identifier: MIT
# Helpers for the --mcp scenarios; source it after lib.sh:
#   . "$ZS_TESTS/lib.sh"; . "$ZS_TESTS/mcplib.sh"
#
#   mcp_backend_start NAME  start tests/mcp_backend.py (an MCP server on
#                        POST /mcp); prints its port; every request it reads
#                        lands in $T/mcp-NAME.requests (JSON lines)
#   mcp_scrape_wait PORT SELECTOR N  wait (up to 5 s) until the sum of the
#                        samples promcheck.py --get SELECTOR picks from
#                        127.0.0.1:PORT/metrics is N; the scrape is left in
#                        $T/metrics
#   mcp_metrics_wait PORT N  mcp_scrape_wait PORT zeroserve_mcp_calls_total N
# Clients are python: tests/mcpclient.py (zs_python puts tests/ on the path).

mcp_backend_start() {
	_name=${1:?mcp_backend_start NAME}
	_tries=0
	while :; do
		_port=$(zs_port)
		_out="$T/mcp-$_name.out"
		_zs_bg_exec "$PYTHON" -u "$ZS_TESTS/mcp_backend.py" --port "$_port" \
			--record "$T/mcp-$_name.requests" >"$_out" 2>"$T/mcp-$_name.err" </dev/null &
		_pid=$!
		_zs_track "$_pid"
		_i=0
		while [ $_i -lt 100 ]; do
			grep -qx ready "$_out" 2>/dev/null && break
			kill -0 "$_pid" 2>/dev/null || break
			sleep 0.05
			_i=$((_i + 1))
		done
		grep -qx ready "$_out" 2>/dev/null && break
		zs_kill "$_pid"
		_tries=$((_tries + 1))
		[ $_tries -lt 3 ] || fail "MCP backend $_name did not start: $(cat "$T/mcp-$_name.err")"
	done
	echo "$_port"
}

mcp_scrape_wait() {
	_i=0
	while :; do
		zs_curl -o "$T/metrics" "http://127.0.0.1:$1/metrics" 2>/dev/null &&
			_n=$("$PYTHON" "$ZS_TESTS/promcheck.py" "$T/metrics" --get "$2" 2>/dev/null) &&
			[ "$_n" = "$3" ] && return 0
		_i=$((_i + 1))
		[ $_i -lt 100 ] || fail "$2 is ${_n:-?} after 5 s, want $3"
		sleep 0.05
	done
}

mcp_metrics_wait() {
	mcp_scrape_wait "$1" zeroserve_mcp_calls_total "$2"
}
