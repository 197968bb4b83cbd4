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
#                        and prints the port (on BACKEND_HOST, default
#                        127.0.0.1; ::1 for IPv6); every request head it
#                        reads lands in $T/backend-NAME.requests (JSON lines,
#                        backend.py --record); BACKEND_ARGS adds backend.py
#                        options (e.g. "--keepalive-timeout 1")
#   zs_start ARGS...     start zeroserve with routes/options ARGS; sets ZS_PID,
#                        ZS_LOG; waits until ZS_PORT accepts connections and,
#                        without --no-bpf, until its engine is known (logged in
#                        ZS_ERR_LOG if set, else ZS_LOG)
#   nginx_start DOCROOT  start Debian's nginx serving DOCROOT; sets NGINX_PORT,
#                        NGINX_PID and prints the port; GET /__conn answers
#                        "$connection $connection_requests"
#   fail MSG / skip MSG  exit 1 / exit 77 (skip only for missing capabilities)
#   expect_unprivileged UID  zeroserve ($ZS_PID) runs as UID everywhere
#                        (real, effective, saved, fs) with no capabilities
#                        in any set and in any thread, and no_new_privs
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
#   metric PORT SELECTOR, metric_wait PORT SELECTOR VALUE [S]  a value of
#                        zeroserve's /metrics (--metrics PORT), or wait for one
#   echo_header FILE NAME  values of request header NAME in a /echo reply
# An EXIT trap stops every process started through these helpers (by PID)
# and waits for it.
#
# Kernel engine (tests/scenario/kernel_*.sh; root, CAP_BPF and cgroup v2):
#   cg_setup             create the child cgroup v2 $CG for this test (removed
#                        at exit) and set ZS_CG=$CG; skip without cgroup v2,
#                        root or CAP_BPF
#   cg_run CMD...        run CMD inside $CG; cg_spawn CMD... runs it in the
#                        background (tracked, CG_PID)
#   zs_start_kernel ARGS...  zs_start with "--cgroup $CG" and without
#                        --no-bpf; fails unless "kernel engine on" is logged
#   zs_counters          SIGUSR1 to zeroserve; prints the new "kernel engine
#                        counters" line (also kept in $T/counters)
#   counter NAME [LINE]  one value of that line (requests, responses,
#                        bytes_up, bytes_down, user, unpaired, head, feature,
#                        route, response, redirect_fail, pool_taken,
#                        pool_empty, pool_returned)
#   counter_rise NAME LINE  how much NAME rose from LINE (an earlier
#                        zs_counters line) to the last zs_counters
#   zs_start_on ENGINE ARGS...  zs_start_kernel ARGS (ENGINE kernel) or
#                        zs_start --no-bpf ARGS (ENGINE user): for a test
#                        that runs once per engine
#   kmsg_mark / kmsg_check  fail if the kernel logged BUG/Oops/WARNING/general
#                        protection in between
#   pyhttp_start DIR     python3 -m http.server serving DIR (socketserver's
#                        listen backlog of 5: a weak dev server); sets
#                        PYHTTP_PORT, PYHTTP_PID and prints the port
#   node_start NAME [KEEPALIVE_MS]  a Node.js backend (/bytes/N, /echo like
#                        backend.py; keepAliveTimeout 60000 ms, 0: no
#                        Keep-Alive response header); sets NODE_PORT,
#                        NODE_PID and prints the port
# ZS_CG=DIR (a cgroup v2 directory) runs backend_start, nginx_start,
# node_start, zs_curl (so zs_req, expect_echo) and zs_python inside DIR;
# zeroserve itself stays where the test runs. kernel_whole_suite.sh runs the
# proxy_, err_, log_ and signal_ scenarios that way, in make check; by hand:
#   mkdir /sys/fs/cgroup/zs      (here: /sys/fs/cgroup/unified/zs)
#   ZS_CG=/sys/fs/cgroup/zs ZS_ENGINE_ARGS="--cgroup /sys/fs/cgroup/zs" make check
# Scenarios that count backend connections (proxy_upstream_pool) hold on
# the kernel engine too: a client's backend connection goes back to the
# pool (the kernel's) when the client closes.

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
# Started as root, zeroserve serves as another user (nobody, or SUDO_USER;
# man zeroserve, SECURITY): what a test makes must be readable by others,
# as a web root is. mktemp -d makes 0700.
umask 022
chmod 755 "$T"
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
	[ -z "${_ZS_CG_MADE:-}" ] || _zs_cg_teardown
	while read -r _p; do rmdir "$ZS_PORT_DIR/$_p" 2>/dev/null; done <"$T/.ports" 2>/dev/null
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

