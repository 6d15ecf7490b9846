"""The state machine: results in, confirmed states and flips (the things that alert) out."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from shared.monitor import MonitorSpec
from shared.result import CheckResult
from shared.status import Status


@dataclass(frozen=True, slots=True)
class Policy:
    """How a monitor turns results into alerts."""

    confirmations: int = 2
    reminder_every: timedelta | None = None


@dataclass(frozen=True, slots=True)
class MonitorState:
    """What the state machine remembers about one monitor between results."""

    status: Status = Status.UNKNOWN  # what the user sees now
    confirmed: Status = Status.UNKNOWN  # the last state that was alerted (up, degraded, down)
    last_result: Status = Status.UNKNOWN
    down_streak: int = 0
    bad_streak: int = 0
    streak_started_at: datetime | None = None
    streak_error: str | None = None
    incident_started_at: datetime | None = None
    incident_error: str | None = None
    last_alert_at: datetime | None = None
    changed_at: datetime | None = None

    @property
    def needs_recheck(self) -> bool:
        """True while a failure waits for confirmation: the scheduler checks again soon."""
        return self.last_result.is_bad and self.confirmed != self.last_result


@dataclass(frozen=True, slots=True)
class Flip:
    """A change of confirmed state (or a reminder while down)."""

    monitor_id: uuid.UUID
    previous: Status
    current: Status
    at: datetime
    error: str | None = None
    incident_started_at: datetime | None = None
    reminder: bool = False

    @property
    def alerts(self) -> bool:
        """True when the flip should notify: into a bad state, out of one, or a reminder."""
        return self.reminder or self.current.is_bad or self.previous.is_bad

    @property
    def down_for(self) -> timedelta | None:
        """How long the monitor has been (or was) down, when there is an incident."""
        if self.incident_started_at is None:
            return None
        return self.at - self.incident_started_at


def policy_for(spec: MonitorSpec) -> Policy:
    """Return the alerting policy a monitor's settings describe."""
    reminder = timedelta(minutes=spec.reminder_minutes) if spec.reminder_minutes else None
    return Policy(confirmations=spec.confirmations, reminder_every=reminder)


def _confirm(prev: MonitorState, result: CheckResult, policy: Policy) -> Status:
    """Return the confirmed state after result, given the updated streaks in prev."""
    status = result.status
    if status == Status.UP:
        return Status.UP  # recovery on the first success
    # A monitor never confirmed yet (new, or just imported) does not count its very first
    # result: it must stay bad past its confirmations, so adding or importing many monitors
    # that happen to fail once never sets off a storm of alerts.
    needed = policy.confirmations + (1 if prev.confirmed == Status.UNKNOWN else 0)
    if status == Status.DEGRADED:
        if prev.confirmed == Status.DOWN:
            return Status.DEGRADED  # it answers again: that ends the outage
        return Status.DEGRADED if prev.bad_streak >= needed else prev.confirmed
    return Status.DOWN if prev.down_streak >= needed else prev.confirmed


def next_state(
    prev: MonitorState, result: CheckResult, policy: Policy
) -> tuple[MonitorState, Flip | None]:
    """Return the state after result and the flip it causes, if any.

    UNKNOWN results (the checker was offline or asleep) change what is shown and nothing else:
    they never alert and never break or extend a streak.
    """
    if not result.status.is_known:
        return replace(prev, status=result.status, last_result=result.status), None

    at = result.checked_at
    if result.status == Status.UP:
        state = replace(
            prev, down_streak=0, bad_streak=0, streak_started_at=None, streak_error=None
        )
    else:
        first = prev.bad_streak == 0
        state = replace(
            prev,
            bad_streak=prev.bad_streak + 1,
            down_streak=prev.down_streak + 1 if result.status == Status.DOWN else 0,
            streak_started_at=at if first else prev.streak_started_at,
            streak_error=result.error if first else prev.streak_error,
        )
    confirmed = _confirm(state, result, policy)
    state = replace(state, status=confirmed, confirmed=confirmed, last_result=result.status)

    if confirmed != prev.confirmed:
        return _flip(prev, state, result, confirmed)
    if confirmed == Status.DOWN and _reminder_due(prev, at, policy):
        state = replace(state, last_alert_at=at)
        return state, Flip(
            monitor_id=result.monitor_id,
            previous=Status.DOWN,
            current=Status.DOWN,
            at=at,
            error=state.incident_error,
            incident_started_at=state.incident_started_at,
            reminder=True,
        )
    return state, None


def _flip(
    prev: MonitorState, state: MonitorState, result: CheckResult, confirmed: Status
) -> tuple[MonitorState, Flip]:
    at = result.checked_at
    if confirmed == Status.DOWN:
        state = replace(
            state,
            incident_started_at=state.streak_started_at or at,
            incident_error=state.streak_error or result.error,
        )
        error, started = state.incident_error, state.incident_started_at
    elif prev.confirmed == Status.DOWN:
        error, started = prev.incident_error, prev.incident_started_at
        state = replace(state, incident_started_at=None, incident_error=None)
    else:
        error, started = result.error, None
    state = replace(state, changed_at=at, last_alert_at=at)
    flip = Flip(
        monitor_id=result.monitor_id,
        previous=prev.confirmed,
        current=confirmed,
        at=at,
        error=error,
        incident_started_at=started,
    )
    return state, flip


def _reminder_due(prev: MonitorState, at: datetime, policy: Policy) -> bool:
    if policy.reminder_every is None or prev.last_alert_at is None:
        return False
    return at - prev.last_alert_at >= policy.reminder_every


def paused(prev: MonitorState) -> MonitorState:
    """Return the state of a monitor the user paused: shown paused, streaks cleared."""
    return replace(
        prev, status=Status.PAUSED, down_streak=0, bad_streak=0, last_result=Status.PAUSED
    )
