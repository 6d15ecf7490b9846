"""Alert channels in their cloud form: typed configs made from desktop Apprise URLs.

The desktop keeps any Apprise URL; the hosted service sends only a few typed channels
(email, Slack, Discord, Telegram, a JSON webhook). cloud_config() turns an Apprise URL into
that form where it can, so a channel made on the desktop also alerts from the cloud;
describe_target() says where a channel sends without its secret, the same on both sides.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

_SLACK_TOKENS = re.compile(r"^[A-Za-z0-9]{9,}/[A-Za-z0-9]{9,}/[A-Za-z0-9]{24}$")
_DISCORD = re.compile(r"^(\d{15,25})/([A-Za-z0-9_-]{20,120})$")


def cloud_config(url: str) -> dict[str, str] | None:
    """Return the cloud form of an Apprise URL, or None when only this computer can send it.

    None for desktop notifications, services the cloud does not send, and URLs whose extras
    (custom headers, credentials, several recipients' options) the cloud form would drop.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    rest = url.strip().split("://", 1)[1] if "://" in url else ""
    if scheme in ("mailto", "mailtos"):
        return _email(parts.query, parts.username, parts.hostname)
    if scheme == "https" and parts.hostname == "hooks.slack.com":
        return {"type": "slack", "webhook_url": url.strip()}
    if scheme == "slack" and _SLACK_TOKENS.fullmatch(rest.split("/#", 1)[0].split("?", 1)[0]):
        tokens = rest.split("/#", 1)[0].split("?", 1)[0]
        return {"type": "slack", "webhook_url": f"https://hooks.slack.com/services/{tokens}"}
    if scheme == "https" and parts.hostname in ("discord.com", "discordapp.com"):
        return {"type": "discord", "webhook_url": url.strip()}
    if scheme == "discord" and (found := _DISCORD.fullmatch(rest.split("?", 1)[0].strip("/"))):
        webhook = f"https://discord.com/api/webhooks/{found[1]}/{found[2]}"
        return {"type": "discord", "webhook_url": webhook}
    if scheme == "tgram" and not parts.query:
        token, _, chats = rest.partition("/")
        chat = chats.strip("/")
        if token and chat and "/" not in chat:
            return {"type": "telegram", "bot_token": token, "chat_id": chat}
        return None
    if scheme in ("json", "jsons") and parts.hostname and not parts.query:
        if parts.username or parts.password:
            return None  # credentials in the URL: the cloud's webhooks refuse them
        return {"type": "webhook", "url": ("https" if scheme == "jsons" else "http") + "://" + rest}
    return None


def _email(query: str, user: str | None, host: str | None) -> dict[str, str] | None:
    recipients = parse_qs(query).get("to", [])
    to = ",".join(recipients).split(",")[0].strip() if recipients else ""
    if not to and user and host:
        to = f"{user}@{host}"
    return {"type": "email", "to": to} if "@" in to else None


def describe_target(config: dict[str, str]) -> str:
    """Return where a channel sends, without tokens or paths."""
    kind = config.get("type", "")
    if kind == "email":
        return config.get("to", "")
    if kind == "telegram":
        return f"Telegram chat {config.get('chat_id', '')}"
    url = config.get("webhook_url") or config.get("url") or ""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}/…"
