// SPDX-License-Identifier: GPL-2.0
/*
 * semnetd's tunnel peers (daemon/node/peers.c) against a kernel of this
 * file's own: the calls peers.c makes into semnet.ko, rtnetlink,
 * WireGuard, the prober and discovery are defined here, so a case can
 * make the kernel refuse a put and see what semnetd records.
 *
 *   semnetd (peers.c) --peer put/del--> kernel[] here (subnet, label)
 *                     --routes-------> counted here
 *
 * What is recorded as done must have been done: a label the kernel
 * refused is not recorded (the next registry tries again).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "../../daemon/node/peer_parse.h"
#include "../../daemon/node/probe.h"
#include "../../daemon/node/semnetd.h"

/* --- the kernel of this file ----------------------------------------- */

#define KMAX 16

static struct kpeer {
	bool used, is6;
	struct sn_prefix subnet;
	struct sn_prefix6 subnet6;
	struct sn_ipaddr addr;
	int encap;
	char label[256];
} kernel[KMAX];
static int puts_made, puts_refused, refuse_puts;

static struct kpeer *kfind(const struct sn_prefix *s4, const struct sn_prefix6 *s6)
{
	for (int i = 0; i < KMAX; i++) {
		struct kpeer *k = &kernel[i];

		if (k->used && k->is6 == !!s6 &&
		    (s6 ? !sn_ipv6_cmp(&k->subnet6.addr, &s6->addr) && k->subnet6.len == s6->len :
			  k->subnet.addr == s4->addr && k->subnet.len == s4->len))
			return k;
	}
	return NULL;
}

static int kput(const struct sn_prefix *s4, const struct sn_prefix6 *s6,
		const struct sn_ipaddr *addr, int encap, const char *label)
{
	struct kpeer *k = kfind(s4, s6);

	puts_made++;
	if (refuse_puts > 0) {
		refuse_puts--;
		puts_refused++;
		return -ENOMEM;
	}
	for (int i = 0; !k && i < KMAX; i++)
		if (!kernel[i].used)
			k = &kernel[i];
	ck_assert_ptr_nonnull(k);
	memset(k, 0, sizeof(*k));
	k->used = true;
	k->is6 = !!s6;
	if (s6)
		k->subnet6 = *s6;
	else
		k->subnet = *s4;
	k->addr = *addr;
	k->encap = encap;
	snprintf(k->label, sizeof(k->label), "%s", label ? label : "");
	return 0;
}

int semnetd_kernel_peer_put(struct sn_genl *g, const struct sn_prefix *subnet,
			    const struct sn_ipaddr *addr, int port, int encap, int ifindex,
			    const char *label)
{
	(void)g;
	(void)port;
	(void)ifindex;
	return kput(subnet, NULL, addr, encap, label);
}

int semnetd_kernel_peer_put6(struct sn_genl *g, const struct sn_prefix6 *subnet,
			     const struct sn_ipaddr *addr, int port, int encap, int ifindex,
			     const char *label)
{
	(void)g;
	(void)port;
	(void)ifindex;
	return kput(NULL, subnet, addr, encap, label);
}

static int kdel(const struct sn_prefix *s4, const struct sn_prefix6 *s6)
{
	struct kpeer *k = kfind(s4, s6);

	if (!k)
		return -ENOENT;
	k->used = false;
	return 0;
}

int semnetd_kernel_peer_del(struct sn_genl *g, const struct sn_prefix *subnet)
{
	(void)g;
	return kdel(subnet, NULL);
}

int semnetd_kernel_peer_del6(struct sn_genl *g, const struct sn_prefix6 *subnet)
{
	(void)g;
	return kdel(NULL, subnet);
}

int semnetd_kernel_peer_state(struct sn_genl *g, const struct sn_ipaddr *addr, uint32_t cost,
			      bool down)
{
	(void)g;
	(void)addr;
	(void)cost;
	(void)down;
	return 0;
}

int semnetd_kernel_peers(struct sn_genl *g, struct semnetd_kpeer **out, size_t *n)
{
	struct semnetd_kpeer *v = calloc(KMAX, sizeof(*v));

	(void)g;
	ck_assert_ptr_nonnull(v);
	*n = 0;
	for (int i = 0; i < KMAX; i++) {
		struct semnetd_kpeer *p = &v[*n];

		if (!kernel[i].used)
			continue;
		p->is6 = kernel[i].is6;
		p->subnet = kernel[i].subnet;
		p->subnet6 = kernel[i].subnet6;
		if (kernel[i].addr.family == AF_INET6)
			p->addr6 = kernel[i].addr.v6;
		else
			p->addr = kernel[i].addr.v4;
		p->encap = (uint8_t)kernel[i].encap;
		(*n)++;
	}
	*out = v;
	return 0;
}

