"""`upwatch --self-test`: the self-test's steps in a temporary home, one line each."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata

from desktop.cli.context import out
from desktop.services.selftest import SelfTest, SelfTestError, Step


@contextmanager
def temporary_home() -> Iterator[str]:
    """Yield a new empty directory set as $UPWATCH_HOME; put the old value back, then delete it."""
    previous = os.environ.get("UPWATCH_HOME")
    with tempfile.TemporaryDirectory(prefix="upwatch-selftest-") as home:
        os.environ["UPWATCH_HOME"] = home
        try:
            yield home
        finally:
            if previous is None:
                os.environ.pop("UPWATCH_HOME", None)
            else:
                os.environ["UPWATCH_HOME"] = previous


def _where() -> str:
    try:
        version = metadata.version("upwatch")
    except metadata.PackageNotFoundError:
        version = "unknown"
    if getattr(sys, "frozen", False):  # set by PyInstaller's bootloader
        return f"upwatch {version}, app bundle at {sys.executable}"
    return f"upwatch {version}, Python {sys.version.split()[0]} at {sys.executable}"


def _run(step: Step) -> bool:
    started = time.perf_counter()
    try:
        detail = step.run()
        ok = True
    except SelfTestError as exc:
        detail, ok = str(exc), False
    except Exception as exc:  # the self-test reports every failure as a line, never a traceback
        detail, ok = f"{type(exc).__name__}: {exc}", False
    took = (time.perf_counter() - started) * 1000
    out(f"{'ok' if ok else 'FAILED':<7}{step.name}: {detail} ({took:.0f} ms)")
    sys.stdout.flush()  # each line as it happens, so a step that hangs is easy to spot
    return ok


def run_self_test(extra: Sequence[Step] = (), *, selftest: SelfTest | None = None) -> int:
    """Run every step (then `extra`), one line each; return 0 when all passed, else 1."""
    test = selftest or SelfTest()
    with temporary_home() as home:
        out(f"Self-test of {_where()}, in {home}")
        try:
            passed = [_run(step) for step in [*test.steps(), *extra]]
        finally:
            test.close()
    failed = passed.count(False)
    if failed:
        out(f"Self-test FAILED: {failed} of {len(passed)} steps failed")
        return 1
    out(f"Self-test passed: {len(passed)} steps")
    return 0
