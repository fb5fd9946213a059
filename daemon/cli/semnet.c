// SPDX-License-Identifier: GPL-2.0
/*
 * semnet: configure and inspect the semnet kernel module of the current
 * network namespace, in the style of ip(8) and wg(8).
 *
 * This file: options, the top-level dispatch, `version` and `help`. Each
 * object has its own file (node.c, service.c, instance.c, peer.c, flow.c, stats.c,
 * show.c); parsing is in parse.c, output helpers in output.c, netlink in
 * request.c, -batch in batch.c. main() is in main.c so the unit tests can
 * call sn_main().
 *
 * Exit status: 0 success, 1 runtime failure (including a rejection by the
 * kernel, whose extack message is printed), 2 usage error. Usage errors are
 * found before anything is sent to the kernel.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct sn_opts sn_opts;
unsigned long sn_batch_line;

void sn_err_begin(void)
{
	/* Earlier lines' pending adds first: their failures come first. */
	sn_bulk_flush();
	if (sn_batch_line) {
		fflush(stdout);
		fprintf(stderr, "semnet: line %lu: ", sn_batch_line);
	} else {
		fputs("semnet: ", stderr);
	}
}

int sn_error(int status, const char *what, const char *fmt, ...)
{
	va_list ap;

	sn_err_begin();
	if (what)
		fprintf(stderr, "%s: ", what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

int sn_no_args(const char *what, int argc, char **argv)
{
	return argc > 0 ? sn_usage_error(what, "unexpected argument \"%s\"", argv[0]) : 0;
}

int sn_positional_addr(const char *what, const char *arg, uint32_t *be)
{
	if (!arg)
		return sn_usage_error(what, "missing address (see: semnet %.*s help)",
				      (int)strcspn(what, " "), what);
	if (sn_parse_addr(arg, be) < 0) {
		if ((arg[0] < '0' || arg[0] > '9') && !strchr(arg, '.'))
			return sn_usage_error(what, "missing address (it comes first, before \"%s\")",
					      arg);
		return sn_usage_error(what, "invalid address \"%s\"", arg);
	}
	return 0;
}

int sn_positional_inaddr(const char *what, const char *arg, struct sn_inaddr *a)
{
	if (!arg)
		return sn_usage_error(what, "missing address (see: semnet %.*s help)",
				      (int)strcspn(what, " "), what);
	if (sn_parse_inaddr(arg, a) < 0) {
		if ((arg[0] < '0' || arg[0] > '9') && !strchr(arg, '.') && !strchr(arg, ':'))
			return sn_usage_error(what, "missing address (it comes first, before \"%s\")",
					      arg);
		return sn_usage_error(what, "invalid address \"%s\"", arg);
	}
	return 0;
}

int sn_keywords(const char *what, const struct sn_kw *kw, size_t nkw,
		int argc, char **argv, struct sn_kwval *out)
{
	char err[SN_ERR_MAX];

	if (sn_parse_keywords(kw, nkw, argc, argv, out, err, sizeof(err)) < 0)
		return sn_usage_error(what, "%s", err);
	return 0;
}

void sn_usage(FILE *out)
{
	fputs("Usage: semnet [-j] [-s] COMMAND [ARGS]\n"
	      "       semnet [-j] [-s] [-force] -batch FILE\n"
	      "\n"
	      "Options:\n"
	      "  -j, --json      print JSON instead of text\n"
	      "  -s, --stats     show packet, byte and flow counters (always in JSON)\n"
	      "  -b, -batch FILE run the commands of FILE (- for stdin), one a line,\n"
	      "                  over one netlink socket; stop at the first that fails\n"
	      "  -force          with -batch: go on after a failed line (exit 1 at the end)\n"
	      "  -V, --version   print the version of this tool\n"
	      "  -h, --help      print this help\n"
	      "\n"
	      "Commands (each word may be abbreviated to a unique prefix):\n"
	      "  show                                  node, services, instances and counts\n"
	      "  node { set | change | show | del }    this namespace's configuration\n"
	      "  service { add | change | del | show | flush }\n"
	      "  instance { add | change | del | show | flush }\n"
	      "  peer { add | change | set | del | show | flush }\n"
	      "  flow { show | flush }                 translated connections\n"
	      "  stats                                 global counters and drops by reason\n"
	      "  monitor [count N]                     the kernel's events (table misses)\n"
	      "  version                               versions of this tool and of the module\n"
	      "  help [OBJECT]                         this help, or OBJECT's\n"
	      "\n"
	      "`semnet OBJECT help` prints the arguments of OBJECT; `semnet OBJECT` alone\n"
	      "shows it. A -batch line is a command without \"semnet\" and options;\n"
	      "' or \" quote a word, # starts a comment, \\ at the end continues the line.\n"
	      "See semnet(8).\n",
	      out);
}

static void version_usage(FILE *out)
{
	fputs("Usage: semnet [-j] version\n", out);
}

static int parse_info(struct nlattr **attrs, void *arg)
{
	return sn_info_get(attrs, arg);
}

static int cmd_version(void)
{
	struct sn_info mi = { .version = "" };
	int ret;

	if (!sn_opts.json)
		printf("semnet tool %s\n", SEMNET_TOOL_VERSION);
	ret = sn_request("version", SEMNET_CMD_GET_INFO, 0, NULL, NULL, parse_info, &mi);
	if (ret)
		return ret;

	if (sn_opts.json) {
		json_t *o = json_pack("{s:{s:s}, s:{s:s, s:I, s:I, s:I}}",
				      "tool", "version", SEMNET_TOOL_VERSION,
				      "module", "version", mi.version,
				      "genl_version", (json_int_t)mi.genl_version,
				      "netns_inum", (json_int_t)mi.netns_inum,
				      "netns_cookie", (json_int_t)mi.netns_cookie);

		return sn_json_print(o, stdout) ? SN_EXIT_FAIL : 0;
	}
	printf("semnet module %s (genl v%" PRIu32 ", netns %" PRIu32 ")\n",
	       mi.version, mi.genl_version, mi.netns_inum);
	return 0;
}

static int cmd_help(int argc, char **argv);

/* A top-level command: an object's subcommands, or one of its own. */
static const struct command {
	const char *name;
	const struct sn_object *object;
	void (*usage)(FILE *out);
	int (*run)(int argc, char **argv);	/* argv[0] is the command word */
	int (*plain)(void);			/* or it takes no arguments */
} commands[] = {
	/* Order matters only for the help text; abbreviations must be unique. */
	{ "show", NULL, sn_show_usage, .plain = sn_cmd_show },
	{ "node", .object = &sn_node_object },
	{ "service", .object = &sn_service_object },
	{ "instance", .object = &sn_instance_object },
	{ "peer", .object = &sn_peer_object },
	{ "flow", .object = &sn_flow_object },
	{ "stats", NULL, sn_stats_usage, .plain = sn_cmd_stats },
	{ "monitor", NULL, sn_monitor_usage, .run = sn_cmd_monitor },
	{ "version", NULL, version_usage, .plain = cmd_version },
	{ "help", NULL, sn_usage, .run = cmd_help },
};

static void command_usage(const struct command *c, FILE *out)
{
	if (c->object)
		c->object->usage(out);
	else
		c->usage(out);
}

/* Finds a top-level command; prints the usage error when there is none. */
static int find_command(const char *word)
{
	const char *names[ARRAY_SIZE(commands) + 1];
	size_t k;
	int i;

	for (k = 0; k < ARRAY_SIZE(commands); k++)
		names[k] = commands[k].name;
	names[k] = NULL;
	i = sn_lookup(names, word);

	if (i == -EAGAIN)
		sn_usage_error(NULL, "ambiguous command \"%s\" (try: semnet help)", word);
	else if (i < 0)
		sn_usage_error(NULL, "unknown command \"%s\" (try: semnet help)", word);
	return i;
}

static int cmd_help(int argc, char **argv)
{
	int i;

	if (argc < 2) {
		sn_usage(stdout);
		return 0;
	}
	if (argc > 2)
		return sn_usage_error("help", "unexpected argument \"%s\"", argv[2]);
	i = find_command(argv[1]);
	if (i < 0)
		return SN_EXIT_USAGE;
	command_usage(&commands[i], stdout);
	return 0;
}

int sn_dispatch(const struct sn_object *o, int argc, char **argv)
{
	const struct sn_subcmd *cmds = o->cmds ? o->cmds : sn_object_cmds, *sc = &cmds[0];
	size_t k, ncmds = o->cmds ? o->ncmds : sn_object_ncmds;
	const char *names[16];
	char what[64];
	size_t n;
	int i;

	/* `semnet OBJECT` alone runs cmds[0], show, as ip(8) does. */
	if (argc >= 2) {
		if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
			o->usage(stdout);
			return 0;
		}
		for (k = 0; k < ncmds && k + 1 < ARRAY_SIZE(names); k++)
			names[k] = cmds[k].name;
		names[k] = NULL;
		i = sn_lookup(names, argv[1]);
		if (i == -EAGAIN)
			return sn_usage_error(o->name, "ambiguous command \"%s\" (try: semnet %s help)",
					      argv[1], o->name);
		if (i < 0)
			return sn_usage_error(o->name, "unknown command \"%s\" (try: semnet %s help)",
					      argv[1], o->name);
		sc = &cmds[i];
		/* `semnet OBJECT CMD help` too. */
		if (argc > 2 && !strcmp(argv[2], "help")) {
			o->usage(stdout);
			return 0;
		}
		argc--;
		argv++;
	}
	/* Every line of a batch comes here: no printf. */
	sn_copy(what, sizeof(what), o->name);
	n = strlen(what);
	if (n + 1 < sizeof(what)) {
		what[n] = ' ';
		sn_copy(what + n + 1, sizeof(what) - n - 1, sc->name);
	}
	return sc->op ? sc->op(o, what, argc - 1, argv + 1) : sc->run(what, argc - 1, argv + 1);
}

int sn_command(int argc, char **argv)
{
	int ret, i = find_command(argv[0]);

	if (i < 0)
		return SN_EXIT_USAGE;
	/* `semnet COMMAND help`, for every command. */
	if (argc > 1 && !strcmp(argv[1], "help")) {
		command_usage(&commands[i], stdout);
		return 0;
	}
	if (commands[i].object)
		return sn_dispatch(commands[i].object, argc, argv);
	if (commands[i].run)
		return commands[i].run(argc, argv);
	ret = sn_no_args(commands[i].name, argc - 1, argv + 1);
	return ret ? ret : commands[i].plain();
}

/*
 * ip(8) spells its batch options with one dash, -batch and -force, which
 * getopt would read as -b atch and -f orce: give them their second dash
 * (only among the options, before the command word).
 */
static void ip_style_options(int argc, char **argv)
{
	static char batch[] = "--batch", force[] = "--force";
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] &&
	     strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "-batch"))
			argv[i] = batch;
		else if (!strcmp(argv[i], "-force"))
			argv[i] = force;
		if (!strcmp(argv[i], "--batch") || !strcmp(argv[i], "-b"))
			i++;	/* its FILE, which may start with a dash */
	}
}

