/* SPDX-License-Identifier: MIT */
/* Moving bytes between the two halves of a session. */
#ifndef ZS_RELAY_H
#define ZS_RELAY_H

struct bufferevent;
struct evbuffer;

/* Per-direction bound on queued bytes: reading from the source stops above it. */
#define RELAY_HIGH_WATER (256 * 1024)

/*
 * Move src's bytes to bev. When nothing is queued on bev they are written to
 * the socket at once, which spares a loop turn and two epoll_ctl calls per
 * message; what the socket does not take is queued on the bufferevent.
 */
void relay_send(struct bufferevent *bev, int connected, struct evbuffer *src);
/* Is bev's output over the high-water mark (stop reading the other side)? */
int relay_full(struct bufferevent *bev);

#endif
