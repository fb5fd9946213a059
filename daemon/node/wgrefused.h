/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Datagrams this node's WireGuard devices refused (issue 18: "a tampered
 * or replayed packet is dropped and counted"): the nft counter of table
 * inet semnet-wg (firewall.h) less the devices' rx_packets, with
 * wgcount.h's arithmetic; semnetd_wg_*_total in /metrics, wg_datagrams in
 * /status. wglinks.c tells it of devices made and removed.
 *
 * A device's port is counted from its first semnetd_wgrefused_dev_ready
 * (its rx_packets read before) until semnetd_wgrefused_dev_removing (its
 * port out of the set, then its rx_packets read a last time, then it is
 * deleted). The table is made when WireGuard comes up and deleted at
 * exit: a restart starts every total at 0, as semnetd's other counters.
 * Without nftables (or when the table cannot be made) nothing is counted
 * and no metric is shown; /status says why. A table found gone or made
 * again (its counter went back) is made anew, a new epoch.
 */
#ifndef SEMNETD_WGREFUSED_H
#define SEMNETD_WGREFUSED_H

#include <jansson.h>
#include <stdio.h>

struct semnetd;
struct semnetd_wgdev;

/* WireGuard came up: the table, empty. */
void semnetd_wgrefused_start(struct semnetd *d);
/* @v was set up (made, taken over, made again, or its port changed). */
void semnetd_wgrefused_dev_ready(struct semnetd *d, struct semnetd_wgdev *v);
/* The end of a registry pass: the set gets the ports of the devices it
 * set up, in one transaction. */
void semnetd_wgrefused_pass_end(struct semnetd *d);
/* @v is about to be deleted. */
void semnetd_wgrefused_dev_removing(struct semnetd *d, struct semnetd_wgdev *v);
/* Reads the counter and the devices into d->wgl.count. */
void semnetd_wgrefused_read(struct semnetd *d);
/* semnetd_wg_datagrams_total, _accepted_datagrams_total,
 * _refused_datagrams_total, read now; none when not counting. */
void semnetd_wgrefused_metrics(struct semnetd *d, FILE *f);
/* /status's wg_datagrams, read now: null without WireGuard. */
json_t *semnetd_wgrefused_json(struct semnetd *d);
/* At exit: the table goes. */
void semnetd_wgrefused_stop(struct semnetd *d);

#endif
