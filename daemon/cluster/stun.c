// SPDX-License-Identifier: GPL-2.0
/* The endpoint-discovery server (stun.h). */
#include "stun.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sn_bucket.h"
#include "sn_log.h"
#include "sn_stun.h"

struct sn_stun_socket {
	uv_udp_t udp;
	struct sn_stun *owner;
	int port;
};

struct sn_stun {
	uv_loop_t *loop;
	struct sn_stun_socket sock[2];
	int nsock;		/* initialised (to close) */
	int closing;		/* close callbacks still to come */
	bool freed;
	struct sn_bucket bucket;	/* bounds the answers */
	struct sn_stun_stats stats;
	char rx[SN_STUN_MSG_MAX + 1];
};

struct sn_stun *sn_stun_new(uv_loop_t *loop)
{
	struct sn_stun *s = calloc(1, sizeof(*s));

	if (s) {
		s->loop = loop;
		sn_bucket_init(&s->bucket, SN_STUN_RATE, SN_STUN_BURST, uv_now(loop));
	}
	return s;
}

/* One receive buffer: a datagram is handled before the next is read. */
static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct sn_stun *s = ((struct sn_stun_socket *)h->data)->owner;

	(void)suggested;
	*buf = uv_buf_init(s->rx, sizeof(s->rx));
}

static void on_recv(uv_udp_t *udp, ssize_t nread, const uv_buf_t *buf,
		    const struct sockaddr *from, unsigned int flags)
{
	struct sn_stun_socket *sock = udp->data;
	struct sn_stun *s = sock->owner;
	char nonce[SN_STUN_NONCE_HEX], answer[SN_STUN_MSG_MAX];
	struct sn_err err;
	uv_buf_t out;
	int len;

	if (nread <= 0 || !from)
		return;		/* nothing more, or a read error: UDP goes on */
	if ((flags & UV_UDP_PARTIAL) ||
	    sn_stun_request_read(buf->base, (size_t)nread, nonce, &err) < 0) {
		s->stats.malformed++;
		return;
	}
	len = sn_stun_answer(nonce, from, sock->port, answer, sizeof(answer));
	if (len < 0) {
		s->stats.malformed++;
		return;
	}
	if (len > nread) {	/* never more bytes out than in */
		s->stats.short_requests++;
		return;
	}
	if (!sn_bucket_take(&s->bucket, uv_now(s->loop))) {
		s->stats.limited++;
		return;
	}
	out = uv_buf_init(answer, (unsigned int)len);
	/* try_send: a full socket buffer drops the answer; the node asks again. */
	if (uv_udp_try_send(udp, &out, 1, from) == len)
		s->stats.answered++;
	else
		s->stats.send_failed++;
}

/* A UDP socket bound to @port of @sa (its port field set here): the fd,
 * its port in *@bound; or -errno. */
static int open_fd(struct sockaddr_storage *sa, int port, int *bound)
{
	struct sockaddr_storage got;
	socklen_t len = sizeof(got);
	int fd, rc;

	if (sa->ss_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)sa)->sin6_port = htons((uint16_t)port);
	fd = socket(sa->ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)sa, sa->ss_family == AF_INET ?
		 sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&got, &len) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	*bound = ntohs(got.ss_family == AF_INET ? ((struct sockaddr_in *)&got)->sin_port :
		       ((struct sockaddr_in6 *)&got)->sin6_port);
	return fd;
}

/* Socket @i of @s reading @fd (which it owns from here on). */
static int start_one(struct sn_stun *s, int i, int fd, int port)
{
	struct sn_stun_socket *sock = &s->sock[i];
	int rc = uv_udp_init(s->loop, &sock->udp);

	if (rc < 0) {
		close(fd);
		return rc;
	}
	s->nsock++;
	sock->owner = s;
	sock->port = port;
	sock->udp.data = sock;
	if ((rc = uv_udp_open(&sock->udp, fd)) < 0) {
		close(fd);
		return rc;
	}
	return uv_udp_recv_start(&sock->udp, on_alloc, on_recv);
}

static void on_closed(uv_handle_t *h)
{
	struct sn_stun *s = ((struct sn_stun_socket *)h->data)->owner;

	if (--s->closing == 0 && s->freed)
		free(s);
}

static void close_sockets(struct sn_stun *s)
{
	for (int i = 0; i < s->nsock; i++) {
		s->closing++;
		uv_close((uv_handle_t *)&s->sock[i].udp, on_closed);
	}
	s->nsock = 0;
}

int sn_stun_listen(struct sn_stun *s, const char *addr, int port, struct sn_err *err)
{
	struct sockaddr_storage sa = { 0 };
	int fd[2] = { -1, -1 }, bound[2] = { 0, 0 }, rc = 0;

	if (port < 0 || port > 65534) {
		sn_err_set(err, "discovery port %d: 1 to 65534 (it and the next)", port);
		return -1;
	}
	if (s->nsock) {
		sn_err_set(err, "discovery already listening on port %d", sn_stun_port(s));
		return -1;
	}
	if (uv_ip4_addr(addr, 0, (struct sockaddr_in *)&sa) &&
	    uv_ip6_addr(addr, 0, (struct sockaddr_in6 *)&sa)) {
		sn_err_set(err, "discovery address '%s' is not an IP address", addr);
		return -1;
	}
	/* Port 0: the kernel's pick and the one after it, a few tries when
	 * that one is taken. */
	for (int tries = 0; tries < (port ? 1 : 20); tries++) {
		if ((fd[0] = open_fd(&sa, port, &bound[0])) < 0) {
			rc = fd[0];
			break;
		}
		if (bound[0] < 65535 && (fd[1] = open_fd(&sa, bound[0] + 1, &bound[1])) >= 0)
			break;
		rc = bound[0] < 65535 ? fd[1] : -EADDRINUSE;
		close(fd[0]);
		fd[0] = -1;
	}
	if (fd[0] < 0 || fd[1] < 0) {
		sn_err_set(err, "cannot listen on %s UDP ports %d and %d: %s", addr, port, port + 1,
			   strerror(-rc));
		return -1;
	}
	rc = start_one(s, 0, fd[0], bound[0]);
	if (rc < 0)
		close(fd[1]);
	else
		rc = start_one(s, 1, fd[1], bound[1]);
	if (rc < 0) {
		close_sockets(s);
		sn_err_set(err, "cannot listen on %s UDP ports %d and %d: %s", addr, bound[0],
			   bound[1], uv_strerror(rc));
		return -1;
	}
	return 0;
}

int sn_stun_port(const struct sn_stun *s)
{
	return s->nsock ? s->sock[0].port : 0;
}

const struct sn_stun_stats *sn_stun_stats(const struct sn_stun *s)
{
	return &s->stats;
}

json_t *sn_stun_json(const struct sn_stun *s)
{
	return json_pack("{s:i, s:I, s:I, s:I, s:I, s:I}", "port", sn_stun_port(s),
			 "answered", (json_int_t)s->stats.answered,
			 "malformed", (json_int_t)s->stats.malformed,
			 "short", (json_int_t)s->stats.short_requests,
			 "limited", (json_int_t)s->stats.limited,
			 "send_failed", (json_int_t)s->stats.send_failed);
}

void sn_stun_free(struct sn_stun *s)
{
	if (!s)
		return;
	close_sockets(s);
	s->freed = true;
	if (!s->closing)
		free(s);
}
