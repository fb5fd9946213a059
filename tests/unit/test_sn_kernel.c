// SPDX-License-Identifier: GPL-2.0
/*
 * lib/sn_kernel.c, the semnet family's objects, and semnetd's use of them
 * (daemon/node/kernel.c). Each object is encoded with its put and decoded
 * with its get from the same message, as the kernel's replies carry the
 * same nests: what goes in comes out, with addresses in network byte order
 * on the wire and in the structs, and ports in host order in the structs.
 * Replies only the kernel builds (stats, flows, misses, info) are built
 * here with nla_put*() as semnet.ko does. sn_genl_transact() is wrapped
 * (-Wl,--wrap) so requests and dumps run against a scripted kernel.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "unit.h"
#include "sn_kernel.h"
#include "../../daemon/node/kernel.h"

#define FAMILY 0x42
#define MAX_TX 12

static uint32_t A(const char *s)
{
	struct in_addr in;

	ck_assert_int_eq(inet_pton(AF_INET, s, &in), 1);
	return in.s_addr;
}

static struct in6_addr A6(const char *s)
{
	struct in6_addr in6;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &in6), 1);
	return in6;
}

static struct sn_kprefix P6(const char *s, uint8_t len)
{
	return (struct sn_kprefix){ .family = AF_INET6, .addr6 = A6(s), .len = len };
}

#define ck_assert_in6_eq(a, b) ck_assert_mem_eq(&(a), &(b), sizeof(struct in6_addr))

/* A message as the kernel (or a request) would carry it. */
static struct nl_msg *msg_new(uint8_t cmd)
{
	struct nl_msg *m = nlmsg_alloc();

	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(genlmsg_put(m, 0, 0, FAMILY, 0, 0, cmd, SEMNET_GENL_VERSION));
	return m;
}

/* The top-level attributes of @m, as genl.c hands them to a reply function. */
static void msg_attrs(struct nl_msg *m, struct nlattr **attrs)
{
	ck_assert_int_eq(genlmsg_parse(nlmsg_hdr(m), 0, attrs, SEMNET_A_MAX, NULL), 0);
}

/* The attribute @type inside the nest @nest of @m (NULL when absent). */
static struct nlattr *inner(struct nl_msg *m, int nest, int type)
{
	struct nlattr *attrs[SEMNET_A_MAX + 1];

	msg_attrs(m, attrs);
	ck_assert_ptr_nonnull(attrs[nest]);
	return nla_find(nla_data(attrs[nest]), nla_len(attrs[nest]), type);
}

/* --- the scripted kernel --- */

static struct {
	struct nl_msg *req[MAX_TX];	/* requests as sent */
	int ntx;
	struct nl_msg *reply[MAX_TX][4];	/* replies of each transaction */
	int nreply[MAX_TX];
	int err[MAX_TX];		/* each transaction's result */
	/*
	 * An extack for the failed ones: its message, and the attribute it
	 * names (type @at_type inside the object nest @at_nest; 0: none).
	 */
	const char *extack;
	int at_nest, at_type;
} fake;

int __wrap_sn_genl_transact(struct sn_genl *g, struct nl_msg *msg,
			    sn_genl_reply_fn fn, void *arg);

int __wrap_sn_genl_transact(struct sn_genl *g, struct nl_msg *msg,
			    sn_genl_reply_fn fn, void *arg)
{
	int tx = fake.ntx++;

	ck_assert_int_lt(tx, MAX_TX);
	g->error[0] = '\0';
	g->error_offset = -1;
	fake.req[tx] = msg;		/* kept: freed by fake_reset() */
	if (fake.err[tx] && fake.extack) {
		snprintf(g->error, sizeof(g->error), "%s", fake.extack);
		if (fake.at_nest) {
			struct nlattr *at = inner(msg, fake.at_nest, fake.at_type);

			ck_assert_ptr_nonnull(at);
			g->error_offset = (long)((char *)at - (char *)nlmsg_hdr(msg));
		}
	}
	for (int i = 0; i < fake.nreply[tx]; i++) {
		struct nlattr *attrs[SEMNET_A_MAX + 1];
		int ret;

		msg_attrs(fake.reply[tx][i], attrs);
		ret = fn ? fn(attrs, arg) : 0;
		if (ret)
			return ret;
	}
	return fake.err[tx];
}

static struct nl_msg *reply_new(int tx, uint8_t cmd)
{
	struct nl_msg *m = msg_new(cmd);

	ck_assert_int_lt(fake.nreply[tx], 4);
	fake.reply[tx][fake.nreply[tx]++] = m;
	return m;
}

static void fake_reset(void)
{
	for (int tx = 0; tx < MAX_TX; tx++) {
		if (fake.req[tx])
			nlmsg_free(fake.req[tx]);
		for (int i = 0; i < fake.nreply[tx]; i++)
			nlmsg_free(fake.reply[tx][i]);
	}
	memset(&fake, 0, sizeof(fake));
}

static struct sn_genl genl = { .family = FAMILY };

/* Dumps the services the fake kernel was scripted to answer. */
static int dump_services(struct sn_services *services)
{
	return sn_kernel_dump(&genl, SEMNET_CMD_GET_SERVICE, NULL, NULL, sn_services_collect,
			      services, sn_services_reset);
}

/* --- round trips --- */

START_TEST(node_round_trip)
{
	struct nl_msg *m = msg_new(SEMNET_CMD_SET_NODE);
	struct nlattr *attrs[SEMNET_A_MAX + 1];
	struct sn_node in, out;
	struct nlattr *platform;

	memset(&in, 0, sizeof(in));
	in.platform = (struct sn_kprefix){ .addr = A("172.16.0.0"), .len = 12 };
	in.service_range = (struct sn_kprefix){ .addr = A("172.30.0.0"), .len = 16 };
	in.subnets[0] = (struct sn_kprefix){ .addr = A("172.16.0.0"), .len = 26 };
	in.subnets[1] = (struct sn_kprefix){ .addr = A("172.16.0.64"), .len = 26 };
	in.subnets[2] = (struct sn_kprefix){ .addr = A("172.16.1.0"), .len = 24 };
	in.nsubnets = 3;
	in.gateway = A("172.16.0.1");
	in.bridge = 7;
	in.mode = SEMNET_NODE_MODE_ROUTED;
	in.tunnel_port = 4754;
	in.present = 1u << SEMNET_A_NODE_PLATFORM | 1u << SEMNET_A_NODE_SERVICE_RANGE |
		     1u << SEMNET_A_NODE_SUBNETS | 1u << SEMNET_A_NODE_GATEWAY |
		     1u << SEMNET_A_NODE_BRIDGE | 1u << SEMNET_A_NODE_TUNNEL_PORT |
		     1u << SEMNET_A_NODE_MODE;
	for (size_t i = 0; i < sn_node_nu32; i++) {
		*sn_node_u32(&in, i) = 1000 + (uint32_t)i;
		SN_SET(&in, sn_node_u32s[i].attr);
	}
	ck_assert_int_eq(sn_node_put(m, &in), 0);

	/* On the wire: the prefix's address is be32, as the UAPI says. */
	platform = inner(m, SEMNET_A_NODE, SEMNET_A_NODE_PLATFORM);
	ck_assert_ptr_nonnull(platform);
	ck_assert_uint_eq(ntohl(nla_get_u32(nla_find(nla_data(platform), nla_len(platform),
						     SEMNET_A_PREFIX_ADDR))), 0xac100000u);
	ck_assert_uint_eq(nla_get_u16(inner(m, SEMNET_A_NODE, SEMNET_A_NODE_TUNNEL_PORT)), 4754);

	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_node_get(attrs, &out), 0);
	ck_assert_uint_eq(out.present, in.present);
	ck_assert_uint_eq(out.nsubnets, 3);
	for (unsigned int k = 0; k < 3; k++) {
		ck_assert_uint_eq(out.subnets[k].addr, in.subnets[k].addr);
		ck_assert_uint_eq(out.subnets[k].len, in.subnets[k].len);
	}
	ck_assert_uint_eq(out.platform.addr, in.platform.addr);
	ck_assert_uint_eq(out.platform.len, 12);
	ck_assert_uint_eq(out.service_range.addr, in.service_range.addr);
	ck_assert_uint_eq(out.service_range.len, 16);
	ck_assert_uint_eq(out.gateway, in.gateway);
	ck_assert_uint_eq(out.bridge, 7);
	ck_assert_uint_eq(out.mode, SEMNET_NODE_MODE_ROUTED);
	ck_assert_uint_eq(out.tunnel_port, 4754);
	for (size_t i = 0; i < sn_node_nu32; i++)
		ck_assert_uint_eq(sn_node_u32_get(&out, i), 1000 + i);
	nlmsg_free(m);
}
END_TEST

