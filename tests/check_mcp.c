/* SPDX-License-Identifier: MIT */
/*
 * The MCP scanners (src/mcp.c): requests, JSON and SSE responses, escapes,
 * decoys, limits and bad input. Every body is also fed a byte at a time and
 * split at every point (at every pair of points when short): the results
 * must not depend on how the bytes arrived.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp.h"

/* What a scan tells, to compare scans of the same body fed differently. */
struct seen {
	char method[MCP_NAME_MAX];
	char tool[MCP_NAME_MAX];
	char id[MCP_ID_MAX + 1];
	int is_request;
	unsigned int flags;
	uint32_t batch;
	enum mcp_outcome outcome;
};

static void seen_get(const struct mcp_scan *m, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	/* Not ck_assert: check records every assertion it passes, too slow for this many. */
	if (strlen(mcp_scan_method(m)) >= MCP_NAME_MAX ||
	    strlen(mcp_scan_tool(m)) >= MCP_NAME_MAX || strlen(mcp_scan_id(m)) > MCP_ID_MAX)
		ck_abort_msg("a result too long");
	strcpy(s->method, mcp_scan_method(m));
	strcpy(s->tool, mcp_scan_tool(m));
	strcpy(s->id, mcp_scan_id(m));
	s->is_request = mcp_scan_is_request(m);
	s->flags = mcp_scan_flags(m);
	s->batch = mcp_scan_batch(m);
	s->outcome = mcp_scan_outcome(m);
}

static void seen_same(const struct seen *a, const struct seen *b, size_t i, size_t j)
{
	if (memcmp(a, b, sizeof(*a)) != 0)
		ck_abort_msg("split at %zu and %zu: method '%s'/'%s' tool '%s'/'%s' id '%s'/'%s' "
			     "flags %#x/%#x outcome %d/%d",
			     i, j, a->method, b->method, a->tool, b->tool, a->id, b->id, a->flags,
			     b->flags, a->outcome, b->outcome);
}

/* A scan of s, set up as kind says, fed in the pieces [0, i), [i, j), [j, len). */
static void scan3(struct mcp_scan *m, int response, int sse, const struct mcp_scan *req,
		  const char *s, size_t len, size_t i, size_t j)
{
	mcp_scan_init(m, response, sse);
	if (req != NULL)
		mcp_scan_expect(m, req);
	mcp_scan_feed(m, s, i);
	mcp_scan_feed(m, s + i, j - i);
	mcp_scan_feed(m, s + j, len - j);
}

/* Scan s whole, then check that every other way of feeding it tells the same. */
static void scan_all(struct mcp_scan *out, int response, int sse, const struct mcp_scan *req,
		     const char *s, size_t len)
{
	struct mcp_scan m;
	struct seen whole, other;
	size_t i, j;

	scan3(out, response, sse, req, s, len, len, len);
	seen_get(out, &whole);

	mcp_scan_init(&m, response, sse);
	if (req != NULL)
		mcp_scan_expect(&m, req);
	for (i = 0; i < len; i++)
		mcp_scan_feed(&m, s + i, 1);
	seen_get(&m, &other);
	seen_same(&whole, &other, 1, 1);

	for (i = 0; i <= len; i++) {
		/* Every pair for short bodies; every single split for long ones. */
		for (j = len < 400 ? i : len; j <= len; j++) {
			scan3(&m, response, sse, req, s, len, i, j);
			seen_get(&m, &other);
			seen_same(&whole, &other, i, j);
		}
	}
}

static void req_scan(struct mcp_scan *m, const char *s)
{
	scan_all(m, 0, 0, NULL, s, strlen(s));
}

/* The outcome of response body r (SSE or not) to request q. */
static enum mcp_outcome resp_outcome(const char *q, const char *r, int sse, unsigned int *flags)
{
	struct mcp_scan req, resp;

	req_scan(&req, q);
	scan_all(&resp, 1, sse, &req, r, strlen(r));
	if (flags != NULL)
		*flags = mcp_scan_flags(&resp);
	return mcp_scan_outcome(&resp);
}

#define REQ1 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"t\"}}"
#define REQ_S                                                                                      \
	"{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"method\":\"tools/call\",\"params\":{\"name\":\"t\"}}"

START_TEST(test_initialize)
{
	struct mcp_scan m;

	req_scan(&m, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
		     "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{\"roots\":"
		     "{\"listChanged\":true},\"sampling\":{}},\"clientInfo\":{\"name\":"
		     "\"ExampleClient\",\"version\":\"1.0.0\"}}}");
	ck_assert_str_eq(mcp_scan_method(&m), "initialize");
	ck_assert_str_eq(mcp_scan_tool(&m), "");
	ck_assert_str_eq(mcp_scan_id(&m), "1");
	ck_assert_int_eq(mcp_scan_is_request(&m), 1);
	ck_assert_uint_eq(mcp_scan_flags(&m), MCP_F_JSONRPC | MCP_F_ID);
	ck_assert_uint_eq(mcp_scan_batch(&m), 0);
	ck_assert_int_eq(mcp_scan_outcome(&m), MCP_NONE);
}
END_TEST

START_TEST(test_tools_list)
{
	struct mcp_scan m;

	req_scan(&m,
		 " \r\n\t{ \"jsonrpc\" : \"2.0\" , \"id\" : \"abc\" , \"method\" : "
		 "\"tools/list\" , \"params\" : { \"cursor\" : \"optional-cursor-value\" } }\n");
	ck_assert_str_eq(mcp_scan_method(&m), "tools/list");
	ck_assert_str_eq(mcp_scan_tool(&m), "");
	ck_assert_str_eq(mcp_scan_id(&m), "\"abc\"");
	ck_assert_int_eq(mcp_scan_is_request(&m), 1);
	ck_assert_uint_eq(mcp_scan_flags(&m), MCP_F_JSONRPC | MCP_F_ID);
}
END_TEST

