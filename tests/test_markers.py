"""The markers `browser` and `slow` are derived in conftest.py from what a test refers to: the derivation
tested on small functions written like the tests it classifies, and on this session's own items."""
import subprocess  # noqa: F401 -- referred to by the samples below, never run

import pytest

import conftest
from conftest import MINI, ROOT, guides  # noqa: F401 -- referred to by the samples below
from generator import deploy, validate  # noqa: F401


def marks(fn) -> set:
    hits: set = set()
    conftest._reaches(fn.__code__, fn.__globals__, set(), hits)
    return hits


# samples: never called, only classified

def calls_the_command():
    return guides("check", "--content", MINI)


def prints_through_the_command():
    return guides("print", "370304001200", "--content", MINI)


def helper_that_spawns():
    return subprocess.run(["true"])


def calls_a_helper_that_spawns():
    return helper_that_spawns()


def imports_inside():
    from generator.build import build
    return build


def imports_a_value_class_of_the_print_run():
    from generator.printing import Marks
    return Marks


def imports_the_print_run():
    from generator import printing
    return printing.print_stations


def reads_the_whole_sample():
    return validate.read_catalogue(ROOT / "content")


def reads_the_fixture():
    return validate.read_catalogue(MINI)


def swaps_a_site_in():
    from generator.publish import swap_in_with_spare
    return swap_in_with_spare


def links_a_tree():
    from generator import publish
    return publish.link_tree


def uses_deploy_config():
    return deploy.load_config(MINI, None)


def runs_netlify():
    return deploy.deploy_netlify(MINI, None, "x", "y")


def in_a_lambda():
    return lambda: guides("build")


def serves_in_a_thread():
    from generator.serve import Hooks, Reloader, _handler
    return _handler, Hooks, Reloader


def imports_editor_diff():
    from generator import editor_diff
    return editor_diff.rows_text


@pytest.mark.parametrize("sample, expected", [
    (calls_the_command, {"slow"}),
    (prints_through_the_command, {"browser", "slow"}),
    (calls_a_helper_that_spawns, {"slow"}),
    (imports_inside, {"slow"}),
    (imports_a_value_class_of_the_print_run, set()),
    (imports_the_print_run, {"browser", "slow"}),
    (reads_the_whole_sample, {"slow"}),
    (reads_the_fixture, set()),
    (uses_deploy_config, set()),
    (swaps_a_site_in, {"slow"}),  # the replaced site is deleted by a detached rm -rf
    (links_a_tree, set()),
    (runs_netlify, {"slow"}),
    (in_a_lambda, {"slow"}),
    (imports_editor_diff, set()),
    (serves_in_a_thread, set()),  # an HTTP server in a thread of this process
])
def test_what_a_test_refers_to_decides_its_markers(sample, expected):
    assert marks(sample) == expected


def test_modules_are_matched_whole():
    assert conftest._within("generator.edit", ("generator.edit",))
    assert conftest._within("playwright.sync_api", ("playwright",))
    assert not conftest._within("generator.editor_diff", ("generator.edit",))
    assert not conftest._within("generator.printfont", ("generator.print",))


def test_this_sessions_items_carry_their_markers(request):
    """Whatever selection runs, a test using the session browser is marked browser and slow, and the
    per-stage unit tests are fast."""
    for item in request.session.items:
        names = {m.name for m in item.iter_markers()}
        if "browser" in item.fixturenames:
            assert {"browser", "slow"} <= names, item.nodeid
        if item.nodeid.startswith("tests/test_unit_"):
            assert "browser" not in names, (
                f"{item.nodeid}: tests/test_unit_*.py hold the per-stage unit tests (README, Testing); "
                "a test driving a browser belongs in another file")
        if "browser" in names:
            assert "slow" in names, item.nodeid


def test_the_guard_of_the_fast_selection_refuses_a_child_process(monkeypatch):
    """What the fast selection installs for each of its tests (this one is slow: it names subprocess)."""
    conftest.refuse_child_processes("tests/test_x.py::test_y", monkeypatch)
    with pytest.raises(AssertionError, match=r"test_x.py::test_y starts a child process \(\['true'\]\)"):
        subprocess.run(["true"])
    monkeypatch.undo()
    assert subprocess.run(["true"]).returncode == 0


def test_the_fast_selection_is_recognised_by_its_expression(request, monkeypatch):
    for expr, fast in (("not browser and not slow", True), ("not slow and not browser", True),
                       ("not slow", False), ("browser", False), ("", False)):
        monkeypatch.setattr(request.config.option, "markexpr", expr)
        assert conftest._fast_selection(request.config) is fast, expr
