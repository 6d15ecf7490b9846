"""Delivering one alert through one channel: webhooks through the guarded client, the rest
through Apprise. The answer says whether a failure is worth retrying."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
import apprise

from shared.netguard import ForbiddenAddress, NetGuard
from shared.notify_urls import email_url, telegram_url
from sync_server.alerts.signing import EVENT_ID_HEADER, SIGNATURE_HEADER, signature

WEBHOOK_TIMEOUT_S = 10.0
# answers that will not change by retrying: the hook is gone, or we may not post to it
PERMANENT_STATUSES = frozenset({400, 401, 403, 404, 405, 410, 413, 422})
USER_AGENT = "Upwatch-Alerts/0.1"


@dataclass(frozen=True, slots=True)
class Delivered:
    """How one attempt went."""

    ok: bool
    error: str | None = None
    permanent: bool = False  # retrying cannot help: the channel is disabled


@dataclass(frozen=True, slots=True)
class MailSettings:
    """The hosted side's own SMTP relay, through which every email alert goes."""

    smtp_url: str
    sender: str


class Deliverer:
    """Sends alert payloads; one aiohttp session (guarded) for every webhook."""

    def __init__(self, guard: NetGuard, mail: MailSettings | None) -> None:
        self._guard = guard
        self._mail = mail
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                force_close=True,
                use_dns_cache=False,
                resolver=self._guard.resolver(),
                socket_factory=self._guard.socket_factory,
            )
            self._session = aiohttp.ClientSession(
                connector=connector, trust_env=False, headers={"User-Agent": USER_AGENT}
            )
        return self._session

    async def send(
        self,
        channel_type: str,
        config: dict[str, Any],
        payload: dict[str, Any],
        *,
        event_id: str | None = None,
    ) -> Delivered:
        """Deliver payload through a channel of channel_type with config; return how it went.

        A webhook carries event_id (the same on every retry) and, when its config has a
        secret, a signature over the exact body.
        """
        if channel_type == "webhook":
            body = json.dumps(payload).encode()  # serialized, never templated
            headers = {"Content-Type": "application/json"}
            if event_id is not None:
                headers[EVENT_ID_HEADER] = event_id
            if config.get("secret"):
                headers[SIGNATURE_HEADER] = signature(str(config["secret"]), body, int(time.time()))
            return await self._webhook(str(config["url"]), body, headers)
        try:
            url = self._apprise_url(channel_type, config)
        except ValueError as exc:
            return Delivered(False, str(exc), permanent=True)
        return await asyncio.to_thread(_apprise_send, url, payload)

    def _apprise_url(self, channel_type: str, config: dict[str, Any]) -> str:
        if channel_type == "email":
            if self._mail is None:
                raise ValueError("email alerts are off: the server has no SMTP relay set")
            return email_url(str(config["to"]), self._mail.smtp_url, sender=self._mail.sender)
        if channel_type == "telegram":
            return telegram_url(str(config["bot_token"]), str(config["chat_id"]))
        if channel_type in ("slack", "discord"):
            return str(config["webhook_url"])  # Apprise takes the services' own https URLs
        raise ValueError(f"unknown channel type {channel_type!r}")

    async def _webhook(self, url: str, body: bytes, headers: dict[str, str]) -> Delivered:
        try:
            async with self._http().post(
                url,
                data=body,
                headers=headers,
                allow_redirects=False,  # a redirect could lead anywhere; hooks answer directly
                timeout=aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT_S),
            ) as response:
                if 200 <= response.status < 300:
                    return Delivered(True)
                error = f"the webhook answered {response.status} {response.reason or ''}".strip()
                return Delivered(False, error, permanent=response.status in PERMANENT_STATUSES)
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, ForbiddenAddress):
                return Delivered(False, exc.os_error.strerror, permanent=True)
            return Delivered(False, f"could not connect to the webhook: {exc.os_error}")
        except TimeoutError:
            return Delivered(False, f"the webhook did not answer in {WEBHOOK_TIMEOUT_S:g} s")
        except aiohttp.ClientError as exc:
            return Delivered(False, f"webhook request failed: {exc}")

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()


NOTIFY_TYPES = {
    "down": apprise.NotifyType.FAILURE,
    "reminder": apprise.NotifyType.FAILURE,
    "degraded": apprise.NotifyType.WARNING,
    "up": apprise.NotifyType.SUCCESS,
}


def _apprise_send(url: str, payload: dict[str, Any]) -> Delivered:
    notifier = apprise.Apprise()
    if not notifier.add(url):
        return Delivered(False, "the channel's settings are not a valid address", permanent=True)
    sent = notifier.notify(
        title=str(payload["title"]),
        body=str(payload["body"]),
        notify_type=NOTIFY_TYPES.get(str(payload.get("event")), apprise.NotifyType.INFO),
    )
    return Delivered(True) if sent else Delivered(False, "the service did not accept the alert")
