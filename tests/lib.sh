# SPDX-License-Identifier: MIT
# Shared helpers for the scenario tests; source it: . "$ZS_TESTS/lib.sh"
#
# POSIX sh (works under dash and bash). `make check` exports ZS_BIN (the
# zeroserve binary) and ZS_TESTS (this directory). ZS_ENGINE_ARGS holds the
# engine options every zeroserve start gets; unset, it is "--no-bpf" (set it
# to "" for the kernel engine). ZS_KEEP=1 keeps the temp dir for debugging.
#
# Every test gets:
#   $T                   a temp dir, removed at exit
#   $ZS_PORT             the port zeroserve listens on (127.0.0.1)
#   zs_port              print a free 127.0.0.1 port
#   backend_start NAME   start tests/backend.py; sets BACKEND_PORT, BACKEND_PID
#                        and prints the port
#   zs_start ARGS...     start zeroserve with routes/options ARGS; sets ZS_PID,
#                        ZS_LOG; waits until ZS_PORT accepts connections
#   nginx_start DOCROOT  start Debian's nginx serving DOCROOT; sets NGINX_PORT,
#                        NGINX_PID and prints the port; GET /__conn answers
#                        "$connection $connection_requests"
#   fail MSG / skip MSG  exit 1 / exit 77 (skip only for missing capabilities)
#   expect_eq ACTUAL EXPECTED [WHAT]   expect_match STRING ERE [WHAT]
#   zs_curl ARGS...      curl -sS with a timeout, never through a proxy
#   zs_req PATH [CURL ARGS]  request http://127.0.0.1:$ZS_PORT/PATH: body in
#                        $T/body, headers in $T/head, prints the status code
#   resp_header NAME     values of header NAME in $T/head (last response)
#   zs_python ARGS...    python3 with tests/ on PYTHONPATH (for rawhttp.py),
#                        killed after ZS_PY_TIMEOUT (60) s
#   pattern_sha256 N     sha256 of N bytes of backend.py's /bytes pattern
#   expect_echo PATH BACKEND [CURL ARGS]  GET PATH through zeroserve: 200 from
#                        BACKEND's /echo, which saw PATH as it was sent
#   json_get FILE EXPR   evaluate python EXPR on the JSON document d in FILE
#   echo_header FILE NAME  values of request header NAME in a /echo reply
# An EXIT trap stops every process started through these helpers (by PID)
# and waits for it.

: "${ZS_BIN:?ZS_BIN must name the zeroserve binary}"
: "${ZS_TESTS:?ZS_TESTS must name the tests/ source directory}"
if [ -z "${ZS_ENGINE_ARGS+set}" ]; then
	ZS_ENGINE_ARGS=--no-bpf
fi
ZS_TEST_NAME=$(basename "$0" .sh)
# Debian's python3 directly: a version manager's shim costs ~0.1 s per call.
if [ -z "${PYTHON:-}" ]; then
	PYTHON=python3
	[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/zs-$ZS_TEST_NAME.XXXXXX") || {
	echo "$ZS_TEST_NAME: cannot create a temp dir" >&2
	exit 99
}
: >"$T/.pids"
: >"$T/.ports"
ZS_PID=
ZS_LOG=
ZS_STARTS=0

# Kill every process recorded in $T/.pids (TERM, then KILL after 3 s) and
# reap it. PIDs live in a file so that helpers called in a $(...) subshell
# are covered too.
zs_stop_all() {
	_pids=$(cat "$T/.pids" 2>/dev/null)
	[ -n "$_pids" ] || return 0
	for _p in $_pids; do
		kill -TERM "$_p" 2>/dev/null || :
	done
	_i=0
	while [ $_i -lt 60 ]; do
		_alive=
		for _p in $_pids; do
			if kill -0 "$_p" 2>/dev/null && ! _zs_zombie "$_p"; then
				_alive="$_alive $_p"
			fi
		done
		[ -n "$_alive" ] || break
		sleep 0.05
		_i=$((_i + 1))
	done
	for _p in $_alive; do
		echo "$ZS_TEST_NAME: pid $_p ignored SIGTERM, killing it" >&2
		kill -KILL "$_p" 2>/dev/null || :
	done
	for _p in $_pids; do
		wait "$_p" 2>/dev/null || :
	done
	: >"$T/.pids"
}

_zs_zombie() {
	[ "$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)" = Z ]
}

