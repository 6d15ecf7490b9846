"""Tags in the tray app: the list filters by tag (the box or "tag:name"), groups under a
heading per tag that folds, the tag dialog tags many monitors at once, the monitor dialog
takes tags, and the tray menu sums up each tag with the worst first."""

from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QMenu

from desktop.ui.app import TrayApp
from desktop.ui.monitor_dialog import MonitorDialog
from desktop.ui.tag_dialog import TagDialog
from tests.desktop.ui.conftest import dispose, dispose_tray, running, tray_of
from tests.support.target import TargetServer
from tests.support.wait import until


async def three_tagged(app: TrayApp, target: TargetServer, **fields: Any) -> None:
    """Shop (prod, shop), Blog (prod) and Wiki (no tag)."""
    for name, tags in (("Shop", ["prod", "shop"]), ("Blog", ["prod"]), ("Wiki", [])):
        await app.monitors.add(
            {
                "name": name,
                "url": target.url("status/200"),
                "interval": 600,
                "tags": tags,
                **fields,
            }
        )
    await until(lambda: app.window.model.rowCount() == 3)


def names(app: TrayApp) -> list[str]:
    model = app.window.model
    return [model.data(model.index(row, 1)) for row in range(model.rowCount())]


async def test_tags_filter_the_list_by_tag_name_and_words(
    app: TrayApp, target: TargetServer
) -> None:
    async with running(app):
        await three_tagged(app, target)
        window = app.window
        window.filter.setText("tag:prod")
        assert sorted(names(app)) == ["Blog", "Shop"]
        window.filter.setText("tag:pro shop")  # a tag's first letters, and a word
        assert names(app) == ["Shop"]
        window.filter.setText("prod")  # a plain word finds tags too
        assert sorted(names(app)) == ["Blog", "Shop"]
        window.filter.clear()
        assert len(names(app)) == 3


async def test_tags_box_offers_every_tag_and_no_tag(app: TrayApp, target: TargetServer) -> None:
    async with running(app):
        await three_tagged(app, target)
        box = app.window.list_bar.tag_box
        assert [box.itemText(i) for i in range(box.count())] == [
            "All tags", "prod", "shop", "No tag",
        ]  # fmt: skip
        box.setCurrentIndex(box.findText("shop"))
        assert names(app) == ["Shop"]
        box.setCurrentIndex(box.findText("No tag"))
        assert names(app) == ["Wiki"]
        box.setCurrentIndex(0)
        assert len(names(app)) == 3


async def test_tags_group_the_list_under_headings_that_fold(
    app: TrayApp, target: TargetServer
) -> None:
    async with running(app):
        await three_tagged(app, target)
        window, model = app.window, app.window.model
        window.list_bar.group_box.setChecked(True)
        headings = [model.data(model.index(row, 0)) for row in model.header_rows()]
        assert [h.split("·")[0].strip("▾ ") for h in headings] == ["prod", "shop", "No tag"]
        assert "2 monitors" in headings[0]
        assert model.rowCount() == 3 + 4  # Shop shows under prod and under shop
        assert window.table.columnSpan(0, 0) == model.columnCount()
        window.table.selectAll()
        assert sorted(v.spec.name for v in window.selected_views()) == ["Blog", "Shop", "Wiki"]
        window.table.clicked.emit(model.index(0, 0))  # a click on "prod" folds it
        assert model.rowCount() == 3 + 2
        assert model.data(model.index(0, 0)).startswith("▸")
        window.table.clicked.emit(model.index(0, 0))
        assert model.rowCount() == 7


async def test_tags_grouping_keeps_the_selection_when_a_monitor_is_added(
    app: TrayApp, target: TargetServer
) -> None:
    async with running(app):
        await three_tagged(app, target)
        window = app.window
        window.list_bar.group_box.setChecked(True)
        blog = next(v for v in app.monitors.rows if v.spec.name == "Blog")
        window.select_monitor(blog.spec.id)
        await app.monitors.add({"name": "New", "url": target.url("status/200"), "tags": ["prod"]})
        await until(lambda: len(app.monitors.rows) == 4)
        assert [v.spec.name for v in window.selected_views()] == ["Blog"]


async def tag_dialog_of_all(app: TrayApp, target: TargetServer) -> TagDialog:
    """The three tagged monitors, all selected (Ctrl+A), and their tag dialog (Ctrl+T)."""
    await three_tagged(app, target)
    app.window.table.selectAll()
    dialog = app.window.tag_selected()
    assert isinstance(dialog, TagDialog)
    return dialog


