"""The review packs through a real Airflow api-server, with Airflow's login.

`airflow api-server` as deployed (SimpleAuthManager with a password file, no all-admins mode),
on its own SQLite metadata database, the session's warehouse behind the Airflow connection
`warehouse` and the session's MUNIFUND_HOME. Over HTTP: an anonymous request is refused (401; a
browser is sent to Airflow's login), a user who signs in at Airflow's `/auth/token` reads the
pack with the token as the `_token` session cookie the UI keeps, or as a bearer token; no path
leaves the packs. In a real browser (Debian's chromium, headless; driven by Playwright in the
last test): the pack's link without a session lands on Airflow's login form, signing in there
comes back to the pack, and the run list's links open the page and download the workbook.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from munifund.airflow_env import warehouse_connection_json
from munifund.config import PRIVACY_ENV, load_settings
from munifund.warehouse import Warehouse

from .conftest import INHERITED_ENV, free_port, run_checked, stop_process_group, tail, wait_until

pytestmark = pytest.mark.integration

AS_OF = "2032-06-30"
RUN_ID = "manual__web-integration-2032-06-30"
USER, ROLE = "caiwu", "viewer"
PAGE_TEXT = "审核包 2032 integration"
CHROMIUM = Path("/usr/bin/chromium")  # Debian's (make browser); Playwright's own is not used


@pytest.fixture(scope="module")
def pack(warehouse: Warehouse) -> Iterator[Path]:
    folder = load_settings().reviews_dir / AS_OF
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "review.html").write_text(f"<html><body><h1>{PAGE_TEXT}</h1></body></html>", "utf-8")
    (folder / "review.xlsx").write_bytes(b"PK\x03\x04")
    with warehouse.connect(autocommit=True) as conn:
        conn.execute("delete from ops.allocation_runs where run_id = %s", [RUN_ID])
        conn.execute(
            "insert into ops.allocation_runs (run_id, as_of_date, fiscal_year,"
            " input_fingerprints, dbt_version, airflow_version, row_counts)"
            " values (%s, %s, 2032, '{}', '1.11', '3.3.2', '{}')",
            [RUN_ID, dt.date.fromisoformat(AS_OF)],
        )
    yield folder
    with warehouse.connect(autocommit=True) as conn:
        conn.execute("delete from ops.allocation_runs where run_id = %s", [RUN_ID])
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()


@pytest.fixture(scope="module")
def api_server(pack: Path, warehouse: Warehouse) -> Iterator[tuple[str, str]]:
    """The api-server's URL and the password of USER."""
    airflow = str(Path(sys.executable).with_name("airflow"))
    root = Path(tempfile.mkdtemp(prefix="munifund-it-web-"))
    home, port, password = root / "airflow", free_port(), secrets.token_urlsafe(12)
    (home / "plugins").mkdir(parents=True)
    passwords = root / "passwords.json"
    passwords.write_text(json.dumps({USER: password}))
    env = {name: os.environ[name] for name in INHERITED_ENV if name in os.environ}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "/usr/bin:/bin")
    env.update(PRIVACY_ENV)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(root / "no-dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(home / "plugins"),
            "AIRFLOW__CORE__AUTH_MANAGER": (
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
            ),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:{ROLE}",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            "AIRFLOW_CONN_WAREHOUSE": warehouse_connection_json(warehouse.pipeline_url),
            "MUNIFUND_HOME": str(load_settings().home),
        }
    )
    log = root / "api-server.log"
    proc = None
    try:
        run_checked([airflow, "db", "migrate"], env=env, cwd=root, timeout=300)
        with log.open("w") as out:
            proc = subprocess.Popen(
                [airflow, "api-server", "--host", "127.0.0.1", "--port", str(port), "--apps", "core"],
                env=env, cwd=root, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        url = f"http://127.0.0.1:{port}"

        def answers() -> bool:
            if proc.poll() is not None:
                raise RuntimeError(f"the api-server exited:\n{tail(log)}")
            return httpx.get(f"{url}/api/v2/version", timeout=5).status_code == 200

        try:
            wait_until(answers, 120, "the api-server")
        except TimeoutError as err:
            raise RuntimeError(f"{err}\n{tail(log)}") from err
        yield url, password
    finally:
        if proc is not None:
            stop_process_group(proc, grace=10)
        import shutil

        shutil.rmtree(root, ignore_errors=True)


def _chromium_helper():
    """The review page tests' headless chromium (tests/munifund/review/chromium.py), loaded by
    path: that folder is on sys.path only when its own tests are collected."""
    import importlib.util

    path = Path(__file__).parents[1] / "munifund" / "review" / "chromium.py"
    spec = importlib.util.spec_from_file_location("review_chromium", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sign_in(url: str, password: str) -> str:
    response = httpx.post(
        f"{url}/auth/token", json={"username": USER, "password": password}, timeout=30
    )
    assert response.status_code == 201, response.text
    return response.json()["access_token"]


def test_anonymous_requests_are_refused(api_server: tuple[str, str]) -> None:
    url, _ = api_server
    for path in ("/munifund/", f"/munifund/reviews/{AS_OF}/review.html",
                 f"/munifund/reviews/{AS_OF}/review.xlsx",
                 f"/munifund/dag-runs/municipal_maintenance_funding/{RUN_ID}"):  # fmt: skip
        response = httpx.get(url + path, timeout=30)
        assert response.status_code == 401, (path, response.status_code, response.text)
        assert PAGE_TEXT not in response.text
    browser = httpx.get(
        f"{url}/munifund/reviews/{AS_OF}/review.html", headers={"Accept": "text/html"}, timeout=30
    )
    assert browser.status_code == 303
    assert browser.headers["location"].startswith("/auth/login?next=")


def test_a_wrong_password_gets_no_session(api_server: tuple[str, str]) -> None:
    url, _ = api_server
    response = httpx.post(
        f"{url}/auth/token", json={"username": USER, "password": "wrong"}, timeout=30
    )
    assert response.status_code == 401


def test_a_signed_in_user_reads_the_pack_and_the_runs(api_server: tuple[str, str]) -> None:
    url, password = api_server
    token = _sign_in(url, password)
    with httpx.Client(base_url=url, cookies={"_token": token}, timeout=30) as session:
        page = session.get(f"/munifund/reviews/{AS_OF}/review.html")
        assert page.status_code == 200, page.text
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert PAGE_TEXT in page.text
        workbook = session.get(f"/munifund/reviews/{AS_OF}/review.xlsx")
        assert workbook.headers["content-type"].startswith("application/vnd.openxmlformats")
        runs = session.get("/munifund/")
        assert runs.status_code == 200, runs.text
        assert RUN_ID in runs.text
        tab = session.get(
            f"/munifund/dag-runs/municipal_maintenance_funding/{RUN_ID}", follow_redirects=True
        )
        assert PAGE_TEXT in tab.text
        for path in (f"/munifund/reviews/{AS_OF}/..%2F..%2Fairflow%2Fairflow.cfg",
                     "/munifund/reviews/..%2F..%2F/review.html"):  # fmt: skip
            assert session.get(path).status_code == 404
    bearer = httpx.get(
        f"{url}/munifund/reviews/{AS_OF}/review.html",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert bearer.status_code == 200


def test_airflow_lists_the_review_tab_and_the_nav_entry(api_server: tuple[str, str]) -> None:
    url, password = api_server
    response = httpx.get(
        f"{url}/api/v2/plugins",
        headers={"Authorization": f"Bearer {_sign_in(url, password)}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    (plugin,) = [p for p in response.json()["plugins"] if p["name"] == "munifund"]
    assert {v["destination"] for v in plugin["external_views"]} == {"dag_run", "nav"}


def test_a_browser_without_a_session_lands_on_airflows_login(
    api_server: tuple[str, str], tmp_path: Path
) -> None:
    run_chromium = _chromium_helper().run_chromium
    url, _ = api_server
    shown = run_chromium(
        tmp_path, "--virtual-time-budget=15000", "--dump-dom",
        f"{url}/munifund/reviews/{AS_OF}/review.html",
    ).stdout  # fmt: skip
    assert PAGE_TEXT not in shown
    assert 'type="password"' in shown, shown[-2000:]  # Airflow's login form


def test_the_bureau_signs_in_and_opens_the_pack_in_a_browser(api_server: tuple[str, str]) -> None:
    """Playwright drives Debian's chromium: the pack's link, Airflow's login form, back to the
    pack; then the run list and its workbook link."""
    from playwright.sync_api import sync_playwright

    url, password = api_server
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            page.goto(f"{url}/munifund/reviews/{AS_OF}/review.html")
            page.wait_for_selector('input[name="password"]', timeout=30_000)
            assert PAGE_TEXT not in page.content()
            page.fill('input[name="username"]', USER)
            page.fill('input[name="password"]', password)
            page.click('button[type="submit"]')
            page.wait_for_url(f"**/munifund/reviews/{AS_OF}/review.html", timeout=30_000)
            assert page.locator("h1").inner_text() == PAGE_TEXT
            assert "token" not in page.url  # no secret in the address bar

            page.goto(f"{url}/munifund/")
            assert RUN_ID in page.content()
            with page.expect_download() as download:
                page.click(f'a[href="/munifund/reviews/{AS_OF}/review.xlsx"]')
            assert download.value.suggested_filename == f"review-{AS_OF}.xlsx"
            page.click(f'a[href="/munifund/reviews/{AS_OF}/review.html"]')
            assert page.locator("h1").inner_text() == PAGE_TEXT
        finally:
            browser.close()
