"""The assessment results the public sees (考核结果), served without login, and only when the
city publishes them: `MUNIFUND_PUBLIC_RESULTS=1` in the api-server's environment. Otherwise
every route here answers 404, to anyone: a logged-in user reads the same files in the pack.

Mounted by the review packs' app (`munifund.web.app`) at `/munifund/public`, as an app of its own
rather than a router of that app: a router included there would inherit its dependency on
Airflow's login, which is the point of that app and the opposite of this one.

- `/munifund/public/`                         the dates whose results may be read
- `/munifund/public/<as_of>/public-results.html`  the page of a date (and `.xlsx`, its workbook)

Only the results of a date whose current run the bureau approved are public (a draft, a
rejected or revoked run, or a re-run awaiting approval is not: its files are there, but not
served); the warehouse says which (`munifund.review.status.approved_as_of_dates`).

Only the two public files of a date (munifund.review.public_results) are served: a file is found
by its name among those two, never by a path from the request, and must be a file directly in
that date's folder. The review pack beside it (review.html, review.xlsx, the charts, the what-if
pages) stays behind the login of the app this is mounted in.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from pathlib import Path

import jinja2
from fastapi import APIRouter, FastAPI, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

from munifund.config import load_settings
from munifund.review.public_results import HTML_NAME, PUBLIC_FILES, XLSX_NAME

#: the variable that publishes the results; anything but "1" keeps them unpublished
PUBLIC_RESULTS = "MUNIFUND_PUBLIC_RESULTS"
PREFIX = "/public"
AS_OF_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits only
CONTENT_TYPES = {
    HTML_NAME: "text/html; charset=utf-8",
    XLSX_NAME: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
NOT_FOUND = "没有这个页面"

log = logging.getLogger(__name__)
router = APIRouter()

_INDEX = jinja2.Environment(autoescape=True).from_string(
    """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>城市管理考核结果</title>
<style>body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 1.5rem; }</style>
</head><body>
<h1>城市管理考核结果</h1>
{% if dates %}<ul>
{% for d in dates %}<li><a href="{{ d }}/{{ page }}">截至{{ d }}</a>（<a href="{{ d }}/{{ xlsx }}">表格</a>）</li>
{% endfor %}</ul>{% else %}<p>尚无公布的考核结果。</p>{% endif %}
</body></html>
"""
)


def published_to_the_public() -> bool:
    return os.environ.get(PUBLIC_RESULTS, "").strip() == "1"


def _refuse_unless_published() -> None:
    if not published_to_the_public():
        raise HTTPException(404, NOT_FOUND)


def public_file(root: Path, as_of: str, name: str) -> Path:
    """The public file `name` of `as_of` under `root`; 404 for anything else."""
    if name not in PUBLIC_FILES or not AS_OF_SHAPE.fullmatch(as_of):
        raise HTTPException(404, NOT_FOUND)
    try:
        dt.date.fromisoformat(as_of)
    except ValueError:
        raise HTTPException(404, NOT_FOUND) from None
    folder = root.resolve() / as_of
    path = (folder / name).resolve()
    if path.parent != folder or not path.is_file():
        raise HTTPException(404, NOT_FOUND)
    return path


def public_dates(root: Path) -> list[str]:
    """The as-of dates whose public page is there to serve, latest first."""
    if not root.is_dir():
        return []
    found = []
    for name in (p.name for p in root.iterdir()):
        try:
            public_file(root, name, HTML_NAME)
        except HTTPException:
            continue
        found.append(name)
    return sorted(found, reverse=True)


def approved_dates() -> set[str]:
    """The as-of dates (ISO) whose current run stands approved; 503 when the warehouse does not
    answer (nothing is shown rather than a draft)."""
    from munifund.review.status import approved_as_of_dates
    from munifund.web.app import connect_read_only

    try:
        with connect_read_only() as conn:
            return {d.isoformat() for d in approved_as_of_dates(conn)}
    except Exception as err:  # psycopg's or Airflow's: the public sees one short line
        log.error("munifund public results: the warehouse did not answer: %s", err)
        raise HTTPException(503, "暂时无法访问，请稍后再试") from None


@router.get("/", response_class=HTMLResponse)
def index() -> HTMLResponse:
    _refuse_unless_published()
    approved = approved_dates()
    dates = [d for d in public_dates(load_settings().reviews_dir) if d in approved]
    return HTMLResponse(_INDEX.render(dates=dates, page=HTML_NAME, xlsx=XLSX_NAME))


@router.get("/{as_of}/{name}")
def serve(as_of: str, name: str) -> FileResponse:
    _refuse_unless_published()
    path = public_file(load_settings().reviews_dir, as_of, name)
    if as_of not in approved_dates():  # a draft's results are not the public's yet
        raise HTTPException(404, NOT_FOUND)
    download = f"考核结果-{as_of}.xlsx" if name == XLSX_NAME else None
    return FileResponse(
        path,
        media_type=CONTENT_TYPES[name],
        filename=download,
        content_disposition_type="attachment" if download else "inline",
    )


def create_public_app() -> FastAPI:
    app = FastAPI(title="munifund public results", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(router)
    return app
