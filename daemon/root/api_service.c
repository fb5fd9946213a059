// SPDX-License-Identifier: GPL-2.0
/* Services, instances and their addresses; where instances run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "notify.h"
#include "sn_log.h"
#include "sn_oak.h"

/* The job name from a deployment descriptor: its job_name, or Oakestra's
 * four parts joined. */
static int descriptor_job_name(json_t *desc, char *out, size_t size, struct sn_err *err)
{
	static const char *const parts[] = { "app_name", "app_ns", "service_name", "service_ns" };
	const char *name, *part[4];

	if (sn_json_str(desc, "job_name", false, SN_OAK_JOB_NAME_MAX, &name, err) < 0)
		return -1;
	if (name) {
		snprintf(out, size, "%s", name);
	} else {
		for (int i = 0; i < 4; i++)
			if (sn_json_str(desc, parts[i], true, SN_OAK_NAME_PART_MAX, &part[i], err) < 0)
				return -1;
		snprintf(out, size, "%s.%s.%s.%s", part[0], part[1], part[2], part[3]);
	}
	if (!sn_oak_job_name_valid(out)) {
		sn_err_set(err, "job name '%.130s' must be app.appns.svc.svcns, each part 1-30 "
			   "letters or digits", out);
		return -1;
	}
	return 0;
}

/* A requested ServiceIP/InstanceIP: inside the pool and free. 0 (reserved)
 * or an HTTP status with *reply set. */
static int reserve_requested(struct sn_root *root, const char *field, uint32_t addr,
			     json_t **reply)
{
	char text[SN_IPV4_STRLEN], range[SN_CIDR_STRLEN];
	int rc = sn_ipalloc_reserve(&root->pools.addrs, addr);

	sn_ipv4_format(addr, text);
	sn_prefix_format(&root->cfg.service_range, range);
	if (rc == -EEXIST) {
		*reply = sn_json_error("%s %s is already in use", field, text);
		return 409;
	}
	if (rc < 0) {
		*reply = sn_json_error("%s %s is not a usable address of the service range %s", field,
				       text, range);
		return 400;
	}
	return 0;
}

static int pool_exhausted(struct sn_root *root, json_t **reply)
{
	char range[SN_CIDR_STRLEN];

	sn_prefix_format(&root->cfg.service_range, range);
	*reply = sn_json_error("service addresses exhausted: all %u addresses of %s are allocated",
			       sn_ipalloc_capacity(&root->pools.addrs), range);
	return 409;
}

/* A requested v6 address (RR_ip_v6, closest_ip_v6, instance_ip_v6):
 * absent, null, "" or "<nil>" is none. 0, or -1 with @err when it is
 * there but not an IPv6 address. */
static int requested6(json_t *obj, const char *key, struct in6_addr *out, bool *present,
		      struct sn_err *err)
{
	json_t *v = json_object_get(obj, key);

	if (sn_json_ipv6(obj, key, false, out, present, err) == 0)
		return 0;
	if (json_is_string(v))
		sn_err_set(err, "%s '%.64s' is not an IPv6 address", key, json_string_value(v));
	else
		sn_err_set(err, "%s must be an IPv6 address as a string", key);
	return -1;
}

/*
 * A requested v6 ServiceIP/InstanceIP: inside the v6 service range and
 * owned by no service (the store is checked as well as the windows' pools,
 * since an address outside both windows is in no pool). Unlike Oakestra it
 * is compared as an address, not as text: "fdff:2000:0::5" is
 * "fdff:2000::5". 0 (reserved in its window's pool, if any) or 400 with
 * *reply set.
 */
