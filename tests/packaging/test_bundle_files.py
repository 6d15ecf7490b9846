"""What upwatch.spec puts around the program: hooks, menu and login entries, plist, version."""

import ast
import configparser
import plistlib
import re
import runpy
import tomllib
from pathlib import Path

import PyInstaller.utils.win32
import pytest

from desktop.services.autostart import LABEL

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]


def desktop_entry(path: Path) -> dict[str, str]:
    """The [Desktop Entry] group of a .desktop file."""
    parser = configparser.ConfigParser(interpolation=None, comment_prefixes=("#",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return dict(parser["Desktop Entry"])


@pytest.mark.slow
def test_the_apprise_hook_collects_every_plugin_with_its_source_file() -> None:
    import apprise.plugins

    hook = runpy.run_path(str(PACKAGING / "hooks" / "hook-apprise.py"))
    plugins_dir = Path(apprise.plugins.__file__).parent
    # what Apprise's plugin manager lists at run time: every module name in the folder
    listed = {
        f"apprise.plugins.{path.stem}"
        for path in plugins_dir.iterdir()
        if re.fullmatch(r"(?!base|_)[a-z0-9_]+(\.py)?", path.name, re.IGNORECASE)
    }
    assert "apprise.plugins.custom_json" in listed  # json:// (the self-test's notification)
    assert listed <= set(hook["hiddenimports"])
    assert hook["module_collection_mode"] == "pyz+py"  # the .py files the listing finds
    data_targets = {Path(target).name for _, target in hook["datas"]}
    assert any(name.startswith("apprise-") and name.endswith(".dist-info") for name in data_targets)


@pytest.mark.parametrize("name", ["upwatch.desktop", "upwatch-autostart.desktop"])
def test_the_linux_entries_start_the_tray_app_with_the_bundled_icon(name: str) -> None:
    entry = desktop_entry(PACKAGING / "linux" / name)
    assert entry["Type"] == "Application"
    assert entry["Exec"] == "upwatch app"  # the tray app, even if a later default changes
    assert entry["Icon"] == "upwatch"  # share/icons/hicolor/NxN/apps/upwatch.png
    assert entry["Terminal"] == "false"


def test_the_menu_entry_is_listed_and_the_login_entry_is_not() -> None:
    menu = desktop_entry(PACKAGING / "linux" / "upwatch.desktop")
    login = desktop_entry(PACKAGING / "linux" / "upwatch-autostart.desktop")
    assert menu["Categories"].split(";")[:2] == ["Network", "Monitor"]
    assert "NoDisplay" not in menu
    assert login["NoDisplay"] == "true"
    assert login["X-GNOME-Autostart-enabled"] == "true"


def test_the_macos_app_is_tray_only_with_the_login_items_identifier() -> None:
    plist = plistlib.loads((PACKAGING / "macos" / "Info.plist").read_bytes())
    assert plist["LSUIElement"] is True  # no Dock icon, menu bar only
    assert plist["LSBackgroundOnly"] is False  # it still shows its window and tray icon
    spec = (PACKAGING / "upwatch.spec").read_text()
    # the LaunchAgent that "start at login" writes and the app bundle share one identifier
    assert f'bundle_identifier="{LABEL}"' in spec


def version_calls(text: str) -> dict[str, list[ast.Call]]:
    """Every call in PyInstaller's version-info format, by the name called."""
    calls: dict[str, list[ast.Call]] = {}
    for node in ast.walk(ast.parse(text, mode="eval")):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            calls.setdefault(node.func.id, []).append(node)
    return calls


def test_the_windows_version_info_is_pyproject_s_version_in_pyinstaller_s_format() -> None:
    calls = version_calls((PACKAGING / "windows" / "version_info.txt").read_text())
    # PyInstaller evaluates the file with its own classes: only those may be named
    versioninfo = Path(PyInstaller.utils.win32.__file__).with_name("versioninfo.py")
    known = {
        node.name
        for node in ast.parse(versioninfo.read_text()).body
        if isinstance(node, ast.ClassDef)
    }
    assert set(calls) <= known
    [ffi] = calls["FixedFileInfo"]
    fixed = {keyword.arg: keyword.value for keyword in ffi.keywords}
    numbers = (*(int(part) for part in VERSION.split(".")), 0)
    assert ast.literal_eval(fixed["filevers"]) == ast.literal_eval(fixed["prodvers"]) == numbers
    strings = {
        ast.literal_eval(call.args[0]): ast.literal_eval(call.args[1])
        for call in calls["StringStruct"]
    }
    assert strings["FileVersion"] == strings["ProductVersion"] == VERSION
    assert strings["OriginalFilename"] == "upwatch.exe"
