"""`guides publish` (and the editor's 发布 button): check → build → record → deploy, one step for
the office. Each stage is its own module: validate (check), build (the site, the change report
since the last publication, the reprint queue), record (one commit with the author and a Chinese
summary), deploy (the configured target). A stage that fails stops the ones after it; the public
site changes only in the last one, atomically.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from . import deploy as deploying
from . import hashes
from . import record as recording
from .build import Result as BuildResult
from .build import build
from .problems import Problems
from .report import _summary

Stage = Literal["检查", "生成", "记录", "上线", "完成"]


@dataclass
class PublishResult:
    ok: bool
    stage: Stage  # where it stopped ("完成" when everything was done)
    problems: Problems
    summary: str = ""  # the change, in Chinese (also the record's title)
    message: str = ""  # why it stopped, in Chinese, when not ok
    built: BuildResult | None = None
    commit: str | None = None
    deployed: deploying.Deployed | None = None
    details: list[str] = field(default_factory=list)  # the change, one line per kind


@contextlib.contextmanager
def _one_at_a_time(content: Path):
    key = hashes.short(os.fsencode(Path(content).resolve()), hashes.LOCK)
    fd = os.open(Path(tempfile.gettempdir()) / f"guides-publish-{key}.lock", os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def publish(content: Path, out: Path, *, author: str, message: str | None = None,
            target: str | None = None, to: Path | None = None, config_file: Path = Path("mkdocs.yml"),
            quiet: bool = True) -> PublishResult:
    """Publish the catalogue in `content`: `target` names a deploy.yaml target, `to` a directory;
    with neither, the default target, or the built `out` directory itself."""
    content, out = Path(content), Path(out)
    with _one_at_a_time(content):
        problems = Problems()
        cfg = deploying.load_config(content, problems)
        if cfg is None:
            return PublishResult(False, "检查", problems, message="发布目标的设置（deploy.yaml）有错误，什么也没有发布")
        try:
            name, chosen = deploying.choose(cfg, target, to, out)
        except deploying.DeployError as e:
            return PublishResult(False, "检查", problems, message=str(e))

        built = build(content, out, config_file=config_file, quiet=quiet, record=True)
        problems.extend(built.problems)
        if not built.ok:
            stage: Stage = "检查" if built.catalogue is None else "生成"
            return PublishResult(False, stage, problems, built=built,
                                 message=f"内容有 {len(built.problems.errors)} 个错误，什么也没有发布；网上的网站没有改动")

        top = recording.repository(content)
        reports = recording.new_reports(content, top, recording.paths(content, top)) or [built.report]
        details = describe(reports)
        summary = "；".join(details) if details else "内容无变化"
        title = f"发布：{summary}"[:120]
        body = "\n".join([*(f"- {d}" for d in details), *(["", message.strip()] if message and message.strip() else []),
                          "", f"发布人：{author}"])
        try:
            recorded = recording.commit(content, author, title, body)
        except recording.RecordError as e:
            return PublishResult(False, "记录", problems, summary, str(e) + "；网上的网站没有改动", built,
                                 details=details)

        try:
            deployed = deploying.deploy(out, name, chosen, message=title)
        except (deploying.DeployError, OSError) as e:
            why = str(e) if isinstance(e, deploying.DeployError) else f"上线失败：{e}"
            return PublishResult(False, "上线", problems, summary, why, built, recorded.commit, details=details)
        return PublishResult(True, "完成", problems, summary, "", built, recorded.commit, deployed, details)


def describe(reports: list[dict]) -> list[str]:
    """What the reports changed, by name: 修改事项：A、B；新增服务站：C；需重印：…"""
    names: dict[tuple[str, str], dict[str, str]] = {}
    reprint: dict[str, int] = {}
    first = False
    for r in reports:
        if not r:
            continue
        first = first or r.get("first_publish", False)
        for key, what in (("items", "事项"), ("stations", "服务站")):
            for kind, verb in (("added", "新增"), ("changed", "修改"), ("removed", "停用")):
                for x in r.get(key, {}).get(kind, []):
                    names.setdefault((verb, what), {})[x["code"]] = x.get("name", x["code"])
        for x in r.get("reprint", []):
            reprint[x["station"]] = reprint.get(x["station"], 0) + len(x.get("sheets", []))
    if first:
        return [_summary(next(r for r in reports if r and r.get("first_publish")))]
    lines = []
    for (verb, what), found in names.items():
        shown = "、".join(list(found.values())[:5]) + (f" 等 {len(found)} 个" if len(found) > 5 else "")
        lines.append(f"{verb}{what}：{shown}")
    if reprint:
        lines.append(f"需重印：{len(reprint)} 个服务站共 {sum(reprint.values())} 份")
    return lines
