"""After a scenario is written: its comparison page and workbook beside the date's review pack,
and the pack written again so that it lists the scenario (review/scenario_pack.py, review/pack.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg

from munifund.review.formatting import format_money, format_money_delta
from munifund.review.pack import replace_file, write_review_pack
from munifund.review.scenario_pack import ScenarioData, read_scenario, scenario_files
from munifund.whatif.compute import SCENARIO_TABLE, Scenario, default_threshold


@dataclass(frozen=True)
class ScenarioReport:
    data: ScenarioData
    folder: Path
    files: tuple[str, ...]

    def summary(self) -> str:
        """What the command prints: the totals per district, then where everything is."""
        if not self.data.rows:  # deleted by another computation of the same name since
            return (
                f"scenario {self.data.name} of {self.data.as_of}: no rows in"
                f" {SCENARIO_TABLE} any more; compute it again"
            )
        lines = [
            f"scenario {self.data.name} of {self.data.as_of} against run"
            f" {self.data.rows[0]['published_run_id']}:",
            f"{'district':<10} {'published total':>18} {'scenario total':>18} {'delta':>16}"
            f" {'plan in force':>18} {'vs plan':>16}",
        ]
        for r in self.data.rows:
            plan, vs_plan = r.get("plan_yuan"), r.get("delta_from_plan_yuan")
            lines.append(
                f"{r['district_code']:<10} {format_money(r['published_total_yuan']):>18}"
                f" {format_money(r['scenario_total_yuan']):>18}"
                f" {format_money_delta(r['delta_yuan']):>16}"
                f" {'no plan' if plan is None else format_money(plan):>18}"
                f" {'—' if vs_plan is None else format_money_delta(vs_plan):>16}"
            )
        lines.append(
            f"written: {SCENARIO_TABLE} ({len(self.data.rows)} districts),"
            f" {', '.join(str(self.folder / f) for f in self.files)}"
        )
        return "\n".join(lines)


def write_scenario_report(
    conn: psycopg.Connection, scenario: Scenario, reviews_dir: Path
) -> ScenarioReport:
    published_threshold = str(default_threshold())
    data = read_scenario(conn, scenario.name, scenario.as_of, published_threshold)
    folder = Path(reviews_dir) / scenario.as_of.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    files = scenario_files(data)
    for file_name, content in files.items():
        replace_file(folder / file_name, content)
    # the page lists the date's scenarios; its workbook does not, and its charts are kept
    write_review_pack(conn, scenario.as_of, reviews_dir, workbook=False)
    return ScenarioReport(data, folder, tuple(files))


def run_scenario(warehouse, scenario: Scenario, reviews_dir: Path) -> ScenarioReport:
    """A scenario from start to end, as `munifund whatif` and the what-if DAG run it: refused
    before anything is computed when it cannot be, then computed, written and reported."""
    from munifund.whatif.compute import compute_scenario, refuse_before_computing

    refuse_before_computing(warehouse, scenario)
    compute_scenario(warehouse, scenario)
    with warehouse.connect() as conn:
        return write_scenario_report(conn, scenario, reviews_dir)
