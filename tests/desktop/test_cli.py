"""The `upwatch` command line on a real SQLite file: every command, and bad input (exit 2)."""

import json
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from desktop.cli.main import main
from desktop.services.monitors import MonitorService
from desktop.storage.database import Database
from desktop.storage.sync_store import SyncStore
from shared.sync import ResultOut
from tests.support.target import TargetServer
from tests.support.webhook import WebhookReceiver


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def add_ok_and_broken(capsys: pytest.CaptureFixture[str], target: TargetServer) -> None:
    """Add "ok", whose address answers 200, and "broken", whose address answers 503."""
    run(capsys, "add", target.url("status/200"), "--name", "ok")
    run(capsys, "add", target.url("status/503"), "--name", "broken")


def db_bytes(home: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(home.iterdir()) if p.is_file())


def test_a_first_run_shows_how_to_begin(
    upwatch_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "list")
    assert code == 0
    assert "upwatch add https://example.com" in out


def test_add_list_check_and_history(
    upwatch_home: Path, capsys: pytest.CaptureFixture[str], target: TargetServer
) -> None:
    code, out, _ = run(
        capsys,
        "add",
        target.url("status/200"),
        "--name",
        "API",
        "--interval",
        "30",
        "--header",
        "X-Key: 1",
        "--expect",
        "200-299,301",
        "--degraded-after",
        "2000",
    )
    assert (code, out.split(" (")[0]) == (0, "Added API")
    code, out, _ = run(capsys, "check", "API")
    assert code == 0
    assert "● up" in out
    code, out, _ = run(capsys, "list")
    assert "API" in out
    assert "100%" in out
    code, out, _ = run(capsys, "list", "--json")
    [item] = json.loads(out)
    # the list shows what the check found (the alert state stays the runner's: see below)
    assert (item["name"], item["status"], item["uptime_24h"]) == ("API", "up", 100.0)
    assert item["last_response_ms"] is not None
    code, out, _ = run(capsys, "history", "API")
    assert code == 0
    assert "● up" in out
    assert "this computer" in out


def test_list_shows_the_states_check_all_just_reported(
    upwatch_home: Path, capsys: pytest.CaptureFixture[str], target: TargetServer
) -> None:
    add_ok_and_broken(capsys, target)
    run(capsys, "add", target.url("status/200"), "--name", "resting", "--paused")
    assert run(capsys, "check", "--all")[0] == 1
    _, out, _ = run(capsys, "list")
    lines = {line.split()[3]: line for line in out.splitlines()[1:]}
    assert "● up" in lines["ok"]
    assert "✖ down" in lines["broken"]
    assert "‖ paused" in lines["resting"]
    assert "? unknown" not in out
    assert "never" not in lines["ok"]
    run(capsys, "check", "resting")  # checked by hand, it is still paused
    _, out, _ = run(capsys, "list", "--json")
    assert {item["name"]: item["status"] for item in json.loads(out)} == {
        "ok": "up",
        "broken": "down",
        "resting": "paused",
    }


def pulled(monitor_id: str, at: datetime, status: str, **origin: str) -> ResultOut:
    """A result as a pull hands it out (the cloud's unless origin names a device)."""
    return ResultOut(
        id=uuid.uuid4(),
        monitor_id=uuid.UUID(monitor_id),
        status=status,  # type: ignore[arg-type]
        status_code=200 if status == "up" else 503,
        response_time_ms=42,
        error=None if status == "up" else "expected 200-299, got 503",
        checked_at=at,
        **origin,
    )


def test_history_says_where_each_result_was_checked(
    upwatch_home: Path, capsys: pytest.CaptureFixture[str], target: TargetServer
) -> None:
    run(capsys, "add", target.url("status/200"), "--name", "API")
    run(capsys, "check", "API")
    db = Database(upwatch_home / "upwatch.sqlite3")
    [row] = MonitorService(db).summaries()
    now, monitor_id = datetime.now(UTC), str(row.spec.id)
    results = [
        pulled(monitor_id, now - timedelta(minutes=2), "down"),
        pulled(monitor_id, now - timedelta(minutes=3), "up", device_id="a1", origin="laptop-A"),
    ]
    assert SyncStore(db).save_cloud_results(results, "1:x") == 2
    db.close()
    _, out, _ = run(capsys, "history", "API")
    header, *lines = out.splitlines()[1:5]
    column = slice(header.index("CHECKED FROM"), header.index("STATUS"))
    assert [line[column].strip() for line in lines] == ["this computer", "cloud", "laptop-A"]
    assert "✖ down" in lines[1]


def test_list_shows_when_another_computer_last_checked(
    upwatch_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "add", "https://shop.example.com", "--name", "Shop")
    db = Database(upwatch_home / "upwatch.sqlite3")
    [row] = MonitorService(db).summaries()
    at = datetime.now(UTC) - timedelta(minutes=2)
    result = pulled(str(row.spec.id), at, "down", device_id="a1", origin="laptop-A")
    SyncStore(db).save_cloud_results([result], "1:x")
    db.close()
    _, out, _ = run(capsys, "list")
    assert "never" not in out
    assert "2 min ago" in out
    assert "✖ down" in out


