# SPDX-License-Identifier: MIT
# Helpers for the --mcp scenarios; source it after lib.sh:
#   . "$ZS_TESTS/lib.sh"; . "$ZS_TESTS/mcplib.sh"
#
#   mcp_backend_start NAME  start tests/mcp_backend.py (an MCP server on
#                        POST /mcp); prints its port; every request it reads
#                        lands in $T/mcp-NAME.requests (JSON lines)
#   mcp_start ENGINE ARGS...  on ENGINE (engine_setup, zs_start_on): an MCP
#                        backend (PM; mcp_backend_start m-ENGINE) behind
#                        route mcp@/mcp, marked --mcp, and backend.py (PA)
#                        behind / (a route the kernel can carry, so that
#                        the kernel engine starts); --metrics on MP; a
#                        JSON access log in $T/access.ENGINE; ARGS go first
# (metric_wait, to wait for a value of /metrics, is lib.sh's)
# Clients are python: tests/mcpclient.py (zs_python puts tests/ on the path).

_zs_mcp_run() {
	_port=$(zs_port)
	_zs_bg_exec "$PYTHON" -u "$ZS_TESTS/mcp_backend.py" --port "$_port" \
		--record "$T/mcp-$_name.requests" >"$T/mcp-$_name.out" 2>"$T/mcp-$_name.err" </dev/null &
	_pid=$!
}

mcp_backend_start() {
	_name=${1:?mcp_backend_start NAME}
	_zs_ready_start "MCP backend $_name" "$T/mcp-$_name.out" "$T/mcp-$_name.err" _zs_mcp_run
	echo "$_port"
}

mcp_start() {
	_engine=$1
	shift
	engine_setup "$_engine"
	PM=$(mcp_backend_start "m-$_engine")
	PA=$(backend_start a)
	MP=$(zs_port)
	zs_start_on "$_engine" "$@" --access-log "$T/access.$_engine" --log-format json \
		--metrics "127.0.0.1:$MP" --mcp mcp "mcp@/mcp=127.0.0.1:$PM" "/=127.0.0.1:$PA"
}
