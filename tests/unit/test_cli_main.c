// SPDX-License-Identifier: GPL-2.0
/*
 * The semnet CLI end to end, in process, against a fake kernel: sn_main()
 * runs with sn_genl_open() and sn_genl_transact() wrapped (-Wl,--wrap), so
 * a test sees every request the CLI would send (command, flags, attributes)
 * and scripts the replies and errors of the kernel. This checks that usage
 * errors exit 2 without opening netlink, that a missing module exits 1 with
 * the clear message for every kernel command, the encoding of requests,
 * the reporting of kernel errors, and the text and JSON output of replies.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "unit.h"
#include "../../daemon/cli/cli.h"

#define FAKE_FAMILY 0x42
#define MAX_REQ 16
#define MAX_REPLY 16

/* --- the fake kernel --- */

static struct {
	int open_ret;			/* what sn_genl_open() returns */
	int nopen;
	/* Requests as sent, and how much stdout had written by then. */
	struct nlmsghdr *req[MAX_REQ];
	off_t out_pos[MAX_REQ];
	int nreq;
	/* Scripted replies, each for one transaction (0: the first). */
	struct nl_msg *reply[MAX_REPLY];
	int reply_tx[MAX_REPLY];
	int nreply;
	int script_tx;			/* the transaction reply_new() scripts */
	int err;			/* transaction err_tx's error, or 0 */
	int err_tx;
	const char *extack;
	/* The attribute the extack names: type extack_type in nest extack_nest (0: none). */
	int extack_nest, extack_type;
	int eio_until;			/* transactions before this one fail with -EIO */
} fake;

int __real_sn_genl_open(struct sn_genl *g);
int __wrap_sn_genl_open(struct sn_genl *g);
int __wrap_sn_genl_transact(struct sn_genl *g, struct nl_msg *msg,
			    sn_genl_reply_fn fn, void *arg);
int __wrap_sn_genl_subscribe(struct sn_genl *g, const char *group);
int __wrap_sn_genl_recv_events(struct sn_genl *g, sn_genl_event_fn fn, void *arg);

int __wrap_sn_genl_open(struct sn_genl *g)
{
	memset(g, 0, sizeof(*g));
	fake.nopen++;
	if (fake.open_ret)
		return fake.open_ret;
	g->family = FAKE_FAMILY;
	return 0;
}

int __wrap_sn_genl_transact(struct sn_genl *g, struct nl_msg *msg,
			    sn_genl_reply_fn fn, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int i, tx = fake.nreq, ret = 0;

	ck_assert_int_lt(fake.nreq, MAX_REQ);
	fake.req[fake.nreq] = malloc(nlh->nlmsg_len);
	ck_assert_ptr_nonnull(fake.req[fake.nreq]);
	fake.out_pos[fake.nreq] = lseek(1, 0, SEEK_CUR);
	memcpy(fake.req[fake.nreq++], nlh, nlh->nlmsg_len);
	nlmsg_free(msg);
	g->error[0] = '\0';
	if (tx < fake.eio_until) {
		/* An interrupted dump: the replies so far arrive, then -EIO. */
		for (i = 0; i < fake.nreply; i++) {
			struct nlattr *attrs[SEMNET_A_MAX + 1];

			if (fake.reply_tx[i] != 0)
				continue;
			ck_assert_int_eq(genlmsg_parse(nlmsg_hdr(fake.reply[i]), 0, attrs,
						       SEMNET_A_MAX, NULL), 0);
			if (fn)
				fn(attrs, arg);
		}
		return -EIO;
	}
	for (i = 0; i < fake.nreply; i++) {
		struct nlattr *attrs[SEMNET_A_MAX + 1];

		if (fake.reply_tx[i] != tx)
			continue;
		ck_assert_int_eq(genlmsg_parse(nlmsg_hdr(fake.reply[i]), 0, attrs,
					       SEMNET_A_MAX, NULL), 0);
		if (!ret && fn)
			ret = fn(attrs, arg);
	}
	if (ret)
		return ret;
	if (fake.err && tx == fake.err_tx) {
		ret = fake.err;
		if (fake.extack)
			snprintf(g->error, sizeof(g->error), "%s", fake.extack);
		g->error_offset = -1;
		if (fake.extack_nest) {
			struct nlattr *attrs[SEMNET_A_MAX + 1], *at;

			/* The copy: msg is freed. */
			nlh = fake.req[tx];
			ck_assert_int_eq(genlmsg_parse(nlh, 0, attrs, SEMNET_A_MAX, NULL), 0);
			ck_assert_ptr_nonnull(attrs[fake.extack_nest]);
			at = nla_find(nla_data(attrs[fake.extack_nest]),
				      nla_len(attrs[fake.extack_nest]), fake.extack_type);
			ck_assert_ptr_nonnull(at);
			g->error_offset = (long)((char *)at - (char *)nlh);
		}
		return ret;
	}
	return 0;
}

/*
 * Events: subscribing records the group; each read delivers the next
 * scripted event (reply_new() messages, in order), then -ENOBUFS once if
 * asked, then fake.err (the socket failing) when the script runs out.
 */
static struct {
	char group[32];
	int subscribe_ret;
	int next;
	int enobufs_after;		/* deliver -ENOBUFS after this many (0: never) */
	int reads;
} ev;

int __wrap_sn_genl_subscribe(struct sn_genl *g, const char *group)
{
	(void)g;
	snprintf(ev.group, sizeof(ev.group), "%s", group);
	return ev.subscribe_ret;
}

int __wrap_sn_genl_recv_events(struct sn_genl *g, sn_genl_event_fn fn, void *arg)
{
	struct nlattr *attrs[SEMNET_A_MAX + 1];
	struct genlmsghdr *gh;

	(void)g;
	ev.reads++;
	if (ev.enobufs_after && ev.next == ev.enobufs_after) {
		ev.enobufs_after = 0;
		return -ENOBUFS;
	}
	if (ev.next >= fake.nreply)
		return fake.err ? fake.err : -EIO;
	gh = nlmsg_data(nlmsg_hdr(fake.reply[ev.next]));
	ck_assert_int_eq(genlmsg_parse(nlmsg_hdr(fake.reply[ev.next]), 0, attrs,
				       SEMNET_A_MAX, NULL), 0);
	ev.next++;
	return fn(gh->cmd, attrs, arg);
}

static void fake_reset(void)
{
	int i;

	for (i = 0; i < fake.nreq; i++)
		free(fake.req[i]);
	for (i = 0; i < fake.nreply; i++)
		nlmsg_free(fake.reply[i]);
	memset(&fake, 0, sizeof(fake));
	memset(&ev, 0, sizeof(ev));
}

/* A reply message to fill with nla_put*(). */
static struct nl_msg *reply_new(uint8_t cmd)
{
	struct nl_msg *m = nlmsg_alloc();

	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(genlmsg_put(m, 0, 0, FAKE_FAMILY, 0, 0, cmd, 1));
	ck_assert_int_lt(fake.nreply, MAX_REPLY);
	fake.reply_tx[fake.nreply] = fake.script_tx;
	fake.reply[fake.nreply++] = m;
	return m;
}

/* --- running sn_main() with captured output --- */

static struct unit_output run;

/* Runs `semnet ARGS...`, its output and exit status captured in run. */
#define SEMNET(...) unit_run_tool(&run, sn_main, "semnet", __VA_ARGS__, (const char *)NULL)
/* The same against a fresh fake kernel, which must succeed. */
#define SEMNET_OK(...) do { \
	fake_reset(); \
	ck_assert_int_eq(SEMNET(__VA_ARGS__), 0); \
} while (0)

static uint32_t A(const char *s)
{
	struct in_addr in;

	ck_assert_int_eq(inet_pton(AF_INET, s, &in), 1);
	return in.s_addr;
}

/* --- looking at a captured request --- */

static struct genlmsghdr *req_genl(int i)
{
	ck_assert_int_lt(i, fake.nreq);
	return nlmsg_data(fake.req[i]);
}

static void req_attrs(int i, struct nlattr **attrs)
{
	ck_assert_int_lt(i, fake.nreq);
	ck_assert_int_eq(genlmsg_parse(fake.req[i], 0, attrs, SEMNET_A_MAX, NULL), 0);
}

/* Parses nest (which must carry NLA_F_NESTED, as strict kernels demand). */
static void nested(struct nlattr *nest, int max, struct nlattr **tb)
{
	ck_assert_ptr_nonnull(nest);
	ck_assert_msg(nest->nla_type & NLA_F_NESTED, "nest %d without NLA_F_NESTED",
		      nla_type(nest));
	ck_assert_int_eq(nla_parse_nested(tb, max, nest, NULL), 0);
}

/* Request i's object nest (type nest, attributes up to max), parsed into tb. */
static void req_nest(int i, int nest, int max, struct nlattr **tb)
{
	struct nlattr *attrs[SEMNET_A_MAX + 1];

	req_attrs(i, attrs);
	nested(attrs[nest], max, tb);
}

/*
 * Request i is command cmd with flags among NLM_F_CREATE, _EXCL and
 * _REPLACE (NLM_F_DUMP is two of them), and carries its object's nest.
 */
static void req_object(int i, uint8_t cmd, int flags, int nest, int max, struct nlattr **tb)
{
	ck_assert_int_eq(req_genl(i)->cmd, cmd);
	ck_assert_int_eq(fake.req[i]->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL | NLM_F_REPLACE),
			 flags);
	req_nest(i, nest, max, tb);
}

static void check_prefix(struct nlattr *nest, const char *addr, int len)
{
	struct nlattr *tb[SEMNET_A_PREFIX_MAX + 1];

	nested(nest, SEMNET_A_PREFIX_MAX, tb);
	ck_assert_ptr_nonnull(tb[SEMNET_A_PREFIX_ADDR]);
	ck_assert_ptr_nonnull(tb[SEMNET_A_PREFIX_LEN]);
	ck_assert_int_eq(nla_len(tb[SEMNET_A_PREFIX_ADDR]), 4);
	ck_assert_int_eq(nla_len(tb[SEMNET_A_PREFIX_LEN]), 1);
	ck_assert_uint_eq(nla_get_u32(tb[SEMNET_A_PREFIX_ADDR]), A(addr));
	ck_assert_uint_eq(nla_get_u8(tb[SEMNET_A_PREFIX_LEN]), len);
}

static const char no_module_msg[] =
	"semnet: the semnet kernel module is not loaded (try: modprobe semnet)\n";

/* ===================================================================== */

START_TEST(usage_errors)
{
	static const struct {
		const char *args[16];
		const char *err;
	} cases[] = {
		{ { "bogus" }, "semnet: unknown command \"bogus\" (try: semnet help)\n" },
		{ { "s" }, "semnet: ambiguous command \"s\" (try: semnet help)\n" },
		{ { "-x", "show" }, "semnet: unknown option \"-x\" (try: semnet help)\n" },
		{ { "--nope" }, "semnet: unknown option \"--nope\" (try: semnet help)\n" },
		{ { "service", "frob" },
		  "semnet: service: unknown command \"frob\" (try: semnet service help)\n" },
		{ { "service", "add", "172.30.0.300", "name", "web" },
		  "semnet: service add: invalid address \"172.30.0.300\"\n" },
		{ { "service", "add" }, "semnet: service add: missing address (see: semnet service help)\n" },
		{ { "service", "add", "name", "web" },
		  "semnet: service add: missing address (it comes first, before \"name\")\n" },
		{ { "service", "add", "172.30.0.10", "name", "web", "polcy", "rr" },
		  "semnet: service add: unknown keyword \"polcy\"\n" },
		{ { "service", "add", "172.30.0.10" }, "semnet: service add: missing \"name NAME\"\n" },
		{ { "service", "add", "172.30.0.10", "name" },
		  "semnet: service add: \"name\" needs a name like app.ns.svc.ns\n" },
		{ { "service", "add", "172.30.0.10", "name", "web", "policy", "Fast" },
		  "semnet: service add: invalid policy \"Fast\" for \"policy\": "
		  "1 to 15 of a-z, 0-9, - and _, like rr or random\n" },
		{ { "service", "change", "172.30.0.10" },
		  "semnet: service change: nothing to change (give name NAME and/or policy POLICY)\n" },
		{ { "service", "del", "172.30.0.10", "extra" },
		  "semnet: service del: unexpected argument \"extra\"\n" },
		{ { "service", "show", "1.2.3" }, "semnet: service show: invalid address \"1.2.3\"\n" },
		{ { "service", "flush", "all" }, "semnet: service flush: unexpected argument \"all\"\n" },
		{ { "node", "set", "platform", "172.16.0.0/12", "services", "172.30.0.0/16",
		    "gateway", "172.16.0.1", "bridge", "lo", "subnet" },
		  "semnet: node set: \"subnet\" needs a prefix like 172.16.0.0/26 or fc00::100/120\n" },
		{ { "node", "set", "platform", "172.16.0.0/12", "services", "172.30.0.0/16",
		    "gateway", "172.16.0.1", "bridge", "lo" },
		  "semnet: node set: missing \"subnet PREFIX\"\n" },
		{ { "node", "set", "platform", "172.16.0.1/12" },
		  "semnet: node set: invalid prefix \"172.16.0.1/12\" for \"platform\": "
		  "host bits set (did you mean 172.16.0.0/12?)\n" },
		{ { "node", "set", "platform", "172.16.0.0/12", "services", "172.30.0.0/16",
		    "subnet", "172.16.0.0/26", "subnet", "172.16.0.0/26", "gateway", "172.16.0.1",
		    "bridge", "lo" },
		  "semnet: node set: subnet 172.16.0.0/26 given twice\n" },
		{ { "node", "set", "platform", "172.16.0.0/12", "flow-max", "4294967296" },
		  "semnet: node set: number \"4294967296\" for \"flow-max\" is out of range "
		  "(at most 4294967295)\n" },
		{ { "node", "show", "x" }, "semnet: node show: unexpected argument \"x\"\n" },
		{ { "node", "del", "x" }, "semnet: node del: unexpected argument \"x\"\n" },
		{ { "node", "change" },
		  "semnet: node change: nothing to change (see: semnet node help)\n" },
		{ { "node", "change", "timeout-icmp", "0" },
		  "semnet: node change: number \"0\" for \"timeout-icmp\" is out of range "
		  "(at least 1)\n" },
		{ { "node", "set" }, "semnet: node set: missing \"platform PREFIX\"\n" },
		{ { "node", "change", "mode", "sideways" },
		  "semnet: node change: invalid mode \"sideways\" (one of: bridged, routed)\n" },
		{ { "node", "set", "platform", "172.16.0.0/12", "mode" },
		  "semnet: node set: \"mode\" needs one of its words\n" },
		{ { "instance", "add", "172.30.1.1", "service", "web" },
		  "semnet: instance add: missing \"nsip ADDR\"\n" },
		{ { "instance", "add", "172.30.1.1", "service", "web", "nsip", "172.16.0.2",
		    "node", "far" },
		  "semnet: instance add: invalid address \"far\" for \"node\"\n" },
		{ { "instance", "change", "172.30.1.1" },
		  "semnet: instance change: nothing to change (give service, nsip, node or dev)\n" },
		{ { "instance", "show", "172.30.1.1", "x" },
		  "semnet: instance show: unexpected argument \"x\"\n" },
		{ { "instance", "show", "svc", "web" },
		  "semnet: instance show: unknown keyword \"svc\"\n" },
		{ { "instance", "flush", "172.30.1.1" },
		  "semnet: instance flush: unknown keyword \"172.30.1.1\"\n" },
		{ { "flow", "show", "service", "1.2.3.4.5" },
		  "semnet: flow show: invalid address \"1.2.3.4.5\" for \"service\"\n" },
		{ { "flow", "flush", "service", "172.30.0.10", "instance", "172.30.1.1" },
		  "semnet: flow flush: give either \"service\" or \"instance\", not both\n" },
		{ { "stats", "now" }, "semnet: stats: unexpected argument \"now\"\n" },
		{ { "show", "all" }, "semnet: show: unexpected argument \"all\"\n" },
		{ { "version", "x" }, "semnet: version: unexpected argument \"x\"\n" },
		{ { "help", "frob" }, "semnet: unknown command \"frob\" (try: semnet help)\n" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *a = cases[i].args;

		fake_reset();
		SEMNET(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10],
		       a[11], a[12], a[13], a[14], a[15]);
		ck_assert_msg(run.status == 2, "case %zu (%s %s): exit %d, stderr: %s",
			      i, a[0], a[1] ? a[1] : "", run.status, run.err);
		ck_assert_str_eq(run.err, cases[i].err);
		ck_assert_str_eq(run.out, "");
		ck_assert_msg(fake.nopen == 0, "case %zu opened netlink", i);
	}
	/* No command at all: usage on stderr. */
	fake_reset();
	ck_assert_int_eq(SEMNET("-j"), 2);
	ck_assert_ptr_nonnull(strstr(run.err, "Usage: semnet"));
	ck_assert_int_eq(fake.nopen, 0);
}
END_TEST