def test_check_exits_1_when_a_site_is_down(
    upwatch_home: Path, capsys: pytest.CaptureFixture[str], target: TargetServer
) -> None:
    add_ok_and_broken(capsys, target)
    code, out, _ = run(capsys, "check", "--all")
    assert code == 1
    assert "expected 200-299, got 503" in out


def test_edit_pause_resume_and_remove(
    upwatch_home: Path, capsys: pytest.CaptureFixture[str], target: TargetServer
) -> None:
    run(capsys, "add", target.url("status/200"), "--name", "site")
    assert run(capsys, "edit", "site", "--interval", "60", "--keyword", "ok")[0] == 0
    assert run(capsys, "pause", "site")[0] == 0
    _, out, _ = run(capsys, "list", "--json")
    assert json.loads(out)[0]["status"] == "paused"
    assert run(capsys, "resume", "site")[0] == 0
    _code, out, _ = run(capsys, "export")
    [monitor] = json.loads(out)["monitors"]
    assert (monitor["interval"], monitor["keyword"], monitor["is_active"]) == (60, "ok", True)
    assert run(capsys, "rm", "site")[0] == 0
    assert "No monitors yet" in run(capsys, "list")[1]


def test_edit_cloud_asks_for_cloud_checks_from_the_next_sync(
    upwatch_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "add", "https://shop.example.com", "--name", "shop")
    code, out, _ = run(capsys, "edit", "shop", "--cloud")
    assert code == 0
    assert "checked from Upwatch Cloud too once you sign in on a paid plan" in out
    assert json.loads(run(capsys, "list", "--json")[1])[0]["cloud"] is True
    assert "this computer only" in run(capsys, "edit", "shop", "--no-cloud")[1]
    assert json.loads(run(capsys, "list", "--json")[1])[0]["cloud"] is False


@pytest.mark.parametrize(
    "argv",
    [
        ["add", "ftp://example.com"],
        ["add", "javascript:alert(1)"],
        ["add", "http://example.com", "--interval", "2"],
        ["add", "http://example.com", "--interval", "10", "--timeout", "20"],
        ["add", "http://example.com", "--expect", "abc"],
        ["add", "http://example.com", "--header", "no-colon"],
        ["add", "http://example.com", "--header", "Content-Length: 4"],
        ["add", "http://example.com", "--method", "TRACE"],
        ["add", "http://example.com", "--confirmations", "0"],
        ["add", "http://example.com", "--interval", "soon"],
        ["edit", "nope", "--interval", "60"],
        ["edit", "keep", "--interval", "3"],
        ["edit", "keep"],
        ["rm", "nope"],
        ["check"],
        ["history", "nope"],
        ["channel", "add", "x", "-oProxyCommand=evil"],
        ["channel", "add", "x", "not a url"],
        ["channel", "test", "nope"],
        ["import", "/nonexistent/file.json"],
        ["frobnicate"],
    ],
)
def test_bad_input_is_explained_with_exit_2_and_changes_nothing(
    upwatch_home: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    run(capsys, "add", "http://127.0.0.1:9/", "--name", "keep")
    before = db_bytes(upwatch_home)
    try:
        code, _out, err = run(capsys, *argv)
    except SystemExit as exit_:  # argparse's own usage errors
        code, err = int(exit_.code or 0), capsys.readouterr().err
    assert code == 2
    assert "error:" in err
    assert db_bytes(upwatch_home) == before


def test_a_bad_import_file_changes_nothing(
    upwatch_home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run(capsys, "add", "http://127.0.0.1:9/", "--name", "keep")
    good = {"url": "http://127.0.0.1:9/a", "name": "new"}
    bad = {"url": "file:///etc/passwd", "name": "evil"}
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"monitors": [good, bad]}))
    before = db_bytes(upwatch_home)
    code, _, err = run(capsys, "import", str(path))
    assert code == 2
    assert "monitors.1.url" in err
    assert db_bytes(upwatch_home) == before


