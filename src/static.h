/* SPDX-License-Identifier: MIT */
/*
 * Answering requests routed to a directory: files (cached in memory when
 * small, sendfile(2) when large), index.html, listings, SPA fallback,
 * validators, ranges, gzip. The session calls in once per request and again
 * whenever the client has taken enough of a long body.
 */
#ifndef ZS_STATIC_H
#define ZS_STATIC_H

#include <stddef.h>

struct config;
struct session;
struct static_files;
struct static_body;

/* Open every directory route's root. NULL with errno (logged). */
struct static_files *static_files_new(const struct config *cfg);
void static_files_free(struct static_files *sf);

/*
 * Answer the request in s (its route is a directory; target is the request
 * target with the query). Either the answer is complete and
 * session_request_end ran, or s->fbody is set and the session calls
 * static_resume from its write callback until it ends the request.
 */
void static_serve(struct session *s, const char *target, size_t tlen);
/* The client's output fell below its low-water mark. */
void static_resume(struct session *s);
void static_body_free(struct static_body *b);

#endif