static int reserve_requested6(struct sn_root *root, const char *field,
			      const struct in6_addr *addr, json_t **reply)
{
	char text[SN_IPV6_STRLEN], range[SN_CIDR6_STRLEN];
	struct sn_root_service owner;
	int found, rc;

	sn_ipv6_format(addr, text);
	sn_prefix6_format(&root->cfg.service_range6, range);
	if (!sn_prefix6_contains(&root->cfg.service_range6, addr)) {
		*reply = sn_json_error("%s %s is outside the IPv6 service range %s", field, text,
				       range);
		return 400;
	}
	found = sn_root_store_service_by_ip6(&root->db, addr, &owner);
	if (found < 0)
		return sn_root_api_store_error(reply);
	rc = found ? -EEXIST : sn_root_pool6_reserve(&root->pools, addr);
	if (rc == -EEXIST) {
		*reply = sn_json_error("%s %s is already in use%s%s", field, text,
				       found ? " by service " : "", found ? owner.job_name : "");
		return 400;
	}
	if (rc < 0) {
		*reply = sn_json_error("%s %s is not a usable address of the IPv6 service range %s "
				       "(a window's first address is never handed out)", field,
				       text, range);
		return 400;
	}
	return 0;
}

static int pool6_exhausted(struct sn_ipalloc *pool, const struct sn_prefix6 *window,
			   const char *what, json_t **reply)
{
	char text[SN_CIDR6_STRLEN];

	sn_prefix6_format(window, text);
	*reply = sn_json_error("IPv6 %s exhausted: all %u addresses of %s are allocated", what,
			       sn_ipalloc_capacity(pool), text);
	return 409;
}

/* Gives back a service's addresses that are set (a deploy that failed
 * half-way, or a removed service). */
static void release_service_addrs(struct sn_root *root, const struct sn_root_service *s)
{
	if (s->rr_ip)
		sn_ipalloc_release(&root->pools.addrs, s->rr_ip);
	if (s->closest_ip)
		sn_ipalloc_release(&root->pools.addrs, s->closest_ip);
	sn_root_pool6_release(&root->pools, &s->rr_ip6);
	sn_root_pool6_release(&root->pools, &s->closest_ip6);
}

/* Canonical text, or null for a service from before IPv6. */
static json_t *service_reply(const struct sn_root_service *s)
{
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "job_id", s->job_id, "job_name",
			 s->job_name, "RR_ip", sn_json_ipv4_string(s->rr_ip), "RR_ip_v6",
			 sn_json_ipv6_string(&s->rr_ip6), "closest_ip",
			 sn_json_ipv4_string(s->closest_ip), "closest_ip_v6",
			 sn_json_ipv6_string(&s->closest_ip6));
}

static bool reserved_job_id(const char *id)
{
	return !strcmp(id, "service") || !strcmp(id, "interest") || !strcmp(id, "subnet") ||
	       !strcmp(id, "instance") || !strcmp(id, "cluster") || !strcmp(id, "status");
}

/* Takes a new service's four addresses, requested or allocated: 0, or an
 * HTTP status with *reply set and nothing kept. */
static int allocate_service(struct sn_root *root, struct sn_root_service *s,
			    const uint32_t want[2], const bool has[2],
			    const struct in6_addr want6[2], const bool has6[2], json_t **reply)
{
	static const char *const names[2] = { "RR_ip", "closest_ip" };
	static const char *const names6[2] = { "RR_ip_v6", "closest_ip_v6" };
	uint32_t *v4[2] = { &s->rr_ip, &s->closest_ip };
	struct in6_addr *v6[2] = { &s->rr_ip6, &s->closest_ip6 };
	int status;

	for (int i = 0; i < 2; i++) {
		if (has[i]) {
			if ((status = reserve_requested(root, names[i], want[i], reply)) != 0)
				goto fail;
			*v4[i] = want[i];
		} else if (sn_ipalloc_alloc(&root->pools.addrs, v4[i]) < 0) {
			status = pool_exhausted(root, reply);
			goto fail;
		}
	}
	for (int i = 0; i < 2; i++) {
		if (has6[i]) {
			if ((status = reserve_requested6(root, names6[i], &want6[i], reply)) != 0)
				goto fail;
			*v6[i] = want6[i];
		} else if (sn_ipalloc_alloc6(&root->pools.rr6, v6[i]) < 0) {
			status = pool6_exhausted(&root->pools.rr6, &root->cfg.rr_window6,
						 "RR/Closest addresses", reply);
			goto fail;
		}
	}
	return 0;
fail:
	release_service_addrs(root, s);
	return status;
}

