"""What an installed Upwatch pulls in: no plaintext keyring backend outside the tests."""

import re
import tomllib
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
# keyrings.alt stores secrets in plain files; the app must never fall back to it.
PLAINTEXT_KEYRING = "keyrings-alt"


def canonical(name: str) -> str:
    """A distribution name as PEP 503 compares them (keyrings.alt == keyrings-alt)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def names(requirements: list[str]) -> set[str]:
    return {canonical(Requirement(text).name) for text in requirements}


def runtime_closure(root: str, extras: frozenset[str] = frozenset()) -> set[str]:
    """Every installed distribution root (with extras) needs at run time, root included."""
    seen: set[tuple[str, frozenset[str]]] = set()
    pending = [(canonical(root), extras)]
    while pending:
        name, wanted = pending.pop()
        if (name, wanted) in seen:
            continue
        seen.add((name, wanted))
        try:
            requires = distribution(name).requires or []
        except PackageNotFoundError as exc:
            raise AssertionError(f"{name} is a runtime dependency but is not installed") from exc
        for text in requires:
            requirement = Requirement(text)
            marker = requirement.marker
            if marker is None or any(marker.evaluate({"extra": e}) for e in {"", *wanted}):
                pending.append((canonical(requirement.name), frozenset(requirement.extras)))
    return {name for name, _ in seen}


def test_keyrings_alt_is_not_a_runtime_dependency_nor_one_of_the_server_extra() -> None:
    """pyproject.toml keeps keyrings.alt out of [project].dependencies and the server
    extra (a test-only extra may have it)."""
    assert names(PROJECT["dependencies"])  # the table was read, not an empty default
    assert PLAINTEXT_KEYRING not in names(PROJECT["dependencies"])
    assert PLAINTEXT_KEYRING not in names(PROJECT["optional-dependencies"]["server"])


def test_nothing_the_installed_app_or_server_needs_at_run_time_pulls_keyrings_alt_in() -> None:
    """Walking the installed metadata from upwatch, and from upwatch[server], through
    every runtime requirement (markers and extras evaluated) never reaches keyrings.alt."""
    app = runtime_closure("upwatch")
    server = runtime_closure("upwatch", frozenset({"server"}))
    # the walks went through the real dependencies, and the extra added the server's
    assert {"keyring", "pyside6"} <= app
    assert {"fastapi", "psycopg", "psycopg-binary"} <= server - app
    assert PLAINTEXT_KEYRING not in app | server
