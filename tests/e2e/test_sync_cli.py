"""`upwatch signup | login | whoami | sync | logout` against the real API, in process."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from desktop.cli.main import main
from tests.e2e.conftest import PASSWORD
from tests.support.api_server import ApiServer


def run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *argv: str,
    stdin: str = "",
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def account(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    server: str,
    email: str = "al@example.com",
    password: str = PASSWORD,
) -> tuple[int, str, str]:
    """Run `upwatch signup` or `login` (command) at server, the password given on stdin."""
    return run(capsys, monkeypatch, command, "--server", server, "--email", email,
               "--password-stdin", stdin=password + "\n")  # fmt: skip


def test_a_user_signs_up_syncs_and_signs_out_from_the_terminal(
    api: ApiServer,
    upwatch_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert run(capsys, monkeypatch, "add", "https://shop.example.com", "--name", "Shop")[0] == 0
    code, out, _ = run(capsys, monkeypatch, "whoami")
    assert (code, out.startswith("Not signed in")) == (1, True)
    code, out, err = account(capsys, monkeypatch, "signup", api.url)
    assert code == 0, err
    assert "Signed up and signed in as al@example.com" in out
    code, out, _ = run(capsys, monkeypatch, "whoami")
    assert code == 0
    assert f"al@example.com on {api.url} (free plan)" in out
    assert "changes waiting: 1" in out
    code, out, _ = run(capsys, monkeypatch, "sync")
    assert code == 0
    assert "Synced: 1 change(s)" in out
    assert "changes waiting: 0" in run(capsys, monkeypatch, "whoami")[1]
    code, out, _ = run(capsys, monkeypatch, "logout")
    assert (code, "Signed out" in out) == (0, True)
    code, _, err = run(capsys, monkeypatch, "sync")
    assert code == 2
    assert "not signed in to Upwatch Cloud: run `upwatch login`" in err
    # local data stays
    assert "Shop" in run(capsys, monkeypatch, "list")[1]


def test_a_wrong_password_is_a_clear_error_with_exit_code_2(
    api: ApiServer,
    upwatch_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account(capsys, monkeypatch, "signup", api.url)
    run(capsys, monkeypatch, "logout")
    code, _, err = account(capsys, monkeypatch, "login", api.url, password="not the password")
    assert code == 2
    assert "wrong email or password" in err
    code, _, err = account(capsys, monkeypatch, "login", "ftp://x", email="a@b.c")
    assert code == 2
    assert "must start with https://" in err


def test_sync_says_plainly_when_the_server_cannot_be_reached(
    upwatch_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = account(capsys, monkeypatch, "login", "http://127.0.0.1:9", email="a@b.co")
    assert code == 1
    assert "cannot reach Upwatch Cloud at http://127.0.0.1:9" in err


def test_monitors_beyond_the_plan_stay_local_and_sync_says_which(
    api: ApiServer,
    upwatch_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Plan limits seen from the desktop: the free plan syncs 10 monitors; the 11th is named."""
    for index in range(11):
        run(
            capsys,
            monkeypatch,
            "add",
            f"https://m{index}.example.com",
            "--name",
            f"Site {index:02}",
        )
    account(capsys, monkeypatch, "signup", api.url)
    code, out, _ = run(capsys, monkeypatch, "sync")
    assert code == 1
    assert "Synced: 10 change(s)" in out
    assert "not synced: Site 10: the free plan keeps up to 10 monitors" in out
    assert "changes waiting: 1" in run(capsys, monkeypatch, "whoami")[1]
    assert len(run(capsys, monkeypatch, "list")[1].splitlines()) >= 11  # all still here


def test_without_a_keyring_the_cloud_commands_say_why(
    upwatch_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Seen from the cloud commands: no usable keyring is explained when signing in, and
    nothing touches the keyring before an account was ever signed in here."""
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    code, out, _ = run(capsys, monkeypatch, "whoami")
    assert code == 1
    assert out.startswith("Not signed in to Upwatch Cloud: run `upwatch login`")
    code, _, err = run(capsys, monkeypatch, "sync")
    assert code == 2
    assert "not signed in" in err
    code, _, err = account(capsys, monkeypatch, "login", "http://127.0.0.1:9", email="a@b.co")
    assert code == 2
    assert "No usable OS keyring" in err


def test_share_puts_a_monitor_on_a_status_page_from_the_terminal(
    api: ApiServer,
    upwatch_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 8: upwatch share / share --list / unshare; bad input exits 2 and changes nothing."""
    for name in ("Shop", "Blog"):
        assert run(capsys, monkeypatch, "add", f"https://{name.lower()}.example.com",
                   "--name", name)[0] == 0  # fmt: skip
    code, _, err = run(capsys, monkeypatch, "share", "Shop")
    assert code == 2
    assert "not signed in" in err
    account(capsys, monkeypatch, "signup", api.url)
    code, out, _ = run(capsys, monkeypatch, "share", "--list")
    assert (code, out.strip()) == (0, "No status page yet: `upwatch share MONITOR` makes one.")
    code, _, err = run(capsys, monkeypatch, "share", "Shop", "--slug", "Bad Slug")
    assert code == 2
    assert "slug: 3 to 60 lowercase letters" in err
    code, out, err = run(capsys, monkeypatch, "share", "Shop", "Blog", "--slug", "al-status",
                         "--title", "Al's sites")  # fmt: skip
    assert code == 0, err
    link = f"{api.settings.public_origin}/s/al-status"
    assert out.splitlines() == [f"Al's sites: {link}", "  shows: Shop, Blog"]
    assert run(capsys, monkeypatch, "share", "--list")[1].splitlines()[0].endswith(link)
    code, out, _ = run(capsys, monkeypatch, "unshare", "Shop")
    assert (code, out.splitlines()[1]) == (0, "  shows: Blog")
    code, _, err = run(capsys, monkeypatch, "share", "Nope")
    assert code == 2
    assert "Nope" in err


def test_whoami_says_why_the_session_ended_and_what_it_knows_when_offline(
    api: ApiServer,
    upwatch_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import httpx
    import keyring

    from tests.support.cutting_proxy import CuttingProxy

    proxy = CuttingProxy(api.port).start()
    try:
        account(capsys, monkeypatch, "signup", proxy.url)
        assert run(capsys, monkeypatch, "sync")[0] == 0
    finally:
        proxy.stop()
    code, out, _ = run(capsys, monkeypatch, "whoami")
    assert code == 1
    assert "the server cannot be asked now: cannot reach Upwatch Cloud" in out
    assert f"al@example.com on {proxy.url} (free plan)" in out
    assert "changes waiting: 0" in out
    # back on the real address; then someone else uses this computer's refresh token first
    account(capsys, monkeypatch, "login", api.url)
    token = keyring.get_password("upwatch", "cloud:refresh")
    assert httpx.post(f"{api.url}/api/auth/refresh", json={"refresh_token": token}).is_success
    code, _, err = run(capsys, monkeypatch, "sync")
    assert code == 2
    assert "your Upwatch Cloud session has ended" in err
    code, out, _ = run(capsys, monkeypatch, "whoami")
    assert code == 1
    assert out.startswith("Not signed in to Upwatch Cloud: run `upwatch login`")
    assert "last error: your Upwatch Cloud session has ended" in out
