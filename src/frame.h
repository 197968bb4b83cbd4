/* SPDX-License-Identifier: MIT */
/*
 * zeroserve's own HTTP/1.1 framing rules (RFC 9112), enforced on the raw
 * bytes whatever llhttp the build uses: Debian 12's llhttp 8.1 takes CR +
 * any byte as a line end, does not check the CRLF after chunk data and
 * accepts a head ending "\r\n\rX" (fixed in llhttp 9). Every byte of a head,
 * of a chunk line and of a chunk end passes this lexer before llhttp sees
 * it, so llhttp only ever parses what both read the same way.
 *
 * Pure: no I/O, no allocation. The table of rules is in man/zeroserve.8
 * (HTTP FRAMING) and doc/architecture.md.
 */
#ifndef ZS_FRAME_H
#define ZS_FRAME_H

#include <stddef.h>
#include <stdint.h>

enum frame_verdict {
	FRAME_BAD = -1, /* see why and status; *used is the valid prefix */
	FRAME_MORE = 0, /* all of it valid, the part not complete yet */
	FRAME_END = 1,	/* the part ends after *used bytes */
};

/* A chunk-size line (extensions included) longer than this is refused. */
#define FRAME_CHUNK_LINE_MAX 4096
/* So is a trailer section longer than this (a head's limit is the caller's). */
#define FRAME_TRAILER_MAX (64 * 1024)

struct frame {
	uint8_t state;
	uint8_t request; /* request head (else a response head) */
	uint8_t vpos;	 /* position in "HTTP/d.d" or the status code */
	uint8_t major;	 /* HTTP major version digit of the head */
	uint8_t chunked; /* lexing a chunked body */
	int status;	 /* FRAME_BAD: 400, 413 (body limit) or 505 */
	const char *why; /* FRAME_BAD: one line, for the error reply and the log */
	uint32_t line;	 /* bytes of the current chunk-size line, or of the trailers */
	uint64_t size;	 /* chunked: the chunk size being read */
	uint64_t left;	 /* chunked: data bytes of the current chunk still to come */
	uint64_t total;	 /* chunked: data bytes so far */
	uint64_t max;	 /* chunked: limit on total */
};

/* Lex a request head (request != 0) or a response head. */
void frame_head_init(struct frame *f, int request);
/* Lex a chunked body, its last chunk and trailer section; at most max data bytes. */
void frame_chunked_init(struct frame *f, uint64_t max);

/*
 * Check the next len bytes of the part being lexed. FRAME_END: the part
 * ends after *used bytes (the head's or the trailer section's final LF);
 * FRAME_MORE: all len bytes are valid and more must follow; FRAME_BAD: byte
 * *used is the first that breaks a rule.
 */
int frame_scan(struct frame *f, const char *buf, size_t len, size_t *used);

/*
 * A Content-Length value (without surrounding OWS): 1*DIGIT, nothing else,
 * at most 2^63 - 1. 0 with *n set, or -EINVAL.
 */
int frame_content_length(const char *v, size_t len, uint64_t *n);

/*
 * A Transfer-Encoding list (all its fields together, in order): 1 when its
 * final coding is "chunked" and no other coding is "chunked", 0 when
 * "chunked" does not appear, -EINVAL when the list is malformed or chunked
 * appears anywhere but last. For requests zeroserve takes only exactly
 * "chunked" (frame_te_only_chunked).
 */
int frame_te_final_chunked(const char *v, size_t len);
/* 1 when the list is exactly one "chunked" (any case), else 0. */
int frame_te_only_chunked(const char *v, size_t len);

#endif
