"""`guides export` / `guides import`: the catalogue as an Excel workbook an administrator recognises.

One module per job: workbook_sheets.py (sheets and columns from the model), workbook_export.py
(writing), workbook_layout.py (row heights, prompts, print setup), workbook_read.py (streaming
reading and its limits), workbook_rows.py (the sheets read back into records, each value at its
cell), workbook_import.py (merged with content/, checked like `guides check`, written back),
workbook_sync.py (what was exported: scope, conflicts), workbook_yaml.py (writing YAML back with
comments kept). This module is the two commands."""
from __future__ import annotations

from pathlib import Path


from .problems import os_reason
from .workbook_read import MAX_ROWS, open_workbook  # noqa: F401 -- MAX_ROWS: the limit, named here too
from .workbook_sync import KeyProblem
from .validate import Catalogue, read_catalogue
from .workbook_sheets import DISTRICT_SCOPE, MAX_SHOWN
from .workbook_export import export_workbook
from .workbook_import import import_workbook

# ------------------------------------------------------------------------ commands


def catalogue_for_workbook(content: Path, out: Path, not_done: str) -> Catalogue | None:
    """The checked catalogue a workbook command writes from, or None after saying why
    (`not_done`: what was not made, e.g. 未导出)."""
    import sys

    if Path(out).suffix.lower() != ".xlsx":
        print(f"{out}: 文件名应以 .xlsx 结尾", file=sys.stderr)
        return None
    catalogue, problems = read_catalogue(content)
    if catalogue is None:
        problems.print()
        print(f"内容有 {len(problems.errors)} 个错误，{not_done}：请先改正（guides check）", file=sys.stderr)
    return catalogue


def write_failed(out: Path, e: OSError) -> int:
    import sys

    print(f"{out}: 无法写入：{os_reason(e)}（文件是否正在 Excel 中打开？）", file=sys.stderr)
    return 1


def run_export(content: Path, out: Path, town: str | None) -> int:
    import sys

    catalogue = catalogue_for_workbook(content, out, "未导出")
    if catalogue is None:
        return 1
    if town and town not in {t.code for t in catalogue.district.towns}:
        known = "、".join(f"{t.code} {t.name}" for t in catalogue.district.towns)
        print(f"--town {town}: 不是本区县的镇（街道）代码（可用：{known}）", file=sys.stderr)
        return 1
    try:
        counts = export_workbook(catalogue, Path(out), town)
    except OSError as e:
        return write_failed(out, e)
    except KeyProblem as e:
        print(f"{out}: 未导出：{e}", file=sys.stderr)
        return 1
    scope = f"{town} {catalogue.town_name(town)}" if town else DISTRICT_SCOPE
    shown = "，".join(f"{k} {v} 行" for k, v in counts.items())
    print(f"已导出（{scope}）到 {out}：{shown}")
    return 0


def run_import(path: Path, content: Path, town: str | None = None, prefer: str | None = None) -> int:
    import sys

    result = import_workbook(Path(path), Path(content), town, prefer)
    if result.conflicts and not result.ok:
        for p in result.problems[:MAX_SHOWN]:
            print(p, file=sys.stderr)
        if len(result.problems) > MAX_SHOWN:
            print(f"……另有 {len(result.problems) - MAX_SHOWN} 处冲突未列出", file=sys.stderr)
        print(f"导入未完成：{result.conflicts} 个记录在导出后内容中也被改过（冲突）；内容文件未做任何改动。"
              "请核对以上各处后选择：--prefer workbook 以工作簿为准覆盖这些记录，"
              "或 --prefer content 保留内容中的现值、只导入其他记录", file=sys.stderr)
        return 1
    if not result.ok:
        for p in result.problems[:MAX_SHOWN]:
            print(p, file=sys.stderr)
        if len(result.problems) > MAX_SHOWN:
            print(f"……另有 {len(result.problems) - MAX_SHOWN} 处错误未列出（先改正以上各处，再导入一次即可看到）",
                  file=sys.stderr)
        print(f"导入未完成：{len(result.problems)} 个错误；内容文件未做任何改动", file=sys.stderr)
        return 1
    for p in result.written:
        print(f"已更新 {p}")
    for p in result.created:
        print(f"已新增 {p}")
    extra = f"，{result.warnings} 个警告（运行 guides check 查看）" if result.warnings else ""
    missing = (f"；内容中另有 {result.not_in_workbook} 个记录不在工作簿中，未改动（停用请按管理员手册办理）"
               if result.not_in_workbook else "")
    if result.conflicts:
        chosen = "保留了内容中的现值" if result.skipped else "以工作簿为准"
        extra += f"；{result.conflicts} 个冲突的记录{chosen}"
    print(f"导入完成：更新 {len(result.written)} 个文件，新增 {len(result.created)} 个，"
          f"{result.unchanged} 个记录没有变化{extra}{missing}")
    return 0