_zs_cleanup() {
	_rc=$?
	trap - EXIT
	zs_stop_all
	if [ -n "${ZS_KEEP:-}" ]; then
		echo "$ZS_TEST_NAME: kept $T" >&2
	else
		rm -rf "$T"
	fi
	exit $_rc
}
trap _zs_cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
# fail in a $(...) subshell (PA=$(backend_start a)) signals the test's
# shell, which then fails too instead of going on with an empty value.
ZS_MAIN_PID=$$
trap 'exit 1' USR1

_zs_track() {
	echo "$1" >>"$T/.pids"
}

# Stop one process started by these helpers (e.g. zeroserve, to restart it).
zs_kill() {
	kill -TERM "$1" 2>/dev/null || :
	_i=0
	while kill -0 "$1" 2>/dev/null && ! _zs_zombie "$1" && [ $_i -lt 60 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	kill -KILL "$1" 2>/dev/null || :
	wait "$1" 2>/dev/null || :
	grep -vx "$1" "$T/.pids" >"$T/.pids.new" || :
	mv "$T/.pids.new" "$T/.pids"
}

fail() {
	echo "FAIL: $ZS_TEST_NAME: $*" >&2
	if [ -n "$ZS_LOG" ] && [ -s "$ZS_LOG" ]; then
		echo "--- last lines of $ZS_LOG:" >&2
		tail -n 20 "$ZS_LOG" >&2
	fi
	# $$ is the test's shell even in a subshell; $PPID of a child is not.
	if [ "$(exec sh -c 'echo $PPID')" != "$ZS_MAIN_PID" ]; then
		kill -USR1 "$ZS_MAIN_PID"
	fi
	exit 1
}

skip() {
	echo "SKIP: $ZS_TEST_NAME: $*" >&2
	exit 77
}

expect_eq() {
	[ "$1" = "$2" ] || fail "${3:-value}: expected '$2', got '$1'"
}

expect_match() {
	printf '%s\n' "$1" | grep -Eq -- "$2" || fail "${3:-value}: '$1' does not match /$2/"
}

# A free 127.0.0.1 port, never one this test has handed out already.
zs_port() {
	_n=0
	while [ $_n -lt 20 ]; do
		_port=$($PYTHON -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])') || fail "zs_port: python3 failed"
		if ! grep -qx "$_port" "$T/.ports"; then
			echo "$_port" >>"$T/.ports"
			echo "$_port"
			return 0
		fi
		_n=$((_n + 1))
	done
	fail "zs_port: no fresh port"
}

# Wait until 127.0.0.1:PORT accepts a connection; give up after SECONDS or
# as soon as PID has exited. Exit status 0 when up.
_zs_wait_port() {
	$PYTHON - "$1" "$2" "$3" <<'EOF'
import socket, sys, time
port, pid, limit = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
end = time.monotonic() + limit
while time.monotonic() < end:
    try:
        with open("/proc/%s/status" % pid) as f:
            if "\nState:\tZ" in f.read():
                sys.exit(2)
    except FileNotFoundError:
        sys.exit(2)
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.02)
sys.exit(1)
EOF
}

ZS_PORT=$(zs_port)

backend_start() {
	_name=${1:?backend_start NAME}
	_tries=0
	while :; do
		BACKEND_PORT=$(zs_port)
		_out="$T/backend-$_name.out"
		$PYTHON -u "$ZS_TESTS/backend.py" --port "$BACKEND_PORT" --name "$_name" \
			>"$_out" 2>"$T/backend-$_name.err" &
		BACKEND_PID=$!
		_zs_track "$BACKEND_PID"
		_i=0
		while [ $_i -lt 100 ]; do
			grep -qx ready "$_out" 2>/dev/null && break
			kill -0 "$BACKEND_PID" 2>/dev/null || break
			sleep 0.05
			_i=$((_i + 1))
		done
		if grep -qx ready "$_out" 2>/dev/null; then
			break
		fi
		zs_kill "$BACKEND_PID"
		_tries=$((_tries + 1))
		[ $_tries -lt 3 ] || fail "backend $_name did not start: $(cat "$T/backend-$_name.err")"
	done
	echo "$BACKEND_PORT"
}

zs_start() {
	ZS_STARTS=$((ZS_STARTS + 1))
	ZS_LOG="$T/zeroserve.$ZS_STARTS.log"
	# shellcheck disable=SC2086 # ZS_ENGINE_ARGS is a word list on purpose
	"$ZS_BIN" $ZS_ENGINE_ARGS -l "127.0.0.1:$ZS_PORT" "$@" >"$ZS_LOG" 2>&1 </dev/null &
	ZS_PID=$!
	_zs_track "$ZS_PID"
	_zs_wait_port "$ZS_PORT" "$ZS_PID" 5 ||
		fail "zeroserve did not accept connections on 127.0.0.1:$ZS_PORT within 5 s (args: $ZS_ENGINE_ARGS $*)"
}

