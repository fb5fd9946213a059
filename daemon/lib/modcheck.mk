# Why the module is missing (sn_modcheck): part of the genl client, whose
# "not loaded" message it explains; libkmod reads the module's signature.
semnetgenl_SRCS += $(TOP)/daemon/lib/sn_modcheck.c
semnetgenl_PKGS += libkmod