/* node change: only what was given is sent, and comes back marked so. */
START_TEST(node_partial)
{
	struct nl_msg *m = msg_new(SEMNET_CMD_SET_NODE);
	struct nlattr *attrs[SEMNET_A_MAX + 1];
	struct sn_node in = { .flow_max = 5, .subnets = { { .addr = A("10.0.0.0"), .len = 8 } }, .nsubnets = 1 };
	struct sn_node out;

	SN_SET(&in, SEMNET_A_NODE_FLOW_MAX);
	ck_assert_int_eq(sn_node_put(m, &in), 0);
	ck_assert_ptr_null(inner(m, SEMNET_A_NODE, SEMNET_A_NODE_SUBNETS));
	ck_assert_ptr_null(inner(m, SEMNET_A_NODE, SEMNET_A_NODE_GATEWAY));
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_node_get(attrs, &out), 0);
	ck_assert_uint_eq(out.present, 1u << SEMNET_A_NODE_FLOW_MAX);
	ck_assert_uint_eq(out.flow_max, 5);
	ck_assert_uint_eq(out.nsubnets, 0);
	nlmsg_free(m);
}
END_TEST

START_TEST(service_round_trip)
{
	struct nl_msg *m = msg_new(SEMNET_CMD_NEW_SERVICE);
	struct nlattr *attrs[SEMNET_A_MAX + 1], *nest, *counters;
	struct sn_service in = { .addr = A("172.30.0.10"), .name = "app.ns.svc.ns",
				 .policy = "mh" };
	struct sn_service out;

	in.present = 1u << SEMNET_A_SERVICE_ADDR | 1u << SEMNET_A_SERVICE_NAME |
		     1u << SEMNET_A_SERVICE_POLICY;
	ck_assert_int_eq(sn_service_put(m, &in), 0);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_service_get(attrs, &out), 0);
	ck_assert_uint_eq(out.present, in.present);
	ck_assert_uint_eq(out.addr, in.addr);
	ck_assert_str_eq(out.name, "app.ns.svc.ns");
	ck_assert_str_eq(out.policy, "mh");
	ck_assert(!out.counters.present);
	nlmsg_free(m);

	/* A reply carries the read-only instance count and counters too. */
	m = msg_new(SEMNET_CMD_NEW_SERVICE);
	nest = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_SERVICE);
	nla_put_u32(m, SEMNET_A_SERVICE_ADDR, A("172.30.0.11"));
	nla_put_u32(m, SEMNET_A_SERVICE_INSTANCES, 3);
	counters = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_SERVICE_COUNTERS);
	nla_put_u64(m, SEMNET_A_COUNTERS_PACKETS, 1ull << 40);
	nla_put_u64(m, SEMNET_A_COUNTERS_BYTES, 2);
	nla_put_u64(m, SEMNET_A_COUNTERS_FLOWS, 3);
	nla_nest_end(m, counters);
	nla_nest_end(m, nest);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_service_get(attrs, &out), 0);
	ck_assert(SN_HAS(&out, SEMNET_A_SERVICE_INSTANCES));
	ck_assert(SN_HAS(&out, SEMNET_A_SERVICE_COUNTERS));
	ck_assert(!SN_HAS(&out, SEMNET_A_SERVICE_NAME));
	ck_assert_uint_eq(out.instances, 3);
	ck_assert(out.counters.present);
	ck_assert_uint_eq(out.counters.packets, 1ull << 40);
	ck_assert_uint_eq(out.counters.bytes, 2);
	ck_assert_uint_eq(out.counters.flows, 3);
	ck_assert_str_eq(out.name, "");
	nlmsg_free(m);
}
END_TEST

START_TEST(instance_round_trip)
{
	struct nl_msg *m = msg_new(SEMNET_CMD_NEW_INSTANCE);
	struct nlattr *attrs[SEMNET_A_MAX + 1], *nest;
	struct sn_instance in = { .addr = A("172.30.1.7"), .service = "app.ns.svc.ns",
				  .nsip = A("172.16.0.2"), .node = A("10.0.0.2"), .ifindex = 9 };
	struct sn_instance out;

	in.present = 1u << SEMNET_A_INSTANCE_ADDR | 1u << SEMNET_A_INSTANCE_SERVICE |
		     1u << SEMNET_A_INSTANCE_NSIP | 1u << SEMNET_A_INSTANCE_NODE |
		     1u << SEMNET_A_INSTANCE_IFINDEX;
	ck_assert_int_eq(sn_instance_put(m, &in), 0);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_instance_get(attrs, &out), 0);
	ck_assert_uint_eq(out.present, in.present);
	ck_assert_uint_eq(out.addr, in.addr);
	ck_assert_str_eq(out.service, in.service);
	ck_assert_uint_eq(out.nsip, in.nsip);
	ck_assert_uint_eq(out.node, in.node);
	ck_assert_uint_eq(out.ifindex, 9);
	ck_assert(!out.local && !out.down);
	nlmsg_free(m);

	/* The kernel's read-only LOCAL flag, cost and down state. */
	m = msg_new(SEMNET_CMD_NEW_INSTANCE);
	nest = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_INSTANCE);
	nla_put_u32(m, SEMNET_A_INSTANCE_ADDR, A("172.30.1.8"));
	nla_put_flag(m, SEMNET_A_INSTANCE_LOCAL);
	nla_put_u32(m, SEMNET_A_INSTANCE_COST, 250);
	nla_put_u8(m, SEMNET_A_INSTANCE_DOWN, 1);
	nla_nest_end(m, nest);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_instance_get(attrs, &out), 0);
	ck_assert(out.local && out.down);
	ck_assert_uint_eq(out.cost, 250);
	ck_assert(SN_HAS(&out, SEMNET_A_INSTANCE_LOCAL));
	ck_assert(!SN_HAS(&out, SEMNET_A_INSTANCE_NSIP));
	nlmsg_free(m);
}
END_TEST

START_TEST(peer_round_trip)
{
	struct nl_msg *m = msg_new(SEMNET_CMD_NEW_PEER);
	struct nlattr *attrs[SEMNET_A_MAX + 1];
	struct sn_peer in = { .subnet = { .addr = A("172.16.0.64"), .len = 26 }, .addr = A("10.0.0.3"),
			      .port = 50103, .encap = SEMNET_ENCAP_IPUDP, .cost = 77, .down = true };
	struct sn_peer out;

	in.present = 1u << SEMNET_A_PEER_SUBNET | 1u << SEMNET_A_PEER_ADDR |
		     1u << SEMNET_A_PEER_PORT | 1u << SEMNET_A_PEER_ENCAP |
		     1u << SEMNET_A_PEER_COST | 1u << SEMNET_A_PEER_DOWN;
	ck_assert_int_eq(sn_peer_put(m, &in), 0);
	/* The port is a plain u16 in host order (not be16, unlike flows'). */
	ck_assert_uint_eq(nla_get_u16(inner(m, SEMNET_A_PEER, SEMNET_A_PEER_PORT)), 50103);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_peer_get(attrs, &out), 0);
	ck_assert_uint_eq(out.present, in.present);
	ck_assert_uint_eq(out.subnet.addr, in.subnet.addr);
	ck_assert_uint_eq(out.subnet.len, 26);
	ck_assert_uint_eq(out.addr, in.addr);
	ck_assert_uint_eq(out.port, 50103);
	ck_assert_uint_eq(out.encap, SEMNET_ENCAP_IPUDP);
	ck_assert_uint_eq(out.cost, 77);
	ck_assert(out.down);
	nlmsg_free(m);

	/* An older module reports no cost: unknown, and not marked present. */
	m = msg_new(SEMNET_CMD_NEW_PEER);
	in.present = 1u << SEMNET_A_PEER_SUBNET;
	ck_assert_int_eq(sn_peer_put(m, &in), 0);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_peer_get(attrs, &out), 0);
	ck_assert_uint_eq(out.present, 1u << SEMNET_A_PEER_SUBNET);
	ck_assert_uint_eq(out.cost, SEMNET_PEER_COST_UNKNOWN);
	nlmsg_free(m);
}
END_TEST

