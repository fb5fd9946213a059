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

#endif
