"""The web editor's store (generator/editor_store.py), in-process: every path from the browser is normalised and
must name a catalogue record (hostile paths refused with 403 in Chinese), a save based on an older version is a
conflict told field by field (409), and a change is checked like `guides check` before anything is written."""
import pytest

from generator.model import Item
from generator.editor_store import Refused, Store, check_changes, digest, with_changes
from generator.load import parse_sent as parse
from generator.problems import Problems

ITEM = "items/JF-001.yaml"
STATION = "stations/370304001/370304001200.yaml"


@pytest.fixture
def store(mini):
    return Store(mini)


def refused(call, *args) -> Refused:
    with pytest.raises(Refused) as e:
        call(*args)
    return e.value


# ------------------------------------------------------------------ paths

@pytest.mark.parametrize("raw, rel", [
    ("content/items/JF-001.yaml", ITEM),
    ("content/./items/../items/JF-001.yaml", ITEM),
    (f"content/{STATION}", STATION),
    ("content/district.yaml", "district.yaml"),
])
def test_record_paths_are_normalised(store, raw, rel):
    assert store.record(raw) == rel


def test_an_absolute_path_is_accepted_only_inside_the_content_folder(store, mini):
    assert store.record(f"{mini.resolve()}/{ITEM}") == ITEM
    e = refused(store.record, "/etc/passwd")
    assert e.status == 403 and "内容目录以外" in e.message


@pytest.mark.parametrize("raw, words", [
    ("content/../generator/build.py", "内容目录以外"),
    ("content/published.txt", "只能读写事项、服务站和区县设置的记录文件"),
    ("content/reprint.yaml", "只能读写"),
    ("content/items/../../.git/config", "内容目录以外"),
    ("content/items/JF-001.yml", "只能读写"),
    ("content/stations/370304001/../370304001200.yaml", "只能读写"),
    ("content\\items\\JF-001.yaml", "文件路径无效"),
    ("content/items/JF-001.yaml\x00.txt", "文件路径无效"),
    ("content/items/" + "A" * 300 + ".yaml", "文件路径无效"),
    ("", "文件路径无效"),
    (None, "文件路径无效"),
    ("content", "内容目录以外"),
    ("other/items/JF-001.yaml", "内容目录以外"),
])
def test_hostile_paths_are_refused_in_chinese(store, raw, words):
    e = refused(store.record, raw)
    assert e.status == 403 and words in e.message


def test_a_refusal_shows_the_path_printably_and_briefly(store):
    e = refused(store.record, "content/\x1b[31m" + "x" * 200)
    assert "\x1b" not in e.message and "…" in e.message


def test_a_symbolic_link_in_the_content_is_never_followed(store, mini, tmp_path):
    outside = tmp_path / "secret.yaml"
    outside.write_text("code: X\n", encoding="utf-8")
    (mini / "items/LINK-001.yaml").symlink_to(outside)
    assert "符号链接" in refused(store.record, "content/items/LINK-001.yaml").message
    (mini / "stations/370304009").symlink_to(tmp_path)
    assert "符号链接" in refused(store.folder, "content/stations/370304009").message
    assert "content/items/LINK-001.yaml" not in [f"content/{r}" for r in store.listing("items")]


def test_folders_are_items_and_towns_only(store):
    assert store.folder("content/items") == "items"
    assert store.folder("content/stations/370304001") == "stations/370304001"
    assert refused(store.folder, "content/stations").status == 403
    assert refused(store.folder, "content/files").status == 403


def test_listing_shows_records_only(store, mini):
    (mini / "items/notes.txt").write_text("x", encoding="utf-8")
    (mini / "items/sub").mkdir()
    assert store.listing("items") == ["items/JF-001.yaml", "items/JZ-001.yaml", "items/LN-001.yaml"]
    assert store.listing("stations/370304099") == []


# ------------------------------------------------------------------ reading and saving

