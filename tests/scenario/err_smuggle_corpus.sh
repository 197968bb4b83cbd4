#!/bin/sh
# SPDX-License-Identifier: MIT
# The smuggling corpus (tests/smuggle_corpus.py: CL.TE, TE.CL, TE.TE
# obfuscations, chunk lines, bare CR/LF, NUL, oversized numbers, folded and
# duplicated framing fields), each case on a new connection: the backend gets
# at most one well-formed request of a case and never the smuggled one, and
# the client gets a refusal on a closed connection or that request's answer.
. "$ZS_TESTS/lib.sh"

recorder_start --split --answer-bodies --lifetime 300
zs_start "/=127.0.0.1:$REC_PORT"

ZS_PY_TIMEOUT=150 zs_python "$ZS_TESTS/smuggle_corpus.py" run "$ZS_PORT" "$T/recorded" \
	>"$T/summary" 2>&1
rc=$?
cat "$T/summary"
[ $rc = 0 ] || fail "smuggling corpus: $(grep -c '^FAIL' "$T/summary") cases failed (see above)"
still_serves 1
exit 0
