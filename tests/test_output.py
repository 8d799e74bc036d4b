"""Issue 22.6: output for people. Warnings one line per kind with a count (`--warnings`: all),
errors last and easy to see, every help text and argparse message in Chinese, no field keys."""
import re

import pytest

from conftest import ROOT, guides
from generator.cli import parser
from generator.problems import Problems

ENGLISH_ARGPARSE = ("usage", "positional arguments", "options:", "optional arguments", "show this help",
                    "the following arguments", "invalid choice", "expected one argument", "error:")
COMMANDS = sorted({a for a in parser()._subparsers._group_actions[0].choices})


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_help_is_chinese(command):
    r = guides(*([command] if command else []), "--help")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("用法：guides"), r.stdout
    lowered = r.stdout.lower()
    assert not any(w in lowered for w in ENGLISH_ARGPARSE), r.stdout
    assert "选项" in r.stdout
    # placeholders are words, not English dest names (CONTENT, OUT, JOBS ...)
    assert not re.search(r"\b[A-Z]{3,}\b", re.sub(r"\b(PDF|YAML|JSON|CPU)\b", "", r.stdout)), r.stdout


def test_argparse_mistakes_are_chinese():
    for args, words in ((["biuld"], "没有“biuld”这个命令"), (["print", "--jobs", "x"], "“x”不是整数"),
                        (["export"], "缺少必须给出的参数"), (["check", "--nope"], "不认识的参数")):
        r = guides(*args)
        assert r.returncode == 2 and words in r.stderr, r.stderr
        assert not any(w in r.stderr.lower() for w in ENGLISH_ARGPARSE), r.stderr


def test_warnings_one_line_per_kind_with_a_count_and_errors_last(capsys):
    problems = Problems()
    for n in range(296):
        problems.warning(f"content/stations/s{n:03}.yaml", 36, "可办事项", f"依申请事项网上可办率 24/61（{n % 50}%）低于政策要求的 50%",
                         kind="依申请事项网上可办率低于政策要求的 50%")
    problems.error("content/items/LN-001.yaml", 34, "承诺办结时限（工作日）", "即办件的承诺办结时限应为 0")
    problems.warning("content/stations/s001.yaml", 50, "六有一能", "“六有一能”未达标：有经费", kind="“六有一能”未达标")
    problems.print()
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "警告（296 处）：可办事项：依申请事项网上可办率低于政策要求的 50%（如 content/stations/s000.yaml:36）"
    assert lines[1] == "content/stations/s001.yaml:50: 警告：六有一能: “六有一能”未达标：有经费"  # a single one: in full
    assert "--warnings" in lines[2]
    assert lines[-2:] == ["━━ 1 个错误，须改正 ━━", "content/items/LN-001.yaml:34: 承诺办结时限（工作日）: 即办件的承诺办结时限应为 0"]
    problems.print(all_warnings=True)
    assert len(capsys.readouterr().err.splitlines()) == 297 + 2


def test_the_sample_district_check_fits_on_a_screen():
    """Before: about 40 lines of repeated warnings (网上可办率 at 296 stations)."""
    r = guides("check", cwd=ROOT)
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) <= 6, r.stderr
    assert any(l.startswith("警告（296 处）：可办事项：依申请事项网上可办率低于政策要求的 50%") for l in lines), r.stderr
    assert not re.search(r"\((items|checklist)\)", r.stderr), "no YAML keys for the clerk"
    r = guides("check", "--warnings", cwd=ROOT)
    assert len(r.stderr.splitlines()) >= 296
