// SPDX-License-Identifier: GPL-2.0
#include "config.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <curl/curl.h>

#include "sn_config.h"

#define PROG "semnet-cluster"

static const char usage[] =
	"usage: semnet-cluster [--cluster-id ID] [options]\n"
	"  --config FILE            JSON settings (keys as the long options, '_' for '-')\n"
	"  --profile NAME           seed (broker port 1883) or oakestra (broker port 10003,\n"
	"                           Oakestra's); both serve on 10110 and call the root on\n"
	"                           10099; settings given anywhere override it\n"
	"  --cluster-id ID          register at the root under ID and name it in every call;\n"
	"                           without it the orchestrator registers the cluster (as\n"
	"                           Oakestra's system manager does) and the root tells it by\n"
	"                           its source address\n"
	"  --cluster-address ADDR   address the root reaches this cluster at (default: --listen,\n"
	"                           or, listening on 0.0.0.0 or ::, the local address that\n"
	"                           routes to the root)\n"
	"  --listen ADDR            address to serve on (default 0.0.0.0)\n"
	"  --port N                 port (default 10110, Oakestra's)\n"
	"  --db PATH                SQLite database (default /var/lib/semnet/cluster.db)\n"
	"  --sync full|normal       commit durability (default full)\n"
	"  --root-url URL           the root service manager (default http://127.0.0.1:10099)\n"
	"  --mqtt-host HOST         the cluster's MQTT broker (default 127.0.0.1)\n"
	"  --mqtt-port N            (default: the profile's)\n"
	"  --mqtt-tls on|off        MQTT over TLS (default off; on with any file below)\n"
	"  --mqtt-cafile FILE       CA certificate(s) the broker's must chain to (PEM)\n"
	"  --mqtt-capath DIR        or a directory of them (default /etc/ssl/certs)\n"
	"  --mqtt-certfile FILE --mqtt-keyfile FILE   client certificate and its key (PEM)\n"
	"  --mqtt-keyfile-password-file FILE   the key's password (first line)\n"
	"  --mqtt-tls-version V     tlsv1.2 or tlsv1.3 only (default: 1.2 or newer)\n"
	"  --mqtt-username NAME --mqtt-password-file FILE   broker login (first line)\n"
	"  --interest-idle-s N      drop a node's interest unused this long (default 600)\n"
	"  --root-timeout-ms N      one request to the root (default 5000)\n"
	"  --retry-backoff-ms N --retry-backoff-max-ms N   retries towards the root\n"
	"  --log-level LEVEL        debug, info, warn, error\n"
	"  --ready-file PATH        write the bound port there once serving\n"
	"  --stun-port N            answer nodes' endpoint discovery (where their NAT maps\n"
	"                           them) on UDP ports N and N+1 of --listen (default 0: off)\n";

