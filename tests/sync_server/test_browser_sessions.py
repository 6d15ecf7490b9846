"""Browser sessions: HttpOnly cookies and the Origin check on writes."""

from collections.abc import Iterator
from http.cookiejar import DefaultCookiePolicy
from http.cookies import SimpleCookie

import pytest
from fastapi.testclient import TestClient

from sync_server.app import create_app
from sync_server.config import ServerSettings
from tests.support import personas
from tests.support.personas import ALICE

SITE = "https://upwatch.example.com"
SAME_SITE = {"Origin": SITE, "Sec-Fetch-Site": "same-origin"}


@pytest.fixture
def browser(settings: ServerSettings, client: TestClient) -> Iterator[TestClient]:
    """A browser on the dashboard's origin (https, so Secure cookies are sent back)."""
    app = create_app(settings.model_copy(update={"public_url": SITE}))
    with TestClient(app, base_url=SITE) as test_client:
        test_client.post("/api/auth/register", json=ALICE)
        yield test_client
    app.state.engine.dispose()


def set_cookies(response: object) -> dict[str, SimpleCookie]:
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    jar = {}
    for header in headers:
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        jar.update(dict.fromkeys(cookie, cookie))
    return jar


def sign_in(browser: TestClient) -> None:
    response = browser.post(
        "/api/auth/login", json={**ALICE, "use_cookies": True}, headers=SAME_SITE
    )
    assert response.status_code == 200


def test_a_browser_sign_in_puts_the_tokens_in_strict_cookies_only(browser: TestClient) -> None:
    """HttpOnly, Secure, SameSite, __Host- prefix, Max-Age within the token's life."""
    response = browser.post(
        "/api/auth/login", json={**ALICE, "use_cookies": True}, headers=SAME_SITE
    )
    assert response.json() == {"token_type": "cookie", "expires_in": 900}
    cookies = set_cookies(response)
    access = cookies["__Host-upwatch_access"]["__Host-upwatch_access"]
    refresh = cookies["__Secure-upwatch_refresh"]["__Secure-upwatch_refresh"]
    for morsel, max_age in ((access, 900), (refresh, 7 * 86400)):
        assert morsel["httponly"] is True
        assert morsel["secure"] is True
        assert morsel["samesite"].lower() == "strict"
        assert 0 < int(morsel["max-age"]) <= max_age
    assert access["path"] == "/"
    assert refresh["path"] == "/api/auth/refresh"
    assert "eyJ" not in response.text  # no JWT in the body


def test_cookie_reads_work_and_same_origin_writes_too(browser: TestClient) -> None:
    sign_in(browser)
    assert browser.get("/api/auth/me").json()["email"] == "alice@example.com"
    created = browser.post(
        "/api/monitors", json={"url": "https://shop.example.com", "interval": 60}, headers=SAME_SITE
    )
    assert created.status_code == 201


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        {"Origin": SITE, "Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {},  # a write must say where it comes from
        {"Origin": "null"},
    ],
)
def test_cross_site_cookie_writes_are_refused_and_change_nothing(
    browser: TestClient, headers: dict[str, str]
) -> None:
    """A cookie-authenticated POST/PUT/DELETE from another site gets 403."""
    sign_in(browser)
    monitor = {"url": "https://shop.example.com", "interval": 60}
    made = browser.post("/api/monitors", json=monitor, headers=SAME_SITE).json()
    attempts = [
        browser.post("/api/monitors", json=monitor, headers=headers),
        browser.put(f"/api/monitors/{made['id']}", json={**monitor, "name": "x"}, headers=headers),
        browser.delete(f"/api/monitors/{made['id']}", headers=headers),
        browser.post("/api/auth/logout", headers=headers),
    ]
    for response in attempts:
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "forbidden"
    assert [m["name"] for m in browser.get("/api/monitors").json()] == [made["name"]]
    assert browser.get("/api/auth/me").status_code == 200  # still signed in


def test_bearer_writes_need_no_origin(browser: TestClient) -> None:
    """The desktop sends bearer tokens; a page on another site cannot, so no check applies."""
    token = browser.post("/api/auth/login", json=ALICE).json()["access_token"]
    browser.cookies.clear()
    response = browser.post(
        "/api/monitors",
        json={"url": "https://shop.example.com", "interval": 60},
        headers={"Authorization": f"Bearer {token}", "Origin": "https://evil.example"},
    )
    assert response.status_code == 201


