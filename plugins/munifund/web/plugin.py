"""The munifund Airflow plugin: the review packs' app under the API server, a 审核 / Review tab
on every DAG run and a nav entry listing the published runs.

Registered through the `airflow.plugins` entry point of the munifund package (pyproject.toml):
munifund is installed in every Airflow environment (the Dockerfile's `pip install -e`, `make
setup`), so each api-server loads it without anything being copied into Airflow's plugins folder,
which stays empty.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from munifund.web.links import URL_PREFIX


class MunifundPlugin(AirflowPlugin):
    name = "munifund"

    @property
    def fastapi_apps(self) -> list[dict]:  # type: ignore[override]
        # built when the api-server asks: other Airflow processes load plugins too, and need
        # none of the API server's modules
        from munifund.web.app import app

        return [{"app": app, "url_prefix": URL_PREFIX, "name": "munifund review packs"}]

    # hrefs relative to Airflow's base URL (no leading slash), as its UI resolves them
    external_views = [
        {
            "name": "审核 / Review",
            "href": URL_PREFIX.lstrip("/") + "/dag-runs/{DAG_ID}/{RUN_ID}",
            "destination": "dag_run",
            "url_route": "munifund-review",
        },
        {
            "name": "审核包 / Review packs",
            "href": URL_PREFIX.lstrip("/") + "/",
            "destination": "nav",
            "url_route": "munifund-reviews",
        },
    ]
