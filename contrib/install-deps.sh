#!/bin/sh
# SPDX-License-Identifier: MIT
# Install what zeroserve needs to build and to run its test suite on Debian 12.
# Idempotent: apt-get skips packages that are already installed.
set -eu

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root (apt-get needs it)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential autoconf automake libtool pkg-config \
	libevent-dev libbpf-dev libelf-dev zlib1g-dev check node-llhttp \
	clang llvm bpftool linux-libc-dev gcc-multilib \
	mandoc curl ca-certificates nginx-light haproxy wrk \
	iproute2 procps psmisc util-linux python3 git \
	>/dev/null
# Node.js backs some tests; keep a Node.js that is already there (NodeSource's
# nodejs conflicts with Debian's npm).
if ! command -v node >/dev/null 2>&1; then
	apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
# nginx and haproxy are test and benchmark backends: do not leave Debian's
# default services running on port 80.
for svc in nginx haproxy; do
	if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
		systemctl stop "$svc" || true
		systemctl disable "$svc" >/dev/null 2>&1 || true
	fi
done
# promtool checks the metrics' format in the tests (metrics_scrape_counts).
# It comes with Debian's prometheus package, whose server the tests do not
# want running: only the tool is taken out of the package.
if ! command -v promtool >/dev/null 2>&1; then
	d=$(mktemp -d)
	(cd "$d" && apt-get download -qq prometheus 2>/dev/null &&
		dpkg-deb --fsys-tarfile prometheus_*.deb | tar -x ./usr/bin/promtool) &&
		install -m 755 "$d/usr/bin/promtool" /usr/local/bin/promtool
	rm -rf "$d"
fi
echo "install-deps.sh: dependencies installed"
