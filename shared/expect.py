"""Expected HTTP status rules such as "200-299,301"."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PART = re.compile(r"^\s*(\d{3})\s*(?:-\s*(\d{3})\s*)?$")


class ExpectedStatusError(ValueError):
    """Raised when an expected-status rule cannot be parsed."""


@dataclass(frozen=True, slots=True)
class ExpectedStatus:
    """A set of accepted HTTP status codes given as single codes and ranges."""

    ranges: tuple[tuple[int, int], ...]

    @classmethod
    def parse(cls, text: str | int) -> ExpectedStatus:
        """Parse "200", 200, "200,204" or "200-299,301"; raise ExpectedStatusError."""
        if isinstance(text, int):
            text = str(text)
        parts = [p for p in text.split(",") if p.strip()]
        if not parts:
            raise ExpectedStatusError("expected status is empty; use e.g. 200 or 200-299")
        ranges: list[tuple[int, int]] = []
        for part in parts:
            match = _PART.fullmatch(part)
            if match is None:
                raise ExpectedStatusError(
                    f"expected status {part.strip()!r} is not a code (200) or a range (200-299)"
                )
            low = int(match.group(1))
            high = int(match.group(2) or low)
            if not (100 <= low <= 599 and 100 <= high <= 599):
                raise ExpectedStatusError(f"status codes run from 100 to 599, got {part.strip()}")
            if high < low:
                raise ExpectedStatusError(f"range {part.strip()} runs backwards")
            ranges.append((low, high))
        return cls(tuple(ranges))

    def accepts(self, code: int) -> bool:
        """Return True when code is one of the expected statuses."""
        return any(low <= code <= high for low, high in self.ranges)

    def __str__(self) -> str:
        return ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in self.ranges)
