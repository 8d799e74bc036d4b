"""The command line declared as data (generator/cli.py COMMANDS), in-process: each declared
command parses, runs its own function, and keeps its arguments and their order."""
from pathlib import Path

import pytest

from generator import cli


def test_every_declared_command_and_alias_is_a_choice():
    p = cli.parser()
    choices = p._subparsers._group_actions[0].choices
    for command in cli.COMMANDS:
        for name in (command.name, *command.aliases):
            assert name in choices
            assert choices[name].get_default("run") is command.run
    assert set(choices) == {n for c in cli.COMMANDS for n in (c.name, *c.aliases)}


def test_flags_are_unique_within_each_command():
    for command in cli.COMMANDS:
        flags = [f for a in command.args for one in (a.args if isinstance(a, cli.OneOf) else (a,)) for f in one.flags]
        assert len(flags) == len(set(flags)), command.name


def test_defaults_come_from_the_table():
    args = cli.parser().parse_args(["build"])
    assert (args.command, args.content, args.out, args.config) == ("build", Path("content"), Path("site"), Path("mkdocs.yml"))
    assert args.run is cli._build and args.station is None and args.clean is False
    args = cli.parser().parse_args(["edit", "--port", "8123", "--office"])
    assert (args.host, args.port, args.office, args.accounts) == ("127.0.0.1", 8123, True, None)
    args = cli.parser().parse_args(["print", "370304001200", "--changed"])
    assert args.codes == ["370304001200"] and args.site == Path("site") and args.out is None


def test_help_lists_arguments_in_declared_order():
    help_text = cli.parser()._subparsers._group_actions[0].choices["print"].format_help()
    help_text = help_text[help_text.index("选项:"):]  # the list, not the usage line
    order = ["--all", "--content", "--site", "--out", "--build", "--force", "--changed", "--offline-only",
             "--test-print", "--jobs"]
    positions = [help_text.index(flag + " ") for flag in order]
    assert positions == sorted(positions)
    assert "--config" not in help_text  # suppressed: a test hook, not for users


def test_one_of_is_mutually_exclusive(capsys):
    with pytest.raises(SystemExit) as e:
        cli.parser().parse_args(["publish", "--to", "a", "--target", "b"])
    assert e.value.code == 2
    assert "参数 --target 和 --to 不能同时使用" in capsys.readouterr().err


def test_unknown_command_in_chinese(capsys):
    with pytest.raises(SystemExit) as e:
        cli.parser().parse_args(["bogus"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("用法：guides")
    assert "没有“bogus”这个命令" in err and "check" in err
