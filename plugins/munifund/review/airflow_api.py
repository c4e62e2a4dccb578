"""The nightly DAG's approval step, answered through Airflow's REST API.

`munifund review approve|reject` records the bureau's decision in the warehouse; when the run
waits under a scheduler, the DAG's `approve_allocation` step waits too, and would wait for days
if only the warehouse knew. So the command also answers that step, as the UI's Approve or Reject
button does (`PATCH /api/v2/dags/{dag}/dagRuns/{run}/taskInstances/approve_allocation/-1/hitlDetails`),
naming the decision it recorded: the step then confirms that decision instead of recording it a
second time (`munifund.review.approval`).

Where the API is: `MUNIFUND_AIRFLOW_API_URL` (the api-server, e.g. http://airflow:8080). How to
sign in: `MUNIFUND_AIRFLOW_API_TOKEN` (a JWT), or `MUNIFUND_AIRFLOW_API_USER` and
`MUNIFUND_AIRFLOW_API_PASSWORD` (exchanged for one at `/auth/token`, as Airflow's simple auth
manager does), or neither when the api-server lets anonymous requests in. Nothing of it is in
the repository.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import quote

import httpx

API_URL = "MUNIFUND_AIRFLOW_API_URL"
API_TOKEN = "MUNIFUND_AIRFLOW_API_TOKEN"
API_USER = "MUNIFUND_AIRFLOW_API_USER"
API_PASSWORD = "MUNIFUND_AIRFLOW_API_PASSWORD"
DAG_ID = "municipal_maintenance_funding"
APPROVAL_TASK = "approve_allocation"
#: the key in the answer's params_input naming the decision `munifund review` recorded
RECORDED_DECISION = "munifund_decision_id"
CHOICES = {"approved": "Approve", "rejected": "Reject"}
WAITING_STATES = {"awaiting_input", "deferred"}  # 3.3 parks the step; older versions defer it


class AirflowApiError(RuntimeError):
    """Airflow's API did not answer as it should; the message says which request and why."""


@dataclass(frozen=True)
class ApprovalStep:
    """The approval step of the nightly DAG's runs, through one api-server."""

    base_url: str
    headers: dict[str, str]
    timeout: float = 30.0

    @classmethod
    def from_environment(cls) -> ApprovalStep | None:
        """None when no api-server is configured (`MUNIFUND_AIRFLOW_API_URL` unset)."""
        url = os.environ.get(API_URL, "").strip().rstrip("/")
        if not url:
            return None
        token = os.environ.get(API_TOKEN, "").strip()
        user = os.environ.get(API_USER, "").strip()
        if not token and user:
            token = _sign_in(url, user, os.environ.get(API_PASSWORD, ""))
        return cls(url, {"Authorization": f"Bearer {token}"} if token else {})

    def _path(self, run_id: str) -> str:
        return (
            f"/api/v2/dags/{DAG_ID}/dagRuns/{quote(run_id, safe='')}/taskInstances/{APPROVAL_TASK}"
        )

    def _request(self, method: str, path: str, **kwargs) -> httpx.Response:
        try:
            with httpx.Client(
                base_url=self.base_url, headers=self.headers, timeout=self.timeout
            ) as client:
                return client.request(method, path, **kwargs)
        except httpx.HTTPError as err:
            raise AirflowApiError(
                f"Airflow's API at {self.base_url} did not answer: {err}"
            ) from err

    def is_waiting(self, run_id: str) -> bool:
        """Whether the run's approval step waits for a person now."""
        response = self._request("GET", self._path(run_id))
        if response.status_code == 404:  # no such run in this Airflow (a `munifund run`, say)
            return False
        _check(response, "read the approval step")
        if response.json().get("state") not in WAITING_STATES:
            return False
        detail = self._request("GET", self._path(run_id) + "/-1/hitlDetails")
        if detail.status_code == 404:
            return False
        _check(detail, "read the approval step's request")
        return not detail.json().get("response_received")

    def answer(self, run_id: str, decision: str, comment: str | None, decision_id: int) -> str:
        """Answer the waiting step with the decision recorded as `decision_id`; returns the
        Airflow user the API recorded as the responder."""
        body = {
            "chosen_options": [CHOICES[decision]],
            "params_input": {"comment": comment or "", RECORDED_DECISION: decision_id},
        }
        response = self._request("PATCH", self._path(run_id) + "/-1/hitlDetails", json=body)
        _check(response, "answer the approval step")
        responder = response.json().get("responded_by") or {}
        return str(responder.get("name") or responder.get("id") or "")


def _sign_in(url: str, user: str, password: str) -> str:
    try:
        response = httpx.post(
            f"{url}/auth/token", json={"username": user, "password": password}, timeout=30
        )
    except httpx.HTTPError as err:
        raise AirflowApiError(f"Airflow's API at {url} did not answer: {err}") from err
    _check(response, f"sign in as {user}")
    return response.json()["access_token"]


def _check(response: httpx.Response, what: str) -> None:
    if response.status_code >= 300:
        detail = response.text.strip().replace("\n", " ")[:300]
        raise AirflowApiError(
            f"could not {what} through Airflow's API ({response.request.method}"
            f" {response.request.url} answered {response.status_code}: {detail})"
        )
