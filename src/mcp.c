/* SPDX-License-Identifier: MIT */
/*
 * Two layers, both byte-at-a-time state machines so a body may be split
 * anywhere: SSE framing (WHATWG HTML, "Server-sent events", event stream
 * interpretation) hands the data of each event to the JSON lexer, which
 * tracks where it is in the message (its depth, the member it is in) and
 * keeps a string only at the few places MCP names: the top-level "method",
 * "id" and "jsonrpc", "params"."name", and notes "result", "error" and
 * "result"."isError". Everything else is read past in constant state.
 */
#include <stdint.h>
#include <string.h>

#include "mcp.h"

/* Levels whose kind (object or array) the lexer checks; deeper it only counts brackets. */
#define JSON_STACK 64

/* JSON lexer states; 0 so that a zeroed struct is ready. */
enum {
	J_START, /* before the top-level value */
	J_VALUE, /* a value must come: after ':', or ',' in an array */
	J_ARR0,	 /* after '[': a value or ']' */
	J_OBJ0,	 /* after '{': a key or '}' */
	J_KEY,	 /* after ',' in an object: a key */
	J_COLON, /* after a key */
	J_NEXT,	 /* after a value in a container: ',' or the container's close */
	J_STR,
	J_ESC,	  /* after '\' in a string */
	J_HEX,	  /* in the XXXX of \uXXXX */
	J_LOW_BS, /* after a high surrogate: the '\' of its low half? */
	J_LOW_U,  /* ... and its 'u'? */
	J_MINUS,  /* numbers, RFC 8259 section 6 */
	J_ZERO,
	J_INT,
	J_DOT,
	J_FRAC,
	J_EXP0,
	J_EXPSIGN,
	J_EXP,
	J_LIT,	    /* in true, false or null */
	J_DEEP,	    /* deeper than JSON_STACK: count brackets, skip strings */
	J_DEEP_STR, /* ... in a string */
	J_DEEP_ESC, /* ... after its '\' */
	J_DONE,	    /* after the top-level value: whitespace only */
	J_STOP,	    /* nothing more to learn: the rest is not looked at */
	J_BAD,	    /* not JSON: the rest is not looked at */
};

/* Where a string's bytes go. */
enum { D_NONE, D_KEY, D_JSONRPC, D_METHOD, D_TOOL, D_ID };

/*
 * The members that matter, as bits of lx.seen: message members, then
 * params.name and result.isError.
 */
enum {
	K_JSONRPC = 0x01,
	K_ID = 0x02,
	K_METHOD = 0x04,
	K_PARAMS = 0x08,
	K_RESULT = 0x10,
	K_ERROR = 0x20,
	K_NAME = 0x40,
	K_ISERROR = 0x80,
};

/* lx.got */
#define G_RESULT  0x01
#define G_ERROR	  0x02
#define G_TOOLERR 0x04

/* lx.keylen when the key is longer than any we look for */
#define KEY_LONG 0xff

/* SSE line states; 0 so that a zeroed struct is ready. */
enum {
	S_LINE,	  /* at the start of a line */
	S_NAME,	  /* in a field name */
	S_SPACE,  /* after "data:": a space may come */
	S_DATA,	  /* in a data line's value: the JSON lexer's */
	S_IGNORE, /* in a comment or another field, to the line end */
};

/* fpos when the field name is not "data" */
#define FIELD_OTHER 5

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME  0x100000001b3ULL

static const char *const lits[] = {"true", "false", "null"};
static const uint8_t lit_len[] = {4, 5, 4};

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* len, shortened so that s does not end inside a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t len)
{
	size_t i = len, cont = 0;
	unsigned char c;

	while (i > 0 && cont < 3 && ((unsigned char)s[i - 1] & 0xc0) == 0x80) {
		i--;
		cont++;
	}
	if (i == 0)
		return len;
	c = (unsigned char)s[i - 1];
	if (c >= 0xc0 && cont + 1 < (c >= 0xf0 ? 4u : c >= 0xe0 ? 3u : 2u))
		return i - 1;
	return len;
}

