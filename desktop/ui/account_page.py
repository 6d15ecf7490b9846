"""AccountPage: sign in to Upwatch Cloud (or create an account), then the account and sync."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
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
from desktop.ui.icons import COLOURS
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


class AccountPage(QWidget):
    """The Account tab: a sign-in form, or the signed-in account with its sync status."""

    def __init__(self, controller: AccountController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
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
        layout = QVBoxLayout(page)
        layout.addWidget(self.account_label)
        layout.addWidget(self.sync_label)
        layout.addLayout(buttons)
        layout.addWidget(
            QLabel("Signing out keeps your monitors and history on this computer.", wordWrap=True)
        )
        self.sync_button.clicked.connect(self._controller.sync_now)
        self.sign_out_button.clicked.connect(lambda: spawn(self._controller.sign_out()))
        return page

    def fill(self) -> None:
        """Show the controller's account state."""
        view = self._controller.view
        self.stack.setCurrentIndex(1 if view.signed_in else 0)
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
            refused = "".join(f"<li>{_escape(item)}</li>" for item in view.refused)
            kept_here = f"<p>Kept on this computer only:</p><ul>{refused}</ul>" if refused else ""
            self.sync_label.setText(f'<span style="color:{colour}">{line}</span>{kept_here}')
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

    def _say(self, text: str, *, error: bool) -> None:
        colour = COLOURS[Status.DOWN] if error else "palette(text)"
        self.form_message.setText(f'<span style="color:{colour}">{_escape(text)}</span>')


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
