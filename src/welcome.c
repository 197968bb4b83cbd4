/* SPDX-License-Identifier: MIT */
#include "welcome.h"

const char welcome_html[] =
    "<!doctype html>\n"
    "<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<title>zeroserve</title>\n"
    "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42em;margin:3em auto;"
    "padding:0 1em;color:#222}code,pre{background:#f3f3f3;border-radius:4px;"
    "padding:.1em .3em}pre{padding:.8em}</style></head><body>\n"
    "<h1>zeroserve is running</h1>\n"
    "<p>This is the built-in page zeroserve answers when it has no routes. "
    "Give it a backend or two and it becomes a reverse proxy:</p>\n"
    "<pre>zeroserve /api=127.0.0.1:3001 /=127.0.0.1:5173\n"
    "zeroserve /api/=http://127.0.0.1:3001/      # /api/x reaches the backend as /x\n"
    "zeroserve app.localhost=127.0.0.1:3002     # route by Host</pre>\n"
    "<p>Read <code>man zeroserve</code> for every option.</p>\n"
    "</body></html>\n";

const size_t welcome_html_len = sizeof(welcome_html) - 1;
