/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Local instances, the containers of this node: deploying one (an nsIP
 * lease, durable first, then its port mappings and its veth, and the
 * report to the cluster), undeploying it, and picking it up again after a
 * restart. The lease keeps the veth's ifindex, which the kernel needs to
 * accept the instance's traffic from that port (on the bridge, or routed)
 * only.
 *
 * Errors: a negative errno and a message for the client in @err:
 *   -EINVAL   a bad request (the pid is in semnetd's own namespace)
 *   -ESRCH    no such pid, or it went away meanwhile
 *   -ENOENT   no such instance
 *   -EEXIST   deployed already, a host port or an interface name taken
 *   -ENOSPC   every nsIP of the subnet is leased
 *   -ENOTCONN the node is not registered; -EAGAIN it is not set up yet
 *   -EIO      the store or the host failed
 */
#ifndef SEMNETD_INSTANCES_H
#define SEMNETD_INSTANCES_H

#include "api_parse.h"
#include "store.h"

struct semnetd;

/* Every host-side veth's name starts so ("sn" and the nsIP in hex): a
 * routed node's firewall rules match them by this prefix. */
#define SEMNETD_VETH_PREFIX "sn"

/* 0 and the new lease in *l, or a negative errno. */
int semnetd_instance_deploy(struct semnetd *d, const struct semnetd_deploy_req *r,
			    struct semnetd_lease *l, struct sn_err *err);
/* 0 and the lease that was in *l, or a negative errno. */
int semnetd_instance_undeploy(struct semnetd *d, const struct semnetd_undeploy_req *r,
			      struct semnetd_lease *l, struct sn_err *err);
/* Takes a local instance down everywhere and reports it undeployed; the
 * lease row last. 0, or -1 when the store failed. */
int semnetd_instance_remove(struct semnetd *d, const struct semnetd_lease *l);
/* After a restart: an instance whose container is gone is undeployed, the
 * others get their port mappings and kernel entry back. */
void semnetd_instance_restore(struct semnetd *d, struct semnetd_lease *l);

#endif
