"""Published status pages: the HTML, JSON, badges and feed strangers see, and what they must
never see."""

import base64
import hashlib
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from sync_server.public.schemas import MonitorStatusPublic, StatusPageOut
from tests.support.personas import ALICE
from tests.support.status_history import add_incident, add_results

ATOM = "{http://www.w3.org/2005/Atom}"


class Page(HTMLParser):
    """What the tests look for in a page: texts, tags, attributes, bars."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []
        self.texts: list[str] = []
        self.bars: list[dict[str, str]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(k, v or "") for k, v in attrs]
        if tag == "li" and dict(attrs).get("class") in ("up", "minor", "major", "none"):
            self.bars.append({k: v or "" for k, v in attrs})

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.texts.append(data.strip())

    @property
    def text(self) -> str:
        return " ".join(self.texts)


def login(client: TestClient, who: dict[str, str]) -> dict[str, str]:
    client.post("/api/auth/register", json=who)
    token = client.post("/api/auth/login", json=who).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def add_monitor(client: TestClient, headers: dict[str, str], name: str) -> uuid.UUID:
    body = {"url": f"https://{name.lower()}.example.com", "name": name}
    return uuid.UUID(client.post("/api/monitors", json=body, headers=headers).json()["id"])


def publish(
    client: TestClient,
    headers: dict[str, str],
    slug: str,
    monitors: list[uuid.UUID],
    **fields: object,
) -> dict[str, object]:
    body = {"slug": slug, "title": "Acme", "monitor_ids": [str(m) for m in monitors], **fields}
    answer = client.post("/api/status-pages", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    page: dict[str, object] = answer.json()
    return page


def every_minute(
    hours: float, status: str = "up", ms: int = 120
) -> list[tuple[datetime, str, int | None]]:
    now = datetime.now(UTC)
    return [(now - timedelta(minutes=i), status, ms if status != "down" else None)
            for i in range(int(hours * 60))]  # fmt: skip


@pytest.fixture
def alice(client: TestClient) -> dict[str, str]:
    return login(client, ALICE)


def test_a_page_shows_banner_states_bars_uptime_chart_and_incidents(
    client: TestClient, db: Engine, alice: dict[str, str]
) -> None:
    api, web = add_monitor(client, alice, "API"), add_monitor(client, alice, "Website")
    now = datetime.now(UTC)
    add_results(db, api, "local", every_minute(3))
    outage = [(now - timedelta(minutes=i), "down", None) for i in range(3)]
    add_results(
        db, web, "local", outage + every_minute(2)[5:], error="DNS lookup failed for db.internal"
    )
    add_incident(
        db, web, "local", now - timedelta(minutes=3), None, "DNS lookup failed for db.internal"
    )
    add_incident(
        db,
        api,
        "local",
        now - timedelta(days=3, hours=2),
        now - timedelta(days=3),
        "timeout after 30 s",
    )
    publish(client, alice, "acme", [api, web], description="Everything Acme runs")

    answer = client.get("/s/acme")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    page = Page(answer.text)
    assert "Partial outage" in page.text
    assert page.text.index("API Operational") < page.text.index("Website Down")  # page order
    assert "Everything Acme runs" in page.text
    assert "Operational" in page.text
    assert "Down" in page.text
    assert len(page.bars) == 180  # 90 days for each monitor
    today = page.bars[89]
    assert today["class"] == "up"
    assert today["aria-label"].endswith("100% uptime · No downtime")
    assert "tabindex" not in today  # only days with downtime take keyboard focus
    assert page.bars[179]["class"] == "major"
    assert "down" in page.bars[179]["aria-label"]
    assert page.bars[179]["tabindex"] == "0"
    assert page.bars[0]["class"] == "none"
    assert page.bars[0]["aria-label"].endswith("No data")
    assert "polyline" in page.tags  # the response-time chart
    assert "DNS failure" in page.text
    assert page.text.index("Ongoing") < page.text.index("API Operational")  # outages first
    assert "ongoing for" in page.text
    assert "timed out" in page.text
    assert "down for 2 h" in page.text
    assert "db.internal" not in answer.text  # errors are not repeated to strangers
    assert "example.com" not in answer.text  # nor the monitors' URLs


def test_the_html_is_locked_down_and_cached_by_etag(
    client: TestClient, alice: dict[str, str]
) -> None:
    """CSP without unsafe-inline or scripts; repeat visits get 304."""
    publish(client, alice, "acme", [add_monitor(client, alice, "API")])
    answer = client.get("/s/acme?utm_source=chat")  # shared links gather tags: still the page
    csp = answer.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "script-src" not in csp
    assert "frame-ancestors 'none'" in csp
    assert answer.headers["cache-control"] == "public, max-age=30"
    assert "script" not in Page(answer.text).tags
    again = client.get("/s/acme", headers={"If-None-Match": answer.headers["etag"]})
    if again.status_code == 200:  # a new minute began in between: a new version, once
        assert again.headers["etag"] != answer.headers["etag"]
        again = client.get("/s/acme", headers={"If-None-Match": again.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""


def test_a_large_page_travels_gzipped_to_clients_that_take_it(
    client: TestClient, db: Engine, alice: dict[str, str]
) -> None:
    monitors = [add_monitor(client, alice, f"Service{n}") for n in range(8)]
    for monitor in monitors:
        add_results(db, monitor, "local", every_minute(0.1))
    publish(client, alice, "acme", monitors)
    packed = client.get("/s/acme", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == "Accept-Encoding"
    assert packed.num_bytes_downloaded < len(packed.content) / 5
    plain = client.get("/s/acme", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.text == packed.text
    # either version's ETag is a match for the other (they are the same page)
    again = client.get("/s/acme", headers={"If-None-Match": packed.headers["etag"],
                                           "Accept-Encoding": "identity"})  # fmt: skip
    assert again.status_code in (200, 304)  # 200 only when a new minute began in between


def test_the_policy_allows_exactly_the_pages_own_style_block(
    client: TestClient, alice: dict[str, str]
) -> None:
    """The CSP's style hash is the hash of the one <style> the page has (a browser would
    otherwise drop the styles; tests/e2e/test_status_page_browser.py checks in Chromium)."""
    publish(client, alice, "acme", [add_monitor(client, alice, "API")])
    answer = client.get("/s/acme")
    style = answer.text.split("<style>", 1)[1].split("</style>", 1)[0]
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in answer.headers["content-security-policy"]
    assert answer.text.count("<style>") == 1
    assert "style=" not in answer.text  # no inline style attributes to be refused


XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    "</script><script>alert(1)</script>",
    '"><iframe src=//evil.example>',
]


@pytest.mark.parametrize("payload", XSS)
def test_user_written_text_is_escaped_everywhere(
    client: TestClient, db: Engine, alice: dict[str, str], payload: str
) -> None:
    """Titles, descriptions and monitor names carrying markup stay text in the page, the
    JSON, the feed and the badges."""
    monitor = add_monitor(client, alice, "api")
    client.put(
        f"/api/monitors/{monitor}",
        json={"url": "https://api.example.com", "name": payload},
        headers=alice,
    )
    now = datetime.now(UTC)
    add_results(db, monitor, "local", every_minute(1))
    add_incident(
        db, monitor, "local", now - timedelta(hours=1), now - timedelta(minutes=30), payload
    )
    publish(client, alice, "acme", [monitor], title=payload[:100], description=payload)

    html = client.get("/s/acme").text
    page = Page(html)
    assert not {"script", "img", "iframe", "a"} & set(page.tags) - {"a"}
    assert not [k for k, _ in page.attrs if k.startswith("on")]
    assert not [v for k, v in page.attrs if k in ("href", "src") and "javascript:" in v]
    assert not [v for k, v in page.attrs if k == "href" and "evil" in v]
    assert payload in page.text  # shown as the words it is
    feed = ET.fromstring(client.get("/s/acme/feed.atom").content)
    assert feed.findtext(f"{ATOM}title", "").startswith(payload[:100])
    assert client.get("/api/public/status-pages/acme").json()["title"] == payload[:100]
    svg = client.get(f"/api/public/badges/{monitor}/status.svg")
    badge = ET.fromstring(svg.content)
    assert not [e for e in badge.iter() if e.tag.endswith(("script", "foreignObject"))]
    assert "sandbox" in svg.headers["content-security-policy"]


def test_the_json_has_the_page_its_monitors_and_incidents(
    client: TestClient, db: Engine, alice: dict[str, str]
) -> None:
    api = add_monitor(client, alice, "API")
    add_results(db, api, "local", every_minute(2, ms=200))
    add_results(db, api, "local", [(datetime.now(UTC) - timedelta(days=2), "down", None)])
    publish(client, alice, "acme", [api])
    answer = client.get("/api/public/status-pages/acme")
    assert answer.headers["access-control-allow-origin"] == "*"
    body = answer.json()
    assert (body["slug"], body["status"], body["label"]) == (
        "acme",
        "up",
        "All systems operational",
    )
    (monitor,) = body["monitors"]
    assert (monitor["name"], monitor["status"], monitor["source"]) == ("API", "up", "local")
    assert monitor["uptime"]["24h"] == 100.0
    assert 99.0 < monitor["uptime"]["30d"] < 100.0
    assert monitor["mean_ms_24h"] == 200.0
    assert len(monitor["days"]) == 90
    assert monitor["days"][-3]["downtime_s"] == 300  # one failed check of a 5-minute monitor
    assert set(monitor) >= {"last_checked", "p95_ms_24h"}
    assert "url" not in monitor
    assert "headers" not in monitor
    assert client.get(f"/api/public/status/{api}").json()["uptime"] == monitor["uptime"]
    StatusPageOut.model_validate_json(answer.content)  # the documented shape
    MonitorStatusPublic.model_validate_json(client.get(f"/api/public/status/{api}").content)


def test_a_cloud_checked_monitor_shows_the_clouds_results(
    client: TestClient, db: Engine, alice: dict[str, str]
) -> None:
    """Paid plans show cloud results; days the cloud did not check fall back to the desktop's."""
    with db.begin() as conn:
        conn.execute(text("UPDATE users SET plan = 'starter'"))
    api = add_monitor(client, alice, "API")
    cloud = {"url": "https://api.example.com", "name": "API", "cloud": True, "interval": 60}
    assert client.put(f"/api/monitors/{api}", json=cloud, headers=alice).status_code == 200
    add_results(db, api, "cloud", every_minute(1, "down"))
    add_results(db, api, "local", every_minute(1, "up"))
    add_results(db, api, "local", [(datetime.now(UTC) - timedelta(days=5), "up", 80)])
    publish(client, alice, "acme", [api])
    (monitor,) = client.get("/api/public/status-pages/acme").json()["monitors"]
    assert (monitor["source"], monitor["status"], monitor["uptime"]["24h"]) == (
        "cloud",
        "down",
        0.0,
    )
    assert monitor["days"][-6]["uptime"] == 100.0  # only the desktop knew that day


