#!/usr/bin/python3
"""End-to-end: the VPC's DHCP server with real clients. A VM namespace that
starts without an address runs ISC dhclient, then busybox udhcpc, against
vfpathd (af_packet on veths; the VPC on the overlay, so the lease carries
the inner MTU). Each must get its ENI's address, the subnet's mask, the
gateway as router, the VPC's DNS (first CIDR + 2) and domain, the inner MTU
and the ENI id as hostname — and with them reach its peer: ping vm2. Then
IPv6: the VM's own router solicitation is answered with the default route
and the MTU, and no address is autoconfigured beside the ENI's; the
router's periodic advertisements give the route back unasked; dhclient -6
then leases the ENI's IPv6 address (the advertisement's M flag).

The clients' scripts here only apply address, route and MTU to the VM's
interface and write what they got to a file: the distribution scripts would
also rewrite the host's /etc/resolv.conf, which namespaces share.

usage: dhcp_test.py VFPATHD   (root; cleans up after itself)"""

import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.dirname(__file__))
from vfpath_harness import Daemon  # noqa: E402
from namespaces_test import Topology, vpc_config  # noqa: E402

VMS = {"vm1": ("02:00:00:00:01:0a", "10.0.1.10", "10.0.1.1", "fd00:10:0:1::10", "fd00:10:0:1::1"),
       "vm2": ("02:00:00:00:02:0a", "10.0.2.10", "10.0.2.1", "fd00:10:0:2::10", "fd00:10:0:2::1")}
SUBNET = {"vm1": "sn-1", "vm2": "sn-2"}

DHCLIENT_SCRIPT = """#!/bin/sh
case "$reason" in
  BOUND|RENEW|REBIND|REBOOT)
    ip addr add "$new_ip_address/$new_subnet_mask" dev "$interface"
    [ -n "$new_interface_mtu" ] && ip link set dev "$interface" mtu "$new_interface_mtu"
    ip route add default via "$new_routers" dev "$interface"
    { echo "ip=$new_ip_address"; echo "mask=$new_subnet_mask"; echo "router=$new_routers";
      echo "dns=$new_domain_name_servers"; echo "domain=$new_domain_name"; echo "mtu=$new_interface_mtu";
      echo "hostname=$new_host_name"; echo "lease=$new_dhcp_lease_time"; } > "$OUT" ;;
esac
exit 0
"""
DHCLIENT6_SCRIPT = """#!/bin/sh
case "$reason" in
  BOUND6|RENEW6|REBIND6|REBOOT6)
    ip -6 addr add "$new_ip6_address/$new_ip6_prefixlen" dev "$interface" nodad
    { echo "ip6=$new_ip6_address"; echo "prefixlen=$new_ip6_prefixlen"; echo "dns6=$new_dhcp6_name_servers";
      echo "search6=$new_dhcp6_domain_search"; } > "$OUT" ;;
esac
exit 0
"""
UDHCPC_SCRIPT = """#!/bin/sh
case "$1" in
  bound|renew)
    ip addr add "$ip/$mask" dev "$interface"
    [ -n "$mtu" ] && ip link set dev "$interface" mtu "$mtu"
    ip route add default via "$router" dev "$interface"
    { echo "ip=$ip"; echo "mask=$mask"; echo "router=$router"; echo "dns=$dns"; echo "domain=$domain";
      echo "mtu=$mtu"; echo "hostname=$hostname"; echo "lease=$lease"; } > "$OUT" ;;
esac
exit 0
"""


def config(topo):
    c = vpc_config(topo, SUBNET, lambda vm: {"security_groups": ["sg-open"]})
    c["ports"].append({"name": "up", "role": "UPLINK", "devargs": "net_null0,no-rx=1"})
    c["vpcs"][0].update({"vni": 100, "dhcp_options": {"domain_name": "demo.internal",
                                                          "domain_name_servers": ["10.0.0.2", "fd00:10::2"]}})
    c["security_groups"] = [{"id": "sg-open", "vpc": "vpc-demo",
                             "ingress": [{"protocol": "all", "cidrs": ["0.0.0.0/0", "::/0"]}],
                             "egress": [{"protocol": "all", "cidrs": ["0.0.0.0/0", "::/0"]}]}]
    c["underlay"] = {"port": "up", "ipv4": "192.168.100.1", "next_hop_mac": "02:00:00:00:aa:02", "mtu": 1500}
    return c


def read_lease(path):
    got = {}
    if os.path.exists(path):
        for line in open(path):
            k, _, v = line.strip().partition("=")
            got[k] = v
    return got


