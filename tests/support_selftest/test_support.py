"""Prove that the shared test infrastructure in tests/support really works (no mocks)."""

import asyncio
import contextlib
import datetime as dt
import os
import smtplib
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from email.message import EmailMessage
from pathlib import Path

import aiohttp
import keyring
import pytest
from keyring.errors import PasswordDeleteError

from tests.support.memkeyring import FILE_ENV_VAR, FileKeyring, MemoryKeyring
from tests.support.netguard import ExternalNetworkError, NetworkGuard, is_local_address
from tests.support.smtp import SmtpSink
from tests.support.target import TargetServer, TlsTargetServer
from tests.support.webhook import WebhookReceiver

REPO_ROOT = Path(__file__).resolve().parents[2]
QUICK = aiohttp.ClientTimeout(total=5)


def send_mail(sink: SmtpSink, subject: str, body: str, *, starttls: bool = False) -> None:
    """Send one message to `sink` with smtplib, logging in as alice."""
    message = EmailMessage()
    message["From"] = "upwatch@example.test"
    message["To"] = "ops@example.test"
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(sink.host, sink.port, timeout=5) as client:
        if starttls:
            client.starttls(context=ssl._create_unverified_context())
        client.login("alice", "s3cret")
        client.send_message(message)


def raw_request(url_host: str, port: int, path: str) -> socket.socket:
    """Open a socket to the server and send a bare GET for `path`."""
    sock = socket.create_connection((url_host, port), timeout=5)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {url_host}\r\n\r\n".encode())
    return sock


# -- TargetServer -------------------------------------------------------------------------


@pytest.mark.parametrize("code", [200, 204, 404, 503])
async def test_it_answers_the_status_it_is_asked_for(target: TargetServer, code: int) -> None:
    async with (
        aiohttp.ClientSession(timeout=QUICK) as session,
        session.get(target.url(f"/status/{code}")) as response,
    ):
        assert response.status == code
        assert await response.text() == ("" if code == 204 else f"status {code}")


def test_it_serves_sync_clients_too(target: TargetServer) -> None:
    with urllib.request.urlopen(target.url("body?text=hello+world"), timeout=5) as response:
        assert response.read() == b"hello world"


async def test_a_slow_endpoint_answers_after_the_delay(target: TargetServer) -> None:
    started = time.monotonic()
    async with (
        aiohttp.ClientSession(timeout=QUICK) as session,
        session.get(target.url("slow/150")) as response,
    ):
        assert await response.text() == "slow"
    assert time.monotonic() - started >= 0.15


async def test_a_hanging_endpoint_times_the_client_out(target: TargetServer) -> None:
    timeout = aiohttp.ClientTimeout(total=0.2)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        with pytest.raises(TimeoutError):
            await session.get(target.url("hang"))


def test_stop_returns_promptly_while_a_request_hangs() -> None:
    server = TargetServer().start()
    sock = raw_request(server.host, server.port, "/hang")
    try:
        deadline = time.monotonic() + 5
        while server.count("/hang") == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 2
        assert not server.running
    finally:
        sock.close()


def test_reset_aborts_the_connection_with_a_tcp_reset(target: TargetServer) -> None:
    with (
        raw_request(target.host, target.port, "/reset") as sock,
        pytest.raises(ConnectionResetError),
    ):
        sock.recv(1024)


async def test_reset_gives_an_aiohttp_client_a_client_error(target: TargetServer) -> None:
    async with aiohttp.ClientSession(timeout=QUICK) as session:
        with pytest.raises(aiohttp.ClientError):
            await session.get(target.url("reset"))


async def test_a_redirect_chain_is_followed_to_its_end(target: TargetServer) -> None:
    async with (
        aiohttp.ClientSession(timeout=QUICK) as session,
        session.get(target.url("redirect/3")) as response,
    ):
        assert response.status == 200
        assert await response.text() == "arrived"
        assert [str(hop.url.path) for hop in response.history] == [
            "/redirect/3",
            "/redirect/2",
            "/redirect/1",
        ]


async def test_redirect_to_sends_the_client_anywhere(target: TargetServer) -> None:
    destination = "https://elsewhere.example/landing"
    async with (
        aiohttp.ClientSession(timeout=QUICK) as session,
        session.get(
            target.url("redirect-to"), params={"url": destination}, allow_redirects=False
        ) as response,
    ):
        assert response.status == 302
        assert response.headers["Location"] == destination