/* Routes and WireGuard: counted, never refused. */
static int routes;

int semnetd_host_direct_route(struct semnetd_host *h, const struct sn_link_prefix *subnet,
			      const struct sn_ipaddr *via, int ifindex, struct sn_err *err)
{
	(void)h;
	(void)subnet;
	(void)via;
	(void)ifindex;
	(void)err;
	routes++;
	return 0;
}

int semnetd_host_direct_route_del(struct semnetd_host *h, const struct sn_link_prefix *subnet,
				  int ifindex, struct sn_err *err)
{
	(void)h;
	(void)subnet;
	(void)ifindex;
	(void)err;
	routes--;
	return 0;
}

int semnetd_host_wg_route(struct semnetd_host *h, const struct sn_link_prefix *subnet,
			  int ifindex, struct sn_err *err)
{
	return semnetd_host_direct_route(h, subnet, NULL, ifindex, err);
}

int semnetd_host_wg_route_del(struct semnetd_host *h, const struct sn_link_prefix *subnet,
			      int ifindex, struct sn_err *err)
{
	return semnetd_host_direct_route_del(h, subnet, ifindex, err);
}

int semnetd_wglinks_ensure(struct semnetd *d, const struct semnetd_link_pick *pick,
			   int *ifindex, struct sn_err *err)
{
	(void)d;
	(void)pick;
	(void)err;
	*ifindex = 40;
	return 0;
}

void semnetd_wglinks_sweep(struct semnetd *d)
{
	(void)d;
}

void semnetd_wglinks_registry_self(struct semnetd *d, const struct sn_link_info *self)
{
	(void)d;
	(void)self;
}

void semnetd_relaylinks_on_registry(struct semnetd *d, const struct semnetd_node_entry *self,
				    const struct semnetd_node_entry *peers, size_t n)
{
	(void)d;
	(void)self;
	(void)peers;
	(void)n;
}

void semnetd_probe_peers_changed(struct semnetd_probe *p)
{
	(void)p;
}

void semnetd_probe_peer_added(struct semnetd_probe *p, const struct sn_ipaddr *addr)
{
	(void)p;
	(void)addr;
}

void semnetd_discover_on_registry(struct semnetd_discover *disc, json_t *registry)
{
	(void)disc;
	(void)registry;
}

/* --- cases ----------------------------------------------------------- */

static struct semnetd *d;

static void setup(void)
{
	memset(kernel, 0, sizeof(kernel));
	puts_made = puts_refused = refuse_puts = routes = 0;
	d = calloc(1, sizeof(*d));
	ck_assert_ptr_nonnull(d);
	semnetd_peers_init(&d->peers);
	ck_assert(sn_ipaddr_parse("10.0.0.1", &d->underlay.addr));
	d->underlay.ifindex = 2;
	d->state = SEMNETD_READY;
}

static void teardown(void)
{
	while (d->services.head) {
		struct semnetd_svc *s = d->services.head;

		d->services.head = s->next;
		free(s->inst);
		free(s);
	}
	semnetd_peers_free(&d->peers);
	free(d);
}

static struct sn_prefix prefix(const char *text)
{
	struct sn_prefix p;

	ck_assert(sn_prefix_parse(text, &p));
	return p;
}

static struct semnetd_link_pick gre(const char *why)
{
	struct semnetd_link_pick pick = { .kind = SN_LINK_GRE_UDP, .encap = SEMNET_ENCAP_GRE_UDP };

	snprintf(pick.why, sizeof(pick.why), "%s", why);
	return pick;
}

/* A label the kernel refused is not recorded: the next registry puts it
 * again, and then the kernel's label and semnetd's say the same. */
