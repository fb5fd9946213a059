// SPDX-License-Identifier: GPL-2.0
/*
 * semnet -batch FILE: many commands in one process, as ip -batch does, so
 * that a script can change the tables thousands of times a second.
 *
 * Each line is split with sn_split_words() and run by sn_command(), exactly
 * as `semnet WORDS...` would be; every request goes over one genl socket
 * (request.c's batch socket), so a line costs one request and its ack, not
 * a process, a socket and a family lookup; consecutive adds of services or
 * instances go many to a request (request.c's bulk). Messages name the line
 * ("semnet: line 7: service add: already exists"). The first failing line
 * stops the batch unless -force is given; either way the exit status is 1
 * when any line failed, 0 otherwise. Each line's output is flushed when the
 * line is done.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* Words on one line: enough for `node set` with every subnet and knob. */
#define SN_BATCH_WORDS 256

/*
 * Reads the next command into *buf, joining lines that end with a
 * backslash. *first gets the number of its first line. Returns its length,
 * or -1 at the end of the file (or on a read error: ferror() tells).
 */
static ssize_t read_command(FILE *in, char **buf, size_t *cap, char **more,
			    size_t *more_cap, unsigned long *lineno,
			    unsigned long *first)
{
	ssize_t len, n;

	len = getline(buf, cap, in);
	if (len < 0)
		return -1;
	*first = ++*lineno;
	for (;;) {
		if (len && (*buf)[len - 1] == '\n')
			(*buf)[--len] = '\0';
		if (len && (*buf)[len - 1] == '\r')
			(*buf)[--len] = '\0';
		if (!len || (*buf)[len - 1] != '\\')
			return len;
		(*buf)[--len] = '\0';	/* the backslash: the line goes on */
		n = getline(more, more_cap, in);
		if (n < 0)
			return len;
		++*lineno;
		if ((size_t)(len + n + 1) > *cap) {
			*cap = (size_t)(len + n + 1);
			*buf = sn_xrealloc(*buf, *cap);
		}
		memcpy(*buf + len, *more, (size_t)n + 1);
		len += n;
	}
}

/*
 * Whether a command may be an add or change of services or instances,
 * whose requests wait to go many at once (request.c): its first word
 * abbreviates "service" or "instance". Any other line sends what waits
 * before it runs, so that its output comes after their messages.
 */
static bool may_wait(int argc, char **argv)
{
	size_t n = argc > 0 ? strlen(argv[0]) : 0;

	return n && (!strncmp(argv[0], "service", n) || !strncmp(argv[0], "instance", n));
}

int sn_batch(const char *file, bool force)
{
	char *line = NULL, *more = NULL, *argv[SN_BATCH_WORDS + 1];
	size_t cap = 0, more_cap = 0;
	unsigned long lineno = 0, first, failed = 0;
	char err[SN_ERR_MAX];
	FILE *in = stdin;
	struct stat st;
	bool regular;
	int argc, ret = 0;

	if (strcmp(file, "-")) {
		in = fopen(file, "r");
		if (!in)
			return sn_fail(NULL, "cannot open batch file \"%s\": %s", file,
				       strerror(errno));
	}
	regular = !fstat(fileno(in), &st) && S_ISREG(st.st_mode);
	sn_batch_socket(true, force);
	/*
	 * Only a file's adds go many to a request. Other input may be a
	 * program waiting for the answer to each line it writes (and pacing
	 * them): its lines go one request each, as they come.
	 */
	sn_batch_group(regular);
	for (;;) {
		if (read_command(in, &line, &cap, &more, &more_cap, &lineno, &first) < 0)
			break;
		sn_batch_line = first;
		argc = sn_split_words(line, argv, SN_BATCH_WORDS, err, sizeof(err));
		if (argc > 0 && !may_wait(argc, argv))
			sn_bulk_flush();
		if (sn_bulk_failures()) {
			/* An earlier line's add failed: counted, maybe the end. */
			failed++;
			if (!force)
				break;
		}
		if (argc < 0)
			ret = sn_fail(NULL, "%s", err);
		else if (argc > 0)
			ret = sn_command(argc, argv);
		else
			ret = 0;
		if (sn_bulk_failures()) {
			failed++;
			if (!force)
				break;
		}
		/*
		 * A line's output goes out when the line is done, so a program
		 * driving `semnet -batch -` over pipes sees each answer (and
		 * knows the line before it was acknowledged). Free when the
		 * line printed nothing.
		 */
		fflush(stdout);
		if (ret) {
			failed++;
			if (!force)
				break;
		}
	}
	sn_batch_line = 0;
	if (!(failed && !force)) {
		sn_bulk_flush();
		failed += sn_bulk_failures();
	}
	if (ferror(in)) {
		sn_fail(NULL, "reading batch file \"%s\": %s", file, strerror(errno));
		failed++;
	}
	sn_batch_socket(false, false);
	if (in != stdin)
		fclose(in);
	free(line);
	free(more);
	return failed ? SN_EXIT_FAIL : 0;
}
