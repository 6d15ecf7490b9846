"""Apprise URLs built from a few fields (both sides send email and Telegram the same way)."""

from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit


def email_url(to: str, smtp: str, *, sender: str | None = None) -> str:
    """Return a mailto URL sending to `to` through smtp ("smtp://user:pass@host:port").

    Raise ValueError when the recipient or the server host is missing.
    """
    parts = urlsplit(smtp if "://" in smtp else f"smtp://{smtp}")
    if not parts.hostname or "@" not in to:
        raise ValueError("email needs a recipient address and an SMTP server host")
    scheme = "mailtos" if parts.scheme in ("smtps", "mailtos") else "mailto"
    auth = ""
    if parts.username:  # typed raw ("p@ss") or encoded ("p%40ss"): encode exactly once
        auth = quote(unquote(parts.username), safe="")
        if parts.password:
            auth += ":" + quote(unquote(parts.password), safe="")
        auth += "@"
    port = f":{parts.port}" if parts.port else ""
    query = f"to={quote(to, safe='@')}"
    if sender:
        query += f"&from={quote(sender, safe='@')}"
    return f"{scheme}://{auth}{parts.hostname}{port}/?{query}"


def telegram_url(bot_token: str, chat_id: str) -> str:
    """Return the Apprise URL for a Telegram bot token and chat id; ValueError if one is empty."""
    if not bot_token.strip() or not chat_id.strip():
        raise ValueError("Telegram needs a bot token and a chat id")
    return f"tgram://{bot_token.strip()}/{chat_id.strip()}"