START_TEST(help)
{
	static const struct {
		const char *args[4];
		const char *want;
	} cases[] = {
		{ { "help" }, "Usage: semnet [-j] [-s] COMMAND" },
		{ { "--help" }, "Usage: semnet [-j] [-s] COMMAND" },
		{ { "-h" }, "Usage: semnet [-j] [-s] COMMAND" },
		{ { "help", "service" }, "Usage: semnet service add ADDR name NAME" },
		{ { "service", "help" }, "Usage: semnet service add ADDR name NAME" },
		{ { "serv", "help" }, "Usage: semnet service add ADDR name NAME" },
		{ { "service", "add", "help" }, "Usage: semnet service add ADDR name NAME" },
		{ { "node", "help" }, "Usage: semnet node set platform PREFIX" },
		{ { "node", "set", "help" }, "Usage: semnet node set platform PREFIX" },
		{ { "instance", "help" }, "Usage: semnet instance add ADDR service NAME nsip ADDR" },
		{ { "flow", "help" }, "Usage: semnet flow show [service ADDR] [instance ADDR]" },
		{ { "stats", "help" }, "Usage: semnet stats" },
		{ { "show", "help" }, "Usage: semnet [-j] [-s] show" },
		{ { "version", "help" }, "Usage: semnet [-j] version" },
		{ { "-V" }, "semnet tool " SEMNET_TOOL_VERSION "\n" },
		{ { "--version", "show" }, "semnet tool " SEMNET_TOOL_VERSION "\n" },
		{ { "help", "flow" }, "Usage: semnet flow show" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *a = cases[i].args;

		fake_reset();
		SEMNET(a[0], a[1], a[2], a[3]);
		ck_assert_msg(run.status == 0, "case %zu: exit %d", i, run.status);
		ck_assert_msg(!strncmp(run.out, cases[i].want, strlen(cases[i].want)),
			      "case %zu printed: %.80s", i, run.out);
		ck_assert_str_eq(run.err, "");
		ck_assert_int_eq(fake.nopen, 0);
	}
}
END_TEST

START_TEST(help_is_true)
{
	char text[sizeof(run.out)], *line, *save = NULL;
	int objects = 0, subs = 0;

	/* Every "OBJECT { a | b }" of the help names commands that exist. */
	SEMNET_OK("help");
	memcpy(text, run.out, sizeof(text));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char object[32], *brace = strchr(line, '{'), *end, *word, *save2 = NULL;

		if (!brace || sscanf(line, " %31s", object) != 1)
			continue;
		objects++;
		end = strchr(brace, '}');
		ck_assert_ptr_nonnull(end);
		*end = '\0';
		for (word = strtok_r(brace + 1, " |", &save2); word;
		     word = strtok_r(NULL, " |", &save2)) {
			fake_reset();
			fake.open_ret = -ENOENT;
			SEMNET(object, word);
			ck_assert_msg(!strstr(run.err, "unknown command"), "%s %s: %s", object,
				      word, run.err);
			ck_assert_msg(run.status == 1 || run.status == 2, "%s %s: %d", object,
				      word, run.status);
			/* And its own help mentions it. */
			fake_reset();
			ck_assert_int_eq(SEMNET(object, "help"), 0);
			ck_assert_msg(strstr(run.out, word) != NULL, "semnet %s help lacks %s",
				      object, word);
			subs++;
		}
	}
	ck_assert_int_eq(objects, 5);
	ck_assert_int_eq(subs, 4 + 5 + 5 + 6 + 2);
}
END_TEST

START_TEST(no_module)
{
	static const char *const cases[][16] = {
		{ "show" },
		{ "node" },
		{ "node", "show" },
		{ "node", "set", "platform", "172.16.0.0/12", "services", "172.30.0.0/16",
		  "subnet", "172.16.0.0/26", "gateway", "172.16.0.1", "bridge", "lo" },
		{ "node", "del" },
		{ "node", "change", "flow-max", "1000" },
		{ "service", "add", "172.30.0.10", "name", "web" },
		{ "service", "change", "172.30.0.10", "policy", "random" },
		{ "service", "del", "172.30.0.10" },
		{ "service", "show" },
		{ "service", "show", "172.30.0.10" },
		{ "service", "flush" },
		{ "instance", "add", "172.30.1.1", "service", "web", "nsip", "172.16.0.2" },
		{ "instance", "change", "172.30.1.1", "node", "local" },
		{ "instance", "del", "172.30.1.1" },
		{ "instance", "show" },
		{ "instance", "show", "service", "web" },
		{ "instance", "flush" },
		{ "flow", "show" },
		{ "flow", "flush", "instance", "172.30.1.1" },
		{ "stats" },
		{ "-j", "stats" },
		{ "-s", "show" },
		{ "peer", "set", "172.16.0.64/26", "cost", "100" },
		{ "peer", "set", "via", "192.168.1.2", "down" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *a = cases[i];

		fake_reset();
		fake.open_ret = -ENOENT;
		SEMNET(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10],
		       a[11], a[12], a[13], a[14], a[15]);
		ck_assert_msg(run.status == 1, "case %zu (%s %s): exit %d", i, a[0],
			      a[1] ? a[1] : "", run.status);
		ck_assert_str_eq(run.err, no_module_msg);
		ck_assert_str_eq(run.out, "");
		ck_assert_int_eq(fake.nopen, 1);
		ck_assert_int_eq(fake.nreq, 0);
	}
	/* version prints the tool's own version first. */
	fake_reset();
	fake.open_ret = -ENOENT;
	ck_assert_int_eq(SEMNET("version"), 1);
	ck_assert_str_eq(run.out, "semnet tool " SEMNET_TOOL_VERSION "\n");
	ck_assert_str_eq(run.err, no_module_msg);
}
END_TEST

START_TEST(encode_service)
{
	struct nlattr *attrs[SEMNET_A_MAX + 1], *tb[SEMNET_A_SERVICE_MAX + 1];

	SEMNET_OK("service", "add", "172.30.0.10", "name", "web.default",
		  "policy", "random");
	ck_assert_str_eq(run.out, "");
	ck_assert_int_eq(fake.nreq, 1);
	ck_assert_int_eq(req_genl(0)->cmd, SEMNET_CMD_NEW_SERVICE);
	ck_assert_int_eq(req_genl(0)->version, SEMNET_GENL_VERSION);
	ck_assert_int_eq(fake.req[0]->nlmsg_type, FAKE_FAMILY);
	ck_assert_int_eq(fake.req[0]->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL | NLM_F_REPLACE),
			 NLM_F_CREATE | NLM_F_EXCL);
	req_nest(0, SEMNET_A_SERVICE, SEMNET_A_SERVICE_MAX, tb);
	ck_assert_uint_eq(nla_get_u32(tb[SEMNET_A_SERVICE_ADDR]), A("172.30.0.10"));
	ck_assert_str_eq(nla_get_string(tb[SEMNET_A_SERVICE_NAME]), "web.default");
	ck_assert_str_eq(nla_get_string(tb[SEMNET_A_SERVICE_POLICY]), "random");
	ck_assert_ptr_null(tb[SEMNET_A_SERVICE_INSTANCES]);
	ck_assert_ptr_null(tb[SEMNET_A_SERVICE_COUNTERS]);

	/* add without policy: rr, explicitly. */
	SEMNET_OK("ser", "a", "172.30.0.11", "n", "web");
	req_nest(0, SEMNET_A_SERVICE, SEMNET_A_SERVICE_MAX, tb);
	ck_assert_str_eq(nla_get_string(tb[SEMNET_A_SERVICE_POLICY]), "rr");

	/* change: NLM_F_REPLACE alone, and only what was given. */
	SEMNET_OK("service", "change", "172.30.0.10", "policy", "rr");
	req_object(0, SEMNET_CMD_NEW_SERVICE, NLM_F_REPLACE,
		   SEMNET_A_SERVICE, SEMNET_A_SERVICE_MAX, tb);
	ck_assert_uint_eq(nla_get_u32(tb[SEMNET_A_SERVICE_ADDR]), A("172.30.0.10"));
	ck_assert_ptr_null(tb[SEMNET_A_SERVICE_NAME]);
	ck_assert_str_eq(nla_get_string(tb[SEMNET_A_SERVICE_POLICY]), "rr");

	SEMNET_OK("service", "del", "172.30.0.10");
	req_object(0, SEMNET_CMD_DEL_SERVICE, 0, SEMNET_A_SERVICE, SEMNET_A_SERVICE_MAX, tb);
	ck_assert_uint_eq(nla_get_u32(tb[SEMNET_A_SERVICE_ADDR]), A("172.30.0.10"));
	ck_assert_ptr_null(tb[SEMNET_A_SERVICE_NAME]);

	SEMNET_OK("service", "flush");
	ck_assert_int_eq(req_genl(0)->cmd, SEMNET_CMD_FLUSH_SERVICES);
	req_attrs(0, attrs);
	ck_assert_ptr_null(attrs[SEMNET_A_SERVICE]);

	SEMNET_OK("service", "show");
	ck_assert_int_eq(req_genl(0)->cmd, SEMNET_CMD_GET_SERVICE);
	ck_assert_int_eq(fake.req[0]->nlmsg_flags & NLM_F_DUMP, NLM_F_DUMP);

	SEMNET_OK("service", "show", "172.30.0.10");
	req_object(0, SEMNET_CMD_GET_SERVICE, 0, SEMNET_A_SERVICE, SEMNET_A_SERVICE_MAX, tb);
	ck_assert_uint_eq(nla_get_u32(tb[SEMNET_A_SERVICE_ADDR]), A("172.30.0.10"));
}
END_TEST

START_TEST(encode_node)
{
	struct nlattr *tb[SEMNET_A_NODE_MAX + 1], *sub;
	unsigned int lo = if_nametoindex("lo");
	int rem, n = 0;

	ck_assert_uint_ne(lo, 0);
	SEMNET_OK("node", "set", "platform", "172.16.0.0/12",
		  "services", "172.30.0.0/16", "subnet", "172.16.0.0/26",
		  "subnet", "172.16.0.64/26", "gateway", "172.16.0.1",
		  "bridge", "lo", "flow-max", "65536", "timeout-tcp", "7440",
		  "timeout-udp", "30");
	ck_assert_int_eq(fake.nreq, 1);
	req_object(0, SEMNET_CMD_SET_NODE, 0, SEMNET_A_NODE, SEMNET_A_NODE_MAX, tb);
	check_prefix(tb[SEMNET_A_NODE_PLATFORM], "172.16.0.0", 12);
	check_prefix(tb[SEMNET_A_NODE_SERVICE_RANGE], "172.30.0.0", 16);
	ck_assert_ptr_nonnull(tb[SEMNET_A_NODE_SUBNETS]);
	ck_assert(tb[SEMNET_A_NODE_SUBNETS]->nla_type & NLA_F_NESTED);
	ck_assert_ptr_null(tb[SEMNET_A_NODE_SUBNET]);	/* only inside SUBNETS */
	nla_for_each_nested(sub, tb[SEMNET_A_NODE_SUBNETS], rem) {
		ck_assert_int_eq(nla_type(sub), SEMNET_A_NODE_SUBNET);
		check_prefix(sub, n ? "172.16.0.64" : "172.16.0.0", 26);
		n++;
	}
	ck_assert_int_eq(n, 2);
	ck_assert_uint_eq(nla_get_u32(tb[SEMNET_A_NODE_GATEWAY]), A("172.16.0.1"));
	ck_assert_uint_eq(nla_get_u32(tb[SEMNET_A_NODE_BRIDGE]), lo);
	ck_assert_uint_eq(nla_get_u32(tb[SEMNET_A_NODE_FLOW_MAX]), 65536);
	ck_assert_uint_eq(nla_get_u32(tb[SEMNET_A_NODE_TIMEOUT_TCP]), 7440);
	ck_assert_uint_eq(nla_get_u32(tb[SEMNET_A_NODE_TIMEOUT_UDP]), 30);
	/* Not given: not sent (the module's defaults apply). */
	ck_assert_ptr_null(tb[SEMNET_A_NODE_TIMEOUT_TCP_CLOSE]);
	ck_assert_ptr_null(tb[SEMNET_A_NODE_TIMEOUT_ICMP]);

	/* A bridge that does not exist: runtime failure, nothing sent. */
	fake_reset();
	ck_assert_int_eq(SEMNET("node", "set", "platform", "172.16.0.0/12",
				"services", "172.30.0.0/16", "subnet", "172.16.0.0/26",
				"gateway", "172.16.0.1", "bridge", "nosuchbr0"), 1);
	ck_assert_str_eq(run.err, "semnet: node set: no such device \"nosuchbr0\" (bridge) "
			 "in this network namespace\n");
	ck_assert_int_eq(fake.nreq, 0);

	/* change: only what is given. */
	fake_reset();
	ck_assert_int_eq(SEMNET("node", "change", "timeout-udp", "60", "subnet", "172.16.1.0/26"),
			 0);
	req_object(0, SEMNET_CMD_SET_NODE, 0, SEMNET_A_NODE, SEMNET_A_NODE_MAX, tb);
	ck_assert_uint_eq(nla_get_u32(tb[SEMNET_A_NODE_TIMEOUT_UDP]), 60);
	ck_assert_ptr_nonnull(tb[SEMNET_A_NODE_SUBNETS]);
	ck_assert_ptr_null(tb[SEMNET_A_NODE_PLATFORM]);
	ck_assert_ptr_null(tb[SEMNET_A_NODE_SERVICE_RANGE]);
	ck_assert_ptr_null(tb[SEMNET_A_NODE_GATEWAY]);
	ck_assert_ptr_null(tb[SEMNET_A_NODE_BRIDGE]);
	ck_assert_ptr_null(tb[SEMNET_A_NODE_FLOW_MAX]);

	SEMNET_OK("node", "change", "gateway", "172.16.0.129");
	req_nest(0, SEMNET_A_NODE, SEMNET_A_NODE_MAX, tb);
	ck_assert_uint_eq(nla_get_u32(tb[SEMNET_A_NODE_GATEWAY]), A("172.16.0.129"));
	ck_assert_ptr_null(tb[SEMNET_A_NODE_SUBNETS]);

	SEMNET_OK("node", "del");
	ck_assert_int_eq(req_genl(0)->cmd, SEMNET_CMD_DEL_NODE);
}
END_TEST

