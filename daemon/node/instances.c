// SPDX-License-Identifier: GPL-2.0
/* Local instances: deploy, undeploy, restore (instances.h). */
#include "instances.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "answers.h"
#include "semnetd.h"
#include "sn_log.h"

static int store_error(struct sn_err *err)
{
	sn_err_set(err, SEMNETD_STORE_ERROR);
	return -EIO;
}

/*
 * A unikernel (lease pid 0) gets what Oakestra's NetManager builds for one
 * (node-net-manager/env/UnikernelNetDeployment.go, oakestra-net 1bdf5fa):
 * the network namespace "<serviceName>.instance.<n>" (the name the
 * NodeEngine runs the hypervisor in, go_node_engine/util/taskid), its veth
 * with the nsIP as a container's, and inside, the bridge virbr0 with
 * 192.168.1.1/30, the TAP device tap0 on it, and NAT between the veth and
 * the guest's 192.168.1.2. IPv4 only, as there.
 */
#define UK_BRIDGE "virbr0"
#define UK_TAP "tap0"
#define UK_GATEWAY 0xc0a80101u	/* 192.168.1.1/30 */
#define UK_GUEST 0xc0a80102u	/* 192.168.1.2 */

static bool unikernel(const struct semnetd_lease *l)
{
	return l->pid == 0;
}

static int uk_netns(const char *job, int number, char path[PATH_MAX])
{
	char name[SN_OAK_JOB_NAME_MAX + 32];

	snprintf(name, sizeof(name), "%s.instance.%d", job, number);
	return semnetd_host_netns_path(name, path, PATH_MAX);
}

/* The host-side veth name: unique per nsIP, so a restart finds it. */
static void veth_name(uint32_t nsip, char out[IF_NAMESIZE])
{
	snprintf(out, IF_NAMESIZE, SEMNETD_VETH_PREFIX "%08x", nsip);
}

/* Puts a local instance into the kernel once its InstanceIP is known:
 * one kernel instance per family it has. */
static int install(struct semnetd *d, const struct semnetd_lease *l)
{
	int rc = 0, rc6;

	if (l->instance_ip) {
		rc = semnetd_kernel_instance_put(&d->genl, l->instance_ip, l->job_name, l->nsip, 0,
						 l->ifindex);
		if (rc < 0)
			sn_warn("instance %d of %s: the kernel refused it: %s", l->number,
				l->job_name, d->genl.error[0] ? d->genl.error : strerror(-rc));
	}
	if (d->v6 && !sn_ipv6_is_zero(&l->instance_ip6) && !sn_ipv6_is_zero(&l->nsip6)) {
		rc6 = semnetd_kernel_instance_put6(&d->genl, &l->instance_ip6, l->job_name,
						   &l->nsip6, 0, l->ifindex);
		if (rc6 < 0)
			sn_warn("instance %d of %s (IPv6): the kernel refused it: %s", l->number,
				l->job_name, d->genl.error[0] ? d->genl.error : strerror(-rc6));
		if (!rc)
			rc = rc6;
	}
	return rc;
}

/* Out of the kernel and of its service, which idles out from now if
 * nothing else uses it. */
static void uninstall(struct semnetd *d, const struct semnetd_lease *l)
{
	struct semnetd_svc *s = semnetd_services_find(&d->services, l->job_name);

	/* An answer of this turn may have queued it: that goes first. */
	semnetd_answers_flush(d);
	if (l->instance_ip && semnetd_kernel_instance_del(&d->genl, l->instance_ip) < 0)
		sn_debug("instance %d of %s was not in the kernel", l->number, l->job_name);
	if (!sn_ipv6_is_zero(&l->instance_ip6) &&
	    semnetd_kernel_instance_del6(&d->genl, &l->instance_ip6) < 0)
		sn_debug("instance %d of %s (IPv6) was not in the kernel", l->number, l->job_name);
	if (!s)
		return;
	for (size_t i = 0; i < s->ninst; i++) {
		if (s->inst[i].nsip == l->nsip ||
		    (!sn_ipv6_is_zero(&l->nsip6) && !sn_ipv6_cmp(&s->inst[i].nsip6, &l->nsip6))) {
			s->inst[i] = s->inst[--s->ninst];
			break;
		}
	}
	s->active_ms = uv_now(d->loop);
}

/* The lease out of the store, then its nsIP back to the pool. 0, or -1
 * when the store failed: the lease stays there, held, not leaked twice. */