/* A flow as semnet.ko dumps it: be16 ports on the wire, host order here. */
static struct nl_msg *flow_reply(struct nl_msg *m, const char *service, const char *instance)
{
	struct nlattr *nest = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_FLOW);

	nla_put_u8(m, SEMNET_A_FLOW_PROTO, 6);
	nla_put_u32(m, SEMNET_A_FLOW_SRC, A("172.16.0.2"));
	nla_put_u16(m, SEMNET_A_FLOW_SPORT, htons(40000));
	nla_put_u32(m, SEMNET_A_FLOW_DST, A("172.30.0.10"));
	nla_put_u16(m, SEMNET_A_FLOW_DPORT, htons(80));
	nla_put_u32(m, SEMNET_A_FLOW_XSRC, A("172.16.0.2"));
	nla_put_u16(m, SEMNET_A_FLOW_XSPORT, htons(40001));
	nla_put_u32(m, SEMNET_A_FLOW_XDST, A("172.16.0.66"));
	nla_put_u16(m, SEMNET_A_FLOW_XDPORT, htons(8080));
	if (service)
		nla_put_u32(m, SEMNET_A_FLOW_SERVICE, A(service));
	nla_put_u32(m, SEMNET_A_FLOW_INSTANCE, A(instance));
	nla_put_u8(m, SEMNET_A_FLOW_STATE, 2);
	nla_put_u32(m, SEMNET_A_FLOW_EXPIRES, 899000);
	nla_put_u64(m, SEMNET_A_FLOW_PACKETS, 12);
	nla_put_u64(m, SEMNET_A_FLOW_BYTES, 3400);
	nla_nest_end(m, nest);
	return m;
}

START_TEST(flow_decode)
{
	struct nl_msg *m = flow_reply(msg_new(SEMNET_CMD_GET_FLOW), "172.30.0.10", "172.30.1.7");
	struct nlattr *attrs[SEMNET_A_MAX + 1];
	struct sn_flow f, filter = { .instance = A("172.30.1.7") };

	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_flow_get(attrs, &f), 0);
	ck_assert_uint_eq(f.proto, 6);
	ck_assert_uint_eq(f.src, A("172.16.0.2"));
	ck_assert_uint_eq(f.sport, 40000);
	ck_assert_uint_eq(f.dport, 80);
	ck_assert_uint_eq(f.xsport, 40001);
	ck_assert_uint_eq(f.xdport, 8080);
	ck_assert_uint_eq(f.xdst, A("172.16.0.66"));
	ck_assert_uint_eq(f.service, A("172.30.0.10"));
	ck_assert_uint_eq(f.state, 2);
	ck_assert_uint_eq(f.expires, 899000);
	ck_assert_uint_eq(f.packets, 12);
	ck_assert_uint_eq(f.bytes, 3400);
	ck_assert(!SN_HAS(&f, SEMNET_A_FLOW_PAD));
	nlmsg_free(m);

	/* The filter sends only SERVICE and INSTANCE. */
	m = msg_new(SEMNET_CMD_GET_FLOW);
	SN_SET(&filter, SEMNET_A_FLOW_INSTANCE);
	filter.proto = 6;
	SN_SET(&filter, SEMNET_A_FLOW_PROTO);
	ck_assert_int_eq(sn_flow_put(m, &filter), 0);
	ck_assert_ptr_nonnull(inner(m, SEMNET_A_FLOW, SEMNET_A_FLOW_INSTANCE));
	ck_assert_ptr_null(inner(m, SEMNET_A_FLOW, SEMNET_A_FLOW_SERVICE));
	ck_assert_ptr_null(inner(m, SEMNET_A_FLOW, SEMNET_A_FLOW_PROTO));
	nlmsg_free(m);
}
END_TEST

START_TEST(stats_decode)
{
	struct nl_msg *m = msg_new(SEMNET_CMD_GET_STATS);
	struct nlattr *attrs[SEMNET_A_MAX + 1], *nest, *drops;
	struct sn_stats s;

	nest = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_STATS);
	nla_put_u32(m, SEMNET_A_STATS_FLOWS, 4);
	nla_put_u64(m, SEMNET_A_STATS_PACKETS, 1ull << 33);
	nla_put_u64(m, SEMNET_A_STATS_MISSES, 6);
	drops = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_STATS_DROPS);
	nla_put_u32(m, SEMNET_DROP_UNSPEC, 0);	/* the nest's alignment pad */
	nla_put_u64(m, SEMNET_DROP_NO_INSTANCE, 5);
	nla_put_u64(m, SN_DROPS_MAX + 3, 7);	/* a newer module's reason */
	nla_nest_end(m, drops);
	nla_nest_end(m, nest);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_stats_get(attrs, &s), 0);
	ck_assert_uint_eq(s.flows, 4);
	ck_assert_uint_eq(s.packets, 1ull << 33);
	ck_assert_uint_eq(s.misses, 6);
	ck_assert(SN_HAS(&s, SEMNET_A_STATS_MISSES));
	ck_assert(!SN_HAS(&s, SEMNET_A_STATS_HELD));
	ck_assert_uint_eq(s.drops[SEMNET_DROP_NO_INSTANCE], 5);
	ck_assert_uint_eq(s.drops_present, 1ull << SEMNET_DROP_NO_INSTANCE);
	ck_assert_uint_eq(s.drops_total, 12);
	nlmsg_free(m);

	/* A drop counter shorter than a u64 is a malformed reply. */
	m = msg_new(SEMNET_CMD_GET_STATS);
	nest = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_STATS);
	drops = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_STATS_DROPS);
	nla_put_u32(m, SEMNET_DROP_NO_INSTANCE, 5);
	nla_nest_end(m, drops);
	nla_nest_end(m, nest);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_stats_get(attrs, &s), -EBADMSG);
	nlmsg_free(m);
}
END_TEST

START_TEST(miss_and_info_decode)
{
	struct nl_msg *m = msg_new(SEMNET_CMD_MISS);
	struct nlattr *attrs[SEMNET_A_MAX + 1], *nest;
	struct sn_miss miss;
	struct sn_info info;

	nest = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_MISS);
	nla_put_u32(m, SEMNET_A_MISS_ADDR, A("172.30.0.99"));
	nla_put_u8(m, SEMNET_A_MISS_KIND, SEMNET_MISS_PEER);
	nla_put_u32(m, SEMNET_A_MISS_SRC, A("172.16.0.2"));
	nla_put_u8(m, SEMNET_A_MISS_PROTO, 17);
	nla_put_u16(m, SEMNET_A_MISS_DPORT, htons(53));
	nla_put_u32(m, SEMNET_A_MISS_HELD, 2);
	nla_put_u32(m, SEMNET_A_MISS_SUPPRESSED, 9);
	nla_nest_end(m, nest);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_miss_get(attrs, &miss), 0);
	ck_assert_uint_eq(miss.addr, A("172.30.0.99"));
	ck_assert_uint_eq(miss.kind, SEMNET_MISS_PEER);
	ck_assert_uint_eq(miss.src, A("172.16.0.2"));
	ck_assert_uint_eq(miss.proto, 17);
	ck_assert_uint_eq(miss.dport, 53);
	ck_assert_uint_eq(miss.held, 2);
	ck_assert_uint_eq(miss.suppressed, 9);
	nlmsg_free(m);

	m = msg_new(SEMNET_CMD_GET_INFO);
	nest = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_INFO);
	nla_put_string(m, SEMNET_A_INFO_VERSION, "1.2.3");
	nla_put_u32(m, SEMNET_A_INFO_GENL_VERSION, SEMNET_GENL_VERSION);
	nla_put_u32(m, SEMNET_A_INFO_NETNS_INUM, 4026531840u);
	nla_put_u64(m, SEMNET_A_INFO_NETNS_COOKIE, 1ull << 50);
	nla_nest_end(m, nest);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_info_get(attrs, &info), 0);
	ck_assert_str_eq(info.version, "1.2.3");
	ck_assert_uint_eq(info.genl_version, SEMNET_GENL_VERSION);
	ck_assert_uint_eq(info.netns_inum, 4026531840u);
	ck_assert_uint_eq(info.netns_cookie, 1ull << 50);
	nlmsg_free(m);
}
END_TEST