/* The rotation cursors after a new service: the last address each pool
 * handed out (none when all were requested). */
static int save_service_cursors(struct sn_root *root, const struct sn_root_service *s,
				const bool has[2], const bool has6[2])
{
	if ((!has[0] || !has[1]) &&
	    sn_root_store_set_last_addr(&root->db, SN_ADDR_SERVICE,
					has[1] ? s->rr_ip : s->closest_ip) < 0)
		return -1;
	if ((!has6[0] || !has6[1]) &&
	    sn_root_store_set_last_addr6(&root->db, SN_POOL6_RR,
					 has6[1] ? &s->rr_ip6 : &s->closest_ip6) < 0)
		return -1;
	return 0;
}

int sn_root_api_service_deploy(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	struct sn_root *root = ctx;
	struct sn_root_service s = { 0 }, old;
	struct sn_err err;
	const char *job_id;
	json_t *body = sn_json_parse_object(req->body, req->body_len, &err), *desc;
	uint32_t want[2] = { 0, 0 };
	bool has[2] = { false, false }, has6[2] = { false, false };
	struct in6_addr want6[2];
	int status = 200, found;
	char *desc_text = NULL;

	if (!body)
		goto bad;
	desc = json_object_get(body, "deployment_descriptor");
	if (sn_json_str(body, "_id", true, SN_ID_MAX, &job_id, &err) < 0)
		goto bad;
	if (!sn_root_api_id_valid(job_id) || reserved_job_id(job_id)) {
		sn_err_set(&err, "_id must be 1-64 of [A-Za-z0-9._-] and not a reserved word");
		goto bad;
	}
	if (!json_is_object(desc)) {
		sn_err_set(&err, "field 'deployment_descriptor' must be an object");
		goto bad;
	}
	if (descriptor_job_name(desc, s.job_name, sizeof(s.job_name), &err) < 0 ||
	    sn_json_ipv4(desc, "RR_ip", false, &want[0], &has[0], &err) < 0 ||
	    sn_json_ipv4(desc, "closest_ip", false, &want[1], &has[1], &err) < 0 ||
	    requested6(desc, "RR_ip_v6", &want6[0], &has6[0], &err) < 0 ||
	    requested6(desc, "closest_ip_v6", &want6[1], &has6[1], &err) < 0)
		goto bad;
	if (has6[0] && has6[1] && sn_ipv6_cmp(&want6[0], &want6[1]) == 0) {
		sn_err_set(&err, "RR_ip_v6 and closest_ip_v6 must differ");
		goto bad;
	}
	snprintf(s.job_id, sizeof(s.job_id), "%s", job_id);

	/* Re-deploying the same job is idempotent; the same name under another
	 * id is a conflict. */
	found = sn_root_store_service_by_id(&root->db, s.job_id, &old);
	if (found == 0)
		found = sn_root_store_service_by_name(&root->db, s.job_name, &old);
	if (found < 0) {
		status = sn_root_api_store_error(reply);
		goto out;
	}
	if (found == 1) {
		if (strcmp(old.job_id, s.job_id) || strcmp(old.job_name, s.job_name) ||
		    (has[0] && want[0] != old.rr_ip) || (has[1] && want[1] != old.closest_ip) ||
		    (has6[0] && sn_ipv6_cmp(&want6[0], &old.rr_ip6)) ||
		    (has6[1] && sn_ipv6_cmp(&want6[1], &old.closest_ip6))) {
			*reply = sn_json_error("job %s (%s) already exists with other settings",
					       old.job_id, old.job_name);
			status = 409;
			goto out;
		}
		*reply = service_reply(&old);
		goto out;
	}

	if ((status = allocate_service(root, &s, want, has, want6, has6, reply)) != 0)
		goto out;
	status = 200;
	desc_text = json_dumps(desc, JSON_COMPACT);
	if (!desc_text || sn_db_begin(&root->db) < 0 ||
	    sn_root_store_service_add(&root->db, &s, desc_text) < 0 ||
	    save_service_cursors(root, &s, has, has6) < 0 || sn_db_commit(&root->db) < 0) {
		sn_db_rollback(&root->db);
		release_service_addrs(root, &s);
		status = sn_root_api_store_error(reply);
		goto out;
	}
	sn_info("service %s (%s) deployed", s.job_id, s.job_name);
	*reply = service_reply(&s);
	goto out;
bad:
	*reply = sn_json_error("%s", err.msg);
	status = 400;
out:
	free(desc_text);
	json_decref(body);
	return status;
}

