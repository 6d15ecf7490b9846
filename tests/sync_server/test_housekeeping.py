"""Housekeeping: raw history kept per plan, old rows dropped, weekly reports sent once."""

import uuid
from datetime import UTC, datetime, timedelta

from psycopg import AsyncConnection
from sqlalchemy import Engine, text

from shared.netguard import NetGuard
from sync_server.alerts.deliver import Deliverer, MailSettings
from sync_server.config import ServerSettings
from sync_server.db import libpq_url
from sync_server.worker.housekeeping import LOCK_KEY, Housekeeper, report_week
from tests.support.smtp import SmtpSink
from tests.sync_server.rows import insert_monitor, insert_user

URL = "https://a.example"

NOW = datetime.now(UTC)
# the last Monday 09:00 UTC: reports for the week before it are due
MONDAY_9 = (NOW - timedelta(days=NOW.weekday())).replace(hour=9, minute=0, second=0, microsecond=0)
if MONDAY_9 > NOW:
    MONDAY_9 -= timedelta(days=7)


def add_check(db: Engine, monitor_id: uuid.UUID, at: datetime) -> None:
    with db.begin() as conn:
        conn.execute(
            text("INSERT INTO checks (id, monitor_id, status, checked_at, source)"
                 " VALUES (:id, :m, 'up', :at, 'cloud')"),
            {"id": uuid.uuid4(), "m": monitor_id, "at": at},
        )  # fmt: skip


def keeper(settings: ServerSettings, smtp: SmtpSink | None = None) -> Housekeeper:
    mail = MailSettings(f"smtp://{smtp.host}:{smtp.port}", "reports@upwatch.test") if smtp else None
    return Housekeeper(libpq_url(settings.database_url), Deliverer(NetGuard(), mail))


async def test_raw_history_is_kept_as_long_as_the_plan_says(
    settings: ServerSettings, db: Engine
) -> None:
    free = insert_monitor(db, insert_user(db, "free"), URL, cloud=False)
    starter = insert_monitor(db, insert_user(db, "starter"), URL)
    for monitor in (free, starter):
        add_check(db, monitor, NOW - timedelta(days=8))
        add_check(db, monitor, NOW - timedelta(days=1))
    add_check(db, starter, NOW - timedelta(days=31))
    with db.begin() as conn:
        conn.execute(
            text("INSERT INTO rollups_hourly (monitor_id, source, bucket, up, degraded, down,"
                 " unknown, rt_count, rt_sum, histogram) VALUES (:m, 'cloud', :b, 1, 0, 0, 0,"
                 " 0, 0, '{}')"),
            {"m": free, "b": NOW - timedelta(days=91)},
        )  # fmt: skip
    swept = await keeper(settings).round(NOW)
    assert swept is not None
    assert swept.checks == 2  # free: 7 days; starter: 30 days
    with db.connect() as conn:
        left = dict(
            conn.execute(text("SELECT monitor_id, count(*) FROM checks GROUP BY monitor_id")).all()
        )
        hourly = conn.execute(text("SELECT count(*) FROM rollups_hourly")).scalar_one()
    assert left == {free: 1, starter: 2}
    assert hourly == 0


async def test_one_housekeeper_at_a_time(settings: ServerSettings, db: Engine) -> None:
    holder = await AsyncConnection.connect(libpq_url(settings.database_url), autocommit=True)
    await holder.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
    try:
        assert await keeper(settings).round(NOW) is None
    finally:
        await holder.close()
    assert await keeper(settings).round(NOW) is not None


def test_the_report_covers_last_week_from_monday_8_utc() -> None:
    monday = datetime(2026, 11, 23, tzinfo=UTC)
    assert report_week(monday + timedelta(hours=9)) == (monday - timedelta(days=7), monday)
    before_eight = monday + timedelta(hours=7)
    assert report_week(before_eight) == (monday - timedelta(days=14), monday - timedelta(days=7))


async def test_the_weekly_report_is_emailed_once_to_those_who_asked(
    settings: ServerSettings, db: Engine, smtp_sink: SmtpSink
) -> None:
    start, _ = report_week(MONDAY_9)
    ann = insert_user(db, "pro", weekly=True, email="ann@example.com")
    insert_user(db, "pro", email="quiet@example.com")
    shop = insert_monitor(db, ann, URL, name="Shop")
    insert_monitor(db, ann, URL, name="Blog", cloud=False)
    with db.begin() as conn:
        for day in range(7):
            conn.execute(
                text("INSERT INTO rollups_daily (monitor_id, source, bucket, up, degraded, down,"
                     " unknown, rt_count, rt_sum, rt_min, rt_max, histogram) VALUES (:m, 'cloud',"
                     " :b, 1430, 0, 10, 0, 1430, 286000, 150, 900,"
                     " '{0,0,1400,30,0,0,0,0,0,0,0,0}')"),
                {"m": shop, "b": start + timedelta(days=day)},
            )  # fmt: skip
        conn.execute(
            text("INSERT INTO incidents (id, monitor_id, source, status, started_at, ended_at,"
                 " first_error) VALUES (:id, :m, 'cloud', 'down', :s, :e, 'timeout after 5 s')"),
            {"id": uuid.uuid4(), "m": shop, "s": start + timedelta(days=2),
             "e": start + timedelta(days=2, minutes=10)},
        )  # fmt: skip
    swept = await keeper(settings, smtp_sink).round(MONDAY_9)
    assert swept is not None
    assert swept.reports == 1
    assert [m.rcpt_tos for m in smtp_sink.messages] == [("ann@example.com",)]
    mail = smtp_sink.messages[0]
    assert mail.subject.startswith("Upwatch weekly report: ")
    assert "Shop" in mail.text
    assert "99.31%" in mail.text  # 10 down of 1440 a day
    assert "10 min 0 s" in mail.text
    assert "Blog" in mail.text
    again = await keeper(settings, smtp_sink).round(MONDAY_9 + timedelta(hours=1))
    assert again is not None
    assert again.reports == 0
    assert len(smtp_sink.messages) == 1
