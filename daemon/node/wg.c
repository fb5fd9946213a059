// SPDX-License-Identifier: GPL-2.0
#include "wg.h"
#include "genl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/route/link.h>

/* A request's size unless the caller says otherwise (wireguard-tools
 * sends page-sized ones too). */
#define WG_MSG_SIZE 8192

/* --- Keys ---------------------------------------------------------------- */

static int key_read(int fd, const char *path, uint8_t key[WG_KEY_LEN], struct sn_err *err)
{
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) < 0) {
		sn_err_set(err, "cannot stat WireGuard key %s: %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode)) {
		sn_err_set(err, "WireGuard key %s is not a regular file", path);
		return -EINVAL;
	}
	if (st.st_uid != geteuid()) {
		sn_err_set(err, "WireGuard key %s is owned by uid %u, not by us (uid %u)", path,
			   (unsigned int)st.st_uid, (unsigned int)geteuid());
		return -EPERM;
	}
	if (st.st_mode & 077) {
		sn_err_set(err, "WireGuard key %s has mode %04o, readable by others: refused "
			   "(chmod 600, or remove it for a new key)", path,
			   (unsigned int)(st.st_mode & 07777));
		return -EPERM;
	}
	if (st.st_size != WG_KEY_LEN) {
		sn_err_set(err, "WireGuard key %s has %lld bytes, not %d: refused", path,
			   (long long)st.st_size, WG_KEY_LEN);
		return -EINVAL;
	}
	n = read(fd, key, WG_KEY_LEN);
	if (n != WG_KEY_LEN) {
		explicit_bzero(key, WG_KEY_LEN);
		sn_err_set(err, "cannot read WireGuard key %s: %s", path,
			   n < 0 ? strerror(errno) : "short read");
		return n < 0 ? -errno : -EIO;
	}
	return 0;
}

/* Writes all @len bytes of @buf; -errno, or -EIO when write() makes no
 * progress without saying why. */
static int write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsync()s the directory @path is in, so that its new name survives a
 * power loss. */
static int sync_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, rc = 0;

	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return -ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/*
 * A new key at @path. It is written to a temporary file next to @path and
 * synced, then linked into place, so @path never names an incomplete key
 * (a crash leaves at most a stray temporary file), and a loader that loses
 * the race to another gets -EEXIST and reads theirs.
 */
static int key_create(const char *path, uint8_t key[WG_KEY_LEN], struct sn_err *err)
{
	size_t got = 0, len = strlen(path) + sizeof(".XXXXXX");
	char *tmp;
	ssize_t n;
	int fd, rc;

	while (got < WG_KEY_LEN) {
		n = getrandom(key + got, WG_KEY_LEN - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			sn_err_set(err, "cannot make a WireGuard key: getrandom: %s", strerror(errno));
			explicit_bzero(key, WG_KEY_LEN);
			return rc;
		}
		got += (size_t)n;
	}
	if (!(tmp = malloc(len))) {
		sn_err_set(err, "cannot create WireGuard key %s: out of memory", path);
		explicit_bzero(key, WG_KEY_LEN);
		return -ENOMEM;
	}
	snprintf(tmp, len, "%s.XXXXXX", path);
	/* O_CREAT | O_EXCL, mode 0600 */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		sn_err_set(err, "cannot create WireGuard key %s: %s", path, strerror(-rc));
		goto fail;
	}
	/* The umask may not narrow 0600 further, but fchmod makes sure. */
	rc = fchmod(fd, 0600) < 0 ? -errno : write_all(fd, key, WG_KEY_LEN);
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (rc) {
		sn_err_set(err, "cannot write WireGuard key %s: %s", path, strerror(-rc));
		goto fail_unlink;
	}
	if (link(tmp, path) < 0) {
		rc = -errno;
		if (rc != -EEXIST)
			sn_err_set(err, "cannot create WireGuard key %s: %s", path, strerror(-rc));
		goto fail_unlink;
	}
	unlink(tmp);
	free(tmp);
	rc = sync_dir_of(path);
	if (rc) {
		/* In place and complete: the next load reads it. */
		sn_err_set(err, "cannot sync the directory of WireGuard key %s: %s", path,
			   strerror(-rc));
		explicit_bzero(key, WG_KEY_LEN);
	}
	return rc;