int sn_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "stats", no_argument, NULL, 's' },
		{ "batch", required_argument, NULL, 'b' },
		{ "force", no_argument, NULL, 'f' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *batch = NULL;
	bool force = false;
	int c;

	memset(&sn_opts, 0, sizeof(sn_opts));
	sn_batch_line = 0;
	ip_style_options(argc, argv);
	optind = 0;		/* full getopt reset: sn_main may run more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+jsb:Vh", options, NULL)) != -1) {
		switch (c) {
		case 'b':
			batch = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'j':
			sn_opts.json = true;
			break;
		case 's':
			sn_opts.stats = true;
			break;
		case 'V':
			printf("semnet tool %s\n", SEMNET_TOOL_VERSION);
			return 0;
		case 'h':
			sn_usage(stdout);
			return 0;
		default:
			if (optopt == 'b')
				sn_usage_error(NULL, "-batch needs a FILE (try: semnet help)");
			else if (optopt && optopt != 'f')
				sn_usage_error(NULL, "unknown option \"-%c\" (try: semnet help)",
					       optopt);
			else
				sn_usage_error(NULL, "unknown option \"%s\" (try: semnet help)",
					       argv[optind - 1]);
			return SN_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (batch) {
		if (argc > 0)
			return sn_usage_error(NULL, "unexpected argument \"%s\" after -batch FILE",
					      argv[0]);
		return sn_batch(batch, force);
	}
	if (force)
		return sn_usage_error(NULL, "-force goes with -batch FILE (try: semnet help)");
	if (argc < 1) {
		sn_usage(stderr);
		return SN_EXIT_USAGE;
	}
	return sn_command(argc, argv);
}
