"""Shared pieces of the integration and end-to-end tests: running vfpathd
with a generated configuration, reading its telemetry, and cleaning up the
process and its DPDK runtime directory whatever happens."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

# meson test ends a test that runs over its time with SIGTERM; turn that into
# SystemExit so every `with` block (daemons, namespaces) still cleans up.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(f"vfpath test: terminated"))


def skip_without_af_xdp(always=False):
    """Exits 77 (meson: skipped), saying why, when the tests are to run on
    net_af_xdp ports (VFPATH_E2E_PORTS=af_xdp, or `always`) and this kernel
    has no AF_XDP sockets."""
    if not always and os.environ.get("VFPATH_E2E_PORTS") != "af_xdp":
        return
    try:
        socket.socket(44, socket.SOCK_RAW, 0).close()  # AF_XDP
    except OSError as e:
        print(f"SKIP: this kernel has no AF_XDP sockets ({e})")
        sys.exit(77)


def eni_of(stats, eni_id):
    """The ENI `eni_id`'s entry of Daemon.stats(), or {}."""
    return next((e for e in stats.get("enis", []) if e["id"] == eni_id), {})


def port_devargs(index, iface, queues=1):
    """DPDK devargs for a port on kernel interface `iface`: net_af_packet, or
    net_af_xdp (vfpathd then runs its XDP program on it) when the
    environment says VFPATH_E2E_PORTS=af_xdp."""
    if os.environ.get("VFPATH_E2E_PORTS") == "af_xdp":
        return f"net_af_xdp{index},iface={iface}" + (f",queue_count={queues}" if queues > 1 else "")
    return f"net_af_packet{index},iface={iface}" + (f",qpairs={queues}" if queues > 1 else "")


def telemetry(prefix, command):
    """One DPDK telemetry query (v2 socket) to the daemon with this file prefix."""
    path = f"/var/run/dpdk/{prefix}/dpdk_telemetry.v2"
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
        s.settimeout(2)
        s.connect(path)
        s.recv(1024 * 12)  # greeting
        s.send(command.encode())
        return json.loads(s.recv(1024 * 64).decode())[command.split(",")[0]]


class Daemon:
    """vfpathd on a config dict; a context manager that always stops it."""

    def __init__(self, binary, config, workdir, prefix, netns=None, extra_eal=(), memory_mb=256, options=()):
        self.prefix = prefix
        self.config_path = os.path.join(workdir, "config.json")
        with open(self.config_path, "w") as f:
            json.dump(config, f, indent=1)
        self.control_socket = os.path.join(workdir, f"{prefix}.sock")
        cmd = [binary, "--config", self.config_path, "--control-socket", self.control_socket, *options,
               "--", "--no-huge", "-m", str(memory_mb), "--no-shconf",
               "--no-pci", "--file-prefix", prefix, "--log-level=lib.eal:error", *extra_eal]
        if netns:
            cmd = ["ip", "netns", "exec", netns, *cmd]
        self.log_path = os.path.join(workdir, "vfpathd.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        self.output = ""

    def __enter__(self):
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                log = self.read_log()
                self.__exit__()  # `with` does not call __exit__ when __enter__ raises
                raise RuntimeError(f"vfpathd exited {self.proc.returncode}:\n{log}")
            if "vfpathd: running" in self.read_log():
                return self
            time.sleep(0.05)
        log = self.read_log()
        self.__exit__()
        raise RuntimeError(f"vfpathd did not start:\n{log}")

    def read_log(self):
        with open(self.log_path) as f:
            return f.read()

    def query(self, command):
        return telemetry(self.prefix, command)

    def stats(self, vfpathctl):
        """`vfpathctl stats -o json` of this daemon, parsed."""
        r = subprocess.run([vfpathctl, "--socket", self.control_socket, "stats", "-o", "json"], capture_output=True,
                           text=True, timeout=30)
        return json.loads(r.stdout[:r.stdout.rfind("}") + 1])

    def wait_for(self, predicate, what, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if predicate():
                return
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}")

    def stop(self):
        """SIGTERM, wait, return the exit report (stdout)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        self.output = self.read_log()
        return self.output

    def __exit__(self, *exc):
        self.stop()
        shutil.rmtree(f"/var/run/dpdk/{self.prefix}", ignore_errors=True)
        return False
