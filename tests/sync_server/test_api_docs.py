"""/docs works offline: Swagger UI comes from the package, and the page loads nothing else."""

import base64
import fnmatch
import hashlib
import re
import shutil
import subprocess
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support.api_server import ApiServer

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "sync_server" / "apidocs" / "assets"


class References(HTMLParser):
    """Every address a page makes the browser load, and its inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.addresses: list[str] = []
        self.inline_scripts: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("src", "href"):
            if found.get(name):
                self.addresses.append(str(found[name]))
        self._in_inline_script = tag == "script" and "src" not in found

    def handle_endtag(self, tag: str) -> None:
        self._in_inline_script = False

    def handle_data(self, data: str) -> None:
        if self._in_inline_script:
            self.inline_scripts.append(data)


def references(html: str) -> References:
    parser = References()
    parser.feed(html)
    return parser


def test_the_docs_page_loads_only_files_from_its_own_site(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    found = references(page.text)
    assert len(found.addresses) == 3  # the script, the style sheet and the icon
    for address in found.addresses:
        assert address.startswith("/"), address
        assert not address.startswith("//"), address
    assert "cdn" not in page.text.lower()
    assert "'/openapi.json'" in page.text
    assert "validator.swagger.io" not in page.text


@pytest.mark.parametrize(
    ("name", "media_type", "starts"),
    [
        ("swagger-ui-bundle.js", "text/javascript", b"/*! For license information"),
        ("swagger-ui.css", "text/css", b".swagger-ui"),
        ("favicon-32x32.png", "image/png", b"\x89PNG"),
    ],
)
def test_each_file_the_page_names_is_served_with_its_type(
    client: TestClient, name: str, media_type: str, starts: bytes
) -> None:
    address = f"/docs-assets/{name}"
    assert address in references(client.get("/docs").text).addresses
    response = client.get(address)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.content.startswith(starts)
    assert response.content == (ASSETS / name).read_bytes()


def test_the_bundle_is_swagger_ui_itself(client: TestClient) -> None:
    bundle = client.get("/docs-assets/swagger-ui-bundle.js").text
    assert "SwaggerUIBundle" in bundle
    assert len(bundle) > 1_000_000


@pytest.mark.parametrize(
    "address",
    [
        "/docs-assets/LICENSE",  # shipped beside the files, not served
        "/docs-assets/swagger-ui-bundle.js.map",
        "/docs-assets/..%2Fendpoints.py",
        "/docs-assets/",
        "/redoc",  # ReDoc would load from a CDN: there is none
    ],
)
def test_nothing_else_is_served_from_the_docs_files(client: TestClient, address: str) -> None:
    assert client.get(address).status_code == 404


def test_the_docs_policy_allows_only_this_site_and_the_page_own_script(
    client: TestClient,
) -> None:
    page = client.get("/docs")
    policy = dict(
        part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";")
    )
    assert policy["default-src"] == "'none'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    (inline,) = references(page.text).inline_scripts
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    assert policy["script-src"] == f"'self' 'sha256-{digest}'"
    assert "unsafe" not in page.headers["content-security-policy"]
    assert "http" not in page.headers["content-security-policy"]


def test_every_docs_file_is_installed_with_the_package() -> None:
    """A wheel carries only the data files pyproject.toml lists."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["sync_server.apidocs"]
    for file in ASSETS.iterdir():
        assert any(fnmatch.fnmatch(f"assets/{file.name}", p) for p in patterns), file.name


def test_chromium_shows_the_operations_and_the_policy_blocks_nothing(
    api: ApiServer, tmp_path: Path
) -> None:
    """The real browser, which reaches no internet here: the page must come up whole."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("Chromium is missing: `make test` installs it (apt-get install chromium)")
    command = [
        found, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync",
        "--enable-logging=stderr", "--v=0", f"--user-data-dir={tmp_path}",
        "--virtual-time-budget=10000", "--dump-dom", f"{api.url}/docs",
    ]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=90, check=True)
    assert 'id="operations-tag-auth"' in run.stdout, run.stderr[-2000:]
    assert re.search(r'data-path="/api/auth/register"', run.stdout)
    assert "Content Security Policy" not in run.stderr, run.stderr[-2000:]