START_TEST(test_tools_call)
{
	struct mcp_scan m;

	req_scan(&m, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
		     "\"get_weather\",\"arguments\":{\"location\":\"New York\",\"days\":-1.5e+3,"
		     "\"hourly\":false,\"units\":null,\"list\":[0,1E2,0.25,-0,{}]}}}");
	ck_assert_str_eq(mcp_scan_method(&m), "tools/call");
	ck_assert_str_eq(mcp_scan_tool(&m), "get_weather");
	ck_assert_str_eq(mcp_scan_id(&m), "2");
	ck_assert_int_eq(mcp_scan_is_request(&m), 1);
	ck_assert_uint_eq(mcp_scan_flags(&m), MCP_F_JSONRPC | MCP_F_ID);

	/* Members in any order: params before method, id last. */
	req_scan(&m, "{\"params\":{\"arguments\":{},\"name\":\"search\"},\"method\":\"tools/call\","
		     "\"jsonrpc\":\"2.0\",\"id\":-12}");
	ck_assert_str_eq(mcp_scan_tool(&m), "search");
	ck_assert_str_eq(mcp_scan_id(&m), "-12");
	ck_assert_int_eq(mcp_scan_is_request(&m), 1);

	/* params.name of another method is no tool. */
	req_scan(&m, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"prompts/get\",\"params\":"
		     "{\"name\":\"code_review\"}}");
	ck_assert_str_eq(mcp_scan_method(&m), "prompts/get");
	ck_assert_str_eq(mcp_scan_tool(&m), "");

	/* Not JSON-RPC 2.0. */
	req_scan(&m, "{\"jsonrpc\":\"1.0\",\"id\":3,\"method\":\"tools/call\"}");
	ck_assert_int_eq(mcp_scan_is_request(&m), 0);
	ck_assert_uint_eq(mcp_scan_flags(&m), MCP_F_ID);
	req_scan(&m, "{\"jsonrpc\":2.0,\"id\":3,\"method\":\"tools/call\"}");
	ck_assert_int_eq(mcp_scan_is_request(&m), 0);
	req_scan(&m, "{\"jsonrpc\":\"2.0000000000\",\"id\":3,\"method\":\"x\"}");
	ck_assert_int_eq(mcp_scan_is_request(&m), 0);
}
END_TEST

