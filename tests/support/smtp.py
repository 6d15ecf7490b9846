"""`SmtpSink`: a real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it gets."""

from __future__ import annotations

import email
import email.policy
import logging
import tempfile
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Self
from urllib.parse import quote, urlencode

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from .certs import make_self_signed_certificate
from .polling import Recorder
from .threaded_app import LOOPBACK, Startable, find_free_port

START_ATTEMPTS = 5


@dataclass(frozen=True)
class ReceivedMail:
    """One message as delivered: envelope, parsed message, raw bytes and the AUTH login used."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    raw: bytes
    login: str | None
    password: str | None

    @property
    def subject(self) -> str:
        """The decoded Subject header ('' when absent)."""
        return str(self.message.get("Subject", ""))

    @property
    def text(self) -> str:
        """The text/plain body ('' when the message has none)."""
        part = self.message.get_body(preferencelist=("plain",))
        return "" if part is None else str(part.get_content())

    @property
    def html(self) -> str | None:
        """The text/html body, if the message has one."""
        part = self.message.get_body(preferencelist=("html",))
        return None if part is None else str(part.get_content())


def _drop_login_data_deprecation(record: logging.LogRecord) -> bool:
    # aiosmtpd 1.4 warns about its own use of Session.login_data on every successful AUTH.
    return "Session.login_data is deprecated" not in record.getMessage()


def accept_any_login(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    """aiosmtpd authenticator that accepts every login and keeps it as the session's auth data."""
    return AuthResult(success=True, auth_data=auth_data)


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self._sink = sink

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return self._sink._deliver(session, envelope)


class SmtpSink(Startable, Recorder[ReceivedMail]):
    """A real SMTP server on 127.0.0.1 (free port) collecting messages; AUTH accepts anything.

    AUTH (PLAIN/LOGIN) is offered without TLS so plain ``smtplib`` / Apprise ``mailto://``
    logins work; the login and password used are kept on each `ReceivedMail`. With
    ``starttls=True`` the server also offers STARTTLS with a self-signed certificate.
    """

    host = LOOPBACK

    def __init__(self, *, starttls: bool = False) -> None:
        self._starttls = starttls
        self._lock = threading.Lock()
        self._messages: list[ReceivedMail] = []
        self._rejections_left = 0
        self._rejection_reply = ""
        self._controller: Controller | None = None
        self._directory: tempfile.TemporaryDirectory[str] | None = None

    @property
    def port(self) -> int:
        """The bound TCP port (only while running)."""
        if self._controller is None:
            raise RuntimeError("SmtpSink is not running")
        port: int = self._controller.port
        return port

    @property
    def messages(self) -> list[ReceivedMail]:
        """A snapshot of the messages accepted so far, oldest first."""
        with self._lock:
            return list(self._messages)

    def apprise_url(
        self,
        *,
        to: str = "ops@example.test",
        sender: str = "upwatch@example.test",
        user: str = "upwatch",
        password: str = "secret",
    ) -> str:
        """Return an Apprise URL that mails `to` through this sink, logging in as `user`.

        Plain ``mailto://`` normally; with ``starttls=True`` it is ``mailtos://`` with
        ``mode=starttls&verify=no`` (the sink's certificate is self-signed).
        """
        credentials = f"{quote(user, safe='')}:{quote(password, safe='')}"
        query = urlencode({"from": sender, "to": to})
        if self._starttls:
            return (
                f"mailtos://{credentials}@{self.host}:{self.port}?{query}&mode=starttls&verify=no"
            )
        return f"mailto://{credentials}@{self.host}:{self.port}?{query}"

    def clear(self) -> None:
        """Forget the received messages and stop rejecting."""
        with self._lock:
            self._messages.clear()
            self._rejections_left = 0

    def reject_next(self, times: int = 1, reply: str = "554 5.0.0 rejected by the test") -> None:
        """Refuse the next `times` messages at DATA with the SMTP `reply` (not recorded)."""
        with self._lock:
            self._rejections_left = times
            self._rejection_reply = reply

    def start(self) -> Self:
        """Start the SMTP server thread; returns self once it answers."""
        if self._controller is not None:
            raise RuntimeError("SmtpSink is already started")
        aiosmtpd_log = logging.getLogger("mail.log")
        if _drop_login_data_deprecation not in aiosmtpd_log.filters:
            aiosmtpd_log.addFilter(_drop_login_data_deprecation)
        kwargs: dict[str, Any] = {
            # A fixed name: the default socket.getfqdn() can stall on DNS.
            "server_hostname": "localhost",
            "authenticator": accept_any_login,
            "auth_require_tls": False,
        }
        if self._starttls:
            self._directory = tempfile.TemporaryDirectory(prefix="upwatch-smtp-tls-")
            certificate = make_self_signed_certificate(Path(self._directory.name))
            kwargs["tls_context"] = certificate.server_context()
        # aiosmtpd needs the port number up front; retry if another process grabs it first.
        for attempt in range(START_ATTEMPTS):
            controller = Controller(
                _Handler(self), hostname=self.host, port=find_free_port(), **kwargs
            )
            try:
                controller.start()
            except OSError:
                controller.loop.close()
                if attempt == START_ATTEMPTS - 1:
                    raise
                continue
            self._controller = controller
            break
        return self

    def stop(self) -> None:
        """Stop the SMTP server and its thread."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()
        if self._directory is not None:
            self._directory.cleanup()
            self._directory = None

    def _recorded(self) -> list[ReceivedMail]:
        return self.messages

    def _describe(self, count: int) -> str:
        got = self.messages
        subjects = ", ".join(repr(mail.subject) for mail in got) or "nothing"
        return f"expected {count} mail(s), got {len(got)}: {subjects}"

    def _deliver(self, session: Session, envelope: Envelope) -> str:
        with self._lock:
            if self._rejections_left > 0:
                self._rejections_left -= 1
                return self._rejection_reply
        raw = envelope.original_content
        if raw is None:
            content = envelope.content
            raw = content.encode("utf-8") if isinstance(content, str) else (content or b"")
        message = email.message_from_bytes(raw, _class=EmailMessage, policy=email.policy.default)
        login = password = None
        auth_data: Any = session.auth_data  # aiosmtpd annotates it as None; it holds our result
        if isinstance(auth_data, LoginPassword):
            login = auth_data.login.decode("utf-8", errors="replace")
            password = auth_data.password.decode("utf-8", errors="replace")
        mail = ReceivedMail(
            mail_from=envelope.mail_from or "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            message=message,
            raw=raw,
            login=login,
            password=password,
        )
        with self._lock:
            self._messages.append(mail)
        return "250 Message accepted for delivery"