nginx_start() {
	_root=$(cd "${1:?nginx_start DOCROOT}" && pwd) || fail "nginx_start: no directory $1"
	[ -x /usr/sbin/nginx ] || skip "nginx is not installed (/usr/sbin/nginx)"
	NGINX_PORT=$(zs_port)
	_dir="$T/nginx"
	mkdir -p "$_dir"
	_mime=
	[ -r /etc/nginx/mime.types ] && _mime="include /etc/nginx/mime.types;"
	cat >"$_dir/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $_dir/nginx.pid;
error_log $_dir/error.log warn;
events { worker_connections 256; }
http {
	$_mime
	default_type application/octet-stream;
	access_log off;
	client_body_temp_path $_dir/client_body;
	proxy_temp_path $_dir/proxy;
	fastcgi_temp_path $_dir/fastcgi;
	uwsgi_temp_path $_dir/uwsgi;
	scgi_temp_path $_dir/scgi;
	sendfile on;
	keepalive_timeout 60s;
	keepalive_requests 10000;
	server {
		listen 127.0.0.1:$NGINX_PORT;
		server_name _;
		root $_root;
		location = /__conn {
			default_type text/plain;
			return 200 "\$connection \$connection_requests\n";
		}
	}
}
EOF
	/usr/sbin/nginx -e "$_dir/error.log" -p "$_dir" -c "$_dir/nginx.conf" \
		>"$_dir/stdout" 2>&1 </dev/null &
	NGINX_PID=$!
	_zs_track "$NGINX_PID"
	_zs_wait_port "$NGINX_PORT" "$NGINX_PID" 5 ||
		fail "nginx did not start: $(tail -n 5 "$_dir/error.log" "$_dir/stdout" 2>/dev/null)"
	echo "$NGINX_PORT"
}

zs_curl() {
	curl -sS --noproxy '*' --max-time "${ZS_CURL_TIMEOUT:-10}" "$@"
}

zs_req() {
	_path=${1:?zs_req PATH [CURL ARGS]}
	shift
	rm -f "$T/body" "$T/head"
	zs_curl --path-as-is -o "$T/body" -D "$T/head" -w '%{http_code}' "$@" \
		"http://127.0.0.1:$ZS_PORT$_path"
}

# Values of response header NAME in $T/head (the last response in it).
resp_header() {
	tr -d '\r' <"$T/head" | awk -v name="$1" '
		/^HTTP\// { n = 0; next }
		{ i = index($0, ":"); if (i && tolower(substr($0, 1, i - 1)) == tolower(name)) {
			val = substr($0, i + 1); sub(/^[ \t]+/, "", val); sub(/[ \t]+$/, "", val); v[n++] = val } }
		END { for (i = 0; i < n; i++) print v[i] }'
}

# sha256 (hex) of N bytes of the backend's /bytes pattern.
pattern_sha256() {
	zs_python -c 'import sys, rawhttp
print(rawhttp.pattern_sha256(int(sys.argv[1])))' "$1"
}

expect_echo() {
	_path=$1
	_backend=$2
	shift 2
	_code=$(zs_req "$_path" "$@") || fail "GET $_path $*: curl failed"
	expect_eq "$_code" 200 "status of GET $_path $*"
	expect_eq "$(json_get "$T/body" 'd["backend"]')" "$_backend" "backend for GET $_path $*"
	expect_eq "$(json_get "$T/body" 'd["path"]')" "$_path" "path the backend saw for GET $_path $*"
}

# Evaluate a python expression over the JSON document `d` read from FILE.
json_get() {
	$PYTHON -c 'import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(v if not isinstance(v, (list, dict, bool)) else json.dumps(v))' "$1" "$2" ||
		fail "json_get: cannot read '$2' from $1: $(head -c 300 "$1")"
}

# Values of request header NAME (case-insensitive) in a /echo reply, one per line.
echo_header() {
	$PYTHON -c 'import json, sys
for k, v in json.load(open(sys.argv[1]))["headers"]:
    if k.lower() == sys.argv[2].lower():
        print(v)' "$1" "$2" || fail "echo_header: $1 is not an /echo reply: $(head -c 300 "$1")"
}

# Run python with tests/ on its module path (for rawhttp.py), for at most
# ZS_PY_TIMEOUT (60) seconds.
zs_python() {
	PYTHONPATH="$ZS_TESTS${PYTHONPATH:+:$PYTHONPATH}" \
		timeout "${ZS_PY_TIMEOUT:-60}" $PYTHON "$@"
}
