"""Expected-status rules: what users type and what it accepts."""

import pytest

from shared.expect import ExpectedStatus, ExpectedStatusError


@pytest.mark.parametrize(
    ("rule", "code", "accepted"),
    [
        ("200", 200, True),
        (200, 200, True),
        ("200", 201, False),
        ("200-299", 204, True),
        ("200-299", 301, False),
        ("200-299,301", 301, True),
        ("200, 204", 204, True),
        ("200-299,301", 302, False),
        ("500-599", 503, True),
    ],
)
def test_it_accepts_codes_in_the_rule(rule: str | int, code: int, accepted: bool) -> None:
    assert ExpectedStatus.parse(rule).accepts(code) is accepted


@pytest.mark.parametrize("rule", ["", "abc", "2000", "299-200", "99", "600", "200-", "-", ","])
def test_it_refuses_rules_that_are_not_codes(rule: str) -> None:
    with pytest.raises(ExpectedStatusError):
        ExpectedStatus.parse(rule)


def test_it_prints_rules_in_their_short_form() -> None:
    assert str(ExpectedStatus.parse(" 200 - 299 , 301,301-301")) == "200-299,301,301"