START_TEST(test_notification)
{
	struct mcp_scan m;

	req_scan(&m, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
	ck_assert_str_eq(mcp_scan_method(&m), "notifications/initialized");
	ck_assert_str_eq(mcp_scan_id(&m), "");
	ck_assert_int_eq(mcp_scan_is_request(&m), 0);
	ck_assert_uint_eq(mcp_scan_flags(&m), MCP_F_JSONRPC);

	/* An id that is neither string nor number is none. */
	req_scan(&m, "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"x\"}");
	ck_assert_int_eq(mcp_scan_is_request(&m), 0);
	req_scan(&m, "{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"x\"}");
	ck_assert_int_eq(mcp_scan_is_request(&m), 0);
	ck_assert_str_eq(mcp_scan_id(&m), "");

	/* A response (the client answering the server): no method. */
	req_scan(&m, "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{}}");
	ck_assert_str_eq(mcp_scan_method(&m), "");
	ck_assert_int_eq(mcp_scan_is_request(&m), 0);
}
END_TEST

START_TEST(test_batch)
{
	struct mcp_scan m;

	req_scan(&m,
		 "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
		 "\"a\"}},{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"},{\"jsonrpc\":"
		 "\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"b\"}},"
		 "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}]");
	ck_assert_str_eq(mcp_scan_method(&m), "tools/call");
	ck_assert_str_eq(mcp_scan_tool(&m), "a");
	ck_assert_str_eq(mcp_scan_id(&m), "1");
	ck_assert_int_eq(mcp_scan_is_request(&m), 1);
	ck_assert_uint_eq(mcp_scan_flags(&m), MCP_F_JSONRPC | MCP_F_ID | MCP_F_BATCH);
	ck_assert_uint_eq(mcp_scan_batch(&m), 3);

	/* The first element is not a message: nothing of the second is reported. */
	req_scan(&m, "[1,{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}]");
	ck_assert_str_eq(mcp_scan_method(&m), "");
	ck_assert_int_eq(mcp_scan_is_request(&m), 0);
	ck_assert_uint_eq(mcp_scan_batch(&m), 1);

	/* Elements that are arrays do not stand for messages. */
	req_scan(&m, "[{\"method\":\"a\",\"params\":{\"name\":\"n\"}},[\"method\",\"b\"],"
		     "[{\"method\":\"c\"}]]");
	ck_assert_str_eq(mcp_scan_method(&m), "a");
	ck_assert_uint_eq(mcp_scan_batch(&m), 1);

	req_scan(&m, "[]");
	ck_assert_str_eq(mcp_scan_method(&m), "");
	ck_assert_uint_eq(mcp_scan_flags(&m), MCP_F_BATCH);
	ck_assert_uint_eq(mcp_scan_batch(&m), 0);
}
END_TEST

START_TEST(test_escapes)
{
	struct mcp_scan m;

	req_scan(&m, "{\"json\\u0072pc\":\"2\\u002e0\",\"\\u0069d\":\"a\\u0062c\",\"meth\\u006fd\":"
		     "\"tools\\/call\",\"par\\u0061ms\":{\"n\\u0061me\":\"get_\\u0077eather\\n\\t"
		     "\\\"q\\\"\\\\\\b\\f\\r\"}}");
	ck_assert_str_eq(mcp_scan_method(&m), "tools/call");
	ck_assert_str_eq(mcp_scan_tool(&m), "get_weather\n\t\"q\"\\\b\f\r");
	ck_assert_str_eq(mcp_scan_id(&m), "\"abc\"");
	ck_assert_int_eq(mcp_scan_is_request(&m), 1);

	/* An escaped quote is no end of a key, nor of a value. */
	req_scan(&m, "{\"x\\\":\\\"method\":\"no\",\"method\":\"a\\\"b\"}");
	ck_assert_str_eq(mcp_scan_method(&m), "a\"b");

	/* Keys that only look alike. */
	req_scan(&m, "{\"Method\":\"a\",\"method \":\"b\",\"methodx\":\"c\",\"metho\":\"d\","
		     "\"method\\u0000\":\"e\",\"m\":\"f\",\"averyveryverylongkeyname\":\"g\"}");
	ck_assert_str_eq(mcp_scan_method(&m), "");
	ck_assert_uint_eq(mcp_scan_flags(&m), 0);

	/* \u0000 in a kept name: U+FFFD, so the C string stays whole. */
	req_scan(&m, "{\"method\":\"a\\u0000b\"}");
	ck_assert_str_eq(mcp_scan_method(&m), "a\xef\xbf\xbd"
					      "b");

	/* Two-, three-byte code points, upper-case hex. */
	req_scan(&m, "{\"method\":\"\\u00E9\\u20ac\\u00e9\"}");
	ck_assert_str_eq(mcp_scan_method(&m), "\xc3\xa9\xe2\x82\xac\xc3\xa9");
	/* Raw UTF-8 passes as it is. */
	req_scan(&m, "{\"method\":\"caf\xc3\xa9 \xf0\x9f\x8c\x9e\"}");
	ck_assert_str_eq(mcp_scan_method(&m), "caf\xc3\xa9 \xf0\x9f\x8c\x9e");
}
END_TEST

START_TEST(test_surrogates)
{
	struct mcp_scan m;

	req_scan(&m, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
		     "\"sun\\ud83c\\udf1e\\uD83D\\uDE00!\"}}");
	ck_assert_str_eq(mcp_scan_tool(&m), "sun\xf0\x9f\x8c\x9e\xf0\x9f\x98\x80!");

	/* Halves without their other half: U+FFFD each. */
	req_scan(&m, "{\"method\":\"a\\ud800b\"}");
	ck_assert_str_eq(mcp_scan_method(&m), "a\xef\xbf\xbd"
					      "b");
	req_scan(&m, "{\"method\":\"\\udc00\"}");
	ck_assert_str_eq(mcp_scan_method(&m), "\xef\xbf\xbd");
	req_scan(&m, "{\"method\":\"\\ud800\"}");
	ck_assert_str_eq(mcp_scan_method(&m), "\xef\xbf\xbd");
	req_scan(&m, "{\"method\":\"\\ud800\\ud83c\\udf1e\"}");
	ck_assert_str_eq(mcp_scan_method(&m), "\xef\xbf\xbd\xf0\x9f\x8c\x9e");
	req_scan(&m, "{\"method\":\"\\ud800\\n\"}");
	ck_assert_str_eq(mcp_scan_method(&m), "\xef\xbf\xbd\n");
	req_scan(&m, "{\"method\":\"\\ud800\\u0041\"}");
	ck_assert_str_eq(mcp_scan_method(&m), "\xef\xbf\xbd"
					      "A");
	/* The largest code point. */
	req_scan(&m, "{\"method\":\"\\udbff\\udfff\"}");
	ck_assert_str_eq(mcp_scan_method(&m), "\xf4\x8f\xbf\xbf");
	/* A high half, then a bad escape. */
	req_scan(&m, "{\"method\":\"\\ud800\\x\"}");
	ck_assert_str_eq(mcp_scan_method(&m), "");
	ck_assert_uint_eq(mcp_scan_flags(&m), MCP_F_MALFORMED);
}
END_TEST

START_TEST(test_decoys)
{
	struct mcp_scan m;

	req_scan(&m,
		 "{\"jsonrpc\":\"2.0\",\"x\":{\"method\":\"no\",\"id\":9,\"jsonrpc\":\"2.0\","
		 "\"params\":{\"name\":\"no\"}},\"id\":1,\"params\":{\"arguments\":{\"method\":"
		 "\"x\",\"name\":\"y\",\"params\":{\"name\":\"z\"}},\"meta\":[\"name\",{\"name\":"
		 "\"w\"}],\"name\":\"real\"},\"method\":\"tools/call\",\"y\":[{\"method\":"
		 "\"no\"}],\"z\":\"method\"}");
	ck_assert_str_eq(mcp_scan_method(&m), "tools/call");
	ck_assert_str_eq(mcp_scan_tool(&m), "real");
	ck_assert_str_eq(mcp_scan_id(&m), "1");

	/* Only arguments name it. */
	req_scan(&m, "{\"method\":\"tools/call\",\"params\":{\"arguments\":{\"name\":\"y\"}}}");
	ck_assert_str_eq(mcp_scan_tool(&m), "");
	/* params an array: its objects' names are not params.name. */
	req_scan(&m, "{\"method\":\"tools/call\",\"params\":[{\"name\":\"y\"},\"name\"]}");
	ck_assert_str_eq(mcp_scan_tool(&m), "");
	/* name under another member of the message. */
	req_scan(&m, "{\"method\":\"tools/call\",\"result\":{\"name\":\"y\"},\"error\":[\"x\"],"
		     "\"params\":{}}");
	ck_assert_str_eq(mcp_scan_tool(&m), "");
	/* A name that is not a string. */
	req_scan(&m, "{\"method\":\"tools/call\",\"params\":{\"name\":{\"name\":\"y\"}}}");
	ck_assert_str_eq(mcp_scan_tool(&m), "");
	/* A method that is not a string: none, and it counts as the first. */
	req_scan(&m, "{\"method\":[\"tools/call\"],\"method\":\"b\"}");
	ck_assert_str_eq(mcp_scan_method(&m), "");

	/* Duplicate keys: the first wins. */
	req_scan(&m, "{\"method\":\"tools/call\",\"method\":\"b\",\"params\":{\"name\":\"a\","
		     "\"name\":\"b\"},\"params\":{\"name\":\"c\"},\"id\":1,\"id\":2}");
	ck_assert_str_eq(mcp_scan_method(&m), "tools/call");
	ck_assert_str_eq(mcp_scan_tool(&m), "a");
	ck_assert_str_eq(mcp_scan_id(&m), "1");
	req_scan(&m,
		 "{\"params\":{\"x\":1},\"method\":\"tools/call\",\"params\":{\"name\":\"c\"}}");
	ck_assert_str_eq(mcp_scan_tool(&m), "");
}
END_TEST

START_TEST(test_deep)
{
	static const int deep[] = {1, 61, 62, 63, 64, 65, 66, 200, 3000};
	static char s[32768];
	struct mcp_scan m;
	size_t len, i;
	int d;

	/* Levels alternate {"k": and [; the innermost value has brackets in it. */
	for (i = 0; i < sizeof(deep) / sizeof(deep[0]); i++) {
		len = (size_t)snprintf(s, sizeof(s), "{\"params\":{\"arguments\":");
		for (d = 0; d < deep[i]; d++)
			len += (size_t)snprintf(s + len, sizeof(s) - len, "%s",
						d % 2 == 0 ? "{\"k\\\"]\":" : "[0,");
		len += (size_t)snprintf(s + len, sizeof(s) - len, "\"}]\\\"{[\"");
		for (d = deep[i] - 1; d >= 0; d--)
			s[len++] = d % 2 == 0 ? '}' : ']';
		len += (size_t)snprintf(s + len, sizeof(s) - len,
					",\"name\":\"t\"},\"method\":\"tools/call\"}");
		if (deep[i] < 70) {
			scan_all(&m, 0, 0, NULL, s, len);
		} else {
			mcp_scan_init(&m, 0, 0);
			mcp_scan_feed(&m, s, len);
		}
		ck_assert_msg(strcmp(mcp_scan_tool(&m), "t") == 0, "depth %d: '%s' flags %#x",
			      deep[i], mcp_scan_tool(&m), mcp_scan_flags(&m));
		ck_assert_uint_eq(mcp_scan_flags(&m), 0);
	}

	/* Within the checked levels a wrong close is bad; deeper only brackets count. */
	req_scan(&m, "{\"method\":\"a\",\"x\":[[}],\"id\":1}");
	ck_assert_str_eq(mcp_scan_method(&m), "a");
	ck_assert_uint_eq(mcp_scan_flags(&m), MCP_F_MALFORMED);
}
END_TEST

START_TEST(test_long_names)
{
	struct mcp_scan m;
	char s[512], want[MCP_NAME_MAX];

	/* Exactly MCP_NAME_MAX - 1 bytes fit. */
	memset(want, 'a', 63);
	want[63] = '\0';
	snprintf(s, sizeof(s), "{\"method\":\"%s\"}", want);
	req_scan(&m, s);
	ck_assert_str_eq(mcp_scan_method(&m), want);
	ck_assert_uint_eq(mcp_scan_flags(&m), 0);

	snprintf(s, sizeof(s), "{\"method\":\"%sb\"}", want);
	req_scan(&m, s);
	ck_assert_str_eq(mcp_scan_method(&m), want);
	ck_assert_uint_eq(mcp_scan_flags(&m), MCP_F_METHOD_LONG);

	snprintf(s, sizeof(s),
		 "{\"method\":\"tools/call\",\"params\":{\"name\":\"%s%s%s\"},\"id\":1}", want,
		 want, want);
	req_scan(&m, s);
	ck_assert_str_eq(mcp_scan_tool(&m), want);
	ck_assert_uint_eq(mcp_scan_flags(&m), MCP_F_ID | MCP_F_TOOL_LONG);

	/* Cut at a UTF-8 boundary: 62 + a 2-byte é does not fit, raw or escaped. */
	want[62] = '\0';
	snprintf(s, sizeof(s), "{\"method\":\"%s\xc3\xa9\"}", want);
	req_scan(&m, s);
	ck_assert_str_eq(mcp_scan_method(&m), want);
	ck_assert_uint_eq(mcp_scan_flags(&m), MCP_F_METHOD_LONG);
	snprintf(s, sizeof(s), "{\"method\":\"%s\\u00e9\"}", want);
	req_scan(&m, s);
	ck_assert_str_eq(mcp_scan_method(&m), want);
	/* 61 + é fits exactly. */
	want[61] = '\0';
	snprintf(s, sizeof(s), "{\"method\":\"%s\xc3\xa9\"}", want);
	req_scan(&m, s);
	ck_assert_uint_eq(strlen(mcp_scan_method(&m)), 63);
	ck_assert_uint_eq(mcp_scan_flags(&m), 0);
	/* 61 + a 4-byte code point, raw or a surrogate pair: cut to 61. */
	snprintf(s, sizeof(s), "{\"method\":\"%s\xf0\x9f\x8c\x9ex\"}", want);
	req_scan(&m, s);
	ck_assert_str_eq(mcp_scan_method(&m), want);
	snprintf(s, sizeof(s), "{\"method\":\"%s\\ud83c\\udf1ex\"}", want);
	req_scan(&m, s);
	ck_assert_str_eq(mcp_scan_method(&m), want);
	ck_assert_uint_eq(mcp_scan_flags(&m), MCP_F_METHOD_LONG);

	/* A long key is no key we know. */
	snprintf(s, sizeof(s), "{\"method%s\":\"x\",\"method\":\"y\"}", want);
	req_scan(&m, s);
	ck_assert_str_eq(mcp_scan_method(&m), "y");
}
END_TEST

START_TEST(test_malformed)
{
	static const char *const bad[] = {
	    "hello",
	    "{\"method\":\"a\",}",
	    "{\"method\":\"a\" \"id\":1}",
	    "{\"method\":\"a\",\"x\" 1}",
	    "{\"method\":\"a\",\"x\":01}",
	    "{\"method\":\"a\",\"x\":1.}",
	    "{\"method\":\"a\",\"x\":1.e5}",
	    "{\"method\":\"a\",\"x\":-}",
	    "{\"method\":\"a\",\"x\":+1}",
	    "{\"method\":\"a\",\"x\":1e}",
	    "{\"method\":\"a\",\"x\":1e+}",
	    "{\"method\":\"a\",\"x\":.5}",
	    "{\"method\":\"a\",\"x\":tru}",
	    "{\"method\":\"a\",\"x\":truex}",
	    "{\"method\":\"a\",\"x\":nul}",
	    "{\"method\":\"a\",\"x\":\"\\x\"}",
	    "{\"method\":\"a\",\"x\":\"\\u12G4\"}",
	    "{\"method\":\"a\",\"x\":\"a\tb\"}",
	    "{\"method\":\"a\",\"x\":[1,]}",
	    "{\"method\":\"a\",\"x\":[1 2]}",
	    "{\"method\":\"a\",\"x\":{\"a\":1]}",
	    "{\"method\":\"a\",\"x\":[1}}",
	    "{\"method\":\"a\",\"x\":{1:2}}",
	    "{\"method\":\"a\",\"x\":'a'}",
	    "{\"method\":\"a\"}}",
	    "{\"method\":\"a\"} {}",
	    "{\"method\":\"a\"}x",
	    "\xef\xbb{\"method\":\"a\"}",
	};
	struct mcp_scan m;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		req_scan(&m, bad[i]);
		ck_assert_uint_eq(mcp_scan_flags(&m) & MCP_F_MALFORMED, MCP_F_MALFORMED);
		/* What came before the fault stays. */
		if (i > 0 && i + 1 < sizeof(bad) / sizeof(bad[0]))
			ck_assert_msg(strcmp(mcp_scan_method(&m), "a") == 0, "%s", bad[i]);
	}
	/* Scanning stopped: nothing after the fault is read. */
	req_scan(&m, "{\"x\":01,\"method\":\"a\"}");
	ck_assert_str_eq(mcp_scan_method(&m), "");
	/* A string cut short is not kept. */
	req_scan(&m, "{\"method\":\"tools/ca");
	ck_assert_str_eq(mcp_scan_method(&m), "");
	ck_assert_uint_eq(mcp_scan_flags(&m), 0);
	req_scan(&m, "");
	ck_assert_str_eq(mcp_scan_method(&m), "");
	ck_assert_uint_eq(mcp_scan_flags(&m), 0);
	/* A top-level scalar is JSON, but no message. */
	req_scan(&m, "\"method\" ");
	ck_assert_str_eq(mcp_scan_method(&m), "");
	ck_assert_uint_eq(mcp_scan_flags(&m), 0);
	/* A leading BOM is skipped (RFC 8259 8.1). */
	req_scan(&m, "\xef\xbb\xbf{\"method\":\"a\"}");
	ck_assert_str_eq(mcp_scan_method(&m), "a");
	ck_assert_uint_eq(mcp_scan_flags(&m), 0);
	/* A zeroed struct is a request scanner. */
	memset(&m, 0, sizeof(m));
	mcp_scan_feed(&m, "{\"method\":\"a\"}", 14);
	ck_assert_str_eq(mcp_scan_method(&m), "a");
}
END_TEST

