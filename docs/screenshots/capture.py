"""Takes the README screenshots of the real app: run by `make screenshots` under Xvfb + trayer.

It starts a local target site (up, slow, failing), fills a fresh UPWATCH_HOME with monitors
and 30 days of generated demo history, then runs the real TrayApp in this process and grabs
the tray menu, the main window with the detail pane, and the add dialog; then it signs in
to a real local Upwatch Cloud (a private PostgreSQL and the API) for the Account tab.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
OUT = Path(__file__).resolve().parent
os.environ["UPWATCH_HOME"] = tempfile.mkdtemp(prefix="upwatch-shots-")

import keyring  # noqa: E402
import qasync  # noqa: E402
from PySide6.QtCore import QPoint, QRect  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from desktop.services.monitors import MonitorService  # noqa: E402
from desktop.services.workspace import Workspace  # noqa: E402
from desktop.storage.database import Database  # noqa: E402
from desktop.storage.monitors import MonitorRepository  # noqa: E402
from desktop.storage.writer import Outcome, ResultWriter  # noqa: E402
from desktop.ui.app import TrayApp  # noqa: E402
from desktop.ui.monitor_dialog import MonitorDialog  # noqa: E402
from shared.monitor import MonitorSpec  # noqa: E402
from shared.result import CheckResult  # noqa: E402
from shared.state import MonitorState  # noqa: E402
from shared.status import Status  # noqa: E402
from sync_server.migrations.runner import upgrade  # noqa: E402
from tests.support.api_server import ApiServer  # noqa: E402
from tests.support.fake_stripe import WEBHOOK_SECRET, FakeStripe  # noqa: E402
from tests.support.memkeyring import MemoryKeyring  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402
from tests.support.target import TargetServer  # noqa: E402


def seed(db: Database, target: TargetServer) -> None:
    """Create the demo monitors and 30 days of generated history (hourly samples)."""
    service = MonitorService(db)
    specs = [
        MonitorSpec(name="Website", url=target.url("status/200"), interval=5),
        MonitorSpec(
            name="Customer API", url=target.url("slow/350"), interval=5, degraded_after_ms=250
        ),
        MonitorSpec(name="Payments", url=target.url("status/503"), interval=5, confirmations=1),
        MonitorSpec(
            name="Docs", url=target.url("body?text=Welcome"), interval=5, keyword="Welcome"
        ),
        MonitorSpec(name="Status JSON", url=target.url("echo"), interval=5),
        MonitorSpec(name="Staging", url=target.url("status/200"), interval=5, is_active=False),
    ]
    for spec in specs:
        service.add(spec)
    with db.reader() as session:
        pks = {row.id: row.pk for row in MonitorRepository(session).list_all()}
    writer = ResultWriter(db.path, linger=0.01)
    writer.start()
    rng = random.Random(7)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    for spec in specs[:5]:
        base = {"Customer API": 240, "Payments": 180}.get(spec.name, 90)
        for hour in range(30 * 24, 0, -1):
            at = now - timedelta(hours=hour)
            status = Status.UP
            if spec.name == "Payments" and hour % 170 < 2:
                status = Status.DOWN
            if spec.name == "Customer API" and hour % 50 < 3:
                status = Status.DEGRADED
            ms = None if status == Status.DOWN else int(base + rng.gauss(0, base * 0.15))
            result = CheckResult(spec.id, status, at, status_code=200, response_time_ms=ms)
            writer.submit(Outcome(int(pks[str(spec.id)] or 0), result, MonitorState()))
    writer.flush().result()
    writer.close()


async def shoot(app: QApplication, tray_app: TrayApp, api_url: str) -> None:
    """Let real checks run, then grab the three pictures."""
    await tray_app.start()
    await asyncio.sleep(25)  # a few real checks: the failing one confirms and alerts
    window = tray_app.window
    window.resize(1240, 760)
    window.show()
    await tray_app.monitors.refresh()
    window.select_monitor(
        next(r.spec.id for r in tray_app.monitors.rows if r.spec.name == "Customer API")
    )
    await asyncio.sleep(2)
    window.grab().save(str(OUT / "main-window.png"))

    dialog = MonitorDialog(tray_app.monitors, parent=window)
    dialog.url.setText("https://shop.example.com/health")
    dialog.keyword.setText("ok")
    dialog.show()
    await asyncio.sleep(1)
    dialog.grab().save(str(OUT / "add-dialog.png"))
    dialog.close()

    # signed in to a real local Upwatch Cloud: the Account tab after the first sync
    problem = await tray_app.account.sign_in(
        api_url, "you@example.com", "correct horse battery", create=True
    )
    assert problem is None, problem
    for _ in range(100):
        if tray_app.account.view.last_sync_at is not None and tray_app.account.view.billing:
            break
        await asyncio.sleep(0.1)
    # and with one monitor shared on the public status page
    website = next(row for row in tray_app.monitors.rows if row.spec.name == "Website")
    page, problem = await tray_app.sharing.share(str(website.spec.id))
    assert page is not None, problem
    tray_app.show_account()
    await asyncio.sleep(1)
    window.grab().save(str(OUT / "account.png"))

    if tray_app.tray is not None:
        window.hide()
        tray_app.tray.rebuild_menu()
        screen = app.primaryScreen()
        geometry = screen.geometry()
        tray_app.tray.menu.popup(QPoint(geometry.width() - 330, 30))
        await asyncio.sleep(1)
        menu = tray_app.tray.menu
        shot = screen.grabWindow(0)
        left = menu.geometry().left() - 40
        area = QRect(left, 0, geometry.width() - left, menu.geometry().bottom() + 20)
        shot.copy(area).save(str(OUT / "tray-menu.png"))
        menu.hide()
    tray_app.quit()


def main() -> None:
    """Run the whole capture."""
    keyring.set_keyring(MemoryKeyring())  # Xvfb has no desktop keyring; nothing here is real
    target = TargetServer().start()
    postgres = PostgresServer().start()
    admin = create_engine(postgres.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE upwatch"))
    admin.dispose()
    upgrade(postgres.url("upwatch"))
    stripe_api = FakeStripe().start()  # the Account tab offers paid plans as on a real server
    api = ApiServer(
        postgres.url("upwatch"),
        stripe_secret_key="sk_test_screenshots",  # noqa: S106 - a fake key for a fake API
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_price_starter="price_starter",
        stripe_price_pro="price_pro",
        stripe_price_business="price_business",
        stripe_api_base=stripe_api.base_url,
    ).start()
    workspace = Workspace()
    seed(workspace.db, target)
    app = QApplication([sys.argv[0]])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        tray_app = TrayApp(app, workspace)
        loop.run_until_complete(shoot(app, tray_app, api.url))
        loop.run_until_complete(tray_app.stopped.wait())
    api.stop()
    stripe_api.stop()
    postgres.stop()
    target.stop()
    print(f"screenshots written to {OUT}")


if __name__ == "__main__":
    main()
