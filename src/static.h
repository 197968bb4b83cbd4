/* SPDX-License-Identifier: MIT */
/*
 * Deciding the answer to a request routed to a directory: files (cached in
 * memory when small, sendfile(2) when large), index.html, listings, SPA
 * fallback, validators, ranges, gzip. static_serve decides and returns; the
 * session writes the head and pumps the body (as httpd's server_file.c
 * decides and server_abort_http answers).
 */
#ifndef ZS_STATIC_H
#define ZS_STATIC_H

#include <stddef.h>

struct body;
struct config;
struct http_reply;
struct route;
struct static_files;

/* A request field's value; p is NULL when the request has none. */
struct static_field {
	const char *p;
	size_t len;
};

/* What static_serve needs to know of a request. */
struct static_request {
	const struct route *route; /* a directory route */
	int method;		   /* llhttp's HTTP_GET, HTTP_HEAD, ... */
	int http_minor;		   /* 0: an HTTP/1.0 client */
	const char *target;	   /* the request target, query included */
	size_t target_len;
	struct static_field range, if_range, if_none_match, if_modified_since, accept_encoding;
};

/* Open every directory route's root. NULL with errno (logged). */
struct static_files *static_files_new(const struct config *cfg);
void static_files_free(struct static_files *sf);
/*
 * The first directory route's root that this process cannot read and search
 * through the descriptor opened at start (so after a user switch, the new
 * user's rights below it), or NULL.
 */
const char *static_files_unreadable(const struct static_files *sf);

/*
 * Decide the answer to rq and return its status. Below 400, reply holds the
 * head's fields and body the body (for HEAD too: the session drops it).
 * From 400 on, the answer is the session's error reply, with reply's fields
 * (Date, Allow, Content-Range) and no body. The caller frees both
 * (http_reply_free, body_free) once sent.
 */
int static_serve(struct static_files *sf, const struct static_request *rq, struct http_reply *reply,
		 struct body *body);

#endif