def test_badges_show_state_uptime_and_response_time(
    client: TestClient, db: Engine, alice: dict[str, str]
) -> None:
    api = add_monitor(client, alice, "API")
    add_results(db, api, "local", every_minute(1, ms=150))
    publish(client, alice, "acme", [api])
    for path, words in [
        ("status.svg", ["API", "operational"]),
        ("uptime.svg?window=24h", ["uptime 24h", "100%"]),
        ("uptime.svg", ["uptime 30d"]),
        ("response.svg", ["response 24h", "150 ms"]),
    ]:
        answer = client.get(f"/api/public/badges/{api}/{path}")
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "image/svg+xml"
        texts = [e.text for e in ET.fromstring(answer.content).iter() if e.text]
        assert all(word in texts for word in words), (path, texts)
    wrong = client.get(f"/api/public/badges/{api}/uptime.svg?window=1y")
    assert wrong.status_code == 422


def test_the_feed_lists_incidents_as_atom_entries(
    client: TestClient, db: Engine, alice: dict[str, str]
) -> None:
    api = add_monitor(client, alice, "API")
    now = datetime.now(UTC)
    add_incident(
        db, api, "local", now - timedelta(hours=5), now - timedelta(hours=4), "timeout after 30 s"
    )
    add_incident(db, api, "local", now - timedelta(minutes=10), None, "expected 200-299, got 502")
    publish(client, alice, "acme", [api])
    answer = client.get("/s/acme/feed.atom")
    assert answer.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(answer.content)
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    assert titles == ["API is down", "API was down for 1 h"]
    summaries = [e.findtext(f"{ATOM}summary", "") for e in feed.findall(f"{ATOM}entry")]
    assert "HTTP 502" in summaries[0]


