import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(autouse=True, scope="session")
def workbook_key(tmp_path_factory) -> Path:
    """guides export signs a workbook's scope with a key kept on the PC (~/.config/guides/): the tests'
    own key, for the in-process and the command-line runs alike, and nothing written to ~/.config."""
    path = tmp_path_factory.mktemp("key") / "workbook.key"
    os.environ["GUIDES_WORKBOOK_KEY"] = str(path)
    return path


@pytest.fixture
def mini(tmp_path) -> Path:
    """A writable copy of the small fixture content tree."""
    dest = tmp_path / "content"
    shutil.copytree(MINI, dest)
    return dest


def guides(*args, cwd=ROOT):
    """Run the real console command; returns the CompletedProcess."""
    return subprocess.run([sys.executable, "-m", "generator", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True)


@pytest.fixture(scope="session")
def mini_site(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("mini")
    content = work / "content"  # a copy: the build records its URLs in the content's ledger
    shutil.copytree(MINI, content)
    out = work / "site"
    r = guides("build", "--content", content, "--out", out)
    assert r.returncode == 0, r.stderr
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, root: Path):
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, "-m", "http.server", str(self.port), "-b", "127.0.0.1",
                                      "-d", str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}/"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("http.server did not start")

    def stop(self):
        self.proc.kill()
        self.proc.wait()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian chromium missing: run `make test`, which installs it"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def site_files(site: Path) -> dict[str, bytes]:
    """Every file of a built site and its bytes, except the build's own report and state."""
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file() and "_admin" not in p.parts}