static void name_put(struct mcp_name *s, const char *b, size_t n)
{
	size_t room = MCP_NAME_MAX - 1 - s->len;

	if (s->truncated)
		return;
	if (n <= room) {
		memcpy(s->s + s->len, b, n);
		s->len += n;
		return;
	}
	/* Cut as if the bytes had come one at a time: the same wherever the body was split. */
	memcpy(s->s + s->len, b, room);
	s->len = utf8_cut(s->s, MCP_NAME_MAX - 1);
	s->truncated = 1;
}

static void id_reset(struct mcp_id *d)
{
	memset(d, 0, sizeof(*d));
	d->hash = FNV_OFFSET;
}

static void id_put(struct mcp_id *d, const char *b, size_t n)
{
	size_t k, room = MCP_ID_MAX - d->kept;

	for (k = 0; k < n; k++)
		d->hash = (d->hash ^ (unsigned char)b[k]) * FNV_PRIME;
	if (d->len == d->kept) { /* nothing lost yet */
		if (n <= room) {
			memcpy(d->text + d->kept, b, n);
			d->kept += n;
		} else {
			memcpy(d->text + d->kept, b, room);
			d->kept = utf8_cut(d->text, MCP_ID_MAX);
		}
	}
	d->len += n;
}

static int id_equal(const struct mcp_id *a, const struct mcp_id *b)
{
	return a->done && b->done && a->len == b->len && a->hash == b->hash && a->kept == b->kept &&
	       memcmp(a->text, b->text, a->kept) == 0;
}

static void put(struct mcp_scan *m, const char *b, size_t n)
{
	struct mcp_lex *lx = &m->lx;

	switch (lx->dst) {
	case D_KEY:
	case D_JSONRPC:
		if (lx->keylen == KEY_LONG || lx->keylen + n > sizeof(lx->keybuf)) {
			lx->keylen = KEY_LONG;
			return;
		}
		memcpy(lx->keybuf + lx->keylen, b, n);
		lx->keylen += n;
		return;
	case D_METHOD:
		name_put(&m->method, b, n);
		return;
	case D_TOOL:
		name_put(&m->tool, b, n);
		return;
	case D_ID:
		id_put(&m->id, b, n);
		return;
	}
}

/* A code point from a \u escape, as UTF-8. */
static void put_cp(struct mcp_scan *m, uint32_t cp)
{
	char b[4];

	if (m->lx.dst == D_NONE)
		return;
	/* NUL would end a kept name early; an id keeps it, to tell ids apart exactly. */
	if (cp == 0 && m->lx.dst != D_ID)
		cp = 0xfffd;
	if (cp < 0x80) {
		b[0] = (char)cp;
		put(m, b, 1);
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		put(m, b, 2);
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		put(m, b, 3);
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		put(m, b, 4);
	}
}

/* A \uXXXX code unit; a surrogate without its other half becomes U+FFFD. */
static void put_unit(struct mcp_scan *m, uint16_t u)
{
	struct mcp_lex *lx = &m->lx;

	lx->js = J_STR;
	if (lx->high != 0) {
		if (u >= 0xdc00 && u <= 0xdfff) {
			put_cp(m, 0x10000 + ((uint32_t)(lx->high - 0xd800) << 10) + (u - 0xdc00));
			lx->high = 0;
			return;
		}
		put_cp(m, 0xfffd);
		lx->high = 0;
	}
	if (u >= 0xd800 && u <= 0xdbff) {
		lx->high = u;
		lx->js = J_LOW_BS;
		return;
	}
	put_cp(m, u >= 0xdc00 && u <= 0xdfff ? 0xfffd : u);
}

static void bad(struct mcp_scan *m)
{
	m->lx.js = J_BAD;
	m->malformed = 1;
}

