"""Deploy: put a built site where the public reads it. The targets are configured once in
`deploy.yaml` beside `content/` (never inside it: the site is built from content/, so nothing
here is ever served), or `~/.config/guides/deploy.yaml`:

    default: 区政务服务器
    targets:
      区政务服务器: {type: ssh, host: 10.20.0.5, user: guides, path: /srv/guides}
      共享盘:      {type: dir, path: /mnt/share/guides-site}
      外网:        {type: netlify, site_id: 1234abcd-…}

- dir: a directory here or on a mounted share, swapped in atomically (generator/publish.py):
  unchanged files are hard-linked from the copy already there, only changed ones are copied.
- ssh: rsync over ssh into `<path>/releases/.upload` (only changed files are sent; unchanged ones
  are hard-linked on the server from the live release with --link-dest), then the new release
  is switched live in one rename of the `<path>/current` symlink (the web server's root). An
  upload cut off halfway leaves `current` untouched; the next deploy resumes the same `.upload`.
- netlify: `netlify deploy --prod` (npm netlify-cli) with the token from an environment variable.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from . import publish
from .load import read_yaml
from .problems import Problems

CONFIG = "deploy.yaml"
KEEP_RELEASES = 3  # on the server: the live release and two before it (a quick way back)


class _Target(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DirTarget(_Target):
    type: Literal["dir"] = "dir"
    path: Path = Field(title="目录")


class SshTarget(_Target):
    type: Literal["ssh"]
    # never a leading "-": ssh and rsync would read the value as an option
    host: str = Field(title="服务器地址", pattern=r"^[A-Za-z0-9\[][A-Za-z0-9.\-:\[\]]*$")
    user: str | None = Field(None, title="登录用户名", pattern=r"^[A-Za-z0-9_][A-Za-z0-9._\-]*$")
    port: int = Field(22, title="端口", ge=1, le=65535)
    path: str = Field(title="服务器上的网站目录", pattern=r"^/[^\n\x00]*$")
    key: Path | None = Field(None, title="登录密钥文件")
    known_hosts: Path | None = Field(None, title="服务器指纹文件")
    bwlimit: int | None = Field(None, title="上传限速（KB/秒）", ge=1)


class NetlifyTarget(_Target):
    type: Literal["netlify"]
    site_id: str = Field(title="Netlify 站点 ID", pattern=r"^[A-Za-z0-9\-]+$")
    token_env: str = Field("NETLIFY_AUTH_TOKEN", title="存放访问令牌的环境变量名", pattern=r"^[A-Z_][A-Z0-9_]*$")


Target = Annotated[Union[DirTarget, SshTarget, NetlifyTarget], Field(discriminator="type")]


class DeployConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    default: str | None = Field(None, title="默认发布目标")
    targets: dict[str, Target] = Field(default_factory=dict, title="发布目标")


@dataclass
class Deployed:
    """What a deploy did, in words for the administrator."""

    name: str
    where: str
    files_sent: int | None = None


class DeployError(Exception):
    """A deploy that did not go live; the message says why in Chinese. The public site is unchanged."""


def config_path(content: Path) -> Path | None:
    for p in (Path(content).absolute().parent / CONFIG, Path.home() / ".config/guides" / CONFIG):
        if p.is_file():
            return p
    return None


def load_config(content: Path, problems: Problems) -> DeployConfig | None:
    """The configured targets (empty when there is no deploy.yaml); None with problems if it is wrong."""
    path = config_path(content)
    if path is None:
        return DeployConfig()
    source = read_yaml(path, problems)
    if source is None:
        return None
    try:
        cfg = DeployConfig.model_validate(source.data or {})
    except ValidationError as e:
        for err in e.errors():
            loc = tuple(x for x in err["loc"] if x not in ("dir", "ssh", "netlify"))
            if err["type"].startswith("union_tag"):
                loc += ("type",)
            field = ".".join(map(str, loc))
            problems.error(source.path, source.line(loc), field, _reason(err))
        return None
    if cfg.default is not None and cfg.default not in cfg.targets:
        problems.error(source.path, source.line(("default",)), "default",
                       f"没有名为“{cfg.default}”的发布目标（已有：{'、'.join(cfg.targets) or '无'}）")
        return None
    return cfg


def _reason(err: dict) -> str:
    kind = err["type"]
    if kind == "missing":
        return "必须填写"
    if kind == "extra_forbidden":
        return "不认识的设置项"
    if kind == "union_tag_invalid" or kind == "union_tag_not_found":
        return "type 应为 dir（目录）、ssh（网站服务器）或 netlify 之一"
    if kind == "string_pattern_mismatch":
        return "格式不对"
    return "值不对"


def choose(cfg: DeployConfig, name: str | None, to: Path | None, out: Path) -> tuple[str, Target | None]:
    """The target to deploy to: `to` (a directory), a named one, the default one, or none (the
    build's own output directory is then the published site)."""
    if to is not None:
        chosen: tuple[str, Target | None] = (str(to), DirTarget(path=to))
    elif name is not None:
        if name not in cfg.targets:
            raise DeployError(f"没有名为“{name}”的发布目标（已配置：{'、'.join(cfg.targets) or '无'}）")
        chosen = (name, cfg.targets[name])
    elif cfg.default:
        chosen = (cfg.default, cfg.targets[cfg.default])
    else:
        return str(out), None
    if isinstance(chosen[1], DirTarget):
        _not_nested(Path(chosen[1].path).expanduser().absolute(), Path(out).absolute())
    return chosen


def _not_nested(dest: Path, site: Path) -> None:
    if dest != site and (dest.is_relative_to(site) or site.is_relative_to(dest)):
        raise DeployError(f"发布目录 {dest} 与网站目录 {site} 不能一个在另一个里面。网上的网站没有改动")


def deploy(site: Path, name: str, target: Target | None, *, message: str = "") -> Deployed:
    if target is None:
        return Deployed(name, str(site))
    if isinstance(target, DirTarget):
        return deploy_dir(site, target, name)
    if isinstance(target, SshTarget):
        return deploy_ssh(site, target, name)
    return deploy_netlify(site, target, name, message)


# ---------------------------------------------------------------------- a directory


def deploy_dir(site: Path, target: DirTarget, name: str) -> Deployed:
    dest = Path(target.path).expanduser().absolute()
    site = Path(site).absolute()
    if dest == site:
        return Deployed(name, str(dest))
    _not_nested(dest, site)
    dest.parent.mkdir(parents=True, exist_ok=True)
    for stale in dest.parent.glob(f".{dest.name}.upload-*"):
        shutil.rmtree(stale, ignore_errors=True)  # left by a deploy that was cut off
    staging = dest.parent / f".{dest.name}.upload-{os.getpid()}"
    sent = 0
    try:
        for root, dirs, files in os.walk(site):
            rel = Path(root).relative_to(site)
            (staging / rel).mkdir(parents=True, exist_ok=True)
            for f in files:
                src, old, new = Path(root) / f, dest / rel / f, staging / rel / f
                if _same(src, old):
                    try:
                        os.link(old, new)  # unchanged: shared with the copy already published
                        continue
                    except OSError:
                        pass
                shutil.copy2(src, new)
                sent += 1
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    publish.swap_in(staging, dest)
    return Deployed(name, str(dest), sent)


def _same(a: Path, b: Path) -> bool:
    """Unchanged: same size and time (a page the build did not rewrite), or same bytes (a page a full
    rebuild, after a change of code or theme, wrote again as it was)."""
    import filecmp

    try:
        sa, sb = a.stat(), b.stat()
    except OSError:
        return False
    if sa.st_size != sb.st_size:
        return False
    if sa.st_mtime_ns // 1_000_000_000 == sb.st_mtime_ns // 1_000_000_000:
        return True
    try:
        return filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


# ---------------------------------------------------------------------- a web server over SSH


def ssh_command(t: SshTarget) -> list[str]:
    cmd = ["ssh", "-p", str(t.port), "-o", "BatchMode=yes", "-o", "ConnectTimeout=20",
           "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4"]
    if t.key:
        cmd += ["-i", str(Path(t.key).expanduser()), "-o", "IdentitiesOnly=yes"]
    if t.known_hosts:
        cmd += ["-o", f"UserKnownHostsFile={Path(t.known_hosts).expanduser()}", "-o", "StrictHostKeyChecking=yes"]
    return cmd


def _remote(t: SshTarget) -> str:
    return f"{t.user}@{t.host}" if t.user else t.host


def _run_remote(t: SshTarget, script: str, what: str) -> str:
    r = subprocess.run([*ssh_command(t), _remote(t), "sh -c " + shlex.quote(script)],
                       capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"})
    if r.returncode != 0:
        raise DeployError(f"{what}失败：{_ssh_reason(r.stderr)}（服务器 {t.host}）。网上的网站没有改动")
    return r.stdout


def _ssh_reason(stderr: str) -> str:
    s = stderr.lower()
    if "permission denied" in s:
        return "服务器拒绝登录（用户名或密钥不对）"
    if "host key verification failed" in s or "remote host identification has changed" in s:
        return "服务器的身份与记录的不一致（可能被冒充），已停止"
    if "connection refused" in s or "timed out" in s or "no route" in s or "could not resolve" in s:
        return "连不上服务器（地址、端口或网络不通）"
    if "no space" in s:
        return "服务器磁盘空间不足"
    last = [line for line in stderr.strip().splitlines() if line.strip()]
    return "服务器返回：" + (last[-1][:200] if last else "未知错误")


def deploy_ssh(site: Path, t: SshTarget, name: str) -> Deployed:
    base = t.path.rstrip("/") or "/"
    q = shlex.quote
    current = _run_remote(t, f"set -e; mkdir -p {q(base)}/releases; "
                             f"if [ -e {q(base)}/current ] && [ ! -L {q(base)}/current ]; then "
                             f"echo 'current is not a symlink' >&2; exit 3; fi; "
                             f"readlink {q(base)}/current || true", "连接服务器").strip()
    release = Path(current).name if current else None
    upload = f"{base}/releases/.upload"  # a cut-off upload left here is resumed, not sent again
    cmd = ["rsync", "-a", "--delete", "--stats", "--chmod=Du=rwx,Dgo=rx,Fu=rw,Fgo=r",
           "-e", shlex.join(ssh_command(t))]
    if release and re.fullmatch(r"[0-9TZ\-]+", release):
        cmd.append(f"--link-dest={base}/releases/{release}")
    if t.bwlimit:
        cmd.append(f"--bwlimit={t.bwlimit}")
    cmd += [f"{site}/", f"{_remote(t)}:{upload}/"]
    r = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"})
    if r.returncode != 0:
        raise DeployError(f"上传中断：{_ssh_reason(r.stderr)}（服务器 {t.host}）。网上仍是原来的网站，"
                          f"再次发布会接着上传")
    m = re.search(r"Number of regular files transferred: ([\d,]+)", r.stdout)
    sent = int(m.group(1).replace(",", "")) if m else None
    new = _release_name()
    _run_remote(t, f"set -e; cd {q(base)}; mv releases/.upload releases/{new}; "
                   f"ln -sfn releases/{new} .current.new; mv -T .current.new current; "
                   # keep the live release and a few before it
                   f"ls -1 releases | grep -v '^\\.' | sort | head -n -{KEEP_RELEASES} | "
                   f"while read old; do rm -rf \"releases/$old\"; done", "切换到新版本")
    return Deployed(name, f"{_remote(t)}:{base}/current", sent)


def _release_name() -> str:
    import datetime as dt

    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


# ---------------------------------------------------------------------- Netlify


def netlify_command(site: Path, t: NetlifyTarget, message: str) -> list[str]:
    exe = shutil.which("netlify") or str(Path("node_modules/.bin/netlify").absolute())
    return [exe, "deploy", "--prod", "--dir", str(site), "--site", t.site_id, "--message", message[:200]]


def deploy_netlify(site: Path, t: NetlifyTarget, name: str, message: str) -> Deployed:
    cmd = netlify_command(site, t, message)
    if not Path(cmd[0]).is_file():
        raise DeployError("本机没有安装 Netlify 上传工具（netlify-cli）：请技术人员在项目目录安装"
                          "（npm install netlify-cli）。网上的网站没有改动")
    token = os.environ.get(t.token_env)
    if not token:
        raise DeployError(f"缺少 Netlify 访问令牌：请技术人员在环境变量 {t.token_env} 中设置。网上的网站没有改动")
    r = subprocess.run(cmd, capture_output=True, text=True,
                       env={**os.environ, "NETLIFY_AUTH_TOKEN": token, "NETLIFY_SITE_ID": t.site_id})
    if r.returncode != 0:
        last = [line for line in (r.stderr or r.stdout).strip().splitlines() if line.strip()]
        raise DeployError("上传到 Netlify 失败：" + (last[-1][:200] if last else "未知错误") + "。网上的网站没有改动")
    return Deployed(name, f"Netlify 站点 {t.site_id}")
