// SPDX-License-Identifier: GPL-2.0
/* Endpoint discovery without I/O (discover_match.h). */
#include "discover_match.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

/* @sa's address and port; false for a family other than IPv4 and IPv6. */
static bool endpoint_of(const struct sockaddr *sa, struct sn_ipaddr *addr, int *port)
{
	memset(addr, 0, sizeof(*addr));
	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		addr->family = AF_INET;
		addr->v4 = ntohl(in->sin_addr.s_addr);
		*port = ntohs(in->sin_port);
		return true;
	}
	if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		addr->family = AF_INET6;
		addr->v6 = in6->sin6_addr;
		*port = ntohs(in6->sin6_port);
		return true;
	}
	return false;
}

int semnetd_stun_take(struct semnetd_stun_run *run, const struct sockaddr *from,
		      const char *buf, size_t len, struct sn_err *err)
{
	struct sn_ipaddr src, mapped;
	char text[SN_IPADDR_STRLEN];
	int sport = 0, port, via, i;

	if (!endpoint_of(from, &src, &sport) || !sn_ipaddr_equal(&src, &run->cluster)) {
		sn_err_set(err, "an answer from %s, not the cluster",
			   src.family ? sn_ipaddr_format(&src, text) : "an unknown address");
		return -1;
	}
	if (sport != run->port && sport != run->port + 1) {
		sn_err_set(err, "an answer from port %d, not %d or %d", sport, run->port,
			   run->port + 1);
		return -1;
	}
	if (sn_stun_answer_read(buf, len, run->nonce, &mapped, &port, &via, err) < 0)
		return -1;
	if (via != sport) {
		sn_err_set(err, "an answer from port %d says it is port %d's", sport, via);
		return -1;
	}
	i = sport - run->port;
	run->got[i] = true;
	run->mapped[i] = mapped;
	run->mapped_port[i] = port;
	return i;
}

void semnetd_nat_classify(const struct semnetd_stun_run *run, const struct sn_ipaddr *local,
			  int local_port, struct semnetd_nat_result *out)
{
	bool own[2], same;

	for (int i = 0; i < 2; i++)
		own[i] = sn_ipaddr_equal(&run->mapped[i], local) &&
			 run->mapped_port[i] == local_port;
	same = sn_ipaddr_equal(&run->mapped[0], &run->mapped[1]) &&
	       run->mapped_port[0] == run->mapped_port[1];
	memset(out, 0, sizeof(*out));
	out->nat = own[0] && own[1] ? SN_NAT_NONE : same ? SN_NAT_EIM : SN_NAT_SYMMETRIC;
	out->public_addr = run->mapped[0];
	out->public_port = run->mapped_port[0];
	out->port_preserved = run->mapped_port[0] == local_port &&
			      run->mapped_port[1] == local_port;
}