async def test_echo_reflects_method_headers_and_body(target: TargetServer) -> None:
    async with (
        aiohttp.ClientSession(timeout=QUICK) as session,
        session.patch(
            target.url("echo?x=1"), data=b"payload", headers={"X-Probe": "upwatch"}
        ) as response,
    ):
        echoed = await response.json()
    assert echoed["method"] == "PATCH"
    assert echoed["query"] == {"x": "1"}
    assert echoed["headers"]["X-Probe"] == "upwatch"
    assert echoed["body"] == "payload"


async def test_a_switch_answers_what_it_was_last_set_to(
    target: TargetServer, switch_name: str
) -> None:
    url = target.switch_url(switch_name)
    async with aiohttp.ClientSession(timeout=QUICK) as session:
        async with session.get(url) as response:
            assert (response.status, await response.text()) == (200, "ok")
        target.set_switch(switch_name, status=500, body="down for maintenance")
        async with session.get(url) as response:
            assert (response.status, await response.text()) == (500, "down for maintenance")
        target.set_switch(switch_name, action="reset")
        with pytest.raises(aiohttp.ClientError):
            await session.get(url)
        target.clear_switch(switch_name)
        async with session.get(url) as response:
            assert response.status == 200
    # 3 answered + the reset, which aiohttp (3.14) silently retries once for idempotent methods.
    assert target.count(f"/switch/{switch_name}") in (4, 5)


def test_every_request_is_recorded_with_method_and_path(target: TargetServer) -> None:
    before = time.time()
    request = urllib.request.Request(target.url("status/201?recorded=yes"), method="PUT")
    with urllib.request.urlopen(request, timeout=5):
        pass
    recorded = [r for r in target.requests if r.query_string == "recorded=yes"][-1]
    assert (recorded.method, recorded.path) == ("PUT", "/status/201")
    assert recorded.time >= before


# -- TLS ----------------------------------------------------------------------------------


async def test_a_self_signed_certificate_is_rejected_by_default_verification(
    tls_target: TlsTargetServer,
) -> None:
    assert tls_target.url("x").startswith("https://127.0.0.1:")
    async with aiohttp.ClientSession(timeout=QUICK) as session:
        with pytest.raises(aiohttp.ClientConnectorCertificateError) as caught:
            await session.get(tls_target.url("status/200"))
    reason = str(caught.value.certificate_error).replace("self signed", "self-signed")
    assert "self-signed certificate" in reason


async def test_a_self_signed_certificate_is_accepted_when_trusted(
    tls_target: TlsTargetServer,
) -> None:
    trusting = ssl.create_default_context(cafile=str(tls_target.cert_path))
    async with (
        aiohttp.ClientSession(timeout=QUICK) as session,
        session.get(tls_target.url("status/200"), ssl=trusting) as response,
    ):
        assert await response.text() == "status 200"


async def test_an_expired_certificate_is_rejected_as_expired(
    expired_tls_target: TlsTargetServer,
) -> None:
    assert expired_tls_target.not_valid_after < dt.datetime.now(dt.UTC)
    async with aiohttp.ClientSession(timeout=QUICK) as session:
        with pytest.raises(aiohttp.ClientConnectorCertificateError) as caught:
            await session.get(
                expired_tls_target.url("status/200"), ssl=expired_tls_target.client_ssl_context()
            )
    assert "expired" in str(caught.value.certificate_error)


# -- SmtpSink -----------------------------------------------------------------------------


def test_the_smtp_sink_receives_a_message_sent_with_smtplib(smtp_sink: SmtpSink) -> None:
    send_mail(smtp_sink, "Site DOWN: example", "It answered 503.")
    [mail] = smtp_sink.wait_for(1, timeout=5)
    assert mail.mail_from == "upwatch@example.test"
    assert mail.rcpt_tos == ("ops@example.test",)
    assert mail.subject == "Site DOWN: example"
    assert mail.text.strip() == "It answered 503."
    assert (mail.login, mail.password) == ("alice", "s3cret")


def test_the_smtp_sink_can_refuse_a_message(smtp_sink: SmtpSink) -> None:
    smtp_sink.reject_next()
    with pytest.raises(smtplib.SMTPDataError):
        send_mail(smtp_sink, "refused", "body")
    send_mail(smtp_sink, "accepted", "body")
    assert [mail.subject for mail in smtp_sink.wait_for(1)] == ["accepted"]