/* Whether the request's results come from the message being read. */
static int capturing(const struct mcp_scan *m)
{
	return !m->response && m->lx.msg == 1;
}

static void message_start(struct mcp_scan *m)
{
	struct mcp_lex *lx = &m->lx;

	lx->in_msg = 1;
	lx->key = 0;
	lx->sub = 0;
	lx->seen = 0;
	lx->got = 0;
	if (m->response)
		id_reset(&m->id);
}

static void message_end(struct mcp_scan *m)
{
	struct mcp_lex *lx = &m->lx;
	uint8_t o;

	lx->in_msg = 0;
	lx->key = 0;
	lx->sub = 0;
	if (!m->response || m->pending != MCP_NONE || !(lx->got & (G_RESULT | G_ERROR)) ||
	    !id_equal(&m->id, &m->want))
		return;
	/* A message with both is not JSON-RPC; its error is the likelier truth. */
	if (lx->got & G_ERROR)
		o = MCP_ERROR;
	else if (lx->got & G_TOOLERR)
		o = MCP_TOOL_ERROR;
	else
		o = MCP_OK;
	m->pending = o;
}

static void value_end(struct mcp_scan *m)
{
	struct mcp_lex *lx = &m->lx;

	lx->dst = D_NONE;
	if (lx->depth > 0) {
		lx->js = J_NEXT;
		return;
	}
	lx->js = J_DONE;
}

/* A string ends: a key, or a value kept or not. */
static void string_end(struct mcp_scan *m)
{
	struct mcp_lex *lx = &m->lx;
	uint8_t slot = 0;

	if (lx->str_key) {
		lx->str_key = 0;
		lx->js = J_COLON;
		if (lx->dst != D_KEY)
			return;
		lx->dst = D_NONE;
#define KEY_IS(s) (lx->keylen == sizeof(s) - 1 && memcmp(lx->keybuf, s, sizeof(s) - 1) == 0)
		if (lx->depth == lx->md) {
			if (KEY_IS("jsonrpc"))
				slot = K_JSONRPC;
			else if (KEY_IS("id"))
				slot = K_ID;
			else if (KEY_IS("method"))
				slot = K_METHOD;
			else if (KEY_IS("params"))
				slot = K_PARAMS;
			else if (KEY_IS("result"))
				slot = K_RESULT;
			else if (KEY_IS("error"))
				slot = K_ERROR;
		} else if (lx->key == K_PARAMS && KEY_IS("name")) {
			slot = K_NAME;
		} else if (lx->key == K_RESULT && KEY_IS("isError")) {
			slot = K_ISERROR;
		}
#undef KEY_IS
		/*
		 * A duplicate key: the first wins. RFC 8259 leaves it open and
		 * parsers differ (many keep the last); we pick the first.
		 */
		if (lx->seen & slot)
			slot = 0;
		lx->seen |= slot;
		if (lx->depth == lx->md) {
			lx->key = slot;
			lx->sub = 0;
		} else {
			lx->sub = slot;
		}
		return;
	}
	switch (lx->dst) {
	case D_JSONRPC:
		if (lx->keylen == 3 && memcmp(lx->keybuf, "2.0", 3) == 0)
			m->jsonrpc = 1;
		break;
	case D_METHOD:
		m->method.s[m->method.len] = '\0';
		m->method.done = 1;
		break;
	case D_TOOL:
		m->tool.s[m->tool.len] = '\0';
		m->tool.done = 1;
		break;
	case D_ID:
		id_put(&m->id, "\"", 1);
		m->id.text[m->id.kept] = '\0';
		m->id.done = 1;
		break;
	}
	value_end(m);
}

static void number_end(struct mcp_scan *m)
{
	if (m->lx.dst == D_ID) {
		m->id.text[m->id.kept] = '\0';
		m->id.done = 1;
	}
	value_end(m);
}