int sn_root_api_service_delete(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	struct sn_root *root = ctx;
	struct sn_root_service s;
	int found = sn_root_store_service_by_id(&root->db, req->params[0], &s), left, status;

	if ((status = sn_root_api_found(found, reply, "no service with _id '%.64s'",
					req->params[0])))
		return status;
	if ((left = sn_root_store_instance_count(&root->db, s.job_id)) != 0) {
		if (left < 0)
			return sn_root_api_store_error(reply);
		*reply = sn_json_error("service %s still has %d instance(s); undeploy them first",
				       s.job_id, left);
		return 409;
	}
	if (sn_db_begin(&root->db) < 0 ||
	    sn_root_notify_job(root, s.job_name, -1, "UNDEPLOYMENT") < 0 ||
	    sn_root_store_interest_del_job(&root->db, s.job_name) < 0 ||
	    sn_root_store_service_del(&root->db, s.job_id) < 0 || sn_db_commit(&root->db) < 0) {
		sn_db_rollback(&root->db);
		return sn_root_api_store_error(reply);
	}
	release_service_addrs(root, &s);
	sn_root_notify_flush(root);
	sn_info("service %s (%s) removed", s.job_id, s.job_name);
	*reply = json_pack("{s:s, s:s}", "job_id", s.job_id, "job_name", s.job_name);
	return 200;
}

static json_t *instance_reply(const char *job_id, const struct sn_root_instance *inst)
{
	return json_pack("{s:s, s:i, s:s, s:o, s:o}", "job_id", job_id, "instance_number",
			 inst->number, "cluster_id", inst->cluster_id, "instance_ip",
			 sn_json_ipv4_string(inst->instance_ip), "instance_ip_v6",
			 sn_json_ipv6_string(&inst->instance_ip6));
}