START_TEST(encode_instance_flow)
{
	struct nlattr *attrs[SEMNET_A_MAX + 1], *tb[SEMNET_A_INSTANCE_MAX + 1];
	struct nlattr *fb[SEMNET_A_FLOW_MAX + 1];

	SEMNET_OK("instance", "add", "172.30.1.1", "service", "web",
		  "nsip", "172.16.0.66", "node", "192.168.1.2");
	req_object(0, SEMNET_CMD_NEW_INSTANCE, NLM_F_CREATE | NLM_F_EXCL,
		   SEMNET_A_INSTANCE, SEMNET_A_INSTANCE_MAX, tb);
	ck_assert_uint_eq(nla_get_u32(tb[SEMNET_A_INSTANCE_ADDR]), A("172.30.1.1"));
	ck_assert_str_eq(nla_get_string(tb[SEMNET_A_INSTANCE_SERVICE]), "web");
	ck_assert_uint_eq(nla_get_u32(tb[SEMNET_A_INSTANCE_NSIP]), A("172.16.0.66"));
	ck_assert_uint_eq(nla_get_u32(tb[SEMNET_A_INSTANCE_NODE]), A("192.168.1.2"));
	ck_assert_ptr_null(tb[SEMNET_A_INSTANCE_IFINDEX]);

	/* change: node local is 0.0.0.0; dev resolves to an ifindex. */
	SEMNET_OK("instance", "change", "172.30.1.1", "node", "local",
		  "dev", "lo");
	req_object(0, SEMNET_CMD_NEW_INSTANCE, NLM_F_REPLACE,
		   SEMNET_A_INSTANCE, SEMNET_A_INSTANCE_MAX, tb);
	ck_assert_ptr_nonnull(tb[SEMNET_A_INSTANCE_NODE]);
	ck_assert_uint_eq(nla_get_u32(tb[SEMNET_A_INSTANCE_NODE]), 0);
	ck_assert_uint_eq(nla_get_u32(tb[SEMNET_A_INSTANCE_IFINDEX]), if_nametoindex("lo"));
	ck_assert_ptr_null(tb[SEMNET_A_INSTANCE_SERVICE]);
	ck_assert_ptr_null(tb[SEMNET_A_INSTANCE_NSIP]);

	SEMNET_OK("instance", "change", "172.30.1.1", "dev", "none");
	req_nest(0, SEMNET_A_INSTANCE, SEMNET_A_INSTANCE_MAX, tb);
	ck_assert_uint_eq(nla_get_u32(tb[SEMNET_A_INSTANCE_IFINDEX]), 0);

	/* show service NAME: a dump carrying the filter. */
	SEMNET_OK("instance", "show", "service", "web");
	req_object(0, SEMNET_CMD_GET_INSTANCE, NLM_F_DUMP,
		   SEMNET_A_INSTANCE, SEMNET_A_INSTANCE_MAX, tb);
	ck_assert_str_eq(nla_get_string(tb[SEMNET_A_INSTANCE_SERVICE]), "web");
	ck_assert_ptr_null(tb[SEMNET_A_INSTANCE_ADDR]);

	SEMNET_OK("instance", "flush");
	ck_assert_int_eq(req_genl(0)->cmd, SEMNET_CMD_FLUSH_INSTANCES);
	req_attrs(0, attrs);
	ck_assert_ptr_null(attrs[SEMNET_A_INSTANCE]);

	SEMNET_OK("instance", "flush", "service", "web");
	req_nest(0, SEMNET_A_INSTANCE, SEMNET_A_INSTANCE_MAX, tb);
	ck_assert_str_eq(nla_get_string(tb[SEMNET_A_INSTANCE_SERVICE]), "web");

	SEMNET_OK("flow", "flush", "service", "172.30.0.10");
	req_object(0, SEMNET_CMD_FLUSH_FLOWS, 0, SEMNET_A_FLOW, SEMNET_A_FLOW_MAX, fb);
	ck_assert_uint_eq(nla_get_u32(fb[SEMNET_A_FLOW_SERVICE]), A("172.30.0.10"));
	ck_assert_ptr_null(fb[SEMNET_A_FLOW_INSTANCE]);

	SEMNET_OK("flow", "flush");
	req_attrs(0, attrs);
	ck_assert_ptr_null(attrs[SEMNET_A_FLOW]);

	SEMNET_OK("flow", "show", "instance", "172.30.1.1");
	req_object(0, SEMNET_CMD_GET_FLOW, NLM_F_DUMP, SEMNET_A_FLOW, SEMNET_A_FLOW_MAX, fb);
	ck_assert_uint_eq(nla_get_u32(fb[SEMNET_A_FLOW_INSTANCE]), A("172.30.1.1"));
	ck_assert_ptr_null(fb[SEMNET_A_FLOW_SERVICE]);

	SEMNET_OK("flow", "show");
	req_attrs(0, attrs);
	ck_assert_ptr_null(attrs[SEMNET_A_FLOW]);
}
END_TEST

START_TEST(kernel_errors)
{
	fake_reset();
	fake.err = -EINVAL;
	fake.extack = "service range must lie inside the platform range";
	ck_assert_int_eq(SEMNET("node", "set", "platform", "172.16.0.0/12",
				"services", "10.30.0.0/16", "subnet", "172.16.0.0/26",
				"gateway", "172.16.0.1", "bridge", "lo"), 1);
	ck_assert_str_eq(run.err,
			 "semnet: node set: service range must lie inside the platform range\n");

	fake_reset();
	fake.err = -EPERM;
	ck_assert_int_eq(SEMNET("service", "flush"), 1);
	ck_assert_str_eq(run.err, "semnet: service flush: permission denied "
			 "(needs CAP_NET_ADMIN in this network namespace)\n");

	fake_reset();
	fake.err = -EEXIST;
	fake.extack = "service address already exists";
	ck_assert_int_eq(SEMNET("service", "add", "172.30.0.10", "name", "web"), 1);
	ck_assert_str_eq(run.err, "semnet: service add: service address already exists\n");

	fake_reset();
	fake.err = -EEXIST;
	ck_assert_int_eq(SEMNET("service", "add", "172.30.0.10", "name", "web"), 1);
	ck_assert_str_eq(run.err, "semnet: service add: already exists (use: change)\n");

	fake_reset();
	fake.err = -ENODATA;
	ck_assert_int_eq(SEMNET("node", "show"), 1);
	ck_assert_str_eq(run.err, "semnet: node show: this namespace has no node configuration "
			 "(see: semnet node set)\n");
	ck_assert_str_eq(run.out, "");

	fake_reset();
	fake.err = -EOPNOTSUPP;
	ck_assert_int_eq(SEMNET("stats"), 1);
	ck_assert_str_eq(run.err, "semnet: stats: not supported by the loaded semnet module "
			 "(older than this tool?)\n");

	fake_reset();
	fake.err = -ENOSPC;
	ck_assert_int_eq(SEMNET("instance", "del", "172.30.1.9"), 1);
	ck_assert_str_eq(run.err, "semnet: instance del: No space left on device\n");
}
END_TEST

/* --- replies --- */

static void put_counters(struct nl_msg *m, int type, uint64_t p, uint64_t b, uint64_t f)
{
	struct nlattr *c = nla_nest_start(m, NLA_F_NESTED | type);

	nla_put_u64(m, SEMNET_A_COUNTERS_PACKETS, p);
	nla_put_u64(m, SEMNET_A_COUNTERS_BYTES, b);
	nla_put_u64(m, SEMNET_A_COUNTERS_FLOWS, f);
	nla_nest_end(m, c);
}

static void reply_service(const char *addr, const char *name, const char *policy,
			  uint32_t instances, uint64_t packets)
{
	struct nl_msg *m = reply_new(SEMNET_CMD_GET_SERVICE);
	struct nlattr *s = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_SERVICE);

	nla_put_u32(m, SEMNET_A_SERVICE_ADDR, A(addr));
	nla_put_string(m, SEMNET_A_SERVICE_NAME, name);
	nla_put_string(m, SEMNET_A_SERVICE_POLICY, policy);
	nla_put_u32(m, SEMNET_A_SERVICE_INSTANCES, instances);
	put_counters(m, SEMNET_A_SERVICE_COUNTERS, packets, packets * 100, packets / 10);
	nla_nest_end(m, s);
}

static void reply_instance(const char *addr, const char *service, const char *nsip,
			   const char *node, bool local)
{
	struct nl_msg *m = reply_new(SEMNET_CMD_GET_INSTANCE);
	struct nlattr *s = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_INSTANCE);

	nla_put_u32(m, SEMNET_A_INSTANCE_ADDR, A(addr));
	nla_put_string(m, SEMNET_A_INSTANCE_SERVICE, service);
	nla_put_u32(m, SEMNET_A_INSTANCE_NSIP, A(nsip));
	nla_put_u32(m, SEMNET_A_INSTANCE_NODE, A(node));
	if (local)
		nla_put_flag(m, SEMNET_A_INSTANCE_LOCAL);
	put_counters(m, SEMNET_A_INSTANCE_COUNTERS, 5, 500, 1);
	nla_nest_end(m, s);
}

START_TEST(output_services)
{
	json_t *root, *o;
	json_error_t jerr;

	/* Out of address order, as a hash table dumps them. */
	fake_reset();
	reply_service("172.30.0.200", "database", "random", 12, 1000);
	reply_service("172.30.0.10", "web", "rr", 3, 20);
	ck_assert_int_eq(SEMNET("service", "show"), 0);
	ck_assert_str_eq(run.out,
		"172.30.0.10   name web       policy rr      instances 3\n"
		"172.30.0.200  name database  policy random  instances 12\n");

	fake_reset();
	reply_service("172.30.0.200", "database", "random", 12, 1000);
	reply_service("172.30.0.10", "web", "rr", 3, 20);
	ck_assert_int_eq(SEMNET("-s", "service", "show"), 0);
	ck_assert_str_eq(run.out,
		"172.30.0.10   name web       policy rr      instances 3\n"
		"    packets 20  bytes 2000  flows 2\n"
		"172.30.0.200  name database  policy random  instances 12\n"
		"    packets 1000  bytes 100000  flows 100\n");

	fake_reset();
	reply_service("172.30.0.200", "database", "random", 12, 1000);
	reply_service("172.30.0.10", "web", "rr", 3, 20);
	ck_assert_int_eq(SEMNET("-j", "service", "show"), 0);
	root = json_loads(run.out, 0, &jerr);
	ck_assert_msg(root != NULL, "bad JSON: %s", jerr.text);
	ck_assert(json_is_array(root));
	ck_assert_uint_eq(json_array_size(root), 2);
	o = json_array_get(root, 0);
	ck_assert_str_eq(json_string_value(json_object_get(o, "address")), "172.30.0.10");
	ck_assert_str_eq(json_string_value(json_object_get(o, "name")), "web");
	ck_assert_str_eq(json_string_value(json_object_get(o, "policy")), "rr");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "instances")), 3);
	/* Counters always in JSON, -s or not. */
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(o, "counters"),
							    "bytes")), 2000);
	json_decref(root);

	/* A dump interrupted by a change is retried from scratch: no duplicates. */
	fake_reset();
	fake.eio_until = 2;
	fake.script_tx = 2;
	reply_service("172.30.0.10", "web", "rr", 3, 20);
	fake.script_tx = 0;
	reply_service("172.30.0.99", "gone", "rr", 3, 20);
	ck_assert_int_eq(SEMNET("service", "show"), 0);
	ck_assert_int_eq(fake.nopen, 3);
	ck_assert_int_eq(fake.nreq, 3);
	ck_assert_str_eq(run.out, "172.30.0.10  name web  policy rr  instances 3\n");
	ck_assert_str_eq(run.err, "");

	/* ... three times at most. */
	fake_reset();
	fake.eio_until = 3;
	ck_assert_int_eq(SEMNET("flow", "show"), 1);
	ck_assert_int_eq(fake.nreq, 3);
	ck_assert_str_eq(run.out, "");
	ck_assert_str_eq(run.err, "semnet: flow show: netlink receive failed "
			 "(or the dump kept being interrupted by changes)\n");

	fake_reset();
	fake.eio_until = 1;
	ck_assert_int_eq(SEMNET("-j", "show"), 0);
	ck_assert_int_eq(fake.nopen, 2);
	ck_assert_int_eq(fake.nreq, 6);

	/* Empty dump: nothing in text, [] in JSON. */
	SEMNET_OK("service", "show");
	ck_assert_str_eq(run.out, "");
	SEMNET_OK("-j", "service", "show");
	ck_assert_str_eq(run.out, "[]\n");
}
END_TEST

START_TEST(output_instances)
{
	json_t *root, *o;

	fake_reset();
	reply_instance("172.30.1.2", "web", "172.16.0.66", "192.168.1.2", false);
	reply_instance("172.30.1.1", "web", "172.16.0.2", "0.0.0.0", true);
	ck_assert_int_eq(SEMNET("instance", "show"), 0);
	ck_assert_str_eq(run.out,
		"172.30.1.1  service web  nsip 172.16.0.2   node local\n"
		"172.30.1.2  service web  nsip 172.16.0.66  node 192.168.1.2\n");

	/* Node and LOCAL flag disagreeing: said, either way. */
	fake_reset();
	reply_instance("172.30.1.4", "web", "172.16.0.67", "0.0.0.0", false);
	reply_instance("172.30.1.5", "web", "172.16.0.5", "192.168.1.2", true);
	ck_assert_int_eq(SEMNET("instance", "show"), 0);
	ck_assert_str_eq(run.out,
		"172.30.1.4  service web  nsip 172.16.0.67  node local        "
		"(nsip not in a local subnet)\n"
		"172.30.1.5  service web  nsip 172.16.0.5   node 192.168.1.2  "
		"(nsip in a local subnet)\n");

	/* The service filter holds even if the kernel ignores it. */
	fake_reset();
	reply_instance("172.30.1.1", "web", "172.16.0.2", "0.0.0.0", true);
	reply_instance("172.30.1.9", "db", "172.16.0.3", "0.0.0.0", true);
	ck_assert_int_eq(SEMNET("-j", "instance", "show", "service", "db"), 0);
	root = json_loads(run.out, 0, NULL);
	ck_assert_ptr_nonnull(root);
	ck_assert_uint_eq(json_array_size(root), 1);
	o = json_array_get(root, 0);
	ck_assert_str_eq(json_string_value(json_object_get(o, "address")), "172.30.1.9");
	ck_assert_str_eq(json_string_value(json_object_get(o, "nsip")), "172.16.0.3");
	ck_assert(json_is_null(json_object_get(o, "node")));
	ck_assert(json_is_true(json_object_get(o, "local")));
	json_decref(root);
}
END_TEST

static void reply_flow(uint8_t proto, const char *src, uint16_t sport, const char *dst,
		       uint16_t dport, const char *xsrc, const char *xdst, const char *service,
		       const char *instance, uint8_t state, uint32_t expires)
{
	struct nl_msg *m = reply_new(SEMNET_CMD_GET_FLOW);
	struct nlattr *f = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_FLOW);

	nla_put_u8(m, SEMNET_A_FLOW_PROTO, proto);
	nla_put_u32(m, SEMNET_A_FLOW_SRC, A(src));
	nla_put_u16(m, SEMNET_A_FLOW_SPORT, htons(sport));
	nla_put_u32(m, SEMNET_A_FLOW_DST, A(dst));
	nla_put_u16(m, SEMNET_A_FLOW_DPORT, htons(dport));
	nla_put_u32(m, SEMNET_A_FLOW_XSRC, A(xsrc));
	nla_put_u16(m, SEMNET_A_FLOW_XSPORT, htons(sport));
	nla_put_u32(m, SEMNET_A_FLOW_XDST, A(xdst));
	nla_put_u16(m, SEMNET_A_FLOW_XDPORT, htons(dport));
	if (service)
		nla_put_u32(m, SEMNET_A_FLOW_SERVICE, A(service));
	nla_put_u32(m, SEMNET_A_FLOW_INSTANCE, A(instance));
	nla_put_u8(m, SEMNET_A_FLOW_STATE, state);
	nla_put_u32(m, SEMNET_A_FLOW_EXPIRES, expires);
	nla_put_u64(m, SEMNET_A_FLOW_PACKETS, 7);
	nla_put_u64(m, SEMNET_A_FLOW_BYTES, 700);
	nla_nest_end(m, f);
}