/* Random bytes and mutated messages: no crash, no overrun, the same whichever way fed. */
START_TEST(test_garbage)
{
	static const char *const base[] = {
	    REQ1,
	    "{\"jsonrpc\":\"2.0\",\"id\":\"x\\ud83c\\udf1e\",\"result\":{\"isError\":true,"
	    "\"content\":[{\"type\":\"text\",\"text\":\"a\\\"b\"}]}}",
	    "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\r\n\r\n",
	};
	static const char alphabet[] = "{}[]:,\"\\u0aeE.+-tfnl \r\n\xef\xbb\xbf"
				       "d:";
	struct mcp_scan m, req;
	char s[256];
	unsigned int seed = 1;
	size_t len, k;
	int round;

	req_scan(&req, REQ1);
	for (round = 0; round < 3000; round++) {
		const char *b = base[round % 3];

		len = strlen(b);
		memcpy(s, b, len);
		for (k = 0; k < 1 + (size_t)(rand_r(&seed) % 4); k++) {
			size_t at = (size_t)rand_r(&seed) % len;

			if (round % 5 == 0)
				s[at] = (char)(rand_r(&seed) & 0xff);
			else
				s[at] = alphabet[(size_t)rand_r(&seed) % (sizeof(alphabet) - 1)];
		}
		if (round % 7 == 0)
			len = (size_t)rand_r(&seed) % len;
		scan_all(&m, round % 3 != 0, round % 3 == 2, &req, s, len);
		ck_assert_int_ge(mcp_scan_outcome(&m), MCP_NONE);
		ck_assert_int_le(mcp_scan_outcome(&m), MCP_TOOL_ERROR);
	}
}
END_TEST