int sn_root_api_instance_deploy(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	struct sn_root *root = ctx;
	struct sn_root_service s;
	struct sn_root_instance inst = { 0 }, old;
	struct sn_root_cluster c;
	struct sn_err err;
	const char *job_id, *cluster_id;
	long long number;
	uint32_t want_ip = 0;
	struct in6_addr want_ip6;
	bool has_ip, has_ip6;
	json_t *body = sn_json_parse_object(req->body, req->body_len, &err);
	int status = 200, found;

	if (!body)
		goto bad;
	if (sn_json_str(body, "_id", true, SN_ID_MAX, &job_id, &err) < 0 ||
	    sn_json_int(body, "instance_number", true, true, 0, SN_OAK_INSTANCE_MAX, &number,
			&err) < 0 ||
	    sn_json_str(body, "cluster_id", false, SN_ID_MAX, &cluster_id, &err) < 0 ||
	    sn_json_ipv4(body, "instance_ip", false, &want_ip, &has_ip, &err) < 0 ||
	    requested6(body, "instance_ip_v6", &want_ip6, &has_ip6, &err) < 0)
		goto bad;
	if ((status = sn_root_api_caller(root, req, cluster_id, true, &c, reply)) != 0)
		goto out;
	status = 200;
	found = sn_root_store_service_by_id(&root->db, job_id, &s);
	if ((status = sn_root_api_found(found, reply, "no service with _id '%s': deploy it first",
					job_id)) != 0)
		goto out;
	status = 200;
	inst.number = (int)number;
	snprintf(inst.cluster_id, sizeof(inst.cluster_id), "%s", c.id);
	found = sn_root_store_instance_get(&root->db, s.job_id, inst.number, &old);
	if (found < 0) {
		status = sn_root_api_store_error(reply);
		goto out;
	}
	if (found == 1) {	/* idempotent: the same instance keeps its address */
		if ((has_ip && want_ip != old.instance_ip) ||
		    (has_ip6 && sn_ipv6_cmp(&want_ip6, &old.instance_ip6))) {
			*reply = sn_json_error("instance %d of %s already has another address",
					       old.number, s.job_id);
			status = 409;
			goto out;
		}
		*reply = instance_reply(s.job_id, &old);
		goto out;
	}
	if (has_ip) {
		if ((status = reserve_requested(root, "instance_ip", want_ip, reply)) != 0)
			goto out;
		status = 200;
		inst.instance_ip = want_ip;
	} else if (sn_ipalloc_alloc(&root->pools.addrs, &inst.instance_ip) < 0) {
		status = pool_exhausted(root, reply);
		goto out;
	}
	if (has_ip6) {
		if ((status = reserve_requested6(root, "instance_ip_v6", &want_ip6, reply)) == 0)
			status = 200, inst.instance_ip6 = want_ip6;
	} else if (sn_ipalloc_alloc6(&root->pools.instances6, &inst.instance_ip6) < 0) {
		status = pool6_exhausted(&root->pools.instances6, &root->cfg.instance_window6,
					 "InstanceIPs", reply);
	}
	if (status != 200) {
		sn_ipalloc_release(&root->pools.addrs, inst.instance_ip);
		goto out;
	}
	if (sn_db_begin(&root->db) < 0 ||
	    sn_root_store_instance_add(&root->db, s.job_id, &inst) < 0 ||
	    (!has_ip && sn_root_store_set_last_addr(&root->db, SN_ADDR_SERVICE,
						    inst.instance_ip) < 0) ||
	    (!has_ip6 && sn_root_store_set_last_addr6(&root->db, SN_POOL6_INSTANCE,
						      &inst.instance_ip6) < 0) ||
	    sn_db_commit(&root->db) < 0) {
		sn_db_rollback(&root->db);
		sn_ipalloc_release(&root->pools.addrs, inst.instance_ip);
		sn_root_pool6_release(&root->pools, &inst.instance_ip6);
		status = sn_root_api_store_error(reply);
		goto out;
	}
	*reply = instance_reply(s.job_id, &inst);
	goto out;
bad:
	*reply = sn_json_error("%s", err.msg);
	status = 400;
out:
	json_decref(body);
	return status;
}

struct collect {
	int numbers[64];
	uint32_t ips[64];
	struct in6_addr ips6[64];
	size_t n;
	bool more;
};

static void collect_instance(void *arg, const struct sn_root_instance *inst)
{
	struct collect *col = arg;

	if (col->n == sizeof(col->numbers) / sizeof(col->numbers[0])) {
		col->more = true;
		return;
	}
	col->numbers[col->n] = inst->number;
	col->ips6[col->n] = inst->instance_ip6;
	col->ips[col->n++] = inst->instance_ip;
}

