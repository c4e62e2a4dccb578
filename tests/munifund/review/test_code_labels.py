"""dbt_project/seeds/seed_code_labels.csv labels every code the project knows, and only cleanly.

The codes come from where they are defined: the accepted values of the dbt models, the codes in
the other seeds, the ingest contracts' vocabularies and the run's review statuses in the
warehouse. A code added there without a label fails here, naming the row to add.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from munifund.ingest.contracts import CONTRACTS
from munifund.review.formatting import KIND_VOCABULARIES, REVIEW_STATUS_VOCABULARY
from munifund.review.labels import (
    CODE_LABELS_CSV,
    CodeLabelsError,
    labels_by_vocabulary,
    read_code_labels,
)
from munifund.warehouse import Warehouse

REPO = Path(__file__).resolve().parents[3]
MODELS = REPO / "dbt_project" / "models"
SEEDS = REPO / "dbt_project" / "seeds"

#: The vocabulary of a column whose name is not its vocabulary's (a column named after its
#: vocabulary, like `work_type`, needs no entry).
VOCABULARY_OF_COLUMN = {
    ("int_asset_work_types_assigned", "matrix_tier"): "tier",
    ("int_asset_work_types_assigned", "followed_work_type"): "work_type",
    ("int_assessment_results_scored", "category"): "work_order_category",
    ("assessment_results", "category"): "work_order_category",
    ("int_kiosk_fee_movements_classified", "movement_type"): "kiosk_fee_movement_type",
    ("int_kiosk_fee_movements_classified", "category"): "kiosk_fee_category",
    ("int_kiosk_fee_movements_classified", "diversion_reason"): "kiosk_fee_flag_reason",
    ("allocation_blockers", "blocker"): "allocation_blocker",
    ("unmeasured_assets", "reason"): "unmeasured_reason",
    ("int_kiosk_fee_accounts_assessed", "status"): "kiosk_fee_status",
    ("int_kiosk_fee_vouchers_flagged", "reason"): "kiosk_fee_flag_reason",
    ("int_kiosk_fee_vouchers_flagged", "district_status"): "kiosk_fee_status",
    ("kiosk_fee_compliance", "status"): "kiosk_fee_status",
    ("kiosk_fee_flags", "reason"): "kiosk_fee_flag_reason",
    ("kiosk_fee_flags", "district_status"): "kiosk_fee_status",
    ("asset_transfers", "to_tier"): "tier",
    ("stg_asset_transfers__asset_transfers", "to_tier"): "tier",
    ("int_disbursement_statuses_assessed", "status"): "disbursement_status",
    ("disbursement_status", "status"): "disbursement_status",
    ("int_allocation_spending_assessed", "status"): "allocation_spending_status",
    ("allocation_spending", "status"): "allocation_spending_status",
    ("int_allocation_vouchers_classified", "category"): "allocation_spending_category",
    ("int_allocation_vouchers_classified", "diversion_reason"): "allocation_spending_flag_reason",
    ("int_allocation_vouchers_flagged", "reason"): "allocation_spending_flag_reason",
    ("int_allocation_vouchers_flagged", "district_status"): "allocation_spending_status",
    ("allocation_spending_flags", "reason"): "allocation_spending_flag_reason",
    ("allocation_spending_flags", "district_status"): "allocation_spending_status",
    ("int_allocation_years_compared", "comparison"): "year_over_year_comparison",
    ("allocation_year_over_year", "comparison"): "year_over_year_comparison",
    ("int_enforcement_quarters_assessed", "status"): "enforcement_quarter_status",
    **{("enforcement_funding", f"q{q}_status"): "enforcement_quarter_status" for q in range(1, 5)},
}
#: Columns of the other seeds that carry a vocabulary's codes.
SEED_VOCABULARIES = ("tier", "work_type", "asset_class", "funding_source")


def _unlabelled(vocabulary: str, codes: list[str]) -> list[str]:
    labelled = labels_by_vocabulary().get(vocabulary, {})
    return [code for code in codes if code not in labelled]


def _add_rows(vocabulary: str, codes: list[str]) -> str:
    rows = "\n".join(f"  {vocabulary},{code},<中文>,<English>" for code in codes)
    return f"add to {CODE_LABELS_CSV.relative_to(REPO)}:\n{rows}"


def _accepted_values(node: Any) -> Iterator[tuple[str, str, list[str]]]:
    """(model, column, values) of every accepted_values test under a parsed dbt yml."""
    if isinstance(node, dict):
        columns = (node.get("columns") or []) if "name" in node else []
        for column in columns:
            for test in [*(column.get("data_tests") or []), *(column.get("tests") or [])]:
                if isinstance(test, dict) and "accepted_values" in test:
                    spec = test["accepted_values"]
                    values = (spec.get("arguments") or {}).get("values", spec.get("values"))
                    yield node["name"], column["name"], [str(v) for v in values]
        for value in node.values():
            yield from _accepted_values(value)
    elif isinstance(node, list):
        for value in node:
            yield from _accepted_values(value)


def _model_accepted_values() -> list[tuple[str, str, list[str]]]:
    found = []
    for path in sorted(MODELS.rglob("*.yml")):
        found += _accepted_values(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


def test_every_accepted_value_of_the_models_has_a_label() -> None:
    found = _model_accepted_values()
    assert len(found) >= 20, "the yml walk found too few accepted_values: has their form changed?"
    missing = []
    for model, column, values in found:
        vocabulary = VOCABULARY_OF_COLUMN.get((model, column), column)
        if codes := _unlabelled(vocabulary, values):
            missing.append(f"{model}.{column} ({vocabulary}): {_add_rows(vocabulary, codes)}")
    assert not missing, (
        "accepted values without a label; a column carrying an existing vocabulary under"
        " another name is mapped in VOCABULARY_OF_COLUMN:\n" + "\n".join(missing)
    )


def test_every_code_in_the_seeds_has_a_label() -> None:
    missing = []
    for path in sorted(SEEDS.glob("*.csv")):
        if path == CODE_LABELS_CSV:
            continue
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        for vocabulary in SEED_VOCABULARIES:
            codes = sorted({r[vocabulary] for r in rows if r.get(vocabulary)})
            if unlabelled := _unlabelled(vocabulary, codes):
                missing.append(f"{path.name}.{vocabulary}: {_add_rows(vocabulary, unlabelled)}")
    assert not missing, "\n".join(missing)


def test_purposes_are_the_seeded_expenditure_purposes() -> None:
    # The purposes' Chinese names are the reference source's; the labels must not drift from it.
    with (SEEDS / "seed_expenditure_purposes.csv").open(encoding="utf-8", newline="") as handle:
        seeded = {r["purpose_code"]: r["name_zh"] for r in csv.DictReader(handle)}
    labelled = {code: label.zh for code, label in labels_by_vocabulary()["purpose"].items()}
    assert labelled == seeded


def test_every_code_of_the_ingest_contracts_has_a_label() -> None:
    missing = []
    for contract in CONTRACTS:
        for column in contract.columns:
            if column.allowed:
                vocabulary = VOCABULARY_OF_COLUMN.get((contract.name, column.name), column.name)
                if codes := _unlabelled(vocabulary, list(column.allowed)):
                    missing.append(f"{contract.name}.{column.name}: {_add_rows(vocabulary, codes)}")
    if codes := _unlabelled("source", [c.name for c in CONTRACTS]):
        missing.append(f"the landing sources: {_add_rows('source', codes)}")
    assert not missing, "\n".join(missing)


def test_every_review_status_has_a_label(warehouse: Warehouse) -> None:
    # the statuses are derived (ops.run_reviews): a standing decision's (the log's check
    # constraint, but `revoked`, which stands for nothing), or those the view itself names
    with warehouse.connect() as conn:
        (decisions,) = conn.execute(
            "select pg_get_constraintdef(oid) from pg_constraint"
            " where conrelid = 'ops.review_decisions'::regclass and contype = 'c'"
            " and pg_get_constraintdef(oid) like '%%decision = ANY%%'"
        ).fetchone()
        (derived,) = conn.execute("select pg_get_viewdef('ops.run_reviews'::regclass)").fetchone()
    statuses = {*decisions.split("'")[1::2], *derived.split("'")[1::2]} - {"revoked"}
    assert statuses == {"approved", "rejected", "draft", "superseded"}
    assert not _unlabelled("review_status", sorted(statuses)), _add_rows(
        "review_status", _unlabelled("review_status", sorted(statuses))
    )


def test_the_review_pack_finds_the_vocabularies_it_labels_with() -> None:
    used = {*KIND_VOCABULARIES.values(), REVIEW_STATUS_VOCABULARY}
    assert used <= set(labels_by_vocabulary()), sorted(used - set(labels_by_vocabulary()))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("vocabulary,code,label\ntier,city,市\n", "line 1: the header must be"),
        ("vocabulary,code,label_zh,label_en\ntier,city,市,\n", "line 2: write 4 values"),
        ("vocabulary,code,label_zh,label_en\ntier, city,市,City\n", "line 2: write 4 values"),
        (
            "vocabulary,code,label_zh,label_en\ntier,city,市,City\ntier,city,市级,City\n",
            "line 3: (tier, city) is labelled twice",
        ),
    ],
)
def test_a_label_table_that_is_not_clean_is_refused(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = tmp_path / "seed_code_labels.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CodeLabelsError, match=rf"code_labels\.csv, {re.escape(problem)}"):
        read_code_labels(path)
