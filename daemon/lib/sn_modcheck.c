// SPDX-License-Identifier: GPL-2.0
#include "sn_modcheck.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <libkmod.h>

/* The alias the kernel asks modprobe for when a genl family is unknown. */
#define SEMNET_GENL_ALIAS "net-pf-16-proto-16-family-semnet"

/* The first line of @path without its newline, or "" when unreadable. */
static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

/* "none [integrity] confidentiality": the bracketed mode unless "none". */
static void lockdown_mode(char *out, size_t len)
{
	char line[128], *open, *close;

	out[0] = '\0';
	read_line("/sys/kernel/security/lockdown", line, sizeof(line));
	open = strchr(line, '[');
	close = open ? strchr(open, ']') : NULL;
	if (!close || close - open - 1 <= 0 || (size_t)(close - open) > len)
		return;
	*close = '\0';
	if (strcmp(open + 1, "none") != 0)
		snprintf(out, len, "%s", open + 1);
}

/* The installed module the alias resolves to, and its signature. */
static void find_module(struct sn_modstate *st)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);
	struct kmod_list *mods = NULL, *info = NULL, *l;
	struct kmod_module *mod;
	const char *path;

	if (!ctx)
		return;
	if (kmod_module_new_from_lookup(ctx, SEMNET_GENL_ALIAS, &mods) < 0 || !mods)
		goto out;
	mod = kmod_module_get_module(mods);
	path = kmod_module_get_path(mod);
	/* No path: built in (then it is loaded), or nothing installed. */
	if (path && access(path, R_OK) == 0) {
		snprintf(st->path, sizeof(st->path), "%s", path);
		if (kmod_module_get_info(mod, &info) >= 0) {
			kmod_list_foreach(l, info) {
				const char *key = kmod_module_info_get_key(l);
				const char *value = kmod_module_info_get_value(l);

				if (!strcmp(key, "sig_id") || !strcmp(key, "signature"))
					st->is_signed = true;
				else if (!strcmp(key, "signer") && value)
					snprintf(st->signer, sizeof(st->signer), "%s", value);
			}
			kmod_module_info_free_list(info);
		}
	}
	kmod_module_unref(mod);
	kmod_module_unref_list(mods);
out:
	kmod_unref(ctx);
}

void sn_modcheck_probe(struct sn_modstate *st)
{
	char line[16];

	memset(st, 0, sizeof(*st));
	st->loaded = access("/sys/module/semnet", F_OK) == 0;
	read_line("/proc/sys/kernel/modules_disabled", line, sizeof(line));
	st->modules_disabled = strcmp(line, "1") == 0;
	lockdown_mode(st->lockdown, sizeof(st->lockdown));
	read_line("/sys/module/module/parameters/sig_enforce", line, sizeof(line));
	st->sig_enforce = strcmp(line, "Y") == 0;
	if (!st->loaded)
		find_module(st);
}

const char *sn_modcheck_explain(const struct sn_modstate *st, char *buf, size_t len)
{
	char why[96];

	if (st->loaded) {
		snprintf(buf, len, "the semnet kernel module is loaded but its netlink family is "
			 "missing (still initialising? see dmesg)");
	} else if (!st->path[0]) {
		/* Nothing to diagnose: the same words as ever. */
		snprintf(buf, len, "the semnet kernel module is not loaded (try: modprobe semnet)");
	} else if (st->modules_disabled) {
		snprintf(buf, len, "the semnet kernel module is not loaded, and this kernel loads "
			 "no more modules (kernel.modules_disabled=1): it must be loaded at boot");
	} else if (st->lockdown[0] || st->sig_enforce) {
		if (st->sig_enforce)
			snprintf(why, sizeof(why), "module.sig_enforce=1%s%s",
				 st->lockdown[0] ? ", lockdown=" : "", st->lockdown);
		else
			snprintf(why, sizeof(why), "lockdown=%s, as under Secure Boot", st->lockdown);
		if (!st->is_signed)
			snprintf(buf, len, "the semnet kernel module is not loaded: the kernel "
				 "only loads signed modules (%s) and %s is not signed; install "
				 "it with DKMS, which signs it (make dkms-install), then enrol "
				 "the key: mokutil --import %s, reboot and confirm in MokManager",
				 why, st->path, SN_MODCHECK_MOK_CERT);
		else
			snprintf(buf, len, "the semnet kernel module is not loaded: the kernel "
				 "only loads modules signed by a key it trusts (%s) and %s, "
				 "signed by \"%s\", did not load; if modprobe semnet says \"Key "
				 "was rejected by service\" or \"Operation not permitted\", enrol "
				 "that key: mokutil --import %s, reboot and confirm in MokManager",
				 why, st->path, st->signer[0] ? st->signer : "an unknown key",
				 SN_MODCHECK_MOK_CERT);
	} else {
		snprintf(buf, len, "the semnet kernel module is not loaded: %s is installed but "
			 "did not load on demand (modprobe semnet says why)", st->path);
	}
	return buf;
}

const char *sn_modcheck_reason(void)
{
	static __thread char buf[PATH_MAX + 512];
	struct sn_modstate st;

	sn_modcheck_probe(&st);
	return sn_modcheck_explain(&st, buf, sizeof(buf));
}