/* Missing keys, bad lengths and wrong sizes: -EBADMSG, never a bad read. */
START_TEST(malformed_replies)
{
	struct nlattr *attrs[SEMNET_A_MAX + 1], *nest, *pfx;
	struct sn_service s;
	struct sn_peer p;
	struct sn_miss miss;
	struct sn_node n;
	struct nl_msg *m;

	/* No nest at all. */
	m = msg_new(SEMNET_CMD_GET_SERVICE);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_service_get(attrs, &s), -EBADMSG);
	ck_assert_int_eq(sn_node_get(attrs, &n), -EBADMSG);
	ck_assert_int_eq(sn_miss_get(attrs, &miss), -EBADMSG);
	nlmsg_free(m);

	/* A service without its key, an address of two bytes. */
	m = msg_new(SEMNET_CMD_GET_SERVICE);
	nest = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_SERVICE);
	nla_put_string(m, SEMNET_A_SERVICE_NAME, "x");
	nla_nest_end(m, nest);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_service_get(attrs, &s), -EBADMSG);
	nlmsg_free(m);
	m = msg_new(SEMNET_CMD_GET_SERVICE);
	nest = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_SERVICE);
	nla_put_u16(m, SEMNET_A_SERVICE_ADDR, 1);
	nla_nest_end(m, nest);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_service_get(attrs, &s), -EBADMSG);
	nlmsg_free(m);

	/* A prefix of length 33 (the encoder puts what it is given). */
	m = msg_new(SEMNET_CMD_GET_PEER);
	nest = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_PEER);
	ck_assert_int_eq(sn_kprefix_put(m, SEMNET_A_PEER_SUBNET,
					&(struct sn_kprefix){ .addr = A("10.0.0.0"), .len = 33 }), 0);
	nla_nest_end(m, nest);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_peer_get(attrs, &p), -EBADMSG);
	nlmsg_free(m);

	/* More subnets than a node can have. */
	m = msg_new(SEMNET_CMD_GET_NODE);
	nest = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_NODE);
	pfx = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_NODE_SUBNETS);
	for (int k = 0; k <= SEMNET_SUBNETS_MAX; k++) {
		struct sn_kprefix one = { .addr = htonl(0x0a000000u + ((uint32_t)k << 8)), .len = 24 };

		ck_assert_int_eq(sn_kprefix_put(m, SEMNET_A_NODE_SUBNET, &one), 0);
	}
	nla_nest_end(m, pfx);
	nla_nest_end(m, nest);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_node_get(attrs, &n), -EBADMSG);
	nlmsg_free(m);
}
END_TEST

/* A message too small for the object: -EMSGSIZE, not a truncated request. */
START_TEST(put_into_full_message)
{
	struct nl_msg *m = nlmsg_alloc_size(NLMSG_HDRLEN + GENL_HDRLEN + 32);
	struct sn_service s = { .addr = A("172.30.0.10") };

	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(genlmsg_put(m, 0, 0, FAMILY, 0, 0, SEMNET_CMD_NEW_SERVICE, 1));
	memset(s.name, 'a', sizeof(s.name) - 1);
	s.present = 1u << SEMNET_A_SERVICE_ADDR | 1u << SEMNET_A_SERVICE_NAME;
	ck_assert_int_eq(sn_service_put(m, &s), -EMSGSIZE);
	nlmsg_free(m);
}
END_TEST

/* --- lists, requests, dumps --- */

static struct nl_msg *service_reply(int tx, uint32_t addr, const char *name)
{
	struct nl_msg *m = reply_new(tx, SEMNET_CMD_GET_SERVICE);
	struct sn_service s = { .addr = addr };

	snprintf(s.name, sizeof(s.name), "%s", name);
	s.present = 1u << SEMNET_A_SERVICE_ADDR | 1u << SEMNET_A_SERVICE_NAME;
	ck_assert_int_eq(sn_service_put(m, &s), 0);
	return m;
}

START_TEST(lists_grow_and_filter)
{
	struct sn_services services = { 0 };
	struct sn_instances instances = { .filter_service = "b" };
	struct sn_flows flows = { 0 };
	struct sn_flow filter = { .service = A("172.30.0.10") };
	struct nlattr *attrs[SEMNET_A_MAX + 1];
	struct nl_msg *m;

	/* 40 services: past the first 16 slots and their doubling. */
	for (uint32_t k = 0; k < 40; k++) {
		m = msg_new(SEMNET_CMD_GET_SERVICE);
		struct sn_service s = { .addr = htonl(0xac1e0000u + k),
					.present = 1u << SEMNET_A_SERVICE_ADDR };

		ck_assert_int_eq(sn_service_put(m, &s), 0);
		msg_attrs(m, attrs);
		ck_assert_int_eq(sn_services_collect(attrs, &services), 0);
		nlmsg_free(m);
	}
	ck_assert_uint_eq(services.n, 40);
	ck_assert_uint_ge(services.cap, 40);
	for (uint32_t k = 0; k < 40; k++)
		ck_assert_uint_eq(ntohl(services.v[k].addr), 0xac1e0000u + k);
	sn_services_reset(&services);
	ck_assert_uint_eq(services.n, 0);
	free(services.v);

	/* Instances of another service are dropped. */
	for (int k = 0; k < 3; k++) {
		struct sn_instance i = { .addr = htonl(0xac1e0100u + (uint32_t)k) };

		snprintf(i.service, sizeof(i.service), "%s", k == 1 ? "b" : "a");
		i.present = 1u << SEMNET_A_INSTANCE_ADDR | 1u << SEMNET_A_INSTANCE_SERVICE;
		m = msg_new(SEMNET_CMD_GET_INSTANCE);
		ck_assert_int_eq(sn_instance_put(m, &i), 0);
		msg_attrs(m, attrs);
		ck_assert_int_eq(sn_instances_collect(attrs, &instances), 0);
		nlmsg_free(m);
	}
	ck_assert_uint_eq(instances.n, 1);
	ck_assert_uint_eq(instances.v[0].addr, htonl(0xac1e0101u));
	free(instances.v);

	/* Flows of another service, or of none (an InstanceIP flow), are dropped. */
	SN_SET(&filter, SEMNET_A_FLOW_SERVICE);
	flows.filter = &filter;
	m = flow_reply(msg_new(SEMNET_CMD_GET_FLOW), "172.30.0.10", "172.30.1.7");
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_flows_collect(attrs, &flows), 0);
	nlmsg_free(m);
	m = flow_reply(msg_new(SEMNET_CMD_GET_FLOW), "172.30.0.11", "172.30.1.7");
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_flows_collect(attrs, &flows), 0);
	nlmsg_free(m);
	m = flow_reply(msg_new(SEMNET_CMD_GET_FLOW), NULL, "172.30.1.7");
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_flows_collect(attrs, &flows), 0);
	nlmsg_free(m);
	ck_assert_uint_eq(flows.n, 1);
	ck_assert_uint_eq(flows.v[0].service, A("172.30.0.10"));
	free(flows.v);
}
END_TEST

/* A malformed object in a dump stops it with -EBADMSG. */
START_TEST(collect_stops_on_malformed)
{
	struct sn_services services = { 0 };
	int ret;

	service_reply(0, A("172.30.0.1"), "a");
	reply_new(0, SEMNET_CMD_GET_SERVICE);	/* no SEMNET_A_SERVICE */
	ret = dump_services(&services);
	ck_assert_int_eq(ret, -EBADMSG);
	ck_assert_int_eq(fake.ntx, 1);
	free(services.v);
}
END_TEST

static int fail_fill(struct nl_msg *msg, const void *obj)
{
	(void)msg;
	(void)obj;
	return -EMSGSIZE;
}

START_TEST(call_builds_and_sends)
{
	struct sn_service s = { .addr = A("172.30.0.10"), .present = 1u << SEMNET_A_SERVICE_ADDR };
	struct genlmsghdr *gh;

	ck_assert_int_eq(sn_kernel_call(&genl, SEMNET_CMD_DEL_SERVICE, 0, sn_service_fill, &s,
					NULL, NULL), 0);
	ck_assert_int_eq(fake.ntx, 1);
	gh = nlmsg_data(nlmsg_hdr(fake.req[0]));
	ck_assert_uint_eq(gh->cmd, SEMNET_CMD_DEL_SERVICE);
	ck_assert_uint_eq(nla_get_u32(inner(fake.req[0], SEMNET_A_SERVICE,
					    SEMNET_A_SERVICE_ADDR)), A("172.30.0.10"));

	/* A request that cannot be built is not sent. */
	ck_assert_int_eq(sn_kernel_call(&genl, SEMNET_CMD_DEL_SERVICE, 0, fail_fill, &s,
					NULL, NULL), -EMSGSIZE);
	ck_assert_int_eq(fake.ntx, 1);

	/* The kernel's error comes back as is. */
	fake.err[1] = -ENOENT;
	ck_assert_int_eq(sn_kernel_call(&genl, SEMNET_CMD_DEL_SERVICE, 0, sn_service_fill, &s,
					NULL, NULL), -ENOENT);
}
END_TEST

