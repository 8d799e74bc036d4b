"""Stage 1, load (generator/load.py) and its problems (generator/problems.py), in-process: every bad byte,
file or YAML construct becomes a Chinese problem naming the file and line, never a traceback."""
import io
import os
import shutil

import pytest

from conftest import MINI
from generator import load as load_mod
from generator.load import Source, load, read_yaml
from generator.problems import Problem, Problems, os_message, os_reason


def read(tmp_path, data: bytes, name="rec.yaml"):
    """One file read through read_yaml: (source or None, problems)."""
    path = tmp_path / name
    path.write_bytes(data)
    problems = Problems()
    return read_yaml(path, problems, tmp_path.resolve()), problems


def only_error(problems: Problems) -> Problem:
    assert len(problems.errors) == 1, [str(p) for p in problems]
    return problems.errors[0]


# ------------------------------------------------------------------ the fixture tree as loaded

def test_the_fixture_tree_loads_every_record_with_its_lines():
    problems = Problems()
    raw = load(MINI, problems)
    assert list(problems) == []
    assert raw.district.data["code"] == "370304"
    assert sorted(s.data["code"] for s in raw.items) == ["JF-001", "JZ-001", "LN-001"]
    assert sorted(s.data["code"] for s in raw.stations) == ["370304001200", "370304002001"]
    assert raw.retired is None
    # the line of a value is where its key is written in the file
    text = (MINI / "district.yaml").read_text(encoding="utf-8").splitlines()
    line = raw.district.lines[("towns", 1, "name")]
    assert "城西街道" in text[line - 1]
    assert text[raw.district.lines[("site_url",)] - 1].startswith("site_url:")


def test_a_location_without_its_own_line_takes_its_closest_ancestor():
    src = Source(MINI / "x.yaml", {}, {(): 1, ("a",): 4, ("a", 0): 5})
    assert src.line(("a", 0, "b", 3)) == 5
    assert src.line(("a", 7)) == 4
    assert src.line(("zzz",)) == 1
    assert Source(MINI / "y.yaml", {}, {}).line(("a",)) == 1


def test_yaml_1_2_scalars_keep_times_and_phone_numbers_as_text(tmp_path):
    src, problems = read(tmp_path, b"hours: 08:30\nphone: 0533\nanswer: no\nflag: true\ncount: 12\n")
    assert not problems
    assert src.data == {"hours": "08:30", "phone": "0533", "answer": "no", "flag": True, "count": 12}


# ------------------------------------------------------------------ bytes

@pytest.mark.parametrize("data, line, words", [
    (b"", 1, "文件为空"),
    (b"   \n\n", 1, "文件为空"),
    (b"\xef\xbb\xbfname: x\n", 1, "BOM"),
    (b"\xff\xfen\x00a\x00", 1, "UTF-16"),
    ("name: a\nnote: b\ntown: 城东\n".encode("gbk"), 3, "GBK/GB18030"),  # saved by a Chinese Windows editor
    (b"name: a\nnote: b\x00c\n", 2, "空字符"),
])
def test_bad_bytes_name_the_line_and_what_to_do(tmp_path, data, line, words):
    src, problems = read(tmp_path, data)
    assert src is None
    p = only_error(problems)
    assert p.line == line and words in p.message
    assert p.path.endswith("rec.yaml")


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    monkeypatch.setattr(load_mod, "MAX_FILE_BYTES", 64)
    src, problems = read(tmp_path, b"note: " + b"x" * 100 + b"\n")
    assert src is None and "文件过大" in only_error(problems).message


# ------------------------------------------------------------------ YAML constructs

@pytest.mark.parametrize("text, line, words", [
    ("name: a\nnote: b: c\n", 2, "冒号"),
    ("name: a\n\tnote: b\n", 2, "Tab"),
    ('name: "unclosed\nnote: b\n', 3, "未闭合"),  # the parser finds out at the end of the file
    ("name: a\n---\nname: b\n", 2, "一条记录"),
    ("name: *nowhere\n", 1, "锚点"),
    ("name: !!python/object:os.system x\n", 1, "标签"),
    ("name: !custom x\n", 1, "标签"),
])
def test_malformed_yaml_is_a_chinese_message_at_its_line(tmp_path, text, line, words):
    src, problems = read(tmp_path, text.encode("utf-8"))
    assert src is None
    p = only_error(problems)
    assert p.line == line, str(p)
    assert words in p.message and p.message.startswith("YAML"), p.message


