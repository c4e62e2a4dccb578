"""The senders' receipts served beside the review packs, behind the same authorization.

Mounted into the review app (`munifund.web.app`), at `/munifund`:

- `/munifund/receipts/<as_of>/`                   the receipts of a date, by sender
- `/munifund/receipts/<as_of>/<sender>/<file>`    a receipt's page or workbook

The router depends on the dependency the app gives it, the app's own (`app.ReadRuns`: read the
nightly DAG's runs, checked by Airflow's auth manager), so that whoever may read a pack may read
a receipt and no one else. Files are found by name, never by path, as the packs are: an as-of
date, a sender code of letters, digits, `_` and `-`, and a file name of `receipt-<run>` with the
suffix .html or .xlsx, which must resolve to a file directly inside that sender's folder.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
from pathlib import Path

from fastapi import APIRouter, HTTPException, params
from fastapi.responses import FileResponse, HTMLResponse

log = logging.getLogger(__name__)

AS_OF_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
SENDER_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")
FILE_SHAPE = re.compile(r"receipt-[A-Za-z0-9_-]{1,100}\.(html|xlsx)")
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
NOT_FOUND = "no such receipt"
URL_PREFIX = "/receipts"


def receipts_root() -> Path:
    from munifund.config import load_settings
    from munifund.ingest.receipt_files import receipts_dir

    return receipts_dir(load_settings().home)


def _date_folder(root: Path, as_of: str) -> Path:
    if not AS_OF_SHAPE.fullmatch(as_of):
        raise HTTPException(404, NOT_FOUND)
    try:
        dt.date.fromisoformat(as_of)
    except ValueError:
        raise HTTPException(404, NOT_FOUND) from None
    folder = root.resolve() / as_of
    if not folder.is_dir():
        raise HTTPException(404, NOT_FOUND)
    return folder


def receipt_file(root: Path, as_of: str, sender: str, name: str) -> Path:
    """The file `name` of `sender`'s receipts of `as_of` under `root`; 404 for anything else (a
    name that is no receipt's, a path, a link out of the folder, a file that is not there)."""
    if not SENDER_SHAPE.fullmatch(sender) or not FILE_SHAPE.fullmatch(name):
        raise HTTPException(404, NOT_FOUND)
    folder = _date_folder(root, as_of) / sender
    path = (folder / name).resolve()
    if path.parent != folder or not path.is_file():
        raise HTTPException(404, NOT_FOUND)
    return path


def receipt_url(as_of: dt.date | str, sender: str, name: str) -> str | None:
    """The link to a receipt behind Airflow's login, or None when no public URL is known (the
    mail then carries the receipt attached only)."""
    from munifund.web.links import URL_PREFIX as APP_PREFIX
    from munifund.web.links import public_base_url

    base = public_base_url()
    return f"{base}{APP_PREFIX}{URL_PREFIX}/{as_of}/{sender}/{name}" if base else None


def receipts_router(authorized: params.Depends) -> APIRouter:
    """The receipts' routes, each behind `authorized` (the app's dependency); GET only."""
    router = APIRouter(prefix=URL_PREFIX, dependencies=[authorized])

    @router.get("/{as_of}/", response_class=HTMLResponse, name="receipts_of_date")
    def receipts_of_date(as_of: str) -> HTMLResponse:
        folder = _date_folder(receipts_root(), as_of)
        items = []
        for sender in sorted(p for p in folder.iterdir() if p.is_dir()):
            if not SENDER_SHAPE.fullmatch(sender.name):
                continue
            for path in sorted(sender.iterdir()):
                if FILE_SHAPE.fullmatch(path.name) and path.is_file() and not path.is_symlink():
                    href = f"{sender.name}/{path.name}"
                    items.append(f'<li><a href="{html.escape(href)}">{html.escape(href)}</a></li>')
        body = "".join(items) or "<li>无回执 / no receipts</li>"
        return HTMLResponse(
            '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>回执 / Receipts {as_of}</title></head><body>"
            f"<h1>数据交付回执 / Delivery receipts {as_of}</h1><ul>{body}</ul></body></html>"
        )

    @router.get("/{as_of}/{sender}/{name}", name="receipt_file")
    def serve(as_of: str, sender: str, name: str) -> FileResponse:
        path = receipt_file(receipts_root(), as_of, sender, name)
        suffix = path.suffix.lstrip(".")
        log.info("munifund receipts: %s/%s/%s opened", as_of, sender, name)
        download = f"{sender}-{as_of}-{name}" if suffix == "xlsx" else None
        return FileResponse(
            path, media_type=CONTENT_TYPES[suffix], filename=download,
            content_disposition_type="attachment" if download else "inline",
        )  # fmt: skip

    return router
