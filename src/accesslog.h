/* SPDX-License-Identifier: MIT */
/* One line per request, text or JSON. */
#ifndef ZS_ACCESSLOG_H
#define ZS_ACCESSLOG_H

#include <stddef.h>
#include <stdint.h>

struct accesslog;

struct accesslog_entry {
	const char *client; /* "127.0.0.1:53412" */
	const char *method;
	const char *path; /* as received */
	size_t path_len;
	int status;
	uint64_t bytes; /* body bytes sent to the client */
	double duration_ms;
	const char *route;  /* route spec, or "-" */
	const char *engine; /* "user" or "kernel" */
	const char *reason; /* why it was refused ("host-not-allowed"), or NULL */
	const char *tag;    /* the routing program's tag, or NULL */
};

/* path "-" is stdout. json: one JSON object per line. NULL with errno. */
struct accesslog *accesslog_open(const char *path, int json);
void accesslog_close(struct accesslog *al);
void accesslog_write(struct accesslog *al, const struct accesslog_entry *e);
/* Escape for a JSON string / a quoted text field into buf; returns length. */
size_t accesslog_escape(char *buf, size_t len, const char *s, size_t slen, int json);

#endif