START_TEST(relabel_refused_retried)
{
	struct sn_prefix subnet = prefix("10.18.1.0/26");
	struct semnetd_link_pick first = gre("policy gre-udp"), second = gre("a new reason");
	struct sn_ipaddr at;
	struct semnetd_peer *p;

	ck_assert(sn_ipaddr_parse("10.0.0.2", &at));
	p = semnetd_peers_set(d, &subnet, &at, 4754, SEMNET_ENCAP_GRE_UDP, &first);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(puts_made, 1);
	ck_assert_str_eq(kfind(&subnet, NULL)->label, "gre-udp: policy gre-udp");

	/* Only the why changes; the kernel refuses the new label. */
	refuse_puts = 1;
	ck_assert_ptr_eq(semnetd_peers_set(d, &subnet, &at, 4754, SEMNET_ENCAP_GRE_UDP, &second), p);
	ck_assert_int_eq(puts_refused, 1);
	ck_assert_str_eq(kfind(&subnet, NULL)->label, "gre-udp: policy gre-udp");
	ck_assert_str_eq(p->why, "policy gre-udp");	/* what the kernel has */

	/* The next registry, the same: put again, now taken. */
	ck_assert_ptr_eq(semnetd_peers_set(d, &subnet, &at, 4754, SEMNET_ENCAP_GRE_UDP, &second), p);
	ck_assert_int_eq(puts_made, 3);
	ck_assert_str_eq(kfind(&subnet, NULL)->label, "gre-udp: a new reason");
	ck_assert_str_eq(p->why, "a new reason");

	/* Then nothing to do. */
	ck_assert_ptr_eq(semnetd_peers_set(d, &subnet, &at, 4754, SEMNET_ENCAP_GRE_UDP, &second), p);
	ck_assert_int_eq(puts_made, 3);
}
END_TEST

/* An encrypted peer the kernel refused: the route into its WireGuard
 * device, made first, goes again (no peer is bound to the device, and
 * nothing records the route). */
START_TEST(encrypted_refused_unrouted)
{
	struct sn_prefix subnet = prefix("10.18.1.64/26");
	struct semnetd_link_pick pick = { .kind = SN_LINK_ENCRYPTED, .encap = SEMNET_ENCAP_DIRECT };
	struct sn_ipaddr at;

	snprintf(pick.why, sizeof(pick.why), "policy encrypted");
	snprintf(pick.wg_dev, sizeof(pick.wg_dev), "snwg0");
	ck_assert(sn_ipaddr_parse("10.0.0.3", &at));
	refuse_puts = 1;
	ck_assert_ptr_null(semnetd_peers_set(d, &subnet, &at, 4754, SEMNET_ENCAP_GRE_UDP, &pick));
	ck_assert_int_eq(routes, 0);
	ck_assert_ptr_null(semnetd_peers_find(&d->peers, &subnet));
	/* Taken the next time: routed, put, recorded. */
	ck_assert_ptr_nonnull(semnetd_peers_set(d, &subnet, &at, 4754, SEMNET_ENCAP_GRE_UDP, &pick));
	ck_assert_int_eq(routes, 1);
	ck_assert(semnetd_peers_find(&d->peers, &subnet)->routed);
	ck_assert_str_eq(kfind(&subnet, NULL)->label, "encrypted: policy encrypted");
}
END_TEST

/* What an earlier run left in the kernel: a peer put by hand here. */
static void left4(const char *subnet, const char *at)
{
	struct sn_prefix p = prefix(subnet);
	struct sn_ipaddr a;

	ck_assert(sn_ipaddr_parse(at, &a));
	ck_assert_int_eq(kput(&p, NULL, &a, SEMNET_ENCAP_GRE_UDP, "gre-udp: earlier"), 0);
}

static void left6(const char *subnet, const char *at)
{
	struct sn_prefix6 p;
	struct sn_ipaddr a;

	ck_assert(sn_prefix6_parse(subnet, &p));
	ck_assert(sn_ipaddr_parse(at, &a));
	ck_assert_int_eq(kput(NULL, &p, &a, SEMNET_ENCAP_GRE_UDP, "gre-udp: earlier"), 0);
}

static bool in_kernel(const char *subnet)
{
	struct sn_prefix p;
	struct sn_prefix6 p6;

	if (sn_prefix_parse(subnet, &p))
		return kfind(&p, NULL);
	ck_assert(sn_prefix6_parse(subnet, &p6));
	return kfind(NULL, &p6);
}

/* A service adopted from the kernel at start: one instance (number -1)
 * with the nsIP @nsip on the node @node ("": its address unknown). */