def test_export_and_import_round_trip_exactly(
    upwatch_home: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    webhook: WebhookReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run(
        capsys,
        "add",
        "http://127.0.0.1:9/a",
        "--name",
        "a",
        "--method",
        "POST",
        "--body",
        "{}",
        "--header",
        "X-A: 1",
        "--keyword",
        "ok",
        "--keyword-absent",
        "--remind-every",
        "30",
    )
    run(
        capsys,
        "add",
        "http://127.0.0.1:9/b",
        "--name",
        "b",
        "--no-follow-redirects",
        "--no-verify-tls",
        "--confirmations",
        "3",
        "--interval",
        "45",
    )
    run(capsys, "channel", "add", "hook", webhook.apprise_url())
    run(capsys, "channel", "add", "only-a", webhook.apprise_url("a"), "--monitor", "a")
    for fmt in ("json", "yaml"):
        code, exported, _ = run(capsys, "export", "--format", fmt)
        assert code == 0
        path = tmp_path / f"export.{fmt}"
        path.write_text(exported)
        monkeypatch.setenv("UPWATCH_HOME", str(tmp_path / f"fresh-{fmt}"))
        code, out, _ = run(capsys, "import", str(path))
        assert (code, out.strip()) == (0, "Imported 2 monitors and 2 channels.")
        again = run(capsys, "export", "--format", fmt)[1]
        assert again == exported
        loaded = yaml.safe_load(exported)
        assert loaded["channels"][1]["monitors"] == [loaded["monitors"][0]["id"]]
        monkeypatch.setenv("UPWATCH_HOME", str(upwatch_home))


def test_csv_export_has_one_row_per_monitor(
    upwatch_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "add", "http://127.0.0.1:9/a", "--header", "X-A: 1")
    lines = run(capsys, "export", "--format", "csv")[1].splitlines()
    assert lines[0].startswith("id,name,url,method,interval")
    assert len(lines) == 2
    assert '"{""X-A"":""1""}"' in lines[1]


def test_channels_are_added_listed_tested_and_removed(
    upwatch_home: Path, capsys: pytest.CaptureFixture[str], webhook: WebhookReceiver
) -> None:
    code, out, _ = run(capsys, "channel", "add", "hook", webhook.apprise_url())
    assert code == 0
    assert "for all monitors" in out
    code, out, _ = run(capsys, "channel", "list")
    assert "hook" in out
    assert "webhook" in out
    assert run(capsys, "channel", "test", "hook")[0] == 0
    [request] = webhook.wait_for(1)
    assert request.json is not None
    assert request.json["title"] == "Upwatch test notification"
    webhook.fail_with(500, times=1)
    code, _, err = run(capsys, "channel", "test", "hook")
    assert code == 1
    assert "failed" in err
    assert run(capsys, "channel", "rm", "hook")[0] == 0
    assert "No alert channels" in run(capsys, "channel", "list")[1]


def test_a_duplicate_channel_name_is_refused(
    upwatch_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "channel", "add", "hook", "json://127.0.0.1:9/x")
    code, _, err = run(capsys, "channel", "add", "hook", "json://127.0.0.1:9/y")
    assert code == 2
    assert "already exists" in err


def test_version_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith("upwatch ")


def test_db_stats_and_compact_describe_the_file(
    upwatch_home: Path, capsys: pytest.CaptureFixture[str], target: TargetServer
) -> None:
    run(capsys, "add", target.url("status/200"), "--name", "site")
    run(capsys, "check", "site")
    code, out, _ = run(capsys, "db", "stats")
    assert code == 0
    checks_line = next(line for line in out.splitlines() if line.startswith("checks"))
    assert checks_line.split()[1] == "1"
    code, out, _ = run(capsys, "db", "compact")
    assert code == 0
    assert "Compacted" in out


def test_checks_from_the_terminal_never_swallow_the_runners_alert(
    upwatch_home: Path, capsys: pytest.CaptureFixture[str], target: TargetServer
) -> None:
    run(capsys, "add", target.url("status/404"), "--name", "missing")
    assert run(capsys, "check", "missing")[0] == 1
    assert run(capsys, "check", "missing")[0] == 1
    conn = sqlite3.connect(upwatch_home / "upwatch.sqlite3")
    state, incidents = conn.execute(
        "SELECT state, (SELECT count(*) FROM incidents) FROM monitors"
    ).fetchone()
    conn.close()
    assert (state, incidents) == (None, 0)  # the runner will still confirm and alert


def test_a_rule_can_be_switched_off_again(
    upwatch_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(
        capsys,
        "add",
        "http://127.0.0.1:9/",
        "--name",
        "s",
        "--keyword",
        "ok",
        "--remind-every",
        "5",
    )
    assert run(capsys, "edit", "s", "--keyword", "", "--remind-every", "0")[0] == 0
    [monitor] = json.loads(run(capsys, "export")[1])["monitors"]
    assert (monitor["keyword"], monitor["reminder_minutes"]) == (None, None)


def test_abbreviated_options_are_not_guessed(
    upwatch_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["add", "http://127.0.0.1:9/", "--interva", "60"])
    assert exit_.value.code == 2


def test_exports_are_private_and_csv_cannot_be_imported(
    upwatch_home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run(capsys, "add", "http://127.0.0.1:9/")
    path = tmp_path / "m.csv"
    code, out, _ = run(capsys, "export", "--format", "csv", "-o", str(path))
    assert (code, out.strip()) == (0, f"Wrote 1 monitor to {path}")
    assert path.stat().st_mode & 0o077 == 0
    code, _, err = run(capsys, "import", str(path))
    assert code == 2
    assert "CSV exports cannot be imported" in err


def test_a_second_runner_on_the_same_data_folder_is_refused(
    upwatch_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from desktop.runtime.lock import RunnerLock

    lock = RunnerLock(upwatch_home)
    lock.acquire()
    try:
        code, _, err = run(capsys, "run")
    finally:
        lock.release()
    assert code == 2
    assert "already checking these monitors" in err
