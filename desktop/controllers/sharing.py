"""SharingController: the account's public status page for the main window and Account tab."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from desktop.errors import NotSignedIn, UpwatchError
from desktop.services.sharing import ShareService
from shared.status_page import SharedPage


class SharingController(QObject):
    """Shares monitors on the status page; views listen to pages_changed."""

    pages_changed = Signal()

    def __init__(self, service: ShareService) -> None:
        super().__init__()
        self.service = service
        self.pages: list[SharedPage] = []
        self.problem: str | None = None  # why the last read of the pages failed

    @property
    def link(self) -> str | None:
        """The public address of the account's first status page, if it has one."""
        return self.pages[0].url if self.pages else None

    async def refresh(self) -> str | None:
        """Read the account's pages; return None, or what went wrong (signed out: no pages)."""
        self.problem = None
        try:
            self.pages = await self.service.pages()
        except NotSignedIn:
            self.pages = []
        except UpwatchError as exc:
            self.problem = exc.message
            return exc.message
        finally:
            self.pages_changed.emit()
        return None

    async def share(self, monitor_ids: list[str]) -> tuple[SharedPage | None, str | None]:
        """Put monitors on the status page (made if needed): (the page, None), or (None,
        what to tell the user)."""
        try:
            page = await self.service.share(monitor_ids)
        except NotSignedIn:
            return None, (
                "Sign in to Upwatch Cloud on the Account tab first: status pages are public"
                " pages the cloud serves."
            )
        except UpwatchError as exc:
            return None, exc.message
        others = [p for p in self.pages if p.id != page.id]
        self.pages = [page, *others]
        self.pages_changed.emit()
        return page, None