/* An interrupted dump (-EIO) starts over, emptied, three times at most. */
START_TEST(dump_retries_interrupted)
{
	struct sn_services services = { 0 };
	int ret;

	service_reply(0, A("172.30.0.1"), "stale");
	fake.err[0] = -EIO;
	service_reply(1, A("172.30.0.1"), "stale");
	fake.err[1] = -EIO;
	service_reply(2, A("172.30.0.1"), "a");
	service_reply(2, A("172.30.0.2"), "b");
	ret = dump_services(&services);
	ck_assert_int_eq(ret, 0);
	ck_assert_int_eq(fake.ntx, 3);
	ck_assert(nlmsg_hdr(fake.req[2])->nlmsg_flags & NLM_F_DUMP);
	ck_assert_uint_eq(services.n, 2);
	ck_assert_str_eq(services.v[0].name, "a");
	ck_assert_str_eq(services.v[1].name, "b");
	fake_reset();

	/* Interrupted every time: -EIO after SN_KERNEL_DUMP_TRIES. */
	for (int tx = 0; tx < MAX_TX; tx++)
		fake.err[tx] = -EIO;
	ret = dump_services(&services);
	ck_assert_int_eq(ret, -EIO);
	ck_assert_int_eq(fake.ntx, SN_KERNEL_DUMP_TRIES);
	free(services.v);
}
END_TEST

/* --- IPv6: the _ADDR6 twins --- */

/* An IPv6 service: its key is _ADDR6 (16 bytes), never _ADDR. */
START_TEST(service_v6_round_trip)
{
	struct nl_msg *m = msg_new(SEMNET_CMD_NEW_SERVICE);
	struct nlattr *attrs[SEMNET_A_MAX + 1], *a6;
	struct sn_service in = { .name = "app", .policy = "rr" }, out;
	struct in6_addr addr6 = A6("fdff:2000::1");
	char buf[SN_KADDR_STRLEN];

	in.present = 1u << SEMNET_A_SERVICE_NAME | 1u << SEMNET_A_SERVICE_POLICY |
		     1u << SEMNET_A_SERVICE_ADDR;
	sn_service_set_addr6(&in, &addr6);
	ck_assert(!SN_HAS(&in, SEMNET_A_SERVICE_ADDR));
	ck_assert_int_eq(sn_service_family(&in), AF_INET6);
	ck_assert_int_eq(sn_service_put(m, &in), 0);
	ck_assert_ptr_null(inner(m, SEMNET_A_SERVICE, SEMNET_A_SERVICE_ADDR));
	a6 = inner(m, SEMNET_A_SERVICE, SEMNET_A_SERVICE_ADDR6);
	ck_assert_ptr_nonnull(a6);
	ck_assert_int_eq(nla_len(a6), 16);
	ck_assert_mem_eq(nla_data(a6), &addr6, 16);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_service_get(attrs, &out), 0);
	ck_assert_uint_eq(out.present, in.present);
	ck_assert_int_eq(out.family, AF_INET6);
	ck_assert_in6_eq(out.addr6, addr6);
	ck_assert_uint_eq(out.addr, 0);
	ck_assert_str_eq(sn_service_addr_fmt(&out, buf), "fdff:2000::1");
	nlmsg_free(m);

	/* An IPv4 one says so too. */
	m = msg_new(SEMNET_CMD_NEW_SERVICE);
	in = (struct sn_service){ .addr = A("172.30.0.10"),
				  .present = 1u << SEMNET_A_SERVICE_ADDR };
	ck_assert_int_eq(sn_service_put(m, &in), 0);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_service_get(attrs, &out), 0);
	ck_assert_int_eq(out.family, AF_INET);
	ck_assert_str_eq(sn_service_addr_fmt(&out, buf), "172.30.0.10");
	nlmsg_free(m);
}
END_TEST

/* An IPv6 instance: _ADDR6 and _NSIP6; its node stays an IPv4 underlay. */
START_TEST(instance_v6_round_trip)
{
	struct nl_msg *m = msg_new(SEMNET_CMD_NEW_INSTANCE);
	struct nlattr *attrs[SEMNET_A_MAX + 1];
	struct sn_instance in = { .service = "app", .node = A("10.0.0.2") }, out;
	struct in6_addr addr6 = A6("fdff::7"), nsip6 = A6("fc00::102");
	char buf[SN_KADDR_STRLEN];

	in.present = 1u << SEMNET_A_INSTANCE_SERVICE | 1u << SEMNET_A_INSTANCE_NODE;
	sn_instance_set_addr6(&in, &addr6, &nsip6);
	ck_assert_int_eq(sn_instance_put(m, &in), 0);
	ck_assert_ptr_null(inner(m, SEMNET_A_INSTANCE, SEMNET_A_INSTANCE_ADDR));
	ck_assert_ptr_null(inner(m, SEMNET_A_INSTANCE, SEMNET_A_INSTANCE_NSIP));
	ck_assert_int_eq(nla_len(inner(m, SEMNET_A_INSTANCE, SEMNET_A_INSTANCE_NSIP6)), 16);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_instance_get(attrs, &out), 0);
	ck_assert_uint_eq(out.present, in.present);
	ck_assert_int_eq(out.family, AF_INET6);
	ck_assert_int_eq(sn_instance_family(&out), AF_INET6);
	ck_assert_in6_eq(out.addr6, addr6);
	ck_assert_in6_eq(out.nsip6, nsip6);
	ck_assert_uint_eq(out.node, A("10.0.0.2"));
	ck_assert_str_eq(sn_instance_addr_fmt(&out, buf), "fdff::7");
	ck_assert_str_eq(sn_instance_nsip_fmt(&out, buf), "fc00::102");
	nlmsg_free(m);
}
END_TEST

/* The IPv6 plan, and subnets of both families (up to 8 of each). */
START_TEST(node_v6_round_trip)
{
	struct nl_msg *m = msg_new(SEMNET_CMD_SET_NODE);
	struct nlattr *attrs[SEMNET_A_MAX + 1], *nest, *subs;
	struct sn_node in, out;
	char buf[SN_KPREFIX_STRLEN];
	unsigned int k;

	memset(&in, 0, sizeof(in));
	in.platform = (struct sn_kprefix){ .addr = A("172.16.0.0"), .len = 12 };
	in.platform6 = P6("fc00::", 7);
	in.service_range6 = P6("fdff::", 16);
	in.gateway6 = A6("fc00::101");
	for (k = 0; k < SEMNET_SUBNETS_MAX; k++) {
		in.subnets[2 * k] = (struct sn_kprefix){ .addr = htonl(0xac100000u + (k << 8)),
							 .len = 26 };
		in.subnets[2 * k + 1] = P6("fc00::", 120);
		in.subnets[2 * k + 1].addr6.s6_addr[14] = (uint8_t)(k + 1);
	}
	in.nsubnets = SN_NODE_SUBNETS_MAX;
	in.present = 1u << SEMNET_A_NODE_PLATFORM | 1u << SEMNET_A_NODE_SUBNETS |
		     1u << SEMNET_A_NODE_PLATFORM6 | 1u << SEMNET_A_NODE_SERVICE_RANGE6 |
		     1u << SEMNET_A_NODE_GATEWAY6;
	ck_assert_int_eq(sn_node_put(m, &in), 0);
	ck_assert_int_eq(nla_len(inner(m, SEMNET_A_NODE, SEMNET_A_NODE_GATEWAY6)), 16);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_node_get(attrs, &out), 0);
	ck_assert_uint_eq(out.present, in.present);
	ck_assert_str_eq(sn_kprefix_fmt(&out.platform6, buf), "fc00::/7");
	ck_assert_str_eq(sn_kprefix_fmt(&out.service_range6, buf), "fdff::/16");
	ck_assert_str_eq(sn_kprefix_fmt(&out.platform, buf), "172.16.0.0/12");
	ck_assert(sn_kprefix_is6(&out.platform6) && !sn_kprefix_is6(&out.platform));
	ck_assert_in6_eq(out.gateway6, in.gateway6);
	ck_assert_uint_eq(out.nsubnets, SN_NODE_SUBNETS_MAX);
	ck_assert_str_eq(sn_kprefix_fmt(&out.subnets[1], buf), "fc00::100/120");
	ck_assert_str_eq(sn_kprefix_fmt(&out.subnets[2], buf), "172.16.1.0/26");
	ck_assert_str_eq(sn_kprefix_fmt(&out.subnets[15], buf), "fc00::800/120");
	nlmsg_free(m);

	/* A ninth IPv6 subnet is more than the module keeps. */
	m = msg_new(SEMNET_CMD_GET_NODE);
	nest = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_NODE);
	subs = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_NODE_SUBNETS);
	for (k = 0; k <= SEMNET_SUBNETS_MAX; k++) {
		struct sn_kprefix one = P6("fc00::", 120);

		one.addr6.s6_addr[14] = (uint8_t)k;
		ck_assert_int_eq(sn_kprefix_put(m, SEMNET_A_NODE_SUBNET, &one), 0);
	}
	nla_nest_end(m, subs);
	nla_nest_end(m, nest);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_node_get(attrs, &out), -EBADMSG);
	nlmsg_free(m);
}
END_TEST