fail_unlink:
	unlink(tmp);
fail:
	free(tmp);
	explicit_bzero(key, WG_KEY_LEN);
	return rc;
}

int semnetd_wg_key_replace(const char *from, const char *path, struct sn_err *err)
{
	int rc;

	if (rename(from, path) < 0) {
		rc = -errno;
		sn_err_set(err, "cannot move WireGuard key %s to %s: %s", from, path,
			   strerror(errno));
		return rc;
	}
	rc = sync_dir_of(path);
	if (rc)
		sn_err_set(err, "cannot sync the directory of WireGuard key %s: %s", path,
			   strerror(-rc));
	return rc;
}

int semnetd_wg_key_load(const char *path, uint8_t key[WG_KEY_LEN], bool *created,
			struct sn_err *err)
{
	int fd, rc;

	*created = false;
	for (int tries = 0; tries < 2; tries++) {
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			rc = key_read(fd, path, key, err);
			close(fd);
			return rc;
		}
		if (errno != ENOENT) {
			rc = -errno;
			sn_err_set(err, "cannot open WireGuard key %s: %s", path, strerror(errno));
			return rc;
		}
		rc = key_create(path, key, err);
		if (rc != -EEXIST) {
			*created = rc == 0;
			return rc;
		}
		/* Made by someone else meanwhile: read theirs. */
	}
	sn_err_set(err, "cannot open WireGuard key %s: it keeps appearing and vanishing", path);
	return -EAGAIN;
}

/* --- The device ------------------------------------------------------- */

int semnetd_wg_link_add(const char *ifname, int *ifindex, struct sn_err *err)
{
	struct nl_sock *sk;
	struct rtnl_link *link = NULL;
	int rc;

	*ifindex = 0;
	if (!ifname || !ifname[0] || strlen(ifname) >= IF_NAMESIZE) {
		sn_err_set(err, "WireGuard device name '%s': 1 to %d characters", ifname ? ifname : "",
			   IF_NAMESIZE - 1);
		return -EINVAL;
	}
	if (!(sk = nl_socket_alloc())) {
		sn_err_set(err, "cannot create WireGuard device %s: out of memory", ifname);
		return -ENOMEM;
	}
	if ((rc = nl_connect(sk, NETLINK_ROUTE)) < 0) {
		sn_err_set(err, "cannot create WireGuard device %s: rtnetlink: %s", ifname,
			   nl_geterror(rc));
		nl_socket_free(sk);
		return -EIO;
	}
	if (rtnl_link_get_kernel(sk, 0, ifname, &link) >= 0) {
		const char *kind = rtnl_link_get_type(link);

		if (!kind || strcmp(kind, "wireguard")) {
			sn_err_set(err, "device %s exists and is not a WireGuard device (%s)", ifname,
				   kind ? kind : "no kind");
			rc = -EEXIST;
		} else {
			*ifindex = rtnl_link_get_ifindex(link);
			rc = 0;
		}
		goto out;
	}
	if (!(link = rtnl_link_alloc())) {
		sn_err_set(err, "cannot create WireGuard device %s: out of memory", ifname);
		rc = -ENOMEM;
		goto out;
	}
	rtnl_link_set_name(link, ifname);
	rc = rtnl_link_set_type(link, "wireguard");
	if (rc >= 0)
		rc = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	if (rc < 0) {
		/* No rtnl kind "wireguard": the kernel has no WireGuard. */
		sn_err_set(err, "cannot create WireGuard device %s: %s%s", ifname, nl_geterror(rc),
			   rc == -NLE_OPNOTSUPP || rc == -NLE_NOATTR || rc == -NLE_INVAL ?
			   " (is the wireguard module available?)" : "");
		rc = rc == -NLE_PERM ? -EPERM : rc == -NLE_EXIST ? -EEXIST : -EIO;
		goto out;
	}
	rtnl_link_put(link);
	link = NULL;
	if (rtnl_link_get_kernel(sk, 0, ifname, &link) < 0) {
		sn_err_set(err, "WireGuard device %s vanished after it was created", ifname);
		rc = -ENODEV;
		goto out;
	}
	*ifindex = rtnl_link_get_ifindex(link);
	rc = 0;
out:
	if (link)
		rtnl_link_put(link);
	nl_socket_free(sk);
	return rc;
}

