"""A real web server for deploy tests: Debian's sshd and nginx on 127.0.0.1, started by the test,
nginx serving `<base>/current` (the symlink the SSH target flips). Installed by `make test`
(TEST_APT_PKGS: openssh-server, rsync, nginx-light)."""
from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

SSHD, NGINX = "/usr/sbin/sshd", "/usr/sbin/nginx"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, log: Path) -> None:
    for _ in range(200):
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text(errors='replace') if log.exists() else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


@dataclass
class WebServer:
    base: Path  # the site directory on the "server": releases/ and the current symlink
    ssh_port: int
    http_port: int
    key: Path
    known_hosts: Path
    user: str
    procs: list

    def deploy_yaml(self, **extra) -> str:
        lines = ["default: 区政务服务器", "targets:", "  区政务服务器:", "    type: ssh", "    host: 127.0.0.1",
                 f"    port: {self.ssh_port}", f"    user: {self.user}", f"    path: {self.base}",
                 f"    key: {self.key}", f"    known_hosts: {self.known_hosts}"]
        lines += [f"    {k}: {v}" for k, v in extra.items()]
        return "\n".join(lines) + "\n"

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}{path}", timeout=10) as r:
                return r.status, r.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            return e.code, ""

    def stop(self) -> None:
        for p in self.procs:
            p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def start(work: Path) -> WebServer:
    for exe in (SSHD, NGINX, shutil.which("rsync"), shutil.which("ssh")):
        assert exe and Path(exe).exists(), "sshd, nginx or rsync missing: run `make test`, which installs them"
    work.mkdir(parents=True, exist_ok=True)
    base = work / "srv" / "guides"
    keys = work / "keys"
    keys.mkdir()
    for name in ("host", "client"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / name)], check=True)
    (keys / "authorized_keys").write_text((keys / "client.pub").read_text())
    ssh_port, http_port = free_port(), free_port()
    host_pub = (keys / "host.pub").read_text().split()[:2]
    (keys / "known_hosts").write_text(f"[127.0.0.1]:{ssh_port} {' '.join(host_pub)}\n")
    root = os.getuid() == 0
    if root:
        Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege-separation directory
    (work / "sshd_config").write_text("\n".join([
        f"Port {ssh_port}", "ListenAddress 127.0.0.1", f"HostKey {keys / 'host'}", f"PidFile {work / 'sshd.pid'}",
        f"AuthorizedKeysFile {keys / 'authorized_keys'}", "StrictModes no", "UsePAM no",
        "PasswordAuthentication no", "KbdInteractiveAuthentication no", "PermitRootLogin prohibit-password",
        "LogLevel ERROR", ""]))
    sshd = subprocess.Popen([SSHD, "-D", "-f", str(work / "sshd_config"), "-E", str(work / "sshd.log")])
    _wait_port(ssh_port, sshd, work / "sshd.log")
    ng = work / "nginx"
    for d in ("tmp", "logs"):
        (ng / d).mkdir(parents=True)
    (ng / "nginx.conf").write_text(f"""
{"user root;" if root else ""}
daemon off;
worker_processes 1;
pid {ng}/nginx.pid;
error_log {ng}/logs/error.log;
events {{ worker_connections 64; }}
http {{
  include /etc/nginx/mime.types;
  access_log off;
  client_body_temp_path {ng}/tmp/body; proxy_temp_path {ng}/tmp/proxy; fastcgi_temp_path {ng}/tmp/fastcgi;
  uwsgi_temp_path {ng}/tmp/uwsgi; scgi_temp_path {ng}/tmp/scgi;
  server {{
    listen 127.0.0.1:{http_port};
    root {base}/current;
    index index.html;
    error_page 404 /404.html;
  }}
}}
""")
    nginx = subprocess.Popen([NGINX, "-p", str(ng), "-c", str(ng / "nginx.conf"), "-e", str(ng / "logs/error.log")],
                             stderr=subprocess.DEVNULL)
    _wait_port(http_port, nginx, ng / "logs/error.log")
    return WebServer(base, ssh_port, http_port, keys / "client", keys / "known_hosts", getpass.getuser(), [sshd, nginx])