/* Malformed IPv6: wrong sizes, two keys, an IPv4 prefix as platform6. */
START_TEST(malformed_v6)
{
	struct nlattr *attrs[SEMNET_A_MAX + 1], *nest, *pfx;
	struct in6_addr a6 = A6("fdff::1");
	struct sn_service s;
	struct sn_instance i;
	struct sn_node n;
	struct sn_peer p;
	struct nl_msg *m;

	/* An _ADDR6 of 4 bytes. */
	m = msg_new(SEMNET_CMD_GET_SERVICE);
	nest = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_SERVICE);
	nla_put_u32(m, SEMNET_A_SERVICE_ADDR6, 1);
	nla_nest_end(m, nest);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_service_get(attrs, &s), -EBADMSG);
	nlmsg_free(m);

	/* Both keys. */
	m = msg_new(SEMNET_CMD_GET_INSTANCE);
	nest = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_INSTANCE);
	nla_put_u32(m, SEMNET_A_INSTANCE_ADDR, A("172.30.1.1"));
	nla_put(m, SEMNET_A_INSTANCE_ADDR6, sizeof(a6), &a6);
	nla_nest_end(m, nest);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_instance_get(attrs, &i), -EBADMSG);
	nlmsg_free(m);

	/* An _NSIP6 of 17 bytes. */
	m = msg_new(SEMNET_CMD_GET_INSTANCE);
	nest = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_INSTANCE);
	nla_put(m, SEMNET_A_INSTANCE_ADDR6, sizeof(a6), &a6);
	{
		char big[17] = { 0 };

		nla_put(m, SEMNET_A_INSTANCE_NSIP6, sizeof(big), big);
	}
	nla_nest_end(m, nest);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_instance_get(attrs, &i), -EBADMSG);
	nlmsg_free(m);

	/* An IPv6 prefix of length 129; a prefix with both addresses. */
	m = msg_new(SEMNET_CMD_GET_PEER);
	nest = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_PEER);
	ck_assert_int_eq(sn_kprefix_put(m, SEMNET_A_PEER_SUBNET, &(struct sn_kprefix){
		.family = AF_INET6, .addr6 = a6, .len = 129 }), 0);
	nla_nest_end(m, nest);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_peer_get(attrs, &p), -EBADMSG);
	nlmsg_free(m);
	m = msg_new(SEMNET_CMD_GET_PEER);
	nest = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_PEER);
	pfx = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_PEER_SUBNET);
	nla_put_u32(m, SEMNET_A_PREFIX_ADDR, A("10.0.0.0"));
	nla_put(m, SEMNET_A_PREFIX_ADDR6, sizeof(a6), &a6);
	nla_put_u8(m, SEMNET_A_PREFIX_LEN, 8);
	nla_nest_end(m, pfx);
	nla_nest_end(m, nest);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_peer_get(attrs, &p), -EBADMSG);
	nlmsg_free(m);

	/* An IPv4 prefix where the IPv6 plan goes. */
	m = msg_new(SEMNET_CMD_GET_NODE);
	nest = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_NODE);
	ck_assert_int_eq(sn_kprefix_put(m, SEMNET_A_NODE_PLATFORM6, &(struct sn_kprefix){
		.addr = A("172.16.0.0"), .len = 12 }), 0);
	nla_nest_end(m, nest);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_node_get(attrs, &n), -EBADMSG);
	nlmsg_free(m);
}
END_TEST

static void service6_reply(int tx, const char *addr6, const char *name)
{
	struct nl_msg *m = reply_new(tx, SEMNET_CMD_GET_SERVICE);
	struct sn_service s = { .present = 1u << SEMNET_A_SERVICE_NAME };
	struct in6_addr a6 = A6(addr6);

	snprintf(s.name, sizeof(s.name), "%s", name);
	sn_service_set_addr6(&s, &a6);
	ck_assert_int_eq(sn_service_put(m, &s), 0);
}

/*
 * A dump of both families never fails on either; a list may keep one
 * family (what code that handles only IPv4 asks for).
 */
START_TEST(dump_both_families)
{
	struct sn_services all = { 0 }, v4 = { .family = AF_INET }, v6 = { .family = AF_INET6 };
	struct sn_instances inst = { .family = AF_INET6 };
	struct nlattr *attrs[SEMNET_A_MAX + 1];
	struct sn_instance i = { .present = 1u << SEMNET_A_INSTANCE_SERVICE, .service = "a" };
	struct in6_addr a6 = A6("fdff::2"), n6 = A6("fc00::102");
	struct nl_msg *m;

	service_reply(0, A("172.30.0.1"), "a");
	service6_reply(0, "fdff:2000::1", "a");
	service_reply(0, A("172.30.0.2"), "b");
	ck_assert_int_eq(dump_services(&all), 0);
	ck_assert_uint_eq(all.n, 3);
	ck_assert_int_eq(all.v[1].family, AF_INET6);
	ck_assert_str_eq(all.v[1].name, "a");
	fake_reset();
	service_reply(0, A("172.30.0.1"), "a");
	service6_reply(0, "fdff:2000::1", "a");
	ck_assert_int_eq(dump_services(&v4), 0);
	ck_assert_uint_eq(v4.n, 1);
	ck_assert_uint_eq(v4.v[0].addr, A("172.30.0.1"));
	fake_reset();
	service_reply(0, A("172.30.0.1"), "a");
	service6_reply(0, "fdff:2000::1", "a");
	ck_assert_int_eq(dump_services(&v6), 0);
	ck_assert_uint_eq(v6.n, 1);
	ck_assert_int_eq(v6.v[0].family, AF_INET6);

	sn_instance_set_addr6(&i, &a6, &n6);
	m = msg_new(SEMNET_CMD_GET_INSTANCE);
	ck_assert_int_eq(sn_instance_put(m, &i), 0);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_instances_collect(attrs, &inst), 0);
	nlmsg_free(m);
	i = (struct sn_instance){ .addr = A("172.30.1.1"), .service = "a",
				  .present = 1u << SEMNET_A_INSTANCE_ADDR };
	m = msg_new(SEMNET_CMD_GET_INSTANCE);
	ck_assert_int_eq(sn_instance_put(m, &i), 0);
	msg_attrs(m, attrs);
	ck_assert_int_eq(sn_instances_collect(attrs, &inst), 0);
	nlmsg_free(m);
	ck_assert_uint_eq(inst.n, 1);
	ck_assert_in6_eq(inst.v[0].addr6, a6);
	free(all.v);
	free(v4.v);
	free(v6.v);
	free(inst.v);
}
END_TEST

/* The extack offset of an IPv6 twin, in every nest that has one. */
START_TEST(attr_is6_finds_twins)
{
	struct sn_node node = { .platform = { .addr = A("172.16.0.0"), .len = 12 },
				.platform6 = P6("fc00::", 7), .gateway6 = A6("fc00::101") };
	struct sn_service s = { .present = 1u << SEMNET_A_SERVICE_NAME, .name = "a" };
	struct in6_addr a6 = A6("fdff::1");
	struct nl_msg *m = msg_new(SEMNET_CMD_SET_NODE);
	struct nlattr *at, *p6;
	struct nlmsghdr *nlh;

	node.present = 1u << SEMNET_A_NODE_PLATFORM | 1u << SEMNET_A_NODE_PLATFORM6 |
		       1u << SEMNET_A_NODE_GATEWAY6;
	ck_assert_int_eq(sn_node_put(m, &node), 0);
	nlh = nlmsg_hdr(m);
#define OFF(a) ((long)((char *)(a) - (char *)nlh))
	at = inner(m, SEMNET_A_NODE, SEMNET_A_NODE_GATEWAY6);
	ck_assert(sn_kernel_attr_is6(nlh, OFF(at)));
	p6 = inner(m, SEMNET_A_NODE, SEMNET_A_NODE_PLATFORM6);
	ck_assert(sn_kernel_attr_is6(nlh, OFF(p6)));
	ck_assert(sn_kernel_attr_is6(nlh, OFF(nla_find(nla_data(p6), nla_len(p6),
						       SEMNET_A_PREFIX_ADDR6))));
	at = inner(m, SEMNET_A_NODE, SEMNET_A_NODE_PLATFORM);
	ck_assert(!sn_kernel_attr_is6(nlh, OFF(at)));
	ck_assert(!sn_kernel_attr_is6(nlh, OFF(nla_find(nla_data(at), nla_len(at),
							SEMNET_A_PREFIX_ADDR))));
	ck_assert(!sn_kernel_attr_is6(nlh, -1));
	ck_assert(!sn_kernel_attr_is6(nlh, 0));
	ck_assert(!sn_kernel_attr_is6(nlh, (long)nlh->nlmsg_len + 4));
	nlmsg_free(m);

	/* A batch: the list's entries are objects. */
	m = msg_new(SEMNET_CMD_NEW_SERVICE);
	at = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_SERVICES);
	sn_service_set_addr6(&s, &a6);
	ck_assert_int_eq(sn_service_put(m, &s), 0);
	nla_nest_end(m, at);
	nlh = nlmsg_hdr(m);
	{
		struct nlattr *entry = nla_data(at);
		struct nlattr *key = nla_find(nla_data(entry), nla_len(entry),
					      SEMNET_A_SERVICE_ADDR6);
		struct nlattr *name = nla_find(nla_data(entry), nla_len(entry),
					       SEMNET_A_SERVICE_NAME);

		ck_assert(sn_kernel_attr_is6(nlh, OFF(key)));
		ck_assert(!sn_kernel_attr_is6(nlh, OFF(name)));
	}
