#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, the smuggling corpus (tests/smuggle_corpus.py), each case
# on a keep-alive connection after three plain GETs the kernel carried
# (counters requests, read before each case): the backend gets at most one
# well-formed request of a case and never the smuggled one, and the client
# gets a refusal on a closed connection or that request's answer.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
recorder_start --split --answer-bodies --lifetime 300
zs_start_kernel "/=127.0.0.1:$REC_PORT"

ZS_PY_TIMEOUT=150 zs_python "$ZS_TESTS/smuggle_corpus.py" run "$ZS_PORT" "$T/recorded" \
	--kernel "$ZS_PID" "$ZS_LOG" >"$T/summary" 2>&1
rc=$?
cat "$T/summary"
[ $rc = 0 ] || fail "smuggling corpus: $(grep -c '^FAIL' "$T/summary") cases failed (see above)"
kmsg_check
exit 0
