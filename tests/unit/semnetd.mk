# Check units of semnetd (daemon/node).
#   test_semnetd_api_parse  the API's request bodies and port mappings
#   test_semnetd_leases     nsIP leases of a /26, and their store (SQLite,
#                           with the veth's ifindex and the schema migration)
#   test_semnetd_leases6    IPv6 nsIP leases of a /120, and their store
#   test_semnetd_config     flags, the JSON config file, their errors
#   test_semnetd_rtt        RTT smoothing, down/up, when the kernel is told a cost
#   test_semnetd_peer_parse a node registry entry read into a tunnel peer:
#                           gre-udp or ipudp (an Oakestra node), bad ports;
#                           link kinds; the relay's members (a sort, the same
#                           as the scan on random registries, timed at 15,000)
#   test_semnetd_relay      the relay: WireGuard datagrams forwarded between
#                           members over loopback, what it refuses, its bound
#   test_semnetd_services   the cache of known services and the pending table
#                           queries: their indexes by name
#   test_semnetd_discover   endpoint discovery: which answer counts, and the
#                           NAT it shows (none, eim, symmetric)
#   test_semnetd_wgcount    refused WireGuard datagrams: counted less taken,
#                           device churn, counter resets, reads racing traffic
#   test_semnetd_peers      tunnel peers against a kernel of the test's own:
#                           what a refused put leaves recorded
NODE := $(TOP)/daemon/node
$(eval $(call unit_test,test_semnetd_api_parse,$(NODE)/api_parse.c,snlib))
$(eval $(call unit_test,test_semnetd_leases,$(NODE)/leases.c $(NODE)/store.c,snlib))
$(eval $(call unit_test,test_semnetd_leases6,$(NODE)/leases.c $(NODE)/store.c,snlib))
$(eval $(call unit_test,test_semnetd_config,$(NODE)/config.c,snlib))
$(eval $(call unit_test,test_semnetd_rtt,$(NODE)/rtt.c))
$(eval $(call unit_test,test_semnetd_peer_parse,$(NODE)/peer_parse.c,snlib semnetgenl))
$(eval $(call unit_test,test_semnetd_services,$(NODE)/services.c $(NODE)/queries.c,snlib semnetgenl,libnl-route-3.0 libnftables))
$(eval $(call unit_test,test_semnetd_relay,$(NODE)/relay.c,snlib))
$(eval $(call unit_test,test_semnetd_discover,$(NODE)/discover_match.c,snlib))
$(eval $(call unit_test,test_semnetd_wgcount,$(NODE)/wgcount.c))
$(eval $(call unit_test,test_semnetd_peers,$(NODE)/peers.c $(NODE)/peer_parse.c,snlib semnetgenl,libuv libnl-route-3.0))
