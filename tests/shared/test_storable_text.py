"""Text every store can keep (shared/text.py), and patterns that hold to the very end."""

import json

import pytest

from shared.monitor import check_headers
from shared.status_page import check_slug
from shared.text import field_name, is_storable, may_hold_unstorable, unstorable_field


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ({"name": "Shop"}, None),
        ({"name": "Sh\x00op"}, ("name",)),
        ({"headers": {"X-\x00": "1"}}, ("headers", "X-\x00")),
        ({"results": [{"error": "ok"}, {"error": "\ud800"}]}, ("results", 1, "error")),
        ("\x00", ()),
        ({"name": "\U0001f600 and é"}, None),
    ],
)
def test_the_first_unstorable_text_is_found_by_its_path(value: object, path: object) -> None:
    assert unstorable_field(value) == path


def test_a_value_nested_far_deeper_than_the_recursion_limit_is_walked() -> None:
    value: object = "\x00"
    for _ in range(50_000):
        value = [value]
    found = unstorable_field(value)
    assert found is not None
    assert len(found) == 50_000


def test_raw_json_is_looked_at_only_when_it_spells_a_nul_or_a_surrogate() -> None:
    assert may_hold_unstorable(json.dumps({"a": "\x00"}).encode())
    assert may_hold_unstorable(json.dumps({"a": "\ud800"}).encode())
    assert may_hold_unstorable(b'{"a": "\\uDBFF"}')
    assert not may_hold_unstorable(json.dumps({"a": "é ok"}).encode())
    assert not may_hold_unstorable(b'{"a": "plain"}')


def test_storable_text_and_field_names() -> None:
    assert is_storable("plain \t\n text é")
    assert not is_storable("a\x00b")
    assert field_name(("results", 3, "error")) == "results.3.error"
    assert field_name(()) == "body"


@pytest.mark.parametrize("slug", ["admin\n", "acme-status\n", "acme\nstatus"])
def test_a_slug_with_a_newline_is_refused(slug: str) -> None:
    with pytest.raises(ValueError, match="slug"):
        check_slug(slug)


def test_a_header_name_with_a_trailing_newline_is_refused() -> None:
    with pytest.raises(ValueError, match="not a valid HTTP token"):
        check_headers({"X-Api-Key\n": "1"})
