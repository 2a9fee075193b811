#!/usr/bin/env bash
# Installs every Debian 12 package vfpath needs to build, test, run the demo
# and benchmark. Idempotent: packages already present are skipped by apt, and
# `apt-get update` runs only when a package is actually missing.
set -euo pipefail

packages=(
  # build
  build-essential meson ninja-build pkg-config
  libdpdk-dev dpdk dpdk-dev
  libboost-program-options-dev
  libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc
  libgtest-dev libgmock-dev libbenchmark-dev
  libpcap-dev zlib1g-dev clang libbpf-dev linux-libc-dev
  libhyperscan-dev libpcre2-dev libssl-dev libmicrohttpd-dev
  # tests, demo and benchmarks
  iproute2 iputils-ping ethtool tcpdump tshark hping3 isc-dhcp-client udhcpc curl iptables python3 python3-scapy python3-pyelftools
  # Open vSwitch-DPDK side by side (bench/ovs; its service is never started by the benchmark)
  openvswitch-switch-dpdk
  # benchmark report plots
  python3-matplotlib
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run this script as root" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