def test_the_smtp_sink_speaks_starttls_when_asked() -> None:
    with SmtpSink(starttls=True) as sink:
        send_mail(sink, "over tls", "encrypted", starttls=True)
        assert sink.wait_for(1)[0].subject == "over tls"


@pytest.mark.parametrize("starttls", [False, True])
def test_apprise_delivers_mail_to_the_smtp_sink(starttls: bool) -> None:
    apprise = pytest.importorskip("apprise")
    with SmtpSink(starttls=starttls) as sink:
        notifier = apprise.Apprise()
        assert notifier.add(sink.apprise_url(to="ops@example.test", user="bob", password="p@ss"))
        assert notifier.notify(title="Site DOWN", body="It answered 503.")
        [mail] = sink.wait_for(1)
    assert mail.rcpt_tos == ("ops@example.test",)
    assert (mail.subject, mail.text.strip()) == ("Site DOWN", "It answered 503.")
    assert (mail.login, mail.password) == ("bob", "p@ss")


async def test_the_smtp_sink_can_be_awaited(smtp_sink: SmtpSink) -> None:
    sending = asyncio.create_task(asyncio.to_thread(send_mail, smtp_sink, "async", "body"))
    mails = await smtp_sink.wait_for_async(1, timeout=5)
    await sending
    assert mails[0].subject == "async"


async def test_sync_wait_for_refuses_to_block_a_running_loop(smtp_sink: SmtpSink) -> None:
    with pytest.raises(RuntimeError, match="_async variant"):
        smtp_sink.wait_for(1, timeout=0.1)


def test_wait_for_fails_with_what_it_saw(smtp_sink: SmtpSink) -> None:
    with pytest.raises(AssertionError, match="expected 1 mail"):
        smtp_sink.wait_for(1, timeout=0.05)


# -- WebhookReceiver ----------------------------------------------------------------------


async def test_the_webhook_receiver_records_json_posts(webhook: WebhookReceiver) -> None:
    async with (
        aiohttp.ClientSession(timeout=QUICK) as session,
        session.post(webhook.url("hook"), json={"title": "down", "n": 1}) as response,
    ):
        assert response.status == 200
    [hook] = await webhook.wait_for_async(1)
    assert (hook.method, hook.path) == ("POST", "/hook")
    assert hook.json == {"title": "down", "n": 1}
    assert hook.headers["content-type"] == "application/json"


async def test_the_webhook_receiver_fails_on_purpose_then_succeeds(
    webhook: WebhookReceiver,
) -> None:
    webhook.fail_with(503, times=2)
    async with aiohttp.ClientSession(timeout=QUICK) as session:
        statuses = []
        for _ in range(3):
            async with session.put(webhook.url("retry"), data=b"attempt") as response:
                statuses.append(response.status)
    assert statuses == [503, 503, 200]
    assert [hook.status for hook in webhook.received] == [503, 503, 200]
    assert [hook.body for hook in webhook.succeeded] == [b"attempt"]


def test_apprise_delivers_to_the_webhook_receiver(webhook: WebhookReceiver) -> None:
    apprise = pytest.importorskip("apprise")
    assert webhook.apprise_url() == f"json://127.0.0.1:{webhook.port}/hook"
    notifier = apprise.Apprise()
    assert notifier.add(webhook.apprise_url())
    assert notifier.notify(title="Site DOWN", body="It answered 503.")
    [hook] = webhook.wait_for(1)
    assert hook.path == "/hook"
    assert (hook.json["title"], hook.json["message"]) == ("Site DOWN", "It answered 503.")


# -- keyrings -----------------------------------------------------------------------------


def test_the_memory_keyring_round_trips_a_password(memory_keyring: MemoryKeyring) -> None:
    assert keyring.get_keyring() is memory_keyring
    keyring.set_password("upwatch", "smtp", "hunter2")
    assert keyring.get_password("upwatch", "smtp") == "hunter2"
    assert memory_keyring.snapshot() == {"upwatch": {"smtp": "hunter2"}}
    keyring.delete_password("upwatch", "smtp")
    assert keyring.get_password("upwatch", "smtp") is None
    with pytest.raises(PasswordDeleteError):
        keyring.delete_password("upwatch", "smtp")


