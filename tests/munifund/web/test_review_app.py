"""The review packs served by Airflow's API server, through Airflow's own app and auth.

Airflow's API app is built as the api-server builds it (`create_app`), so the munifund plugin is
loaded from its entry point and mounted as in production, with Airflow's SimpleAuthManager and
its metadata database (SQLite here). Requests carry Airflow's JWT as the browser does (the
`_token` cookie its login sets) or as a bearer token. The runs come from the session's
warehouse through the Airflow connection `warehouse`; the packs are files in MUNIFUND_HOME.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from munifund.config import load_settings
from munifund.warehouse import Warehouse, embedded_superuser_url

AS_OF = "2031-03-15"
RUN_ID = "manual__web-test-2031-03-15"
OTHER_RUN = "manual__web-test-unpublished"
WHATIF = "whatif-低成本.html"
PAGE = "<!DOCTYPE html><html><body>审核 2031</body></html>"


@pytest.fixture(scope="module")
def packs() -> Iterator[Path]:
    root = load_settings().reviews_dir
    folder = root / AS_OF
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "review.html").write_text(PAGE, "utf-8")
    (folder / "review.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    (folder / "allocation.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (folder / WHATIF).write_text("<html><body>what if</body></html>", "utf-8")
    (folder / ".review.html.tmp").write_text("half written", "utf-8")
    secret = root.parent / "secret.html"
    secret.write_text("not for the browser", "utf-8")
    (folder / "leak.html").symlink_to(secret)
    yield root
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    secret.unlink()


@pytest.fixture(scope="module")
def published_run(warehouse: Warehouse) -> Iterator[str]:
    def remove(conn) -> None:
        # the decision log is append-only, even for the administrator: a test's own decisions
        # are removed as the tests' clear_schemas does, triggers off
        with psycopg.connect(embedded_superuser_url()) as admin:
            admin.execute("set local session_replication_role = replica")
            admin.execute("delete from ops.review_decisions where run_id = %s", [RUN_ID])
        conn.execute("delete from ops.allocation_runs where run_id = %s", [RUN_ID])

    with warehouse.connect(autocommit=True) as conn:
        remove(conn)
        conn.execute(
            "insert into ops.allocation_runs (run_id, as_of_date, fiscal_year,"
            " input_fingerprints, dbt_version, airflow_version, row_counts)"
            " values (%s, %s, 2031, '{}', '1.11', '3.3.2', '{}')",
            [RUN_ID, dt.date.fromisoformat(AS_OF)],
        )
    yield RUN_ID
    with warehouse.connect(autocommit=True) as conn:
        remove(conn)


@pytest.fixture(scope="module")
def api(packs: Path, published_run: str) -> TestClient:
    """Airflow's API app with its plugins, on a migrated metadata database."""
    from airflow.api_fastapi.app import create_app, purge_cached_app

    from munifund.airflow_env import migrate_metadata_db

    migrate_metadata_db()
    purge_cached_app()
    return TestClient(create_app("core"), follow_redirects=False)


def _token(role: str | None) -> str:
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    return get_auth_manager().generate_jwt(SimpleAuthManagerUser(username="caiwu", role=role))


def _as_browser(api: TestClient, role: str | None = "viewer") -> TestClient:
    api.cookies.clear()
    api.cookies.set("_token", _token(role))
    return api


PROTECTED = (
    "/munifund/",
    f"/munifund/reviews/{AS_OF}/review.html",
    f"/munifund/reviews/{AS_OF}/review.xlsx",
    f"/munifund/reviews/{AS_OF}/allocation.png",
    f"/munifund/dag-runs/municipal_maintenance_funding/{RUN_ID}",
)


@pytest.mark.parametrize("path", PROTECTED)
def test_an_anonymous_request_is_refused(api: TestClient, path: str) -> None:
    api.cookies.clear()
    response = api.get(path)
    assert response.status_code == 401, response.text
    assert "审核" not in response.text


def test_an_anonymous_browser_is_sent_to_airflows_login_and_back(api: TestClient) -> None:
    api.cookies.clear()
    path = f"/munifund/reviews/{AS_OF}/review.html"
    response = api.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/auth/login")
    assert "next=%2Fmunifund%2Freviews%2F" + AS_OF in response.headers["location"]


