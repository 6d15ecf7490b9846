"""Signing up on a machine with no keyring: refused before the account exists, and done with
the opt-in file store in a process with no terminal, as under systemd."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from sqlalchemy import text

from desktop.cli.main import main
from tests.support.api_server import ApiServer
from tests.support.memkeyring import MemoryKeyring

PASSWORD = "correct horse battery"
UPWATCH = Path(sys.executable).with_name("upwatch")


def account_count(api: ApiServer) -> int:
    with api.app.state.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM users")).scalar_one())


def upwatch(
    home: Path, *argv: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    """Run the installed `upwatch` with no terminal and no keyring backend that works."""
    environ = {key: value for key, value in os.environ.items() if key != "UPWATCH_SECRET_STORE"}
    environ |= {
        "UPWATCH_HOME": str(home),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        **env,
    }
    return subprocess.run(
        [str(UPWATCH), *argv],
        input=stdin,
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
        start_new_session=True,  # no controlling terminal, as a service has none
        check=False,
    )


def test_signup_with_no_keyring_stops_before_the_account_is_made(
    api: ApiServer,
    upwatch_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keyring.set_keyring(fail.Keyring())
    stdin = io.StringIO(PASSWORD + "\n")
    monkeypatch.setattr("sys.stdin", stdin)
    argv = ["signup", "--server", api.url, "--email", "al@example.com", "--password-stdin"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "No usable OS keyring" in err
    assert "UPWATCH_SECRET_STORE=file" in err
    assert stdin.tell() == 0  # not even asked for the password
    assert account_count(api) == 0
    # once there is a keyring, the same address signs up: nothing was left half made
    keyring.set_keyring(MemoryKeyring())
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(argv) == 0, capsys.readouterr().err
    assert account_count(api) == 1


@pytest.mark.skipif(os.name != "posix", reason="the file store is POSIX only")
def test_a_headless_machine_signs_up_with_the_file_store_it_asked_for(
    api: ApiServer, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    signup = ["signup", "--server", api.url, "--email", "al@example.com", "--password-stdin"]
    refused = upwatch(home, *signup, stdin=PASSWORD + "\n")
    assert refused.returncode == 2, refused.stderr
    assert "UPWATCH_SECRET_STORE=file" in refused.stderr
    assert account_count(api) == 0

    done = upwatch(home, *signup, stdin=PASSWORD + "\n", UPWATCH_SECRET_STORE="file")
    assert done.returncode == 0, done.stderr
    secrets = home / "secrets.json"
    assert "Signed up and signed in as al@example.com" in done.stdout
    assert f"The session is kept in {secrets} (mode 0600, not encrypted)." in done.stdout
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        f"warning: secrets are kept in {secrets} (mode 0600, not encrypted): only the file's"
        " permissions protect them; anyone who can read your account's files or their backups"
        " can read them"
    ]
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    assert '"cloud:refresh"' in secrets.read_text()

    whoami = upwatch(home, "whoami", UPWATCH_SECRET_STORE="file")
    assert whoami.returncode == 0, whoami.stderr
    assert f"al@example.com on {api.url} (free plan)" in whoami.stdout


def test_a_misspelt_store_is_refused_naming_the_variable(tmp_path: Path) -> None:
    result = upwatch(tmp_path / "home", "channel", "list", UPWATCH_SECRET_STORE="flie")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "upwatch: error: UPWATCH_SECRET_STORE='flie' is not a secret store: use"
        " UPWATCH_SECRET_STORE=keyring (the OS keyring, the default) or UPWATCH_SECRET_STORE=file"
        " (a file of the data folder that only you can read)"
    )
