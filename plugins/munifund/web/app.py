"""The review packs served by Airflow's API server, behind Airflow's login and permissions.

Mounted by the munifund plugin (`munifund.web.plugin`) at `/munifund`:

- `/munifund/`                          the published runs (their records in `published`), each
                                        with its review page, workbook and what-if pages
- `/munifund/reviews/<as_of>/<file>`    a file of `$MUNIFUND_HOME/reviews/<as_of>/`: the review
                                        page (its status block read live from the warehouse:
                                        a decision shows at once), the workbook, the charts,
                                        the assets pages, the what-if pages
- `/munifund/dag-runs/<dag>/<run>`      the 审核 / Review tab of a DAG run: to its pack

Airflow does not protect a plugin's endpoints: every route here depends on Airflow's own
authorization, the permission to read the runs of the nightly DAG (`requires_access_dag`, as
Airflow's REST API checks it), so whoever may see the run in Airflow may read its pack and no
one else. Who is asking is Airflow's session (the `_token` cookie its login sets, or a bearer
token); nothing is ever taken from the URL. A browser that is not logged in is sent to Airflow's
login page and back; any other client gets 401. Only GET: nothing here changes state, so there
is no form to forge (decisions are taken in the approval step, answered in Airflow's own UI or
by `munifund review`, and recorded once, by the step). Files are found by name, never by path:
an as-of date, then a file name of word characters with the suffix .html, .xlsx or .png, which
must resolve to a file directly inside that date's folder.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

import jinja2
from airflow.api_fastapi.auth.managers.models.base_user import BaseUser
from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
from airflow.api_fastapi.core_api.security import get_user, requires_access_dag
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from starlette.exceptions import HTTPException as StarletteHTTPException

from munifund.config import load_settings
from munifund.review.airflow_api import DAG_ID
from munifund.review.pack import HTML_NAME, XLSX_NAME
from munifund.review.page import print_script_hash
from munifund.web import public
from munifund.web.receipts import receipts_router

log = logging.getLogger(__name__)

AS_OF_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits only
# letters of any script, digits, _ and -; one suffix: no dot, slash or backslash elsewhere
FILE_SHAPE = re.compile(r"[\w-]{1,128}\.(html|xlsx|png)")
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
}
# the pack is the bureau's figures: never cached, framed only by Airflow's own pages (the
# Review tab), no script run, nothing sent elsewhere
_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline';"
    " script-src {scripts}; object-src 'none'; base-uri 'none'; form-action 'self';"
    " frame-ancestors 'self'"
)
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": _POLICY.format(scripts="'none'"),
}
#: a page of the pack (review, assets, what-if): its one script too, allowed by its hash (it
#: opens the drill-downs for printing: munifund.review.page.PRINT_SCRIPT), and nothing else
PACK_PAGE_HEADERS = {
    **SECURITY_HEADERS,
    "Content-Security-Policy": _POLICY.format(scripts=print_script_hash()),
}

#: read the nightly DAG's runs: Airflow's own permission, checked by Airflow's auth manager
ReadRuns = Depends(requires_access_dag("GET", DagAccessEntity.RUN, param_dag_id=DAG_ID))
User = Annotated[BaseUser, Depends(get_user)]

_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("munifund.web", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


@dataclass(frozen=True)
class PublishedRun:
    run_id: str
    as_of_date: dt.date
    fiscal_year: int
    published_at: dt.datetime
    review_status: str
    reviewer: str | None
    reviewed_at: dt.datetime | None
    started_by: str | None
    superseded_by_run_id: str | None


def status_label(code: str) -> str:
    """A review status as the pack shows it: the label seed's Chinese and English."""
    from munifund.review.labels import labels_by_vocabulary

    label = labels_by_vocabulary().get("review_status", {}).get(code)
    return f"{label.zh} / {label.en}" if label else code


def reviews_root() -> Path:
    return load_settings().reviews_dir


def pack_file(root: Path, as_of: str, name: str) -> Path:
    """The file `name` of the pack of `as_of` under `root`; 404 for anything else (a name that
    is not a pack file's, a path, a link out of the folder, a file that is not there)."""
    if not AS_OF_SHAPE.fullmatch(as_of) or not FILE_SHAPE.fullmatch(name):
        raise HTTPException(404, "no such file in the review packs")
    try:
        dt.date.fromisoformat(as_of)
    except ValueError:
        raise HTTPException(404, "no such file in the review packs") from None
    folder = root.resolve() / as_of
    path = (folder / name).resolve()
    if path.parent != folder or not path.is_file():
        raise HTTPException(404, "no such file in the review packs")
    return path


def connect_read_only():
    """The warehouse through Airflow's `warehouse` connection, in read-only transactions."""
    from munifund.warehouse import task_warehouse

    return task_warehouse().connect(
        connect_timeout=10, options="-c default_transaction_read_only=on"
    )


def published_runs(limit: int = 500) -> list[PublishedRun]:
    """The published runs, newest first, each with its status as the pack says it (a revoked
    decision reads revoked, with who revoked it: munifund.review.status)."""
    from munifund.review.status import run_status, runs_with_status

    with connect_read_only() as conn:
        rows = runs_with_status(conn, limit)
    listed = []
    for row in rows:
        status = run_status(row)
        listed.append(
            PublishedRun(
                row["run_id"], row["as_of_date"], row["fiscal_year"], row["published_at"],
                status.code, status.decided_by, status.decided_at, row["started_by"],
                row["superseded_by_run_id"],
            )
        )  # fmt: skip
    return listed


