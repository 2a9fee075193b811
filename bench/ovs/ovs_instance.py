"""A private Open vSwitch-DPDK for benchmarks: its own ovsdb-server and
ovs-vswitchd (the DPDK-enabled binary, called directly: the system's
`update-alternatives` choice is left alone), its own database, run, log
and DPDK runtime directories, and its own network namespace (the netdev
datapath makes a tap device for every bridge's internal port and for
`ovs-netdev`; in a namespace of ours they cannot collide with anything and
vanish with it). Nothing system-wide is changed: no hugepages (EAL runs with
--no-huge), no service, no kernel module.

Contract: `with OvsDpdk(workdir, name) as ovs:` starts both daemons (raising
OvsUnavailable if OVS-DPDK cannot start here, OvsError on other failures);
leaving the block, by return, exception, Ctrl-C or SIGTERM (turned into
SystemExit by the caller), stops exactly the processes it started, by PID,
and removes the namespace and /var/run/dpdk/<name>. `leftovers()` says what,
if anything, is still there afterwards."""

import os
import shutil
import signal
import subprocess
import time

VSWITCHD_DPDK = "/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk"
SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"


class OvsUnavailable(RuntimeError):
    """OVS-DPDK is not installed or cannot initialise DPDK on this machine."""


class OvsError(RuntimeError):
    """A step of the setup failed; the message carries the OVS log tail."""


def _run(cmd, env=None, timeout=30, check=True):
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise OvsError(f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr.strip() or r.stdout.strip()}")
    return r.stdout


