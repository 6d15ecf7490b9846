"""Compact integer codes for statuses and sources in the checks and rollup tables."""

from __future__ import annotations

from shared.result import Source
from shared.status import Status

STATUS_CODE: dict[Status, int] = {
    Status.UP: 0,
    Status.DEGRADED: 1,
    Status.DOWN: 2,
    Status.UNKNOWN: 3,
    Status.PAUSED: 4,
}
STATUS_OF: dict[int, Status] = {code: status for status, code in STATUS_CODE.items()}
SOURCE_CODE: dict[Source, int] = {Source.LOCAL: 0, Source.CLOUD: 1}
SOURCE_OF: dict[int, Source] = {code: source for source, code in SOURCE_CODE.items()}
# the source of a check or rollup pulled from another device: that device's code, from this
FIRST_DEVICE_CODE = 2
