"""Where the bureau opens a review pack: one URL, the same in the mail and in the approval step.

The pack is served by the munifund plugin under the API server (`munifund.web.app`), at
``<public URL>/munifund/reviews/<as_of>/review.html``. The public URL is `MUNIFUND_PUBLIC_URL`
(what the bureau's browsers reach, behind a proxy say), else Airflow's own ``[api] base_url``.
Without either, the link is the path alone, which the reader completes with the Airflow address
they use. No token, password or session is ever part of a link: the browser's Airflow login is.

Imports nothing heavy: the DAG file and the mail use it.
"""

from __future__ import annotations

import datetime as dt
import os
from urllib.parse import quote

PUBLIC_URL = "MUNIFUND_PUBLIC_URL"
#: where Airflow mounts the plugin's FastAPI app (under the API server)
URL_PREFIX = "/munifund"
REVIEW_PAGE = "review.html"


def public_base_url() -> str:
    """`MUNIFUND_PUBLIC_URL`, else Airflow's `[api] base_url`, without a trailing slash; "" when
    neither is set."""
    url = os.environ.get(PUBLIC_URL, "").strip()
    if not url:
        try:
            from airflow.configuration import conf

            url = (conf.get("api", "base_url", fallback="") or "").strip()
        except Exception:  # noqa: BLE001 - Airflow's configuration unreadable: path-only links
            url = ""
    return url.rstrip("/")


def pack_path(as_of: dt.date | str, name: str = REVIEW_PAGE) -> str:
    """The path of a file of the pack of `as_of` under the API server."""
    return f"{URL_PREFIX}/reviews/{as_of}/{quote(name, safe='')}"


def pack_url(as_of: dt.date | str, name: str = REVIEW_PAGE) -> str:
    """The link to a file of the pack of `as_of` (the review page by default)."""
    return public_base_url() + pack_path(as_of, name)


def runs_url() -> str:
    """The list of published runs."""
    return public_base_url() + f"{URL_PREFIX}/"