/* --- Generic netlink ---------------------------------------------------- */

int semnetd_wg_open(struct semnetd_wg *wg, struct sn_err *err)
{
	int rc;

	memset(wg, 0, sizeof(*wg));
	wg->msg_size = WG_MSG_SIZE;
	rc = sn_genl_connect(WG_GENL_NAME, &wg->sock, &wg->family);
	if (rc == -ENOMEM)
		sn_err_set(err, "WireGuard: out of memory");
	else if (rc == -ENOENT)
		sn_err_set(err, "the kernel has no WireGuard (generic netlink family \"%s\" is "
			   "missing: is the wireguard module loaded?)", WG_GENL_NAME);
	else if (rc < 0)
		sn_err_set(err, "WireGuard: cannot open a generic netlink socket");
	return rc;
}

void semnetd_wg_close(struct semnetd_wg *wg)
{
	if (wg->sock)
		nl_socket_free(wg->sock);
	wg->sock = NULL;
}

/* Frees a request, which may hold the private key: wiped first, all of
 * its buffer (the kernel wipes its copy, netlink.c:wg_set_device). */
static void request_free(struct nl_msg *msg)
{
	explicit_bzero(nlmsg_hdr(msg), nlmsg_get_max_size(msg));
	nlmsg_free(msg);
}

/*
 * After a request that failed, the socket may still hold the rest of its
 * replies (a dump stopped at a message we refused, or a libnl error): the
 * next request would read them as its own, and the kernel refuses a new
 * dump while the old one runs (-EBUSY). A new socket leaves them behind;
 * the family's id stays. Without one, the next request says so
 * (-ENOTCONN).
 */
static void reconnect(struct semnetd_wg *wg)
{
	semnetd_wg_close(wg);
	sn_genl_connect(NULL, &wg->sock, NULL);
}

/* Sends @msg (freed) and reads the replies up to the ACK or NLMSG_DONE. */
static int transact(struct semnetd_wg *wg, struct nl_msg *msg, struct sn_nl_transact *t)
{
	int rc = sn_nl_transact(wg->sock, msg, t);

	request_free(msg);
	if (t->send_error)	/* nothing sent, nothing to leave behind */
		return t->send_error == -NLE_MSGSIZE ? -EMSGSIZE : rc;
	if (rc < 0)
		reconnect(wg);
	return rc;
}

/* The sentence for a failed request on @ifname. */
static void wg_fail(struct sn_err *err, const char *what, const char *ifname, int rc,
		    const struct sn_nl_transact *t)
{
	const char *why;

	switch (rc) {
	case -ENODEV:
		why = "no such device";
		break;
	case -EOPNOTSUPP:
		why = "not a WireGuard device";
		break;
	case -EPERM:
		why = "operation not permitted (needs CAP_NET_ADMIN)";
		break;
	default:
		why = strerror(-rc);
	}
	if (t && t->extack[0])
		sn_err_set(err, "cannot %s WireGuard device %s: %s (%s)", what, ifname, why,
			   t->extack);
	else
		sn_err_set(err, "cannot %s WireGuard device %s: %s", what, ifname, why);
}

