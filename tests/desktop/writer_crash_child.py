"""Child process for the kill -9 test: writes results as fast as it can, acks each commit.

Usage: python writer_crash_child.py DB_PATH. Prints "acked N" after every commit.
"""

import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from desktop.storage.connection import connect
from desktop.storage.migrations import migrate
from desktop.storage.writer import Outcome, ResultWriter
from shared.result import CheckResult
from shared.state import MonitorState
from shared.status import Status

MONITORS = 20


def main() -> None:
    path = Path(sys.argv[1])
    conn = connect(path)
    migrate(conn)
    conn.execute("BEGIN IMMEDIATE")
    now = datetime.now(UTC).isoformat()
    for index in range(MONITORS):
        conn.execute(
            "INSERT OR IGNORE INTO monitors (pk, id, name, url, interval, timeout, created_at,"
            " updated_at) VALUES (?, ?, ?, 'http://127.0.0.1:9/', 60, 30, ?, ?)",
            (index + 1, str(uuid.UUID(int=index + 1)), f"m{index}", now, now),
        )
    start = conn.execute("SELECT coalesce(max(checked_at), 0) FROM checks").fetchone()[0]
    conn.execute("COMMIT")
    conn.close()

    def ack(outcomes: list[Outcome]) -> None:
        sys.stdout.write(f"acked {writer.committed}\n")
        sys.stdout.flush()

    writer = ResultWriter(path, linger=0.002, on_commit=ack)
    writer.start()
    base = datetime.fromtimestamp(start / 1000, UTC) + timedelta(seconds=1)
    statuses = [Status.UP, Status.DOWN, Status.DEGRADED, Status.UP]
    for step in range(10_000_000):
        pk = step % MONITORS + 1
        at = base + timedelta(milliseconds=step)
        result = CheckResult(
            uuid.UUID(int=pk), statuses[step % 4], at, status_code=200, response_time_ms=step % 900
        )
        writer.submit(Outcome(pk, result, MonitorState()))
        if step % 50 == 0:
            time.sleep(0.001)


if __name__ == "__main__":
    main()