START_TEST(output_flows)
{
	json_t *root, *o;

	fake_reset();
	reply_flow(IPPROTO_UDP, "172.16.0.3", 5353, "172.30.1.1", 53, "172.30.1.7",
		   "172.16.0.66", NULL, "172.30.1.1", SEMNET_FLOW_ACTIVE, 29999);
	reply_flow(IPPROTO_TCP, "172.16.0.2", 40000, "172.30.0.10", 80, "172.30.1.7",
		   "172.16.0.66", "172.30.0.10", "172.30.1.2", SEMNET_FLOW_CLOSING, 12345);
	ck_assert_int_eq(SEMNET("flow", "show"), 0);
	ck_assert_str_eq(run.out,
		"tcp  172.16.0.2:40000  ->  172.30.0.10:80  =>  172.30.1.7:40000  ->  "
		"172.16.0.66:80  instance 172.30.1.2  closing  expires 12.3s\n"
		"udp  172.16.0.3:5353   ->  172.30.1.1:53   =>  172.30.1.7:5353   ->  "
		"172.16.0.66:53  instance 172.30.1.1  active   expires 29.9s\n");

	/* Client-side filter by service: the InstanceIP flow has none. */
	fake_reset();
	reply_flow(IPPROTO_UDP, "172.16.0.3", 5353, "172.30.1.1", 53, "172.30.1.7",
		   "172.16.0.66", NULL, "172.30.1.1", SEMNET_FLOW_ACTIVE, 29999);
	reply_flow(IPPROTO_TCP, "172.16.0.2", 40000, "172.30.0.10", 80, "172.30.1.7",
		   "172.16.0.66", "172.30.0.10", "172.30.1.2", SEMNET_FLOW_ACTIVE, 12345);
	ck_assert_int_eq(SEMNET("-j", "flow", "show", "service", "172.30.0.10"), 0);
	root = json_loads(run.out, 0, NULL);
	ck_assert_ptr_nonnull(root);
	ck_assert_uint_eq(json_array_size(root), 1);
	o = json_array_get(root, 0);
	ck_assert_str_eq(json_string_value(json_object_get(o, "proto")), "tcp");
	ck_assert_str_eq(json_string_value(json_object_get(o, "src")), "172.16.0.2");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "sport")), 40000);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "dport")), 80);
	ck_assert_str_eq(json_string_value(json_object_get(o, "xdst")), "172.16.0.66");
	ck_assert_str_eq(json_string_value(json_object_get(o, "service")), "172.30.0.10");
	ck_assert_str_eq(json_string_value(json_object_get(o, "state")), "active");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "expires_ms")), 12345);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "bytes")), 700);
	json_decref(root);

	fake_reset();
	reply_flow(IPPROTO_UDP, "172.16.0.3", 5353, "172.30.1.1", 53, "172.30.1.7",
		   "172.16.0.66", NULL, "172.30.1.1", SEMNET_FLOW_ACTIVE, 29999);
	ck_assert_int_eq(SEMNET("-j", "flow", "show", "instance", "172.30.1.1"), 0);
	root = json_loads(run.out, 0, NULL);
	ck_assert_uint_eq(json_array_size(root), 1);
	ck_assert(json_is_null(json_object_get(json_array_get(root, 0), "service")));
	json_decref(root);
}
END_TEST

static void reply_stats(void)
{
	struct nl_msg *m = reply_new(SEMNET_CMD_GET_STATS);
	struct nlattr *s = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_STATS), *d;

	nla_put_u32(m, SEMNET_A_STATS_FLOWS, 12);
	nla_put_u64(m, SEMNET_A_STATS_FLOWS_CREATED, 340);
	nla_put_u64(m, SEMNET_A_STATS_FLOWS_EXPIRED, 328);
	nla_put_u64(m, SEMNET_A_STATS_PORT_REMAPS, 2);
	nla_put_u64(m, SEMNET_A_STATS_PACKETS, 123456);
	nla_put_u32(m, SEMNET_A_STATS_SERVICES, 2);
	nla_put_u32(m, SEMNET_A_STATS_INSTANCES, 3);
	nla_put_u64(m, SEMNET_A_STATS_MISSES, 9);
	nla_put_u64(m, SEMNET_A_STATS_MISS_EVENTS, 2);
	nla_put_u32(m, SEMNET_A_STATS_HELD, 1);
	nla_put_u64(m, SEMNET_A_STATS_RELEASED, 5);
	d = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_STATS_DROPS);
	nla_put_u64(m, SEMNET_DROP_NO_INSTANCE, 3);
	nla_put_u64(m, SEMNET_DROP_SPOOFED_SOURCE, 4);
	nla_put_u64(m, 40, 1);		/* a reason newer than this tool */
	nla_put(m, 0, 0, NULL);		/* a pad, as on strict-alignment arches */
	nla_nest_end(m, d);
	nla_nest_end(m, s);
}

START_TEST(output_stats)
{
	json_t *root, *drops;

	fake_reset();
	reply_stats();
	ck_assert_int_eq(SEMNET("stats"), 0);
	ck_assert_int_eq(req_genl(0)->cmd, SEMNET_CMD_GET_STATS);
	ck_assert_str_eq(run.out,
		"services           2\n"
		"instances          3\n"
		"flows              12\n"
		"flows-created      340\n"
		"flows-expired      328\n"
		"port-remaps        2\n"
		"packets            123456\n"
		"misses             9\n"
		"miss-events        2\n"
		"held               1\n"
		"released           5\n"
		"drops              8\n"
		"  no-instance      3\n"
		"  flow-table-full  0\n"
		"  no-port          0\n"
		"  spoofed-source   4\n"
		"  malformed        0\n"
		"  nomem            0\n"
		"  unknown-address  0\n"
		"  unknown-peer     0\n"
		"  peer-spoofed     0\n"
		"  no-peer          0\n"
		"  bad-encap        0\n"
		"  too-big          0\n"
		"  hold-full        0\n"
		"  hold-expired     0\n"
		"  not-ours         0\n"
		"  unreplied-limit  0\n"
		"  tagged           0\n"
		"  not-via-device   0\n"
		"  reason-40        1\n");

	fake_reset();
	reply_stats();
	ck_assert_int_eq(SEMNET("-j", "stats"), 0);
	root = json_loads(run.out, 0, NULL);
	ck_assert_ptr_nonnull(root);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "flows")), 12);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "flows_created")), 340);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "port_remaps")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "drops_total")), 8);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "misses")), 9);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "miss_events")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "held")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "released")), 5);
	drops = json_object_get(root, "drops");
	ck_assert_int_eq(json_integer_value(json_object_get(drops, "no_instance")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(drops, "spoofed_source")), 4);
	ck_assert_ptr_nonnull(json_object_get(drops, "flow_table_full"));
	ck_assert_int_eq(json_integer_value(json_object_get(drops, "reason_40")), 1);
	ck_assert_ptr_null(json_object_get(drops, "unspec"));
	json_decref(root);
}
END_TEST

/* A prefix nest, "ADDR/LEN", as the module sends them. */
static void put_prefix(struct nl_msg *m, int type, const char *prefix)
{
	struct nlattr *p = nla_nest_start(m, NLA_F_NESTED | type);
	char addr[16];
	unsigned int len;

	ck_assert_int_eq(sscanf(prefix, "%15[0-9.]/%u", addr, &len), 2);
	nla_put_u32(m, SEMNET_A_PREFIX_ADDR, A(addr));
	nla_put_u8(m, SEMNET_A_PREFIX_LEN, (uint8_t)len);
	nla_nest_end(m, p);
}

static void reply_node(void)
{
	struct nl_msg *m = reply_new(SEMNET_CMD_GET_NODE);
	struct nlattr *n = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_NODE), *subs;

	put_prefix(m, SEMNET_A_NODE_PLATFORM, "172.16.0.0/12");
	put_prefix(m, SEMNET_A_NODE_SERVICE_RANGE, "172.30.0.0/16");
	subs = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_NODE_SUBNETS);
	put_prefix(m, SEMNET_A_NODE_SUBNET, "172.16.0.0/26");
	nla_nest_end(m, subs);
	nla_put_u32(m, SEMNET_A_NODE_GATEWAY, A("172.16.0.1"));
	nla_put_u32(m, SEMNET_A_NODE_BRIDGE, if_nametoindex("lo"));
	nla_put_u32(m, SEMNET_A_NODE_FLOW_MAX, 65536);
	nla_put_u32(m, SEMNET_A_NODE_TIMEOUT_TCP, 7440);
	nla_nest_end(m, n);
}

START_TEST(output_node)
{
	json_t *root, *subnets;

	fake_reset();
	reply_node();
	ck_assert_int_eq(SEMNET("node", "show"), 0);
	ck_assert_int_eq(req_genl(0)->cmd, SEMNET_CMD_GET_NODE);
	ck_assert_str_eq(run.out,
		"platform     172.16.0.0/12\n"
		"services     172.30.0.0/16\n"
		"subnet       172.16.0.0/26\n"
		"gateway      172.16.0.1\n"
		"bridge       lo\n"
		"flow-max     65536\n"
		"timeout-tcp  7440\n");

	fake_reset();
	reply_node();
	ck_assert_int_eq(SEMNET("-j", "node"), 0);
	root = json_loads(run.out, 0, NULL);
	ck_assert_ptr_nonnull(root);
	ck_assert_str_eq(json_string_value(json_object_get(root, "platform")), "172.16.0.0/12");
	ck_assert_str_eq(json_string_value(json_object_get(root, "service_range")),
			 "172.30.0.0/16");
	subnets = json_object_get(root, "subnets");
	ck_assert_uint_eq(json_array_size(subnets), 1);
	ck_assert_str_eq(json_string_value(json_array_get(subnets, 0)), "172.16.0.0/26");
	ck_assert_str_eq(json_string_value(json_object_get(root, "bridge")), "lo");
	ck_assert_int_eq(json_integer_value(json_object_get(root, "timeout_tcp")), 7440);
	ck_assert_ptr_null(json_object_get(root, "timeout_udp"));
	json_decref(root);
}
END_TEST

/* With @state: the cost and down state a closest-aware module reports. */
static void reply_peer_state(const char *prefix, const char *remote, uint16_t port,
			     uint8_t encap, bool state, uint32_t cost, bool down)
{
	struct nl_msg *m = reply_new(SEMNET_CMD_GET_PEER);
	struct nlattr *p = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_PEER);

	put_prefix(m, SEMNET_A_PEER_SUBNET, prefix);
	nla_put_u32(m, SEMNET_A_PEER_ADDR, A(remote));
	nla_put_u16(m, SEMNET_A_PEER_PORT, port);
	nla_put_u8(m, SEMNET_A_PEER_ENCAP, encap);
	nla_put_u64(m, SEMNET_A_PEER_TX_PACKETS, 10);
	nla_put_u64(m, SEMNET_A_PEER_TX_BYTES, 1000);
	nla_put_u64(m, SEMNET_A_PEER_RX_PACKETS, 20);
	nla_put_u64(m, SEMNET_A_PEER_RX_BYTES, 2000);
	if (state) {
		nla_put_u32(m, SEMNET_A_PEER_COST, cost);
		nla_put_u8(m, SEMNET_A_PEER_DOWN, down);
	}
	nla_nest_end(m, p);
}

static void reply_peer(const char *prefix, const char *remote, uint16_t port, uint8_t encap)
{
	reply_peer_state(prefix, remote, port, encap, false, 0, false);
}

/* A peer whose bound device (index @gone) has been unregistered since. */
static void reply_peer_gone(const char *prefix, const char *remote, uint32_t gone)
{
	struct nl_msg *m = reply_new(SEMNET_CMD_GET_PEER);
	struct nlattr *p = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_PEER);

	put_prefix(m, SEMNET_A_PEER_SUBNET, prefix);
	nla_put_u32(m, SEMNET_A_PEER_ADDR, A(remote));
	nla_put_u16(m, SEMNET_A_PEER_PORT, 4754);
	nla_put_u8(m, SEMNET_A_PEER_ENCAP, SEMNET_ENCAP_GRE_UDP);
	nla_put_u32(m, SEMNET_A_PEER_IFINDEX_GONE, gone);
	nla_nest_end(m, p);
}

/* A peer with a label, as semnetd sets one. */
static void reply_peer_label(const char *prefix, const char *remote, const char *label)
{
	struct nl_msg *m = reply_new(SEMNET_CMD_GET_PEER);
	struct nlattr *p = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_PEER);

	put_prefix(m, SEMNET_A_PEER_SUBNET, prefix);
	nla_put_u32(m, SEMNET_A_PEER_ADDR, A(remote));
	nla_put_u16(m, SEMNET_A_PEER_PORT, 4754);
	nla_put_u8(m, SEMNET_A_PEER_ENCAP, SEMNET_ENCAP_DIRECT);
	nla_put_string(m, SEMNET_A_PEER_LABEL, label);
	nla_nest_end(m, p);
}

/* semnet peer ... label TEXT: sent as given ("" clears), refused when not
 * printable or too long, shown on a line of its own and in -j. */
