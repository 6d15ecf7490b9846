"""`pip install .` (and pipx, which runs it) installs the same `upwatch` command."""

import configparser
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]


@pytest.mark.slow
def test_the_wheel_pip_builds_has_the_upwatch_command_and_the_self_test(tmp_path: Path) -> None:
    # Build from a copy: setuptools writes build/ and *.egg-info beside the sources.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for package in ("shared", "desktop", "sync_server"):
        shutil.copytree(
            REPO / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(source), "-w", wheels],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = wheels.glob("upwatch-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = archive.read(f"upwatch-{VERSION}.dist-info/entry_points.txt").decode()
    scripts = configparser.ConfigParser()
    scripts.read_string(entry_points)
    assert dict(scripts["console_scripts"]) == {"upwatch": "desktop.launcher:entry"}
    selftest = {"desktop/cli/selftest.py", "desktop/services/selftest.py"}
    assert {"desktop/launcher.py", *selftest} <= names
    assert not any(name.startswith(("tests/", "packaging/", "bench/")) for name in names)