def public_urls(slug: str, monitor: uuid.UUID) -> list[str]:
    return [
        f"/s/{slug}", f"/s/{slug}/feed.atom", f"/api/public/status-pages/{slug}",
        f"/api/public/status/{monitor}", f"/api/public/badges/{monitor}/status.svg",
        f"/api/public/badges/{monitor}/uptime.svg",
        f"/api/public/badges/{monitor}/uptime.svg?window=24h",
        f"/api/public/badges/{monitor}/response.svg",
    ]  # fmt: skip


def test_a_private_monitor_never_appears_in_anything_public(
    client: TestClient, db: Engine, alice: dict[str, str]
) -> None:
    """Every public URL answers 404 for a monitor on no published page: never on one, on
    an unpublished page, removed from a page, on a deleted page, or deleted itself."""
    shown, private = add_monitor(client, alice, "Shown"), add_monitor(client, alice, "SecretBox")
    add_results(db, private, "local", every_minute(1))
    add_incident(
        db, private, "local", datetime.now(UTC) - timedelta(hours=1), None, "timeout after 3 s"
    )
    with db.begin() as conn:
        conn.execute(text("UPDATE users SET plan = 'business'"))
    page = publish(client, alice, "acme", [shown])
    publish(client, alice, "draft", [private], published=False)

    def leaks() -> list[str]:
        found = []
        for url in public_urls("acme", private)[3:] + public_urls("draft", private)[:3]:
            answer = client.get(url)
            if answer.status_code != 404:
                found.append(f"{url} -> {answer.status_code}")
        for url in public_urls("acme", shown)[:3]:
            answer = client.get(url)
            assert answer.status_code == 200
            if "SecretBox" in answer.text or str(private) in answer.text:
                found.append(url)
        return found

    assert leaks() == []
    # shown for a while, then removed from the page: private again at once
    client.put(f"/api/status-pages/{page['id']}", json={"slug": "acme", "title": "Acme",
               "monitor_ids": [str(shown), str(private)]}, headers=alice)  # fmt: skip
    assert client.get(f"/api/public/status/{private}").status_code == 200
    client.put(f"/api/status-pages/{page['id']}", json={"slug": "acme", "title": "Acme",
               "monitor_ids": [str(shown)]}, headers=alice)  # fmt: skip
    assert leaks() == []
    # a published page that is then deleted
    gone = publish(client, alice, "gone", [private])
    client.delete(f"/api/status-pages/{gone['id']}", headers=alice)
    assert [client.get(u).status_code for u in public_urls("gone", private)] == [404] * 8
    # a deleted monitor on a published page
    live = publish(client, alice, "live", [shown, private])
    assert client.get(f"/api/public/status/{private}").status_code == 200
    client.delete(f"/api/monitors/{private}", headers=alice)
    assert [client.get(u).status_code for u in public_urls("live", private)[3:]] == [404] * 5
    assert "SecretBox" not in client.get("/s/live").text
    assert live["slug"] == "live"


