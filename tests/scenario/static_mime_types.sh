#!/bin/sh
# SPDX-License-Identifier: MIT
# Content-Type by extension, with charset=utf-8 on text types only.
. "$ZS_TESTS/lib.sh"

mkdir "$T/root"
for f in a.html a.css a.js a.mjs a.json a.js.map a.svg a.png a.jpg a.gif a.webp a.avif \
	a.ico a.woff a.woff2 a.wasm a.txt a.xml a.pdf a.mp4 a.webm a.unknownext; do
	printf 'x' >"$T/root/$f"
done
zs_start "$T/root"

check() {
	code=$(zs_req "/$1") || fail "GET /$1: curl failed"
	expect_eq "$code" 200 "status of /$1"
	expect_match "$(resp_header Content-Type)" "$2" "Content-Type of /$1"
}
check a.html '^text/html; charset=utf-8$'
check a.css '^text/css; charset=utf-8$'
check a.js '^(text|application)/javascript; charset=utf-8$'
check a.mjs '^(text|application)/javascript; charset=utf-8$'
check a.json '^application/json; charset=utf-8$'
check a.js.map '^application/json; charset=utf-8$'
check a.svg '^image/svg\+xml; charset=utf-8$'
check a.png '^image/png$'
check a.jpg '^image/jpeg$'
check a.gif '^image/gif$'
check a.webp '^image/webp$'
check a.avif '^image/avif$'
check a.ico '^image/(x-icon|vnd.microsoft.icon)$'
check a.woff '^font/woff$'
check a.woff2 '^font/woff2$'
check a.wasm '^application/wasm$'
check a.txt '^text/plain; charset=utf-8$'
check a.xml '^(application|text)/xml; charset=utf-8$'
check a.pdf '^application/pdf$'
check a.mp4 '^video/mp4$'
check a.webm '^video/webm$'
check a.unknownext '^application/octet-stream$'
exit 0