def test_an_entry_is_the_text_and_decaps_id(store, mini):
    entry = store.entry(ITEM, "s1", label="电费缴纳")
    data = (mini / ITEM).read_bytes()
    assert entry == {"data": data.decode("utf-8"), "file": {"path": "content/items/JF-001.yaml", "label": "电费缴纳",
                                                            "id": digest(data)}}
    assert store.base_of(ITEM, "s1") == digest(data) and store.base_of(ITEM, "s2") is None
    assert store.entry("items/NEW-001.yaml", "s1")["data"] is None


def test_a_save_after_someone_elses_is_a_conflict_told_by_field(store, mini):
    old = store.read(ITEM, "alice")
    store.read(ITEM, "bob")
    bobs = old.replace(b'phone: "95598"', b'phone: "12345"')
    store.conflict(ITEM, "bob", bobs)  # bob read the current version: no conflict
    store.write(ITEM, bobs, "bob")
    alices = old.replace(b"visits: 0", b"visits: 1")
    e = refused(store.conflict, ITEM, "alice", alices)
    assert e.status == 409 and "在你打开之后已被修改" in e.message
    rows = {r["field"]: (r["old"], r["new"]) for r in e.extra["conflict"]["rows"]}
    visits = Item.model_fields["visits"].title
    assert rows == {"咨询电话": ("12345", "95598"), visits: ("0", "1")}  # alice's would undo bob's phone
    assert e.extra["conflict"]["columns"] == ["字段", "现在的内容", "你的修改"]
    store.conflict(ITEM, "alice", bobs)  # saving exactly what is there is no conflict
    assert (mini / ITEM).read_bytes() == bobs


def test_a_new_record_with_an_existing_code_is_a_conflict(store, mini):
    data = (mini / ITEM).read_bytes().replace(b"visits: 0", b"visits: 2")
    assert refused(store.conflict, ITEM, "never-read", data).status == 409
    store.conflict("items/NEW-001.yaml", "never-read", data)  # a file that does not exist: no conflict


def test_write_is_atomic_and_delete_removes(store, mini):
    store.write("items/NEW-001.yaml", b"code: NEW-001\n", "s")
    assert (mini / "items/NEW-001.yaml").read_bytes() == b"code: NEW-001\n"
    assert not [p for p in (mini / "items").iterdir() if p.name.startswith(".")]
    store.delete("items/NEW-001.yaml")
    store.delete("items/NEW-001.yaml")  # twice: nothing to do
    assert not (mini / "items/NEW-001.yaml").exists()


# ------------------------------------------------------------------ checked before written

def test_a_record_from_the_editor_is_read_with_the_content_guards(tmp_path):
    problems = Problems()
    assert parse(b"\xef\xbb\xbfcode: X\n", "content/items/X.yaml", problems, tmp_path) is None
    (p,) = problems
    assert p.path == "content/items/X.yaml" and "BOM" in p.message  # named as the record, not the copy
    problems = Problems()
    bomb = b"a: &a [x,x,x,x,x,x,x,x,x,x]\n" + b"".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 10)}]\n".encode() for i in range(7))
    assert parse(bomb, "content/items/X.yaml", problems, tmp_path) is None and problems


def test_check_changes_reports_only_the_errors_a_change_adds(mini):
    data = (mini / ITEM).read_bytes()
    new_errors, after = check_changes(mini, {ITEM: data.replace(b"visits: 0", b"visits: many")})
    (error,) = new_errors
    assert error.path.endswith(ITEM) and error.message == "应为整数"
    assert (mini / ITEM).read_bytes() == data  # nothing written
    none, _ = check_changes(mini, {ITEM: data.replace(b'phone: "95598"', b'phone: "12345"')})
    assert none == []


def test_with_changes_sees_a_deletion_and_a_new_record(mini):
    cat, problems = with_changes(mini, {"items/LN-001.yaml": None})
    assert cat is None and any("LN-001" in p.message for p in problems.errors)  # 村级通用 still lists it
    text = (mini / ITEM).read_text(encoding="utf-8").replace("code: JF-001", "code: JF-002").replace(
        "name: 电费缴纳", "name: 水费缴纳")
    cat, problems = with_changes(mini, {"items/JF-002.yaml": text.encode("utf-8")})
    assert cat is not None and cat.items["JF-002"].name == "水费缴纳"
    assert not (mini / "items/JF-002.yaml").exists()