@pytest.mark.parametrize(
    "path",
    ["/s/ACME", "/s/acme%20", "/s/%61cme%2f..", "/s/..%2facme", "/s/acme.atom",
     "/s/ac%E2%80%8Bme", "/s/draft", "/s/draft/feed.atom", "/api/public/status-pages/ACME",
     "/api/public/status-pages/draft", "/api/public/status/not-a-uuid"],
)  # fmt: skip
def test_slug_tricks_find_nothing(client: TestClient, alice: dict[str, str], path: str) -> None:
    """Case, encodings, traversal, zero-width characters and drafts answer 404 (or 422
    for a malformed id), never another page."""
    publish(client, alice, "acme", [add_monitor(client, alice, "API")])
    client.post("/api/status-pages", json={"slug": "draft", "title": "Draft", "published": False},
                headers=alice)  # fmt: skip
    answer = client.get(path)
    assert answer.status_code in (404, 422)
    assert "API" not in answer.text


def test_a_missing_page_is_a_plain_404_page(client: TestClient) -> None:
    answer = client.get("/s/nothing-here")
    assert answer.status_code == 404
    assert "Status page not found" in answer.text
    assert "default-src 'none'" in answer.headers["content-security-policy"]


def test_an_hour_without_a_histogram_still_gives_a_page(
    client: TestClient, db: Engine, alice: dict[str, str]
) -> None:
    """A rollup row with an empty histogram (older rows, hand-made ones) counts without one."""
    api = add_monitor(client, alice, "API")
    add_results(db, api, "local", every_minute(2))
    with db.begin() as conn:
        old_hours = "bucket < now() - interval '1 hour'"
        conn.execute(text(f"UPDATE rollups_hourly SET histogram = '{{}}' WHERE {old_hours}"))
    publish(client, alice, "acme", [api])
    answer = client.get("/api/public/status-pages/acme")
    assert answer.status_code == 200
    assert answer.json()["monitors"][0]["uptime"]["24h"] == 100.0
