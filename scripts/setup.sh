#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for orch (run as root): system packages, npm ci,
# build, and `orch` on PATH. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(containerd runc containernetworking-plugins iptables iproute2 busybox-static etcd-server openssl e2fsprogs)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then echo "setup: need root to install: ${missing[*]}" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The Debian etcd-server package starts a system etcd on 2379; orch's tests start their own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet etcd 2>/dev/null; then
  systemctl disable --now etcd >/dev/null 2>&1 || true
fi

npm ci --no-audit --no-fund
npm run build --silent
chmod +x bin/orch.js
ln -sf "$PWD/bin/orch.js" /usr/local/bin/orch
echo "setup: done; orch is $(command -v orch)"
