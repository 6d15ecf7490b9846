"""Waiting in async tests: poll a condition on the running loop, never sleep a fixed time
and never spin a nested Qt loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def until(
    condition: Callable[[], object],
    timeout: float = 10.0,
    state: Callable[[], object] | None = None,
) -> None:
    """Return once condition() is true; raise AssertionError after timeout seconds, with
    state() in the message when given (what the test was waiting on)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            seen = f": {state()}" if state is not None else ""
            raise AssertionError(f"condition not met in time{seen}")
        await asyncio.sleep(0.02)