def main():
    vfpathd = os.path.abspath(sys.argv[1])
    tag = f"vfd{os.getpid() % 100000}"
    checks = []

    def check(ok, what):
        checks.append((ok, what))
        print(("ok   " if ok else "FAIL ") + what, flush=True)

    with tempfile.TemporaryDirectory(prefix="vfpath-dhcp-") as tmp, Topology(tag, VMS) as topo, \
            Daemon(vfpathd, config(topo), tmp, tag, netns=topo.app, options=("--ra-interval-max", "4")) as d:
        scripts = {}
        for name, text in (("dhclient", DHCLIENT_SCRIPT), ("udhcpc", UDHCPC_SCRIPT), ("dhclient6", DHCLIENT6_SCRIPT)):
            scripts[name] = os.path.join(tmp, f"{name}.sh")
            with open(scripts[name], "w") as f:  # dhclient runs its script with an environment of its own
                f.write(text.replace('"$OUT"', '"' + os.path.join(tmp, f"{name}.lease") + '"'))
            os.chmod(scripts[name], 0o755)
        clients = {
            "dhclient": lambda out: ["dhclient", "-1", "-v", "-sf", scripts["dhclient"],
                                     "-lf", os.path.join(tmp, "dhclient.leases"), "-pf", os.path.join(tmp, "dhclient.pid"),
                                     "eth0"],
            "udhcpc": lambda out: ["udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "5",
                                   "-s", scripts["udhcpc"]],
        }

        def stop_dhclient():  # the one we started, by the PID it wrote
            pid_file = os.path.join(tmp, "dhclient.pid")
            if os.path.exists(pid_file):
                try:
                    os.kill(int(open(pid_file).read().strip()), 15)
                except (ValueError, ProcessLookupError):
                    pass
        try:
            run_clients(topo, clients, tmp, check)
        finally:
            stop_dhclient()
        router_advertisement(topo, check)
        try:
            dhcpv6(topo, tmp, scripts["dhclient6"], check)
        finally:
            pid_file = os.path.join(tmp, "dhclient6.pid")
            if os.path.exists(pid_file):
                try:
                    os.kill(int(open(pid_file).read().strip()), 15)
                except (ValueError, ProcessLookupError):
                    pass
        print(d.stop())
    failed = [w for ok, w in checks if not ok]
    print(f"{len(checks) - len(failed)}/{len(checks)} checks passed")
    return 1 if failed else 0


def run_clients(topo, clients, tmp, check):
    for name, cmd in clients.items():
        # The VM starts with no address and no route.
        topo.run("vm1", "ip", "addr", "flush", "dev", "eth0")
        topo.run("vm1", "ip", "link", "set", "dev", "eth0", "mtu", "1500")
        out = os.path.join(tmp, f"{name}.lease")
        t0 = time.time()
        # dhclient goes to the background once bound: wait for its script's file.
        r = topo.run("vm1", *cmd(out), check=False, timeout=60)
        while not os.path.exists(out) and time.time() - t0 < 20:
            time.sleep(0.1)
        time.sleep(0.2)
        took = time.time() - t0
        if name == "dhclient":
            subprocess.run(["ip", "netns", "exec", topo.ns["vm1"], "dhclient", "-x", "-pf",
                            os.path.join(tmp, "dhclient.pid")], capture_output=True)
        got = read_lease(out)
        check(got.get("ip") == "10.0.1.10" and got.get("mask") in ("255.255.255.0", "24") and
              got.get("router") == "10.0.1.1",
              f"{name}: address 10.0.1.10/24 via 10.0.1.1 in {took:.1f} s: {got or r.stdout[-300:] + r.stderr[-300:]}")
        check(got.get("mtu") == "1450", f"{name}: the overlay's inner MTU 1450: {got.get('mtu')}")
        check(got.get("dns") == "10.0.0.2" and got.get("domain") == "demo.internal" and
              got.get("hostname") == "eni-vm1" and got.get("lease") == "3600",
              f"{name}: DNS {got.get('dns')}, domain {got.get('domain')}, hostname {got.get('hostname')}, "
              f"lease {got.get('lease')}")
        mtu = topo.run("vm1", "cat", "/sys/class/net/eth0/mtu").stdout.strip()
        ping = topo.run("vm1", "ping", "-c", "2", "-i", "0.3", "-W", "2", "10.0.2.10", check=False).returncode == 0
        check(mtu == "1450" and ping, f"{name}: eth0 has MTU {mtu} and the VM reaches vm2 (ping: {ping})")