def test_a_cross_site_sign_in_is_refused(browser: TestClient) -> None:
    """Login CSRF: a foreign page cannot sign the browser in to the attacker's account."""
    response = browser.post(
        "/api/auth/login",
        json={**ALICE, "use_cookies": True},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403
    assert not set_cookies(response)


BOB = {**personas.BOB, "name": "Bob"}
ANSWER = "If this email was new, the account is ready: sign in with your password."


def test_a_browser_that_signs_up_is_signed_in_with_strict_cookies(browser: TestClient) -> None:
    """A sign-up asking for cookies gets the cookies a sign-in gives, and the usual body."""
    response = browser.post(
        "/api/auth/register", json={**BOB, "use_cookies": True}, headers=SAME_SITE
    )
    assert response.status_code == 202
    assert response.json() == {"email": "bob@example.com", "message": ANSWER}
    cookies = set_cookies(response)
    access = cookies["__Host-upwatch_access"]["__Host-upwatch_access"]
    refresh = cookies["__Secure-upwatch_refresh"]["__Secure-upwatch_refresh"]
    for morsel in (access, refresh):
        assert morsel["httponly"] is True
        assert morsel["secure"] is True
        assert morsel["samesite"].lower() == "strict"
    assert int(access["max-age"]) == 900
    assert refresh["path"] == "/api/auth/refresh"
    me = browser.get("/api/auth/me")
    assert me.status_code == 200
    assert (me.json()["email"], me.json()["name"]) == ("bob@example.com", "Bob")
    assert browser.post("/api/auth/refresh", headers=SAME_SITE).status_code == 200


@pytest.mark.parametrize("password", ["correct horse battery", "mallory's own password"])
def test_a_browser_sign_up_for_a_taken_email_answers_alike_and_signs_no_one_in(
    browser: TestClient, password: str
) -> None:
    """The same status and body as for a new email; no cookies, even with the right password:
    a sign-up must not become a way to guess passwords outside the sign-in limits."""
    taken = {"email": "ALICE@example.com", "password": password, "use_cookies": True}
    response = browser.post("/api/auth/register", json=taken, headers=SAME_SITE)
    assert response.status_code == 202
    assert response.json() == {"email": "alice@example.com", "message": ANSWER}
    assert not set_cookies(response)
    assert browser.get("/api/auth/me").status_code == 401
    sign_in(browser)  # the account and its password are as they were


def test_a_sign_up_without_use_cookies_sets_no_cookie(browser: TestClient) -> None:
    response = browser.post("/api/auth/register", json=BOB, headers=SAME_SITE)
    assert response.status_code == 202
    assert not set_cookies(response)
    assert browser.get("/api/auth/me").status_code == 401


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "https://evil.example"},
        {},
    ],
)
def test_a_cross_site_sign_up_into_cookies_is_refused_and_makes_no_account(
    browser: TestClient, headers: dict[str, str]
) -> None:
    """A foreign page cannot sign a browser in to an account it made for it."""
    response = browser.post(
        "/api/auth/register", json={**BOB, "use_cookies": True}, headers=headers
    )
    assert response.status_code == 403
    assert not set_cookies(response)
    login = {"email": BOB["email"], "password": BOB["password"]}
    assert browser.post("/api/auth/login", json=login).status_code == 401


def test_use_cookies_must_be_true_or_false(browser: TestClient) -> None:
    response = browser.post(
        "/api/auth/register", json={**BOB, "use_cookies": "yes"}, headers=SAME_SITE
    )
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("use_cookies: ")


def test_the_refresh_cookie_rotates_and_logout_clears_both(browser: TestClient) -> None:
    """Through cookies: a used refresh cookie is replaced, and logout ends both tokens."""
    sign_in(browser)
    old_refresh = browser.cookies.get("__Secure-upwatch_refresh")
    rotated = browser.post("/api/auth/refresh", headers=SAME_SITE)
    assert rotated.status_code == 200
    assert rotated.json()["token_type"] == "cookie"
    assert browser.cookies.get("__Secure-upwatch_refresh") != old_refresh
    cross = browser.post("/api/auth/refresh", headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    access = browser.cookies.get("__Host-upwatch_access")
    assert browser.post("/api/auth/logout", headers=SAME_SITE).status_code == 204
    cleared = {c.name for c in browser.cookies.jar}
    assert "__Host-upwatch_access" not in cleared
    replay = browser.get("/api/auth/me", headers={"Cookie": f"__Host-upwatch_access={access}"})
    assert replay.status_code == 401


def test_refresh_without_a_token_is_a_clear_401(browser: TestClient) -> None:
    response = browser.post("/api/auth/refresh", headers=SAME_SITE)
    assert response.status_code == 401
    assert "sign in" in response.json()["error"]["message"]


def test_settings_refuse_a_wildcard_origin() -> None:
    """An origin list that lets any site write with cookies does not start."""
    with pytest.raises(ValueError, match="not an origin"):
        ServerSettings(dev=True, allowed_origins=["*"])


STATUS_SITE = "https://status.upwatch.example.com"


def test_status_pages_live_on_their_own_origin_without_dashboard_cookies(
    settings: ServerSettings, client: TestClient
) -> None:
    """With STATUS_URL set, page links point there, the dashboard's host redirects there,
    and a browser signed in to the dashboard sends the page no cookie (host-only cookies)."""
    app = create_app(settings.model_copy(update={"public_url": SITE, "status_url": STATUS_SITE}))
    with TestClient(app, base_url=SITE) as browser:
        # host-only cookies as browsers keep them (RFC 6265; Python's jar is laxer by default)
        strict = DefaultCookiePolicy(strict_ns_domain=DefaultCookiePolicy.DomainStrictNonDomain)
        browser.cookies.jar.set_policy(strict)
        browser.post("/api/auth/register", json=ALICE)
        signed_in = browser.post(
            "/api/auth/login", json={**ALICE, "use_cookies": True}, headers=SAME_SITE
        )
        for jar in set_cookies(signed_in).values():
            for morsel in jar.values():
                assert not morsel["domain"]  # host-only: never sent to the status host
        made = browser.post(
            "/api/status-pages",
            json={"slug": "acme", "title": "Acme"},
            headers=SAME_SITE,
        )
        assert made.status_code == 201, made.text
        assert made.json()["url"] == f"{STATUS_SITE}/s/acme"
        moved = browser.get("/s/acme?ref=mail", follow_redirects=False)
        assert moved.status_code == 308
        assert moved.headers["location"] == f"{STATUS_SITE}/s/acme?ref=mail"
        assert browser.cookies.get("__Host-upwatch_access")  # signed in on the dashboard
        page = browser.get(f"{STATUS_SITE}/s/acme")
        assert page.status_code == 200
        assert "cookie" not in page.request.headers
        assert "set-cookie" not in page.headers
    app.state.engine.dispose()