# netns_with_addr ADDR: run the rest of this test in a network namespace of
# its own, lo up with ADDR (a TEST-NET address, RFC 5737) on it as a
# non-loopback address; ZS_NETNS_ADDR is ADDR there. For tests about an
# address other than 127.0.0.0/8, on any machine (a loopback-only chroot
# has none); the host's networking is untouched. Call it right after
# sourcing lib.sh: this shell's temp dir and ports go, and the test starts
# again inside.
netns_with_addr() {
	[ -z "${ZS_NETNS_ADDR:-}" ] || return 0
	command -v ip >/dev/null 2>&1 || skip "ip (iproute2) is not installed"
	unshare -n true 2>/dev/null || skip "cannot make a network namespace (unshare -n)"
	trap - EXIT
	zs_stop_all
	while read -r _p; do rmdir "$ZS_PORT_DIR/$_p" 2>/dev/null; done <"$T/.ports" 2>/dev/null
	rm -rf "$T"
	ZS_NETNS_ADDR=$1 exec unshare -n sh -c \
		'ip link set lo up && ip addr add "$ZS_NETNS_ADDR/32" dev lo && exec sh "$0"' "$0"
}

expect_eq() {
	[ "$1" = "$2" ] || fail "${3:-value}: expected '$2', got '$1'"
}

expect_match() {
	printf '%s\n' "$1" | grep -Eq -- "$2" || fail "${3:-value}: '$1' does not match /$2/"
}