START_TEST(peer_label)
{
	struct nlattr *tb[SEMNET_A_PEER_MAX + 1];
	char longest[SEMNET_PEER_LABEL_MAX], too_long[SEMNET_PEER_LABEL_MAX + 1];
	json_t *root, *o;

	SEMNET_OK("peer", "add", "172.16.0.64/26", "remote", "192.168.1.2", "label",
		  "direct: same underlay 192.168.1.0/24");
	req_object(0, SEMNET_CMD_NEW_PEER, NLM_F_CREATE | NLM_F_EXCL,
		   SEMNET_A_PEER, SEMNET_A_PEER_MAX, tb);
	ck_assert_str_eq(nla_data(tb[SEMNET_A_PEER_LABEL]), "direct: same underlay 192.168.1.0/24");
	SEMNET_OK("peer", "change", "172.16.0.64/26", "label", "");
	req_object(0, SEMNET_CMD_NEW_PEER, NLM_F_REPLACE, SEMNET_A_PEER, SEMNET_A_PEER_MAX, tb);
	ck_assert_int_eq(nla_len(tb[SEMNET_A_PEER_LABEL]), 1);	/* just the NUL */
	ck_assert_ptr_null(tb[SEMNET_A_PEER_ADDR]);
	/* A label alone is a change. */
	memset(longest, 'x', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	SEMNET_OK("peer", "change", "172.16.0.64/26", "label", longest);
	req_object(0, SEMNET_CMD_NEW_PEER, NLM_F_REPLACE, SEMNET_A_PEER, SEMNET_A_PEER_MAX, tb);
	ck_assert_uint_eq(strlen(nla_data(tb[SEMNET_A_PEER_LABEL])), SEMNET_PEER_LABEL_MAX - 1);

	fake_reset();
	memset(too_long, 'x', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';
	ck_assert_int_eq(SEMNET("peer", "change", "172.16.0.64/26", "label", too_long), 2);
	ck_assert_msg(strstr(run.err, "for \"label\": at most 255 bytes"), "%s", run.err);
	ck_assert_int_eq(SEMNET("peer", "change", "172.16.0.64/26", "label", "a\033[2Jb"), 2);
	ck_assert_msg(strstr(run.err, "printable ASCII only"), "%s", run.err);
	ck_assert_int_eq(SEMNET("peer", "set", "172.16.0.64/26", "label", "x"), 2);
	ck_assert_int_eq(fake.nopen, 0);

	fake_reset();
	reply_peer_label("172.16.0.64/26", "192.168.1.2", "direct: same underlay 192.168.1.0/24");
	ck_assert_int_eq(SEMNET("peer", "show"), 0);
	ck_assert_str_eq(run.out, "172.16.0.64/26  remote 192.168.1.2  port 4754  encap direct\n"
			 "    label: direct: same underlay 192.168.1.0/24\n");
	fake_reset();
	reply_peer_label("172.16.0.64/26", "192.168.1.2", "encrypted: b is on 10.0.2.0/24");
	ck_assert_int_eq(SEMNET("-j", "peer"), 0);
	root = json_loads(run.out, 0, NULL);
	ck_assert_ptr_nonnull(root);
	o = json_array_get(root, 0);
	ck_assert_str_eq(json_string_value(json_object_get(o, "label")),
			 "encrypted: b is on 10.0.2.0/24");
	json_decref(root);
}
END_TEST

/* semnet peer set: the request, its usage errors and the peer listing. */
START_TEST(peer_set)
{
	struct nlattr *tb[SEMNET_A_PEER_MAX + 1];
	json_t *root, *o;

	SEMNET_OK("peer", "set", "172.16.0.64/26", "cost", "5000");
	req_object(0, SEMNET_CMD_SET_PEER, 0, SEMNET_A_PEER, SEMNET_A_PEER_MAX, tb);
	check_prefix(tb[SEMNET_A_PEER_SUBNET], "172.16.0.64", 26);
	ck_assert_ptr_null(tb[SEMNET_A_PEER_ADDR]);
	ck_assert_int_eq(nla_len(tb[SEMNET_A_PEER_COST]), 4);
	ck_assert_uint_eq(nla_get_u32(tb[SEMNET_A_PEER_COST]), 5000);
	ck_assert_ptr_null(tb[SEMNET_A_PEER_DOWN]);

	SEMNET_OK("peer", "set", "via", "192.168.1.2", "down");
	req_nest(0, SEMNET_A_PEER, SEMNET_A_PEER_MAX, tb);
	ck_assert_ptr_null(tb[SEMNET_A_PEER_SUBNET]);
	ck_assert_uint_eq(nla_get_u32(tb[SEMNET_A_PEER_ADDR]), A("192.168.1.2"));
	ck_assert_ptr_null(tb[SEMNET_A_PEER_COST]);
	ck_assert_int_eq(nla_len(tb[SEMNET_A_PEER_DOWN]), 1);
	ck_assert_uint_eq(nla_get_u8(tb[SEMNET_A_PEER_DOWN]), 1);

	SEMNET_OK("peer", "set", "up", "cost", "unknown", "via", "192.168.1.2");
	req_nest(0, SEMNET_A_PEER, SEMNET_A_PEER_MAX, tb);
	ck_assert_uint_eq(nla_get_u32(tb[SEMNET_A_PEER_COST]), SEMNET_PEER_COST_UNKNOWN);
	ck_assert_uint_eq(nla_get_u8(tb[SEMNET_A_PEER_DOWN]), 0);

	/* Usage errors: nothing reaches the kernel. */
	fake_reset();
	ck_assert_int_eq(SEMNET("peer", "set"), 2);
	ck_assert_str_eq(run.err, "semnet: peer set: missing prefix or \"via ADDR\" "
			 "(see: semnet peer help)\n");
	ck_assert_int_eq(SEMNET("peer", "set", "cost", "5"), 2);
	ck_assert_str_eq(run.err, "semnet: peer set: missing prefix or \"via ADDR\" "
			 "(see: semnet peer help)\n");
	ck_assert_int_eq(SEMNET("peer", "set", "172.16.0.64/26"), 2);
	ck_assert_str_eq(run.err, "semnet: peer set: nothing to set (give cost, up or down)\n");
	ck_assert_int_eq(SEMNET("peer", "set", "via", "192.168.1.2"), 2);
	ck_assert_str_eq(run.err, "semnet: peer set: nothing to set (give cost, up or down)\n");
	ck_assert_int_eq(SEMNET("peer", "set", "172.16.0.64/26", "via", "192.168.1.2",
				"down"), 2);
	ck_assert_str_eq(run.err, "semnet: peer set: give a prefix or \"via ADDR\", not both\n");
	ck_assert_int_eq(SEMNET("peer", "set", "172.16.0.64/26", "up", "down"), 2);
	ck_assert_str_eq(run.err, "semnet: peer set: \"up\" and \"down\" exclude each other\n");
	ck_assert_int_eq(SEMNET("peer", "set", "172.16.0.64/26", "cost", "4294967295"), 2);
	ck_assert_str_eq(run.err, "semnet: peer set: number \"4294967295\" for \"cost\" is out "
			 "of range (at most 4294967294, or \"unknown\")\n");
	ck_assert_int_eq(SEMNET("peer", "set", "172.16.0.64/26", "cost", "near"), 2);
	ck_assert_str_eq(run.err, "semnet: peer set: invalid cost \"near\" (a number or "
			 "\"unknown\")\n");
	ck_assert_int_eq(SEMNET("peer", "set", "172.16.0.64", "down"), 2);
	ck_assert_str_eq(run.err, "semnet: peer set: invalid prefix \"172.16.0.64\": "
			 "no /LEN (like 172.16.0.0/26)\n");
	ck_assert_int_eq(SEMNET("peer", "set", "via", "192.168.1.300", "down"), 2);
	ck_assert_str_eq(run.err, "semnet: peer set: invalid address \"192.168.1.300\" "
			 "for \"via\"\n");
	ck_assert_int_eq(fake.nopen, 0);

	/* The kernel's reason, as it gives it. */
	fake_reset();
	fake.err = -ENOENT;
	fake.extack = "no peer at this underlay address";
	ck_assert_int_eq(SEMNET("peer", "set", "via", "192.168.1.9", "cost", "1"), 1);
	ck_assert_str_eq(run.err, "semnet: peer set: no peer at this underlay address\n");

	/* The listing: cost, "-" when unknown, and down. */
	fake_reset();
	reply_peer_state("172.16.0.64/26", "192.168.1.2", 4754, SEMNET_ENCAP_GRE_UDP,
			 true, 5000, false);
	reply_peer_state("172.16.0.128/26", "192.168.1.3", 4754, SEMNET_ENCAP_GRE_UDP,
			 true, SEMNET_PEER_COST_UNKNOWN, false);
	reply_peer_state("172.16.0.192/26", "192.168.1.4", 4754, SEMNET_ENCAP_GRE_UDP,
			 true, 40000, true);
	ck_assert_int_eq(SEMNET("peer"), 0);
	ck_assert_str_eq(run.out,
		"172.16.0.64/26   remote 192.168.1.2  port 4754  encap gre-udp  cost 5000\n"
		"172.16.0.128/26  remote 192.168.1.3  port 4754  encap gre-udp  cost -\n"
		"172.16.0.192/26  remote 192.168.1.4  port 4754  encap gre-udp  cost 40000  down\n");
	fake_reset();
	reply_peer_state("172.16.0.64/26", "192.168.1.2", 4754, SEMNET_ENCAP_GRE_UDP,
			 true, 5000, false);
	reply_peer_state("172.16.0.128/26", "192.168.1.3", 4754, SEMNET_ENCAP_GRE_UDP,
			 true, SEMNET_PEER_COST_UNKNOWN, true);
	reply_peer("172.16.0.192/26", "192.168.1.4", 4754, SEMNET_ENCAP_GRE_UDP);
	ck_assert_int_eq(SEMNET("-j", "peer", "show"), 0);
	root = json_loads(run.out, 0, NULL);
	ck_assert_ptr_nonnull(root);
	o = json_array_get(root, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "cost")), 5000);
	ck_assert(json_is_false(json_object_get(o, "down")));
	o = json_array_get(root, 1);
	ck_assert(json_is_null(json_object_get(o, "cost")));
	ck_assert(json_is_true(json_object_get(o, "down")));
	/* An older module reports neither: the keys are left out. */
	o = json_array_get(root, 2);
	ck_assert_ptr_null(json_object_get(o, "cost"));
	ck_assert_ptr_null(json_object_get(o, "down"));
	json_decref(root);
}
END_TEST

START_TEST(peers)
{
	struct nlattr *tb[SEMNET_A_PEER_MAX + 1];
	struct nlattr *nb[SEMNET_A_NODE_MAX + 1];
	json_t *root, *o;

	SEMNET_OK("peer", "add", "172.16.0.64/26", "remote", "192.168.1.2");
	req_object(0, SEMNET_CMD_NEW_PEER, NLM_F_CREATE | NLM_F_EXCL,
		   SEMNET_A_PEER, SEMNET_A_PEER_MAX, tb);
	check_prefix(tb[SEMNET_A_PEER_SUBNET], "172.16.0.64", 26);
	ck_assert_uint_eq(nla_get_u32(tb[SEMNET_A_PEER_ADDR]), A("192.168.1.2"));
	ck_assert_ptr_null(tb[SEMNET_A_PEER_PORT]);	/* the module's default */
	ck_assert_ptr_null(tb[SEMNET_A_PEER_ENCAP]);

	SEMNET_OK("peer", "change", "172.16.0.64/26", "port", "50103",
		  "encap", "ipudp");
	req_object(0, SEMNET_CMD_NEW_PEER, NLM_F_REPLACE, SEMNET_A_PEER, SEMNET_A_PEER_MAX, tb);
	ck_assert_ptr_null(tb[SEMNET_A_PEER_ADDR]);
	ck_assert_int_eq(nla_len(tb[SEMNET_A_PEER_PORT]), 2);
	ck_assert_uint_eq(nla_get_u16(tb[SEMNET_A_PEER_PORT]), 50103);	/* host order */
	ck_assert_uint_eq(nla_get_u8(tb[SEMNET_A_PEER_ENCAP]), SEMNET_ENCAP_IPUDP);

	SEMNET_OK("peer", "del", "172.16.0.64/26");
	req_object(0, SEMNET_CMD_DEL_PEER, 0, SEMNET_A_PEER, SEMNET_A_PEER_MAX, tb);
	check_prefix(tb[SEMNET_A_PEER_SUBNET], "172.16.0.64", 26);
	ck_assert_ptr_null(tb[SEMNET_A_PEER_ADDR]);

	SEMNET_OK("peer", "flush");
	ck_assert_int_eq(req_genl(0)->cmd, SEMNET_CMD_FLUSH_PEERS);

	/* Usage errors. */
	fake_reset();
	ck_assert_int_eq(SEMNET("peer", "add", "172.16.0.65/26", "remote", "1.2.3.4"), 2);
	ck_assert_str_eq(run.err, "semnet: peer add: invalid prefix \"172.16.0.65/26\": "
			 "host bits set (did you mean 172.16.0.64/26?)\n");
	ck_assert_int_eq(SEMNET("peer", "add", "172.16.0.64/26"), 2);
	ck_assert_str_eq(run.err, "semnet: peer add: missing \"remote ADDR\"\n");
	ck_assert_int_eq(SEMNET("peer", "add", "172.16.0.64/26", "remote", "1.2.3.4",
				"encap", "vxlan"), 2);
	ck_assert_str_eq(run.err, "semnet: peer add: invalid encap \"vxlan\" "
			 "(one of: gre-udp, ipudp, direct)\n");
	ck_assert_int_eq(SEMNET("peer", "add", "172.16.0.64/26", "remote", "1.2.3.4",
				"port", "65536"), 2);
	ck_assert_str_eq(run.err, "semnet: peer add: invalid port \"65536\" for \"port\" "
			 "(1..65535)\n");
	ck_assert_int_eq(SEMNET("peer", "change", "172.16.0.64/26"), 2);
	ck_assert_int_eq(SEMNET("peer", "del"), 2);
	ck_assert_str_eq(run.err, "semnet: peer del: missing prefix (see: semnet peer help)\n");
	ck_assert_int_eq(fake.nopen, 0);

	/* show. */
	fake_reset();
	reply_peer("172.16.0.64/26", "192.168.1.2", 4754, SEMNET_ENCAP_GRE_UDP);
	reply_peer("10.18.0.0/26", "192.168.1.30", 50103, SEMNET_ENCAP_IPUDP);
	ck_assert_int_eq(SEMNET("-s", "peer", "show"), 0);
	ck_assert_int_eq(fake.req[0]->nlmsg_flags & NLM_F_DUMP, NLM_F_DUMP);
	ck_assert_str_eq(run.out,
		"10.18.0.0/26    remote 192.168.1.30  port 50103  encap ipudp\n"
		"    tx packets 10  bytes 1000  rx packets 20  bytes 2000\n"
		"172.16.0.64/26  remote 192.168.1.2   port 4754   encap gre-udp\n"
		"    tx packets 10  bytes 1000  rx packets 20  bytes 2000\n");
	fake_reset();
	reply_peer("172.16.0.64/26", "192.168.1.2", 4754, SEMNET_ENCAP_GRE_UDP);
	ck_assert_int_eq(SEMNET("-j", "peer"), 0);
	root = json_loads(run.out, 0, NULL);
	ck_assert_ptr_nonnull(root);
	o = json_array_get(root, 0);
	ck_assert_str_eq(json_string_value(json_object_get(o, "subnet")), "172.16.0.64/26");
	ck_assert_str_eq(json_string_value(json_object_get(o, "remote")), "192.168.1.2");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "port")), 4754);
	ck_assert_str_eq(json_string_value(json_object_get(o, "encap")), "gre-udp");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "rx_bytes")), 2000);
	ck_assert_ptr_null(json_object_get(o, "dev_gone"));
	json_decref(root);
	/* Bound to a device that is gone since: said so, with its index. */
	fake_reset();
	reply_peer_gone("172.16.0.64/26", "10.255.0.2", 7);
	ck_assert_int_eq(SEMNET("peer", "show"), 0);
	ck_assert_str_eq(run.out, "172.16.0.64/26  remote 10.255.0.2  port 4754  encap gre-udp"
			 "  dev gone (ifindex 7)\n");
	fake_reset();
	reply_peer_gone("172.16.0.64/26", "10.255.0.2", 7);
	ck_assert_int_eq(SEMNET("-j", "peer"), 0);
	root = json_loads(run.out, 0, NULL);
	ck_assert_ptr_nonnull(root);
	o = json_array_get(root, 0);
	ck_assert(json_is_null(json_object_get(o, "dev")));
	ck_assert_int_eq(json_integer_value(json_object_get(o, "ifindex")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "dev_gone")), 7);
	json_decref(root);

	/* node tunnel-port: a u16. */
	SEMNET_OK("node", "change", "tunnel-port", "4800");
	req_nest(0, SEMNET_A_NODE, SEMNET_A_NODE_MAX, nb);
	ck_assert_int_eq(nla_len(nb[SEMNET_A_NODE_TUNNEL_PORT]), 2);
	ck_assert_uint_eq(nla_get_u16(nb[SEMNET_A_NODE_TUNNEL_PORT]), 4800);
}
END_TEST

/*
 * Each listed object's JSON to the letter: its keys, their order and
 * types, as scripts and semnetd read them (the JSON tables of the CLI).
 */