static struct nl_msg *request(struct semnetd_wg *wg, uint8_t cmd, int flags, const char *ifname)
{
	struct nl_msg *msg = nlmsg_alloc_size(wg->msg_size ? wg->msg_size : WG_MSG_SIZE);

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, wg->family, 0, flags | NLM_F_REQUEST,
			 cmd, WG_GENL_VERSION) ||
	    nla_put_string(msg, WGDEVICE_A_IFNAME, ifname) < 0) {
		request_free(msg);
		return NULL;
	}
	return msg;
}

/* --- Set ---------------------------------------------------------------- */

static bool key_is_zero(const uint8_t key[WG_KEY_LEN])
{
	uint8_t acc = 0;

	for (int i = 0; i < WG_KEY_LEN; i++)
		acc |= key[i];
	return !acc;
}

static bool host_bits_zero(const struct semnetd_wg_allowed *a)
{
	const uint8_t *b = a->family == AF_INET ? (const uint8_t *)&a->addr.v4 : a->addr.v6.s6_addr;
	unsigned int bytes = a->family == AF_INET ? 4 : 16;

	for (unsigned int i = 0; i < bytes; i++) {
		unsigned int first = i * 8;
		uint8_t mask = a->cidr >= first + 8 ? 0 : a->cidr <= first ? 0xff :
			       (uint8_t)(0xff >> (a->cidr - first));

		if (b[i] & mask)
			return false;
	}
	return true;
}