int sn_root_api_instance_delete(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	struct sn_root *root = ctx;
	struct sn_root_service s;
	struct collect col = { 0 };
	struct sn_root_instance inst;
	char *end;
	long number = strtol(req->params[1], &end, 10);
	int found, status;
	json_t *released;

	if (*req->params[1] == '\0' || *end || number < -1 || number > SN_OAK_INSTANCE_MAX) {
		*reply = sn_json_error("instance number must be an integer (-1 for all), not '%.32s'",
				       req->params[1]);
		return 400;
	}
	found = sn_root_store_service_by_id(&root->db, req->params[0], &s);
	if ((status = sn_root_api_found(found, reply, "no service with _id '%.64s'",
					req->params[0])))
		return status;
	if (number >= 0) {
		found = sn_root_store_instance_get(&root->db, s.job_id, (int)number, &inst);
		if ((status = sn_root_api_found(found, reply, "service %s has no instance %ld",
						s.job_id, number)))
			return status;
		col.numbers[0] = inst.number;
		col.ips[0] = inst.instance_ip;
		col.ips6[0] = inst.instance_ip6;
		col.n = 1;
	} else if (sn_root_store_each_instance(&root->db, s.job_id, collect_instance, &col) < 0) {
		return sn_root_api_store_error(reply);
	}
	/* In batches of 64 (one transaction each) when -1 covers more. */
	if (sn_db_begin(&root->db) < 0)
		return sn_root_api_store_error(reply);
	for (size_t i = 0; i < col.n; i++) {
		if (sn_root_store_instance_del(&root->db, s.job_id, col.numbers[i]) < 0 ||
		    sn_root_notify_job(root, s.job_name, col.numbers[i], "UNDEPLOYMENT") < 0) {
			sn_db_rollback(&root->db);
			return sn_root_api_store_error(reply);
		}
	}
	if (sn_db_commit(&root->db) < 0)
		return sn_root_api_store_error(reply);
	if (!(released = json_array()))
		return 500;
	for (size_t i = 0; i < col.n; i++) {
		sn_ipalloc_release(&root->pools.addrs, col.ips[i]);
		sn_root_pool6_release(&root->pools, &col.ips6[i]);
		json_array_append_new(released, json_integer(col.numbers[i]));
	}
	sn_root_notify_flush(root);
	if (col.more)	/* the rest of a -1 */
		json_decref(released), released = NULL;
	if (!released)
		return sn_root_api_instance_delete(ctx, req, reply);
	*reply = json_pack("{s:s, s:o}", "job_id", s.job_id, "released", released);
	return 200;
}

/* One entry of net_deploy_status, validated before anything is written. */
static int parse_location(struct sn_root *root, json_t *entry, struct sn_root_instance *inst,
			  struct sn_err *err)
{
	const char *tunnel, *kind;
	long long number, port;
	struct sn_ipaddr host;
	uint32_t ns_ip;
	struct in6_addr ns_ip6;
	bool present, has_ns_ip6;

	const char *status;

	memset(inst, 0, sizeof(*inst));
	if (!json_is_object(entry)) {
		sn_err_set(err, "each entry of 'instances' must be an object");
		return -1;
	}
	if (sn_json_int(entry, "instance_number", true, true, 0, SN_OAK_INSTANCE_MAX, &number,
			err) < 0 ||
	    sn_json_str(entry, "status", false, 16, &status, err) < 0)
		return -1;
	/* semnet addition: a node reports the instance stopped running. */
	if (status && strcmp(status, "UNDEPLOYED") == 0) {
		inst->number = (int)number;
		inst->located = false;
		return 0;
	}
	if (status && strcmp(status, "DEPLOYED") != 0) {
		sn_err_set(err, "field 'status' must be \"DEPLOYED\" or \"UNDEPLOYED\"");
		return -1;
	}
	if (sn_json_ipv4(entry, "namespace_ip", true, &ns_ip, &present, err) < 0 ||
	    requested6(entry, "namespace_ip_v6", &ns_ip6, &has_ns_ip6, err) < 0 ||
	    sn_json_ipaddr(entry, "host_ip", true, &host, &present, err) < 0 ||
	    sn_json_int(entry, "host_port", true, true, 1, 65535, &port, err) < 0 ||
	    sn_json_str(entry, "tunnel", false, 15, &tunnel, err) < 0)
		return -1;
	if (!sn_prefix_contains(&root->cfg.worker_range, ns_ip) ||
	    sn_prefix_contains(&root->cfg.service_range, ns_ip)) {
		sn_err_set(err, "namespace_ip %s is not in a worker subnet",
			   json_string_value(json_object_get(entry, "namespace_ip")));
		return -1;
	}
	/* "" and "<nil>" (a unikernel on an Oakestra node) are no address. */
	if (has_ns_ip6 && (!sn_prefix6_contains(&root->cfg.platform6, &ns_ip6) ||
			   sn_prefix6_contains(&root->cfg.service_range6, &ns_ip6))) {
		sn_err_set(err, "namespace_ip_v6 %s is not in a worker subnet",
			   json_string_value(json_object_get(entry, "namespace_ip_v6")));
		return -1;
	}
	if (!(kind = sn_oak_tunnel(tunnel, (int)port))) {
		sn_err_set(err, "field 'tunnel' must be \"gre-udp\" or \"ipudp\"");
		return -1;
	}
	inst->number = (int)number;
	inst->located = true;
	sn_ipv4_format(ns_ip, inst->ns_ip);
	if (has_ns_ip6)
		sn_ipv6_format(&ns_ip6, inst->ns_ip_v6);
	/* Either family, in canonical text (an IPv6-only node's). */
	_Static_assert(sizeof(inst->host_ip) >= SN_IPADDR_STRLEN, "host_ip fits any address");
	sn_ipaddr_format(&host, inst->host_ip);
	inst->host_port = (int)port;
	snprintf(inst->tunnel, sizeof(inst->tunnel), "%s", kind);
	return 0;
}

