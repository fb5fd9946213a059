#!/bin/sh
# Installs the Debian packages that building, testing and the demo need.
# Idempotent and non-interactive: does nothing when all are present.
set -eu

PACKAGES="
build-essential pkg-config bc flex bison libelf-dev libssl-dev dwarves kmod cpio xz-utils
linux-image-amd64 linux-headers-amd64 linux-source-6.1
qemu-system-x86 busybox-static python3 jq
libnl-3-dev libnl-genl-3-dev libjansson-dev libuv1-dev libsqlite3-dev sqlite3
libh2o-dev libmosquitto-dev mosquitto mosquitto-clients check curl
iproute2 iputils-ping iperf3 socat nftables iptables ethtool tcpdump tshark sparse
libcurl4-openssl-dev libnl-route-3-dev libnftables-dev
ipvsadm gnuplot-nox linux-perf wrk nginx strace
libkmod-dev dkms mokutil wireguard-tools
systemd
"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run as root: make deps)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends $missing
# nginx is only the HTTP benchmark's server, started in the bench VM's own
# namespaces: the host's copy, which the package starts on port 80, goes.
case " $missing " in
*" nginx "*)
	if [ -d /run/systemd/system ]; then
		systemctl disable --now nginx >/dev/null 2>&1 || true
	elif [ -x /etc/init.d/nginx ]; then
		/etc/init.d/nginx stop >/dev/null 2>&1 || true
		update-rc.d nginx disable >/dev/null 2>&1 || true
	fi ;;
esac