def edit(path: Path, old: str, new: str) -> None:
    """Replace text in a content file; the fixture must contain it."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


# ---------------------------------------------------------------- markers: browser, slow
# `pytest -m "not browser and not slow"` is the fast in-process selection (README, Testing). The markers
# are derived, not hand-kept: a test is `browser` if it uses the session `browser` fixture or reaches
# Playwright or the print run (in-process or `guides print`: it drives chromium), and `slow` if it reaches
# a subprocess (the `guides` command, http.server, sshd/nginx, LibreOffice, git, node), the whole build
# pipeline or the whole sample district. The walk
# follows the names a test, its fixtures and the test modules' own helpers refer to, so a new test that calls
# `guides(...)` is marked without a list to update.
import dis
import importlib
import inspect
import types

# Modules whose use means a browser or a child process (generator modules that spawn: printing drives
# chromium through Playwright; record/office run git; publication runs git and deploys; printfont asks
# fc-match). serve.py's handler and edit.py's Editor serve from a thread of the test's own process. deploy.py's ssh
# and netlify runs are reached only through publication or tests/webserver.py; its configuration and
# directory target are in-process, and the guard below keeps that true.
_BROWSER_MODULES = ("playwright", "generator.printing", "generator.print_browser")
_SPAWN_MODULES = ("subprocess", "multiprocessing.popen", "tests.webserver", "webserver", "generator.record",
                  "generator.publication", "generator.office", "generator.printfont") + _BROWSER_MODULES
# The whole pipeline (check, plan, render, write, swap; the side products; publication): a test that
# builds a site is an integration test of every stage at once, about a second a build, and several builds
# a test; the fast selection holds the per-stage unit tests.
_PIPELINE_MODULES = ("generator.build",)
# Functions that start a child process in a module otherwise in-process (deploy.py's configuration is
# read in-process), reached as attributes of the module (deploy.deploy_ssh) or imported by name.
# publish.py deletes replaced trees by a detached `rm -rf` (remove_later): what calls it starts one.
_SPAWN_FUNCTIONS = {"generator.deploy.deploy_ssh", "generator.deploy.deploy_netlify", "generator.deploy.deploy",
                    "generator.deploy.deploy_dir", "generator.publish.remove_later", "generator.publish.sweep",
                    "generator.publish.swap_in", "generator.publish.swap_in_with_spare",
                    "generator.publish.take_spare"}
# The whole sample district (296 stations, 81 items): a test that reads, builds or exports it in-process
# (it names ROOT / "content" or a module constant holding it) is slow however it does it.
SAMPLE_CONTENT = ROOT / "content"
# Fixtures that sweep: every field of the fixture tree mutated and every guide rendered again.
_SLOW_FIXTURES = {"guide_results"}
# Files or tests slow for a reason the walk cannot see ("file.py" or "file.py::test_name").
_SLOW_TESTS = {"test_bench.py"}


def _within(mod: str, packages: tuple) -> bool:
    """`mod` is one of the modules or inside one of the packages (generator.edit, not generator.editor_diff)."""
    return any(mod == p or mod.startswith(p + ".") for p in packages)


def _module_name(obj) -> str:
    if isinstance(obj, types.ModuleType):
        return obj.__name__
    return getattr(obj, "__module__", "") or ""


def _reaches(code: types.CodeType, glob: dict, seen: set, hits: set) -> None:
    """Collect into `hits` 'browser'/'slow' for what this code (and the test helpers it calls) refers to."""
    if code in seen:
        return
    seen.add(code)
    for const in code.co_consts:  # nested functions, lambdas, comprehensions
        if isinstance(const, types.CodeType):
            _reaches(const, glob, seen, hits)
    referred = _referred(code, glob)
    for obj in list(referred):  # module.function: what the code calls on a module it names
        if isinstance(obj, types.ModuleType):
            for name in code.co_names:
                attr = getattr(obj, name, None)
                if inspect.isfunction(attr) and f"{attr.__module__}.{attr.__name__}" in _SPAWN_FUNCTIONS \
                        and name != obj.__name__.rsplit(".", 1)[-1]:
                    hits.add("slow")
    if "print" in code.co_consts and any(obj is guides or obj is subprocess for obj in referred):
        hits.update({"browser", "slow"})  # `guides print …`: the print run drives chromium in its process
    for obj in referred:
        if inspect.isfunction(obj) and f"{obj.__module__}.{obj.__name__}" in _SPAWN_FUNCTIONS:
            hits.add("slow")  # imported by name: `from generator.publish import sweep`
        if isinstance(obj, Path):
            if obj == SAMPLE_CONTENT or (obj == ROOT and "content" in code.co_consts):  # ROOT / "content"
                hits.add("slow")
            continue
        mod = _module_name(obj)
        if _within(mod, _BROWSER_MODULES):
            if not (inspect.isclass(obj) and mod.startswith("generator.")):  # a value class (printing.Marks) runs nothing
                hits.update({"browser", "slow"})
        elif _within(mod, _SPAWN_MODULES + _PIPELINE_MODULES):
            hits.add("slow")
        elif mod.startswith(("tests", "conftest", "test_", "webserver")) or mod == glob.get("__name__"):
            for fn in _functions_of(obj):
                _reaches(fn.__code__, fn.__globals__, seen, hits)


_REFERRED: dict = {}  # code object -> what it names (a helper is walked for every test that uses it)
_IMPORT_NAME = dis.opmap["IMPORT_NAME"]


def _referred(code: types.CodeType, glob: dict) -> list:
    """The objects a code object names: its globals, and what it imports inside the function."""
    if code not in _REFERRED:
        _REFERRED[code] = _names_of(code, glob)
    return _REFERRED[code]


def _names_of(code: types.CodeType, glob: dict) -> list:
    objs = [glob[name] for name in code.co_names if name in glob]
    module = None
    if _IMPORT_NAME not in code.co_code[::2]:  # no import inside: its globals are all it names
        return objs
    instructions = list(dis.get_instructions(code))
    for i, ins in enumerate(instructions):
        if ins.opname == "IMPORT_NAME":
            try:
                module = importlib.import_module(ins.argval)
            except Exception:
                module = None
            following = instructions[i + 1].opname if i + 1 < len(instructions) else ""
            if module is not None and following != "IMPORT_FROM":  # `from m import x` uses x, not m
                objs.append(module)
        elif ins.opname == "IMPORT_FROM" and module is not None:
            attr = getattr(module, ins.argval, None)
            if attr is None:  # `from generator import printing`: a submodule
                try:
                    attr = importlib.import_module(f"{module.__name__}.{ins.argval}")
                except Exception:
                    attr = None
            if attr is not None:
                objs.append(attr)
    return objs


def _functions_of(obj) -> list:
    if inspect.isfunction(obj):
        return [obj]
    if inspect.isclass(obj):
        return [f for f in vars(obj).values() if inspect.isfunction(f)]
    return []


def _marks_for(item) -> set:
    hits: set = set()
    if "browser" in item.fixturenames:
        hits.update({"browser", "slow"})
    seen: set = set()
    fn = getattr(item, "function", None)
    if fn is not None:
        _reaches(fn.__code__, fn.__globals__, seen, hits)
    if _SLOW_FIXTURES & set(item.fixturenames):
        hits.add("slow")
    for name, defs in item._fixtureinfo.name2fixturedefs.items():
        if name == "_no_child_process_in_fast_tests":
            continue
        for d in defs:
            func = inspect.unwrap(d.func)
            if getattr(func, "__code__", None) is not None and _module_name(func).startswith(
                    ("tests", "conftest", "test_")):
                _reaches(func.__code__, func.__globals__, seen, hits)
    file = Path(str(item.fspath)).name
    if file in _SLOW_TESTS or f"{file}::{item.originalname}" in _SLOW_TESTS:
        hits.add("slow")
    return hits


def pytest_collection_modifyitems(config, items):
    for item in items:
        for mark in sorted(_marks_for(item)):
            item.add_marker(getattr(pytest.mark, mark))


def _fast_selection(config) -> bool:
    expr = config.option.markexpr or ""
    return "not slow" in expr and "not browser" in expr


def refuse_child_processes(nodeid: str, monkeypatch) -> None:
    """From now on (until `monkeypatch` undoes it) starting a child process fails, naming the test."""
    def refuse(self, args, *rest, **kwargs):
        raise AssertionError(f"{nodeid} starts a child process ({args!r}) but is not marked slow: "
                             "conftest derives the marker from what the test refers to; say it in _SLOW_TESTS")
    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)


@pytest.fixture(autouse=True)
def _no_child_process_in_fast_tests(request, monkeypatch):
    """In the fast selection a test that starts a child process fails, naming itself: the markers above
    stay true instead of the fast run silently growing slow."""
    if _fast_selection(request.config) and not request.node.get_closest_marker("slow"):
        refuse_child_processes(request.node.nodeid, monkeypatch)
    yield