static void container_close(struct mcp_scan *m)
{
	struct mcp_lex *lx = &m->lx;

	if (lx->in_msg && lx->depth == lx->md)
		message_end(m);
	lx->depth--;
	value_end(m);
	/* A plain JSON body has one answer; the first matching one is it. */
	if (m->pending != MCP_NONE && !m->sse) {
		m->outcome = m->pending;
		lx->js = J_STOP;
	}
}

/* The first byte of a value, c, not whitespace. */
static void value_start(struct mcp_scan *m, unsigned char c)
{
	struct mcp_lex *lx = &m->lx;
	uint8_t slot = 0;

	if (lx->depth == 0) {
		/* A batch's elements are counted as they start, from 1. */
		if (c == '{') {
			lx->md = 1;
			lx->msg = 1;
		} else if (c == '[') {
			lx->md = 2;
			m->batch = 1;
		}
	} else if (lx->depth == 1 && lx->md == 2 && lx->msg < UINT32_MAX) {
		lx->msg++; /* batch element */
	}
	if (lx->in_msg) {
		if (lx->depth == lx->md)
			slot = lx->key;
		else if (lx->depth == lx->md + 1u)
			slot = lx->sub;
	}
	if (slot == K_RESULT)
		lx->got |= G_RESULT;
	/* "error": null beside a result is what sloppy servers send on success. */
	else if (slot == K_ERROR && c != 'n')
		lx->got |= G_ERROR;

	switch (c) {
	case '{':
	case '[':
		if (lx->depth + 1 == lx->md) {
			if (c == '{')
				message_start(m);
		}
		if (lx->depth >= JSON_STACK) {
			lx->depth++;
			lx->js = J_DEEP;
			return;
		}
		lx->depth++;
		if (c == '{') {
			lx->stack |= 1ULL << (lx->depth - 1);
			lx->js = J_OBJ0;
		} else {
			lx->stack &= ~(1ULL << (lx->depth - 1));
			lx->js = J_ARR0;
		}
		return;
	case '"':
		lx->js = J_STR;
		lx->dst = D_NONE;
		if (slot == K_METHOD && m->calls < UINT32_MAX)
			m->calls++;
		if (slot == K_ID && (m->response || capturing(m))) {
			id_reset(&m->id);
			id_put(&m->id, "\"", 1);
			lx->dst = D_ID;
		} else if (capturing(m)) {
			if (slot == K_JSONRPC) {
				lx->keylen = 0;
				lx->dst = D_JSONRPC;
			} else if (slot == K_METHOD) {
				lx->dst = D_METHOD;
			} else if (slot == K_NAME) {
				lx->dst = D_TOOL;
			}
		}
		return;
	case '-':
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
	case '8':
	case '9':
		lx->js = c == '-' ? J_MINUS : c == '0' ? J_ZERO : J_INT;
		lx->dst = D_NONE;
		if (slot == K_ID && (m->response || capturing(m))) {
			id_reset(&m->id);
			lx->dst = D_ID;
			id_put(&m->id, (const char *)&c, 1);
		}
		return;
	case 't':
	case 'f':
	case 'n':
		if (slot == K_ISERROR && c == 't')
			lx->got |= G_TOOLERR;
		lx->lit = c == 't' ? 0 : c == 'f' ? 1 : 2;
		lx->litpos = 1;
		lx->js = J_LIT;
		return;
	default:
		bad(m);
	}
}

static void key_start(struct mcp_scan *m)
{
	struct mcp_lex *lx = &m->lx;

	lx->js = J_STR;
	lx->str_key = 1;
	lx->keylen = 0;
	lx->dst = D_NONE;
	if (lx->in_msg && (lx->depth == lx->md ||
			   (lx->depth == lx->md + 1u && (lx->key & (K_PARAMS | K_RESULT)))))
		lx->dst = D_KEY;
}

/* A number's byte that goes to the id being kept, if it is one. */
static void num_put(struct mcp_scan *m, unsigned char c)
{
	if (m->lx.dst == D_ID)
		id_put(&m->id, (const char *)&c, 1);
}