START_TEST(json_exact)
{
	static const char service[] =
		"[\n"
		"  {\n"
		"    \"address\": \"172.30.0.10\",\n"
		"    \"name\": \"web\",\n"
		"    \"policy\": \"rr\",\n"
		"    \"instances\": 3,\n"
		"    \"counters\": {\n"
		"      \"packets\": 20,\n"
		"      \"bytes\": 2000,\n"
		"      \"flows\": 2\n"
		"    }\n"
		"  }\n"
		"]\n";
	static const char instance[] =
		"[\n"
		"  {\n"
		"    \"address\": \"172.30.1.2\",\n"
		"    \"service\": \"web\",\n"
		"    \"nsip\": \"172.16.0.66\",\n"
		"    \"node\": \"192.168.1.2\",\n"
		"    \"local\": false,\n"
		"    \"dev\": null,\n"
		"    \"ifindex\": 0,\n"
		"    \"counters\": {\n"
		"      \"packets\": 5,\n"
		"      \"bytes\": 500,\n"
		"      \"flows\": 1\n"
		"    }\n"
		"  }\n"
		"]\n";
	static const char peer[] =
		"[\n"
		"  {\n"
		"    \"subnet\": \"172.16.0.64/26\",\n"
		"    \"remote\": \"192.168.1.2\",\n"
		"    \"port\": 4754,\n"
		"    \"encap\": \"gre-udp\",\n"
		"    \"tx_packets\": 10,\n"
		"    \"tx_bytes\": 1000,\n"
		"    \"rx_packets\": 20,\n"
		"    \"rx_bytes\": 2000,\n"
		"    \"cost\": null,\n"
		"    \"down\": true,\n"
		"    \"dev\": null,\n"
		"    \"ifindex\": 0,\n"
		"    \"label\": null\n"
		"  }\n"
		"]\n";
	static const char flow[] =
		"[\n"
		"  {\n"
		"    \"proto\": \"tcp\",\n"
		"    \"src\": \"172.16.0.2\",\n"
		"    \"sport\": 40000,\n"
		"    \"dst\": \"172.30.0.10\",\n"
		"    \"dport\": 80,\n"
		"    \"xsrc\": \"172.30.1.7\",\n"
		"    \"xsport\": 40000,\n"
		"    \"xdst\": \"172.16.0.66\",\n"
		"    \"xdport\": 80,\n"
		"    \"service\": null,\n"
		"    \"instance\": \"172.30.1.2\",\n"
		"    \"state\": \"unreplied\",\n"
		"    \"expires_ms\": 12345,\n"
		"    \"packets\": 7,\n"
		"    \"bytes\": 700\n"
		"  }\n"
		"]\n";

	fake_reset();
	reply_service("172.30.0.10", "web", "rr", 3, 20);
	ck_assert_int_eq(SEMNET("-j", "service", "show"), 0);
	ck_assert_str_eq(run.out, service);
	fake_reset();
	reply_instance("172.30.1.2", "web", "172.16.0.66", "192.168.1.2", false);
	ck_assert_int_eq(SEMNET("-j", "instance"), 0);
	ck_assert_str_eq(run.out, instance);
	fake_reset();
	reply_peer_state("172.16.0.64/26", "192.168.1.2", 4754, SEMNET_ENCAP_GRE_UDP, true,
			 SEMNET_PEER_COST_UNKNOWN, true);
	ck_assert_int_eq(SEMNET("-j", "peer"), 0);
	ck_assert_str_eq(run.out, peer);
	fake_reset();
	reply_flow(IPPROTO_TCP, "172.16.0.2", 40000, "172.30.0.10", 80, "172.30.1.7",
		   "172.16.0.66", NULL, "172.30.1.2", SEMNET_FLOW_UNREPLIED, 12345);
	ck_assert_int_eq(SEMNET("-j", "flow"), 0);
	ck_assert_str_eq(run.out, flow);
}
END_TEST

START_TEST(output_overview)
{
	json_t *root;

	/* show sends five requests on one socket; the fake answers the first. */
	fake_reset();
	reply_node();
	ck_assert_int_eq(SEMNET("-j", "show"), 0);
	ck_assert_int_eq(fake.nopen, 1);
	ck_assert_int_eq(fake.nreq, 5);
	ck_assert_int_eq(req_genl(0)->cmd, SEMNET_CMD_GET_NODE);
	ck_assert_int_eq(req_genl(1)->cmd, SEMNET_CMD_GET_PEER);
	ck_assert_int_eq(fake.req[1]->nlmsg_flags & NLM_F_DUMP, NLM_F_DUMP);
	ck_assert_int_eq(req_genl(2)->cmd, SEMNET_CMD_GET_SERVICE);
	ck_assert_int_eq(fake.req[2]->nlmsg_flags & NLM_F_DUMP, NLM_F_DUMP);
	ck_assert_int_eq(req_genl(3)->cmd, SEMNET_CMD_GET_INSTANCE);
	ck_assert_int_eq(req_genl(4)->cmd, SEMNET_CMD_GET_STATS);
	root = json_loads(run.out, 0, NULL);
	ck_assert_ptr_nonnull(root);
	ck_assert(json_is_object(json_object_get(root, "node")));
	ck_assert(json_is_array(json_object_get(root, "peers")));
	ck_assert(json_is_array(json_object_get(root, "services")));
	ck_assert(json_is_array(json_object_get(root, "instances")));
	ck_assert(json_is_object(json_object_get(root, "stats")));
	json_decref(root);

	/* The text overview: node, services grouped by name, counts. */
	fake_reset();
	reply_node();
	fake.script_tx = 1;
	reply_peer("172.16.0.64/26", "192.168.1.2", 4754, SEMNET_ENCAP_GRE_UDP);
	reply_peer("10.18.0.0/26", "192.168.1.30", 50103, SEMNET_ENCAP_IPUDP);
	fake.script_tx = 2;
	reply_service("172.30.0.11", "web.default", "random", 3, 0);
	reply_service("172.30.0.10", "web.default", "rr", 3, 0);
	reply_service("172.30.0.20", "db", "rr", 0, 0);
	fake.script_tx = 3;
	reply_instance("172.30.1.3", "web.default", "172.16.0.66", "192.168.1.2", false);
	reply_instance("172.30.1.1", "web.default", "172.16.0.2", "0.0.0.0", true);
	reply_instance("172.30.1.2", "web.default", "172.16.0.3", "0.0.0.0", true);
	reply_instance("172.30.1.9", "cache", "172.16.0.4", "0.0.0.0", true);
	fake.script_tx = 4;
	reply_stats();
	ck_assert_int_eq(SEMNET("show"), 0);
	ck_assert_str_eq(run.out,
		"node\n"
		"    platform     172.16.0.0/12\n"
		"    services     172.30.0.0/16\n"
		"    subnet       172.16.0.0/26\n"
		"    gateway      172.16.0.1\n"
		"    bridge       lo\n"
		"    flow-max     65536\n"
		"    timeout-tcp  7440\n"
		"peer 10.18.0.0/26    remote 192.168.1.30  port 50103  encap ipudp\n"
		"peer 172.16.0.64/26  remote 192.168.1.2   port 4754   encap gre-udp\n"
		"service web.default\n"
		"    address 172.30.0.10  policy rr         instances 3\n"
		"    address 172.30.0.11  policy random     instances 3\n"
		"    instance 172.30.1.1  nsip 172.16.0.2   node local\n"
		"    instance 172.30.1.2  nsip 172.16.0.3   node local\n"
		"    instance 172.30.1.3  nsip 172.16.0.66  node 192.168.1.2\n"
		"service db\n"
		"    address 172.30.0.20  policy rr         instances 0\n"
		"service cache\n"
		"    instance 172.30.1.9  nsip 172.16.0.4   node local\n"
		"services 2  instances 3  flows 12  packets 123456  drops 8\n");

	/* A module without tunnel peers (EOPNOTSUPP): show goes on. */
	fake_reset();
	fake.err = -EOPNOTSUPP;
	fake.err_tx = 1;
	ck_assert_int_eq(SEMNET("-j", "show"), 0);
	ck_assert_int_eq(fake.nreq, 5);
	ck_assert_str_eq(run.err, "");

	/* No node configured: the rest still shows. */
	fake_reset();
	fake.err = -ENODATA;
	ck_assert_int_eq(SEMNET("show"), 0);
	ck_assert_str_eq(run.out, "node not configured (see: semnet node set)\n"
			 "services 0  instances 0  flows 0  packets 0  drops 0\n");
	ck_assert_str_eq(run.err, "");
}
END_TEST

static void event_miss(const char *addr, const char *src, uint8_t kind,
		       uint8_t proto, uint16_t dport, uint32_t held,
		       uint32_t suppressed)
{
	struct nl_msg *m = reply_new(SEMNET_CMD_MISS);
	struct nlattr *n = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_MISS);
	struct in_addr a, s;

	ck_assert_int_eq(inet_pton(AF_INET, addr, &a), 1);
	ck_assert_int_eq(inet_pton(AF_INET, src, &s), 1);
	nla_put_u32(m, SEMNET_A_MISS_ADDR, a.s_addr);
	nla_put_u8(m, SEMNET_A_MISS_KIND, kind);
	nla_put_u32(m, SEMNET_A_MISS_SRC, s.s_addr);
	nla_put_u8(m, SEMNET_A_MISS_PROTO, proto);
	nla_put_u16(m, SEMNET_A_MISS_DPORT, htons(dport));
	nla_put_u32(m, SEMNET_A_MISS_HELD, held);
	nla_put_u32(m, SEMNET_A_MISS_SUPPRESSED, suppressed);
	nla_nest_end(m, n);
}

START_TEST(monitor)
{
	json_t *o;
	char *nl;

	/* Text, until `count`: a newer event kind is skipped, not counted. */
	fake_reset();
	event_miss("172.30.1.1", "172.16.0.2", SEMNET_MISS_ADDRESS, IPPROTO_TCP, 80, 1, 0);
	reply_new(SEMNET_CMD_MAX + 7);
	event_miss("172.30.1.9", "172.16.0.3", SEMNET_MISS_ADDRESS, IPPROTO_ICMP, 0, 0, 12);
	event_miss("172.16.1.5", "172.16.0.2", SEMNET_MISS_PEER, IPPROTO_UDP, 53, 0, 0);
	event_miss("172.30.1.2", "172.16.0.2", SEMNET_MISS_ADDRESS, IPPROTO_UDP, 53, 1, 0);
	ck_assert_int_eq(SEMNET("monitor", "count", "3"), 0);
	ck_assert_str_eq(ev.group, SEMNET_MCGRP_MISSES);
	ck_assert_str_eq(run.out,
		"miss 172.30.1.1 from 172.16.0.2 tcp port 80 held 1\n"
		"miss 172.30.1.9 from 172.16.0.3 icmp held 0 suppressed 12\n"
		"miss-peer 172.16.1.5 from 172.16.0.2 udp\n");
	ck_assert_int_eq(ev.next, 4);

	/* JSON lines; lost events are said on stderr and reading goes on. */
	fake_reset();
	event_miss("172.30.1.1", "172.16.0.2", SEMNET_MISS_ADDRESS, IPPROTO_UDP, 5353, 2, 1);
	event_miss("172.30.1.2", "172.16.0.2", SEMNET_MISS_ADDRESS, IPPROTO_UDP, 53, 1, 0);
	ev.enobufs_after = 1;
	ck_assert_int_eq(SEMNET("-j", "monitor", "count", "2"), 0);
	ck_assert_ptr_nonnull(strstr(run.err, "events were lost"));
	nl = strchr(run.out, '\n');
	ck_assert_ptr_nonnull(nl);
	*nl = '\0';
	o = json_loads(run.out, 0, NULL);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(json_string_value(json_object_get(o, "event")), "miss");
	ck_assert_str_eq(json_string_value(json_object_get(o, "kind")), "address");
	ck_assert_str_eq(json_string_value(json_object_get(o, "addr")), "172.30.1.1");
	ck_assert_str_eq(json_string_value(json_object_get(o, "src")), "172.16.0.2");
	ck_assert_str_eq(json_string_value(json_object_get(o, "proto")), "udp");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "dport")), 5353);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "held")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "suppressed")), 1);
	json_decref(o);
	ck_assert_ptr_nonnull(strstr(nl + 1, "\"172.30.1.2\""));

	/* The socket failing ends it with status 1; a module without the group too. */
	fake_reset();
	fake.err = -EIO;
	ck_assert_int_eq(SEMNET("monitor"), 1);
	ck_assert_ptr_nonnull(strstr(run.err, "semnet: monitor: reading events"));
	fake_reset();
	ev.subscribe_ret = -ENOENT;
	ck_assert_int_eq(SEMNET("monitor"), 1);
	ck_assert_str_eq(run.err,
		"semnet: monitor: the loaded semnet module has no miss events (too old?)\n");
	fake_reset();
	ck_assert_int_eq(SEMNET("monitor", "count", "x"), 2);
	ck_assert_int_eq(fake.nopen, 0);
}
END_TEST

START_TEST(malformed_replies)
{
	struct nl_msg *m;
	struct nlattr *s;

	/* A service without its key. */
	fake_reset();
	m = reply_new(SEMNET_CMD_GET_SERVICE);
	s = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_SERVICE);
	nla_put_string(m, SEMNET_A_SERVICE_NAME, "web");
	nla_nest_end(m, s);
	ck_assert_int_eq(SEMNET("service", "show"), 1);
	ck_assert_str_eq(run.err, "semnet: service show: malformed reply from the kernel\n");
	ck_assert_str_eq(run.out, "");

	/* A u32 that is two bytes long must not be read past its end. */
	fake_reset();
	m = reply_new(SEMNET_CMD_GET_INSTANCE);
	s = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_INSTANCE);
	nla_put_u16(m, SEMNET_A_INSTANCE_ADDR, 1);
	nla_nest_end(m, s);
	ck_assert_int_eq(SEMNET("instance", "show"), 1);
	ck_assert_str_eq(run.err, "semnet: instance show: malformed reply from the kernel\n");

	/* A string without its NUL. */
	fake_reset();
	m = reply_new(SEMNET_CMD_GET_SERVICE);
	s = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_SERVICE);
	nla_put_u32(m, SEMNET_A_SERVICE_ADDR, A("172.30.0.10"));
	nla_put(m, SEMNET_A_SERVICE_NAME, 3, "web");
	nla_nest_end(m, s);
	ck_assert_int_eq(SEMNET("service", "show"), 1);

	/* A prefix length above 32. */
	fake_reset();
	m = reply_new(SEMNET_CMD_GET_NODE);
	s = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_NODE);
	{
		struct nlattr *p = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_NODE_PLATFORM);

		nla_put_u32(m, SEMNET_A_PREFIX_ADDR, A("172.16.0.0"));
		nla_put_u8(m, SEMNET_A_PREFIX_LEN, 33);
		nla_nest_end(m, p);
	}
	nla_nest_end(m, s);
	ck_assert_int_eq(SEMNET("node", "show"), 1);
	ck_assert_str_eq(run.err, "semnet: node show: malformed reply from the kernel\n");

	/* A drop counter that is not a u64. */
	fake_reset();
	m = reply_new(SEMNET_CMD_GET_STATS);
	s = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_STATS);
	{
		struct nlattr *d = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_STATS_DROPS);

		nla_put_u32(m, SEMNET_DROP_MALFORMED, 1);
		nla_nest_end(m, d);
	}
	nla_nest_end(m, s);
	ck_assert_int_eq(SEMNET("stats"), 1);

	/* The wrong nest altogether. */
	fake_reset();
	m = reply_new(SEMNET_CMD_GET_STATS);
	nla_put_u32(m, SEMNET_A_INFO, 1);
	ck_assert_int_eq(SEMNET("stats"), 1);
}
END_TEST

/* --- semnet -batch --- */

static char batch_path[64];

