"""`upwatch --self-test`: each step on the real code paths, and how a failure is reported."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import keyring
import keyring.errors
import pytest
from keyring.backends import fail

from desktop.cli.selftest import run_self_test
from desktop.errors import StorageError
from desktop.launcher import main as launcher_main
from desktop.services.selftest import (
    NATIVE_KEYRINGS,
    NativeKeyring,
    SelfTest,
    SelfTestError,
    Step,
)
from desktop.storage.migrations import LATEST
from tests.support.memkeyring import MemoryKeyring

REPO = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^(ok|FAILED) +([^:]+): (.*) \(\d+ ms\)$")
CORE_STEPS = ["database", "check", "notification", "keyring"]


def steps(out: str) -> dict[str, tuple[str, str]]:
    """{step name: (ok or FAILED, detail)} from the self-test's output."""
    found = {}
    for line in out.splitlines():
        match = LINE.match(line)
        if match:
            found[match.group(2)] = (match.group(1), match.group(3))
    return found


def home_of(out: str) -> Path:
    return Path(out.splitlines()[0].rsplit(", in ", 1)[1])


class RefusingKeyring(MemoryKeyring):
    """A keyring that is there but will not store anything (a locked or broken one)."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError("the keyring is locked")


def test_every_step_passes_in_a_temporary_home_that_is_gone_afterwards(
    upwatch_home: Path, memory_keyring: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_self_test()
    out = capsys.readouterr().out
    found = steps(out)
    assert code == 0, out
    assert list(found) == CORE_STEPS
    assert all(status == "ok" for status, _ in found.values()), out
    home = home_of(out)
    assert f"schema v{LATEST}, journal wal, at {home / 'upwatch.sqlite3'}" in found["database"][1]
    assert "answered 200" in found["check"][1]
    assert "stored in the history" in found["check"][1]
    assert "delivered json://127.0.0.1:" in found["notification"][1]
    assert found["keyring"][1] == (
        "tests.support.memkeyring.MemoryKeyring: stored, read back and deleted a test secret"
    )
    assert out.splitlines()[-1] == "Self-test passed: 4 steps"
    # nothing left behind: not the temporary home, not the test secret, not the user's home
    assert not home.exists()
    assert memory_keyring.snapshot() == {}
    assert os.environ["UPWATCH_HOME"] == str(upwatch_home)
    assert list(upwatch_home.iterdir()) == []


def test_a_receiver_that_refuses_fails_the_notification_step_and_the_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = run_self_test(selftest=SelfTest(receiver_status=503))
    out = capsys.readouterr().out
    found = steps(out)
    assert code == 1
    assert found["notification"][0] == "FAILED"
    assert "json://127.0.0.1:" in found["notification"][1]
    assert "was not delivered" in found["notification"][1]
    assert [name for name, (status, _) in found.items() if status == "ok"] == [
        "database",
        "check",
        "keyring",
    ]
    assert out.splitlines()[-1] == "Self-test FAILED: 1 of 4 steps failed"


def test_an_extra_step_that_raises_is_a_failed_line_not_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def broken() -> str:
        raise ImportError("No module named 'PySide6.QtCharts'")

    code = run_self_test([Step("Qt offscreen", broken)])
    found = steps(capsys.readouterr().out)
    assert code == 1
    assert found["Qt offscreen"] == ("FAILED", "ImportError: No module named 'PySide6.QtCharts'")


def test_a_database_that_cannot_be_opened_fails_the_database_step_and_the_check(
    upwatch_home: Path,
) -> None:
    (upwatch_home / "upwatch.sqlite3").mkdir()  # SQLite cannot open a folder
    test = SelfTest()
    with pytest.raises(StorageError, match="cannot open the database"):
        test.database()
    with pytest.raises(SelfTestError, match="no database"):
        test.check()


def test_a_file_that_is_not_a_database_is_moved_aside_and_the_step_says_so(
    upwatch_home: Path,
) -> None:
    """Through the self-test's entry: the garbage file is moved aside, a fresh one works."""
    (upwatch_home / "upwatch.sqlite3").write_bytes(b"not a database at all" * 100)
    test = SelfTest()
    try:
        detail = test.database()
    finally:
        test.close()
    [moved] = upwatch_home.glob("upwatch.sqlite3.corrupt-*")
    assert moved.read_bytes() == b"not a database at all" * 100
    assert detail.startswith(f"moved a damaged file aside to {moved}; schema v")


def test_no_keyring_service_on_this_machine_is_reported_not_failed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # what a headless Linux box looks like: the fail backend, and no session bus
    keyring.set_keyring(fail.Keyring())
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    detail = SelfTest(native_keyring=NATIVE_KEYRINGS["linux"]).keyring()
    assert detail.startswith("none usable on this machine (keyring.backends.SecretService:")
    assert "DBUS_SESSION_BUS_ADDRESS" in detail


def test_a_build_without_the_platform_keyring_fails() -> None:
    keyring.set_keyring(fail.Keyring())
    missing = NativeKeyring("keyring.backends.Missing", "Keyring", "missing_library")
    with pytest.raises(SelfTestError, match=r"fail\.Keyring is in use and this build lacks"):
        SelfTest(native_keyring=missing).keyring()


def test_the_fail_backend_while_the_platform_keyring_works_fails() -> None:
    keyring.set_keyring(fail.Keyring())
    works = NativeKeyring("tests.support.memkeyring", "MemoryKeyring", "tests.support.memkeyring")
    with pytest.raises(SelfTestError, match=r"in use although tests\.support\.memkeyring works"):
        SelfTest(native_keyring=works).keyring()


def test_a_keyring_that_refuses_to_store_fails() -> None:
    keyring.set_keyring(RefusingKeyring())
    with pytest.raises(SelfTestError, match="refused to store a secret: the keyring is locked"):
        SelfTest().keyring()


def test_the_self_test_runs_alone(capsys: pytest.CaptureFixture[str]) -> None:
    assert launcher_main(["--self-test", "list"]) == 2
    assert "--self-test runs alone" in capsys.readouterr().err


@pytest.mark.slow
def test_the_upwatch_command_passes_every_step_with_qt_offscreen(tmp_path: Path) -> None:
    # The installed console script in a clean environment: no display, no Qt platform set,
    # a keyring that the test can read (a JSON file) instead of whatever this machine has.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "UPWATCH_HOME"}
    }
    env |= {
        "HOME": str(tmp_path),
        "PYTHONPATH": str(REPO),
        "PYTHON_KEYRING_BACKEND": "tests.support.memkeyring.FileKeyring",
        "UPWATCH_TEST_KEYRING_FILE": str(tmp_path / "keyring.json"),
    }
    upwatch = Path(sys.executable).with_name("upwatch")
    result = subprocess.run(
        [str(upwatch), "--self-test"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    found = steps(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert list(found) == [*CORE_STEPS, "Qt offscreen"]
    assert all(status == "ok" for status, _ in found.values()), result.stdout
    assert found["keyring"][1].startswith("tests.support.memkeyring.FileKeyring: stored")
    assert json.loads((tmp_path / "keyring.json").read_text()) == {}
    assert found["Qt offscreen"][1].startswith("QApplication on offscreen, Qt 6.")
    assert "tray icon painted" in found["Qt offscreen"][1]