#undef OFF
	nlmsg_free(m);
}
END_TEST

/* A module older than IPv6 refusing the _ADDR6: said so in g->error. */
START_TEST(old_module_refuses_v6)
{
	struct sn_service s = { .present = 1u << SEMNET_A_SERVICE_NAME, .name = "a" };
	struct in6_addr a6 = A6("fdff::1");

	sn_service_set_addr6(&s, &a6);
	fake.err[0] = -EINVAL;
	fake.extack = "Unknown attribute type";
	fake.at_nest = SEMNET_A_SERVICE;
	fake.at_type = SEMNET_A_SERVICE_ADDR6;
	ck_assert_int_eq(sn_kernel_call(&genl, SEMNET_CMD_NEW_SERVICE, 0, sn_service_fill, &s,
					NULL, NULL), -EINVAL);
	ck_assert_str_eq(genl.error, SN_KERNEL_NO_IPV6);

	/* The same words about another attribute are the kernel's own. */
	fake.err[1] = -EINVAL;
	fake.at_type = SEMNET_A_SERVICE_NAME;
	ck_assert_int_eq(sn_kernel_call(&genl, SEMNET_CMD_NEW_SERVICE, 0, sn_service_fill, &s,
					NULL, NULL), -EINVAL);
	ck_assert_str_eq(genl.error, "Unknown attribute type");

	/* Another refusal at the _ADDR6 is passed on as it is. */
	fake.err[2] = -EINVAL;
	fake.extack = "one address, IPv4 or IPv6, not both";
	fake.at_type = SEMNET_A_SERVICE_ADDR6;
	ck_assert_int_eq(sn_kernel_call(&genl, SEMNET_CMD_NEW_SERVICE, 0, sn_service_fill, &s,
					NULL, NULL), -EINVAL);
	ck_assert_str_eq(genl.error, "one address, IPv4 or IPv6, not both");
}
END_TEST

/* --- semnetd's side: host byte order in, the family's objects out --- */

/* A routed node (no bridge ifindex) says so, and names no bridge. */
START_TEST(semnetd_routed_node)
{
	struct nlattr *attrs[SEMNET_A_MAX + 1];
	struct semnetd_node_cfg cfg = {
		.platform = { 0xac100000u, 12 }, .services = { 0xac1e0000u, 16 },
		.subnet = { 0xac100040u, 26 }, .gateway = 0xac100041u, .tunnel_port = 4754,
	};
	struct sn_node node;

	ck_assert_int_eq(semnetd_kernel_set_node(&genl, &cfg), 0);
	msg_attrs(fake.req[0], attrs);
	ck_assert_int_eq(sn_node_get(attrs, &node), 0);
	ck_assert(SN_HAS(&node, SEMNET_A_NODE_MODE));
	ck_assert_uint_eq(node.mode, SEMNET_NODE_MODE_ROUTED);
	ck_assert(!SN_HAS(&node, SEMNET_A_NODE_BRIDGE));
	ck_assert_uint_eq(node.gateway, A("172.16.0.65"));
}
END_TEST

