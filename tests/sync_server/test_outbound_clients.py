"""The hosted worker and alert sender reach out only through NetGuard-guarded clients.

Checks go through `AiohttpProbe(guard=...)`; webhooks through the Deliverer's own aiohttp
session, whose connector takes the same NetGuard's resolver and socket factory. The worker
builds one NetGuard and hands it to both. Slack, Discord, Telegram and email go through
Apprise to fixed service hosts or the server's own SMTP relay, not to user addresses.
"""

import ast
from pathlib import Path
from urllib.parse import quote

import pytest

from shared.netguard import NetGuard
from sync_server.alerts.deliver import Delivered, Deliverer
from tests.shared.test_netguard import ScriptedDns, ScriptedGuard
from tests.support.target import TargetServer

ROOT = Path(__file__).resolve().parents[2]
HOSTED_OUTBOUND = [ROOT / "sync_server" / "worker", ROOT / "sync_server" / "alerts"]
OTHER_HTTP_CLIENTS = ("httpx", "requests", "urllib.request", "urllib3", "http.client", "pycurl")
PAYLOAD = {"event": "down", "title": "Shop is down", "body": "connection refused"}


def source_files() -> list[Path]:
    """Every Python file of the worker and alert packages."""
    files = sorted(path for package in HOSTED_OUTBOUND for path in package.rglob("*.py"))
    assert files, "the worker and alert packages moved: point HOSTED_OUTBOUND at them"
    return files


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def dotted(node: ast.expr) -> str | None:
    """`a.b.c` for a name or attribute chain, None for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        owner = dotted(node.value)
        return f"{owner}.{node.attr}" if owner else None
    return None


def calls_to(tree: ast.AST, name: str) -> list[ast.Call]:
    """Calls whose callee is `name` or ends in `.name` (aiohttp.TCPConnector, TCPConnector)."""
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (callee := dotted(node.func)) is not None
        and (callee == name or callee.endswith(f".{name}"))
    ]


def keyword(call: ast.Call, name: str) -> str | None:
    """The source of keyword argument `name` of call, or None when it is not passed."""
    return next((ast.unparse(k.value) for k in call.keywords if k.arg == name), None)


def uses_of_other_clients(tree: ast.AST) -> list[str]:
    """Imports of, and dotted references into, HTTP clients other than the guarded aiohttp."""
    found: list[str] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Attribute) and (reference := dotted(node)):
            names = [reference]
        found += [
            f"line {getattr(node, 'lineno', 0)}: {name}"
            for name in names
            if any(name == client or name.startswith(f"{client}.") for client in OTHER_HTTP_CLIENTS)
        ]
    return sorted(found)


@pytest.mark.parametrize("path", source_files(), ids=lambda path: path.name)
def test_worker_and_alert_code_uses_no_other_http_client(path: Path) -> None:
    """No httpx.Client/AsyncClient, requests, urllib.request, urllib3 or http.client."""
    assert uses_of_other_clients(parsed(path)) == []


def test_the_scan_would_see_another_client() -> None:
    """The scan above is not blind: each way of reaching another client is reported."""
    sneaky = (
        "import httpx\nhttpx.AsyncClient()\n"
        "from urllib import request\n"
        "import urllib.request\n"
        "import requests as r\n"
    )
    assert uses_of_other_clients(ast.parse(sneaky)) == [
        "line 1: httpx",
        "line 2: httpx.AsyncClient",
        "line 3: urllib.request",
        "line 4: urllib.request",
        "line 5: requests",
    ]


def test_every_http_session_there_is_built_on_the_guard() -> None:
    """Each aiohttp connector resolves and connects through a NetGuard; sessions use it."""
    connectors = [c for path in source_files() for c in calls_to(parsed(path), "TCPConnector")]
    sessions = [c for path in source_files() for c in calls_to(parsed(path), "ClientSession")]
    assert connectors, "the webhook sender builds its connector somewhere here"
    for connector in connectors:
        assert keyword(connector, "resolver") == "self._guard.resolver()"
        assert keyword(connector, "socket_factory") == "self._guard.socket_factory"
    assert len(sessions) == len(connectors)
    for session in sessions:
        assert keyword(session, "connector") == "connector"
        assert keyword(session, "trust_env") == "False"  # no proxy from the environment


def test_checks_and_webhooks_share_the_one_guard_the_worker_builds() -> None:
    """worker/cli.py makes one NetGuard and gives it to the checker and every Deliverer."""
    tree = parsed(ROOT / "sync_server" / "worker" / "cli.py")
    guards = [
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
        if dotted(node.value.func) == "NetGuard"
        for target in node.targets
        if isinstance(target, ast.Name)
    ]
    assert len(guards) == 1
    assert len(calls_to(tree, "NetGuard")) == 1
    workers = calls_to(tree, "CloudWorker")
    deliverers = calls_to(tree, "Deliverer")
    assert workers
    assert deliverers
    assert all(keyword(call, "guard") == guards[0] for call in workers)
    assert all(ast.unparse(call.args[0]) == guards[0] for call in deliverers)
    probes = [c for path in source_files() for c in calls_to(parsed(path), "AiohttpProbe")]
    assert probes
    assert all(keyword(call, "guard") == "guard" for call in probes)


async def deliver(url: str, guard: NetGuard) -> Delivered:
    """Send one webhook alert to url through a Deliverer holding guard."""
    deliverer = Deliverer(guard, None)
    try:
        return await deliverer.send("webhook", {"url": url}, PAYLOAD, event_id="evt-1")
    finally:
        await deliverer.close()


async def test_a_webhook_the_guard_allows_is_posted(target: TargetServer, switch_name: str) -> None:
    """The control: with the target allowlisted, the same webhook does arrive."""
    delivered = await deliver(target.switch_url(switch_name), NetGuard(allow=["127.0.0.1/32"]))
    assert delivered == Delivered(True)
    assert target.count(f"/switch/{switch_name}") == 1


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "LOCALHOST", "0x7f000001", "[::1]", "[::ffff:127.0.0.1]", "[::]"],
)
async def test_a_webhook_to_this_machine_is_refused_in_any_spelling(
    target: TargetServer, switch_name: str, host: str
) -> None:
    """A webhook to this machine, however spelled: blocked for good and nothing is posted."""
    url = f"http://{host}:{target.port}/switch/{switch_name}"
    delivered = await deliver(url, NetGuard())
    assert not delivered.ok
    assert delivered.permanent
    assert delivered.error is not None
    assert delivered.error.startswith("blocked:")
    assert target.count(f"/switch/{switch_name}") == 0


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://[fe80::1]/"]
)
async def test_a_webhook_to_metadata_or_private_addresses_is_refused(url: str) -> None:
    """Metadata and private addresses: refused before a socket is opened (the test guard agrees)."""
    delivered = await deliver(url, NetGuard())
    assert not delivered.ok
    assert delivered.permanent
    assert delivered.error is not None
    assert delivered.error.startswith("blocked:")


async def test_a_webhook_name_with_an_internal_answer_is_refused(
    target: TargetServer, switch_name: str
) -> None:
    """For webhooks too, one private answer refuses the name, the allowed one included."""
    guard = ScriptedGuard(ScriptedDns(["127.0.0.1", "10.0.0.7"]), allow=["127.0.0.1/32"])
    delivered = await deliver(f"http://hooks.example:{target.port}/switch/{switch_name}", guard)
    assert delivered.error == "blocked: 10.0.0.7 is a private address"
    assert delivered.permanent
    assert target.count(f"/switch/{switch_name}") == 0


async def test_a_webhook_that_redirects_is_not_followed(
    target: TargetServer, switch_name: str
) -> None:
    """A hook's redirect is an answer, never a second request."""
    target.clear_requests()
    hop = quote(target.switch_url(switch_name), safe="")
    delivered = await deliver(
        target.url(f"redirect-to?url={hop}"), NetGuard(allow=["127.0.0.1/32"])
    )
    assert delivered == Delivered(False, "the webhook answered 302 Found", permanent=False)
    assert [request.path for request in target.requests] == ["/redirect-to"]
