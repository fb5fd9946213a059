/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Job updates to interested clusters (POST /api/net/job/update). An update
 * is first written to the store's outbox inside the transaction that made
 * the change, so a crash can lose neither; delivery then runs from the loop
 * with retries and exponential backoff, never blocking it. Order between
 * updates is not kept: a cluster treats each one as "this job changed,
 * re-query", so a late duplicate is harmless.
 */
#ifndef SN_ROOT_NOTIFY_H
#define SN_ROOT_NOTIFY_H

#include <stdint.h>

struct sn_root;

struct sn_root_notifier *sn_root_notifier_new(struct sn_root *root);
void sn_root_notifier_free(struct sn_root_notifier *n);

/* Inside the caller's transaction: queue an update of @job_name for every
 * interested cluster. @type "DEPLOYMENT" or "UNDEPLOYMENT"; @instance_number
 * -1 for the whole job. 0 or -1. */
int sn_root_notify_job(struct sn_root *root, const char *job_name, int instance_number,
		       const char *type);
/* After commit (and at startup): start delivering what the outbox holds. */
void sn_root_notify_flush(struct sn_root *root);
/* Updates queued and not yet delivered or given up. */
unsigned int sn_root_notify_pending(const struct sn_root_notifier *n);

#endif
