"""The state machine: confirmations, recovery, incidents, reminders, offline results."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from shared.result import CheckResult
from shared.state import MonitorState, Policy, next_state, paused
from shared.status import Status

MONITOR = uuid.uuid4()
T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
U, G, D, X = Status.UP, Status.DEGRADED, Status.DOWN, Status.UNKNOWN


def result(status: Status, at: int, error: str | None = None) -> CheckResult:
    if error is None and status == Status.DOWN:
        error = f"failure at {at}"
    return CheckResult(MONITOR, status, T0 + timedelta(seconds=at), error=error)


def run(statuses: list[Status], policy: Policy | None = None) -> list[tuple[Status, Status | None]]:
    """Feed results 20 s apart; return (shown state, flip target or None) after each."""
    state = MonitorState()
    out = []
    for index, status in enumerate(statuses):
        state, flip = next_state(state, result(status, 20 * index), policy or Policy())
        out.append((state.status, flip.current if flip else None))
    return out


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        # first success: known, flips from UNKNOWN to UP (a flip that does not alert)
        ([U], [(U, U)]),
        # one failure is not enough with 2 confirmations
        ([U, D], [(U, U), (U, None)]),
        ([U, D, D], [(U, U), (U, None), (D, D)]),
        # a blip recovers without ever flipping
        ([U, D, U, D, U], [(U, U), (U, None), (U, None), (U, None), (U, None)]),
        # recovery on the first success
        ([U, D, D, U], [(U, U), (U, None), (D, D), (U, U)]),
        # staying down does not flip again
        ([U, D, D, D, D], [(U, U), (U, None), (D, D), (D, None), (D, None)]),
        # degraded needs confirmations too
        ([U, G, G], [(U, U), (U, None), (G, G)]),
        # a degraded answer ends an outage at once
        ([U, D, D, G], [(U, U), (U, None), (D, D), (G, G)]),
        # degraded then down: down is confirmed by consecutive downs only
        ([U, G, D, D], [(U, U), (U, None), (U, None), (D, D)]),
        # unknown results change what is shown and never alert nor break a streak
        ([U, D, X, D], [(U, U), (U, None), (X, None), (D, D)]),
        ([U, D, D, X, D], [(U, U), (U, None), (D, D), (X, None), (D, None)]),
        # a new monitor that starts down must stay down past its confirmations: its very
        # first result does not count (an import of many monitors never sets off a storm)
        ([D, D], [(X, None), (X, None)]),
        ([D, D, D], [(X, None), (X, None), (D, D)]),
        ([G, G, G], [(X, None), (X, None), (G, G)]),
        ([D, U], [(X, None), (U, U)]),
    ],
)
def test_it_flips_only_on_confirmed_changes(
    results: list[Status], expected: list[tuple[Status, Status | None]]
) -> None:
    assert run(results) == expected


def test_one_confirmation_flips_on_the_first_failure() -> None:
    assert run([U, D], Policy(confirmations=1)) == [(U, U), (D, D)]


@pytest.mark.parametrize("confirmations", [1, 2, 3])
def test_a_new_or_imported_monitor_never_alerts_on_its_first_result(confirmations: int) -> None:
    shown = run([D] * (confirmations + 1), Policy(confirmations=confirmations))
    assert shown[:-1] == [(X, None)] * confirmations
    assert shown[-1] == (D, D)


def test_an_unconfirmed_failure_asks_for_a_quick_recheck() -> None:
    state, _ = next_state(MonitorState(), result(U, 0), Policy())
    assert not state.needs_recheck
    state, _ = next_state(state, result(D, 20), Policy())
    assert state.needs_recheck
    state, _ = next_state(state, result(D, 40), Policy())
    assert not state.needs_recheck


def test_the_incident_starts_at_the_first_failure_with_its_error() -> None:
    state, _ = next_state(MonitorState(), result(U, 0), Policy())
    state, _ = next_state(state, result(D, 20, "connection refused"), Policy())
    state, flip = next_state(state, result(D, 40, "timeout after 30 s"), Policy())
    assert flip is not None
    assert flip.alerts
    assert flip.incident_started_at == T0 + timedelta(seconds=20)
    assert flip.error == "connection refused"
    state, flip = next_state(state, result(U, 300), Policy())
    assert flip is not None
    assert (flip.previous, flip.current) == (D, U)
    assert flip.down_for == timedelta(seconds=280)
    assert flip.error == "connection refused"
    assert state.incident_started_at is None


def test_the_first_up_of_a_new_monitor_does_not_alert() -> None:
    _, flip = next_state(MonitorState(), result(U, 0), Policy())
    assert flip is not None
    assert not flip.alerts


def test_reminders_repeat_while_down() -> None:
    policy = Policy(confirmations=1, reminder_every=timedelta(minutes=10))
    state, _ = next_state(MonitorState(), result(U, -60), policy)
    state, flip = next_state(state, result(D, 0), policy)
    assert flip is not None
    reminders = []
    for minute in range(1, 31):
        state, flip = next_state(state, result(D, minute * 60), policy)
        if flip is not None:
            assert flip.reminder
            assert flip.alerts
            reminders.append(minute)
    assert reminders == [10, 20, 30]


def test_no_reminders_without_a_policy_for_them() -> None:
    state, _ = next_state(MonitorState(), result(U, -60), Policy(confirmations=1))
    state, _ = next_state(state, result(D, 0), Policy(confirmations=1))
    for minute in range(1, 120):
        state, flip = next_state(state, result(D, minute * 60), Policy(confirmations=1))
        assert flip is None


def test_pausing_shows_paused_and_clears_the_streak() -> None:
    state, _ = next_state(MonitorState(), result(D, 0), Policy())
    state = paused(state)
    assert state.status == Status.PAUSED
    assert state.bad_streak == 0