START_TEST(semnetd_requests_in_network_order)
{
	struct nlattr *attrs[SEMNET_A_MAX + 1];
	struct semnetd_node_cfg cfg = {
		.platform = { 0xac100000u, 12 }, .services = { 0xac1e0000u, 16 },
		.subnet = { 0xac100040u, 26 }, .gateway = 0xac100041u,
		.bridge_ifindex = 4, .tunnel_port = 4754,
	};
	struct sn_prefix subnet = { 0xac100080u, 26 };
	struct sn_prefix6 subnet6 = { .len = 120 };
	struct sn_ipaddr node4 = sn_ipaddr4(0x0a000003u), node6;
	struct sn_instance in;
	struct sn_node node;
	struct sn_peer peer;

	ck_assert_int_eq(inet_pton(AF_INET6, "fc00::100", &subnet6.addr), 1);
	ck_assert_int_eq(semnetd_kernel_set_node(&genl, &cfg), 0);
	msg_attrs(fake.req[0], attrs);
	ck_assert_int_eq(sn_node_get(attrs, &node), 0);
	ck_assert_uint_eq(node.platform.addr, A("172.16.0.0"));
	ck_assert_uint_eq(node.service_range.addr, A("172.30.0.0"));
	ck_assert_uint_eq(node.nsubnets, 1);
	ck_assert_uint_eq(node.subnets[0].addr, A("172.16.0.64"));
	ck_assert_uint_eq(node.subnets[0].len, 26);
	ck_assert_uint_eq(node.gateway, A("172.16.0.65"));
	ck_assert_uint_eq(node.bridge, 4);
	ck_assert(SN_HAS(&node, SEMNET_A_NODE_MODE));
	ck_assert_uint_eq(node.mode, SEMNET_NODE_MODE_BRIDGED);
	ck_assert_uint_eq(node.tunnel_port, 4754);
	ck_assert(!SN_HAS(&node, SEMNET_A_NODE_FLOW_MAX));	/* the module's defaults */

	/* A local instance is pinned to its port; a remote one is not. */
	ck_assert_int_eq(semnetd_kernel_instance_put(&genl, 0xac1e0107u, "app", 0xac100042u,
						     0, 9), 0);
	ck_assert_int_eq(semnetd_kernel_instance_put(&genl, 0xac1e0108u, "app", 0xac100082u,
						     0x0a000003u, 9), 0);
	ck_assert_uint_eq(nlmsg_hdr(fake.req[1])->nlmsg_flags & (NLM_F_CREATE | NLM_F_REPLACE),
			  NLM_F_CREATE | NLM_F_REPLACE);
	msg_attrs(fake.req[1], attrs);
	ck_assert_int_eq(sn_instance_get(attrs, &in), 0);
	ck_assert_uint_eq(in.addr, A("172.30.1.7"));
	ck_assert_uint_eq(in.nsip, A("172.16.0.66"));
	ck_assert_uint_eq(in.node, 0);
	ck_assert(SN_HAS(&in, SEMNET_A_INSTANCE_NODE));
	ck_assert_uint_eq(in.ifindex, 9);
	msg_attrs(fake.req[2], attrs);
	ck_assert_int_eq(sn_instance_get(attrs, &in), 0);
	ck_assert_uint_eq(in.node, A("10.0.0.3"));
	ck_assert(!SN_HAS(&in, SEMNET_A_INSTANCE_IFINDEX));

	ck_assert_int_eq(semnetd_kernel_peer_put(&genl, &subnet, &node4, 4754,
						 SEMNET_ENCAP_GRE_UDP, 0, NULL), 0);
	msg_attrs(fake.req[3], attrs);
	ck_assert_int_eq(sn_peer_get(attrs, &peer), 0);
	ck_assert_uint_eq(peer.subnet.addr, A("172.16.0.128"));
	ck_assert_uint_eq(peer.addr, A("10.0.0.3"));
	ck_assert_uint_eq(peer.port, 4754);
	ck_assert_uint_eq(peer.encap, SEMNET_ENCAP_GRE_UDP);
	/* Always given, 0 here: a peer that was direct loses its device
	 * (a replace keeps what it is not given). */
	ck_assert(SN_HAS(&peer, SEMNET_A_PEER_IFINDEX));
	ck_assert_uint_eq(peer.ifindex, 0);
	ck_assert(!SN_HAS(&peer, SEMNET_A_PEER_LABEL));	/* NULL: left out */

	ck_assert_int_eq(semnetd_kernel_peer_state(&genl, &node4, 1200, true), 0);
	msg_attrs(fake.req[4], attrs);
	ck_assert_int_eq(sn_peer_get(attrs, &peer), -EBADMSG);	/* no subnet: by address */
	ck_assert_uint_eq(nla_get_u32(inner(fake.req[4], SEMNET_A_PEER, SEMNET_A_PEER_ADDR)),
			  A("10.0.0.3"));
	ck_assert_uint_eq(nla_get_u32(inner(fake.req[4], SEMNET_A_PEER, SEMNET_A_PEER_COST)),
			  1200);

	/* A node on an IPv6 underlay: its peers (either subnet family) and
	 * its state by _ADDR6, never _ADDR. */
	node6 = (struct sn_ipaddr){ .family = AF_INET6 };
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::3", &node6.v6), 1);
	ck_assert_int_eq(semnetd_kernel_peer_put(&genl, &subnet, &node6, 4754,
						 SEMNET_ENCAP_GRE_UDP, 0, NULL), 0);
	msg_attrs(fake.req[5], attrs);
	ck_assert_int_eq(sn_peer_get(attrs, &peer), 0);
	ck_assert(SN_HAS(&peer, SEMNET_A_PEER_ADDR6) && !SN_HAS(&peer, SEMNET_A_PEER_ADDR));
	ck_assert_mem_eq(&peer.addr6, &node6.v6, 16);
	ck_assert_uint_eq(peer.subnet.addr, A("172.16.0.128"));
	/* An Oakestra node's peer: bare IP in UDP, at the port it reports. */
	ck_assert_int_eq(semnetd_kernel_peer_put6(&genl, &subnet6, &node6, 50103,
						  SEMNET_ENCAP_IPUDP, 0, NULL), 0);
	msg_attrs(fake.req[6], attrs);
	ck_assert_int_eq(sn_peer_get(attrs, &peer), 0);
	ck_assert(SN_HAS(&peer, SEMNET_A_PEER_ADDR6) && !SN_HAS(&peer, SEMNET_A_PEER_ADDR));
	ck_assert_uint_eq(peer.subnet.family, AF_INET6);
	ck_assert_uint_eq(peer.encap, SEMNET_ENCAP_IPUDP);
	ck_assert_uint_eq(peer.port, 50103);
	ck_assert_int_eq(semnetd_kernel_peer_state(&genl, &node6, 900, false), 0);
	ck_assert_ptr_null(inner(fake.req[7], SEMNET_A_PEER, SEMNET_A_PEER_ADDR));
	ck_assert_mem_eq(nla_data(inner(fake.req[7], SEMNET_A_PEER, SEMNET_A_PEER_ADDR6)),
			 &node6.v6, 16);
	/* No address at all: refused before anything is sent. */
	ck_assert_int_eq(semnetd_kernel_peer_state(&genl, &(struct sn_ipaddr){ 0 }, 900, false),
			 -EINVAL);
	ck_assert_int_eq(semnetd_kernel_peer_put(&genl, &subnet, &(struct sn_ipaddr){ 0 }, 4754,
						 SEMNET_ENCAP_GRE_UDP, 0, NULL), -EINVAL);
	ck_assert_int_eq(fake.ntx, 8);
	/* A direct peer (issue 18): bound to the underlay device. */
	ck_assert_int_eq(semnetd_kernel_peer_put(&genl, &subnet, &node4, 4754,
						 SEMNET_ENCAP_DIRECT, 7,
						 "direct: same underlay 10.0.0.0/24"), 0);
	msg_attrs(fake.req[8], attrs);
	ck_assert_int_eq(sn_peer_get(attrs, &peer), 0);
	ck_assert_uint_eq(peer.encap, SEMNET_ENCAP_DIRECT);
	ck_assert(SN_HAS(&peer, SEMNET_A_PEER_IFINDEX));
	ck_assert_uint_eq(peer.ifindex, 7);
	ck_assert_str_eq(peer.label, "direct: same underlay 10.0.0.0/24");
	ck_assert_int_eq(fake.ntx, 9);
	/* What the kernel would refuse is made printable, and cut to fit. */
	{
		char long_label[2 * SEMNET_PEER_LABEL_MAX];

		memset(long_label, 'w', sizeof(long_label) - 1);
		long_label[sizeof(long_label) - 1] = '\0';
		long_label[3] = '\n';
		long_label[4] = '\033';
		ck_assert_int_eq(semnetd_kernel_peer_put(&genl, &subnet, &node4, 4754,
							 SEMNET_ENCAP_GRE_UDP, 0, long_label), 0);
		msg_attrs(fake.req[9], attrs);
		ck_assert_int_eq(sn_peer_get(attrs, &peer), 0);
		ck_assert_uint_eq(strlen(peer.label), SEMNET_PEER_LABEL_MAX - 1);
		ck_assert(!strncmp(peer.label, "www??www", 8));
	}
}
END_TEST

START_TEST(semnetd_dumps_in_host_order)
{
	struct semnetd_kservice *ks = NULL;
	struct semnetd_kpeer *kp = NULL;
	struct sn_prefix subnet = { 0xac100080u, 26 };
	struct semnetd_miss miss;
	struct nlattr *attrs[SEMNET_A_MAX + 1], *nest;
	struct nl_msg *m;
	size_t n = 99;
	struct sn_peer p = { .subnet = { .addr = A("172.16.0.128"), .len = 26 }, .addr = A("10.0.0.3") };

	service_reply(0, A("172.30.0.10"), "app.ns");
	ck_assert_int_eq(semnetd_kernel_services(&genl, &ks, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(ks[0].addr, 0xac1e000au);
	ck_assert_str_eq(ks[0].name, "app.ns");
	free(ks);

	/* An empty dump: no array. */
	ck_assert_int_eq(semnetd_kernel_services(&genl, &ks, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(ks);

	/* A peer without a cost (older module): has_cost false. */
	p.present = 1u << SEMNET_A_PEER_SUBNET | 1u << SEMNET_A_PEER_ADDR;
	ck_assert_int_eq(sn_peer_put(reply_new(2, SEMNET_CMD_GET_PEER), &p), 0);
	ck_assert_int_eq(semnetd_kernel_peers(&genl, &kp, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(kp[0].subnet.addr, subnet.addr);
	ck_assert_uint_eq(kp[0].subnet.len, 26);
	ck_assert_uint_eq(kp[0].addr, 0x0a000003u);
	ck_assert(!kp[0].has_cost);
	free(kp);

	/* A failed dump leaves nothing to free. */
	fake.err[3] = -EPERM;
	ck_assert_int_eq(semnetd_kernel_services(&genl, &ks, &n), -EPERM);
	ck_assert_ptr_null(ks);
	ck_assert_uint_eq(n, 0);
	fake_reset();

	m = msg_new(SEMNET_CMD_MISS);
	nest = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_MISS);
	nla_put_u32(m, SEMNET_A_MISS_ADDR, A("172.30.0.99"));
	nla_put_u32(m, SEMNET_A_MISS_SRC, A("172.16.0.2"));
	nla_put_u32(m, SEMNET_A_MISS_HELD, 1);
	nla_nest_end(m, nest);
	msg_attrs(m, attrs);
	ck_assert_int_eq(semnetd_kernel_parse_miss(attrs, &miss), 0);
	ck_assert_uint_eq(miss.addr, 0xac1e0063u);
	ck_assert_uint_eq(miss.src, 0xac100002u);
	ck_assert_int_eq(miss.kind, SEMNET_MISS_ADDRESS);
	ck_assert_uint_eq(miss.held, 1);
	nlmsg_free(m);
}
END_TEST

Suite *unit_suite(void)
{
	return UNIT_SUITE("sn_kernel", fake_reset, fake_reset, 0, node_round_trip, node_partial,
			  service_round_trip, instance_round_trip, peer_round_trip,
			  flow_decode, stats_decode, miss_and_info_decode, malformed_replies,
			  put_into_full_message, lists_grow_and_filter,
			  collect_stops_on_malformed, call_builds_and_sends,
			  dump_retries_interrupted, semnetd_requests_in_network_order,
			  semnetd_routed_node,
			  semnetd_dumps_in_host_order, service_v6_round_trip,
			  instance_v6_round_trip, node_v6_round_trip, malformed_v6,
			  dump_both_families, attr_is6_finds_twins, old_module_refuses_v6);
}