/* Writes text to a new batch file; its path is batch_path. */
static const char *batch_file(const char *text)
{
	int fd;

	snprintf(batch_path, sizeof(batch_path), "/tmp/semnet-cli-batch-XXXXXX");
	fd = mkstemp(batch_path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return batch_path;
}

static void batch_done(void)
{
	unlink(batch_path);
}

START_TEST(batch_one_socket)
{
	struct nlattr *tb[SEMNET_A_SERVICE_MAX + 1];

	/* Every line's request over the one socket, in order; nothing printed. */
	fake_reset();
	batch_file("# churn\n"
		   "\n"
		   "service add 172.30.0.10 name web\n"
		   "  instance add 172.30.1.1 service web nsip 172.16.0.2   # first\n"
		   "peer add 172.16.0.64/26 remote 192.168.1.2\n"
		   "service add 172.30.0.11 \\\n"
		   "    name \"web\" policy 'random'\n"
		   "instance del 172.30.1.1\n"
		   "service del 172.30.0.10\n");
	ck_assert_int_eq(SEMNET("-batch", batch_path), 0);
	ck_assert_str_eq(run.err, "");
	ck_assert_str_eq(run.out, "");
	ck_assert_int_eq(fake.nopen, 1);
	ck_assert_int_eq(fake.nreq, 6);
	ck_assert_int_eq(req_genl(0)->cmd, SEMNET_CMD_NEW_SERVICE);
	ck_assert_int_eq(req_genl(1)->cmd, SEMNET_CMD_NEW_INSTANCE);
	ck_assert_int_eq(req_genl(2)->cmd, SEMNET_CMD_NEW_PEER);
	ck_assert_int_eq(req_genl(3)->cmd, SEMNET_CMD_NEW_SERVICE);
	ck_assert_int_eq(req_genl(4)->cmd, SEMNET_CMD_DEL_INSTANCE);
	ck_assert_int_eq(req_genl(5)->cmd, SEMNET_CMD_DEL_SERVICE);
	/* The continued, quoted line. */
	req_nest(3, SEMNET_A_SERVICE, SEMNET_A_SERVICE_MAX, tb);
	ck_assert_uint_eq(nla_get_u32(tb[SEMNET_A_SERVICE_ADDR]), A("172.30.0.11"));
	ck_assert_str_eq(nla_get_string(tb[SEMNET_A_SERVICE_NAME]), "web");
	ck_assert_str_eq(nla_get_string(tb[SEMNET_A_SERVICE_POLICY]), "random");

	/* The same ways of saying it: -b, --batch=, and an empty file. */
	SEMNET_OK("-b", batch_path);
	ck_assert_int_eq(fake.nreq, 6);
	SEMNET_OK("--force", "--batch", batch_path);
	ck_assert_int_eq(fake.nreq, 6);
	batch_done();
	fake_reset();
	batch_file("");
	ck_assert_int_eq(SEMNET("-batch", batch_path), 0);
	ck_assert_int_eq(fake.nopen, 0);
	batch_done();
}
END_TEST

START_TEST(batch_failures)
{
	static const char lines[] =
		"service add 172.30.0.10 name web\n"
		"instance add 172.30.1.1 service web nsip 172.16.0.2\n"
		"service del 172.30.0.10\n";

	/* A kernel rejection stops the batch at its line. */
	fake_reset();
	batch_file(lines);
	fake.err = -EEXIST;
	fake.err_tx = 1;
	fake.extack = "instance address already exists";
	ck_assert_int_eq(SEMNET("-batch", batch_path), 1);
	ck_assert_str_eq(run.err,
			 "semnet: line 2: instance add: instance address already exists\n");
	ck_assert_int_eq(fake.nreq, 2);
	ck_assert_int_eq(fake.nopen, 1);

	/* -force goes on, on the same socket, and still exits 1. */
	fake_reset();
	fake.err = -EEXIST;
	fake.err_tx = 1;
	ck_assert_int_eq(SEMNET("-force", "-batch", batch_path), 1);
	ck_assert_str_eq(run.err, "semnet: line 2: instance add: already exists (use: change)\n");
	ck_assert_int_eq(fake.nreq, 3);
	ck_assert_int_eq(req_genl(2)->cmd, SEMNET_CMD_DEL_SERVICE);
	ck_assert_int_eq(fake.nopen, 1);
	batch_done();

	/* Usage errors on a line: nothing sent for it; the line is counted. */
	fake_reset();
	batch_file("service add 172.30.0.10 name web\n"
		   "# a comment\n"
		   "service add 172.30.0.300 name web\n"
		   "service del 172.30.0.10\n");
	ck_assert_int_eq(SEMNET("-batch", batch_path), 1);
	ck_assert_str_eq(run.err, "semnet: line 3: service add: invalid address \"172.30.0.300\"\n");
	ck_assert_int_eq(fake.nreq, 1);
	fake_reset();
	ck_assert_int_eq(SEMNET("-force", "-batch", batch_path), 1);
	ck_assert_int_eq(fake.nreq, 2);
	batch_done();

	/* Words that do not split, options on a line, a continued line's number. */
	fake_reset();
	batch_file("service add 172.30.0.10 name \"web\n"
		   "-j service show\n"
		   "service add 172.30.0.10 \\\n"
		   "  name web policy\n"
		   "frob\n");
	ck_assert_int_eq(SEMNET("-force", "-batch", batch_path), 1);
	ck_assert_str_eq(run.err,
			 "semnet: line 1: no closing \"\n"
			 "semnet: line 2: unknown command \"-j\" (try: semnet help)\n"
			 "semnet: line 3: service add: \"policy\" needs a policy like rr or random\n"
			 "semnet: line 5: unknown command \"frob\" (try: semnet help)\n");
	ck_assert_int_eq(fake.nreq, 0);
	batch_done();

	/* No module: every line says so (and tries again). */
	fake_reset();
	fake.open_ret = -ENOENT;
	batch_file("service flush\ninstance flush\n");
	ck_assert_int_eq(SEMNET("-force", "-batch", batch_path), 1);
	ck_assert_str_eq(run.err,
			 "semnet: line 1: the semnet kernel module is not loaded (try: modprobe semnet)\n"
			 "semnet: line 2: the semnet kernel module is not loaded (try: modprobe semnet)\n");
	ck_assert_int_eq(fake.nopen, 2);
	batch_done();

	/* After a batch, messages are as before (no line). */
	fake_reset();
	ck_assert_int_eq(SEMNET("frob"), 2);
	ck_assert_str_eq(run.err, "semnet: unknown command \"frob\" (try: semnet help)\n");
}
END_TEST

START_TEST(batch_usage)
{
	static const struct {
		const char *args[4];
		int status;
		const char *err;
	} cases[] = {
		{ { "-batch" }, 2, "semnet: -batch needs a FILE (try: semnet help)\n" },
		{ { "-b" }, 2, "semnet: -batch needs a FILE (try: semnet help)\n" },
		{ { "-force", "show" }, 2,
		  "semnet: -force goes with -batch FILE (try: semnet help)\n" },
		{ { "-batch", "/nonexistent/semnet-batch", "show" }, 2,
		  "semnet: unexpected argument \"show\" after -batch FILE\n" },
		{ { "-batch", "/nonexistent/semnet-batch" }, 1,
		  "semnet: cannot open batch file \"/nonexistent/semnet-batch\": "
		  "No such file or directory\n" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *a = cases[i].args;

		fake_reset();
		SEMNET(a[0], a[1], a[2], a[3]);
		ck_assert_msg(run.status == cases[i].status, "case %zu: exit %d", i, run.status);
		ck_assert_str_eq(run.err, cases[i].err);
		ck_assert_int_eq(fake.nopen, 0);
	}
	/* A FILE that starts with a dash is a FILE, not an option. */
	fake_reset();
	ck_assert_int_eq(SEMNET("-batch", "-force"), 1);
	ck_assert_str_eq(run.err, "semnet: cannot open batch file \"-force\": "
			 "No such file or directory\n");
	/* The help names it. */
	SEMNET_OK("help");
	ck_assert_ptr_nonnull(strstr(run.out, "-batch FILE"));
	ck_assert_ptr_nonnull(strstr(run.out, "-force"));
}
END_TEST

START_TEST(batch_output)
{
	static char one[sizeof(run.out)], both[2 * sizeof(run.out)];

	/* -j: each printing line prints its own document, in order. */
	fake_reset();
	reply_service("172.30.0.10", "web", "rr", 3, 20);
	ck_assert_int_eq(SEMNET("-j", "service", "show"), 0);
	memcpy(one, run.out, sizeof(one));
	fake_reset();
	reply_instance("172.30.1.1", "web", "172.16.0.2", "0.0.0.0", true);
	ck_assert_int_eq(SEMNET("-j", "instance", "show"), 0);
	strcpy(both, one);
	strcat(both, run.out);

	fake_reset();
	batch_file("service show\nservice add 172.30.0.11 name db\ninstance show\n");
	reply_service("172.30.0.10", "web", "rr", 3, 20);
	fake.script_tx = 2;
	reply_instance("172.30.1.1", "web", "172.16.0.2", "0.0.0.0", true);
	ck_assert_int_eq(SEMNET("-j", "-batch", batch_path), 0);
	ck_assert_str_eq(run.out, both);
	ck_assert_str_eq(run.err, "");
	ck_assert_int_eq(fake.nopen, 1);

	/* Text output the same way; a failure after output keeps the order. */
	fake_reset();
	reply_service("172.30.0.10", "web", "rr", 3, 20);
	fake.err = -ENOENT;
	fake.err_tx = 1;
	ck_assert_int_eq(SEMNET("-batch", batch_path), 1);
	ck_assert_str_eq(run.out, "172.30.0.10  name web  policy rr  instances 3\n");
	ck_assert_str_eq(run.err, "semnet: line 2: service add: no such object\n");
	/* Line 1's output was out (flushed) before line 2 asked the kernel. */
	ck_assert_int_eq(fake.out_pos[0], 0);
	ck_assert_int_eq(fake.out_pos[1], (off_t)strlen(run.out));
	batch_done();

	/*
	 * An interrupted dump may leave replies queued: it is retried on a new
	 * socket, which the next lines use. A kernel rejection keeps the socket.
	 */
	fake_reset();
	batch_file("service show\nservice del 172.30.0.10\nservice del 172.30.0.11\n");
	fake.eio_until = 1;
	fake.script_tx = 1;
	reply_service("172.30.0.10", "web", "rr", 3, 20);
	fake.err = -ENOENT;
	fake.err_tx = 2;
	ck_assert_int_eq(SEMNET("-force", "-batch", batch_path), 1);
	ck_assert_str_eq(run.out, "172.30.0.10  name web  policy rr  instances 3\n");
	ck_assert_str_eq(run.err, "semnet: line 2: service del: no such object\n");
	ck_assert_int_eq(fake.nreq, 4);
	ck_assert_int_eq(fake.nopen, 2);
	batch_done();
}
END_TEST

START_TEST(batch_stdin)
{
	int saved, fd;

	fake_reset();
	batch_file("service flush\ninstance flush\n");
	fd = open(batch_path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	saved = dup(0);
	dup2(fd, 0);
	close(fd);
	clearerr(stdin);
	ck_assert_int_eq(SEMNET("-batch", "-"), 0);
	dup2(saved, 0);
	close(saved);
	clearerr(stdin);
	ck_assert_int_eq(fake.nreq, 2);
	ck_assert_int_eq(req_genl(0)->cmd, SEMNET_CMD_FLUSH_SERVICES);
	ck_assert_int_eq(req_genl(1)->cmd, SEMNET_CMD_FLUSH_INSTANCES);
	batch_done();
}
END_TEST

/* --- dual stack --- */

static struct in6_addr A6(const char *s)
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static void ck_in6(struct nlattr *a, const char *want)
{
	struct in6_addr w = A6(want);

	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(nla_len(a), 16);
	ck_assert_mem_eq(nla_data(a), &w, 16);
}

static void check_prefix6(struct nlattr *nest, const char *addr, int len)
{
	struct nlattr *tb[SEMNET_A_PREFIX_MAX + 1];

	nested(nest, SEMNET_A_PREFIX_MAX, tb);
	ck_assert_ptr_null(tb[SEMNET_A_PREFIX_ADDR]);
	ck_in6(tb[SEMNET_A_PREFIX_ADDR6], addr);
	ck_assert_uint_eq(nla_get_u8(tb[SEMNET_A_PREFIX_LEN]), len);
}

/* IPv6 keys and values go in their _ADDR6 twins, never beside _ADDR. */
START_TEST(encode_dual_stack)
{
	struct nlattr *tb[SEMNET_A_NODE_MAX + 1], *sub;
	int rem, n = 0;

	SEMNET_OK("service", "add", "FDFF:2000:0::1", "name", "s", "policy", "rr");
	req_object(0, SEMNET_CMD_NEW_SERVICE, NLM_F_CREATE | NLM_F_EXCL,
		   SEMNET_A_SERVICE, SEMNET_A_SERVICE_MAX, tb);
	ck_in6(tb[SEMNET_A_SERVICE_ADDR6], "fdff:2000::1");
	ck_assert_ptr_null(tb[SEMNET_A_SERVICE_ADDR]);
	ck_assert_str_eq(nla_get_string(tb[SEMNET_A_SERVICE_NAME]), "s");
	SEMNET_OK("service", "del", "fdff:2000::1");
	req_object(0, SEMNET_CMD_DEL_SERVICE, 0, SEMNET_A_SERVICE, SEMNET_A_SERVICE_MAX, tb);
	ck_in6(tb[SEMNET_A_SERVICE_ADDR6], "fdff:2000::1");
	/* show KEY: an IPv6 key starts with a letter, and is still a key. */
	SEMNET_OK("service", "show", "fdff:2000::1");
	req_object(0, SEMNET_CMD_GET_SERVICE, 0, SEMNET_A_SERVICE, SEMNET_A_SERVICE_MAX, tb);
	ck_in6(tb[SEMNET_A_SERVICE_ADDR6], "fdff:2000::1");

	SEMNET_OK("instance", "add", "fdff::2", "service", "s", "nsip", "fc00::102");
	req_object(0, SEMNET_CMD_NEW_INSTANCE, NLM_F_CREATE | NLM_F_EXCL,
		   SEMNET_A_INSTANCE, SEMNET_A_INSTANCE_MAX, tb);
	ck_in6(tb[SEMNET_A_INSTANCE_ADDR6], "fdff::2");
	ck_in6(tb[SEMNET_A_INSTANCE_NSIP6], "fc00::102");
	ck_assert_ptr_null(tb[SEMNET_A_INSTANCE_ADDR]);
	ck_assert_ptr_null(tb[SEMNET_A_INSTANCE_NSIP]);
	/* Families mixed: sent as given, for the module to refuse. */
	SEMNET_OK("instance", "change", "fdff::2", "nsip", "172.16.0.2");
	req_object(0, SEMNET_CMD_NEW_INSTANCE, NLM_F_REPLACE,
		   SEMNET_A_INSTANCE, SEMNET_A_INSTANCE_MAX, tb);
	ck_in6(tb[SEMNET_A_INSTANCE_ADDR6], "fdff::2");
	ck_assert_uint_eq(nla_get_u32(tb[SEMNET_A_INSTANCE_NSIP]), A("172.16.0.2"));
	ck_assert_ptr_null(tb[SEMNET_A_INSTANCE_NSIP6]);
	SEMNET_OK("instance", "show", "fdff::2");
	req_object(0, SEMNET_CMD_GET_INSTANCE, 0, SEMNET_A_INSTANCE, SEMNET_A_INSTANCE_MAX, tb);
	ck_in6(tb[SEMNET_A_INSTANCE_ADDR6], "fdff::2");
	SEMNET_OK("instance", "del", "::ffff:1.2.3.4");
	req_nest(0, SEMNET_A_INSTANCE, SEMNET_A_INSTANCE_MAX, tb);
	ck_in6(tb[SEMNET_A_INSTANCE_ADDR6], "::ffff:1.2.3.4");

	SEMNET_OK("node", "set", "platform", "172.16.0.0/12", "services", "172.30.0.0/16",
		  "subnet", "172.16.0.0/26", "gateway", "172.16.0.1", "mode", "routed",
		  "platform6", "fc00::/7", "services6", "fdff::/16",
		  "subnet", "fc00::100/120", "gateway6", "fc00::101");
	req_object(0, SEMNET_CMD_SET_NODE, 0, SEMNET_A_NODE, SEMNET_A_NODE_MAX, tb);
	check_prefix(tb[SEMNET_A_NODE_PLATFORM], "172.16.0.0", 12);
	check_prefix6(tb[SEMNET_A_NODE_PLATFORM6], "fc00::", 7);
	check_prefix6(tb[SEMNET_A_NODE_SERVICE_RANGE6], "fdff::", 16);
	ck_in6(tb[SEMNET_A_NODE_GATEWAY6], "fc00::101");
	nla_for_each_nested(sub, tb[SEMNET_A_NODE_SUBNETS], rem) {
		if (n++)
			check_prefix6(sub, "fc00::100", 120);
		else
			check_prefix(sub, "172.16.0.0", 26);
	}
	ck_assert_int_eq(n, 2);
	/* An abbreviation of an IPv4 keyword stays one. */
	SEMNET_OK("node", "change", "plat", "172.16.0.0/12", "gate", "172.16.0.1");
	req_nest(0, SEMNET_A_NODE, SEMNET_A_NODE_MAX, tb);
	check_prefix(tb[SEMNET_A_NODE_PLATFORM], "172.16.0.0", 12);
	ck_assert_ptr_null(tb[SEMNET_A_NODE_PLATFORM6]);
	ck_assert_ptr_nonnull(tb[SEMNET_A_NODE_GATEWAY]);
	SEMNET_OK("node", "change", "gateway6", "fc00::1:1");
	req_nest(0, SEMNET_A_NODE, SEMNET_A_NODE_MAX, tb);
	ck_in6(tb[SEMNET_A_NODE_GATEWAY6], "fc00::1:1");
	ck_assert_ptr_null(tb[SEMNET_A_NODE_GATEWAY]);

	/* Usage errors, before anything is sent. */
	fake_reset();
	ck_assert_int_eq(SEMNET("service", "add", "fdff::1::2", "name", "s"), 2);
	ck_assert_str_eq(run.err, "semnet: service add: invalid address \"fdff::1::2\"\n");
	ck_assert_int_eq(SEMNET("node", "change", "services6", "172.30.0.0/16"), 2);
	ck_assert_str_eq(run.err, "semnet: node change: \"services6\" needs an IPv6 prefix like "
			 "fc00::/7, not \"172.30.0.0/16\" (IPv4 has its own keyword)\n");
	ck_assert_int_eq(SEMNET("node", "change", "platform6", "fc00::/129"), 2);
	ck_assert_str_eq(run.err, "semnet: node change: invalid prefix \"fc00::/129\" for "
			 "\"platform6\": length must be 0..128\n");
	ck_assert_int_eq(SEMNET("peer", "add", "172.16.0.64/26", "remote", "fd00::1::2"), 2);
	ck_assert_str_eq(run.err, "semnet: peer add: invalid address \"fd00::1::2\" for \"remote\"\n");
	ck_assert_int_eq(fake.nreq, 0);
}
END_TEST

static void reply_service6(const char *addr, const char *name, uint32_t instances)
{
	struct nl_msg *m = reply_new(SEMNET_CMD_GET_SERVICE);
	struct nlattr *s = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_SERVICE);
	struct in6_addr a = A6(addr);

	nla_put(m, SEMNET_A_SERVICE_ADDR6, sizeof(a), &a);
	nla_put_string(m, SEMNET_A_SERVICE_NAME, name);
	nla_put_string(m, SEMNET_A_SERVICE_POLICY, "rr");
	nla_put_u32(m, SEMNET_A_SERVICE_INSTANCES, instances);
	put_counters(m, SEMNET_A_SERVICE_COUNTERS, 0, 0, 0);
	nla_nest_end(m, s);
}

static void reply_instance6(const char *addr, const char *service, const char *nsip)
{
	struct nl_msg *m = reply_new(SEMNET_CMD_GET_INSTANCE);
	struct nlattr *s = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_INSTANCE);
	struct in6_addr a = A6(addr), n = A6(nsip);

	nla_put(m, SEMNET_A_INSTANCE_ADDR6, sizeof(a), &a);
	nla_put_string(m, SEMNET_A_INSTANCE_SERVICE, service);
	nla_put(m, SEMNET_A_INSTANCE_NSIP6, sizeof(n), &n);
	nla_put_u32(m, SEMNET_A_INSTANCE_NODE, 0);
	nla_put_flag(m, SEMNET_A_INSTANCE_LOCAL);
	put_counters(m, SEMNET_A_INSTANCE_COUNTERS, 5, 500, 1);
	nla_nest_end(m, s);
}

static void reply_node6(void)
{
	struct nl_msg *m = reply_new(SEMNET_CMD_GET_NODE);
	struct nlattr *n = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_NODE), *subs, *p;
	struct in6_addr a;

	put_prefix(m, SEMNET_A_NODE_PLATFORM, "172.16.0.0/12");
	put_prefix(m, SEMNET_A_NODE_SERVICE_RANGE, "172.30.0.0/16");
	subs = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_NODE_SUBNETS);
	put_prefix(m, SEMNET_A_NODE_SUBNET, "172.16.0.0/26");
	p = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_NODE_SUBNET);
	a = A6("fc00::100");
	nla_put(m, SEMNET_A_PREFIX_ADDR6, sizeof(a), &a);
	nla_put_u8(m, SEMNET_A_PREFIX_LEN, 120);
	nla_nest_end(m, p);
	nla_nest_end(m, subs);
	nla_put_u32(m, SEMNET_A_NODE_GATEWAY, A("172.16.0.1"));
	p = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_NODE_PLATFORM6);
	a = A6("fc00::");
	nla_put(m, SEMNET_A_PREFIX_ADDR6, sizeof(a), &a);
	nla_put_u8(m, SEMNET_A_PREFIX_LEN, 7);
	nla_nest_end(m, p);
	p = nla_nest_start(m, NLA_F_NESTED | SEMNET_A_NODE_SERVICE_RANGE6);
	a = A6("fdff::");
	nla_put(m, SEMNET_A_PREFIX_ADDR6, sizeof(a), &a);
	nla_put_u8(m, SEMNET_A_PREFIX_LEN, 16);
	nla_nest_end(m, p);
	a = A6("fc00::101");
	nla_put(m, SEMNET_A_NODE_GATEWAY6, sizeof(a), &a);
	nla_put_u32(m, SEMNET_A_NODE_MODE, SEMNET_NODE_MODE_ROUTED);
	nla_nest_end(m, n);
}