# expect_usage_error WANT ARGS...: zeroserve ARGS exits 2 by itself within 3 s
# with exactly one line on stderr containing WANT (or one of its |-separated
# alternatives): a bad flag or route says what is wrong.
expect_usage_error() {
	want=$1
	shift
	st=0
	timeout 3 "$ZS_BIN" $ZS_ENGINE_ARGS "$@" >"$T/out" 2>"$T/err" </dev/null || st=$?
	[ "$st" -eq 2 ] || fail "zeroserve $*: exit status $st, want 2; stderr: $(cat "$T/err")"
	n=$(wc -l <"$T/err")
	[ "$n" -eq 1 ] || fail "zeroserve $*: $n lines on stderr, want 1: $(cat "$T/err")"
	named=no
	rest=$want
	while :; do
		alt=${rest%%|*}
		grep -qF -- "$alt" "$T/err" && named=yes
		[ "$alt" = "$rest" ] && break
		rest=${rest#*|}
	done
	[ "$named" = yes ] || fail "zeroserve $*: stderr does not name '$want': $(cat "$T/err")"
}

# A line of /proc/$ZS_PID/status (or /proc/$ZS_PID/task/TID/status: $2),
# without its name.
zs_status() {
	sed -n "s/^$1:[[:space:]]*//p" "${2:-/proc/$ZS_PID/status}" | tr -s '\t ' '  '
}

expect_unprivileged() {
	for _st in /proc/"$ZS_PID"/task/*/status; do
		[ -r "$_st" ] || fail "cannot read $_st"
		expect_eq "$(zs_status Uid "$_st")" "$1 $1 $1 $1" "Uid (real, effective, saved, fs) in $_st"
		for _set in CapInh CapPrm CapEff CapAmb; do
			expect_eq "$(zs_status $_set "$_st")" 0000000000000000 "$_set in $_st"
		done
		expect_eq "$(zs_status NoNewPrivs "$_st")" 1 "NoNewPrivs in $_st"
	done
}

# A free 127.0.0.1 port, never one this test has handed out already.
# Ports come from below the kernel's ephemeral range (ip_local_port_range),
# which connect() and bind(port 0) never hand out: a port picked as free and
# bound a moment later cannot have been taken by some connection's source
# port in between (a busy machine did that). Tests running side by side
# reserve theirs with an atomic mkdir under ZS_PORT_DIR; $T/.ports lists this
# test's, removed at exit. Without room below the range, bind(port 0).
ZS_PORT_DIR=${ZS_PORT_DIR:-${TMPDIR:-/tmp}/zs-ports}
zs_port() {
	_port=$($PYTHON - "$ZS_PORT_DIR" <<'EOF'
import os, random, socket, sys, time
d = sys.argv[1]
os.makedirs(d, exist_ok=True)
try:
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        low = int(f.read().split()[0])
except (OSError, ValueError, IndexError):
    low = 0
lo, hi = 20000, min(low, 32768) - 1


def bindable(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
        return True
    except OSError:
        return False
    finally:
        s.close()


if hi - lo < 1000:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    sys.exit(0)
now = time.time()
for _ in range(200):
    p = random.randint(lo, hi)
    r = os.path.join(d, str(p))
    try:
        os.mkdir(r)
    except FileExistsError:
        # A reservation left by a test killed without its EXIT trap.
        try:
            if now - os.stat(r).st_mtime < 3600:
                continue
            os.rmdir(r)
            os.mkdir(r)
        except OSError:
            continue
    if bindable(p):
        print(p)
        sys.exit(0)
    os.rmdir(r)
sys.exit("no free port")
EOF
) || fail "zs_port: no free port"
	echo "$_port" >>"$T/.ports"
	echo "$_port"
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

# _zs_ready_start WHAT OUT ERR FN: FN picks a port (_port), starts a server
# there in the background, writing "ready" to OUT once it listens and its
# errors to ERR, and sets _pid; waited for 5 s, tried 3 times (a port taken
# meanwhile), else fail naming WHAT.
_zs_ready_start() {
	_tries=0
	while :; do
		"$4"
		_zs_track "$_pid"
		_i=0
		while [ $_i -lt 100 ]; do
			grep -qx ready "$2" 2>/dev/null && return 0
			kill -0 "$_pid" 2>/dev/null || break
			sleep 0.05
			_i=$((_i + 1))
		done
		grep -qx ready "$2" 2>/dev/null && return 0
		zs_kill "$_pid"
		_tries=$((_tries + 1))
		[ $_tries -lt 3 ] || fail "$1 did not start: $(cat "$3")"
	done
}

_zs_backend_run() {
	_port=$(zs_port)
	# shellcheck disable=SC2086 # BACKEND_ARGS is a word list on purpose
	_zs_bg_exec $PYTHON -u "$ZS_TESTS/backend.py" --port "$_port" --name "$_name" \
		--host "${BACKEND_HOST:-127.0.0.1}" ${BACKEND_ARGS:-} --record "$T/backend-$_name.requests" \
		>"$T/backend-$_name.out" 2>"$T/backend-$_name.err" &
	_pid=$!
}

backend_start() {
	_name=${1:?backend_start NAME}
	_zs_ready_start "backend $_name" "$T/backend-$_name.out" "$T/backend-$_name.err" _zs_backend_run
	BACKEND_PORT=$_port
	BACKEND_PID=$_pid
	echo "$BACKEND_PORT"
}

pyhttp_start() {
	_dir=$(cd "${1:?pyhttp_start DIR}" && pwd) || fail "pyhttp_start: no directory $1"
	_tries=0
	while :; do
		PYHTTP_PORT=$(zs_port)
		_zs_bg_exec $PYTHON -m http.server --bind 127.0.0.1 --directory "$_dir" \
			"$PYHTTP_PORT" >"$T/pyhttp.out" 2>"$T/pyhttp.err" </dev/null &
		PYHTTP_PID=$!
		_zs_track "$PYHTTP_PID"
		_zs_wait_port "$PYHTTP_PORT" "$PYHTTP_PID" 5 && break
		zs_kill "$PYHTTP_PID"
		_tries=$((_tries + 1))
		[ $_tries -lt 3 ] || fail "python3 -m http.server did not start: $(cat "$T/pyhttp.err")"
	done
	echo "$PYHTTP_PORT"
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
	# The kernel engine loads beside the loop (src/main.c) while userspace
	# already serves; a client that connects before its attach is never in
	# the sockhash and stays in userspace for good. So unless the engine is
	# off, wait until it is decided: "(engine: " is logged once it is.
	case " $ZS_ENGINE_ARGS $* " in
	*" --no-bpf "* | *" -q "* | *" --quiet "*) ;;
	*) _zs_wait_engine "$@" ;;
	esac
}

# Wait for the "listening on ... (engine: ...)" line in ${ZS_ERR_LOG:-$ZS_LOG}
# (ZS_ERR_LOG: where zeroserve's stderr goes, for a test that moves it aside).
_zs_wait_engine() {
	_i=0
	while ! grep -q '(engine: ' "${ZS_ERR_LOG:-$ZS_LOG}" 2>/dev/null; do
		kill -0 "$ZS_PID" 2>/dev/null && ! _zs_zombie "$ZS_PID" ||
			fail "zeroserve exited before its engine was known (args: $ZS_ENGINE_ARGS $*)"
		_i=$((_i + 1))
		[ $_i -lt 400 ] || fail "zeroserve logged no engine within 20 s (args: $ZS_ENGINE_ARGS $*)"
		sleep 0.05
	done
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
	_zs_bg_exec /usr/sbin/nginx -e "$_dir/error.log" -p "$_dir" -c "$_dir/nginx.conf" \
		>"$_dir/stdout" 2>&1 </dev/null &
	NGINX_PID=$!
	_zs_track "$NGINX_PID"
	_zs_wait_port "$NGINX_PORT" "$NGINX_PID" 5 ||
		fail "nginx did not start: $(tail -n 5 "$_dir/error.log" "$_dir/stdout" 2>/dev/null)"
	echo "$NGINX_PORT"
}

zs_curl() {
	_zs_in curl -sS --noproxy '*' --max-time "${ZS_CURL_TIMEOUT:-10}" "$@"
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
		_zs_in timeout "${ZS_PY_TIMEOUT:-60}" $PYTHON "$@"
}

# ---- metrics (--metrics) ---------------------------------------------------

# metrics_fetch PORT: GET /metrics from zeroserve's --metrics PORT into
# $T/metrics, checked by promcheck.py. metric PORT SELECTOR: fetch, then
# print the sum of SELECTOR's samples (promcheck.py --get). metric_wait
# PORT SELECTOR VALUE [S]: wait (at most S s, default 10) until SELECTOR's
# value is VALUE; fails if not.
metrics_fetch() {
	curl -sS --noproxy '*' --max-time 5 -o "$T/metrics" "http://127.0.0.1:$1/metrics" ||
		fail "GET /metrics from 127.0.0.1:$1 failed"
	$PYTHON "$ZS_TESTS/promcheck.py" "$T/metrics" >"$T/promcheck.out" ||
		fail "/metrics is not valid Prometheus text: $(cat "$T/promcheck.out")"
}

metric() {
	metrics_fetch "$1"
	$PYTHON "$ZS_TESTS/promcheck.py" "$T/metrics" --get "$2" ||
		fail "promcheck.py --get '$2' failed"
}

metric_wait() {
	_steps=$((${4:-10} * 20))
	_i=0
	while [ "$(metric "$1" "$2")" != "$3" ]; do
		_i=$((_i + 1))
		[ $_i -lt $_steps ] ||
			fail "$2 is $(metric "$1" "$2") after ${4:-10} s, want $3"
		sleep 0.05
	done
}

# ---- cgroup v2 and the kernel engine ---------------------------------------

CG=
CG_PID=
_ZS_CG_MADE=

# Run CMD inside cgroup DIR (the shell moves itself there, then execs CMD).
_zs_cgexec() {
	_d=$1
	shift
	sh -c 'echo $$ >"$1/cgroup.procs" || exit 126
shift
exec "$@"' zs-cg "$_d" "$@"
}

# CMD in the foreground, inside $ZS_CG when it is set.
_zs_in() {
	if [ -n "${ZS_CG:-}" ]; then
		_zs_cgexec "$ZS_CG" "$@"
	else
		"$@"
	fi
}

# Only as `_zs_bg_exec CMD... &`: the background subshell becomes CMD (so
# $! is CMD's PID), inside $ZS_CG when it is set.
_zs_bg_exec() {
	if [ -n "${ZS_CG:-}" ]; then
		exec sh -c 'echo $$ >"$1/cgroup.procs" || exit 126
shift
exec "$@"' zs-cg "$ZS_CG" "$@"
	fi
	exec "$@"
}

# The cgroup v2 mount point, from /proc/self/mountinfo (empty without one).
cg_mount() {
	awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break
		if ($(i + 1) == "cgroup2") { print $5; exit } }' /proc/self/mountinfo
}

# 1 when the effective capabilities hold CAP_BPF (39) or CAP_SYS_ADMIN (21).
_zs_cap_bpf() {
	$PYTHON -c 'import re
s = open("/proc/self/status").read()
eff = int(re.search(r"^CapEff:\s*([0-9a-f]+)", s, re.M).group(1), 16)
print(1 if eff >> 39 & 1 or eff >> 21 & 1 else 0)'
}

# A child cgroup v2 for this test: $CG, removed at exit; ZS_CG=$CG so that
# backends and clients started through the helpers run inside it.
cg_setup() {
	_mnt=$(cg_mount)
	[ -n "$_mnt" ] || skip "no cgroup v2 mount in /proc/self/mountinfo"
	[ "$(id -u)" = 0 ] || skip "the kernel engine needs root (uid $(id -u))"
	[ "$(_zs_cap_bpf)" = 1 ] || skip "no CAP_BPF or CAP_SYS_ADMIN in the effective set"
	# A name of its own, not just the PID: a test killed before its
	# teardown leaves its cgroup behind, and PIDs come round again.
	CG=$(mktemp -d "$_mnt/zs-test-$$-XXXXXX") || fail "cannot create a cgroup under $_mnt"
	chmod 755 "$CG" || fail "cannot chmod the cgroup $CG"
	_ZS_CG_MADE=1
	ZS_CG=$CG
	export ZS_CG
}

# program_need NAME: PROG is the routing program NAME.bpf.o, from
# contrib/programs (ZS_PROGRAMS) or tests/programs (ZS_TEST_PROGRAMS), which
# make check builds. Loading one takes root and CAP_BPF on either engine.
program_need() {
	[ "$(id -u)" = 0 ] || skip "routing programs need root (uid $(id -u))"
	[ "$(_zs_cap_bpf)" = 1 ] || skip "no CAP_BPF or CAP_SYS_ADMIN in the effective set"
	PROG=
	for _d in "$ZS_PROGRAMS" "$ZS_TEST_PROGRAMS"; do
		[ -n "$_d" ] && [ -f "$_d/$1.bpf.o" ] && PROG="$_d/$1.bpf.o"
	done
	[ -n "$PROG" ] || fail "no $1.bpf.o in ${ZS_PROGRAMS:-?} or ${ZS_TEST_PROGRAMS:-?}: make check builds it"
}

# canary_start ENGINE ARGS...: on ENGINE (engine_setup, zs_start_on), two
# backends, "stable" for the route / and "canary" for the route only
# programs reach, canary@=...; ARGS (a --program among them) go first.
canary_start() {
	engine_setup "$1"
	PS=$(backend_start stable)
	PC=$(backend_start canary)
	_engine=$1
	shift
	zs_start_on "$_engine" "$@" "canary@=127.0.0.1:$PC" "/=127.0.0.1:$PS"
}

# svc_cgroup_make: a cgroup of its own for a client of a routing program's
# test, SVC: inside the kernel engine's ($CG, cg_setup) when it has one, so
# the kernel sees the client too, else under the cgroup v2 mount. SVC_KEY
# is its id as the hex bytes of a bpftool map key (a __u64, host order),
# and bpftool is on PATH. svc_cgroup_remove once its processes are gone.
svc_cgroup_make() {
	command -v bpftool >/dev/null || PATH=$PATH:/usr/sbin:/sbin
	command -v bpftool >/dev/null || fail "no bpftool (configure needs it for the kernel engine)"
	if [ -n "$CG" ]; then
		SVC=$CG/svc
		mkdir "$SVC" || fail "cannot create the cgroup $SVC"
	else
		_mnt=$(cg_mount)
		[ -n "$_mnt" ] || skip "no cgroup v2 mount in /proc/self/mountinfo"
		SVC=$(mktemp -d "$_mnt/zs-test-$$-svc-XXXXXX") || fail "cannot create a cgroup under $_mnt"
		chmod 755 "$SVC" || fail "cannot chmod the cgroup $SVC"
	fi
	SVC_KEY=$($PYTHON -c 'import struct, sys; print(" ".join("%02x" % b for b in struct.pack("=Q", int(sys.argv[1]))))' "$(stat -c %i "$SVC")")
}

svc_cgroup_remove() {
	rmdir "$SVC" || fail "cannot remove $SVC"
}

# Before zeroserve starts on ENGINE (user or kernel), in a test that runs
# on both: the kernel engine's cgroup (cg_setup) and kernel-log mark.
engine_setup() {
	[ "$1" = kernel ] || return 0
	cg_setup
	kmsg_mark
}

# At exit: stop what is left in $CG (processes this test started there and
# did not track), move what survives to the parent, remove the directory.
_zs_cg_teardown() {
	[ -n "$_ZS_CG_MADE" ] && [ -d "$CG" ] || return 0
	_i=0
	while [ $_i -lt 100 ]; do
		_left=$(cat "$CG/cgroup.procs" 2>/dev/null)
		[ -n "$_left" ] || break
		for _p in $_left; do
			if [ $_i -lt 40 ]; then
				kill -TERM "$_p" 2>/dev/null || :
			else
				kill -KILL "$_p" 2>/dev/null || :
			fi
		done
		sleep 0.05
		_i=$((_i + 1))
	done
	for _p in $(cat "$CG/cgroup.procs" 2>/dev/null); do
		echo "$ZS_TEST_NAME: pid $_p still in $CG, moving it to the parent" >&2
		echo "$_p" >"$(dirname "$CG")/cgroup.procs" 2>/dev/null || :
	done
	_i=0
	while ! rmdir "$CG" 2>/dev/null; do
		_i=$((_i + 1))
		if [ $_i -ge 60 ]; then
			echo "$ZS_TEST_NAME: cannot remove $CG" >&2
			break
		fi
		sleep 0.05
	done
}

cg_run() {
	[ -n "$CG" ] || fail "cg_run: call cg_setup first"
	_zs_cgexec "$CG" "$@"
}

# Background CMD inside $CG, stopped at exit; sets CG_PID.
cg_spawn() {
	[ -n "$CG" ] || fail "cg_spawn: call cg_setup first"
	ZS_CG=$CG _zs_bg_exec "$@" &
	CG_PID=$!
	_zs_track "$CG_PID"
}

# zeroserve on the kernel engine, its sockops program on $CG.
zs_start_kernel() {
	[ -n "$CG" ] || fail "zs_start_kernel: call cg_setup first"
	_saved_args=$ZS_ENGINE_ARGS
	ZS_ENGINE_ARGS="--cgroup $CG"
	zs_start "$@"
	ZS_ENGINE_ARGS=$_saved_args
	# zs_start waited for the engine; its "kernel engine" line comes first.
	grep -q 'kernel engine on (cgroup ' "$ZS_LOG" ||
		fail "no kernel engine as root with cgroup v2 ($CG): $(grep 'kernel engine' "$ZS_LOG" || echo 'no "kernel engine" line')"
}

# _zs_usr1 PATTERN: SIGUSR1 to zeroserve, then the new log line matching
# PATTERN it writes (within 5 s), on stdout.
_zs_usr1() {
	[ -n "$ZS_PID" ] && [ -n "$ZS_LOG" ] || fail "SIGUSR1: zeroserve is not running"
	_n=$(grep -c -- "$1" "$ZS_LOG" || :)
	kill -USR1 "$ZS_PID" || fail "SIGUSR1: zeroserve (pid $ZS_PID) is gone"
	_i=0
	while [ "$(grep -c -- "$1" "$ZS_LOG" || :)" -le "$_n" ]; do
		_i=$((_i + 1))
		[ $_i -lt 100 ] || fail "no '$1' line within 5 s of SIGUSR1"
		sleep 0.05
	done
	grep -- "$1" "$ZS_LOG" | tail -n 1
}

# Ask zeroserve (SIGUSR1) for its kernel counters; print the new line.
zs_counters() {
	_zs_usr1 'kernel engine counters (' >"$T/counters"
	cat "$T/counters"
}

# zs_idle: wait (SIGUSR1, at most 5 s) until zeroserve says it has no
# client connection open: every close it was sent is processed, so the
# backend connections those clients held are back in the kernel's pool.
zs_idle() {
	_k=0
	until _zs_usr1 ' open, engine: ' | grep -q ': 0 connections open'; do
		_k=$((_k + 1))
		[ $_k -lt 100 ] || fail "zs_idle: connections still open after 5 s"
		sleep 0.05
	done
}

# counter NAME [LINE]: NAME's value in LINE (default: the last zs_counters).
counter() {
	if [ $# -ge 2 ]; then
		_v=$(printf '%s\n' "$2" | sed -n "s/.*[ :]$1=\([0-9][0-9]*\).*/\1/p")
	else
		_v=$(sed -n "s/.*[ :]$1=\([0-9][0-9]*\).*/\1/p" "$T/counters" 2>/dev/null)
	fi
	[ -n "$_v" ] || fail "counter $1: not in '$(cat "$T/counters" 2>/dev/null)${2:-}'"
	echo "$_v"
}

counter_rise() {
	_now=$(counter "$1")
	_was=$(counter "$1" "$2")
	echo $((_now - _was))
}

zs_start_on() {
	_engine=$1
	shift
	case $_engine in
	kernel) zs_start_kernel "$@" ;;
	user)
		_saved_args=$ZS_ENGINE_ARGS
		ZS_ENGINE_ARGS=--no-bpf
		zs_start "$@"
		ZS_ENGINE_ARGS=$_saved_args
		;;
	*) fail "zs_start_on: no engine '$_engine' (kernel or user)" ;;
	esac
}