def test_a_duplicate_key_names_both_lines_and_the_field(tmp_path):
    src, problems = read(tmp_path, "name: 甲\nhours:\n  mon: []\n  mon: [\"08:00-12:00\"]\n".encode())
    assert src is None
    p = only_error(problems)
    assert (p.line, p.field) == (4, "hours.mon")
    assert "重复" in p.message and "第 3 行" in p.message


def test_a_key_that_is_not_text_is_refused(tmp_path):
    src, problems = read(tmp_path, b"name: a\n[1, 2]: b\n")
    assert src is None
    assert only_error(problems).line == 2


def test_billion_laughs_is_refused_before_expansion(tmp_path):
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 8):
        prev = chr(ord("a") + i - 1)
        lines.append(f"{chr(ord('a') + i)}: &{chr(ord('a') + i)} [{', '.join(['*' + prev] * 10)}]")
    src, problems = read(tmp_path, "\n".join(lines).encode() + b"\n")
    assert src is None
    p = only_error(problems)
    assert p.line == 4 and "别名（*）展开后超过 100,000 个值" in p.message  # the line where it passes the limit


def test_nesting_deeper_than_the_limit_is_refused(tmp_path):
    deep = "a: " + "[" * (load_mod.MAX_DEPTH + 5) + "1" + "]" * (load_mod.MAX_DEPTH + 5) + "\n"
    src, problems = read(tmp_path, deep.encode())
    assert src is None and "嵌套" in only_error(problems).message


def test_a_record_that_is_a_list_or_a_scalar_is_refused(tmp_path):
    for text in ("- a\n- b\n", "just text\n"):
        src, problems = read(tmp_path, text.encode())
        assert src is None and "映射" in only_error(problems).message


def test_a_file_of_comments_only_has_no_content(tmp_path):
    src, problems = read(tmp_path, "# 只有注释\n".encode())
    assert src is None and "没有内容" in only_error(problems).message


def test_merge_keys_are_content(tmp_path):
    src, problems = read(tmp_path, b"base: &b {window: A}\nnote:\n  <<: *b\n  extra: 1\n")
    assert not problems
    assert src.data["note"] == {"window": "A", "extra": 1}


# ------------------------------------------------------------------ files that are not records

def test_a_symlink_out_of_the_tree_is_not_read(tmp_path):
    outside = tmp_path / "secret.yaml"
    outside.write_text("name: secret\n", encoding="utf-8")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "rec.yaml").symlink_to(outside)
    problems = Problems()
    assert read_yaml(tree / "rec.yaml", problems, tree.resolve()) is None
    assert "内容目录之外" in only_error(problems).message


def test_a_symlink_inside_the_tree_is_content(tmp_path):
    (tmp_path / "real.yaml").write_text("name: 甲\n", encoding="utf-8")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "real.yaml")
    problems = Problems()
    src = read_yaml(tmp_path / "link.yaml", problems, tmp_path.resolve())
    assert not problems and src.data == {"name": "甲"}


def test_a_dangling_symlink_and_a_fifo_are_named_for_what_they_are(tmp_path):
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    os.mkfifo(tmp_path / "pipe.yaml")
    problems = Problems()
    assert read_yaml(tmp_path / "gone.yaml", problems, tmp_path.resolve()) is None
    assert read_yaml(tmp_path / "pipe.yaml", problems, tmp_path.resolve()) is None
    messages = [p.message for p in problems]
    assert "符号链接指向的文件不存在" in messages[0]
    assert "命名管道" in messages[1]


def test_a_missing_tree_or_a_file_in_its_place_is_one_error(tmp_path):
    problems = Problems()
    raw = load(tmp_path / "nope", problems)
    assert raw.district is None and raw.items == [] and "不存在" in only_error(problems).message
    (tmp_path / "file").write_text("x", encoding="utf-8")
    problems = Problems()
    load(tmp_path / "file", problems)
    assert "文件夹" in only_error(problems).message


def test_district_yaml_missing_is_named(mini):
    (mini / "district.yaml").unlink()
    problems = Problems()
    raw = load(mini, problems)
    assert raw.district is None
    assert "district.yaml" in only_error(problems).message
    assert len(raw.items) == 3  # the rest is still read: every error at once


