"""Channel kinds and Apprise URLs: build them from a few fields, check them, redact them."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

import apprise

from desktop.errors import InvalidInput
from shared import notify_urls

ChannelKind = Literal["email", "slack", "telegram", "discord", "webhook", "apprise"]
KINDS: tuple[ChannelKind, ...] = ("email", "slack", "telegram", "discord", "webhook", "apprise")

_SCHEME_KIND: dict[str, ChannelKind] = {
    "mailto": "email",
    "mailtos": "email",
    "slack": "slack",
    "tgram": "telegram",
    "discord": "discord",
    "json": "webhook",
    "jsons": "webhook",
    "form": "webhook",
    "forms": "webhook",
    "xml": "webhook",
    "xmls": "webhook",
}


def normalize_target(target: str) -> str:
    """Return an Apprise URL for target: an Apprise URL, or a plain http(s) webhook URL.

    Slack and Discord webhook links are understood by Apprise as they are; any other
    http(s) URL is taken as a generic JSON webhook. Raises InvalidInput.
    """
    target = target.strip()
    if not target or target.startswith("-"):
        raise InvalidInput("a channel needs an Apprise URL such as json://host/path")
    if "://" not in target:
        raise InvalidInput(f"{target!r} is not a URL: Apprise URLs look like scheme://...")
    if any(ch in target for ch in "\r\n\x00"):
        raise InvalidInput("the channel URL contains a line break or NUL")
    if apprise.Apprise.instantiate(target) is not None:
        return target
    parts = urlsplit(target)
    if parts.scheme in ("http", "https") and parts.hostname:
        scheme = "jsons" if parts.scheme == "https" else "json"
        rewritten = f"{scheme}://{target.split('://', 1)[1]}"
        if apprise.Apprise.instantiate(rewritten) is not None:
            return rewritten
    raise InvalidInput(f"Apprise does not understand {redact(target)!r}")


def kind_of(url: str) -> ChannelKind:
    """Return the channel kind of an Apprise URL ("apprise" for every other service)."""
    plugin = apprise.Apprise.instantiate(url)
    scheme = urlsplit(url).scheme.lower()
    if plugin is not None:
        service = type(plugin).__name__.lower()
        if "slack" in service:
            return "slack"
        if "discord" in service:
            return "discord"
    return _SCHEME_KIND.get(scheme, "apprise")


def redact(url: str) -> str:
    """Return url with passwords and tokens hidden, for display and logs."""
    plugin = apprise.Apprise.instantiate(url)
    scheme = urlsplit(url).scheme.lower()
    if plugin is not None and _SCHEME_KIND.get(scheme) != "webhook":
        shown = str(plugin.url(privacy=True))  # type: ignore[no-untyped-call]
        return shown.split("?", 1)[0]
    # A webhook's path and query are often its secret: show where it goes, not the path.
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or '?'}{port}/…"


def email_url(to: str, smtp: str, *, sender: str | None = None) -> str:
    """Return a mailto URL sending to `to` through smtp; raise InvalidInput."""
    try:
        return notify_urls.email_url(to, smtp, sender=sender)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def telegram_url(bot_token: str, chat_id: str) -> str:
    """Return the Apprise URL for a Telegram bot token and chat id; raise InvalidInput."""
    try:
        return notify_urls.telegram_url(bot_token, chat_id)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


FIELDS: dict[ChannelKind, tuple[tuple[str, str], ...]] = {
    "email": (("to", "Send to"), ("smtp", "SMTP server (smtp://user:password@host:587)")),
    "slack": (("webhook_url", "Slack webhook URL (https://hooks.slack.com/…)"),),
    "telegram": (("bot_token", "Bot token"), ("chat_id", "Chat id")),
    "discord": (("webhook_url", "Discord webhook URL (https://discord.com/api/webhooks/…)"),),
    "webhook": (("url", "Webhook URL (receives JSON)"),),
    "apprise": (("url", "Any Apprise URL (ntfy://, pover://, matrix://, …)"),),
}


def build_target(kind: ChannelKind, fields: dict[str, str]) -> str:
    """Return the Apprise URL for a channel kind and its form fields; raise InvalidInput."""
    values = {name: fields.get(name, "").strip() for name, _ in FIELDS[kind]}
    if kind == "email":
        return email_url(values["to"], values["smtp"])
    if kind == "telegram":
        return telegram_url(values["bot_token"], values["chat_id"])
    url = values.get("webhook_url") or values.get("url") or ""
    normalized = normalize_target(url)
    if kind_of(normalized) != kind and kind != "apprise":
        raise InvalidInput(f"that URL is not a {kind} address; check it or choose another kind")
    return normalized