# The kernel log as "SEQ<TAB>first line of the record", from /dev/kmsg.
_zs_kmsg() {
	$PYTHON -c 'import os, sys
try:
    fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
except OSError:
    sys.exit(3)
out = []
while True:
    try:
        rec = os.read(fd, 8192)
    except BlockingIOError:
        break
    except BrokenPipeError:  # records overwritten under us: go on
        continue
    except OSError:
        sys.exit(3)
    if not rec:
        break
    head, _, msg = rec.decode("utf-8", "replace").partition(";")
    out.append("%s\t%s" % (head.split(",")[1], msg.split("\n")[0]))
sys.stdout.write("".join(l + "\n" for l in out))'
}

ZS_KMSG_RE='BUG:|Oops|WARNING: CPU|general protection'

# Remember the end of the kernel log (kmsg_check looks at what follows).
kmsg_mark() {
	if _zs_kmsg >"$T/.kmsg" 2>/dev/null; then
		echo "kmsg $(tail -n 1 "$T/.kmsg" | cut -f1)" >"$T/.kmsg_mark"
	elif dmesg >"$T/.kmsg" 2>/dev/null; then
		echo "dmesg $(wc -l <"$T/.kmsg")" >"$T/.kmsg_mark"
	else
		echo "$ZS_TEST_NAME: kernel log unreadable (/dev/kmsg, dmesg): not checking it" >&2
		: >"$T/.kmsg_mark"
	fi
	rm -f "$T/.kmsg"
}