def test_the_file_keyring_is_shared_with_a_subprocess(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "keyring.json"
    monkeypatch.setenv(FILE_ENV_VAR, str(store))
    FileKeyring().set_password("upwatch", "webhook", "from-parent")
    child = (
        "import keyring\n"
        "print(keyring.get_password('upwatch', 'webhook'))\n"
        "keyring.set_password('upwatch', 'smtp', 'from-child')\n"
    )
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "tests.support.memkeyring.FileKeyring",
        "PYTHONPATH": str(REPO_ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-c", child], env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "from-parent"
    assert FileKeyring().get_password("upwatch", "smtp") == "from-child"
    with pytest.raises(PasswordDeleteError):
        FileKeyring().delete_password("upwatch", "nobody")


def test_the_file_keyring_is_not_viable_without_its_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(FILE_ENV_VAR, raising=False)
    assert not FileKeyring.viable
    assert MemoryKeyring.viable


# -- environment --------------------------------------------------------------------------


def test_upwatch_home_is_an_empty_directory_in_the_environment(upwatch_home: Path) -> None:
    assert os.environ["UPWATCH_HOME"] == str(upwatch_home)
    assert upwatch_home.is_dir()
    assert list(upwatch_home.iterdir()) == []


def test_qt_is_told_to_render_offscreen() -> None:
    assert os.environ["QT_QPA_PLATFORM"] == "offscreen"


def test_connecting_outside_loopback_is_refused(no_external_network: NetworkGuard) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(ExternalNetworkError):
            sock.connect(("10.1.2.3", 80))
        with pytest.raises(ExternalNetworkError):
            sock.connect_ex(("10.1.2.3", 80))
    with (
        socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock6,
        pytest.raises(ExternalNetworkError),
    ):
        sock6.connect(("2001:db8::1", 80, 0, 0))
    # connect() would resolve a name itself: the guard refuses before any lookup happens.
    with socket.socket() as sock, pytest.raises(ExternalNetworkError):
        sock.connect(("example.com", 80))
    assert len(no_external_network.pop_blocked()) == 4


async def test_asyncio_connections_outside_loopback_are_refused(
    no_external_network: NetworkGuard,
) -> None:
    with pytest.raises(ExternalNetworkError):
        await asyncio.open_connection("10.1.2.3", 80)
    assert no_external_network.pop_blocked() == [(socket.AF_INET, ("10.1.2.3", 80))]


def test_a_swallowed_refusal_is_still_remembered(no_external_network: NetworkGuard) -> None:
    def careless() -> None:
        # The point: code under test may swallow the error; the guard still remembers.
        with contextlib.suppress(Exception):
            socket.create_connection(("10.1.2.3", 80), timeout=1)

    thread = threading.Thread(target=careless)
    thread.start()
    thread.join()
    assert no_external_network.pop_blocked() == [(socket.AF_INET, ("10.1.2.3", 80))]


@pytest.mark.parametrize(
    ("family", "address", "local"),
    [
        (socket.AF_INET, ("127.0.0.1", 80), True),
        (socket.AF_INET, ("127.8.9.10", 80), True),
        (socket.AF_INET, ("localhost", 80), True),
        (socket.AF_INET6, ("::1", 80, 0, 0), True),
        (socket.AF_INET6, ("::ffff:127.0.0.1", 80, 0, 0), True),
        pytest.param(
            getattr(socket, "AF_UNIX", -1),
            "/tmp/upwatch.sock",
            True,
            marks=pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no AF_UNIX"),
        ),
        (socket.AF_INET, ("10.1.2.3", 80), False),
        (socket.AF_INET, ("192.168.1.1", 80), False),
        (socket.AF_INET6, ("::ffff:10.1.2.3", 80, 0, 0), False),
        (socket.AF_INET6, ("fe80::1%eth0", 80, 0, 2), False),
    ],
)
def test_only_loopback_and_unix_addresses_count_as_local(
    family: int, address: object, local: bool
) -> None:
    assert is_local_address(family, address) is local


def test_loopback_connections_are_allowed(target: TargetServer) -> None:
    with socket.create_connection((target.host, target.port), timeout=5):
        pass


async def test_the_servers_work_from_any_event_loop(
    target: TargetServer, webhook: WebhookReceiver
) -> None:
    # The servers run on their own threads and loops, so this test's loop is free.
    async with aiohttp.ClientSession(timeout=QUICK) as session:
        results = await asyncio.gather(
            *(session.post(webhook.url(f"n/{i}"), data=b"x") for i in range(5)),
            *(session.get(target.url("slow/50")) for _ in range(5)),
        )
        for response in results:
            assert response.status == 200
            response.release()
    assert webhook.count("/n/") == 5
