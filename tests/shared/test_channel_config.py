"""Apprise URLs in their cloud form: what the cloud can send, and what stays on the desktop."""

import pytest

from shared.channel_config import cloud_config, describe_target

SLACK = "T0123ABCD/B0123ABCD/abcdefghijklmnopqrstuvwx"
SLACK_HOOK = f"https://hooks.slack.com/services/{SLACK}"
DISCORD_ID, DISCORD_TOKEN = "123456789012345678", "AbCdEf_gh-ijklmnopqrstuvwxyz0123"


@pytest.mark.parametrize(
    ("url", "config"),
    [
        ("mailto://smtp.example.com/?to=ops@example.com",
         {"type": "email", "to": "ops@example.com"}),
        ("mailtos://me:pw@gmail.com", {"type": "email", "to": "me@gmail.com"}),
        ("mailto://smtp.example.com/?to=a@example.com,b@example.com",
         {"type": "email", "to": "a@example.com"}),
        (f"slack://{SLACK}", {"type": "slack", "webhook_url": SLACK_HOOK}),
        (f"slack://{SLACK}/#alerts", {"type": "slack", "webhook_url": SLACK_HOOK}),
        (SLACK_HOOK, {"type": "slack", "webhook_url": SLACK_HOOK}),
        (f"discord://{DISCORD_ID}/{DISCORD_TOKEN}",
         {"type": "discord",
          "webhook_url": f"https://discord.com/api/webhooks/{DISCORD_ID}/{DISCORD_TOKEN}"}),
        ("tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-1001234",
         {"type": "telegram", "bot_token": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
          "chat_id": "-1001234"}),
        ("json://hooks.example.com:8080/in",
         {"type": "webhook", "url": "http://hooks.example.com:8080/in"}),
        ("jsons://hooks.example.com/in", {"type": "webhook", "url": "https://hooks.example.com/in"}),
        # only this computer can send these
        ("dbus://", None),
        ("ntfys://ntfy.example.com/alerts", None),
        ("slack://xoxb-1234-1234-abc/#general", None),
        ("jsons://hooks.example.com/in?+X-Token=abc", None),
        ("json://user:pw@hooks.example.com/in", None),
        ("tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/1/2", None),
        ("mailto://smtp.example.com", None),
    ],
)  # fmt: skip
def test_an_apprise_url_has_its_cloud_form_or_none(url: str, config: dict[str, str] | None) -> None:
    assert cloud_config(url) == config


@pytest.mark.parametrize(
    ("config", "shown"),
    [
        ({"type": "email", "to": "ops@example.com"}, "ops@example.com"),
        ({"type": "telegram", "bot_token": "1:secret", "chat_id": "42"}, "Telegram chat 42"),
        ({"type": "webhook", "url": "https://hooks.example.com:8443/s3cr3t"},
         "https://hooks.example.com:8443/…"),
        ({"type": "slack", "webhook_url": SLACK_HOOK}, "https://hooks.slack.com/…"),
    ],
)  # fmt: skip
def test_a_target_is_described_without_its_secret(config: dict[str, str], shown: str) -> None:
    assert describe_target(config) == shown