static struct semnetd_svc *adopted(const char *name, const char *nsip, const char *node)
{
	struct semnetd_svc *s = calloc(1, sizeof(*s) + strlen(name) + 1);
	struct in_addr a;

	ck_assert_ptr_nonnull(s);
	strcpy(s->name, name);
	s->inst = calloc(1, sizeof(*s->inst));
	ck_assert_ptr_nonnull(s->inst);
	s->ninst = 1;
	s->inst[0].number = -1;
	ck_assert_int_eq(inet_pton(AF_INET, nsip, &a), 1);
	s->inst[0].nsip = ntohl(a.s_addr);
	if (node[0])
		ck_assert(sn_ipaddr_parse(node, &s->inst[0].node));
	s->next = d->services.head;
	d->services.head = s;
	return s;
}

static void registry(const char *nodes)
{
	char msg[256];
	int len = snprintf(msg, sizeof(msg), "{\"version\":3,\"nodes\":%s}", nodes);

	semnetd_peers_on_registry(d, msg, len);
}

/*
 * semnetd restarted: the kernel still has the peers of the earlier run.
 * The first registry (no node but this one's peers below) removes those
 * of nodes that left, IPv4 and IPv6 subnets, and keeps the peers this run
 * made (a table answer's) and one an adopted instance waits on, until its
 * answer came (then it goes too: the answer did not name its node).
 */
START_TEST(restart_sweeps_kernel)
{
	struct sn_prefix table = prefix("10.18.1.0/26");
	struct semnetd_svc *svc;
	struct sn_ipaddr at;

	left4("10.18.1.0/26", "10.0.0.2");	/* a table answer makes it again */
	left4("10.18.2.0/26", "10.0.0.5");	/* its node left */
	left6("fd00:18:0:2::/64", "10.0.0.5");	/* the same node's IPv6 subnet */
	left4("10.18.3.0/26", "10.0.0.6");	/* an adopted instance is there */
	left4("10.18.4.0/26", "10.0.0.7");	/* one by nsIP, node unknown */
	svc = adopted("app.a.b.c", "10.18.3.5", "10.0.0.6");
	adopted("app.a.b.d", "10.18.4.9", "");
	/* Nothing goes before a registry was read (an answer may come first). */
	semnetd_peers_sweep_kernel(d);
	ck_assert(in_kernel("10.18.2.0/26"));
	ck_assert(sn_ipaddr_parse("10.0.0.2", &at));
	ck_assert_ptr_nonnull(semnetd_peers_set(d, &table, &at, 4754, SEMNET_ENCAP_GRE_UDP, NULL));
	semnetd_peers_find(&d->peers, &table)->from_table = true;

	registry("[]");
	ck_assert(in_kernel("10.18.1.0/26"));
	ck_assert(!in_kernel("10.18.2.0/26"));
	ck_assert(!in_kernel("fd00:18:0:2::/64"));
	ck_assert(in_kernel("10.18.3.0/26"));
	ck_assert(in_kernel("10.18.4.0/26"));
	ck_assert(!d->peers.kernel_swept);

	/* The answer for app.a.b.c names no instance on 10.0.0.6 any more. */
	svc->ninst = 0;
	semnetd_peers_sweep_kernel(d);
	ck_assert(!in_kernel("10.18.3.0/26"));
	ck_assert(in_kernel("10.18.4.0/26"));
	ck_assert(!d->peers.kernel_swept);
	/* app.a.b.d's answer put its instance's peer again (this run's). */
	d->services.head->ninst = 0;
	{
		struct sn_prefix p4 = prefix("10.18.4.0/26");

		ck_assert(sn_ipaddr_parse("10.0.0.7", &at));
		ck_assert_ptr_nonnull(semnetd_peers_set(d, &p4, &at, 4754, SEMNET_ENCAP_GRE_UDP,
							NULL));
	}
	semnetd_peers_sweep_kernel(d);
	ck_assert(in_kernel("10.18.4.0/26"));
	ck_assert(d->peers.kernel_swept);
	/* Swept once: a kernel peer put by hand later is left alone. */
	left4("10.18.5.0/26", "10.0.0.8");
	registry("[]");
	ck_assert(in_kernel("10.18.5.0/26"));
}
END_TEST

Suite *unit_suite(void)
{
	return UNIT_SUITE("semnetd_peers", setup, teardown, 0, relabel_refused_retried,
			  encrypted_refused_unrouted, restart_sweeps_kernel);
}
