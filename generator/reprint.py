"""The reprint queue: printed sheets on the stations' boards that no longer match the site.

Every build adds what its change report says must be reprinted (or taken down); the
sheets stay queued, across any number of builds, until `guides print` prints them and
marks them printed. The queue is a file in the content directory (`content/reprint.yaml`)
that `guides publish` records with the content, like `published.txt`: it must survive a
clean build, a new machine and a lost site, which a file inside the published site would not.

Each build's change report is kept beside it (`content/history/<time>.json`), for the same reason.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import fcntl
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from . import hashes
from .files import atomic_write
from .load import display
from .problems import Problems, os_reason

QUEUE = "reprint.yaml"
HISTORY = "history"
Kind = Literal["cover", "poster", "guide", "remove"]
KINDS: tuple[str, ...] = ("cover", "poster", "guide", "remove")  # also the order on the board
KIND_NAMES = {"cover": "公示栏封面与事项目录清单", "poster": "二维码海报", "guide": "办事指南", "remove": "撤下"}

_HEADER = """\
# 待重新打印的公示材料（重印队列）。由 guides build 自动添加，guides print 打印后自动移除。
# guides publish 随内容一起保存发布记录。不要手工编辑：删改会让已过时的纸质材料无人重印。
# 每行一份：kind 种类（cover 封面与事项目录清单、poster 二维码海报、guide 办事指南、remove 从公示栏撤下），
# item 事项编码，stamp 应印的版本标记，since 最早需要重印的那次构建时间（UTC）。total 是总份数，用来发现文件被截断。
"""


@dataclass(frozen=True)
class Sheet:
    station: str
    kind: Kind
    item: str | None
    stamp: str | None
    since: str  # ISO date-time of the build that first queued it (kept when a later build queues it again)

    @property
    def key(self) -> tuple[str, str | None]:
        """Which sheet on the board this is (a newer stamp replaces an older one)."""
        return self.kind, self.item


class ReprintQueueError(Exception):
    """The queue file is broken; `problems` say where (path:line: field: message)."""

    def __init__(self, problems: Problems):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


def now() -> str:
    """The time a build queues its sheets, UTC (also its history file's name: to the microsecond,
    as two builds may finish within a second)."""
    return dt.datetime.now(dt.timezone.utc).isoformat().replace("+00:00", "Z")


class ReprintQueue:
    def __init__(self) -> None:
        self._q: dict[str, list[Sheet]] = {}  # station -> sheets, board order

    # ------------------------------------------------------------------ reading

    @classmethod
    def load(cls, content: Path) -> "ReprintQueue":
        """The queue in `content`; none yet is an empty queue. Raises ReprintQueueError if broken.
        Read line by line (the format `text` writes, one sheet a JSON object a line), not as general
        YAML: a first publish queues every sheet of the district (296 stations: 14,455 lines, 1.4 MB),
        beyond the size and value limits that protect the YAML reader from hostile content files."""
        path = Path(content) / QUEUE
        queue = cls()
        if not path.exists() and not path.is_symlink():
            return queue
        problems = Problems()
        shown = display(path)
        text = _read_queue_file(path, shown, problems)
        read = _read_lines(text, shown, problems, queue._q)
        _check_whole(text, read, shown, problems)
        if problems.errors:
            raise ReprintQueueError(problems)
        return queue

    # ------------------------------------------------------------------ changing

    def add(self, change: dict, when: str, order: Mapping[str, Sequence[str]] | None = None) -> None:
        """Queue what a build's change report (report.compare) says must be reprinted or taken down.
        A sheet queued again keeps one entry with the newest stamp (and its first `since`); a guide
        queued again cancels its pending removal and a removal cancels its pending reprint. A station
        the report removed has nothing left to print. `order`: station -> offered items in catalogue
        order (the order guides are listed in); without it, the order the reports gave."""
        for r in change.get("reprint", []):
            code = r["station"]
            new = []
            if r.get("cover"):
                new.append(Sheet(code, "cover", None, r.get("stamp"), when))
            if r.get("poster"):
                new.append(Sheet(code, "poster", None, None, when))
            stamps = r.get("guide_stamps", {})
            new += [Sheet(code, "guide", c, stamps.get(c), when) for c in r.get("guides", [])]
            self._merge(code, new, order)
        for w in change.get("withdrawn", []):
            self._merge(w["station"], [Sheet(w["station"], "remove", c, None, when) for c in w["items"]], order)
        for gone in change.get("stations", {}).get("removed", []):
            self._q.pop(gone["code"], None)

    def _merge(self, station: str, sheets: list[Sheet], order: Mapping[str, Sequence[str]] | None) -> None:
        if not sheets:
            return
        current = {s.key: s for s in self._q.get(station, [])}
        for s in sheets:
            cancels = {"guide": "remove", "remove": "guide"}.get(s.kind)
            if cancels:
                current.pop((cancels, s.item), None)
            old = current.get(s.key)
            if old is not None and old.since <= s.since:
                s = dataclasses.replace(s, since=old.since)
            current[s.key] = s  # dict order: a replaced sheet keeps its place, a new one goes last
        rank = {c: i for i, c in enumerate((order or {}).get(station, ()))}
        self._q[station] = sorted(current.values(), key=lambda s: (KINDS.index(s.kind), rank.get(s.item, len(rank))))

    def pending(self, stations: Iterable[str] | None = None) -> dict[str, list[Sheet]]:
        """Station -> its queued sheets (cover, poster, guides in catalogue order, removals);
        stations with nothing queued are left out. Sorted by station code."""
        wanted = None if stations is None else set(stations)
        return {code: list(sheets) for code, sheets in sorted(self._q.items())
                if sheets and (wanted is None or code in wanted)}

    def mark_printed(self, station: str, sheets: Iterable[Sheet] | None = None) -> None:
        """Take printed sheets off the queue; None: everything queued for the station. A sheet
        queued again with a newer stamp since it was printed stays queued."""
        if sheets is None:
            self._q.pop(station, None)
            return
        done = {(s.kind, s.item, s.stamp) for s in sheets if s.station == station}
        left = [s for s in self._q.get(station, []) if (s.kind, s.item, s.stamp) not in done]
        if left:
            self._q[station] = left
        else:
            self._q.pop(station, None)

    def __len__(self) -> int:
        return sum(len(s) for s in self._q.values())

    # ------------------------------------------------------------------ writing

    def text(self) -> str:
        """The file's text: stations by code, one sheet a line, so a commit's diff shows the sheets."""
        lines = [_HEADER]
        body = self.pending()
        if not body:
            lines.append("stations: {}\n")
        else:
            lines.append("stations:\n")
            for code, sheets in body.items():
                lines.append(f"  {_q(code)}:\n")
                for s in sheets:
                    fields = {"kind": s.kind, "item": s.item, "stamp": s.stamp, "since": s.since}
                    lines.append("    - " + json.dumps({k: v for k, v in fields.items() if v is not None},
                                                      ensure_ascii=False) + "\n")
        lines.append(f"total: {len(self)}\n")
        return "".join(lines)

    def save(self, content: Path) -> None:
        """Write the queue atomically: a kill leaves the old file or the new one, never half of one."""
        atomic_write(Path(content) / QUEUE, self.text().encode("utf-8"))


_STATION = re.compile(r'  ("[0-9A-Za-z-]+"):')
_SHEET = re.compile(r"    - (\{.*\})")
_TOTAL = re.compile(r"total: (0|[1-9][0-9]*)")


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # JSON is YAML: the file stays readable as YAML


_REDO = "请恢复为上次发布时的版本（guides restore content/reprint.yaml）"


def _read_queue_file(path: Path, shown: str, problems: Problems) -> str:
    """The queue file's text; a file that is not a regular file, unreadable or not UTF-8 raises."""
    if not path.is_file():
        problems.error(shown, 1, "", "不是普通文件：重印队列应是 guides build 写的文本文件")
        raise ReprintQueueError(problems)
    try:
        raw = path.read_bytes()
        return raw.decode("utf-8")
    except OSError as e:
        problems.error(shown, 1, "", f"无法读取文件：{os_reason(e)}")
        raise ReprintQueueError(problems)
    except UnicodeDecodeError as e:
        problems.error(shown, raw[:e.start].count(b"\n") + 1, "", f"本行不是 UTF-8 编码：{_REDO}")
        raise ReprintQueueError(problems)


