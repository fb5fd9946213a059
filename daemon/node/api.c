// SPDX-License-Identifier: GPL-2.0
/*
 * The node-engine API on the unix socket: POST /register,
 * /container/deploy, /container/undeploy (and Oakestra's /docker/...
 * aliases), /unikernel/deploy, /unikernel/undeploy, GET /status,
 * GET /metrics and POST /link/rotate. Only HTTP lives here: a handler
 * parses the body (api_parse.c), calls the use case (setup.c,
 * instances.c, status.c, metrics.c) and maps its error to a status. Bad
 * input gets a 4xx and changes nothing; success is 200, as Oakestra's
 * node engine expects (daemon/OAKESTRA.md, section 1).
 */
#include <errno.h>
#include <stdlib.h>

#include "instances.h"
#include "semnetd.h"
#include "status.h"

static int error(json_t **reply, int status, const char *msg)
{
	*reply = sn_json_error("%s", msg);
	return status;
}

/* The status of a use case's negative errno (instances.h lists them); a
 * request body that does not parse counts as -EINVAL, a 400. */
static int status_of(int rc)
{
	switch (rc) {
	case -EINVAL:
		return 400;
	case -ENOENT:
	case -ESRCH:
		return 404;
	case -EEXIST:
	case -ENOSPC:
	case -ENOTCONN:
		return 409;
	case -EAGAIN:
		return 503;
	default:
		return 500;
	}
}

static int do_register(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	struct semnetd *d = ctx;
	struct semnetd_register_req r;
	struct sn_err err;
	int rc = semnetd_parse_register(req->body, req->body_len, &r, &err) < 0 ? -EINVAL :
		 semnetd_node_register(d, &r, &err);

	if (rc < 0)
		return error(reply, status_of(rc), err.msg);
	*reply = json_pack("{s:s, s:s}", "client_id", d->id.node_id, "state",
			   semnetd_state_name(d->state));
	return 200;
}

static int deploy_any(void *ctx, const struct sn_http_request *req, json_t **reply,
		      bool unikernel)
{
	char nsip6[SN_JSON_IPV6_STRLEN] = "";
	struct semnetd_deploy_req r;
	struct semnetd_lease l;
	struct sn_err err;
	int rc = (unikernel ? semnetd_parse_unikernel_deploy : semnetd_parse_deploy)(
			 req->body, req->body_len, &r, &err) < 0 ? -EINVAL :
		 semnetd_instance_deploy(ctx, &r, &l, &err);

	if (rc < 0)
		return error(reply, status_of(rc), err.msg);
	/* Canonical text, "" without an IPv6 nsIP (a string either way, as
	 * Oakestra's DeployResponse). */
	if (sn_json_ipv6_set(&l.nsip6))
		sn_json_ipv6_format(&l.nsip6, nsip6);
	*reply = json_pack("{s:s, s:o, s:s}", "serviceName", l.job_name, "nsAddress",
			   sn_json_ipv4_string(l.nsip), "nsAddressv6", nsip6);
	return 200;
}

static int deploy(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	return deploy_any(ctx, req, reply, false);
}

/* As a container's, in a namespace semnetd makes (instances.h). */
static int deploy_unikernel(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	return deploy_any(ctx, req, reply, true);
}

/* Either route removes whatever the instance is (a unikernel's
 * namespace goes too). */
static int undeploy(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	struct semnetd_undeploy_req r;
	struct semnetd_lease l;
	struct sn_err err;
	int rc = semnetd_parse_undeploy(req->body, req->body_len, &r, &err) < 0 ? -EINVAL :
		 semnetd_instance_undeploy(ctx, &r, &l, &err);

	if (rc < 0)
		return error(reply, status_of(rc), err.msg);
	*reply = json_pack("{s:s, s:i}", "serviceName", l.job_name, "instanceNumber", l.number);
	return 200;
}

static int status_get(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	(void)req;
	if (semnetd_status(ctx, reply) < 0)
		return error(reply, 500, SEMNETD_STORE_ERROR);
	return *reply ? 200 : 500;
}

/* Rotates this node's WireGuard key (wglinks.h): 200, the rotation
 * staged; 409 while one is under way; 503 without WireGuard. */
static int link_rotate(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	struct semnetd *d = ctx;
	struct sn_err err;
	int rc;

	(void)req;
	rc = semnetd_wglinks_rotate(d, &err);
	if (rc == -EBUSY)
		return error(reply, 409, err.msg);
	if (rc == -ENODEV)
		return error(reply, 503, err.msg);
	if (rc < 0)
		return error(reply, 500, err.msg);
	*reply = semnetd_wglinks_rotation_json(d);
	return *reply ? 200 : 500;
}

static int metrics_get(void *ctx, const struct sn_http_request *req, json_t **reply)
{
	char *text = semnetd_metrics_text(ctx);

	if (!text)
		return error(reply, 503, "cannot read the kernel's counters");
	*reply = json_string(text);
	free(text);
	*req->reply_type = "text/plain; version=0.0.4";
	return *reply ? 200 : 500;
}

const struct sn_http_route semnetd_routes[] = {
	{ "POST", "/register", do_register },
	{ "POST", "/container/deploy", deploy },
	{ "POST", "/docker/deploy", deploy },
	{ "POST", "/container/undeploy", undeploy },
	{ "POST", "/docker/undeploy", undeploy },
	{ "POST", "/unikernel/deploy", deploy_unikernel },
	{ "POST", "/unikernel/undeploy", undeploy },
	{ "GET", "/status", status_get },
	{ "POST", "/link/rotate", link_rotate },
	{ "GET", "/metrics", metrics_get },
};
const size_t semnetd_nroutes = sizeof(semnetd_routes) / sizeof(semnetd_routes[0]);