async def test_bulk_tags_dialog_adds_to_all_and_takes_off(
    app: TrayApp, target: TargetServer
) -> None:
    async with running(app):
        dialog = await tag_dialog_of_all(app, target)
        prod, shop = dialog.boxes["prod"], dialog.boxes["shop"]
        assert prod.checkState() == Qt.CheckState.PartiallyChecked  # 2 of 3 carry it
        prod.setCheckState(Qt.CheckState.Checked)
        shop.setCheckState(Qt.CheckState.Unchecked)
        dialog.new_tags.setText("eu, eu")
        assert dialog.changes() == (["prod", "eu"], ["shop"])
        await dialog.apply()
        assert dialog.result() == TagDialog.DialogCode.Accepted
        for view in app.monitors.rows:
            assert [t["name"] for t in view.spec.tags] == ["prod", "eu"], view.spec.name


async def test_bulk_tags_dialog_shows_a_refusal_and_stays_open(
    app: TrayApp, target: TargetServer
) -> None:
    async with running(app):
        dialog = await tag_dialog_of_all(app, target)
        dialog.new_tags.setText("x" * 40)
        await dialog.apply()
        assert not dialog.error.isHidden()
        assert "at most 32" in dialog.error.text()
        assert dialog.isVisible()
        assert [t["name"] for t in app.monitors.rows[0].spec.tags] == ["prod", "shop"]
        await dialog.recolour(dialog_tag(app, "prod"), "#111111")
        assert {
            t["color"] for v in app.monitors.rows for t in v.spec.tags if t["name"] == "prod"
        } == {"#111111"}
        await dialog.rename(dialog_tag(app, "shop"), "store")
        assert "store" in dialog.boxes
        await dialog.remove(dialog_tag(app, "store"))
        assert "store" not in dialog.boxes
        dialog.reject()


def dialog_tag(app: TrayApp, name: str) -> Any:
    return next(t for t in app.monitors.known_tags() if t["name"] == name)


async def test_tags_typed_in_the_monitor_dialog_are_saved_in_their_colour(
    app: TrayApp, target: TargetServer
) -> None:
    async with running(app):
        await three_tagged(app, target)
        await app.monitors.recolour_tag("prod", "#123456")
        known = app.monitors.known_tags()
        dialog = MonitorDialog(app.monitors, known_tags=known, parent=app.window)
        dialog.url.setText(target.url("status/200"))
        dialog.tags.setText("PROD, new")
        await dialog.save()
        assert dialog.saved is not None
        assert dialog.saved.tags[0] == {"name": "PROD", "color": "#123456"}
        await dispose(dialog)


async def test_tags_that_are_bad_are_marked_beside_the_field(app: TrayApp) -> None:
    async with running(app):
        dialog = MonitorDialog(app.monitors, parent=app.window)
        dialog.url.setText("https://shop.example.com/")
        dialog.tags.setText("ok, " + "x" * 40)
        assert not dialog.validate()
        assert not dialog.notes["tags"].isHidden()
        assert "at most 32" in dialog.notes["tags"].text()
        await dispose(dialog)


async def test_tags_in_the_tray_menu_sum_up_each_tag_worst_first(
    app: TrayApp, target: TargetServer
) -> None:
    async with running(app):
        tray = tray_of(app, with_account=False)
        await app.monitors.add({"url": target.url("status/200"), "name": "web", "tags": ["web"]})
        await app.monitors.add(
            {
                "url": target.url("status/503"),
                "name": "db",
                "interval": 5,
                "confirmations": 1,
                "tags": ["zdb"],
            }
        )
        await until(lambda: "1 down" in tray.toolTip(), timeout=30)
        tray.rebuild_menu()
        [by_tag] = [a for a in tray.menu.actions() if a.text() == "By tag"]
        menu = by_tag.menu()
        assert isinstance(menu, QMenu)
        groups = [a.text() for a in menu.actions()]
        assert groups == ["zdb  —  1 down", "web  —  1 up"]  # down first, though z sorts last
        sub = menu.actions()[0].menu()
        assert isinstance(sub, QMenu)
        assert sub.actions()[0].text().startswith("db")
        await dispose_tray(tray)


async def test_tags_column_and_box_stay_out_of_the_way_without_tags(
    app: TrayApp, target: TargetServer
) -> None:
    async with running(app):
        await app.monitors.add({"url": target.url("status/200"), "name": "plain"})
        await until(lambda: app.window.model.rowCount() == 1)
        bar = app.window.list_bar
        assert bar.tag_box.isHidden()
        assert bar.group_box.isHidden()
        bar.group_box.setChecked(True)  # remembered from before, with no tag: no heading
        assert app.window.model.header_rows() == []
        bar.group_box.setChecked(False)
        selection = app.window.table.selectionModel()
        selection.select(
            app.window.model.index(0, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )
        assert app.window.tag_action.isEnabled()