@dataclass
class _Read:
    """Where the queue file's parts were found, and how many sheets it lists."""
    stations_line: int | None = None
    total_line: int | None = None
    total: int | None = None
    count: int = 0


def _read_lines(text: str, shown: str, problems: Problems, into: dict[str, list[Sheet]]) -> _Read:
    """The sheets of the format `ReprintQueue.text` writes, into `into` (station -> sheets);
    a line out of place is an error."""
    read = _Read()
    code: str | None = None
    listed = False
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if read.total_line is not None:
            problems.error(shown, n, "", f"total 之后不应再有内容（此文件由 guides 维护，请不要手工编辑）")
        elif line in ("stations:", "stations: {}") and read.stations_line is None:
            read.stations_line, listed = n, line == "stations:"
        elif (m := _TOTAL.fullmatch(line)) and read.stations_line is not None:
            read.total, read.total_line = int(m.group(1)), n
        elif (m := _STATION.fullmatch(line)) and read.stations_line is not None and listed:
            code = json.loads(m.group(1))
        elif (m := _SHEET.fullmatch(line)) and code is not None:
            sheet = _sheet(code, _json_or_none(m.group(1)), n, shown, problems)
            if sheet is not None:
                into.setdefault(code, []).append(sheet)
                read.count += 1
        else:
            problems.error(shown, n, "", "本行无法识别（此文件由 guides 维护，请不要手工编辑）：" + _REDO)
    return read


