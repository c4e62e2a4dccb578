"""The public results served by Airflow's API server: without login when MUNIFUND_PUBLIC_RESULTS
is 1, not at all otherwise, and never anything else of the pack's folder.

Airflow's API app is built as the api-server builds it, with the munifund plugin from its entry
point (as tests/munifund/web/test_review_app.py does); no warehouse is needed: only files.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from munifund.config import load_settings

AS_OF = "2031-04-30"
PUBLIC_PAGE = "<!DOCTYPE html><html><body>城市管理考核结果 2031</body></html>"
REVIEW_PAGE = "<!DOCTYPE html><html><body>审核 draft 2031</body></html>"


@pytest.fixture(scope="module")
def packs() -> Iterator[Path]:
    root = load_settings().reviews_dir
    folder = root / AS_OF
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "public-results.html").write_text(PUBLIC_PAGE, "utf-8")
    (folder / "public-results.xlsx").write_bytes(b"PK\x03\x04 public workbook")
    (folder / "review.html").write_text(REVIEW_PAGE, "utf-8")
    (folder / "review.xlsx").write_bytes(b"PK\x03\x04 the bureau's workbook")
    (folder / "allocation.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (folder / "whatif-x.html").write_text("<html>what if</html>", "utf-8")
    secret = root.parent / "secret-public.html"
    secret.write_text("not for the browser", "utf-8")
    other = root / "2031-05-01"
    other.mkdir(exist_ok=True)
    (other / "public-results.html").symlink_to(secret)  # a link out of the reviews
    yield root
    for path in [*folder.iterdir(), *other.iterdir()]:
        path.unlink()
    folder.rmdir()
    other.rmdir()
    secret.unlink()


@pytest.fixture(scope="module")
def api(packs: Path) -> TestClient:
    from airflow.api_fastapi.app import create_app, purge_cached_app

    from munifund.airflow_env import migrate_metadata_db

    migrate_metadata_db()
    purge_cached_app()
    return TestClient(create_app("core"), follow_redirects=False)


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> None:
    """Results published, and AS_OF's run approved (which dates are approved is the warehouse's
    answer: tests/munifund/review/test_pack_follows_decision.py reads it from real runs)."""
    from munifund.web import public

    monkeypatch.setenv("MUNIFUND_PUBLIC_RESULTS", "1")
    monkeypatch.setattr(public, "approved_dates", lambda: {AS_OF, "2031-05-01"})


def test_a_date_whose_run_is_not_approved_is_not_public(
    api: TestClient, published, monkeypatch: pytest.MonkeyPatch
) -> None:
    from munifund.web import public

    monkeypatch.setattr(public, "approved_dates", lambda: set())  # a draft, or a re-run
    api.cookies.clear()
    for path in PUBLIC[1:]:
        assert api.get(path).status_code == 404, path
    index = api.get("/munifund/public/")
    assert index.status_code == 200 and AS_OF not in index.text


PUBLIC = (
    "/munifund/public/",
    f"/munifund/public/{AS_OF}/public-results.html",
    f"/munifund/public/{AS_OF}/public-results.xlsx",
)
BEHIND_LOGIN = (
    f"/munifund/reviews/{AS_OF}/review.html",
    f"/munifund/reviews/{AS_OF}/review.xlsx",
    f"/munifund/reviews/{AS_OF}/allocation.png",
    f"/munifund/reviews/{AS_OF}/whatif-x.html",
    f"/munifund/reviews/{AS_OF}/public-results.html",
    "/munifund/",
)


@pytest.mark.parametrize("value", [None, "", "0", "true", "yes"])
@pytest.mark.parametrize("path", PUBLIC)
def test_nothing_is_public_unless_the_variable_is_1(
    api: TestClient, monkeypatch: pytest.MonkeyPatch, value: str | None, path: str
) -> None:
    if value is None:
        monkeypatch.delenv("MUNIFUND_PUBLIC_RESULTS", raising=False)
    else:
        monkeypatch.setenv("MUNIFUND_PUBLIC_RESULTS", value)
    api.cookies.clear()
    response = api.get(path)
    assert response.status_code == 404, response.text
    assert "2031" not in response.text


def test_the_public_page_and_workbook_are_served_without_login(api: TestClient, published) -> None:
    api.cookies.clear()
    page = api.get(f"/munifund/public/{AS_OF}/public-results.html")
    assert page.status_code == 200, page.text
    assert page.text == PUBLIC_PAGE
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "script-src 'none'" in page.headers["content-security-policy"]
    book = api.get(f"/munifund/public/{AS_OF}/public-results.xlsx")
    assert book.status_code == 200
    assert book.content == b"PK\x03\x04 public workbook"
    assert book.headers["content-disposition"].startswith("attachment")
    index = api.get("/munifund/public/")
    assert index.status_code == 200
    assert f'href="{AS_OF}/public-results.html"' in index.text
    assert "2031-05-01" not in index.text  # its page is a link out of the reviews: not listed


@pytest.mark.parametrize("path", BEHIND_LOGIN)
def test_the_review_pack_stays_behind_the_login_with_the_variable_set(
    api: TestClient, published, path: str
) -> None:
    api.cookies.clear()
    response = api.get(path)
    assert response.status_code == 401, (path, response.status_code)
    assert "审核" not in response.text and "what if" not in response.text


@pytest.mark.parametrize(
    "path",
    [
        f"/munifund/public/{AS_OF}/review.html",
        f"/munifund/public/{AS_OF}/review.xlsx",
        f"/munifund/public/{AS_OF}/allocation.png",
        f"/munifund/public/{AS_OF}/whatif-x.html",
        f"/munifund/public/{AS_OF}/..%2F{AS_OF}%2Freview.html",
        f"/munifund/public/{AS_OF}/%2e%2e%2f%2e%2e%2fsecret-public.html",
        f"/munifund/public/{AS_OF}/..%5creview.html",
        f"/munifund/public/{AS_OF}/public-results.html%00.png",
        f"/munifund/public/{AS_OF}/./public-results.html/../review.html",
        f"/munifund/public/..%2F{AS_OF}/public-results.html",
        f"/munifund/public/{AS_OF}/../{AS_OF}/review.html",
        "/munifund/public/2031-05-01/public-results.html",  # a link out of the reviews
        "/munifund/public/2031-02-30/public-results.html",
        "/munifund/public/２０３１-０４-３０/public-results.html",
        "/munifund/public/2031-04-29/public-results.html",  # no such date
        f"/munifund/public/{AS_OF}/",
        f"/munifund/public/{AS_OF}/PUBLIC-RESULTS.HTML",
        "/munifund/public/%2Fetc/passwd",
        "/munifund/public/reviews/" + AS_OF + "/review.html",
    ],
)
def test_nothing_but_the_public_files_is_served_there(api: TestClient, published, path) -> None:
    api.cookies.clear()
    response = api.get(path)
    assert response.status_code in (404, 401), (path, response.status_code, response.text[:200])
    for text in ("审核", "not for the browser", "bureau", "what if", "PNG"):
        assert text not in response.text, (path, text)


def test_a_logged_in_user_reads_the_public_page_in_the_pack_when_unpublished(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    monkeypatch.delenv("MUNIFUND_PUBLIC_RESULTS", raising=False)
    token = get_auth_manager().generate_jwt(SimpleAuthManagerUser(username="caiwu", role="viewer"))
    api.cookies.clear()
    api.cookies.set("_token", token)
    try:
        assert api.get(f"/munifund/public/{AS_OF}/public-results.html").status_code == 404
        response = api.get(f"/munifund/reviews/{AS_OF}/public-results.html")
        assert response.status_code == 200 and response.text == PUBLIC_PAGE
    finally:
        api.cookies.clear()


def test_nothing_is_written_through_the_public_routes(api: TestClient, published) -> None:
    for method in ("POST", "PUT", "DELETE"):
        response = api.request(method, f"/munifund/public/{AS_OF}/public-results.html")
        assert response.status_code == 405
