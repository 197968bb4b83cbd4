/* SPDX-License-Identifier: MIT */
/*
 * File name -> Content-Type: /etc/mime.types when present (Debian's
 * media-types), a built-in table for what it lacks. Loaded once at start-up;
 * lookups are a binary search, no I/O and no allocation.
 */
#ifndef ZS_MIME_H
#define ZS_MIME_H

#include <stddef.h>

/* For names without a known extension. */
#define MIME_DEFAULT "application/octet-stream"

/*
 * Load a mime.types file (NULL: /etc/mime.types) on top of the built-in
 * table; its entries win. A missing file is not an error. 0 or -errno.
 * Without a call, lookups use the built-in table alone.
 */
int mime_load(const char *path);
void mime_free(void);

/*
 * Content-Type for a file name (its last extension, case-insensitive), with
 * "; charset=utf-8" on text types. MIME_DEFAULT when unknown.
 */
const char *mime_type(const char *name, size_t len);
/* Worth compressing: text, JSON, JavaScript, XML, SVG, wasm. */
int mime_compressible(const char *type);

#endif