# Kernel log lines since kmsg_mark (userspace "traps:" lines left out).
_zs_kmsg_new() {
	# shellcheck disable=SC2046 # "kmsg SEQ" or "dmesg LINES": two words
	set -- $(cat "$T/.kmsg_mark" 2>/dev/null)
	case ${1:-} in
	kmsg)
		_zs_kmsg 2>/dev/null | awk -F '\t' -v m="${2:-0}" '$1 + 0 > m + 0 { print $2 }' ;;
	dmesg)
		dmesg 2>/dev/null | awk -v m="$2" 'NR > m + 0' ;;
	esac
}

# Fail if the kernel logged a BUG, Oops, WARNING or general protection fault
# since kmsg_mark.
kmsg_check() {
	[ -s "$T/.kmsg_mark" ] || return 0
	_zs_kmsg_new >"$T/kmsg.new"
	if grep -v 'traps: ' "$T/kmsg.new" | grep -Eq "$ZS_KMSG_RE"; then
		echo "--- kernel log since the test started:" >&2
		grep -v 'traps: ' "$T/kmsg.new" | grep -E -A 40 "$ZS_KMSG_RE" | head -n 80 >&2
		fail "the kernel logged $(grep -v 'traps: ' "$T/kmsg.new" | grep -Eo "$ZS_KMSG_RE" | head -n 1)"
	fi
}

