"""What the Account page says about the monitors the server would not take."""

from desktop.controllers.account import AccountView

WHY = "the free plan keeps up to 10 monitors in the cloud; this one stays on this computer only"


def test_a_thousand_refusals_for_one_reason_make_one_line() -> None:
    view = AccountView(refused=tuple(f"site {n}: {WHY}" for n in range(990)))
    assert view.refused_lines() == [f"990 monitors: {WHY} (site 0, site 1, site 2 and 987 more)"]


def test_each_reason_keeps_its_own_line_and_a_lone_refusal_reads_as_before() -> None:
    view = AccountView(
        refused=(
            "api: url: must be http or https",
            f"a: {WHY}",
            f"b: {WHY}",
            "channel ops: a webhook to a private address",
            "no reason given",
        )
    )
    assert view.refused_lines() == [
        "api: url: must be http or https",
        f"2 monitors: {WHY} (a, b)",
        "channel ops: a webhook to a private address",
        "no reason given",
    ]


def test_refusals_of_channels_are_counted_as_channels() -> None:
    view = AccountView(refused=("channel a: over the limit", "channel b: over the limit"))
    assert view.refused_lines() == ["2 channels: over the limit (channel a, channel b)"]
