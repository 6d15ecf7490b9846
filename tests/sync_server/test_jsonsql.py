"""Answers whose JSON PostgreSQL makes (sync_server/monitors/read_model.py) are exactly what
the response models would have made: same fields, same values once read back."""

import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from sync_server.monitors.schemas import CheckPage, MonitorPublic
from tests.support.personas import ALICE
from tests.sync_server.test_sync import login

T0 = datetime(2026, 11, 20, 12, 0, 0, 123456, tzinfo=UTC)


def test_the_monitor_list_reads_back_as_the_models_that_were_saved(client: TestClient) -> None:
    alice = login(client, ALICE)
    bodies = [
        {"name": "Shop", "url": "https://shop.example.com", "interval": 60},
        {"name": "API \"v2\" <ü>", "url": "https://api.example.com/health?x=1&y=2",
         "method": "POST", "headers": {"X-Token": "abc", "Accept": "application/json"},
         "body": '{"ping": true}\n', "expected_status": "200,204", "keyword": "ok",
         "keyword_absent": True, "degraded_after_ms": 800, "reminder_minutes": 30,
         "follow_redirects": False, "verify_tls": False, "confirmations": 3, "timeout": 7.5},
    ]  # fmt: skip
    saved = []
    for body in bodies:
        answer = client.post("/api/monitors", json=body, headers=alice)
        assert answer.status_code == 201, answer.text
        saved.append(MonitorPublic.model_validate(answer.json()))
    listed = client.get("/api/monitors", headers=alice)
    assert listed.headers["content-type"] == "application/json"
    assert [MonitorPublic.model_validate(item) for item in listed.json()] == saved
    assert set(listed.json()[0]) == set(MonitorPublic.model_fields)


def test_a_checks_page_reads_back_as_a_check_page(client: TestClient, db: Engine) -> None:
    alice = login(client, ALICE)
    shop = client.post(
        "/api/monitors", json={"name": "Shop", "url": "https://shop.example.com"}, headers=alice
    ).json()["id"]
    with db.begin() as conn:
        for n in range(5):
            conn.execute(
                text("INSERT INTO checks (id, monitor_id, status, status_code, response_time_ms,"
                     " error, checked_at, source) VALUES (:id, :m, :s, :c, :t, :e, :at, 'cloud')"),
                {"id": uuid.uuid4(), "m": shop, "s": "down" if n % 2 else "up",
                 "c": 503 if n % 2 else 200, "t": 100 + n, "e": "expected 200-299, got 503"
                 if n % 2 else None, "at": T0 + timedelta(minutes=n)},
            )  # fmt: skip
    first = client.get(f"/api/monitors/{shop}/checks", params={"limit": 3}, headers=alice)
    page = CheckPage.model_validate(first.json())
    assert [c.checked_at for c in page.items] == [T0 + timedelta(minutes=n) for n in (4, 3, 2)]
    assert page.items[0].status == "up"
    assert (page.items[1].status_code, page.items[1].error) == (503, "expected 200-299, got 503")
    assert page.next_before == T0 + timedelta(minutes=2)
    rest = client.get(
        f"/api/monitors/{shop}/checks",
        params={"limit": 3, "before": page.next_before.isoformat()},
        headers=alice,
    )
    second = CheckPage.model_validate(rest.json())
    assert [c.checked_at for c in second.items] == [T0 + timedelta(minutes=n) for n in (1, 0)]
    assert second.next_before is None
    since = client.get(
        f"/api/monitors/{shop}/checks",
        params={"since": (T0 + timedelta(minutes=3)).isoformat()},
        headers=alice,
    )
    assert len(since.json()["items"]) == 2
    empty = client.get(f"/api/monitors/{shop}/checks", params={"before": T0.isoformat()},
                       headers=alice)  # fmt: skip
    assert empty.json() == {"items": [], "next_before": None}
