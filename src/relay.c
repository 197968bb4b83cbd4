/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "relay.h"

void relay_send(struct bufferevent *bev, int connected, struct evbuffer *src)
{
	struct evbuffer *out = bufferevent_get_output(bev);

	if (connected && evbuffer_get_length(out) == 0 && evbuffer_get_length(src) > 0)
		/* Errors surface through the bufferevent when it writes the rest. */
		(void)evbuffer_write(src, bufferevent_getfd(bev));
	if (evbuffer_get_length(src) > 0)
		evbuffer_add_buffer(out, src);
}

int relay_full(struct bufferevent *bev)
{
	return evbuffer_get_length(bufferevent_get_output(bev)) >= RELAY_HIGH_WATER;
}