def router_advertisement(topo, check):
    """IPv6: the VM's kernel solicits a router when its link comes up; the
    advertisement gives it the default route and the link MTU (its address
    stays the ENI's, configured: the prefix is on-link only)."""
    x = ["ip", "netns", "exec", topo.ns["vm1"]]
    subprocess.run([*x, "sysctl", "-q", "-w", "net.ipv6.conf.eth0.accept_ra=1"], check=True)
    subprocess.run([*x, "ip", "-6", "route", "flush", "dev", "eth0"], check=False)
    subprocess.run([*x, "ip", "link", "set", "eth0", "down"], check=True)
    subprocess.run([*x, "ip", "link", "set", "eth0", "up"], check=True)
    subprocess.run([*x, "ip", "-6", "addr", "add", "fd00:10:0:1::10/64", "dev", "eth0", "nodad"], check=False)
    deadline, routes = time.time() + 10, ""
    while time.time() < deadline:
        routes = subprocess.run([*x, "ip", "-6", "route", "show"], capture_output=True, text=True).stdout
        if "default via fe80::76:66ff:fe70:1" in routes and "proto ra" in routes:
            break
        time.sleep(0.2)
    mtu6 = subprocess.run([*x, "cat", "/proc/sys/net/ipv6/conf/eth0/mtu"], capture_output=True, text=True).stdout.strip()
    addrs = subprocess.run([*x, "ip", "-6", "addr", "show", "dev", "eth0", "scope", "global"], capture_output=True,
                           text=True).stdout
    check("default via fe80::76:66ff:fe70:1" in routes and "proto ra" in routes and mtu6 == "1450",
          f"a router advertisement gives the default route and MTU {mtu6}: {routes.strip()[:200]}")
    check(addrs.count("inet6 ") == 1 and "fd00:10:0:1::10/64" in addrs,
          f"and no autoconfigured address beside the ENI's: {addrs.strip()[:200]}")
    ping = subprocess.run([*x, "ping", "-6", "-c", "2", "-i", "0.3", "-W", "2", "fd00:10:0:2::10"],
                          capture_output=True).returncode == 0
    check(ping, "vm1 reaches vm2 over IPv6 by the advertised route")
    # Unasked: the route comes back from the router's periodic advertisement
    # (every 4/3..4 s here); the VM's kernel solicits only when its link comes up.
    subprocess.run([*x, "ip", "-6", "route", "del", "default"], check=False)
    gone = "default" not in subprocess.run([*x, "ip", "-6", "route", "show"], capture_output=True, text=True).stdout
    t0, deadline, back = time.time(), time.time() + 10, False
    while time.time() < deadline and not back:
        routes = subprocess.run([*x, "ip", "-6", "route", "show"], capture_output=True, text=True).stdout
        back = "default via fe80::76:66ff:fe70:1" in routes and "proto ra" in routes
        time.sleep(0.2)
    check(gone and back, f"an unsolicited advertisement restores the default route in {time.time() - t0:.1f} s "
                         f"(--ra-interval-max 4)")


def dhcpv6(topo, tmp, script, check):
    """DHCPv6 (the advertisement's M flag): dhclient -6 leases the ENI's IPv6."""
    x = ["ip", "netns", "exec", topo.ns["vm1"]]
    subprocess.run([*x, "ip", "-6", "addr", "del", "fd00:10:0:1::10/64", "dev", "eth0"], check=False)
    out = os.path.join(tmp, "dhclient6.lease")
    t0 = time.time()
    r = subprocess.run([*x, "dhclient", "-6", "-1", "-v", "-sf", script, "-lf", os.path.join(tmp, "dhclient6.leases"),
                        "-pf", os.path.join(tmp, "dhclient6.pid"), "eth0"], capture_output=True, text=True, timeout=60)
    while not os.path.exists(out) and time.time() - t0 < 20:
        time.sleep(0.1)
    time.sleep(0.2)
    got = read_lease(out)
    subprocess.run([*x, "dhclient", "-6", "-x", "-pf", os.path.join(tmp, "dhclient6.pid")], capture_output=True)
    check(got.get("ip6") == "fd00:10:0:1::10", f"dhclient -6 leases the ENI's address in {time.time() - t0:.1f} s: "
                                               f"{got or (r.stdout + r.stderr)[-300:]}")
    check(got.get("dns6") == "fd00:10::2" and got.get("search6", "").rstrip(".") == "demo.internal",
          f"and the VPC's IPv6 DNS server and search domain (options 23, 24): {got}")
    subprocess.run([*x, "ip", "-6", "addr", "add", "fd00:10:0:1::10/128", "dev", "eth0", "nodad"], check=False)
    ping = subprocess.run([*x, "ping", "-6", "-c", "2", "-i", "0.3", "-W", "2", "fd00:10:0:2::10"],
                          capture_output=True).returncode == 0
    check(ping, "with it vm1 reaches vm2 over IPv6")


if __name__ == "__main__":
    sys.exit(main())