static void json_feed(struct mcp_scan *m, const char *buf, size_t n)
{
	struct mcp_lex *lx = &m->lx;
	const unsigned char *p = (const unsigned char *)buf;
	size_t i = 0, k;
	unsigned char c;
	int v;

	while (i < n) {
		c = p[i];
		switch (lx->js) {
		case J_START:
		case J_VALUE:
			i++;
			if (!is_ws(c))
				value_start(m, c);
			break;
		case J_ARR0:
			i++;
			if (is_ws(c))
				break;
			if (c == ']')
				container_close(m);
			else
				value_start(m, c);
			break;
		case J_OBJ0:
		case J_KEY:
			i++;
			if (is_ws(c))
				break;
			if (c == '"')
				key_start(m);
			else if (c == '}' && lx->js == J_OBJ0)
				container_close(m);
			else
				bad(m);
			break;
		case J_COLON:
			i++;
			if (c == ':')
				lx->js = J_VALUE;
			else if (!is_ws(c))
				bad(m);
			break;
		case J_NEXT:
			i++;
			if (is_ws(c))
				break;
			v = (lx->stack >> (lx->depth - 1)) & 1; /* an object */
			if (c == ',')
				lx->js = v ? J_KEY : J_VALUE;
			else if (c == (v ? '}' : ']'))
				container_close(m);
			else
				bad(m);
			break;
		case J_STR:
			/* The bulk of a body is strings: take a run at a time. */
			for (k = i; k < n && p[k] != '"' && p[k] != '\\' && p[k] >= 0x20; k++)
				;
			if (k > i && lx->dst != D_NONE)
				put(m, (const char *)p + i, k - i);
			i = k;
			if (i == n)
				break;
			c = p[i++];
			if (c == '"')
				string_end(m);
			else if (c == '\\')
				lx->js = J_ESC;
			else
				bad(m); /* a control character */
			break;
		case J_ESC:
			i++;
			switch (c) {
			case '"':
			case '\\':
			case '/':
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			case 'u':
				lx->hexn = 0;
				lx->hex = 0;
				lx->js = J_HEX;
				continue;
			default:
				bad(m);
				continue;
			}
			if (lx->dst != D_NONE)
				put(m, (const char *)&c, 1);
			lx->js = J_STR;
			break;
		case J_HEX:
			i++;
			v = hex_value(c);
			if (v < 0) {
				bad(m);
				break;
			}
			lx->hex = (uint16_t)(lx->hex << 4 | v);
			if (++lx->hexn == 4)
				put_unit(m, lx->hex);
			break;
		case J_LOW_BS:
			if (c == '\\') {
				i++;
				lx->js = J_LOW_U;
				break;
			}
			put_cp(m, 0xfffd);
			lx->high = 0;
			lx->js = J_STR; /* c again, as a string's */
			break;
		case J_LOW_U:
			if (c == 'u') {
				i++;
				lx->hexn = 0;
				lx->hex = 0;
				lx->js = J_HEX;
				break;
			}
			put_cp(m, 0xfffd);
			lx->high = 0;
			lx->js = J_ESC; /* c again, as an escape's */
			break;
		case J_MINUS:
			i++;
			if (!is_digit(c)) {
				bad(m);
				break;
			}
			num_put(m, c);
			lx->js = c == '0' ? J_ZERO : J_INT;
			break;
		case J_ZERO:
		case J_INT:
		case J_FRAC:
		case J_EXP:
			if (is_digit(c) && lx->js != J_ZERO) {
				for (k = i + 1; k < n && is_digit(p[k]); k++)
					;
				if (lx->dst == D_ID)
					id_put(&m->id, (const char *)p + i, k - i);
				i = k;
				break;
			} else if (c == '.' && (lx->js == J_ZERO || lx->js == J_INT)) {
				lx->js = J_DOT;
			} else if ((c == 'e' || c == 'E') && lx->js != J_EXP) {
				lx->js = J_EXP0;
			} else if (is_digit(c)) {
				bad(m); /* a leading zero */
				break;
			} else {
				number_end(m); /* c again, after the number */
				break;
			}
			i++;
			num_put(m, c);
			break;
		case J_DOT:
		case J_EXPSIGN:
			i++;
			if (!is_digit(c)) {
				bad(m);
				break;
			}
			num_put(m, c);
			lx->js = lx->js == J_DOT ? J_FRAC : J_EXP;
			break;
		case J_EXP0:
			i++;
			if (c == '+' || c == '-') {
				lx->js = J_EXPSIGN;
			} else if (is_digit(c)) {
				lx->js = J_EXP;
			} else {
				bad(m);
				break;
			}
			num_put(m, c);
			break;
		case J_LIT:
			i++;
			if (c != (unsigned char)lits[lx->lit][lx->litpos]) {
				bad(m);
				break;
			}
			if (++lx->litpos == lit_len[lx->lit])
				value_end(m);
			break;
		case J_DEEP:
			i++;
			if (c == '"') {
				lx->js = J_DEEP_STR;
			} else if (c == '{' || c == '[') {
				if (lx->depth == UINT32_MAX)
					bad(m);
				else
					lx->depth++;
			} else if (c == '}' || c == ']') {
				if (--lx->depth == JSON_STACK)
					value_end(m);
			}
			break;
		case J_DEEP_STR:
			for (k = i; k < n && p[k] != '"' && p[k] != '\\'; k++)
				;
			i = k;
			if (i == n)
				break;
			lx->js = p[i++] == '"' ? J_DEEP : J_DEEP_ESC;
			break;
		case J_DEEP_ESC:
			i++;
			lx->js = J_DEEP_STR;
			break;
		case J_DONE:
			i++;
			if (!is_ws(c))
				bad(m); /* a second value, or garbage after the first */
			break;
		default: /* J_STOP, J_BAD */
			return;
		}
	}
}

