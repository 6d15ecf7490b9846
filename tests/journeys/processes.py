"""Real Upwatch processes for the journey tests, started the way the README starts them.

Every process gets its own log file (standard output and error together) and is stopped
with SIGTERM, then SIGKILL, by `stop_all()` at the end of the test that started it (or of
the session, for the shared server). Waiting is polling of what a user sees, never a fixed
sleep.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
UPWATCH = str(Path(sys.executable).with_name("upwatch"))
PASSWORD = "correct horse battery staple"
STOP_SECONDS = 15.0
TAIL_LINES = 40

# settings a test run's own environment may carry that must not leak into a "user's" process
SCRUBBED = (
    "UPWATCH_HOME",
    "UPWATCH_SERVER",
    "UPWATCH_DATABASE_URL",
    "DATABASE_URL",
    "UPWATCH_SECRET_STORE",
    "PYTHON_KEYRING_BACKEND",
    "UPWATCH_ACCESS_SECONDS",
    "DISPLAY",
    "WAYLAND_DISPLAY",
)


def base_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the environment of a process whose data folder is `home`."""
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    env.update(
        UPWATCH_HOME=str(home),
        PYTHONUNBUFFERED="1",
        # no real keyring is touched: the file store is the headless way to keep the session
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        # `upwatch upgrade` opens a browser: a program that does nothing stands in for it
        BROWSER="true",
        QT_QPA_PLATFORM="offscreen",
    )
    env.update(extra or {})
    return env


def wait_until(
    predicate: Callable[[], object],
    timeout: float,
    describe: Callable[[], str] | str,
    interval: float = 0.1,
) -> None:
    """Poll `predicate` until true; raise AssertionError with `describe` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            text = describe() if callable(describe) else describe
            raise AssertionError(f"not within {timeout:g} s: {text}")
        time.sleep(interval)


def tail(path: Path, lines: int = TAIL_LINES) -> str:
    """Return the last `lines` lines of a log file (or a note that it is empty)."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return "(no log)"
    kept = text.splitlines()[-lines:]
    return "\n".join(kept) if kept else "(empty)"


@dataclass(frozen=True)
class Line:
    """One line a process printed, with when it was read (time.monotonic())."""

    at: float
    text: str


class Process:
    """A started program: its log file, the lines it printed, and how to stop it."""

    running: list[Process] = []  # noqa: RUF012 - every process not yet stopped, to stop them all

    def __init__(self, name: str, argv: Sequence[str], env: Mapping[str, str], log: Path) -> None:
        self.name = name
        self.argv = list(argv)
        self.log = log
        self._lock = threading.Lock()
        self._lines: list[Line] = []
        log.parent.mkdir(parents=True, exist_ok=True)
        self._file = log.open("a", encoding="utf-8")
        self._file.write(f"$ {' '.join(self.argv)}\n")
        self._file.flush()
        self.popen = subprocess.Popen(
            self.argv,
            env=dict(env),
            cwd=str(log.parent),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,
        )
        Process.running.append(self)
        self._reader = threading.Thread(target=self._read, name=f"read-{name}", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for raw in self.popen.stdout:
            text = raw.rstrip("\n")
            with self._lock:
                self._lines.append(Line(time.monotonic(), text))
                self._file.write(raw)
                self._file.flush()

    @property
    def lines(self) -> list[Line]:
        """Every line printed so far, oldest first."""
        with self._lock:
            return list(self._lines)

    def texts(self, since: float = 0.0) -> list[str]:
        """The text of every line printed at or after monotonic time `since`."""
        return [line.text for line in self.lines if line.at >= since]

    def output(self) -> str:
        """Everything printed so far."""
        return "\n".join(self.texts())

    @property
    def alive(self) -> bool:
        """Whether the process still runs."""
        return self.popen.poll() is None

    def describe(self) -> str:
        """The process's name, state and the end of its log, for a failure message."""
        state = "running" if self.alive else f"exited with {self.popen.returncode}"
        return f"--- {self.name} ({state}), {self.log}:\n{tail(self.log)}"

    def wait_for_line(self, contains: str, timeout: float, since: float = 0.0) -> Line:
        """Return the first line (printed at or after `since`) that contains `contains`."""
        found: list[Line] = []

        def seen() -> bool:
            found[:] = [x for x in self.lines if x.at >= since and contains in x.text]
            return bool(found) or not self.alive

        wait_until(seen, timeout, lambda: f"{self.name} printed no {contains!r}\n{self.describe()}")
        if not found:
            raise AssertionError(
                f"{self.name} ended before printing {contains!r}\n{self.describe()}"
            )
        return found[0]

    def stop(self) -> int:
        """SIGTERM (the process group), then SIGKILL after a while; return the exit code."""
        if self.alive:
            self._signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.popen.wait(timeout=STOP_SECONDS)
        self._reader.join(timeout=5)
        with self._lock:
            self._file.close()
        if self in Process.running:
            Process.running.remove(self)
        return self.popen.returncode

    def _signal(self, sig: signal.Signals) -> None:
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            return

    @classmethod
    def stop_all(cls, keep: Iterable[Process] = ()) -> None:
        """Stop every running process except those in `keep`."""
        kept = set(map(id, keep))
        for process in [p for p in cls.running if id(p) not in kept]:
            process.stop()


@dataclass(frozen=True)
class Done:
    """What a one-off command printed and its exit code."""

    argv: list[str]
    code: int
    out: str

    def __str__(self) -> str:
        return f"$ {' '.join(self.argv[1:])}\n(exit {self.code})\n{self.out}"


def http_get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    """GET `url`; return (status, body text), (0, reason) when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return int(answer.status), answer.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", errors="replace")
    except (urllib.error.URLError, OSError) as exc:
        return 0, str(exc)


def http_post(
    url: str, body: bytes, headers: Mapping[str, str], timeout: float = 10.0
) -> tuple[int, str]:
    """POST `body` to `url`; return (status, body text)."""
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return int(answer.status), answer.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", errors="replace")


def parse_json(text: str) -> Any:
    """The JSON value a command printed (its whole output)."""
    return json.loads(text)
