"""The Account page and the tray's cloud lines against the real API (sign up, sync, sign out)."""

import httpx
import pytest
from PySide6.QtWidgets import QApplication

from desktop.ui import account_page
from desktop.ui.account_page import AccountPage
from desktop.ui.app import TrayApp
from tests.desktop.ui.conftest import dispose_tray, running, tray_of
from tests.support.api_server import ApiServer
from tests.support.fake_stripe import WEBHOOK_SECRET, FakeStripe, event, signed
from tests.support.postgres import PostgresServer
from tests.support.target import TargetServer
from tests.support.wait import until

PASSWORD = "correct horse battery"


async def test_a_user_creates_an_account_syncs_and_signs_out(
    app: TrayApp, api: ApiServer, target: TargetServer
) -> None:
    async with running(app):
        await app.monitors.add({"url": target.url("/"), "name": "Shop"})
        page = app.account_page
        assert isinstance(page, AccountPage)
        assert page.stack.currentIndex() == 0  # the sign-in form
        page.server.setText(api.url)
        page.email.setText("al@example.com")
        page.password.setText(PASSWORD)
        page.create_button.click()
        await until(lambda: app.account.view.signed_in)
        await until(lambda: app.account.view.last_sync_at is not None)
        assert page.stack.currentIndex() == 1
        assert "Signed in as al@example.com" in page.account_label.text()
        assert "Free plan" in page.account_label.text()
        await until(lambda: "Synced just now" in page.sync_label.text())
        await until(lambda: "does not sell paid plans" in page.billing_label.text())
        assert not page.upgrade_button.isVisibleTo(page)
        assert page.password.text() == ""  # not kept in the form
        tray = tray_of(app)
        tray.rebuild_menu()
        texts = [action.text() for action in tray.menu.actions()]
        assert "Cloud: al@example.com · Free plan" in texts
        assert "Synced just now" in texts
        assert "Sync now" in texts
        page.sign_out_button.click()
        await until(lambda: not app.account.view.signed_in)
        assert page.stack.currentIndex() == 0
        assert [row.spec.name for row in app.monitors.rows] == ["Shop"]  # local data stays
        tray.rebuild_menu()
        assert "Sign in to Upwatch Cloud…" in [action.text() for action in tray.menu.actions()]
        await dispose_tray(tray)


async def test_a_wrong_password_is_shown_on_the_form(app: TrayApp, api: ApiServer) -> None:
    async with running(app):
        page = app.account_page
        page.server.setText(api.url)
        page.email.setText("al@example.com")
        page.password.setText(PASSWORD)
        page.create_button.click()
        await until(lambda: app.account.view.signed_in)
        page.sign_out_button.click()
        await until(lambda: not app.account.view.signed_in)
        page.password.setText("not the password at all")
        page.sign_in_button.click()
        await until(lambda: "wrong email or password" in page.form_message.text())
        assert page.stack.currentIndex() == 0


async def test_an_unreachable_server_is_explained(app: TrayApp) -> None:
    async with running(app):
        page = app.account_page
        page.server.setText("http://127.0.0.1:9")
        page.email.setText("al@example.com")
        page.password.setText(PASSWORD)
        page.sign_in_button.click()
        await until(lambda: "cannot reach Upwatch Cloud" in page.form_message.text())


async def test_a_session_the_server_ended_shows_in_the_tooltip_and_the_account_page(
    app: TrayApp, api: ApiServer
) -> None:
    import keyring

    async with running(app):
        page = app.account_page
        assert isinstance(page, AccountPage)
        page.server.setText(api.url)
        page.email.setText("al@example.com")
        page.password.setText(PASSWORD)
        page.create_button.click()
        await until(lambda: app.account.view.last_sync_at is not None)
        tray = tray_of(app)
        assert "\n" not in tray.toolTip()  # no sync problem: the summary only
        # this session signed out elsewhere (its tokens taken to another client)
        token = keyring.get_password("upwatch", "cloud:refresh")
        async with httpx.AsyncClient(base_url=api.url) as http:
            pair = (await http.post("/api/auth/refresh", json={"refresh_token": token})).json()
            bearer = {"Authorization": f"Bearer {pair['access_token']}"}
            assert (await http.post("/api/auth/logout", headers=bearer)).is_success
        app.account.sync_now()
        await until(lambda: not app.account.view.signed_in)
        assert "Signed out: your Upwatch Cloud session has ended" in tray.toolTip()
        assert "upwatch login" in tray.toolTip()
        assert page.stack.currentIndex() == 0  # the sign-in form, saying why
        assert "session has ended" in page.form_message.text()
        await dispose_tray(tray)