def _json_or_none(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return None


def _check_whole(text: str, read: _Read, shown: str, problems: Problems) -> None:
    """A queue with no station list, no total or a total that does not match was cut short or edited."""
    last = len(text.splitlines()) or 1
    if read.stations_line is None and not problems:
        what = "文件为空" if not text.strip() else "缺少服务站清单（stations:）"
        problems.error(shown, last if text.strip() else 1, "stations",
                       f"{what}：重印队列可能被截断。{_REDO}；确实无需重印时删除此文件")
    elif read.total_line is None and not problems.errors:
        problems.error(shown, last, "total", f"缺少总份数（total:）：文件可能被截断。{_REDO}")
    elif not problems.errors and read.total != read.count:
        problems.error(shown, read.total_line, "total",
                       f"文件中有 {read.count} 份材料，但 total 是 {read.total}：文件可能被截断或被手工改动。{_REDO}")


def _sheet(station: str, raw, line: int, path: str, problems: Problems) -> Sheet | None:
    where = f"stations.{station}"
    if not isinstance(raw, dict):
        problems.error(path, line, where, '每份材料应写成一行 {"kind": …, "item": …, "stamp": …, "since": …}')
        return None
    unknown = set(raw) - {"kind", "item", "stamp", "since"}
    kind, item, stamp, since = (raw.get(k) for k in ("kind", "item", "stamp", "since"))
    if unknown:
        problems.error(path, line, where, f"不认识的字段：{'、'.join(sorted(unknown))}")
    elif kind not in KINDS:
        problems.error(path, line, f"{where}.kind", f"种类“{kind}”不对，应为 {'、'.join(KINDS)} 之一")
    elif (item is None) != (kind in ("cover", "poster")) or (item is not None and not isinstance(item, str)):
        problems.error(path, line, f"{where}.item",
                       "办事指南和撤下的材料要写事项编码（item），封面和海报不写" if item is None or kind in ("guide", "remove")
                       else "封面和海报不写事项编码（item）")
    elif not isinstance(since, str) or (stamp is not None and not isinstance(stamp, str)):
        problems.error(path, line, where, "缺少加入时间（since），或版本标记（stamp）不是文本")
    else:
        return Sheet(str(station), kind, item, stamp, since)
    return None


# ---------------------------------------------------------------------- builds and history


@contextlib.contextmanager
def editing(content: Path) -> Iterator[ReprintQueue]:
    """Load, change and save the queue with no other `guides` process doing the same (a build
    adding and a print run marking sheets at once would otherwise lose one of the two).
    Saved only if the block completes. The lock file is outside the content (nothing to commit)."""
    key = hashes.short(os.fsencode(Path(content).resolve()), hashes.LOCK)
    fd = os.open(Path(tempfile.gettempdir()) / f"guides-reprint-{key}.lock", os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        queue = ReprintQueue.load(content)
        yield queue
        queue.save(content)
    finally:
        os.close(fd)


def history_path(content: Path, when: str) -> Path:
    return Path(content) / HISTORY / (when.replace(":", "") + ".json")  # no ':' in file names (Windows checkouts)


def record(content: Path, change: dict, when: str, order: Mapping[str, Sequence[str]] | None = None) -> None:
    """After a build is published: queue its sheets, then keep its report. In that order, so that
    a report without its history file is one whose sheets may not be queued yet (see `recover`);
    queuing the same report twice changes nothing."""
    if not changed(change):
        return  # a no-op build queues no sheet and adds nothing to the history (the queue is not even read)
    with editing(content) as queue:
        queue.add(change, when, order)
    atomic_write(history_path(content, when),
                  json.dumps(change, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"))
    pack_history(content)


HISTORY_KEEP = 20  # the newest publications' reports stay as files, one each; older ones are packed


def pack_history(content: Path, keep: int = HISTORY_KEEP) -> list[Path]:
    """Pack all but the newest `keep` reports into one file per year (`history/<year>.jsonl.gz`:
    one report a line, oldest first, {"published": time, "report": …}); returns the packs written.
    Each pack is written whole and atomically before the files it takes in are removed, so a kill
    leaves a report in both places at worst, never in neither."""
    import gzip

    folder = Path(content) / HISTORY
    files = sorted(f for f in folder.glob("*.json") if _HISTORY_NAME.fullmatch(f.name))
    old = files[:-keep] if keep else files
    by_year: dict[str, list[Path]] = {}
    for f in old:
        by_year.setdefault(f.name[:4], []).append(f)
    written = []
    for year, taken in by_year.items():
        pack = folder / f"{year}.jsonl.gz"
        lines: dict[str, str] = {}
        if pack.exists():
            for line in gzip.decompress(pack.read_bytes()).decode("utf-8").splitlines():
                if line.strip():
                    lines[json.loads(line)["published"]] = line
        for f in taken:
            report = json.loads(f.read_text(encoding="utf-8"))
            lines[f.stem] = json.dumps({"published": f.stem, "report": report}, ensure_ascii=False, sort_keys=True)
        data = "".join(lines[k] + "\n" for k in sorted(lines)).encode("utf-8")
        atomic_write(pack, gzip.compress(data, mtime=0))  # mtime 0: the same reports, the same bytes
        for f in taken:
            f.unlink()
        written.append(pack)
    return written


_HISTORY_NAME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{6}(\.\d+)?Z\.json")


def changed(change: dict) -> bool:
    """The report says something: a change to the catalogue, a sheet to reprint or take down."""
    return bool(change.get("first_publish") or change.get("reprint") or change.get("withdrawn") or any(
        change.get(k, {}).get(w) for k in ("items", "stations") for w in ("added", "changed", "removed")))


def recover(content: Path, state: dict | None, site_report: Path,
            order: Mapping[str, Sequence[str]] | None = None) -> bool:
    """A build killed after publishing but before queuing its sheets: queue them now, from the
    published site's own report. True if it did."""
    when = (state or {}).get("built")
    if (state or {}).get("published", when) != when:
        return False  # a preview's site (guides serve/edit): its report is not a publication's
    if not when or history_path(content, when).exists():
        return False
    try:
        change = json.loads(site_report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not changed(change):
        return False  # a no-op build: nothing was to be queued
    record(content, change, when, order)
    return True


def describe(sheet: Sheet, names: Mapping[str, str] | None = None) -> str:
    """The sheet in words, for the report page and the terminal."""
    name = (names or {}).get(sheet.item or "", sheet.item)
    if sheet.kind == "guide":
        return f"办事指南：{name}" + (f"（{sheet.stamp}）" if sheet.stamp else "")
    if sheet.kind == "remove":
        return f"撤下：{name}（本站已不再办理）"
    return KIND_NAMES[sheet.kind]


def open_for_build(content: Path, published: dict | None, site_report: Path,
                   order: Mapping[str, Sequence[str]], problems: Problems) -> ReprintQueue | None:
    """The queue a build starts from (after queuing a published build's lost sheets); None, with
    the problems said, if the file is broken: the build stops before changing anything."""
    try:
        recover(content, published, site_report, order)
        return ReprintQueue.load(content)
    except ReprintQueueError as e:
        problems.extend(e.problems)
        return None


def view(queue: ReprintQueue, cat) -> list[dict]:
    """What is still to print, station by station, in words (report page, report.json)."""
    names = {c: it.name for c, it in cat.items.items()}
    return [{"station": code, "name": cat.stations[code].name if code in cat.stations else code,
             "since": min(s.since for s in sheets), "sheets": [describe(s, names) for s in sheets]}
            for code, sheets in queue.pending().items()]


def record_published(content: Path, change: dict, when: str, order: Mapping[str, Sequence[str]],
                     problems: Problems) -> None:
    """`record` once the site is published: a failure is a warning, as the site is already out and
    the next build queues this build's sheets from the site's report (`recover`)."""
    try:
        record(content, {k: v for k, v in change.items() if k != "queue"}, when, order)
    except (OSError, ReprintQueueError) as e:
        reason = os_reason(e) if isinstance(e, OSError) else str(e)
        problems.warning(display(Path(content) / QUEUE), 1, "重印队列",
                         f"网站已发布，但重印队列未能更新（{reason}）；下次 guides build 会自动补上")