static int check_device(const struct semnetd_wg_device *dev, struct sn_err *err)
{
	const char *n = dev->ifname;
	char key[SN_LINK_KEY_B64_LEN + 1];

	if (!n[0] || strnlen(n, IF_NAMESIZE) >= IF_NAMESIZE) {
		sn_err_set(err, "WireGuard device name: 1 to %d characters", IF_NAMESIZE - 1);
		return -EINVAL;
	}
	if (dev->listen_port < -1 || dev->listen_port > 65535) {
		sn_err_set(err, "WireGuard device %s: listen port %d is not 0 to 65535", n,
			   dev->listen_port);
		return -EINVAL;
	}
	if (dev->flags & ~(uint32_t)WGDEVICE_F_REPLACE_PEERS) {
		sn_err_set(err, "WireGuard device %s: unknown device flags 0x%x", n, dev->flags);
		return -EINVAL;
	}
	if (dev->n_peers && !dev->peers) {
		sn_err_set(err, "WireGuard device %s: %zu peers and no list", n, dev->n_peers);
		return -EINVAL;
	}
	for (size_t i = 0; i < dev->n_peers; i++) {
		const struct semnetd_wg_peer *p = &dev->peers[i];
		int fam = p->endpoint.sa.sa_family;

		sn_link_key_to_base64(p->public_key, key);
		if (key_is_zero(p->public_key)) {
			sn_err_set(err, "WireGuard device %s: peer %zu has an all-zero public key", n,
				   i);
			return -EINVAL;
		}
		for (size_t j = 0; j < i; j++) {
			if (!memcmp(dev->peers[j].public_key, p->public_key, WG_KEY_LEN)) {
				sn_err_set(err, "WireGuard device %s: peer %s is listed twice", n, key);
				return -EINVAL;
			}
		}
		if (p->flags & ~(uint32_t)(WGPEER_F_REMOVE_ME | WGPEER_F_REPLACE_ALLOWEDIPS)) {
			sn_err_set(err, "WireGuard device %s: peer %s: unknown flags 0x%x", n, key,
				   p->flags);
			return -EINVAL;
		}
		if ((p->flags & WGPEER_F_REMOVE_ME) &&
		    (fam || p->n_allowed || p->keepalive > 0)) {
			sn_err_set(err, "WireGuard device %s: peer %s is to be removed and has "
				   "settings", n, key);
			return -EINVAL;
		}
		if (fam && fam != AF_INET && fam != AF_INET6) {
			sn_err_set(err, "WireGuard device %s: peer %s: endpoint family %d is not "
				   "IPv4 or IPv6", n, key, fam);
			return -EINVAL;
		}
		if (fam && (fam == AF_INET ? p->endpoint.in.sin_port : p->endpoint.in6.sin6_port) == 0) {
			sn_err_set(err, "WireGuard device %s: peer %s: endpoint without a port", n,
				   key);
			return -EINVAL;
		}
		if (p->keepalive < -1 || p->keepalive > 65535) {
			sn_err_set(err, "WireGuard device %s: peer %s: keepalive %d is not 0 to "
				   "65535 seconds", n, key, p->keepalive);
			return -EINVAL;
		}
		if (p->n_allowed && !p->allowed) {
			sn_err_set(err, "WireGuard device %s: peer %s: %zu allowed-ips and no list",
				   n, key, p->n_allowed);
			return -EINVAL;
		}
		for (size_t j = 0; j < p->n_allowed; j++) {
			const struct semnetd_wg_allowed *a = &p->allowed[j];

			if ((a->family != AF_INET && a->family != AF_INET6) ||
			    a->cidr > (a->family == AF_INET ? 32 : 128) || !host_bits_zero(a)) {
				sn_err_set(err, "WireGuard device %s: peer %s: allowed-ip %zu is not "
					   "a prefix (family %d, /%u, host bits zero)", n, key, j,
					   a->family, a->cidr);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* Puts peer @p's allowed-ips from *@next on; *@next is where the next
 * message goes on. Returns 1 when all fitted. */
static int put_allowed(struct nl_msg *msg, const struct semnetd_wg_peer *p, size_t *next)
{
	struct nlattr *list = nla_nest_start(msg, WGPEER_A_ALLOWEDIPS);

	if (!list)
		return 0;
	for (; *next < p->n_allowed; (*next)++) {
		const struct semnetd_wg_allowed *a = &p->allowed[*next];
		struct nlattr *one = nla_nest_start(msg, 0);

		if (!one || nla_put_u16(msg, WGALLOWEDIP_A_FAMILY, (uint16_t)a->family) < 0 ||
		    nla_put(msg, WGALLOWEDIP_A_IPADDR, a->family == AF_INET ? 4 : 16,
			    &a->addr) < 0 ||
		    nla_put_u8(msg, WGALLOWEDIP_A_CIDR_MASK, a->cidr) < 0) {
			if (one)
				nla_nest_cancel(msg, one);
			break;
		}
		nla_nest_end(msg, one);
	}
	nla_nest_end(msg, list);
	return *next == p->n_allowed;
}

/*
 * Puts as much of peer @p as fits, from its allowed-ip *@next on. Its
 * first fragment (*@started false) carries flags, endpoint and
 * keepalive; later ones only the key and more allowed-ips (uapi
 * wireguard.h). Returns 1 when the peer is complete, 0 when a part went
 * in and the message is full, -1 when nothing of it went in.
 */
static int put_peer(struct nl_msg *msg, const struct semnetd_wg_peer *p, size_t *next,
		    bool *started)
{
	struct nlattr *peer = nla_nest_start(msg, 0);
	size_t from = *next;
	int rc = 1;

	if (!peer || nla_put(msg, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, p->public_key) < 0)
		goto cancel;
	if (!*started) {
		if ((p->flags && nla_put_u32(msg, WGPEER_A_FLAGS, p->flags) < 0) ||
		    (p->endpoint.sa.sa_family &&
		     nla_put(msg, WGPEER_A_ENDPOINT,
			     p->endpoint.sa.sa_family == AF_INET ? sizeof(p->endpoint.in) :
			     sizeof(p->endpoint.in6), &p->endpoint) < 0) ||
		    (p->keepalive >= 0 &&
		     nla_put_u16(msg, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL,
				 (uint16_t)p->keepalive) < 0))
			goto cancel;
	}
	if (p->n_allowed > *next) {
		rc = put_allowed(msg, p, next);
		/* A later fragment without an allowed-ip says nothing. */
		if (!rc && *next == from && *started)
			goto cancel;
	}
	nla_nest_end(msg, peer);
	*started = true;
	return rc;
cancel:
	if (peer)
		nla_nest_cancel(msg, peer);
	*next = from;
	return -1;
}

int semnetd_wg_set(struct semnetd_wg *wg, const struct semnetd_wg_device *dev,
		   struct sn_err *err)
{
	size_t peer = 0, next = 0;
	bool first = true, started = false;
	int rc;

	wg->last_set_msgs = 0;
	if ((rc = check_device(dev, err)) < 0)
		return rc;
	if (!wg->sock) {
		sn_err_set(err, "WireGuard device %s: no netlink socket", dev->ifname);
		return -ENOTCONN;
	}
	do {
		struct sn_nl_transact t = { 0 };
		struct nl_msg *msg = request(wg, WG_CMD_SET_DEVICE, 0, dev->ifname);
		struct nlattr *peers = NULL;
		bool progress = false;

		if (!msg)
			goto nomem;
		if (first) {
			if ((dev->flags && nla_put_u32(msg, WGDEVICE_A_FLAGS, dev->flags) < 0) ||
			    (dev->has_private_key &&
			     nla_put(msg, WGDEVICE_A_PRIVATE_KEY, WG_KEY_LEN, dev->private_key) < 0) ||
			    (dev->listen_port >= 0 &&
			     nla_put_u16(msg, WGDEVICE_A_LISTEN_PORT, (uint16_t)dev->listen_port) < 0)) {
				request_free(msg);
				goto nomem;
			}
		}
		if (peer < dev->n_peers && (peers = nla_nest_start(msg, WGDEVICE_A_PEERS))) {
			while (peer < dev->n_peers) {
				int put = put_peer(msg, &dev->peers[peer], &next, &started);

				if (put < 0)
					break;
				progress = true;
				if (put == 0)
					break;
				peer++;
				next = 0;
				started = false;
			}
			nla_nest_end(msg, peers);
		}
		if (!first && !progress) {
			/* Not even a part of one peer fits an empty message. */
			request_free(msg);
			sn_err_set(err, "cannot set WireGuard device %s: peer %zu does not fit a "
				   "%zu-byte message", dev->ifname, peer, wg->msg_size);
			return -EMSGSIZE;
		}
		rc = transact(wg, msg, &t);
		wg->last_set_msgs++;
		if (rc < 0) {
			wg_fail(err, "set", dev->ifname, rc, &t);
			return rc;
		}
		first = false;
	} while (peer < dev->n_peers);
	return 0;
nomem:
	sn_err_set(err, "cannot set WireGuard device %s: out of memory", dev->ifname);
	return -ENOMEM;
}

/* --- Get ---------------------------------------------------------------- */

struct get_ctx {
	struct semnetd_wg *wg;
	struct semnetd_wg_device *dev;
	const char *why;		/* what was malformed */
	bool mid_dump_done;
};

static int add_allowed(struct semnetd_wg_peer *p, struct nlattr *list, struct get_ctx *g)
{
	struct nlattr *a;
	int rem;

	nla_for_each_nested(a, list, rem) {
		struct nlattr *tb[WGALLOWEDIP_A_MAX + 1];
		struct semnetd_wg_allowed *grown, *one;
		int fam;

		if (nla_parse_nested(tb, WGALLOWEDIP_A_MAX, a, NULL) < 0 ||
		    !tb[WGALLOWEDIP_A_FAMILY] || !tb[WGALLOWEDIP_A_IPADDR] ||
		    !tb[WGALLOWEDIP_A_CIDR_MASK]) {
			g->why = "an allowed-ip without family, address or mask";
			return -EBADMSG;
		}
		fam = nla_get_u16(tb[WGALLOWEDIP_A_FAMILY]);
		if ((fam != AF_INET && fam != AF_INET6) ||
		    nla_len(tb[WGALLOWEDIP_A_IPADDR]) != (fam == AF_INET ? 4 : 16)) {
			g->why = "an allowed-ip of an unknown family or address length";
			return -EBADMSG;
		}
		grown = realloc(p->allowed, (p->n_allowed + 1) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		p->allowed = grown;
		one = &grown[p->n_allowed++];
		memset(one, 0, sizeof(*one));
		one->family = fam;
		memcpy(&one->addr, nla_data(tb[WGALLOWEDIP_A_IPADDR]), fam == AF_INET ? 4 : 16);
		one->cidr = nla_get_u8(tb[WGALLOWEDIP_A_CIDR_MASK]);
	}
	return 0;
}

static int add_peer(struct nlattr *attr, struct get_ctx *g)
{
	struct semnetd_wg_device *dev = g->dev;
	struct nlattr *tb[WGPEER_A_MAX + 1];
	struct semnetd_wg_peer *p;

	if (nla_parse_nested(tb, WGPEER_A_MAX, attr, NULL) < 0 || !tb[WGPEER_A_PUBLIC_KEY] ||
	    nla_len(tb[WGPEER_A_PUBLIC_KEY]) != WG_KEY_LEN) {
		g->why = "a peer without a public key";
		return -EBADMSG;
	}
	/* The same peer as the last one: the rest of its allowed-ips. */
	p = dev->n_peers ? &dev->peers[dev->n_peers - 1] : NULL;
	if (!p || memcmp(p->public_key, nla_data(tb[WGPEER_A_PUBLIC_KEY]), WG_KEY_LEN)) {
		struct semnetd_wg_peer *grown = realloc(dev->peers,
							(dev->n_peers + 1) * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		dev->peers = grown;
		p = &grown[dev->n_peers++];
		memset(p, 0, sizeof(*p));
		memcpy(p->public_key, nla_data(tb[WGPEER_A_PUBLIC_KEY]), WG_KEY_LEN);
	}
	if (tb[WGPEER_A_ENDPOINT]) {
		int len = nla_len(tb[WGPEER_A_ENDPOINT]);
		const struct sockaddr *sa = nla_data(tb[WGPEER_A_ENDPOINT]);

		if (len >= (int)sizeof(struct sockaddr_in) && sa->sa_family == AF_INET)
			memcpy(&p->endpoint.in, sa, sizeof(p->endpoint.in));
		else if (len >= (int)sizeof(struct sockaddr_in6) && sa->sa_family == AF_INET6)
			memcpy(&p->endpoint.in6, sa, sizeof(p->endpoint.in6));
	}
	if (tb[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL])
		p->keepalive = nla_get_u16(tb[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL]);
	if (tb[WGPEER_A_LAST_HANDSHAKE_TIME] &&
	    nla_len(tb[WGPEER_A_LAST_HANDSHAKE_TIME]) == 2 * (int)sizeof(int64_t)) {
		int64_t ts[2];

		memcpy(ts, nla_data(tb[WGPEER_A_LAST_HANDSHAKE_TIME]), sizeof(ts));
		p->handshake_sec = ts[0];
		p->handshake_nsec = ts[1];
	}
	if (tb[WGPEER_A_RX_BYTES])
		p->rx_bytes = nla_get_u64(tb[WGPEER_A_RX_BYTES]);
	if (tb[WGPEER_A_TX_BYTES])
		p->tx_bytes = nla_get_u64(tb[WGPEER_A_TX_BYTES]);
	if (tb[WGPEER_A_ALLOWEDIPS])
		return add_allowed(p, tb[WGPEER_A_ALLOWEDIPS], g);
	return 0;
}

static int on_get(struct nl_msg *msg, void *arg)
{
	struct get_ctx *g = arg;
	struct semnetd_wg_device *dev = g->dev;
	struct nlattr *tb[WGDEVICE_A_MAX + 1];
	struct nlattr *p;
	int rem, rc;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, WGDEVICE_A_MAX, NULL) < 0) {
		g->why = "a message that does not parse";
		return -EBADMSG;
	}
	/* Not kept, and wiped from this copy of the message. */
	if (tb[WGDEVICE_A_PRIVATE_KEY])
		explicit_bzero(nla_data(tb[WGDEVICE_A_PRIVATE_KEY]),
			       (size_t)nla_len(tb[WGDEVICE_A_PRIVATE_KEY]));
	if (tb[WGDEVICE_A_IFINDEX])
		dev->ifindex = (int)nla_get_u32(tb[WGDEVICE_A_IFINDEX]);
	if (tb[WGDEVICE_A_PUBLIC_KEY]) {
		if (nla_len(tb[WGDEVICE_A_PUBLIC_KEY]) != WG_KEY_LEN) {
			g->why = "a public key of another length";
			return -EBADMSG;
		}
		memcpy(dev->public_key, nla_data(tb[WGDEVICE_A_PUBLIC_KEY]), WG_KEY_LEN);
		dev->has_public_key = true;
	}
	if (tb[WGDEVICE_A_LISTEN_PORT])
		dev->listen_port = nla_get_u16(tb[WGDEVICE_A_LISTEN_PORT]);
	if (tb[WGDEVICE_A_PEERS]) {
		nla_for_each_nested(p, tb[WGDEVICE_A_PEERS], rem) {
			if ((rc = add_peer(p, g)) < 0)
				return rc;
		}
	}
	if (g->wg->mid_dump && !g->mid_dump_done) {
		g->mid_dump_done = true;
		g->wg->mid_dump(g->wg->mid_dump_arg);
	}
	return 0;
}

void semnetd_wg_device_free(struct semnetd_wg_device *dev)
{
	for (size_t i = 0; i < dev->n_peers; i++)
		free(dev->peers[i].allowed);
	free(dev->peers);
	dev->peers = NULL;
	dev->n_peers = 0;
}

int semnetd_wg_get(struct semnetd_wg *wg, const char *ifname, struct semnetd_wg_device *out,
		   struct sn_err *err)
{
	struct get_ctx g = { .wg = wg, .dev = out };
	struct sn_nl_transact t = { .fn = on_get, .arg = &g };
	struct nl_msg *msg;
	int rc;

	wg->last_get_tries = 0;
	memset(out, 0, sizeof(*out));
	if (!ifname || !ifname[0] || strlen(ifname) >= IF_NAMESIZE) {
		sn_err_set(err, "WireGuard device name '%s': 1 to %d characters", ifname ? ifname : "",
			   IF_NAMESIZE - 1);
		return -EINVAL;
	}
	snprintf(out->ifname, sizeof(out->ifname), "%s", ifname);
	if (!wg->sock) {
		sn_err_set(err, "WireGuard device %s: no netlink socket", ifname);
		return -ENOTCONN;
	}
	do {
		if (wg->last_get_tries++) {	/* interrupted: from the start */
			semnetd_wg_device_free(out);
			memset(out, 0, sizeof(*out));
			snprintf(out->ifname, sizeof(out->ifname), "%s", ifname);
			g.why = NULL;
		}
		if (!(msg = request(wg, WG_CMD_GET_DEVICE, NLM_F_DUMP, ifname))) {
			sn_err_set(err, "cannot read WireGuard device %s: out of memory", ifname);
			return -ENOMEM;
		}
		rc = transact(wg, msg, &t);
	} while (rc < 0 && t.dump_interrupted && wg->sock &&
		 wg->last_get_tries < SEMNETD_WG_GET_TRIES);
	if (rc < 0) {
		if (rc == -EBADMSG && g.why)
			sn_err_set(err, "cannot read WireGuard device %s: the kernel sent %s", ifname,
				   g.why);
		else if (rc == -ENOMEM)
			sn_err_set(err, "cannot read WireGuard device %s: out of memory", ifname);
		else if (t.dump_interrupted)
			sn_err_set(err, "cannot read WireGuard device %s: changed during each of %u "
				   "reads", ifname, wg->last_get_tries);
		else
			wg_fail(err, "read", ifname, rc, &t);
		semnetd_wg_device_free(out);
		return rc;
	}
	return 0;
}