# A Node.js backend: GET /bytes/N (N bytes of backend.py's pattern) and
# /echo... (JSON like backend.py's), keep-alive, X-Backend: NAME. Node
# announces "Keep-Alive: timeout=S" unless KEEPALIVE_MS is 0 (then idle
# connections never time out).
node_start() {
	_name=${1:?node_start NAME [KEEPALIVE_MS]}
	_ka=${2:-60000}
	command -v node >/dev/null 2>&1 || skip "node is not installed"
	NODE_PORT=$(zs_port)
	_out="$T/node-$_name.out"
	_zs_bg_exec node -e '
const http = require("http"), crypto = require("crypto");
const port = Number(process.argv[1]), name = process.argv[2], ka = Number(process.argv[3]);
const block = Buffer.alloc(65536);
for (let i = 0; i < block.length; i++) block[i] = i & 255;
let conns = 0;
const srv = http.createServer((req, res) => {
	const hash = crypto.createHash("sha256");
	let length = 0;
	req.on("data", (d) => { hash.update(d); length += d.length; });
	req.on("end", () => {
		const head = { "X-Backend": name, "X-Conn-Id": String(req.socket.zsId) };
		const path = req.url.split("?")[0];
		const m = /^\/bytes\/(\d+)$/.exec(path);
		if (path.startsWith("/echo")) {
			const headers = [];
			for (let i = 0; i < req.rawHeaders.length; i += 2)
				headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
			const body = Buffer.from(JSON.stringify({ backend: name, method: req.method,
				path: req.url, version: "HTTP/" + req.httpVersion, headers: headers,
				body_length: length, body_sha256: hash.digest("hex"),
				conn_id: req.socket.zsId }) + "\n");
			head["Content-Type"] = "application/json";
			head["Content-Length"] = body.length;
			res.writeHead(200, head);
			res.end(req.method === "HEAD" ? undefined : body);
		} else if (m) {
			let n = Number(m[1]);
			head["Content-Type"] = "application/octet-stream";
			head["Content-Length"] = n;
			res.writeHead(200, head);
			if (req.method === "HEAD") return res.end();
			const pump = () => {
				while (n > 0) {
					const k = Math.min(n, block.length);
					n -= k;
					if (!res.write(k === block.length ? block : block.subarray(0, k)) && n > 0)
						return res.once("drain", pump);
				}
				res.end();
			};
			pump();
		} else {
			const body = Buffer.from("not found: " + req.url + "\n");
			head["Content-Length"] = body.length;
			res.writeHead(404, head);
			res.end(body);
		}
	});
});
srv.keepAliveTimeout = ka;
srv.headersTimeout = 65000;
srv.requestTimeout = 0;
srv.on("connection", (s) => { s.zsId = ++conns; s.setNoDelay(true); });
srv.listen(port, "127.0.0.1", () => console.log("ready"));
process.on("SIGTERM", () => process.exit(0));
' "$NODE_PORT" "$_name" "$_ka" >"$_out" 2>"$T/node-$_name.err" </dev/null &
	NODE_PID=$!
	_zs_track "$NODE_PID"
	_i=0
	while ! grep -qx ready "$_out" 2>/dev/null; do
		kill -0 "$NODE_PID" 2>/dev/null || fail "node backend $_name exited: $(cat "$T/node-$_name.err")"
		_i=$((_i + 1))
		[ $_i -lt 200 ] || fail "node backend $_name did not start within 10 s: $(cat "$T/node-$_name.err")"
		sleep 0.05
	done
	echo "$NODE_PORT"
}