START_TEST(test_response_json)
{
	unsigned int f;

	ck_assert_int_eq(resp_outcome(REQ1,
				      "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":"
				      "[{\"type\":\"text\",\"text\":\"72F\"}]}}",
				      0, &f),
			 MCP_OK);
	ck_assert_uint_eq(f, 0);
	ck_assert_int_eq(resp_outcome(REQ1,
				      "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":"
				      "-32602,\"message\":\"Unknown tool\"}}",
				      0, NULL),
			 MCP_ERROR);
	ck_assert_int_eq(resp_outcome(REQ1,
				      "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":"
				      "[{\"type\":\"text\",\"text\":\"down\"}],\"isError\":"
				      "true}}",
				      0, NULL),
			 MCP_TOOL_ERROR);
	ck_assert_int_eq(resp_outcome(REQ1,
				      "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"isError\":"
				      "false,\"content\":[]}}",
				      0, NULL),
			 MCP_OK);
	/* isError deeper than directly in result is not the tool's. */
	ck_assert_int_eq(resp_outcome(REQ1,
				      "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":"
				      "[{\"isError\":true}],\"x\":{\"isError\":true},"
				      "\"structuredContent\":{\"result\":{\"isError\":true}}},"
				      "\"isError\":true}",
				      0, NULL),
			 MCP_OK);
	/* The id after the result, members in any order, an escaped isError key. */
	ck_assert_int_eq(resp_outcome(REQ1,
				      "{\"result\":{\"content\":[],\"is\\u0045rror\":true},"
				      "\"jsonrpc\":\"2.0\",\"id\":1}",
				      0, NULL),
			 MCP_TOOL_ERROR);
	/* The first isError wins. */
	ck_assert_int_eq(resp_outcome(REQ1,
				      "{\"id\":1,\"result\":{\"isError\":false,\"isError\":"
				      "true}}",
				      0, NULL),
			 MCP_OK);
	/* A null result is a result; a null error beside a result is no error. */
	ck_assert_int_eq(resp_outcome(REQ1, "{\"id\":1,\"result\":null}", 0, NULL), MCP_OK);
	ck_assert_int_eq(resp_outcome(REQ1, "{\"id\":1,\"result\":{},\"error\":null}", 0, NULL),
			 MCP_OK);
	ck_assert_int_eq(
	    resp_outcome(REQ1, "{\"id\":1,\"error\":{\"code\":1},\"result\":{}}", 0, NULL),
	    MCP_ERROR);

	/* Ids: 1 and "1" differ, as do 1 and 1.0; escapes do not make strings differ. */
	ck_assert_int_eq(
	    resp_outcome(REQ1, "{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"result\":{}}", 0, NULL),
	    MCP_NONE);
	ck_assert_int_eq(
	    resp_outcome(REQ_S, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}", 0, NULL), MCP_NONE);
	ck_assert_int_eq(
	    resp_outcome(REQ_S, "{\"jsonrpc\":\"2.0\",\"id\":\"\\u0031\",\"result\":{}}", 0, NULL),
	    MCP_OK);
	ck_assert_int_eq(resp_outcome(REQ1, "{\"id\":1.0,\"result\":{}}", 0, NULL), MCP_NONE);
	ck_assert_int_eq(resp_outcome(REQ1, "{\"id\":2,\"result\":{}}", 0, NULL), MCP_NONE);
	ck_assert_int_eq(resp_outcome(REQ1, "{\"id\":11,\"result\":{}}", 0, NULL), MCP_NONE);
	ck_assert_int_eq(resp_outcome(REQ1, "{\"id\":null,\"error\":{}}", 0, NULL), MCP_NONE);
	ck_assert_int_eq(resp_outcome(REQ1, "{\"result\":{}}", 0, NULL), MCP_NONE);
	/* The first id wins. */
	ck_assert_int_eq(resp_outcome(REQ1, "{\"id\":2,\"id\":1,\"result\":{}}", 0, NULL),
			 MCP_NONE);
	/* A notification expects no answer. */
	ck_assert_int_eq(resp_outcome("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"}",
				      "{\"id\":1,\"result\":{}}", 0, NULL),
			 MCP_NONE);
	/* 202 and no body. */
	ck_assert_int_eq(resp_outcome(REQ1, "", 0, &f), MCP_NONE);
	ck_assert_uint_eq(f, 0);
	/* An id nested deeper is not the message's. */
	ck_assert_int_eq(resp_outcome(REQ1, "{\"result\":{\"id\":1}}", 0, NULL), MCP_NONE);
	/* A message cut short, or broken before its end, tells nothing. */
	ck_assert_int_eq(resp_outcome(REQ1, "{\"id\":1,\"result\":{}", 0, NULL), MCP_NONE);
	ck_assert_int_eq(resp_outcome(REQ1, "{\"id\":1,\"result\":{},]", 0, &f), MCP_NONE);
	ck_assert_uint_eq(f, MCP_F_MALFORMED);
	/* A batch answer: the element with our id. */
	ck_assert_int_eq(resp_outcome(REQ1,
				      "[{\"id\":2,\"error\":{}},{\"id\":1,\"result\":"
				      "{\"isError\":true}},{\"id\":1,\"result\":{}}]",
				      0, NULL),
			 MCP_TOOL_ERROR);
	/* A BOM first. */
	ck_assert_int_eq(resp_outcome(REQ1, "\xef\xbb\xbf{\"id\":1,\"result\":{}}", 0, NULL),
			 MCP_OK);
}
END_TEST

