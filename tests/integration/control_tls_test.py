#!/usr/bin/python3
"""The control API over TCP: mutual TLS by default (a client needs a
certificate signed by the configured CA), plaintext only when asked for, and
a daemon that refuses --control-tcp without either. Certificates are made
with openssl for the test.

usage: control_tls_test.py VFPATHD VFPATHCTL"""

import os
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from vfpath_harness import Daemon  # noqa: E402

CONFIG = {"generation": 1,
          "ports": [{"name": "a", "role": "ENI", "devargs": "net_null0,no-rx=1"}],
          "vpcs": [{"id": "v", "cidrs": ["10.0.0.0/16"]}],
          "subnets": [{"id": "s", "vpc": "v", "ipv4_cidr": "10.0.1.0/24"}],
          "enis": [{"id": "e", "port": "a", "mac": "02:00:00:00:00:01", "subnet": "s", "ipv4": ["10.0.1.5"]}]}


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_pki(d):
    """ca, server (SAN 127.0.0.1), client (by ca) and rogue (by another ca)."""
    for ca in ("ca", "other-ca"):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={ca}",
                "-keyout", f"{ca}.key", "-out", f"{ca}.pem", cwd=d)
    for name, ca, ext in (("server", "ca", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
                          ("client", "ca", "extendedKeyUsage=clientAuth"),
                          ("rogue", "other-ca", "extendedKeyUsage=clientAuth")):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout", f"{name}.key",
                "-out", f"{name}.csr", cwd=d)
        with open(os.path.join(d, f"{name}.ext"), "w") as f:
            f.write(ext + "\n")
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial",
                "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.pem", cwd=d)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    vfpathd, vfpathctl = sys.argv[1], sys.argv[2]
    results = []

    def check(ok, what):
        results.append(ok)
        print(("ok   " if ok else "FAIL ") + what, flush=True)

    with tempfile.TemporaryDirectory(prefix="vfpath-tls-") as d:
        make_pki(d)
        p = lambda n: os.path.join(d, n)  # noqa: E731
        r = subprocess.run([vfpathd, "-c", "/dev/null", "--control-tcp", "127.0.0.1:1"], capture_output=True, text=True)
        check(r.returncode == 2 and "--control-tcp needs --tls-cert, --tls-key and --tls-client-ca" in r.stderr,
              "plaintext TCP is refused unless asked for")
        port = free_port()
        opts = ["--control-tcp", f"127.0.0.1:{port}", "--tls-cert", p("server.pem"), "--tls-key", p("server.key"),
                "--tls-client-ca", p("ca.pem")]
        with Daemon(vfpathd, CONFIG, d, f"vftls{os.getpid()}", options=opts) as daemon:
            def ctl(*args):
                return subprocess.run([vfpathctl, "--tcp", f"127.0.0.1:{port}", *args, "health"],
                                      capture_output=True, text=True, timeout=20)
            r = ctl("--tls-ca", p("ca.pem"), "--tls-cert", p("client.pem"), "--tls-key", p("client.key"))
            check(r.returncode == 0 and r.stdout.strip() == "SERVING", "a client with a certificate from the CA is served")
            r = ctl("--tls-ca", p("ca.pem"))
            check(r.returncode == 3, "a client without a certificate is refused")
            r = ctl("--tls-ca", p("ca.pem"), "--tls-cert", p("rogue.pem"), "--tls-key", p("rogue.key"))
            check(r.returncode == 3, "a client certificate from another CA is refused")
            r = ctl("--insecure")
            check(r.returncode == 3, "a plaintext client gets nothing from the TLS port")
            r = subprocess.run([vfpathctl, "--socket", daemon.control_socket, "health"], capture_output=True, text=True)
            check(r.returncode == 0, "the Unix socket still serves alongside")
    print(f"{sum(results)} passed, {len(results) - sum(results)} failed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
