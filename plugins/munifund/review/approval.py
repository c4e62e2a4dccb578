"""The finance bureau's approval as the last step of the nightly DAG (human in the loop).

Airflow 3's ApprovalOperator waits for a person to choose Approve or Reject in the UI (or
through the REST API); this subclass records the decision, the responder and the comment in
the decision log (`munifund.review.decisions`), exactly as `munifund review approve|reject` does
outside the UI, under the same rules. A decision the rules refuse (the person who started the
run approving it, a run already decided) fails the step with the reason and records nothing;
clearing the step lets another person answer.

`munifund review approve|reject` answers this step through the REST API after recording the
decision itself; its answer names that decision (`munifund_decision_id` beside the comment), and
the step then checks that it is the run's standing decision, of the option chosen, and records
nothing more: one decision, recorded once, whichever way the bureau answered.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.standard.operators.hitl import ApprovalOperator
from airflow.sdk import Param

from munifund.review.airflow_api import RECORDED_DECISION


class RecordedApprovalOperator(ApprovalOperator):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "params", {"comment": Param("", type="string", description="审核意见 / Comment")}
        )
        super().__init__(**kwargs)

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        if "error" not in event:  # a timeout or a failed trigger: nobody decided anything
            recorded = (event.get("params_input") or {}).get(RECORDED_DECISION)
            if recorded is None:
                self._record(context["run_id"], event)
            else:
                self._confirm(context["run_id"], event, recorded)
        return super().execute_complete(context=context, event=event)

    def validate_params_input(self, params_input: Any) -> None:
        # the decision `munifund review` names is no form field: the form's are checked as ever
        super().validate_params_input(
            {key: value for key, value in params_input.items() if key != RECORDED_DECISION}
        )

    def _decision(self, event: dict[str, Any]) -> str:
        return "approved" if event["chosen_options"][0] == self.APPROVE else "rejected"

    def _record(self, run_id: str, event: dict[str, Any]) -> None:
        from munifund.review.decisions import record_decision
        from munifund.warehouse import task_warehouse

        responder = event.get("responded_by_user") or {}
        reviewer = responder.get("name") or responder.get("id") or "unknown"
        comment = (event.get("params_input") or {}).get("comment") or None
        with task_warehouse().connect() as conn:
            made = record_decision(conn, run_id, self._decision(event), str(reviewer), comment)
        self.log.info("recorded %s", made.describe())
        self._rewrite_pack(run_id)

    def _confirm(self, run_id: str, event: dict[str, Any], recorded: Any) -> None:
        """An answer from `munifund review`: its decision is already in the log; check that it
        is this run's standing one, of the option chosen, rather than take the answer's word."""
        from munifund.review.decisions import ReviewError, standing_decision
        from munifund.warehouse import task_warehouse

        with task_warehouse().connect() as conn:
            standing = standing_decision(conn, run_id)
        if (
            standing is None
            or str(standing.decision_id) != str(recorded)
            or standing.decision != self._decision(event)
        ):
            now = standing.describe() if standing else "none: the run is a draft"
            raise ReviewError(
                f"the answer names decision {recorded} as recorded by munifund review, but the"
                f" standing decision of run {run_id} is {now}: nothing recorded; decide again"
                " with munifund review"
            )
        self.log.info("%s was recorded by munifund review; not recorded again", standing.describe())
        self._rewrite_pack(run_id)

    def _rewrite_pack(self, run_id: str) -> None:
        """The run's review pack on this worker written again, so that its files say the
        decision; a failure is logged, not the step's (the decision is recorded)."""
        from munifund.config import load_settings
        from munifund.review.pack import rewrite_pack_of_run
        from munifund.warehouse import task_warehouse

        try:
            with task_warehouse().connect() as conn:
                folder = rewrite_pack_of_run(conn, run_id, load_settings().reviews_dir)
        except Exception:  # noqa: BLE001 - the decision stands; the served page reads it live
            self.log.exception("the review pack of run %s was not rewritten", run_id)
            return
        if folder is not None:
            self.log.info("review pack rewritten with the decision: %s", folder)