START_TEST(test_response_ids)
{
	struct mcp_scan req, resp;
	char q[512], r[512], id[200];

	/* Longer ids than are kept: told apart by length and hash. */
	memset(id, 'x', 150);
	id[150] = '\0';
	snprintf(q, sizeof(q), "{\"jsonrpc\":\"2.0\",\"id\":\"%s\",\"method\":\"tools/list\"}", id);
	req_scan(&req, q);
	ck_assert_uint_eq(strlen(mcp_scan_id(&req)), MCP_ID_MAX);
	ck_assert_int_eq(mcp_scan_is_request(&req), 1);
	snprintf(r, sizeof(r), "{\"id\":\"%s\",\"result\":{}}", id);
	ck_assert_int_eq(resp_outcome(q, r, 0, NULL), MCP_OK);
	id[149] = 'y';
	snprintf(r, sizeof(r), "{\"id\":\"%s\",\"result\":{}}", id);
	ck_assert_int_eq(resp_outcome(q, r, 0, NULL), MCP_NONE);
	id[149] = '\0';
	snprintf(r, sizeof(r), "{\"id\":\"%s\",\"result\":{}}", id);
	ck_assert_int_eq(resp_outcome(q, r, 0, NULL), MCP_NONE);

	/* The kept text is cut at a UTF-8 boundary, however the bytes came. */
	memset(id, 'x', 62);
	id[62] = '\0';
	snprintf(q, sizeof(q), "{\"id\":\"%s\xc3\xa9zz\",\"method\":\"a\"}", id);
	req_scan(&req, q);
	ck_assert_uint_eq(strlen(mcp_scan_id(&req)), 63);
	ck_assert_int_eq(strncmp(mcp_scan_id(&req), "\"xxxxxxxx", 9), 0);
	snprintf(r, sizeof(r), "{\"id\":\"%s\\u00e9zz\",\"result\":{}}", id);
	ck_assert_int_eq(resp_outcome(q, r, 0, NULL), MCP_OK);

	/* A long number. */
	snprintf(q, sizeof(q), "{\"id\":%s%s,\"method\":\"a\"}", "1234567890123456789012345678901",
		 "2345678901234567890123456789012345678901234567890e-5");
	snprintf(r, sizeof(r), "{\"id\":%s%s,\"result\":{}}", "1234567890123456789012345678901",
		 "2345678901234567890123456789012345678901234567890e-5");
	ck_assert_int_eq(resp_outcome(q, r, 0, NULL), MCP_OK);

	/* The response scan reports the id it expects. */
	req_scan(&req, REQ_S);
	mcp_scan_init(&resp, 1, 0);
	mcp_scan_expect(&resp, &req);
	ck_assert_str_eq(mcp_scan_id(&resp), "\"1\"");
	ck_assert_str_eq(mcp_scan_method(&resp), "");
	/* Once known, the outcome stays. */
	mcp_scan_feed(&resp, "{\"id\":\"1\",\"result\":{}}", 22);
	ck_assert_int_eq(mcp_scan_outcome(&resp), MCP_OK);
	mcp_scan_feed(&resp, "xx{\"id\":\"1\",\"error\":{}}", 23);
	ck_assert_int_eq(mcp_scan_outcome(&resp), MCP_OK);
	ck_assert_uint_eq(mcp_scan_flags(&resp), 0);

	ck_assert_str_eq(mcp_outcome_name(MCP_NONE), "none");
	ck_assert_str_eq(mcp_outcome_name(MCP_OK), "ok");
	ck_assert_str_eq(mcp_outcome_name(MCP_ERROR), "error");
	ck_assert_str_eq(mcp_outcome_name(MCP_TOOL_ERROR), "tool_error");
}
END_TEST