static int parse_cluster_id(const char *prog, const struct sn_setting *s, const char *value,
			    void *field)
{
	if (!*value)
		return fprintf(stderr, PROG ": cluster-id: empty (leave it out for none)\n"), -1;
	if (strspn(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
	    strlen(value))
		return fprintf(stderr, PROG ": cluster-id: [A-Za-z0-9._-] only\n"), -1;
	return sn_setting_string(prog, s, value, field);
}

static int parse_root_url(const char *prog, const struct sn_setting *s, const char *value,
			  void *field)
{
	if (strncmp(value, "http://", 7) != 0)
		return fprintf(stderr, PROG ": root-url must start with http://\n"), -1;
	return sn_setting_string(prog, s, value, field);
}

/* Oakestra's ports: the cluster service-manager's MY_PORT, the broker's
 * listener and the root's (cluster_orchestrator's compose file). */
static const char *const seed[] = {
	"port", "10110", "root-url", "http://127.0.0.1:10099", "mqtt-port", "1883", NULL,
};
static const char *const oakestra[] = {
	"port", "10110", "root-url", "http://127.0.0.1:10099", "mqtt-port", "10003", NULL,
};
static const struct sn_config_profile profiles[] = {
	{ "seed", seed }, { "oakestra", oakestra }, { NULL },
};

#define CFG struct sn_cluster_config
static const struct sn_setting settings[] = {
	SN_COMMON_SETTINGS(CFG, "/var/lib/semnet/cluster.db"),
	SN_SETTING("cluster-id", parse_cluster_id, CFG, cluster_id, NULL),
	SN_STRING("cluster-address", CFG, cluster_address, NULL),
	SN_STRING("listen", CFG, listen, "0.0.0.0"),
	SN_INT("port", CFG, port, 0, 65535, NULL),
	SN_SETTING("root-url", parse_root_url, CFG, root_url, NULL),
	SN_STRING("mqtt-host", CFG, mqtt_host, "127.0.0.1"),
	SN_INT("mqtt-port", CFG, mqtt_port, 1, 65535, NULL),
	SN_MQTT_SETTINGS(CFG, mqtt_security),
	SN_INT("interest-idle-s", CFG, interest_idle_s, 1, 86400 * 30, "600"),
	SN_INT("root-timeout-ms", CFG, root_timeout_ms, 1, 600000, "5000"),
	SN_INT("retry-backoff-ms", CFG, retry_backoff_ms, 1, 600000, "200"),
	SN_INT("retry-backoff-max-ms", CFG, retry_backoff_max_ms, 1, 3600000, "30000"),
	SN_INT("stun-port", CFG, stun_port, 0, 65534, "0"),
	{ NULL },
};

#undef CFG

/*
 * The local address the kernel picks to reach the root (a connected UDP
 * socket sends nothing): what a cluster listening on every address
 * advertises, instead of a loopback address a remote root would call
 * itself on. 0, or -1 with the reason printed.
 */
static int address_towards_root(const char *root_url, char *out, size_t size)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *res = NULL;
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	char *host = NULL, *port = NULL;
	CURLU *url = curl_url();
	int fd = -1, rc = -1, err;

	/* libcurl splits the URL as the HTTP client will read it ([v6] too). */
	if (!url || curl_url_set(url, CURLUPART_URL, root_url, 0) != CURLUE_OK ||
	    curl_url_get(url, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(url, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
		fprintf(stderr, PROG ": root-url %s: no host in it (pass --cluster-address)\n", root_url);
		goto out;
	}
	if (host[0] == '[') {		/* getaddrinfo takes an IPv6 literal bare */
		memmove(host, host + 1, strlen(host));
		host[strcspn(host, "]")] = '\0';
	}
	if ((err = getaddrinfo(host, port, &hints, &res)) != 0) {
		fprintf(stderr, PROG ": cannot resolve the root's host %s (%s): pass "
			"--cluster-address\n", host, gai_strerror(err));
		goto out;
	}
	fd = socket(res->ai_family, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) < 0 ||
	    getsockname(fd, (struct sockaddr *)&local, &len) < 0 ||
	    getnameinfo((struct sockaddr *)&local, len, out, (socklen_t)size, NULL, 0,
			NI_NUMERICHOST) != 0)
		fprintf(stderr, PROG ": no route to the root's host %s: pass --cluster-address\n",
			host);
	else
		rc = 0;
	if (fd >= 0)
		close(fd);
	freeaddrinfo(res);
out:
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(url);
	return rc;
}

static int check(void *arg)
{
	struct sn_cluster_config *cfg = arg;

	/* Strip a trailing '/' so paths can be appended. */
	size_t len = strlen(cfg->root_url);

	if (len > 7 && cfg->root_url[len - 1] == '/')
		cfg->root_url[len - 1] = '\0';
	if (sn_config_mqtt_check(PROG, &cfg->mqtt_security) < 0)
		return -1;
	/* Only a cluster that registers itself tells the root its address. */
	if (cfg->cluster_address[0] || !cfg->cluster_id[0])
		return 0;
	if (strcmp(cfg->listen, "0.0.0.0") && strcmp(cfg->listen, "::")) {
		snprintf(cfg->cluster_address, sizeof(cfg->cluster_address), "%s", cfg->listen);
		return 0;
	}
	return address_towards_root(cfg->root_url, cfg->cluster_address,
				    sizeof(cfg->cluster_address));
}

int sn_cluster_config_load(struct sn_cluster_config *cfg, int argc, char **argv)
{
	static const struct sn_config_spec spec = {
		.prog = PROG, .usage = usage, .size = sizeof(*cfg), .settings = settings,
		.profiles = profiles, .check = check,
	};

	return sn_config_load(&spec, cfg, argc, argv);
}
