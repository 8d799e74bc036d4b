"""Record a publication: one commit of the catalogue, the URL ledger, the reprint queue and the
history, with the author and a Chinese summary of the change, so the office's record of what
was published when and by whom needs no git command from anyone.

The git command line is used through subprocess rather than dulwich: git is already on every
machine that holds the repository (it came by `git clone`), the editor's office mode
(generator/office.py) records its reviews with it too, so both write one history the same way,
and it adds no Python dependency; dulwich would be a second implementation of the repository
format to keep in step with git. As in office.py, no hook, signing or fsmonitor command of the
repository runs: a file placed in .git/hooks must not run as the office.
"""
from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .reprint import HISTORY


@dataclass
class Recorded:
    commit: str | None  # None: nothing had changed since the last record
    summary: str


class RecordError(Exception):
    """The publication could not be recorded; the message is Chinese and names no git word."""


SAFE = ("-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false", "-c", "core.fsmonitor=false")


def _git(cwd: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *SAFE, *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "LC_ALL": "C", **(env or {})})


def repository(content: Path) -> Path:
    """The top of the repository holding `content`; a new one beside it if there is none yet."""
    content = Path(content).absolute()
    r = _git(content, "rev-parse", "--show-toplevel")
    if r.returncode == 0:
        return Path(r.stdout.strip())
    top = content.parent
    r = _git(top, "init", "-q")
    if r.returncode != 0:
        raise RecordError(f"无法建立发布记录（{top}）：{r.stderr.strip()[:200]}")
    return top


def paths(content: Path, top: Path) -> list[str]:
    """What a publication records: the whole content directory and the redirects beside it."""
    content = Path(content).absolute()
    out = [os.path.relpath(content, top)]
    netlify = content.parent / "netlify.toml"
    if netlify.exists() and content.parent.is_relative_to(top):
        out.append(os.path.relpath(netlify, top))
    return out


def new_reports(content: Path, top: Path, rel: list[str]) -> list[dict]:
    """The change reports of the publications not yet recorded (their history files are new)."""
    r = _git(top, "status", "--porcelain", "-z", "--untracked-files=all", "--", f"{rel[0]}/{HISTORY}")
    reports = []
    for entry in r.stdout.split("\0"):
        if entry[:2] in ("??", "A ") and entry.endswith(".json"):
            try:
                reports.append(json.loads((top / entry[3:]).read_text(encoding="utf-8")))
            except (OSError, ValueError):
                pass
    return reports


def commit(content: Path, author: str, title: str, body: str) -> Recorded:
    """Commit what a publication changed; Recorded(None, …) when nothing changed."""
    top = repository(content)
    rel = paths(content, top)
    r = _git(top, "add", "-A", "--", *rel)
    if r.returncode != 0:
        raise RecordError(f"无法保存发布记录：{r.stderr.strip()[:200]}")
    if _git(top, "diff", "--cached", "--quiet", "--", *rel).returncode == 0:
        return Recorded(None, title)
    name = author.strip() or "guides"
    email = name if "@" in name else ""
    env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email}
    if _git(top, "config", "user.name").returncode != 0:  # no committer configured: the author is
        env.update(GIT_COMMITTER_NAME=name, GIT_COMMITTER_EMAIL=email)
    message = title + ("\n\n" + body if body else "")
    r = _git(top, "-c", "user.useConfigOnly=false", "commit", "-q", "-m", message, "--", *rel,
             env=env)
    if r.returncode != 0:
        raise RecordError(f"无法保存发布记录：{(r.stderr or r.stdout).strip()[:200]}")
    head = _git(top, "rev-parse", "HEAD").stdout.strip()
    return Recorded(head, title)


def last(content: Path, n: int = 10) -> list[dict]:
    """The last publications: when, who, what (for the editor's history page and the terminal)."""
    content = Path(content).absolute()
    r = _git(content, "log", f"-{n}", "--format=%H%x1f%an%x1f%aI%x1f%s", "--", ".")
    out = []
    for line in r.stdout.splitlines():
        h, who, when, subject = line.split("\x1f", 3)
        out.append({"commit": h, "author": who, "date": when, "summary": subject})
    return out


def restore(path: Path) -> str:
    """Put a file back as it was at the last publication (`guides restore`); the message in Chinese."""
    path = Path(path).absolute()
    r = _git(path.parent if path.parent.exists() else Path.cwd(), "rev-parse", "--show-toplevel")
    if r.returncode != 0:
        raise RecordError(f"{path}：还没有发布记录，无法恢复")
    top = Path(r.stdout.strip())
    rel = os.path.relpath(path, top)
    if _git(top, "cat-file", "-e", f"HEAD:{rel}").returncode != 0:
        raise RecordError(f"{rel}：上次发布的记录中没有这个文件，无法恢复")
    r = _git(top, "checkout", "HEAD", "--", rel)
    if r.returncode != 0:
        raise RecordError(f"{rel}：无法恢复（{r.stderr.strip()[:200]}）")
    return f"已恢复为上次发布时的版本：{rel}"
