/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Why the semnet module is missing, for the message `semnet` (and any
 * other genl client) prints when the family cannot be resolved. Resolving
 * it already makes the kernel load the module on demand (its genl family
 * alias), so an installed module that is still absent was refused: most
 * often by a Secure Boot kernel (lockdown) because it is unsigned or
 * signed by a key the kernel does not trust.
 *
 * sn_modcheck_probe() reads the system (sysfs, securityfs, /proc, the
 * module's signature through libkmod); sn_modcheck_explain() turns that
 * into one sentence and is pure, so the unit tests cover every case.
 */
#ifndef SN_MODCHECK_H
#define SN_MODCHECK_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct sn_modstate {
	bool loaded;			/* /sys/module/semnet exists */
	bool modules_disabled;		/* kernel.modules_disabled = 1 */
	char lockdown[16];		/* active lockdown mode, "" for none */
	bool sig_enforce;		/* module.sig_enforce = 1 */
	char path[PATH_MAX];		/* the installed module, "" for none */
	bool is_signed;			/* path carries a signature */
	char signer[128];		/* its signer, "" when unknown */
};

/* The DKMS signing certificate the messages tell the user to enrol. */
#define SN_MODCHECK_MOK_CERT "/var/lib/dkms/mok.pub"

void sn_modcheck_probe(struct sn_modstate *st);
/* The explanation, starting "the semnet kernel module is not loaded". */
const char *sn_modcheck_explain(const struct sn_modstate *st, char *buf, size_t len);
/* Both, into a per-thread buffer. */
const char *sn_modcheck_reason(void);

#endif