# Signal scenarios: when did zeroserve exit, and is a slow request in flight.
# now_ns: wall-clock time in ns.
now_ns() {
	date +%s%N
}

# watch_exit PID MS: start a watcher that notes the moment PID exits (giving
# up after MS ms) and return once it runs. A watcher started before the event
# keeps a slow fork under load from counting as a slow exit.
watch_exit() {
	rm -f "$T/exit.at" "$T/exit.watching"
	$PYTHON - "$1" "$2" "$T/exit.watching" "$T/exit.at" <<'PY' &
import os, sys, time
pid, limit, ready, out = sys.argv[1], int(sys.argv[2]) / 1000, sys.argv[3], sys.argv[4]
open(ready, "w").close()
end = time.monotonic() + limit
at = 0
while time.monotonic() < end:
    try:
        with open("/proc/%s/status" % pid) as f:
            if "\nState:\tZ" in f.read():
                at = time.time_ns()
                break
    except OSError:
        # Gone: the open fails (ENOENT), or the read of a process reaped
        # meanwhile does (ESRCH).
        at = time.time_ns()
        break
    time.sleep(0.005)
with open(out + ".tmp", "w") as f:
    f.write("%d\n" % at)
os.rename(out + ".tmp", out)
PY
	_zs_track $!
	_w=0
	while [ ! -e "$T/exit.watching" ]; do
		_w=$((_w + 1))
		[ $_w -lt 200 ] || fail "exit watcher did not start"
		sleep 0.02
	done
}