int sn_root_api_deploy_status(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	struct sn_root *root = ctx;
	struct sn_root_service s;
	struct sn_err err;
	const char *job_id, *job_name;
	json_t *body = sn_json_parse_object(req->body, req->body_len, &err), *list, *entry;
	struct sn_root_instance *locs = NULL;
	size_t i, n;
	int status = 200, found = 0;

	if (!body)
		goto bad;
	/* Oakestra's root takes job_id; its cluster knows the job by name. */
	if (sn_json_str(body, "job_id", false, SN_ID_MAX, &job_id, &err) < 0 ||
	    sn_json_str(body, "job_name", false, SN_OAK_JOB_NAME_MAX, &job_name, &err) < 0)
		goto bad;
	if (!job_id && !job_name) {
		sn_err_set(&err, "field 'job_id' (or 'job_name') is required");
		goto bad;
	}
	list = json_object_get(body, "instances");
	if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > 1024) {
		sn_err_set(&err, "field 'instances' must be an array of 1 to 1024 entries");
		goto bad;
	}
	n = json_array_size(list);
	if (!(locs = calloc(n, sizeof(*locs)))) {
		*reply = sn_json_error("out of memory");
		status = 503;
		goto out;
	}
	json_array_foreach(list, i, entry)
		if (parse_location(root, entry, &locs[i], &err) < 0)
			goto bad;
	if (job_id)
		found = sn_root_store_service_by_id(&root->db, job_id, &s);
	if (found == 0 && (job_name || job_id))
		found = sn_root_store_service_by_name(&root->db, job_name ? job_name : job_id, &s);
	if ((status = sn_root_api_found(found, reply, "no service '%s'",
					job_id ? job_id : job_name)) != 0)
		goto out;
	status = 200;
	if (sn_db_begin(&root->db) < 0) {
		status = sn_root_api_store_error(reply);
		goto out;
	}
	for (i = 0; i < n; i++) {
		int updated = locs[i].located ?
			      sn_root_store_instance_locate(&root->db, s.job_id, &locs[i]) :
			      sn_root_store_instance_unlocate(&root->db, s.job_id, locs[i].number);

		if (updated == 0) {
			sn_db_rollback(&root->db);
			*reply = sn_json_error("service %s has no instance %d (deploy it first); "
					       "nothing was recorded", s.job_id, locs[i].number);
			status = 404;
			goto out;
		}
		if (updated < 0 ||
		    sn_root_notify_job(root, s.job_name, locs[i].number,
				       locs[i].located ? "DEPLOYMENT" : "UNDEPLOYMENT") < 0) {
			sn_db_rollback(&root->db);
			status = sn_root_api_store_error(reply);
			goto out;
		}
	}
	if (sn_db_commit(&root->db) < 0) {
		status = sn_root_api_store_error(reply);
		goto out;
	}
	sn_root_notify_flush(root);
	*reply = json_pack("{s:s, s:I}", "job_id", s.job_id, "updated", (json_int_t)n);
	goto out;
bad:
	*reply = sn_json_error("%s", err.msg);
	status = 400;
out:
	free(locs);
	json_decref(body);
	return status;
}