START_TEST(test_sse)
{
	unsigned int f;

	/* A server notification and a server request (same id: its own) first. */
	ck_assert_int_eq(
	    resp_outcome(REQ1,
			 "event: message\n"
			 "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\","
			 "\"params\":{\"progress\":1}}\n"
			 "\n"
			 "id: 7\n"
			 "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
			 "\"sampling/createMessage\",\"params\":{}}\n"
			 "\n"
			 ": keep-alive\n"
			 "\n"
			 "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":[],"
			 "\"isError\":true}}\n"
			 "\n",
			 1, &f),
	    MCP_TOOL_ERROR);
	ck_assert_uint_eq(f, 0);
	/* The first matching event counts. */
	ck_assert_int_eq(resp_outcome(REQ1,
				      "data: {\"id\":1,\"error\":{}}\n\n"
				      "data: {\"id\":1,\"result\":{}}\n\n",
				      1, NULL),
			 MCP_ERROR);
	/* Multi-line data, joined with LF, inside a value too. */
	ck_assert_int_eq(resp_outcome(REQ1,
				      "data: {\"jsonrpc\":\"2.0\",\n"
				      "data:\"id\":\n"
				      "data\n"
				      "data:  1,\"result\":{\"isError\":\n"
				      "data: false}}\n"
				      "\n",
				      1, NULL),
			 MCP_OK);
	/* A LF inside a string: not JSON, the event does not count. */
	ck_assert_int_eq(resp_outcome(REQ1,
				      "data: {\"id\":1,\"result\":{\"a\":\"x\n"
				      "data: y\"}}\n\n",
				      1, &f),
			 MCP_NONE);
	ck_assert_uint_eq(f, MCP_F_MALFORMED);
	/* CRLF, CR, and a mix; a BOM first. */
	ck_assert_int_eq(resp_outcome(REQ1,
				      "\xef\xbb\xbf"
				      "data: {\"id\":2,\"result\":{}}\r\n\r\n"
				      "retry: 100\r\n"
				      "data: {\"id\":1,\r\n"
				      "data: \"result\":{}}\r\n\r\n",
				      1, NULL),
			 MCP_OK);
	ck_assert_int_eq(resp_outcome(REQ1,
				      "data: {\"id\":2,\"result\":{}}\r\r"
				      "data: {\"id\":1,\"error\":\r"
				      "data: {}}\r\r",
				      1, NULL),
			 MCP_ERROR);
	ck_assert_int_eq(resp_outcome(REQ1,
				      "data: {\"id\":2,\"result\":{}}\r\n\r"
				      "data: {\"id\":1,\"result\":{}}\n\r\n",
				      1, NULL),
			 MCP_OK);
	/* No blank line yet: the event is not dispatched. */
	ck_assert_int_eq(resp_outcome(REQ1, "data: {\"id\":1,\"result\":{}}\n", 1, NULL), MCP_NONE);
	/* Something after the message in the same event: not one JSON value. */
	ck_assert_int_eq(resp_outcome(REQ1, "data: {\"id\":1,\"result\":{}}\ndata: {}\n\n", 1, &f),
			 MCP_NONE);
	ck_assert_uint_eq(f, MCP_F_MALFORMED);
	/* A bad event, then a good one. */
	ck_assert_int_eq(resp_outcome(REQ1,
				      "data: {\"id\":1,\"result\":{]}\n\n"
				      "data: {\"id\":1,\"result\":{}}\n\n",
				      1, &f),
			 MCP_OK);
	ck_assert_uint_eq(f, MCP_F_MALFORMED);
	/* Fields that only look like data; a comment with data in it. */
	ck_assert_int_eq(resp_outcome(REQ1,
				      ":data: {\"id\":1,\"error\":{}}\n"
				      "Data: {\"id\":1,\"error\":{}}\n"
				      "datax: {\"id\":1,\"error\":{}}\n"
				      " data: {\"id\":1,\"error\":{}}\n"
				      "dat: {\"id\":1,\"error\":{}}\n"
				      "event: data\n"
				      "\n"
				      "data:{\"id\":1,\"result\":{}}\n\n",
				      1, &f),
			 MCP_OK);
	ck_assert_uint_eq(f, 0);
	/* Events without data, or only empty data. */
	ck_assert_int_eq(resp_outcome(REQ1, "\n\n\r\nevent: x\n\ndata\n\ndata:\n\n", 1, &f),
			 MCP_NONE);
	ck_assert_uint_eq(f, 0);
	/* Id mismatch by type. */
	ck_assert_int_eq(resp_outcome(REQ_S, "data: {\"id\":1,\"result\":{}}\n\n", 1, NULL),
			 MCP_NONE);
	/* A batch in one event. */
	ck_assert_int_eq(resp_outcome(REQ1, "data: [{\"id\":1,\"error\":{}}]\n\n", 1, NULL),
			 MCP_ERROR);
	/* Not SSE after all: nothing. */
	ck_assert_int_eq(resp_outcome(REQ1, "{\"id\":1,\"result\":{}}", 1, NULL), MCP_NONE);
	/* Half a BOM: the first field's name is not "data". */
	ck_assert_int_eq(resp_outcome(REQ1,
				      "\xef\xbb"
				      "data: {\"id\":1,\"result\":{}}\n\n",
				      1, NULL),
			 MCP_NONE);
}
END_TEST

/* Requests ignore the sse argument. */
START_TEST(test_request_not_sse)
{
	struct mcp_scan m;

	scan_all(&m, 0, 1, NULL, REQ1, strlen(REQ1));
	ck_assert_str_eq(mcp_scan_tool(&m), "t");
}
END_TEST

static Suite *mcp_suite(void)
{
	Suite *s = suite_create("mcp");
	TCase *tc = tcase_create("request");

	tcase_add_test(tc, test_initialize);
	tcase_add_test(tc, test_tools_list);
	tcase_add_test(tc, test_tools_call);
	tcase_add_test(tc, test_notification);
	tcase_add_test(tc, test_batch);
	tcase_add_test(tc, test_escapes);
	tcase_add_test(tc, test_surrogates);
	tcase_add_test(tc, test_decoys);
	tcase_add_test(tc, test_deep);
	tcase_add_test(tc, test_long_names);
	tcase_add_test(tc, test_request_not_sse);
	suite_add_tcase(s, tc);

	tc = tcase_create("bad input");
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_garbage);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	tc = tcase_create("response");
	tcase_add_test(tc, test_response_json);
	tcase_add_test(tc, test_response_ids);
	tcase_add_test(tc, test_sse);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mcp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
