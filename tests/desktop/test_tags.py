"""Tags on the desktop: one colour per name on this computer, recoloured, renamed or deleted
on every monitor at once (each change queued for the cloud), the CLI's --tags and
`list --tag`, and tags in an export that imports back."""

import json
from pathlib import Path

import pytest

from desktop.cli.main import main
from desktop.errors import InvalidInput
from desktop.services.monitors import MonitorService
from desktop.services.tags import TagService
from desktop.services.validation import make_spec
from desktop.storage.database import Database
from desktop.storage.sync_store import SyncStore
from shared.monitor import MonitorSpec
from shared.tags import default_colour

PINK = "#db2777"


def add(db: Database, name: str, *tags: object) -> MonitorSpec:
    spec = make_spec({"name": name, "url": f"https://{name.lower()}.example", "tags": list(tags)})
    return MonitorService(db).add(spec)


def tags_of(db: Database, ref: str) -> list[tuple[str, str]]:
    return [(t["name"], t["color"]) for t in MonitorService(db).get(ref).tags]


def test_tags_a_name_keeps_the_colour_it_already_has_here(db: Database) -> None:
    add(db, "Shop", {"name": "prod", "color": PINK})
    add(db, "Blog", "Prod", "blog")  # "Prod" is the same tag: it takes pink, not its default
    assert tags_of(db, "Blog") == [("Prod", PINK), ("blog", default_colour("blog"))]


def test_tags_recolour_changes_every_monitor_and_queues_each_for_the_cloud(db: Database) -> None:
    shop, blog = add(db, "Shop", "prod"), add(db, "Blog", "prod", "blog")
    add(db, "Wiki")
    store = SyncStore(db)
    for pending in store.pending():  # the three adds, as if pushed
        store.settle(pending.entry, None)
    assert store.pending() == []
    assert TagService(db).recolour("PROD", "#00AA00") == 2
    assert tags_of(db, "Shop") == [("prod", "#00aa00")]
    assert tags_of(db, "Blog")[0] == ("prod", "#00aa00")
    assert {p.entry.id for p in store.pending()} == {str(shop.id), str(blog.id)}
    with pytest.raises(InvalidInput, match="#1a2b3c"):
        TagService(db).recolour("prod", "green")
    assert tags_of(db, "Shop") == [("prod", "#00aa00")]


def test_tags_rename_merges_into_a_tag_the_monitor_already_has(db: Database) -> None:
    add(db, "Shop", "prod", "production")
    add(db, "Blog", "prod")
    assert TagService(db).rename("prod", "production") == 2
    assert [n for n, _ in tags_of(db, "Shop")] == ["production"]
    assert [n for n, _ in tags_of(db, "Blog")] == ["production"]
    with pytest.raises(InvalidInput, match="comma"):
        TagService(db).rename("production", "a,b")
    assert [n for n, _ in tags_of(db, "Blog")] == ["production"]


def test_tags_remove_takes_it_off_every_monitor(db: Database) -> None:
    add(db, "Shop", "prod", "shop")
    add(db, "Blog", "prod")
    assert TagService(db).remove("Prod") == 2
    assert [u.name for u in TagService(db).uses()] == ["shop"]


def test_tags_retag_adds_and_takes_off_on_many_at_once(db: Database) -> None:
    shop, blog = add(db, "Shop", "old"), add(db, "Blog")
    assert TagService(db).retag([shop.id, blog.id], ["new", "eu"], ["old"]) == 2
    assert [n for n, _ in tags_of(db, "Shop")] == ["new", "eu"]
    assert [(u.name, u.monitors) for u in TagService(db).uses()] == [("eu", 2), ("new", 2)]


def test_tags_retag_past_the_limit_changes_nothing(db: Database) -> None:
    shop, blog = add(db, "Shop", *[f"t{i}" for i in range(19)]), add(db, "Blog")
    with pytest.raises(InvalidInput, match="at most 20"):
        TagService(db).retag([blog.id, shop.id], ["x", "y"], [])
    assert tags_of(db, "Blog") == []
    assert len(tags_of(db, "Shop")) == 19


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_tags_from_the_cli_add_edit_clear_and_filter_the_list(
    upwatch_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        run(capsys, "add", "https://shop.example", "--name", "Shop", "--tags", "prod,shop")[0] == 0
    )
    run(capsys, "add", "https://blog.example", "--name", "Blog")
    code, out, _ = run(capsys, "list", "--tag", "PROD")
    assert code == 0
    assert "Shop" in out
    assert "Blog" not in out
    assert "prod,shop" in out
    listed = json.loads(run(capsys, "list", "--json")[1])
    assert [t["name"] for t in listed[0]["tags"]] == ["prod", "shop"]
    run(capsys, "edit", "Shop", "--tags", "")
    assert "No monitor has the tag" in run(capsys, "list", "--tag", "prod")[1]


def test_tags_that_are_bad_on_the_cli_exit_2_and_change_nothing(
    upwatch_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "add", "https://shop.example", "--name", "Shop", "--tags", "prod")
    code, _, err = run(capsys, "edit", "Shop", "--tags", "x" * 40)
    assert code == 2
    assert "tags" in err
    assert [t["name"] for t in json.loads(run(capsys, "list", "--json")[1])[0]["tags"]] == ["prod"]


def test_tags_go_out_in_an_export_and_come_back_on_import(
    upwatch_home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run(capsys, "add", "https://shop.example", "--name", "Shop", "--tags", "prod,eu")
    exported = run(capsys, "export", "--no-channels")[1]
    assert '"tags"' in exported
    run(capsys, "rm", "Shop")
    path = tmp_path / "monitors.json"
    path.write_text(exported)
    assert run(capsys, "import", str(path))[0] == 0
    listed = json.loads(run(capsys, "list", "--json")[1])
    assert [t["name"] for t in listed[0]["tags"]] == ["prod", "eu"]