# exit_ms SINCE_NS: wait for the watcher's verdict; prints the ms from
# SINCE_NS (from now_ns) to the exit, or "never" when PID had not exited in time.
exit_ms() {
	_w=0
	while [ ! -e "$T/exit.at" ]; do
		_w=$((_w + 1))
		# The watcher gives up after its limit; never wait forever on it.
		if [ $_w -ge 1500 ]; then
			echo "exit_ms: the exit watcher wrote nothing within 30 s" >&2
			echo never
			return 0
		fi
		sleep 0.02
	done
	_at=$(cat "$T/exit.at")
	if [ "$_at" -eq 0 ]; then
		echo never
	else
		echo $(((_at - $1) / 1000000))
	fi
}

# upstream_busy: wait until the slow request has reached the backend. Its
# /conns counts every connection it accepted, our own queries included.
upstream_busy() {
	q=0
	while :; do
		q=$((q + 1))
		n=$(curl -s --max-time 2 "http://127.0.0.1:$BACKEND_PORT/conns")
		[ "${n:-0}" -gt "$q" ] && break
		[ $q -lt 100 ] || fail "the slow request never reached the backend"
		sleep 0.05
	done
	sleep 0.2
}

# Bad-input scenarios: requests zeroserve must refuse, sent raw, and proof
# that nothing of them reached the backend.

# recorder_start [OPTIONS]: a recording backend (rawclient.py record, with
# its OPTIONS: --split, --answer-bodies, --lifetime S); every byte zeroserve
# forwards to it lands in $T/recorded (with --split, connection N's also in
# $T/recorded.N). Inside $ZS_CG when that is set. Sets REC_PORT.
recorder_start() {
	: >"$T/recorded"
	_zs_bg_exec $PYTHON "$ZS_TESTS/rawclient.py" record 0 "$T/recorded" "$@" \
		>"$T/recorder.out" 2>&1 </dev/null &
	_zs_track $!
	i=0
	while ! grep -q '^ready [0-9]' "$T/recorder.out"; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "recording backend did not start: $(cat "$T/recorder.out")"
		sleep 0.05
	done
	REC_PORT=$(sed -n 's/^ready //p' "$T/recorder.out")
}

# expect_refused STATUSES DATA WHAT: sending DATA on a new connection gets
# exactly the responses STATUSES ("400"), from zeroserve, then the connection
# closes within 2 s.
expect_refused() {
	eval "$($PYTHON "$ZS_TESTS/rawclient.py" "$ZS_PORT" --timeout 4 "send:$2")"
	[ "${rc_connected:-0}" = 1 ] || fail "$3: cannot connect (${rc_send_error:-rawclient failed})"
	expect_eq "$rc_statuses" "$1" "$3: statuses of the responses"
	[ -z "$rc_xbackend" ] || fail "$3: answered by the backend ($rc_xbackend)"
	[ "$rc_eof" = 1 ] || fail "$3: connection still open 4 s later"
	[ "$rc_eof_ms" -le 2000 ] || fail "$3: connection closed after $rc_eof_ms ms, want <= 2000"
}

# still_serves N: a normal request on a new connection reaches the backend.
still_serves() {
	code=$(curl -s -o "$T/ok" -w '%{http_code}' --max-time 5 "http://127.0.0.1:$ZS_PORT/after-$1")
	expect_eq "$code" 200 "GET /after-$1 (a normal request after bad input)"
	expect_eq "$(cat "$T/ok")" recorded "GET /after-$1 body"
	grep -q "^GET /after-$1 HTTP/1.1" "$T/recorded" || fail "GET /after-$1 never reached the backend"
}

# nothing_forwarded: the backend saw the normal requests and nothing else.
nothing_forwarded() {
	extra=$(tr -d '\r' <"$T/recorded" | grep -aE '^[!-~]+ [^ ]+ HTTP/' | grep -av '^GET /after-[0-9]* HTTP/1.1$' || :)
	[ -z "$extra" ] || fail "the backend received requests zeroserve should have refused: $extra"
	! grep -aq "GET /status/418 " "$T/recorded" || fail "the smuggled request reached the backend: $(head -c 600 "$T/recorded")"
}

# chunked_refused BODY...: each chunked BODY, sent as a POST /echo with a
# smuggled "GET /status/418" behind it on a new connection, gets 400 and the
# connection closes; a normal request still works after each.
chunked_refused() {
	_n=0
	for _body in "$@"; do
		_n=$((_n + 1))
		expect_refused 400 'POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n'"$_body"'GET /status/418 HTTP/1.1\r\nHost: localhost\r\n\r\n' \
			"chunked body $_n ($_body)"
		still_serves $_n
	done
}

# only_heads_forwarded: the backend saw the normal requests and at most the
# heads of the refused POST /echo requests (a body streams after its head,
# so a bad chunk is found once the head has gone), never the smuggled one.
only_heads_forwarded() {
	extra=$(tr -d '\r' <"$T/recorded" | grep -aE '^[!-~]+ [^ ]+ HTTP/' |
		grep -avE '^(POST /echo|GET /after-[0-9]+) HTTP/1.1$' || :)
	[ -z "$extra" ] || fail "the backend received requests zeroserve should have refused: $extra"
}
