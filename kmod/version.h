/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SEMNET_VERSION_H
#define _SEMNET_VERSION_H

#define SEMNET_VERSION "0.1.0"

#endif /* _SEMNET_VERSION_H */