/*
 * An event ends (an empty line): it counts if its data were one JSON value;
 * the next event's data start a new one.
 */
static void sse_dispatch(struct mcp_scan *m)
{
	if (m->ev_data) {
		if (m->lx.js == J_DONE) {
			if (m->pending != MCP_NONE)
				m->outcome = m->pending;
		} else if (m->lx.js != J_START) {
			m->malformed = 1;
		}
	}
	m->pending = MCP_NONE;
	m->ev_data = 0;
	memset(&m->lx, 0, sizeof(m->lx));
}

/* A data line begins: the event's data lines are joined with LF, whitespace to JSON. */
static void sse_data(struct mcp_scan *m)
{
	if (m->ev_data)
		json_feed(m, "\n", 1);
	m->ev_data = 1;
}

static void sse_line_end(struct mcp_scan *m, unsigned char c)
{
	m->cr = c == '\r';
	m->ss = S_LINE;
}

static void sse_feed(struct mcp_scan *m, const char *p, size_t n)
{
	size_t i = 0, k;
	unsigned char c;

	while (i < n && m->outcome == MCP_NONE) {
		c = (unsigned char)p[i];
		switch (m->ss) {
		case S_LINE:
			if (m->cr) {
				m->cr = 0;
				if (c == '\n') {
					i++;
					break;
				}
			}
			if (c == '\r' || c == '\n') {
				i++;
				sse_dispatch(m);
				sse_line_end(m, c);
			} else if (c == ':') {
				i++;
				m->ss = S_IGNORE; /* a comment */
			} else {
				m->fpos = 0;
				m->ss = S_NAME; /* c again, in the name */
			}
			break;
		case S_NAME:
			i++;
			if (c == ':') {
				if (m->fpos == 4) {
					sse_data(m);
					m->ss = S_SPACE;
				} else {
					m->ss = S_IGNORE;
				}
			} else if (c == '\r' || c == '\n') {
				if (m->fpos == 4)
					sse_data(m); /* "data" alone: an empty value */
				sse_line_end(m, c);
			} else if (m->fpos < 4 && c == "data"[m->fpos]) {
				m->fpos++;
			} else {
				m->fpos = FIELD_OTHER;
			}
			break;
		case S_SPACE:
			m->ss = S_DATA;
			if (c == ' ') {
				i++;
				break;
			}
			/* fall through */
		case S_DATA:
		case S_IGNORE:
			for (k = i; k < n && p[k] != '\r' && p[k] != '\n'; k++)
				;
			if (k > i && m->ss == S_DATA)
				json_feed(m, p + i, k - i);
			if (k < n)
				sse_line_end(m, (unsigned char)p[k++]);
			i = k;
			break;
		}
	}
}

