"""The `guides` command's public contract, in-process (generator/cli.py `main`, without a child process):
`guides check` says every problem as `path:line: field: message` on stderr, errors last, and exits 1;
a clean tree exits 0 with its counts; an OSError is one Chinese line, never a traceback."""
import errno

import pytest

from conftest import edit
from generator import cli
from generator.validate import read_catalogue


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def line_of(path, text: str) -> int:
    return next(i + 1 for i, t in enumerate(path.read_text(encoding="utf-8").splitlines()) if text in t)


def test_check_of_a_clean_tree_exits_0_with_its_counts(capsys, mini):
    warnings = len(read_catalogue(mini)[1].warnings)
    code, out, err = run(capsys, "check", "--content", mini)
    assert code == 0
    assert out == f"检查通过：2 个服务站，3 个事项，{warnings} 个警告\n"
    assert "━━" not in err  # no error heading
    # the fixture's three items were never reviewed: one line for the three
    assert any(line.startswith("警告（3 处）：核对日期：事项从未核对政策事实") for line in err.splitlines())


def test_check_reports_errors_last_as_path_line_field_message_and_exits_1(capsys, mini):
    edit(mini / "items/JF-001.yaml", "visits: 0", "visits: 两次")
    edit(mini / "stations/370304002/370304002001.yaml", "kind: 社区", "kind: 村")
    warnings = len(read_catalogue(mini)[1].warnings)
    code, out, err = run(capsys, "check", "--content", mini)
    assert code == 1 and out == ""
    lines = err.rstrip("\n").splitlines()
    assert lines[-4:] == [
        "━━ 2 个错误，须改正 ━━",
        f"{mini}/items/JF-001.yaml:{line_of(mini / 'items/JF-001.yaml', 'visits:')}: 到办事现场次数: 应为整数",
        f"{mini}/stations/370304002/370304002001.yaml:4: 类型: 类型应为“社区”（区划名称“税务街居委会”）",
        f"检查未通过：2 个错误，{warnings} 个警告",
    ]


def test_check_warnings_lists_each_warning(capsys, mini):
    warnings = read_catalogue(mini)[1].warnings
    _, _, grouped = run(capsys, "check", "--content", mini)
    _, _, every = run(capsys, "check", "--content", mini, "--warnings")
    assert every.splitlines() == [str(p) for p in sorted(set(warnings), key=lambda p: (p.path, p.line, p.field))]
    assert len(grouped.splitlines()) < len(warnings) and "guides check --warnings" in grouped


def test_a_missing_content_folder_is_one_located_error(capsys, tmp_path):
    code, _, err = run(capsys, "check", "--content", tmp_path / "nope")
    assert code == 1 and "nope:1: 内容目录不存在" in err


def test_an_os_error_is_one_chinese_line_naming_the_file(capsys, mini, monkeypatch):
    def full_disk(root):
        raise OSError(errno.ENOSPC, "No space left on device", str(mini / "district.yaml"))

    monkeypatch.setattr(cli, "read_catalogue", full_disk)
    code, _, err = run(capsys, "check", "--content", mini)
    assert code == 1
    assert err == f"{mini / 'district.yaml'}: 无法写入：磁盘空间不足（ENOSPC）。请清理磁盘空间后重新运行。\n"


def test_ctrl_c_is_one_line_and_exit_130(capsys, mini, monkeypatch):
    def interrupted(root):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "read_catalogue", interrupted)
    code, _, err = run(capsys, "check", "--content", mini)
    assert code == 130 and err.startswith("已中断。") and err.count("\n") == 1


def test_a_build_without_the_site_configuration_says_where_to_run(capsys, mini, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no mkdocs.yml here
    code, _, err = run(capsys, "build", "--content", mini, "--out", tmp_path / "site")
    assert code == 1 and "找不到网站配置文件" in err and "mkdocs.yml" in err
    assert not (tmp_path / "site").exists()


def test_print_needs_stations_or_all(capsys, mini, tmp_path):
    code, _, err = run(capsys, "print", "--content", mini, "--site", tmp_path / "site")
    assert code == 2 and "--all" in err


def test_an_unknown_command_is_refused_in_chinese(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["biuld"])
    assert e.value.code == 2
    assert "没有“biuld”这个命令" in capsys.readouterr().err
