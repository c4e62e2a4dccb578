"""The finance bureau's approval as the last step of the nightly DAG (human in the loop).

Airflow 3's ApprovalOperator waits for a person to choose Approve or Reject in the UI (or
through the REST API); this subclass records the decision, the responder and the comment in
the decision log (`munifund.review.decisions`), exactly as `munifund review approve|reject` does
outside the UI, under the same rules. A decision the rules refuse (the person who started the
run approving it, a run already decided) fails the step with the reason and records nothing;
clearing the step lets another person answer.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.standard.operators.hitl import ApprovalOperator
from airflow.sdk import Param


class RecordedApprovalOperator(ApprovalOperator):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "params", {"comment": Param("", type="string", description="审核意见 / Comment")}
        )
        super().__init__(**kwargs)

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        if "error" not in event:  # a timeout or a failed trigger: nobody decided anything
            self._record(context["run_id"], event)
        return super().execute_complete(context=context, event=event)

    def _record(self, run_id: str, event: dict[str, Any]) -> None:
        from munifund.review.decisions import record_decision
        from munifund.warehouse import task_warehouse

        chosen = event["chosen_options"][0]
        responder = event.get("responded_by_user") or {}
        reviewer = responder.get("name") or responder.get("id") or "unknown"
        comment = (event.get("params_input") or {}).get("comment") or None
        decision = "approved" if chosen == self.APPROVE else "rejected"
        with task_warehouse().connect() as conn:
            made = record_decision(conn, run_id, decision, str(reviewer), comment)
        self.log.info("recorded %s", made.describe())