def run_as_of(run_id: str) -> dt.date | None:
    from munifund.review import status

    with connect_read_only() as conn:
        return status.run_as_of(conn, run_id)


def page_with_live_status(path: Path) -> str:
    """A review page with its status block as the warehouse has it now: a decision recorded
    after the page was written shows at once (status, decider, time), whether or not the pack
    was rewritten on this machine. The page as written when the warehouse does not answer."""
    from munifund.review.page import status_run_id, with_status
    from munifund.review.status import read_run_status

    html = path.read_text(encoding="utf-8")
    run_id = status_run_id(html)
    if run_id is None:
        return html
    try:
        with connect_read_only() as conn:
            status = read_run_status(conn, run_id)
    except Exception as err:  # noqa: BLE001 - the page as written, rather than no page
        log.warning("munifund review packs: the status of run %s not read: %s", run_id, err)
        return html
    return html if status is None else with_status(html, status)


def _page(template: str, status_code: int = 200, **values: object) -> HTMLResponse:
    return HTMLResponse(_templates.get_template(template).render(**values), status_code)


def _warehouse_down(err: Exception) -> HTMLResponse:
    log.error("munifund review packs: the warehouse did not answer: %s", err)
    detail = "数据仓库无法访问 / the warehouse does not answer; the operators are to check it"
    return _page("refused.html.j2", 503, status=503, detail=detail)


def _pack_files(root: Path, as_of: dt.date) -> dict[str, list[str]]:
    folder = root / as_of.isoformat()
    present = sorted(p.name for p in folder.glob("*") if FILE_SHAPE.fullmatch(p.name))
    return {
        "page": [n for n in present if n == HTML_NAME],
        "workbook": [n for n in present if n == XLSX_NAME],
        "whatif": [n for n in present if n.startswith("whatif-") and n.endswith(".html")],
    }


def create_app() -> FastAPI:
    app = FastAPI(
        title="munifund review packs",
        dependencies=[ReadRuns],
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )

    @app.middleware("http")
    async def security_headers(request: Request, call_next) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def refused(request: Request, exc: StarletteHTTPException) -> Response:
        wants_page = "text/html" in request.headers.get("accept", "")
        if exc.status_code == 401 and wants_page:
            from airflow.api_fastapi.app import get_auth_manager

            # back here after the login; a path on this server only (Airflow checks it too)
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(get_auth_manager().get_url_login(next_url=here), 303)
        if wants_page:
            return _page(
                "refused.html.j2", exc.status_code, status=exc.status_code, detail=exc.detail
            )
        return JSONResponse(
            {"detail": exc.detail}, exc.status_code, headers=getattr(exc, "headers", None)
        )

    @app.get("/", response_class=HTMLResponse, name="runs")
    def runs(request: Request) -> HTMLResponse:
        root = reviews_root()
        try:
            found = published_runs()
        except Exception as err:  # noqa: BLE001 - the page says the warehouse is out of reach
            return _warehouse_down(err)
        base = request.scope.get("root_path", "")
        listed = [
            {"run": run, "status": status_label(run.review_status),
             "files": _pack_files(root, run.as_of_date),
             "href": f"{base}/reviews/{run.as_of_date.isoformat()}/"}
            for run in found
        ]  # fmt: skip
        return _page("runs.html.j2", runs=listed, quote=quote)

    @app.get("/reviews/{as_of}/", include_in_schema=False)
    def pack_folder(request: Request, as_of: str) -> RedirectResponse:
        pack_file(reviews_root(), as_of, HTML_NAME)
        return RedirectResponse(
            f"{request.scope.get('root_path', '')}/reviews/{as_of}/{HTML_NAME}", 303
        )

    @app.get("/reviews/{as_of}/{name}", name="pack_file")
    def serve(as_of: str, name: str, user: User) -> Response:
        path = pack_file(reviews_root(), as_of, name)
        suffix = path.suffix.lstrip(".")
        log.info("munifund review packs: %s opened %s/%s", user.get_name(), as_of, name)
        if name == HTML_NAME:
            return HTMLResponse(page_with_live_status(path), headers=PACK_PAGE_HEADERS)
        download = f"{path.stem}-{as_of}{path.suffix}" if suffix == "xlsx" else None
        return FileResponse(
            path, media_type=CONTENT_TYPES[suffix], filename=download,
            content_disposition_type="attachment" if download else "inline",
            headers=PACK_PAGE_HEADERS if suffix == "html" else None,
        )  # fmt: skip

    @app.get("/dag-runs/{dag_id}/{run_id}", name="run_pack")
    def run_pack(request: Request, dag_id: str, run_id: str) -> Response:
        """The Review tab of a DAG run (an external view: Airflow shows every plugin tab on every
        DAG's runs): to the pack of the run's as-of date, once the run has published one."""
        try:
            as_of = run_as_of(run_id) if dag_id == DAG_ID else None
        except Exception as err:  # noqa: BLE001 - the page says the warehouse is out of reach
            return _warehouse_down(err)
        if as_of is None or not (reviews_root() / as_of.isoformat() / HTML_NAME).is_file():
            return _page("no_pack.html.j2", 404, dag_id=dag_id, run_id=run_id, dag=DAG_ID)
        target = f"{request.scope.get('root_path', '')}/reviews/{as_of.isoformat()}/{HTML_NAME}"
        return RedirectResponse(target, 303)

    app.mount(public.PREFIX, public.create_public_app())  # no login there: web/public.py says when
    app.include_router(receipts_router(ReadRuns))  # the senders' receipts, the same permission
    return app


app = create_app()