class OvsDpdk:
    def __init__(self, workdir, name, pmd_core=1, lcore=0, memory_mb=2048, other_config=None):
        """other_config: extra Open_vSwitch other_config keys (tuning, e.g.
        {"smc-enable": "true"}); OVS defaults otherwise."""
        self.dir = workdir
        self.other_config = dict(other_config or {})
        self.name = name  # netns name and DPDK file prefix; <= 15 characters
        self.pmd_core, self.lcore, self.memory_mb = pmd_core, lcore, memory_mb
        self.db_sock = os.path.join(workdir, "db.sock")
        self.vswitchd_ctl = os.path.join(workdir, "ovs-vswitchd.ctl")
        self.env = dict(os.environ, OVS_RUNDIR=workdir, OVS_DBDIR=workdir, OVS_LOGDIR=workdir,
                        OVS_SYSCONFDIR=workdir)
        self.ovsdb = self.vswitchd = None
        self.netns_made = False

    # --- lifecycle -------------------------------------------------------

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        for tool in (VSWITCHD_DPDK, shutil.which("ovsdb-server"), shutil.which("ovs-vsctl"), SCHEMA):
            if not tool or not os.path.exists(tool):
                raise OvsUnavailable(f"{tool or 'ovsdb-server/ovs-vsctl'} not found: install the Debian "
                                     "package openvswitch-switch-dpdk (scripts/install-deps.sh)")
        _run(["ovsdb-tool", "create", os.path.join(self.dir, "conf.db"), SCHEMA])
        self.ovsdb = subprocess.Popen(
            ["ovsdb-server", os.path.join(self.dir, "conf.db"), f"--remote=punix:{self.db_sock}",
             f"--unixctl={self.dir}/ovsdb-server.ctl", f"--pidfile={self.dir}/ovsdb-server.pid",
             f"--log-file={self.dir}/ovsdb-server.log", "--no-chdir"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self._wait(lambda: os.path.exists(self.db_sock), 10, "ovsdb-server socket")
        # OVS adds --in-memory unless --legacy-mem is given, and --in-memory
        # refuses --no-huge; --no-huge implies legacy memory anyway.
        extra = (f"--no-huge --legacy-mem -m {self.memory_mb} --no-pci --no-shconf "
                 f"--file-prefix {self.name} --log-level=lib.eal:error")
        self.vsctl("--no-wait", "init")
        self.vsctl("--no-wait", "set", "Open_vSwitch", ".", "other_config:dpdk-init=true",
                   f"other_config:dpdk-extra={extra}", f"other_config:dpdk-lcore-mask={1 << self.lcore:#x}",
                   f"other_config:pmd-cpu-mask={1 << self.pmd_core:#x}",
                   *(f"other_config:{k}={v}" for k, v in self.other_config.items()))
        _run(["ip", "netns", "add", self.name])
        self.netns_made = True
        # The namespace's own sysctls: no IPv6 router solicitations or MLD
        # reports from the bridges' tap devices into the measured ports.
        self.in_netns("sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
        # `ip netns exec` execs the binary in place: the PID is vswitchd's.
        self.vswitchd = subprocess.Popen(
            ["ip", "netns", "exec", self.name, VSWITCHD_DPDK, f"unix:{self.db_sock}",
             f"--unixctl={self.vswitchd_ctl}", f"--pidfile={self.dir}/ovs-vswitchd.pid",
             f"--log-file={self.dir}/ovs-vswitchd.log", "--no-chdir"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            self._wait(lambda: self.vsctl("get", "Open_vSwitch", ".", "dpdk_initialized", timeout=5).strip() == "true",
                       60, "DPDK initialisation in ovs-vswitchd")
        except OvsError as e:
            raise OvsUnavailable(f"ovs-vswitchd-dpdk did not initialise DPDK: {e}") from None

    def stop(self):
        """Idempotent; every step runs even if an earlier one failed."""
        if self.vswitchd and self.vswitchd.poll() is None:
            for br in self._bridges():
                _run(["ovs-vsctl", f"--db=unix:{self.db_sock}", "--timeout=10", "--if-exists", "del-br", br],
                     env=self.env, check=False)
        for proc in (self.vswitchd, self.ovsdb):
            if proc and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        if self.netns_made:
            subprocess.run(["ip", "netns", "del", self.name], capture_output=True)
            self.netns_made = False
        shutil.rmtree(f"/var/run/dpdk/{self.name}", ignore_errors=True)

    def leftovers(self):
        """What of this instance still exists (empty after stop())."""
        left = [f"pid {p.pid} ({what})" for p, what in ((self.ovsdb, "ovsdb-server"), (self.vswitchd, "ovs-vswitchd"))
                if p and p.poll() is None]
        if os.path.exists(f"/var/run/netns/{self.name}"):
            left.append(f"netns {self.name}")
        if os.path.exists(f"/var/run/dpdk/{self.name}"):
            left.append(f"/var/run/dpdk/{self.name}")
        return left

    # --- tools -----------------------------------------------------------

    def vsctl(self, *args, timeout=30):
        try:
            return _run(["ovs-vsctl", f"--db=unix:{self.db_sock}", f"--timeout={timeout}", *args], env=self.env,
                        timeout=timeout + 5)
        except (OvsError, subprocess.TimeoutExpired) as e:
            raise OvsError(f"{e}\n--- ovs-vswitchd.log tail ---\n{self.log_tail()}") from None

    def ofctl(self, *args):
        return _run(["ovs-ofctl", "-O", "OpenFlow13", *args], env=self.env)

    def appctl(self, *args):
        return _run(["ovs-appctl", "-t", self.vswitchd_ctl, *args], env=self.env)

    def in_netns(self, *cmd):
        return _run(["ip", "netns", "exec", self.name, *cmd])

    def log_tail(self, lines=15):
        try:
            with open(os.path.join(self.dir, "ovs-vswitchd.log")) as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return "(no log)"

    def _bridges(self):
        try:
            return _run(["ovs-vsctl", f"--db=unix:{self.db_sock}", "--timeout=5", "list-br"], env=self.env).split()
        except (OvsError, subprocess.TimeoutExpired):
            return []

    def _wait(self, ready, seconds, what):
        deadline = time.time() + seconds
        while time.time() < deadline:
            for proc, name in ((self.ovsdb, "ovsdb-server"), (self.vswitchd, "ovs-vswitchd")):
                if proc and proc.poll() is not None:
                    raise OvsError(f"{name} exited {proc.returncode} while waiting for {what}:\n{self.log_tail()}")
            try:
                if ready():
                    return
            except (OvsError, subprocess.TimeoutExpired):
                pass
            time.sleep(0.1)
        raise OvsError(f"timed out waiting for {what}:\n{self.log_tail()}")