/* Both families in text and JSON: IPv4 first, IPv6 in canonical form. */
START_TEST(output_dual_stack)
{
	json_t *root;
	json_error_t jerr;
	char *got;

	fake_reset();
	reply_service6("fdff:2000::1", "s", 2);
	reply_service("172.30.0.40", "s", "rr", 1, 0);
	reply_service6("fdff:2000::", "t", 0);
	ck_assert_int_eq(SEMNET("service", "show"), 0);
	ck_assert_str_eq(run.out,
		"172.30.0.40   name s  policy rr  instances 1\n"
		"fdff:2000::   name t  policy rr  instances 0\n"
		"fdff:2000::1  name s  policy rr  instances 2\n");

	fake_reset();
	reply_service6("fdff:2000::1", "s", 2);
	ck_assert_int_eq(SEMNET("-j", "service", "show", "fdff:2000::1"), 0);
	root = json_loads(run.out, 0, &jerr);
	ck_assert_ptr_nonnull(root);
	got = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_str_eq(got, "[{\"address\":\"fdff:2000::1\",\"counters\":{\"bytes\":0,"
			 "\"flows\":0,\"packets\":0},\"instances\":2,\"name\":\"s\","
			 "\"policy\":\"rr\"}]");
	free(got);
	json_decref(root);

	fake_reset();
	reply_instance6("fdff::3", "s", "fc00::103");
	reply_instance("172.30.3.1", "s", "172.16.0.3", "0.0.0.0", true);
	reply_instance6("fdff::2", "s", "fc00::102");
	ck_assert_int_eq(SEMNET("instance", "show"), 0);
	ck_assert_str_eq(run.out,
		"172.30.3.1  service s  nsip 172.16.0.3  node local\n"
		"fdff::2     service s  nsip fc00::102   node local\n"
		"fdff::3     service s  nsip fc00::103   node local\n");
	fake_reset();
	reply_instance6("fdff::2", "s", "fc00::102");
	ck_assert_int_eq(SEMNET("-j", "instance", "show"), 0);
	root = json_loads(run.out, 0, &jerr);
	ck_assert_ptr_nonnull(root);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(root, 0), "address")),
			 "fdff::2");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(root, 0), "nsip")),
			 "fc00::102");
	ck_assert(json_is_null(json_object_get(json_array_get(root, 0), "node")));
	json_decref(root);

	fake_reset();
	reply_node6();
	ck_assert_int_eq(SEMNET("node", "show"), 0);
	ck_assert_str_eq(run.out,
		"platform   172.16.0.0/12\n"
		"services   172.30.0.0/16\n"
		"subnet     172.16.0.0/26\n"
		"subnet     fc00::100/120\n"
		"gateway    172.16.0.1\n"
		"platform6  fc00::/7\n"
		"services6  fdff::/16\n"
		"gateway6   fc00::101\n"
		"mode       routed\n");
	fake_reset();
	reply_node6();
	ck_assert_int_eq(SEMNET("-j", "node", "show"), 0);
	root = json_loads(run.out, 0, &jerr);
	ck_assert_ptr_nonnull(root);
	ck_assert_str_eq(json_string_value(json_object_get(root, "platform6")), "fc00::/7");
	ck_assert_str_eq(json_string_value(json_object_get(root, "service_range6")), "fdff::/16");
	ck_assert_str_eq(json_string_value(json_object_get(root, "gateway6")), "fc00::101");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(root, "subnets"), 1)),
			 "fc00::100/120");
	json_decref(root);

	/* The overview: one group, both families. */
	fake_reset();
	reply_node6();
	fake.script_tx = 2;
	reply_service6("fdff:2000::1", "s", 2);
	reply_service("172.30.0.40", "s", "rr", 1, 0);
	fake.script_tx = 3;
	reply_instance6("fdff::2", "s", "fc00::102");
	reply_instance("172.30.3.1", "s", "172.16.0.3", "0.0.0.0", true);
	reply_instance6("fdff::3", "s", "fc00::103");
	ck_assert_int_eq(SEMNET("show"), 0);
	ck_assert_msg(strstr(run.out,
		"service s\n"
		"    address 172.30.0.40   policy rr        instances 1\n"
		"    address fdff:2000::1  policy rr        instances 2\n"
		"    instance 172.30.3.1   nsip 172.16.0.3  node local\n"
		"    instance fdff::2      nsip fc00::102   node local\n"
		"    instance fdff::3      nsip fc00::103   node local\n"), "%s", run.out);
	fake_reset();
	reply_node6();
	fake.script_tx = 2;
	reply_service6("fdff:2000::1", "s", 2);
	fake.script_tx = 3;
	reply_instance6("fdff::2", "s", "fc00::102");
	ck_assert_int_eq(SEMNET("-j", "show"), 0);
	root = json_loads(run.out, 0, &jerr);
	ck_assert_ptr_nonnull(root);
	ck_assert_str_eq(json_string_value(json_object_get(
		json_array_get(json_object_get(root, "services"), 0), "address")), "fdff:2000::1");
	ck_assert_str_eq(json_string_value(json_object_get(
		json_array_get(json_object_get(root, "instances"), 0), "nsip")), "fc00::102");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(root, "node"),
							   "gateway6")), "fc00::101");
	json_decref(root);
}
END_TEST

/* A module older than IPv6: the refusal of an _ADDR6 said as such. */
START_TEST(old_module_v6)
{
	fake_reset();
	fake.err = -EINVAL;
	fake.extack = "Unknown attribute type";
	fake.extack_nest = SEMNET_A_SERVICE;
	fake.extack_type = SEMNET_A_SERVICE_ADDR6;
	ck_assert_int_eq(SEMNET("service", "add", "fdff:2000::1", "name", "s"), 1);
	ck_assert_str_eq(run.err, "semnet: service add: " SN_KERNEL_NO_IPV6 "\n");

	fake_reset();
	fake.err = -EINVAL;
	fake.extack = "Unknown attribute type";
	fake.extack_nest = SEMNET_A_NODE;
	fake.extack_type = SEMNET_A_NODE_GATEWAY6;
	ck_assert_int_eq(SEMNET("node", "change", "gateway6", "fc00::101"), 1);
	ck_assert_str_eq(run.err, "semnet: node change: " SN_KERNEL_NO_IPV6 "\n");

	/* The module's other refusals at an _ADDR6 are its own words. */
	fake_reset();
	fake.err = -EINVAL;
	fake.extack = "the nsIP must be of the InstanceIP's family";
	fake.extack_nest = SEMNET_A_INSTANCE;
	fake.extack_type = SEMNET_A_INSTANCE_NSIP;
	ck_assert_int_eq(SEMNET("instance", "add", "fdff::2", "service", "s",
				"nsip", "172.16.0.2"), 1);
	ck_assert_str_eq(run.err,
			 "semnet: instance add: the nsIP must be of the InstanceIP's family\n");
}
END_TEST

/* -batch: IPv6 lines go many to a request like IPv4 ones. */
START_TEST(batch_dual_stack)
{
	struct nlattr *attrs[SEMNET_A_MAX + 1], *entry, *tb[SEMNET_A_INSTANCE_MAX + 1];
	int rem, n = 0;

	fake_reset();
	batch_file("service add fdff:2000::5 name b6\n"
		   "instance add fdff::5 service b6 nsip fc00::105\n"
		   "instance add 172.30.1.5 service b6 nsip 172.16.0.5\n"
		   "instance add fdff::6 service b6 nsip fc00::106\n"
		   "service del fdff:2000::5\n");
	ck_assert_int_eq(SEMNET("-batch", batch_path), 0);
	ck_assert_str_eq(run.err, "");
	ck_assert_int_eq(fake.nreq, 3);
	ck_assert_int_eq(req_genl(1)->cmd, SEMNET_CMD_NEW_INSTANCE);
	req_attrs(1, attrs);
	ck_assert_ptr_nonnull(attrs[SEMNET_A_INSTANCES]);
	nla_for_each_nested(entry, attrs[SEMNET_A_INSTANCES], rem) {
		nested(entry, SEMNET_A_INSTANCE_MAX, tb);
		if (n == 1) {
			ck_assert_uint_eq(nla_get_u32(tb[SEMNET_A_INSTANCE_ADDR]), A("172.30.1.5"));
			ck_assert_ptr_null(tb[SEMNET_A_INSTANCE_ADDR6]);
		} else {
			ck_in6(tb[SEMNET_A_INSTANCE_ADDR6], n ? "fdff::6" : "fdff::5");
			ck_in6(tb[SEMNET_A_INSTANCE_NSIP6], n ? "fc00::106" : "fc00::105");
		}
		n++;
	}
	ck_assert_int_eq(n, 3);
	req_nest(2, SEMNET_A_SERVICE, SEMNET_A_SERVICE_MAX, tb);
	ck_in6(tb[SEMNET_A_SERVICE_ADDR6], "fdff:2000::5");
	batch_done();
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("cli_main");
	TCase *tc = tcase_create("main");

	UNIT_ADD_TESTS(tc, usage_errors, help, help_is_true, no_module,
		       encode_service, encode_node, encode_instance_flow,
		       kernel_errors, output_services, output_instances,
		       output_flows, output_stats, output_node, peers, peer_set, peer_label,
		       json_exact, output_overview, malformed_replies, monitor,
		       batch_one_socket, batch_failures, batch_usage,
		       batch_output, batch_stdin, encode_dual_stack, output_dual_stack,
		       old_module_v6, batch_dual_stack);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
