"""Delivery through Apprise's library API (never a subprocess)."""

from __future__ import annotations

import logging
from typing import Protocol

import apprise

from desktop.notify.errors import NotifyError

# Apprise colours and icons follow the type: red for down, green for recovered.
NOTIFY_TYPES = {
    "down": apprise.NotifyType.FAILURE,
    "reminder": apprise.NotifyType.FAILURE,
    "degraded": apprise.NotifyType.WARNING,
    "up": apprise.NotifyType.SUCCESS,
}


class Sender(Protocol):
    """Delivers one message to one Apprise URL or raises NotifyError."""

    async def send(self, url: str, title: str, body: str, *, event: str = "info") -> None:
        """Deliver; raise NotifyError on failure."""
        ...


class AppriseSender:
    """Sends with apprise.Apprise.async_notify on the running loop."""

    async def send(self, url: str, title: str, body: str, *, event: str = "info") -> None:
        """Deliver title and body to url; raise NotifyError with Apprise's reason."""
        notifier = apprise.Apprise()
        if not notifier.add(url):
            raise NotifyError("not a valid Apprise URL", permanent=True)
        with apprise.LogCapture(level=logging.WARNING) as captured:  # type: ignore[no-untyped-call]
            outcome = await notifier.async_notify(
                title=title, body=body, notify_type=NOTIFY_TYPES.get(event, apprise.NotifyType.INFO)
            )
            log_text = captured.getvalue()
        ok = outcome.status == apprise.AppriseResultStatus.SUCCESS
        if not ok:
            lines = [line.split(" - ", 2)[-1] for line in log_text.strip().splitlines()]
            reason = lines[-1] if lines else "the service did not accept the message"
            raise NotifyError(reason[:300])