static int lease_drop(struct semnetd *d, const struct semnetd_lease *l)
{
	if (sn_db_begin(&d->db) < 0 ||
	    semnetd_store_lease_del(&d->db, l->job_name, l->number) < 0 ||
	    sn_db_commit(&d->db) < 0) {
		sn_db_rollback(&d->db);
		return -1;
	}
	semnetd_leases_release(&d->leases, l->nsip);
	if (!sn_ipv6_is_zero(&l->nsip6))
		semnetd_leases6_release(&d->leases6, &l->nsip6);
	return 0;
}

/* A new lease for @r, durable before any interface exists: after a crash
 * an address in use is never handed out again. */
static int lease_new(struct semnetd *d, const struct semnetd_deploy_req *r,
		     struct semnetd_lease *l, struct sn_err *err)
{
	memset(l, 0, sizeof(*l));
	if (semnetd_leases_take(&d->leases, &l->nsip) < 0) {
		sn_err_set(err, "no free address: the node's subnet holds %u containers and all are deployed",
			   semnetd_leases_capacity(&d->leases));
		return -ENOSPC;
	}
	/* Dual stack: an IPv6 nsIP too, when the node has an IPv6 side. A
	 * full IPv6 pool leaves the container IPv4 only, which Oakestra's
	 * NetManager would refuse: semnet refuses it too. A unikernel gets
	 * none (its guest is IPv4 behind NAT, as Oakestra's). */
	if (d->v6 && r->pid && semnetd_leases6_take(&d->leases6, &l->nsip6) < 0) {
		semnetd_leases_release(&d->leases, l->nsip);
		sn_err_set(err, "no free IPv6 address: the node's IPv6 subnet holds %u containers and all are deployed",
			   semnetd_leases6_capacity(&d->leases6));
		return -ENOSPC;
	}
	snprintf(l->job_name, sizeof(l->job_name), "%s", r->job_name);
	l->number = r->instance_number;
	l->pid = r->pid;
	veth_name(l->nsip, l->veth);
	semnetd_format_ports(r->ports, r->nports, l->ports, sizeof(l->ports));
	if (sn_db_begin(&d->db) < 0 || semnetd_store_lease_put(&d->db, l) < 0 ||
	    semnetd_store_cursor_put(&d->db, l->nsip) < 0 || sn_db_commit(&d->db) < 0) {
		sn_db_rollback(&d->db);
		semnetd_leases_release(&d->leases, l->nsip);
		if (!sn_ipv6_is_zero(&l->nsip6))
			semnetd_leases6_release(&d->leases6, &l->nsip6);
		return store_error(err);
	}
	return 0;
}

/* The IPv6 side of @v, when the lease has one. */
static void veth6(struct semnetd *d, const struct semnetd_lease *l, struct semnetd_veth *v)
{
	if (!d->v6 || sn_ipv6_is_zero(&l->nsip6))
		return;
	v->has6 = true;
	v->nsip6 = l->nsip6;
	v->prefix_len6 = d->id.subnet6.len;
	semnetd_leases6_gateway(&d->leases6, &v->gateway6);
}

/* The leased container's port mappings and veth, its ifindex stored with
 * the lease; on failure none of them is left. */
static int wire(struct semnetd *d, const struct semnetd_deploy_req *r, struct semnetd_lease *l,
		const char *netns, struct sn_err *err)
{
	struct semnetd_veth v = {
		.host_name = l->veth,
		.container_name = d->cfg.container_ifname,
		.pid = r->pid,
		.netns = netns,
		.nsip = l->nsip,
		.prefix_len = d->id.subnet.len,
		.gateway = semnetd_leases_gateway(&d->leases),
		.mtu = d->tunnel_mtu,
		.bridge_ifindex = d->bridge_ifindex,
	};
	int rc;

	veth6(d, l, &v);
	if (v.has6 && d->bridge_ifindex &&
	    semnetd_host_forget6(&d->host, d->bridge_ifindex, &l->nsip6) < 0)
		sn_debug("cannot flush the neighbour entry of a reused IPv6 nsIP");
	if (semnetd_fw_ports_add(&d->fw, l->nsip, v.has6 ? &l->nsip6 : NULL, r->ports, r->nports,
				 err) < 0)
		return -EEXIST;
	if ((rc = semnetd_host_veth_add(&d->host, &v, &l->ifindex, err)) < 0) {
		semnetd_fw_ports_del(&d->fw, r->ports, r->nports);
		return rc == -EEXIST || rc == -ESRCH ? rc : -EIO;
	}
	if (semnetd_store_lease_set_ifindex(&d->db, l->job_name, l->number, l->ifindex) < 0) {
		semnetd_host_veth_del(&d->host, l->veth);
		semnetd_fw_ports_del(&d->fw, r->ports, r->nports);
		return store_error(err);
	}
	return 0;
}