async def test_upgrade_opens_checkout_and_shows_the_plan_once_the_payment_lands(
    app: TrayApp, postgres: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Account page's Upgrade: Stripe Checkout in the browser, then the webhook (signed
    as Stripe signs) changes the plan and the page shows it without a restart."""
    opened: list[str] = []
    monkeypatch.setattr(account_page, "open_url", opened.append)
    with FakeStripe() as stripe_api:
        api = ApiServer(
            postgres.url("upwatch_test"),
            stripe_secret_key="sk_test_desktop",
            stripe_webhook_secret=WEBHOOK_SECRET,
            stripe_price_starter="price_starter",
            stripe_api_base=stripe_api.base_url,
        )
        api.empty()
        api.start()
        try:
            async with running(app):
                app.account._plan_poll_s = 0.1
                page = app.account_page
                assert isinstance(page, AccountPage)
                page.server.setText(api.url)
                page.email.setText("bo@example.com")
                page.password.setText(PASSWORD)
                page.create_button.click()
                await until(lambda: app.account.view.signed_in)
                await until(lambda: page.upgrade_button.isVisibleTo(page))
                page.upgrade_button.click()
                await until(lambda: bool(opened))
                assert opened[0].startswith("https://checkout.stripe.test/")
                await until(lambda: "Finish in your browser" in page.billing_label.text())
                session = stripe_api.calls("/v1/checkout/sessions")[-1]
                stripe_api.set_subscription(
                    "sub_desktop", customer=session.form["customer"], status="active",
                    price="price_starter",
                )  # fmt: skip
                paid = event("checkout.session.completed", {
                    "id": "cs_1", "customer": session.form["customer"],
                    "subscription": "sub_desktop",
                    "client_reference_id": session.form["client_reference_id"],
                })  # fmt: skip
                raw, headers = signed(paid)
                async with httpx.AsyncClient(base_url=api.url) as client:
                    landed = await client.post("/api/webhooks/stripe", content=raw, headers=headers)
                assert landed.status_code == 200, landed.text
                await until(lambda: app.account.view.plan == "starter")
                await until(lambda: "Starter plan" in page.account_label.text())
                assert page.billing_button.isVisibleTo(page)
                assert not page.upgrade_button.isVisibleTo(page)
                page.billing_button.click()
                await until(lambda: len(opened) == 2)
                assert opened[1].startswith("https://billing.stripe.test/")
        finally:
            api.stop()


async def test_share_puts_the_selected_monitor_on_a_public_page_and_copies_its_link(
    app: TrayApp, api: ApiServer, target: TargetServer
) -> None:
    """Issue 8: Share… (signed out it says to sign in), the link on the clipboard and the
    Account tab, and the page answers anyone."""
    async with running(app):
        await app.monitors.add({"url": target.url("/"), "name": "Shop"})
        await until(lambda: bool(app.monitors.rows))
        window = app.window
        window.select_monitor(app.monitors.rows[0].spec.id)
        assert window.share_action.isEnabled()
        task = window.share_selected()
        assert task is not None
        refused = await task
        assert "Sign in to Upwatch Cloud on the Account tab first" in refused.informativeText()
        refused.close()

        problem = await app.account.sign_in(api.url, "al@example.com", PASSWORD, create=True)
        assert problem is None
        page = app.account_page
        assert isinstance(page, AccountPage)
        await until(lambda: "none yet" in page.status_page_label.text())
        assert not page.copy_link_button.isVisibleTo(page)
        task = window.share_selected()
        assert task is not None
        box = await task
        link = QApplication.clipboard().text()
        assert link.startswith(f"{api.settings.public_origin}/s/shop-")
        assert "Shop is on your status page" in box.text()
        assert link in box.informativeText()
        assert sorted(b.text() for b in box.buttons()) == ["Close", "Open"]
        box.close()
        assert link in page.status_page_label.text()
        assert "(1 monitor)" in page.status_page_label.text()
        assert page.copy_link_button.isVisibleTo(page)
        async with httpx.AsyncClient() as visitor:
            shown = await visitor.get(api.url + link.removeprefix(api.settings.public_origin))
        assert shown.status_code == 200
        assert "Shop" in shown.text


async def test_a_status_page_that_could_not_be_read_says_so_and_shows_once_the_server_answers(
    app: TrayApp, api: ApiServer, target: TargetServer
) -> None:
    from desktop.services.sharing import ShareService
    from shared.monitor import MonitorSpec
    from tests.support.cutting_proxy import CuttingProxy

    proxy = CuttingProxy(api.port).start()
    try:
        # signed in and shared from a terminal before the app starts
        shop = app.workspace.monitors().add(MonitorSpec(name="Shop", url=target.url("/")))
        cloud = app.workspace.cloud()
        await cloud.sign_up("al@example.com", PASSWORD, proxy.url)
        await ShareService(cloud, app.workspace.monitors()).share([str(shop.id)])
        await cloud.aclose()
        # then the server is away as the app starts: no request reaches it (a cut answer
        # would be worse: a refresh the server took but whose new token never arrived ends
        # the session, as a refresh token used twice must)
        proxy.cut_uploads = 10_000
        async with running(app):
            page = app.account_page
            assert isinstance(page, AccountPage)
            await until(lambda: "could not be read" in page.status_page_label.text())
            assert "none yet" not in page.status_page_label.text()  # not a false "no page"
            proxy.cut_uploads = 0
            app.account.sync_now()  # a sync that works: the pages are read again
            await until(
                lambda: "/s/shop-" in page.status_page_label.text(),
                timeout=15,
                state=lambda: (page.status_page_label.text(), app.account.view),
            )
    finally:
        proxy.stop()
