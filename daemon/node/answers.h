/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cluster's table answers (nodes/<id>/net/tablequery/result) put into
 * the kernel: a service's instances (remote ones through their node's
 * peer, local ones through their veth), then its RR and Closest
 * addresses; what the answer no longer lists leaves the kernel, except
 * local instances, which undeploy removes.
 */
#ifndef SEMNETD_ANSWERS_H
#define SEMNETD_ANSWERS_H

struct semnetd;

void semnetd_answers_on_result(struct semnetd *d, const char *payload, int len);

/*
 * What answers install goes to the kernel batched (kernel.h's writer), at
 * the end of the loop's turn in which they arrived: many answers at once
 * share a few requests. A refused object is logged and leaves the cache.
 * init: 0 or -ENOMEM. flush: sends what is queued now, for anything that
 * must come after it (a delete, the interest tick, a stop).
 */
int semnetd_answers_init(struct semnetd *d);
void semnetd_answers_flush(struct semnetd *d);
void semnetd_answers_free(struct semnetd *d);

#endif
