"""Problems found while reading and checking content, printed as `path:line: field: message`."""
from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    field: str
    message: str
    level: str = "error"  # or "warning"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}: "
        what = f"{self.field}: " if self.field else ""
        tag = "警告：" if self.level == "warning" else ""
        return f"{where}{tag}{what}{self.message}"


class Problems(list):
    """Collects every problem so that one run reports all of them at once."""

    def error(self, path, line: int, field: str, message: str) -> None:
        self.append(Problem(str(path), line, field, message, "error"))

    def warning(self, path, line: int, field: str, message: str) -> None:
        self.append(Problem(str(path), line, field, message, "warning"))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self if p.level == "warning"]

    def print(self, stream=None, *, same_warning_shown: int = 3) -> None:
        """Every error; warnings with the same message are shown a few times, then counted."""
        stream = stream or sys.stderr
        shown: dict[str, int] = {}
        for p in sorted(set(self), key=lambda p: (p.level != "error", p.path, p.line, p.field)):
            if p.level == "warning":
                shown[p.message] = shown.get(p.message, 0) + 1
                if shown[p.message] > same_warning_shown:
                    continue
            print(p, file=stream)
        for message, count in shown.items():
            if count > same_warning_shown:
                print(f"……另有 {count - same_warning_shown} 处同样的警告：{message}", file=stream)


class ContentError(Exception):
    """Raised by a stage when the content has errors; carries all of them."""

    def __init__(self, problems: Problems):
        super().__init__(f"{len(problems.errors)} 个错误")
        self.problems = problems