def test_a_forged_or_roleless_token_is_refused(api: TestClient) -> None:
    api.cookies.clear()
    api.cookies.set("_token", "eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJ4In0.forged")
    assert api.get(f"/munifund/reviews/{AS_OF}/review.html").status_code == 403
    _as_browser(api, role=None)
    response = api.get(f"/munifund/reviews/{AS_OF}/review.html")
    assert response.status_code == 403
    assert "审核 2031" not in response.text


def test_a_token_in_the_url_is_not_a_login(api: TestClient) -> None:
    api.cookies.clear()
    token = _token("admin")
    assert api.get(f"/munifund/reviews/{AS_OF}/review.html?token={token}").status_code == 401
    assert api.get(f"/munifund/reviews/{AS_OF}/review.html?_token={token}").status_code == 401


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("review.html", "text/html; charset=utf-8"),
        ("review.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("allocation.png", "image/png"),
        (WHATIF, "text/html; charset=utf-8"),
    ],
)
def test_a_logged_in_viewer_reads_the_pack(api: TestClient, name: str, content_type: str) -> None:
    _as_browser(api)
    response = api.get(f"/munifund/reviews/{AS_OF}/{name}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == content_type
    assert response.content == (load_settings().reviews_dir / AS_OF / name).read_bytes()
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'self'" in response.headers["content-security-policy"]
    # a page of the pack runs its print script (by its hash) and nothing else; a file, nothing
    from munifund.review.page import print_script_hash

    scripts = "script-src " + (print_script_hash() if name.endswith(".html") else "'none'")
    assert scripts in response.headers["content-security-policy"]
    if name.endswith(".xlsx"):
        assert response.headers["content-disposition"].startswith("attachment")
        assert f"review-{AS_OF}.xlsx" in response.headers["content-disposition"]


def test_a_bearer_token_reads_the_pack(api: TestClient) -> None:
    api.cookies.clear()
    response = api.get(
        f"/munifund/reviews/{AS_OF}/review.html",
        headers={"Authorization": f"Bearer {_token('viewer')}"},
    )
    assert response.status_code == 200
    assert "审核 2031" in response.text


@pytest.mark.parametrize(
    "path",
    [
        f"/munifund/reviews/{AS_OF}/..%2F..%2Fsecret.html",
        f"/munifund/reviews/{AS_OF}/%2e%2e%2fsecret.html",
        f"/munifund/reviews/{AS_OF}/..%5c..%5csecret.html",
        "/munifund/reviews/..%2F..%2F/secret.html",
        "/munifund/reviews/2031-02-30/review.html",
        "/munifund/reviews/2031-03-15x/review.html",
        "/munifund/reviews/２０３１-０３-１５/review.html",  # full-width digits: not a date here
        f"/munifund/reviews/{AS_OF}/leak.html",
        f"/munifund/reviews/{AS_OF}/.review.html.tmp",
        f"/munifund/reviews/{AS_OF}/review.html%00.png",
        f"/munifund/reviews/{AS_OF}/missing.html",
        f"/munifund/reviews/{AS_OF}/review.txt",
        "/munifund/reviews/%2Fetc/passwd",
    ],
)
def test_nothing_outside_a_pack_is_served(api: TestClient, path: str) -> None:
    _as_browser(api, role="admin")
    response = api.get(path)
    assert response.status_code == 404, (path, response.status_code, response.text[:200])
    assert "not for the browser" not in response.text


def test_the_run_list_shows_the_published_runs_and_their_packs(api: TestClient) -> None:
    _as_browser(api)
    response = api.get("/munifund/")
    assert response.status_code == 200, response.text
    assert RUN_ID in response.text
    assert f'href="/munifund/reviews/{AS_OF}/review.html"' in response.text
    assert f'href="/munifund/reviews/{AS_OF}/review.xlsx"' in response.text
    assert "whatif-%E4%BD%8E%E6%88%90%E6%9C%AC.html" in response.text
    assert "草稿，待审核 / Draft, awaiting review" in response.text


def test_the_served_page_says_the_decision_recorded_after_it_was_written(
    api: TestClient, warehouse: Warehouse, packs: Path
) -> None:
    """A page written while the run was a draft, served after the bureau rejected it: the
    status block is read from the warehouse, not from the file."""
    from munifund.review.decisions import record_decision
    from munifund.review.page import render_status
    from munifund.review.status import RunStatus

    path = packs / AS_OF / "review.html"
    block = render_status(RUN_ID, RunStatus("draft"))
    path.write_text(f"<!DOCTYPE html><html><body>审核 2031 {block}</body></html>", "utf-8")
    try:
        _as_browser(api)
        assert "草稿，待审核" in api.get(f"/munifund/reviews/{AS_OF}/review.html").text
        with warehouse.connect() as conn:
            record_decision(conn, RUN_ID, "rejected", "carol", "口径有误")
        served = api.get(f"/munifund/reviews/{AS_OF}/review.html")
        assert served.status_code == 200
        assert served.headers["content-type"] == "text/html; charset=utf-8"
        assert "已驳回 / Rejected" in served.text and "草稿" not in served.text
        assert "carol" in served.text and "口径有误" in served.text
        assert "审核 2031" in served.text  # the rest of the page as written
        listed = api.get("/munifund/").text  # the run list says it too
        assert "已驳回 / Rejected" in listed and "carol" in listed
    finally:
        path.write_text(PAGE, "utf-8")


def test_the_review_tab_of_a_run_opens_its_pack(api: TestClient) -> None:
    _as_browser(api)
    response = api.get(f"/munifund/dag-runs/municipal_maintenance_funding/{RUN_ID}")
    assert response.status_code == 303
    assert response.headers["location"] == f"/munifund/reviews/{AS_OF}/review.html"
    for dag, run in (("municipal_maintenance_funding", OTHER_RUN), ("another_dag", RUN_ID)):
        response = api.get(f"/munifund/dag-runs/{dag}/{run}")
        assert response.status_code == 404
        assert "审核" in response.text


def test_nothing_is_written_through_the_app(api: TestClient) -> None:
    _as_browser(api, role="admin")
    for method in ("POST", "PUT", "DELETE"):
        assert api.request(method, f"/munifund/reviews/{AS_OF}/review.html").status_code == 405


def test_the_plugin_gives_airflow_a_review_tab_and_a_nav_entry(api: TestClient) -> None:
    _as_browser(api, role="admin")
    response = api.get("/api/v2/plugins")
    assert response.status_code == 200, response.text
    (plugin,) = [p for p in response.json()["plugins"] if p["name"] == "munifund"]
    views = {view["destination"]: view for view in plugin["external_views"]}
    assert views["dag_run"]["href"] == "munifund/dag-runs/{DAG_ID}/{RUN_ID}"
    assert views["dag_run"]["name"] == "审核 / Review"
    assert views["nav"]["href"] == "munifund/"
    assert [app["url_prefix"] for app in plugin["fastapi_apps"]] == ["/munifund"]
    assert json.dumps(plugin)  # the UI reads it as JSON


def test_links_use_the_public_url_else_airflows_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.configuration import conf

    from munifund.web.links import pack_url, runs_url

    monkeypatch.setenv("MUNIFUND_PUBLIC_URL", "https://caiwu.example/airflow/")
    assert (
        pack_url("2031-03-15")
        == "https://caiwu.example/airflow/munifund/reviews/2031-03-15/review.html"
    )
    assert pack_url(dt.date(2031, 3, 15), "whatif-低成本.html").endswith(
        "/munifund/reviews/2031-03-15/whatif-%E4%BD%8E%E6%88%90%E6%9C%AC.html"
    )
    monkeypatch.delenv("MUNIFUND_PUBLIC_URL")
    with conf_vars(conf, "api", "base_url", "http://airflow.internal:8080"):
        assert runs_url() == "http://airflow.internal:8080/munifund/"
    with conf_vars(conf, "api", "base_url", ""):
        assert pack_url("2031-03-15") == "/munifund/reviews/2031-03-15/review.html"


@contextmanager
def conf_vars(conf, section: str, key: str, value: str) -> Iterator[None]:
    had = conf.has_option(section, key)
    old = conf.get(section, key, fallback=None)
    conf.set(section, key, value)
    try:
        yield
    finally:
        if had and old is not None:
            conf.set(section, key, old)
        else:
            conf.remove_option(section, key)


def test_a_warehouse_out_of_reach_is_said_not_hidden(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from munifund.airflow_env import warehouse_connection_json

    closed = warehouse_connection_json("postgresql://munifund_pipeline:x@127.0.0.1:9/munifund")
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", closed)
    _as_browser(api)
    response = api.get("/munifund/", headers={"Accept": "text/html"})
    assert response.status_code == 503
    assert "the warehouse does not answer" in response.text
    tab = api.get(f"/munifund/dag-runs/municipal_maintenance_funding/{RUN_ID}")
    assert tab.status_code == 503
    # the files need no warehouse
    assert api.get(f"/munifund/reviews/{AS_OF}/review.html").status_code == 200
