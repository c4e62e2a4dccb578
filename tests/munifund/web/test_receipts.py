"""The senders' receipts served by the review plugin, behind the same authorization as the packs:
through Airflow's own API app and auth manager, as tests/munifund/web/test_review_app.py does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from munifund.config import load_settings
from munifund.ingest.receipt_files import receipts_dir

AS_OF = "2031-03-16"
SENDER = "230102"
NAME = "receipt-manual__2031-03-16T02_00_00_08_00"
PAGE = "<!DOCTYPE html><html><body>回执 230102</body></html>"


@pytest.fixture(scope="module")
def receipts() -> Iterator[Path]:
    root = receipts_dir(load_settings().home)
    folder = root / AS_OF / SENDER
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{NAME}.html").write_text(PAGE, "utf-8")
    (folder / f"{NAME}.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    secret = root / "secret.html"
    secret.write_text("not for the browser", "utf-8")
    (folder / "receipt-leak.html").symlink_to(secret)
    yield root
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    (root / AS_OF).rmdir()
    secret.unlink()


@pytest.fixture(scope="module")
def api(receipts: Path, warehouse) -> TestClient:
    from airflow.api_fastapi.app import create_app, purge_cached_app

    from munifund.airflow_env import migrate_metadata_db

    migrate_metadata_db()
    purge_cached_app()
    return TestClient(create_app("core"), follow_redirects=False)


def _login(api: TestClient, role: str | None = "viewer") -> TestClient:
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    api.cookies.clear()
    user = SimpleAuthManagerUser(username="quzhang", role=role)
    api.cookies.set("_token", get_auth_manager().generate_jwt(user))
    return api


PROTECTED = (
    f"/munifund/receipts/{AS_OF}/",
    f"/munifund/receipts/{AS_OF}/{SENDER}/{NAME}.html",
    f"/munifund/receipts/{AS_OF}/{SENDER}/{NAME}.xlsx",
)


@pytest.mark.parametrize("path", PROTECTED)
def test_an_anonymous_request_is_refused(api: TestClient, path: str) -> None:
    api.cookies.clear()
    response = api.get(path)
    assert response.status_code == 401, response.text
    assert "回执 230102" not in response.text


def test_a_user_without_a_role_is_refused(api: TestClient) -> None:
    response = _login(api, role=None).get(f"/munifund/receipts/{AS_OF}/{SENDER}/{NAME}.html")
    assert response.status_code == 403
    assert "回执 230102" not in response.text


def test_a_logged_in_viewer_reads_the_receipt(api: TestClient) -> None:
    response = _login(api).get(f"/munifund/receipts/{AS_OF}/{SENDER}/{NAME}.html")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.text == PAGE
    assert response.headers["cache-control"] == "no-store"  # the app's headers apply
    workbook = _login(api).get(f"/munifund/receipts/{AS_OF}/{SENDER}/{NAME}.xlsx")
    assert workbook.status_code == 200
    assert workbook.content.startswith(b"PK")
    assert workbook.headers["content-disposition"].startswith("attachment")


def test_the_receipts_of_a_date_are_listed(api: TestClient) -> None:
    response = _login(api).get(f"/munifund/receipts/{AS_OF}/")
    assert response.status_code == 200
    assert f'href="{SENDER}/{NAME}.html"' in response.text
    assert "receipt-leak" not in response.text  # a link is not listed


@pytest.mark.parametrize(
    "path",
    [
        f"/munifund/receipts/{AS_OF}/{SENDER}/..%2F..%2Fsecret.html",
        f"/munifund/receipts/{AS_OF}/..%2F{SENDER}/{NAME}.html",
        f"/munifund/receipts/{AS_OF}/{SENDER}/%2e%2e%2fsecret.html",
        f"/munifund/receipts/{AS_OF}/..%5c..%5c/secret.html",
        f"/munifund/receipts/{AS_OF}/{SENDER}/receipt-leak.html",
        f"/munifund/receipts/{AS_OF}/{SENDER}/{NAME}.html%00.xlsx",
        f"/munifund/receipts/{AS_OF}/{SENDER}/review.html",
        f"/munifund/receipts/{AS_OF}/２３０１０２/{NAME}.html",
        "/munifund/receipts/2031-02-30/230102/receipt-x.html",
        "/munifund/receipts/..%2F..%2F/230102/receipt-x.html",
        f"/munifund/receipts/{AS_OF}/{SENDER}/receipt-missing.html",
    ],
)
def test_nothing_outside_a_receipt_is_served(api: TestClient, path: str) -> None:
    response = _login(api, role="admin").get(path)
    assert response.status_code == 404, (path, response.status_code, response.text[:200])
    assert "not for the browser" not in response.text