/* A unikernel's namespace, new: one left by a deployment that never
 * finished (semnetd died) is replaced, since no lease names it. */
static int uk_prepare(const struct semnetd_deploy_req *r, char netns[PATH_MAX],
		      struct sn_err *err)
{
	int rc;

	if (uk_netns(r->job_name, r->instance_number, netns) < 0) {
		sn_err_set(err, "field 'serviceName': too long for a namespace name");
		return -EINVAL;
	}
	if (semnetd_host_netns_exists(netns)) {
		sn_warn("%s is left from a deployment that did not finish: replaced", netns);
		if (semnetd_host_netns_del(netns, err) < 0)
			return -EIO;
	}
	return (rc = semnetd_host_netns_add(netns, err)) < 0 ? (rc == -EEXIST ? rc : -EIO) : 0;
}

struct uk_nat {
	struct semnetd *d;
	uint32_t nsip;
};

static int uk_nat(void *arg, struct sn_err *err)
{
	struct uk_nat *n = arg;

	return semnetd_fw_unikernel_nat(&n->d->fw, n->d->cfg.container_ifname, n->nsip, UK_GUEST,
					err);
}

/* Inside the namespace, beside the veth: the guest's bridge, TAP and NAT.
 * On failure the caller removes the veth and the namespace. */
static int uk_guest(struct semnetd *d, struct semnetd_lease *l, const char *netns,
		    struct sn_err *err)
{
	const struct semnetd_unikernel_guest g = {
		.bridge = UK_BRIDGE, .tap = UK_TAP, .gateway = UK_GATEWAY, .prefix_len = 30,
	};
	struct uk_nat nat = { d, l->nsip };
	struct semnetd_port_map maps[SEMNETD_PORTS_MAX];
	struct sn_err why;
	size_t nmaps = 0;

	if (semnetd_host_unikernel_guest(netns, &g, err) == 0 &&
	    semnetd_host_in_netns(netns, uk_nat, &nat, err) == 0)
		return 0;
	if (semnetd_parse_ports(l->ports, maps, &nmaps, &why) == 0)
		semnetd_fw_ports_del(&d->fw, maps, nmaps);
	semnetd_host_veth_del(&d->host, l->veth);
	return -EIO;
}

int semnetd_instance_deploy(struct semnetd *d, const struct semnetd_deploy_req *r,
			    struct semnetd_lease *l, struct sn_err *err)
{
	char nsip_text[SN_IPV4_STRLEN], nsip6_text[SN_IPV6_STRLEN] = "-", netns[PATH_MAX];
	struct sn_err why;
	int rc;

	if ((rc = semnetd_node_ready(d, err)) < 0)
		return rc;
	rc = semnetd_store_lease_get(&d->db, r->job_name, r->instance_number, l);
	if (rc < 0)
		return store_error(err);
	if (rc == 1) {
		sn_ipv4_format(l->nsip, nsip_text);
		sn_err_set(err, "instance %d of %s is deployed already (nsAddress %s)",
			   r->instance_number, r->job_name, nsip_text);
		return -EEXIST;
	}
	if (r->pid && (rc = semnetd_host_check_pid(r->pid, err)) < 0)
		return rc == -ESRCH ? -ESRCH : -EINVAL;
	if (!r->pid && (rc = uk_prepare(r, netns, err)) < 0)
		return rc;
	if ((rc = lease_new(d, r, l, err)) < 0)
		goto fail_netns;
	if ((rc = wire(d, r, l, r->pid ? NULL : netns, err)) < 0 ||
	    (!r->pid && (rc = uk_guest(d, l, netns, err)) < 0)) {
		if (lease_drop(d, l) < 0)
			sn_error("cannot drop the lease of a failed deployment");
		goto fail_netns;
	}
	sn_ipv4_format(l->nsip, nsip_text);
	if (!sn_ipv6_is_zero(&l->nsip6))
		sn_ipv6_format(&l->nsip6, nsip6_text);
	if (r->pid)
		sn_info("deployed instance %d of %s: nsIP %s, %s on %s (pid %d)", l->number,
			l->job_name, nsip_text, nsip6_text, l->veth, l->pid);
	else
		sn_info("deployed unikernel instance %d of %s: nsIP %s on %s, namespace %s",
			l->number, l->job_name, nsip_text, l->veth, netns);
	semnetd_upstream_report_deployed(d, l);
	/* Our own table names the InstanceIP, which the kernel needs to
	 * translate this container's traffic. */
	semnetd_query_name(d, l->job_name);
	return 0;
fail_netns:
	if (!r->pid && semnetd_host_netns_del(netns, &why) < 0)
		sn_warn("%s", why.msg);
	return rc;
}

