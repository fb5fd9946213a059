// SPDX-License-Identifier: GPL-2.0
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const migrations[] = {
	/* 1: the initial schema */
	"CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE leases ("
	"  nsip INTEGER PRIMARY KEY, job_name TEXT NOT NULL, number INTEGER NOT NULL,"
	"  pid INTEGER NOT NULL, veth TEXT NOT NULL UNIQUE, ports TEXT NOT NULL DEFAULT '',"
	"  instance_ip INTEGER NOT NULL DEFAULT 0, UNIQUE (job_name, number));",
	/* 2: the veth's ifindex, so a table answer need not look it up */
	"ALTER TABLE leases ADD COLUMN ifindex INTEGER NOT NULL DEFAULT 0;",
	/* 3: the IPv6 nsIP and InstanceIP, canonical text ('' for none:
	 * leases of before have none); no two leases share an nsIP */
	"ALTER TABLE leases ADD COLUMN nsip6 TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE leases ADD COLUMN instance_ip6 TEXT NOT NULL DEFAULT '';"
	"CREATE UNIQUE INDEX leases_nsip6 ON leases (nsip6) WHERE nsip6 != '';",
};

int semnetd_store_open(struct sn_db *db, const char *path, bool durable)
{
	return SN_DB_OPEN(db, path, migrations, durable);
}

static int setting_get(struct sn_db *db, const char *key, char *out, size_t size)
{
	sqlite3_stmt *stmt = sn_db_bind(db, "SELECT value FROM settings WHERE key = ?", "t", key);
	int found = sn_db_step_row(stmt);

	out[0] = '\0';
	if (found == 1)
		snprintf(out, size, "%s", sn_db_text(stmt, 0));
	return sn_db_reset(stmt, found < 0 ? -1 : 0);
}

static int setting_put(struct sn_db *db, const char *key, const char *value)
{
	return sn_db_run(db, sn_db_bind(db,
		"INSERT INTO settings (key, value) VALUES (?, ?)"
		" ON CONFLICT (key) DO UPDATE SET value = excluded.value", "tt", key, value));
}

/* The canonical text of @a, "" for :: (none). */
static const char *text6(const struct in6_addr *a, char out[SN_IPV6_STRLEN])
{
	out[0] = '\0';
	if (!sn_ipv6_is_zero(a))
		sn_ipv6_format(a, out);
	return out;
}

/* @text into *@a: "" (or anything unreadable) is ::. */
static void parse6(const char *text, struct in6_addr *a)
{
	if (!text[0] || !sn_ipv6_parse(text, a))
		memset(a, 0, sizeof(*a));
}

int semnetd_store_identity_get(struct sn_db *db, struct semnetd_identity *id)
{
	char subnet[SN_CIDR_STRLEN + 1], subnet6[SN_CIDR6_STRLEN + 1];

	memset(id, 0, sizeof(*id));
	if (setting_get(db, "node_id", id->node_id, sizeof(id->node_id)) < 0 ||
	    setting_get(db, "cluster_address", id->cluster_address,
			sizeof(id->cluster_address)) < 0 ||
	    setting_get(db, "subnet", subnet, sizeof(subnet)) < 0 ||
	    setting_get(db, "subnet6", subnet6, sizeof(subnet6)) < 0)
		return -1;
	if (subnet[0] && !sn_prefix_parse(subnet, &id->subnet))
		return -1;
	if (subnet6[0] && !sn_prefix6_parse(subnet6, &id->subnet6))
		return -1;
	return 0;
}

int semnetd_store_identity_put(struct sn_db *db, const struct semnetd_identity *id)
{
	char subnet[SN_CIDR_STRLEN] = "", subnet6[SN_CIDR6_STRLEN] = "";

	if (id->subnet.len)
		sn_prefix_format(&id->subnet, subnet);
	if (id->subnet6.len)
		sn_prefix6_format(&id->subnet6, subnet6);
	return setting_put(db, "node_id", id->node_id) < 0 ||
	       setting_put(db, "cluster_address", id->cluster_address) < 0 ||
	       setting_put(db, "subnet", subnet) < 0 ||
	       setting_put(db, "subnet6", subnet6) < 0 ? -1 : 0;
}

int semnetd_store_lease_put(struct sn_db *db, const struct semnetd_lease *l)
{
	char nsip6[SN_IPV6_STRLEN], instance_ip6[SN_IPV6_STRLEN];
	int rc = sn_db_step_done(db, sn_db_bind(db,
		"INSERT INTO leases"
		" (nsip, job_name, number, pid, veth, ports, instance_ip, ifindex, nsip6,"
		" instance_ip6) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		"utiittuitt", l->nsip, l->job_name, l->number, l->pid, l->veth, l->ports,
		l->instance_ip, l->ifindex, text6(&l->nsip6, nsip6),
		text6(&l->instance_ip6, instance_ip6)));

	if (rc == SQLITE_DONE)
		return 0;
	return rc == SQLITE_CONSTRAINT ? -EEXIST : -1;
}

