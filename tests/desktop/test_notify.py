"""Alert delivery: real webhook receiver, retries with backoff, permanent failures, wording."""

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest

from desktop.errors import InvalidInput
from desktop.notify.dispatcher import AlertDispatcher, ChannelTarget, Delivery
from desktop.notify.targets import email_url, kind_of, normalize_target, redact, telegram_url
from shared.messages import Message, flip_message, format_duration
from shared.monitor import MonitorSpec
from shared.state import Flip
from shared.status import Status
from tests.support.webhook import WebhookReceiver

MESSAGE = Message(event="down", title="Shop is down", body="http://shop.example\nError: boom")


def dispatcher(
    log: list[Delivery], delays: tuple[float, ...] = (0.05, 0.05, 0.05)
) -> AlertDispatcher:
    return AlertDispatcher(record=log.append, retry_delays=delays)


async def test_a_message_reaches_a_real_webhook(webhook: WebhookReceiver) -> None:
    log: list[Delivery] = []
    target = ChannelTarget(1, "hook", webhook.apprise_url())
    assert await dispatcher(log).deliver(MESSAGE, "m1", target)
    [request] = await webhook.wait_for_async(1)
    assert request.json is not None
    assert (request.json["title"], request.json["message"]) == (MESSAGE.title, MESSAGE.body)
    assert [(d.attempt, d.ok) for d in log] == [(1, True)]


async def test_a_failing_channel_is_retried_with_backoff_and_recorded(
    webhook: WebhookReceiver,
) -> None:
    webhook.fail_with(500, times=2)
    log: list[Delivery] = []
    target = ChannelTarget(1, "hook", webhook.apprise_url())
    assert await dispatcher(log).deliver(MESSAGE, "m1", target)
    assert [(d.attempt, d.ok) for d in log] == [(1, False), (2, False), (3, True)]
    assert log[0].error
    assert len(webhook.succeeded) == 1


async def test_it_gives_up_after_the_last_retry(webhook: WebhookReceiver) -> None:
    webhook.fail_with(503, times=10)
    log: list[Delivery] = []
    ok = await dispatcher(log, delays=(0.01, 0.01)).deliver(
        MESSAGE, "m1", ChannelTarget(1, "hook", webhook.apprise_url())
    )
    assert not ok
    assert [d.ok for d in log] == [False, False, False]


async def test_a_malformed_url_is_a_permanent_failure_not_retried() -> None:
    log: list[Delivery] = []
    ok = await dispatcher(log).deliver(MESSAGE, "m1", ChannelTarget(1, "bad", "nonsense://"))
    assert not ok
    assert len(log) == 1
    assert log[0].error == "not a valid Apprise URL"


async def test_a_slow_channel_never_holds_up_the_caller(webhook: WebhookReceiver) -> None:
    webhook.set_delay(1500)
    log: list[Delivery] = []
    alerts = dispatcher(log)
    started = time.perf_counter()
    alerts.dispatch(MESSAGE, "m1", [ChannelTarget(1, "slow", webhook.apprise_url())])
    assert time.perf_counter() - started < 0.05
    assert alerts.pending == 1
    await alerts.drain(within=10)
    assert [d.ok for d in log] == [True]


async def test_draining_cancels_what_does_not_finish_in_time(webhook: WebhookReceiver) -> None:
    webhook.fail_with(500, times=100)
    alerts = AlertDispatcher(record=lambda d: None, retry_delays=(60.0,))
    alerts.dispatch(MESSAGE, "m1", [ChannelTarget(1, "hook", webhook.apprise_url())])
    await asyncio.sleep(0.3)
    await alerts.drain(within=0.1)
    assert alerts.pending == 0


def flip(previous: Status, current: Status, **fields: object) -> Flip:
    at = datetime(2026, 11, 26, 12, 30, tzinfo=UTC)
    return Flip(uuid.uuid4(), previous, current, at, **fields)  # type: ignore[arg-type]


SPEC = MonitorSpec(name="Shop", url="https://shop.example/")


def test_a_down_alert_names_the_site_the_error_and_the_start() -> None:
    started = datetime(2026, 11, 26, 12, 29, tzinfo=UTC)
    message = flip_message(
        SPEC, flip(Status.UP, Status.DOWN, error="connection refused", incident_started_at=started)
    )
    assert message.title == "Shop is down"
    assert "https://shop.example/" in message.body
    assert "Error: connection refused" in message.body
    assert "Since 2026-11-26 12:29:00 UTC" in message.body


@pytest.mark.parametrize(
    ("zone", "since", "recovered"),
    [
        (None, "12:29:00 UTC", "12:30:00 UTC"),
        (ZoneInfo("Europe/Berlin"), "13:29:00 CET", "13:30:00 CET"),
        (ZoneInfo("America/New_York"), "07:29:00 EST", "07:30:00 EST"),
        (timezone(timedelta(hours=5, minutes=30)), "17:59:00 UTC+05:30", "18:00:00 UTC+05:30"),
    ],
)
def test_an_alert_tells_its_times_in_the_readers_zone(
    zone: tzinfo | None, since: str, recovered: str
) -> None:
    started = datetime(2026, 11, 26, 12, 29, tzinfo=UTC)
    down = flip_message(SPEC, flip(Status.UP, Status.DOWN, incident_started_at=started), zone)
    assert f"Since 2026-11-26 {since}" in down.body
    up = flip_message(SPEC, flip(Status.DOWN, Status.UP, incident_started_at=started), zone)
    assert f"Recovered at 2026-11-26 {recovered}" in up.body


