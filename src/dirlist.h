/* SPDX-License-Identifier: MIT */
/* The HTML listing of a directory (--browse). */
#ifndef ZS_DIRLIST_H
#define ZS_DIRLIST_H

#include <stddef.h>

struct evbuffer;

/*
 * Append an HTML page listing the directory open as dirfd: directories
 * first, then files, each sorted by name; names HTML-escaped, links
 * percent-encoded and relative. title is the URL path shown (not escaped
 * yet). Names starting with '.' only when dotfiles. 0 or -errno.
 */
int dirlist_build(struct evbuffer *out, int dirfd, const char *title, size_t titlelen,
		  int dotfiles);
/* Append s HTML-escaped (&, <, >, ", '). 0 or -ENOMEM. */
int dirlist_escape(struct evbuffer *out, const char *s, size_t len);

#endif
