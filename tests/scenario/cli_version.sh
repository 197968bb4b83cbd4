#!/bin/sh
# SPDX-License-Identifier: MIT
# -V and --version print "zeroserve X.Y.Z" (the configured version) and exit 0.
. "$ZS_TESTS/lib.sh"

want=
if [ -f "$ZS_TESTS/../configure.ac" ]; then
	want=$(sed -n 's/^AC_INIT(\[zeroserve\], *\[\([^]]*\)\].*/\1/p' "$ZS_TESTS/../configure.ac")
fi
for opt in -V --version; do
	st=0
	timeout 3 "$ZS_BIN" $ZS_ENGINE_ARGS "$opt" >"$T/out" 2>"$T/err" </dev/null || st=$?
	[ "$st" -eq 0 ] || fail "zeroserve $opt: exit status $st, want 0; stderr: $(cat "$T/err")"
	n=$(wc -l <"$T/out")
	[ "$n" -eq 1 ] || fail "zeroserve $opt: $n lines on stdout, want 1: $(cat "$T/out")"
	grep -qE '^zeroserve [0-9]+\.[0-9]+\.[0-9]+$' "$T/out" ||
		fail "zeroserve $opt: printed '$(cat "$T/out")', want 'zeroserve X.Y.Z'"
	if [ -n "$want" ]; then
		[ "$(cat "$T/out")" = "zeroserve $want" ] ||
			fail "zeroserve $opt: printed '$(cat "$T/out")', configure.ac says $want"
	fi
done
exit 0
