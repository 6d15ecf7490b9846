"""AccountPage: where signing in to Upwatch Cloud will live; says plainly what exists today."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

TEXT = """
<h3>Upwatch Cloud</h3>
<p>Everything on the other tabs works on this computer alone, with no account.</p>
<p>Signing in to Upwatch Cloud will add:</p>
<ul>
<li>your monitors and their history kept in step across your computers,</li>
<li>the same checks run 24/7 from the cloud while this laptop sleeps (paid plans),</li>
<li>a public status page you can share with a link.</li>
</ul>
<p><b>Not available in this version yet:</b> there is no sign-in here today, and nothing
leaves this computer except the checks you set up and the alerts you configure.</p>
"""


class AccountPage(QWidget):
    """The Account tab."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        label = QLabel(TEXT)
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addStretch(1)
