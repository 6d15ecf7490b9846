"""ShareService: put monitors on the account's public status page and get its link.

A monitor reaches the cloud by sync, so sharing syncs first; the page lives on the server
(the owner's /api/status-pages), so nothing about it is stored here.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from typing import Any

from desktop.errors import CloudRefused, InvalidInput
from desktop.services.cloud import CloudService
from desktop.services.monitors import MonitorService
from shared.status_page import SharedPage, check_slug, suggest_slug

DEFAULT_TITLE = "Service status"
SLUG_TRIES = 3


def _body(page: SharedPage | None, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"slug": "", "title": DEFAULT_TITLE, "description": "",
                            "published": True, "monitor_ids": []}  # fmt: skip
    if page is not None:
        monitors = [str(m) for m in page.monitor_ids]
        body.update(slug=page.slug, title=page.title, description=page.description,
                    published=page.published, monitor_ids=monitors)  # fmt: skip
    body.update({k: v for k, v in changes.items() if v is not None})
    return body


class ShareService:
    """Use cases around the signed-in account's status pages."""

    def __init__(self, cloud: CloudService, monitors: MonitorService) -> None:
        self.cloud = cloud
        self.monitors = monitors

    async def pages(self) -> list[SharedPage]:
        """Return the account's status pages (raise NotSignedIn when signed out)."""
        return await (await self.cloud.client()).status_pages()

    async def share(
        self, refs: list[str], *, title: str | None = None, slug: str | None = None
    ) -> SharedPage:
        """Add the monitors (ids, id prefixes or names) to the status page with slug, or to
        the account's first page, making one when there is none; return the page.

        Raise InvalidInput for an unknown monitor or a bad slug, CloudRefused when the
        server will not (plan limits, a taken slug, a monitor it does not have).
        """
        if slug is not None:
            try:
                check_slug(slug)
            except ValueError as exc:
                raise InvalidInput(str(exc)) from None
        specs = [await asyncio.to_thread(self.monitors.get, ref) for ref in refs]
        report = await self.cloud.sync()  # the monitors must be in the cloud to be shown
        client = await self.cloud.client()
        pages = await client.status_pages()
        page = next((p for p in pages if slug is None or p.slug == slug), None)
        wanted = [str(m) for m in (page.monitor_ids if page else [])]
        wanted += [str(s.id) for s in specs if str(s.id) not in wanted]
        try:
            if page is not None:
                return await client.save_status_page(
                    str(page.id), _body(page, title=title, monitor_ids=wanted)
                )
            for attempt in range(SLUG_TRIES):
                new_slug = slug or suggest_slug(
                    specs[0].name if specs else "", secrets.token_hex(2)
                )
                try:
                    return await client.save_status_page(
                        None, _body(None, slug=new_slug, title=title, monitor_ids=wanted)
                    )
                except CloudRefused as exc:
                    if slug is not None or "taken" not in exc.message or attempt == SLUG_TRIES - 1:
                        raise
            raise AssertionError("unreachable")  # pragma: no cover
        except CloudRefused as exc:
            if "monitor_ids" not in exc.message:
                raise
            names = ", ".join(s.name for s in specs)
            why = "; ".join(report.refused) or "it has not reached the cloud yet, sync and retry"
            raise CloudRefused(f"Upwatch Cloud does not have {names} ({why})") from None

    async def unshare(self, refs: list[str]) -> list[SharedPage]:
        """Take the monitors off every status page showing them; return the pages changed."""
        ids = {(await asyncio.to_thread(self.monitors.get, ref)).id for ref in refs}
        client = await self.cloud.client()
        changed = []
        for page in await client.status_pages():
            kept = [m for m in page.monitor_ids if m not in ids]
            if len(kept) != len(page.monitor_ids):
                body = _body(page, monitor_ids=[str(m) for m in kept])
                changed.append(await client.save_status_page(str(page.id), body))
        return changed


def monitor_names(page: SharedPage, names: dict[uuid.UUID, str]) -> list[str]:
    """The names of a page's monitors known here (the id's start for one that is not)."""
    return [names.get(m, str(m)[:8]) for m in page.monitor_ids]
