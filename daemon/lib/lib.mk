# snlib: what every semnet daemon shares (logging, JSON, SQLite, IPv4/IPv6
# allocator, HTTP server and client, MQTT on libuv). The genl client is its
# own library (genl.mk).
LIBS += snlib
snlib_SRCS := $(addprefix $(TOP)/daemon/lib/, sn_log.c sn_ipv4.c sn_ipv6.c sn_ipaddr.c sn_ipalloc.c sn_db.c \
	sn_json.c sn_oak.c sn_loop.c sn_http_server.c sn_http_client.c sn_mqtt.c \
	sn_daemon.c sn_config.c sn_outbox.c sn_links.c sn_stun.c)
snlib_PKGS := libuv jansson sqlite3 libh2o libcurl libmosquitto openssl