def test_leftover_editor_files_are_warnings_and_not_read(mini):
    for name in ("JF-001.yaml~", ".#JF-001.yaml", "#JF-001.yaml#", ".JF-001.yaml.swp"):
        shutil.copy(mini / "items" / "JF-001.yaml", mini / "items" / name)
    problems = Problems()
    raw = load(mini, problems)
    assert problems.errors == []
    assert len(problems.warnings) == 4 and all("临时" in p.message for p in problems.warnings)
    assert len(raw.items) == 3


def test_hidden_files_wrong_suffixes_and_misplaced_stations_are_errors(mini):
    (mini / "items" / ".JF-002.yaml").write_text("code: JF-002\n", encoding="utf-8")
    (mini / "items" / "notes.txt").write_text("x\n", encoding="utf-8")
    shutil.copy(mini / "stations" / "370304001" / "370304001200.yaml", mini / "stations" / "370304001200.yaml")
    (mini / "stations" / ".old").mkdir()
    problems = Problems()
    raw = load(mini, problems)
    by_file = {p.path.rsplit("/", 1)[-1]: p.message for p in problems.errors}
    assert "隐藏文件" in by_file[".JF-002.yaml"]
    assert "不是 .yaml" in by_file["notes.txt"]
    assert "镇街代码" in by_file["370304001200.yaml"]
    assert "隐藏文件夹" in by_file[".old"]
    assert len(raw.stations) == 2


def test_retired_yaml_is_read_when_present(mini):
    (mini / "retired.yaml").write_text("items: []\n", encoding="utf-8")
    problems = Problems()
    raw = load(mini, problems)
    assert raw.retired is not None and raw.retired.data == {"items": []}


# ------------------------------------------------------------------ problems

def test_a_problem_prints_as_path_line_field_message():
    assert str(Problem("items/A.yaml", 7, "name", "不能为空")) == "items/A.yaml:7: name: 不能为空"
    assert str(Problem("district.yaml", 1, "", "文件为空")) == "district.yaml:1: 文件为空"
    assert str(Problem("a.yaml", 2, "phone", "示例", "warning")) == "a.yaml:2: 警告：phone: 示例"


def test_problems_sort_by_file_then_line():
    ps = [Problem("b.yaml", 1, "", "x"), Problem("a.yaml", 9, "", "y"), Problem("a.yaml", 2, "", "z")]
    assert [(p.path, p.line) for p in sorted(ps)] == [("a.yaml", 2), ("a.yaml", 9), ("b.yaml", 1)]


def test_problems_print_warnings_grouped_then_errors_last_and_once():
    problems = Problems()
    problems.error("a.yaml", 3, "name", "不能为空")
    problems.error("a.yaml", 3, "name", "不能为空")  # the same one twice is printed once
    for line in (1, 2, 3):
        problems.warning(f"s{line}.yaml", line, f"设定依据[{line}].名称", "未写文号", kind="未写文号")
    problems.warning("d.yaml", 5, "phone", "示例号码")
    out = io.StringIO()
    problems.print(out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "d.yaml:5: 警告：phone: 示例号码"
    assert lines[1] == "警告（3 处）：设定依据.名称：未写文号（如 s1.yaml:1）"
    assert "guides check --warnings" in lines[2]
    assert lines[3] == "━━ 1 个错误，须改正 ━━"
    assert lines[4:] == ["a.yaml:3: name: 不能为空"]
    assert len(problems.errors) == 2 and len(problems.warnings) == 4


def test_all_warnings_lists_each_one():
    problems = Problems()
    for line in (1, 2):
        problems.warning("s.yaml", line, "f", "m", kind="k")
    out = io.StringIO()
    problems.print(out, all_warnings=True)
    assert out.getvalue().splitlines() == ["s.yaml:1: 警告：f: m", "s.yaml:2: 警告：f: m"]


def test_os_errors_are_told_in_chinese_with_the_file():
    full = OSError(28, "No space left on device", "/srv/site/index.html")
    assert os_reason(full) == "磁盘空间不足（ENOSPC）"
    message = os_message(full, "网站未改变。")
    assert message.startswith("/srv/site/index.html: 无法写入：磁盘空间不足")
    assert "请清理磁盘空间" in message and message.endswith("网站未改变。")
    denied = PermissionError(13, "Permission denied")
    assert os_message(denied, where="site") == "site: 文件操作失败：没有权限（EACCES）。"
    odd = OSError(1234, "strange")
    assert "1234" in os_reason(odd) and "strange" in os_reason(odd)