def test_a_recovery_says_how_long_it_was_down() -> None:
    started = datetime(2026, 11, 26, 12, 25, 48, tzinfo=UTC)
    message = flip_message(
        SPEC, flip(Status.DOWN, Status.UP, error="timeout after 30 s", incident_started_at=started)
    )
    assert (message.event, message.title) == ("up", "Shop is up again")
    assert "Down for 4 min 12 s" in message.body
    assert "First error: timeout after 30 s" in message.body


def test_degraded_and_reminder_messages() -> None:
    degraded = flip_message(
        SPEC, flip(Status.UP, Status.DEGRADED, error="slow: 900 ms (limit 500 ms)")
    )
    assert (degraded.event, degraded.title) == ("degraded", "Shop is degraded")
    reminder = flip_message(
        SPEC,
        flip(
            Status.DOWN,
            Status.DOWN,
            reminder=True,
            error="x",
            incident_started_at=datetime(2026, 11, 26, 10, 0, tzinfo=UTC),
        ),
    )
    assert (reminder.event, reminder.title) == ("reminder", "Shop is still down")
    assert "Down for 2 h 30 min" in reminder.body


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (timedelta(seconds=45), "45 s"),
        (timedelta(minutes=4, seconds=12), "4 min 12 s"),
        (timedelta(days=3, hours=4), "3 d 4 h"),
    ],
)
def test_durations_read_naturally(span: timedelta, text: str) -> None:
    assert format_duration(span) == text


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        ("json://127.0.0.1:8080/hook", "webhook"),
        ("https://hooks.slack.com/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ", "slack"),
        ("https://discord.com/api/webhooks/4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js", "discord"),
        ("tgram://123456789:abcdefg_hijklmnop/12315544", "telegram"),
        ("mailto://user:pass@smtp.example.com?to=ops@example.com", "email"),
        ("https://example.com/my/webhook", "webhook"),
        ("ntfy://topic", "apprise"),
    ],
)
def test_the_five_seed_kinds_and_any_apprise_url_are_understood(target: str, kind: str) -> None:
    assert kind_of(normalize_target(target)) == kind


def test_a_plain_https_url_becomes_a_json_webhook() -> None:
    assert normalize_target("https://example.com/my/webhook") == "jsons://example.com/my/webhook"


@pytest.mark.parametrize(
    "target",
    [
        "",
        "-oProxyCommand=evil",
        "--config=/etc/passwd",
        "example.com/hook",
        "nonsense://x",
        "json://a\nb",
    ],
)
def test_bad_channel_urls_are_refused(target: str) -> None:
    """A URL starting with '-' or lacking scheme:// is rejected."""
    with pytest.raises(InvalidInput):
        normalize_target(target)


def test_redaction_hides_secrets() -> None:
    """URLs shown in lists and logs do not carry the token or password."""
    shown = redact("mailto://user:hunter2@smtp.example.com?to=a@b.example")
    assert "hunter2" not in shown
    shown = redact("tgram://123456789:abcdefg_hijklmnop/12315544")
    assert "abcdefg_hijklmnop" not in shown


def test_email_and_telegram_urls_are_built_from_fields() -> None:
    url = email_url("ops@example.com", "smtp://bot:p@ss@smtp.example.com:587")
    assert url.startswith("mailto://bot:p%40ss@smtp.example.com:587/?to=ops@example.com")
    assert kind_of(url) == "email"
    assert telegram_url("123:abc", "42") == "tgram://123:abc/42"
    with pytest.raises(InvalidInput):
        email_url("not-an-address", "smtp.example.com")


@pytest.mark.parametrize(
    ("kind", "fields", "expected_kind"),
    [
        ("email", {"to": "ops@example.com", "smtp": "smtp://u:p@smtp.example.com:587"}, "email"),
        ("telegram", {"bot_token": "123456789:abcdefg_hijklmnop", "chat_id": "42"}, "telegram"),
        (
            "slack",
            {
                "webhook_url": "https://hooks.slack.com/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ"
            },
            "slack",
        ),
        ("webhook", {"url": "https://example.com/hook"}, "webhook"),
        ("apprise", {"url": "ntfy://my-topic"}, "apprise"),
    ],
)
def test_channel_forms_build_apprise_urls(
    kind: str, fields: dict[str, str], expected_kind: str
) -> None:
    from desktop.notify.targets import build_target

    assert kind_of(build_target(kind, fields)) == expected_kind  # type: ignore[arg-type]


def test_a_slack_form_with_another_url_is_refused() -> None:
    from desktop.notify.targets import build_target

    with pytest.raises(InvalidInput, match="not a slack address"):
        build_target("slack", {"webhook_url": "https://example.com/hook"})
