// SPDX-License-Identifier: GPL-2.0
/*
 * semnet: configure and inspect the semnet kernel module of the current
 * network namespace, in the style of ip(8) and wg(8).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <uapi/linux/semnet.h>

#include "genl.h"

static int json_output;
static const char *prog = "semnet";

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [-j] COMMAND [ARGS]\n"
		"\n"
		"Options:\n"
		"  -j, --json      print JSON instead of text\n"
		"  -h, --help      print this help\n"
		"\n"
		"Commands:\n"
		"  version         print the versions of this tool and of the loaded module\n"
		"  help            print this help\n"
		"\n"
		"See semnet(8).\n", prog);
}

/* Reports a failed request: the kernel's own words first, else errno. */
static int report(struct sn_genl *g, const char *what, int err)
{
	if (err == -EPERM || err == -EACCES)
		fprintf(stderr, "%s: %s: permission denied (needs CAP_NET_ADMIN in this network namespace)\n",
			prog, what);
	else if (g->error[0])
		fprintf(stderr, "%s: %s: %s\n", prog, what, g->error);
	else
		fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(-err));
	return 1;
}

static int open_family(struct sn_genl *g)
{
	int ret = sn_genl_open(g);

	if (ret < 0)
		fprintf(stderr, "%s: %s\n", prog, sn_genl_open_strerror(ret));
	return ret;
}

struct module_info {
	char version[64];
	uint32_t genl_version;
	uint32_t netns_inum;
	uint64_t netns_cookie;
};

static int parse_info(struct nlattr **attrs, void *arg)
{
	struct nlattr *tb[SEMNET_A_INFO_MAX + 1];
	struct module_info *mi = arg;

	if (!attrs[SEMNET_A_INFO] ||
	    nla_parse_nested(tb, SEMNET_A_INFO_MAX, attrs[SEMNET_A_INFO], NULL) < 0)
		return -EBADMSG;
	if (tb[SEMNET_A_INFO_VERSION])
		snprintf(mi->version, sizeof(mi->version), "%s",
			 nla_get_string(tb[SEMNET_A_INFO_VERSION]));
	if (tb[SEMNET_A_INFO_GENL_VERSION])
		mi->genl_version = nla_get_u32(tb[SEMNET_A_INFO_GENL_VERSION]);
	if (tb[SEMNET_A_INFO_NETNS_INUM])
		mi->netns_inum = nla_get_u32(tb[SEMNET_A_INFO_NETNS_INUM]);
	if (tb[SEMNET_A_INFO_NETNS_COOKIE])
		mi->netns_cookie = nla_get_u64(tb[SEMNET_A_INFO_NETNS_COOKIE]);
	return 0;
}

static int cmd_version(int argc, char **argv)
{
	struct module_info mi = { .version = "" };
	struct sn_genl g;
	struct nl_msg *msg;
	int ret;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "%s: version: unexpected argument \"%s\"\n", prog, argv[1]);
		return 2;
	}
	if (!json_output)
		printf("semnet tool %s\n", SEMNET_TOOL_VERSION);
	if (open_family(&g) < 0)
		return 1;
	msg = sn_genl_request(&g, SEMNET_CMD_GET_INFO, 0);
	ret = msg ? sn_genl_transact(&g, msg, parse_info, &mi) : -ENOMEM;
	if (ret < 0) {
		report(&g, "version", ret);
		sn_genl_close(&g);
		return 1;
	}
	sn_genl_close(&g);

	if (json_output) {
		json_t *o = json_pack("{s:{s:s}, s:{s:s, s:i, s:I, s:I}}",
				      "tool", "version", SEMNET_TOOL_VERSION,
				      "module", "version", mi.version,
				      "genl_version", (json_int_t)mi.genl_version,
				      "netns_inum", (json_int_t)mi.netns_inum,
				      "netns_cookie", (json_int_t)mi.netns_cookie);

		if (!o)
			return 1;
		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	} else {
		printf("semnet module %s (genl v%" PRIu32 ", netns %" PRIu32 ")\n",
		       mi.version, mi.genl_version, mi.netns_inum);
	}
	return 0;
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "version", cmd_version },
	{ "help", cmd_help },
};

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	size_t i;
	int c;

	while ((c = getopt_long(argc, argv, "+jh", options, NULL)) != -1) {
		switch (c) {
		case 'j':
			json_output = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[0], commands[i].name))
			return commands[i].run(argc, argv);
	fprintf(stderr, "%s: unknown command \"%s\" (try: %s help)\n", prog, argv[0], prog);
	return 2;
}
