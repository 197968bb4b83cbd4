#!/bin/sh
# SPDX-License-Identifier: MIT
# Started as root, zeroserve writes --metrics-textfile as the user it
# serves as (nobody here): a directory only root may write (node_exporter's
# textfile directory often is) is a start error, exit 2, with the file, the
# user and the --user way out named, rather than a file stuck at its first
# contents and a warning every interval. The same directory made writable
# for that user works.
. "$ZS_TESTS/lib.sh"

[ "$(id -u)" = 0 ] || skip "the user switch needs root (uid $(id -u))"
mkdir "$T/prom"
chmod 755 "$T/prom"
port=$(zs_port)
st=0
SUDO_USER='' timeout 10 "$ZS_BIN" --no-bpf -l "127.0.0.1:$port" \
	--metrics-textfile "$T/prom/zs.prom" /=127.0.0.1:1 >"$T/out" 2>&1 </dev/null || st=$?
[ "$st" = 2 ] || fail "exit status $st, want 2: $(cat "$T/out")"
grep -qF -- "--metrics-textfile $T/prom/zs.prom: cannot write it as user nobody" "$T/out" ||
	fail "no line naming the file and the user: $(cat "$T/out")"
grep -qF -- "--user NAME" "$T/out" || fail "no --user hint: $(cat "$T/out")"
[ ! -e "$T/prom/zs.prom" ] || fail "a textfile was written"
ls "$T/prom" | grep -q . && fail "left behind in the directory: $(ls "$T/prom")"

chown nobody "$T/prom"
SUDO_USER='' zs_start --metrics-textfile "$T/prom/zs.prom" /=127.0.0.1:1
[ -f "$T/prom/zs.prom" ] || fail "no textfile once nobody may write the directory"
[ "$(stat -c %a "$T/prom/zs.prom")" = 644 ] || fail "textfile mode $(stat -c %a "$T/prom/zs.prom"), want 644"
$PYTHON "$ZS_TESTS/promcheck.py" "$T/prom/zs.prom" || fail "the textfile is not valid"
exit 0
