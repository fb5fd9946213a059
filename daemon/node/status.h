/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The document GET /status answers with: the node's state and identity,
 * its leases and local instances, what it knows of the cluster (services,
 * peers, pending queries, the registry's version) and its RTT probes.
 */
#ifndef SEMNETD_STATUS_H
#define SEMNETD_STATUS_H

#include <jansson.h>

struct semnetd;

/* The document in *out (NULL when out of memory). 0, or -EIO when the
 * store could not be read. */
int semnetd_status(struct semnetd *d, json_t **out);

#endif
