/* SPDX-License-Identifier: MIT */
/*
 * MCP (Model Context Protocol) calls seen by name as their bodies stream
 * through: for a route marked as MCP the session feeds the request body to
 * one scanner and the response body to another, chunk by chunk as it relays
 * them, and reads at the end which JSON-RPC method was called, which tool a
 * tools/call named and how the call went.
 *
 * Streamable HTTP transport, MCP 2025-06-18: the client POSTs one JSON-RPC
 * 2.0 message (older clients a batch: a JSON array of them); the server
 * answers with one JSON object (application/json), or with server-sent
 * events (text/event-stream) whose data are JSON-RPC messages, the response
 * to our request among them, or 202 and no body.
 *
 * Pure: no I/O, no allocation. The state is a fixed-size struct the session
 * holds, and the body is never held: a streaming JSON lexer (RFC 8259) keeps
 * the strings it needs (the method, params.name, the id), up to
 * MCP_NAME_MAX - 1 bytes each, and skips the rest in constant state. A
 * tool's arguments and results are read past, never kept.
 */
#ifndef ZS_MCP_H
#define ZS_MCP_H

#include <stddef.h>
#include <stdint.h>

/* Kept bytes of a method or tool name, with the NUL. */
#define MCP_NAME_MAX 64
/* Kept bytes of an id's text (`1`, `"abc"`), without the NUL. */
#define MCP_ID_MAX 64

enum mcp_outcome {
	MCP_NONE = 0,	/* no response to the request (yet) */
	MCP_OK,		/* "result" */
	MCP_ERROR,	/* "error": a JSON-RPC error */
	MCP_TOOL_ERROR, /* "result" with "isError": true directly in it: the tool failed */
};

/* mcp_scan_flags() */
#define MCP_F_JSONRPC	  0x01 /* request: top-level "jsonrpc": "2.0" */
#define MCP_F_ID	  0x02 /* request: a string or number "id" (not a notification) */
#define MCP_F_BATCH	  0x04 /* the body is a JSON array: results are its first element's */
#define MCP_F_METHOD_LONG 0x08 /* the method was cut to MCP_NAME_MAX - 1 bytes */
#define MCP_F_TOOL_LONG	  0x10 /* the tool was cut to MCP_NAME_MAX - 1 bytes */
#define MCP_F_MALFORMED	  0x20 /* not JSON (scanning stopped there), or an SSE event was not */

/* A kept string; private to mcp.c. */
struct mcp_name {
	char s[MCP_NAME_MAX];
	uint8_t len;
	uint8_t truncated;
	uint8_t done; /* the whole string was read: s is the value */
};

/*
 * An id, to match a response to its request; private to mcp.c. Strings are
 * kept decoded between quotes, so "a" and "\u0061" are the same id; numbers
 * as written. An id longer than MCP_ID_MAX is told apart by its length and
 * hash.
 */
struct mcp_id {
	uint64_t hash; /* FNV-1a of the whole text */
	uint64_t len;  /* of the whole text */
	char text[MCP_ID_MAX + 1];
	uint8_t kept; /* bytes of text */
	uint8_t done; /* the whole token was read */
};

/* The JSON lexer and where it is in the message; private to mcp.c. */
struct mcp_lex {
	uint64_t stack; /* bit d - 1: level d (1..64) is an object, not an array */
	uint32_t depth; /* containers open */
	uint32_t msg;	/* which message: 1, or the batch element from 1 */
	uint8_t js;	/* lexer state */
	uint8_t str_key;
	uint8_t dst; /* where the current string's (or id number's) bytes go */
	uint8_t lit;
	uint8_t litpos;
	uint8_t hexn;
	uint16_t hex;
	uint16_t high; /* a \u high surrogate waiting for its low half */
	uint8_t md;    /* depth of a message's members: 1, 2 in a batch, 0 not known */
	uint8_t in_msg;
	uint8_t key;  /* the message member being read */
	uint8_t sub;  /* the params or result member being read */
	uint8_t seen; /* members met in this message */
	uint8_t got;  /* what this message says of the call */
	uint8_t keylen;
	char keybuf[8];
};

/*
 * Fixed size, no pointers: it may live in any struct and be copied. Zeroed
 * it is a request scanner; mcp_scan_init sets either kind. Fields are
 * private; read the results with the functions below.
 */
struct mcp_scan {
	struct mcp_lex lx;
	uint8_t response;
	uint8_t sse;
	uint8_t bom;	 /* bytes of a leading BOM met; 3 once past it */
	uint8_t ss;	 /* SSE line state */
	uint8_t fpos;	 /* SSE: bytes of "data" matched in the field name */
	uint8_t cr;	 /* SSE: the last line ended in CR, a LF right after is part of it */
	uint8_t ev_data; /* SSE: the event has a data line */
	uint8_t pending; /* SSE: the outcome, once the event is dispatched */
	uint8_t outcome;
	uint8_t jsonrpc;
	uint8_t batch;
	uint8_t malformed;
	uint32_t calls; /* batch elements with a method */
	struct mcp_name method;
	struct mcp_name tool;
	struct mcp_id id;   /* request: its id; response: the message's being read */
	struct mcp_id want; /* response: the request's id */
};

/*
 * Start scanning a request body (response = 0) or a response body
 * (response = 1). sse: the response's Content-Type is text/event-stream, its
 * body SSE framing around JSON messages; ignored for requests.
 */
void mcp_scan_init(struct mcp_scan *m, int response, int sse);
/* The next n bytes of the body (de-chunked), split anywhere. */
void mcp_scan_feed(struct mcp_scan *m, const char *p, size_t n);
/*
 * Set the id to match, copied from the request's scan, after mcp_scan_init
 * and before feeding the response. A request without an id (a notification)
 * matches nothing: the outcome stays MCP_NONE.
 */
void mcp_scan_expect(struct mcp_scan *resp, const struct mcp_scan *req);

/*
 * Results, valid at any time (the best so far). Of a batch they are its
 * first element's. Names are as decoded from JSON: any byte but NUL
 * (control characters from escapes, bytes that are not UTF-8 as they came),
 * so a log must quote them.
 */
/* Request: the top-level "method" string; "" when none. */
const char *mcp_scan_method(const struct mcp_scan *m);
/* Request: params.name when the method is "tools/call"; "" otherwise. */
const char *mcp_scan_tool(const struct mcp_scan *m);
/* Request: "jsonrpc": "2.0" with a method and an id (not a notification). */
int mcp_scan_is_request(const struct mcp_scan *m);
/* Request: its id's text, `1` or `"abc"`; response: the id expected; "" when none. */
const char *mcp_scan_id(const struct mcp_scan *m);
/* MCP_F_* */
unsigned int mcp_scan_flags(const struct mcp_scan *m);
/* Elements of a batch with a "method" (requests and notifications); 0 when not a batch. */
uint32_t mcp_scan_batch(const struct mcp_scan *m);
/*
 * Response: how the JSON-RPC response with the request's id went; for SSE
 * the first such event's (an event counts once dispatched, at its empty line,
 * as for an EventSource). MCP_NONE when none came.
 */
enum mcp_outcome mcp_scan_outcome(const struct mcp_scan *m);
/* "none", "ok", "error", "tool_error" */
const char *mcp_outcome_name(enum mcp_outcome o);

#endif