/* The columns read_lease() reads, in its order. */
#define LEASE_SELECT \
	"SELECT nsip, job_name, number, pid, veth, ports, instance_ip, ifindex, nsip6," \
	" instance_ip6 FROM leases"

static void read_lease(sqlite3_stmt *stmt, void *out)
{
	struct semnetd_lease *l = out;

	memset(l, 0, sizeof(*l));
	l->nsip = (uint32_t)sqlite3_column_int64(stmt, 0);
	snprintf(l->job_name, sizeof(l->job_name), "%s", sn_db_text(stmt, 1));
	l->number = sqlite3_column_int(stmt, 2);
	l->pid = sqlite3_column_int(stmt, 3);
	snprintf(l->veth, sizeof(l->veth), "%s", sn_db_text(stmt, 4));
	snprintf(l->ports, sizeof(l->ports), "%s", sn_db_text(stmt, 5));
	l->instance_ip = (uint32_t)sqlite3_column_int64(stmt, 6);
	l->ifindex = sqlite3_column_int(stmt, 7);
	parse6(sn_db_text(stmt, 8), &l->nsip6);
	parse6(sn_db_text(stmt, 9), &l->instance_ip6);
}

int semnetd_store_lease_get(struct sn_db *db, const char *job_name, int number,
			    struct semnetd_lease *l)
{
	return sn_db_get(sn_db_bind(db, LEASE_SELECT " WHERE job_name = ? AND number = ?",
				    "ti", job_name, number), read_lease, l);
}

int semnetd_store_lease_del(struct sn_db *db, const char *job_name, int number)
{
	return sn_db_run_changed(db, sn_db_bind(db,
		"DELETE FROM leases WHERE job_name = ? AND number = ?", "ti", job_name, number));
}

/* UPDATE leases SET <one column> = @value for one instance. */
static int lease_update(struct sn_db *db, const char *sql, int64_t value, const char *job_name,
			int number)
{
	return sn_db_run(db, sn_db_bind(db, sql, "lti", value, job_name, number));
}

int semnetd_store_lease_set_instance_ip(struct sn_db *db, const char *job_name, int number,
					uint32_t instance_ip)
{
	return lease_update(db,
			    "UPDATE leases SET instance_ip = ? WHERE job_name = ? AND number = ?",
			    instance_ip, job_name, number);
}

int semnetd_store_lease_set_instance_ip6(struct sn_db *db, const char *job_name, int number,
					 const struct in6_addr *instance_ip6)
{
	char text[SN_IPV6_STRLEN];

	return sn_db_run(db, sn_db_bind(db,
		"UPDATE leases SET instance_ip6 = ? WHERE job_name = ? AND number = ?", "tti",
		text6(instance_ip6, text), job_name, number));
}

int semnetd_store_lease_set_ifindex(struct sn_db *db, const char *job_name, int number,
				    int ifindex)
{
	return lease_update(db, "UPDATE leases SET ifindex = ? WHERE job_name = ? AND number = ?",
			    ifindex, job_name, number);
}

int semnetd_store_lease_each(struct sn_db *db, void (*fn)(void *arg, const struct semnetd_lease *l),
			     void *arg)
{
	sqlite3_stmt *stmt = sn_db_stmt(db, LEASE_SELECT " ORDER BY nsip");
	struct semnetd_lease l;
	int rc;

	while (sn_db_next(stmt, &rc)) {
		read_lease(stmt, &l);
		fn(arg, &l);
	}
	return rc;
}

int semnetd_store_cursor_get(struct sn_db *db, uint32_t *nsip)
{
	char text[SN_IPV4_STRLEN + 1];

	*nsip = 0;
	if (setting_get(db, "lease_cursor", text, sizeof(text)) < 0)
		return -1;
	if (text[0] && !sn_ipv4_parse(text, nsip))
		*nsip = 0;
	return 0;
}

int semnetd_store_cursor_put(struct sn_db *db, uint32_t nsip)
{
	char text[SN_IPV4_STRLEN];

	sn_ipv4_format(nsip, text);
	return setting_put(db, "lease_cursor", text);
}

int semnetd_store_discovery_port_get(struct sn_db *db, int *port)
{
	char text[8], *end;
	long v;

	*port = 0;
	if (setting_get(db, "discovery_port", text, sizeof(text)) < 0)
		return -1;
	v = strtol(text, &end, 10);
	if (text[0] && !*end && v >= 1 && v <= 65535)
		*port = (int)v;
	return 0;
}

int semnetd_store_discovery_port_put(struct sn_db *db, int port)
{
	char text[8];

	snprintf(text, sizeof(text), "%d", port);
	return setting_put(db, "discovery_port", text);
}

int semnetd_store_job_is_local(struct sn_db *db, const char *job_name)
{
	return (int)sn_db_value(sn_db_bind(db, "SELECT 1 FROM leases WHERE job_name = ? LIMIT 1",
					   "t", job_name), 0);
}
