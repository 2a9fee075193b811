#!/usr/bin/env bash
# The demo: two VMs (network namespaces vfdemo-vm1, vfdemo-vm2) whose vNICs
# are veth pairs into vfpathd (namespace vfdemo-app, net_af_packet ports),
# configured by examples/demo.json. Shows ping and TCP passing through the
# VPC router, a spoofed packet dropped, the counters; then cleans up.
# Run as root on Debian 12: scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build daemon/vfpathd control/vfpathctl/vfpathctl >/dev/null

APP=vfdemo-app PREFIX=vfdemo DAEMON_PID= LOG=$(mktemp /tmp/vfdemo.XXXXXX.log)
SOCK=/tmp/vfdemo-$$.sock CTL="build/control/vfpathctl/vfpathctl --socket $SOCK"
cleanup() {
  [ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
  for ns in vfdemo-vm1 vfdemo-vm2 "$APP"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "/var/run/dpdk/$PREFIX" "$LOG" "$SOCK"
}
trap cleanup EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Two VMs in namespaces, each vNIC a veth into the appliance"
ip netns add "$APP"
for i in 1 2; do
  ns=vfdemo-vm$i
  ip netns add "$ns"
  ip link add vfdemo-p$i netns "$APP" type veth peer name eth0 netns "$ns"
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 address 02:00:00:00:0$i:0a
  ip -n "$ns" addr add 10.0.$i.10/24 dev eth0
  ip -n "$ns" -6 addr add fd00:10:0:$i::10/64 dev eth0 nodad
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add default via 10.0.$i.1
  ip -n "$ns" -6 route add default via fd00:10:0:$i::1
  ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null   # complete checksums on the wire
  ip netns exec "$APP" sysctl -q -w net.ipv6.conf.vfdemo-p$i.disable_ipv6=1
  ip -n "$APP" link set vfdemo-p$i up
  # A VF hands over frames as they were sent: no kernel GRO/GSO merging on
  # the appliance side of the veth (merged 64 KB frames are not VM traffic).
  ip netns exec "$APP" ethtool -K vfdemo-p$i tx off gro off gso off tso off >/dev/null 2>&1 || true
  echo "vm$i: 10.0.$i.10 fd00:10:0:$i::10 mac 02:00:00:00:0$i:0a, gateway 10.0.$i.1"
done

step "vfpathd on examples/demo.json"
ip netns exec "$APP" build/daemon/vfpathd --config examples/demo.json --control-socket "$SOCK" \
  -- --no-huge -m 256 --no-shconf --no-pci --file-prefix "$PREFIX" --log-level=lib.eal:error >"$LOG" 2>&1 &
DAEMON_PID=$!
for _ in $(seq 100); do grep -q 'vfpathd: running' "$LOG" && break; sleep 0.1; done
cat "$LOG"

step "vm1 pings vm2 (IPv4, then IPv6) and its gateway"
ip netns exec vfdemo-vm1 ping -c 3 -i 0.2 10.0.2.10
ip netns exec vfdemo-vm1 ping -6 -c 3 -i 0.2 fd00:10:0:2::10
ip netns exec vfdemo-vm1 ping -c 1 10.0.1.1
ip netns exec vfdemo-vm1 ip neigh show dev eth0

step "TCP: vm2 serves 1 MiB, vm1 fetches it"
ip netns exec vfdemo-vm2 /usr/bin/python3 -c '
import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.0.2.10", 8080)); s.listen(1); c, _ = s.accept(); c.sendall(b"v" * 1048576); c.close()' &
sleep 0.5
ip netns exec vfdemo-vm1 /usr/bin/python3 -c '
import socket; c = socket.create_connection(("10.0.2.10", 8080)); n = 0
while (b := c.recv(65536)): n += len(b)
print(f"vm1 received {n} bytes from vm2 over TCP")'
wait %2 2>/dev/null || true

step "vm1 spoofs: a packet from 10.0.1.99 (not its address) is dropped"
ip netns exec vfdemo-vm1 ip addr add 10.0.1.99/32 dev eth0
ip netns exec vfdemo-vm1 ping -I 10.0.1.99 -c 2 -W 1 10.0.2.10 || echo "(no reply: as it should be)"

step "Why? vfpathctl explain runs the pipeline on a described packet"
$CTL explain --eni eni-vm1 --src 10.0.1.99 --dst 10.0.2.10 -P icmp
$CTL explain --eni eni-vm1 --dst 10.0.2.10 -P tcp -p 8080

step "Security groups: vm2 (sg-web) serves 8080 to subnet-a; port 9090 is not in its rules"
ip netns exec vfdemo-vm2 /usr/bin/python3 -c '
import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.0.2.10", 9090)); s.listen(8)
for _ in range(2): c, _ = s.accept(); c.close()' &
SERVER_PID=$!
try9090() {
  ip netns exec vfdemo-vm1 /usr/bin/python3 -c '
import socket
try: socket.create_connection(("10.0.2.10", 9090), timeout=2).close(); print("vm1 -> vm2:9090 connected")
except OSError as e: print("vm1 -> vm2:9090 refused:", e)'
}
sleep 0.3
try9090
$CTL authorize sg-web -P tcp -p 9090 -s 10.0.1.0/24
try9090
$CTL conns --eni eni-vm2
$CTL revoke sg-web -P tcp -p 9090 -s 10.0.1.0/24
try9090
kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null || true

step "Counters over the control API: vfpathctl stats"
$CTL stats

step "The same over DPDK telemetry: /vfpath/enis"
echo /vfpath/enis | ip netns exec "$APP" dpdk-telemetry.py -f "$PREFIX" | /usr/bin/python3 -m json.tool

step "Stopping vfpathd (SIGTERM): its final counters"
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID" || true; DAEMON_PID=
sed -n '/vfpathd: stopping/,$p' "$LOG"