void mcp_scan_init(struct mcp_scan *m, int response, int sse)
{
	memset(m, 0, sizeof(*m));
	m->response = response != 0;
	m->sse = response && sse;
}

void mcp_scan_feed(struct mcp_scan *m, const char *p, size_t n)
{
	static const unsigned char bom[3] = {0xef, 0xbb, 0xbf};

	if (m->outcome != MCP_NONE)
		return;
	/* A UTF-8 BOM at the very start: SSE skips it, RFC 8259 8.1 lets JSON do so. */
	while (m->bom < 3 && n > 0) {
		if ((unsigned char)*p != bom[m->bom]) {
			/* Part of one: not JSON, nor a field named "data". */
			if (m->bom > 0 && m->sse) {
				m->ss = S_NAME;
				m->fpos = FIELD_OTHER;
			} else if (m->bom > 0) {
				bad(m);
			}
			m->bom = 3;
			break;
		}
		m->bom++;
		p++;
		n--;
	}
	if (m->sse)
		sse_feed(m, p, n);
	else
		json_feed(m, p, n);
}

void mcp_scan_expect(struct mcp_scan *resp, const struct mcp_scan *req)
{
	if (req->id.done)
		resp->want = req->id;
	else
		memset(&resp->want, 0, sizeof(resp->want));
}

const char *mcp_scan_method(const struct mcp_scan *m)
{
	return m->method.done ? m->method.s : "";
}

const char *mcp_scan_tool(const struct mcp_scan *m)
{
	if (!m->tool.done || strcmp(mcp_scan_method(m), "tools/call") != 0)
		return "";
	return m->tool.s;
}

int mcp_scan_is_request(const struct mcp_scan *m)
{
	return m->jsonrpc && m->method.done && m->id.done;
}

const char *mcp_scan_id(const struct mcp_scan *m)
{
	const struct mcp_id *d = m->response ? &m->want : &m->id;

	return d->done ? d->text : "";
}

unsigned int mcp_scan_flags(const struct mcp_scan *m)
{
	unsigned int f = 0;

	if (m->jsonrpc)
		f |= MCP_F_JSONRPC;
	if (!m->response && m->id.done)
		f |= MCP_F_ID;
	if (m->batch)
		f |= MCP_F_BATCH;
	if (m->method.done && m->method.truncated)
		f |= MCP_F_METHOD_LONG;
	if (*mcp_scan_tool(m) != '\0' && m->tool.truncated)
		f |= MCP_F_TOOL_LONG;
	if (m->malformed)
		f |= MCP_F_MALFORMED;
	return f;
}

uint32_t mcp_scan_batch(const struct mcp_scan *m)
{
	return m->batch ? m->calls : 0;
}

enum mcp_outcome mcp_scan_outcome(const struct mcp_scan *m)
{
	return (enum mcp_outcome)m->outcome;
}

const char *mcp_outcome_name(enum mcp_outcome o)
{
	switch (o) {
	case MCP_OK:
		return "ok";
	case MCP_ERROR:
		return "error";
	case MCP_TOOL_ERROR:
		return "tool_error";
	default:
		return "none";
	}
}