int semnetd_instance_remove(struct semnetd *d, const struct semnetd_lease *l)
{
	struct semnetd_port_map maps[SEMNETD_PORTS_MAX];
	char netns[PATH_MAX];
	struct sn_err err;
	size_t nmaps = 0;
	json_t *msg;

	uninstall(d, l);
	if (semnetd_parse_ports(l->ports, maps, &nmaps, &err) == 0)
		semnetd_fw_ports_del(&d->fw, maps, nmaps);
	if (semnetd_host_veth_del(&d->host, l->veth) < 0)
		sn_warn("cannot delete %s", l->veth);
	if (unikernel(l) && uk_netns(l->job_name, l->number, netns) == 0 &&
	    semnetd_host_netns_del(netns, &err) < 0)
		sn_warn("%s", err.msg);
	if (lease_drop(d, l) < 0)
		return -1;
	msg = json_pack("{s:s, s:i}", "appname", l->job_name, "instance_number", l->number);
	if (msg) {
		semnetd_upstream_publish(d, "service/undeployed", msg);
		json_decref(msg);
	}
	return 0;
}

int semnetd_instance_undeploy(struct semnetd *d, const struct semnetd_undeploy_req *r,
			      struct semnetd_lease *l, struct sn_err *err)
{
	int rc = semnetd_store_lease_get(&d->db, r->job_name, r->instance_number, l);

	if (rc < 0)
		return store_error(err);
	if (rc == 0) {
		sn_err_set(err, "no instance %d of %s is deployed on this node", r->instance_number,
			   r->job_name);
		return -ENOENT;
	}
	if (semnetd_instance_remove(d, l) < 0)
		return store_error(err);
	sn_info("undeployed instance %d of %s", l->number, l->job_name);
	return 0;
}

void semnetd_instance_restore(struct semnetd *d, struct semnetd_lease *l)
{
	struct semnetd_port_map maps[SEMNETD_PORTS_MAX];
	int ifindex = semnetd_host_ifindex(&d->host, l->veth);
	char netns[PATH_MAX];
	bool uk = unikernel(l) && uk_netns(l->job_name, l->number, netns) == 0;
	struct semnetd_veth v = {
		.host_name = l->veth,
		.container_name = d->cfg.container_ifname,
		.pid = l->pid,
		.netns = uk ? netns : NULL,
		.nsip = l->nsip,
		.gateway = semnetd_leases_gateway(&d->leases),
		.bridge_ifindex = d->bridge_ifindex,
	};
	struct sn_err err;
	size_t nmaps;
	bool moved;
	int rc;

	veth6(d, l, &v);
	/* A container that died took its veth with it. */
	if (!ifindex) {
		sn_info("instance %d of %s: its container is gone; undeploying it", l->number,
			l->job_name);
		semnetd_instance_remove(d, l);
		return;
	}
	/* Stored before schema 2, or the veth came back under a new index. */
	if (ifindex != l->ifindex) {
		l->ifindex = ifindex;
		if (semnetd_store_lease_set_ifindex(&d->db, l->job_name, l->number, ifindex) < 0)
			sn_error("cannot store the ifindex of %s", l->veth);
	}
	/* Its port as this run's mode wants it (the last run may have had the
	 * other); routed: its /32 and proxy ARP again (the routes go with a
	 * reboot of the namespace, not with semnetd). */
	rc = semnetd_host_port_mode(&d->host, &v, ifindex, &moved, &err);
	if (moved && d->cfg.routed)
		sn_info("instance %d of %s: %s taken off its bridge and routed (semnetd runs routed now)",
			l->number, l->job_name, l->veth);
	else if (moved)
		sn_info("instance %d of %s: %s moved onto bridge %s (semnetd runs bridged now)",
			l->number, l->job_name, l->veth, d->cfg.bridge);
	if (rc < 0)
		sn_warn("instance %d of %s: %s", l->number, l->job_name, err.msg);
	if (d->fw.available && semnetd_parse_ports(l->ports, maps, &nmaps, &err) == 0 &&
	    semnetd_fw_ports_add(&d->fw, l->nsip, v.has6 ? &l->nsip6 : NULL, maps, nmaps,
				 &err) < 0)
		sn_warn("instance %d of %s: %s", l->number, l->job_name, err.msg);
	install(d, l);
}
