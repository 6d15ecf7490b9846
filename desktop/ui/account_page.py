"""AccountPage: sign in to Upwatch Cloud (or create an account), then the account and sync."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.cloud.client import DEFAULT_SERVER
from desktop.controllers.account import AccountController
from desktop.controllers.sharing import SharingController
from desktop.ui.icons import COLOURS
from desktop.ui.share import copy_link, open_link
from desktop.ui.tasks import spawn
from shared.status import Status

WHY = """
<h3>Upwatch Cloud</h3>
<p>Everything on the other tabs works on this computer alone, with no account.
Signing in adds:</p>
<ul>
<li>your monitors and their history kept in step across your computers,</li>
<li>the same checks run 24/7 from the cloud while this laptop sleeps (paid plans),</li>
<li>a public status page you can share with a link.</li>
</ul>
"""


PLAN_CHOICES = (
    ("starter", "Starter: 20 monitors from the cloud, every 60 s"),
    ("pro", "Pro: 100 monitors from the cloud, every 30 s"),
    ("business", "Business: 500 monitors from the cloud, every 10 s"),
)


def open_url(url: str) -> None:
    """Open a page (Stripe Checkout, the billing portal) in the user's browser."""
    QDesktopServices.openUrl(QUrl(url))


class AccountPage(QWidget):
    """The Account tab: a sign-in form, or the signed-in account with its sync status."""

    def __init__(
        self,
        controller: AccountController,
        parent: QWidget | None = None,
        *,
        sharing: SharingController | None = None,
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        self._sharing = sharing
        self._pages_loaded = False
        self._pages_synced_at: datetime | None = None
        self._billing_said_waiting = False
        self.stack = QStackedWidget()
        self.stack.addWidget(self._sign_in_form())
        self.stack.addWidget(self._account_view())
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack)
        layout.addStretch(1)
        controller.account_changed.connect(self.fill)
        self.fill()

    def _sign_in_form(self) -> QWidget:
        page = QWidget()
        why = QLabel(WHY, wordWrap=True)
        why.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.server = QLineEdit(placeholderText=DEFAULT_SERVER)
        self.server.setAccessibleName("Server address")
        self.email = QLineEdit(placeholderText="you@example.com")
        self.email.setAccessibleName("Email")
        self.password = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.password.setPlaceholderText("at least 10 characters")
        self.sign_in_button = QPushButton("Sign in")
        self.sign_in_button.setDefault(True)
        self.create_button = QPushButton("Create account")
        self.form_message = QLabel(wordWrap=True)
        form = QFormLayout()
        form.addRow("Email", self.email)
        form.addRow("Password", self.password)
        form.addRow("Server", self.server)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_in_button)
        buttons.addWidget(self.create_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(page)
        layout.addWidget(why)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.form_message)
        self.sign_in_button.clicked.connect(lambda: spawn(self._sign_in(create=False)))
        self.create_button.clicked.connect(lambda: spawn(self._sign_in(create=True)))
        self.password.returnPressed.connect(lambda: spawn(self._sign_in(create=False)))
        return page

    def _account_view(self) -> QWidget:
        page = QWidget()
        self.account_label = QLabel(wordWrap=True)
        self.account_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sync_label = QLabel(wordWrap=True)
        self.sync_button = QPushButton("Sync now")
        self.sign_out_button = QPushButton("Sign out")
        buttons = QHBoxLayout()
        buttons.addWidget(self.sync_button)
        buttons.addWidget(self.sign_out_button)
        buttons.addStretch(1)
        self.plan_choice = QComboBox()
        for plan, text in PLAN_CHOICES:
            self.plan_choice.addItem(text, plan)
        self.upgrade_button = QPushButton("Upgrade…")
        self.billing_button = QPushButton("Manage billing…")
        self.billing_label = QLabel(wordWrap=True)
        billing = QHBoxLayout()
        billing.addWidget(self.plan_choice)
        billing.addWidget(self.upgrade_button)
        billing.addWidget(self.billing_button)
        billing.addStretch(1)
        self.status_page_label = QLabel(wordWrap=True)
        self.status_page_label.setOpenExternalLinks(True)
        self.status_page_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextBrowserInteraction
        )
        self.copy_link_button = QPushButton("Copy link")
        self.open_page_button = QPushButton("Open")
        sharing_row = QHBoxLayout()
        sharing_row.addWidget(self.status_page_label, 1)
        sharing_row.addWidget(self.copy_link_button)
        sharing_row.addWidget(self.open_page_button)
        layout = QVBoxLayout(page)
        layout.addWidget(self.account_label)
        layout.addWidget(self.sync_label)
        layout.addLayout(buttons)
        layout.addLayout(billing)
        layout.addWidget(self.billing_label)
        if self._sharing is not None:
            layout.addLayout(sharing_row)
            sharing = self._sharing
            self.copy_link_button.clicked.connect(lambda: copy_link(sharing.link or ""))
            self.open_page_button.clicked.connect(lambda: open_link(sharing.link or ""))
            sharing.pages_changed.connect(self._fill_status_page)
        self._fill_status_page()
        layout.addWidget(
            QLabel("Signing out keeps your monitors and history on this computer.", wordWrap=True)
        )
        self.sync_button.clicked.connect(self._controller.sync_now)
        self.upgrade_button.clicked.connect(lambda: spawn(self._upgrade()))
        self.billing_button.clicked.connect(lambda: spawn(self._manage_billing()))
        self._controller.open_in_browser.connect(lambda url: open_url(url))
        self.sign_out_button.clicked.connect(lambda: spawn(self._controller.sign_out()))
        return page

    def fill(self) -> None:
        """Show the controller's account state."""
        view = self._controller.view
        self.stack.setCurrentIndex(1 if view.signed_in else 0)
        # the pages are read once per sign-in, and again after a sync that worked when the
        # last read failed (the server was away)
        retry = (
            self._sharing is not None
            and self._sharing.problem is not None
            and not view.error
            and view.last_sync_at != self._pages_synced_at
        )
        if self._sharing is not None and (view.signed_in != self._pages_loaded or retry):
            self._pages_loaded = view.signed_in
            self._pages_synced_at = view.last_sync_at
            spawn(self._sharing.refresh())
        for button in (self.sign_in_button, self.create_button, self.sign_out_button):
            button.setEnabled(not view.busy)
        if view.signed_in:
            plan = (view.plan or "free").capitalize()
            self.account_label.setText(
                f"<h3>Signed in as {_escape(view.email or '')}</h3>"
                f"<p>{plan} plan on {_escape(view.server or '')}</p>"
            )
            line = _escape(view.sync_line())
            colour = COLOURS[Status.DOWN] if view.error else COLOURS[Status.UP]
            refused = "".join(f"<li>{_escape(item)}</li>" for item in view.refused_lines())
            kept_here = f"<p>Kept on this computer only:</p><ul>{refused}</ul>" if refused else ""
            self.sync_label.setText(f'<span style="color:{colour}">{line}</span>{kept_here}')
            paid = (view.plan or "free") != "free"
            self.upgrade_button.setVisible(bool(view.billing) and not paid)
            self.plan_choice.setVisible(bool(view.billing) and not paid)
            self.billing_button.setVisible(bool(view.billing) and paid)
            for widget in (self.upgrade_button, self.billing_button):
                widget.setEnabled(not view.busy)
            if view.waiting_for_plan:
                self._say_billing("Finish in your browser: your plan shows here as soon as the"
                                  " payment has landed.", error=False)  # fmt: skip
            elif view.notice:
                self._say_billing(view.notice, error=True)
            elif view.billing is False:
                self._say_billing("This server does not sell paid plans.", error=False)
            elif self._billing_said_waiting:
                self._say_billing("", error=False)
        elif view.error:
            self._say(view.error, error=True)

    async def _sign_in(self, *, create: bool) -> None:
        email, password = self.email.text().strip(), self.password.text()
        if not email or not password:
            self._say("Enter your email and password.", error=True)
            return
        self._say("Creating your account…" if create else "Signing in…", error=False)
        problem = await self._controller.sign_in(
            self.server.text().strip(), email, password, create=create
        )
        if problem is not None:
            self._say(problem, error=True)
            return
        self.password.clear()
        self._say("", error=False)

    async def _upgrade(self) -> None:
        problem = await self._controller.upgrade(str(self.plan_choice.currentData()))
        if problem is not None:
            self._say_billing(problem, error=True)

    async def _manage_billing(self) -> None:
        problem = await self._controller.manage_billing()
        if problem is not None:
            self._say_billing(problem, error=True)

    def _fill_status_page(self) -> None:
        link = self._sharing.link if self._sharing is not None else None
        for button in (self.copy_link_button, self.open_page_button):
            button.setVisible(link is not None)
        problem = self._sharing.problem if self._sharing is not None else None
        if link is None and problem is not None:
            self.status_page_label.setText(
                f"<b>Status page:</b> could not be read ({_escape(problem)}); it shows here"
                " once Upwatch Cloud answers."
            )
            return
        if link is None:
            self.status_page_label.setText(
                "<b>Status page:</b> none yet. Select a monitor on the Monitors tab and press"
                " <b>Share…</b> to publish it on a public page with its own link."
            )
            return
        assert self._sharing is not None
        count = len(self._sharing.pages[0].monitor_ids)
        shown = f"{count} monitor{'s' if count != 1 else ''}"
        self.status_page_label.setText(
            f'<b>Status page</b> ({shown}): <a href="{_escape(link)}">{_escape(link)}</a>'
        )

    def _say_billing(self, text: str, *, error: bool) -> None:
        self._billing_said_waiting = bool(text) and not error
        colour = COLOURS[Status.DOWN] if error else "palette(text)"
        self.billing_label.setText(f'<span style="color:{colour}">{_escape(text)}</span>')

    def _say(self, text: str, *, error: bool) -> None:
        colour = COLOURS[Status.DOWN] if error else "palette(text)"
        self.form_message.setText(f'<span style="color:{colour}">{_escape(text)}</span>')


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
