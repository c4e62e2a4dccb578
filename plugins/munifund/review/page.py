"""The review page: one self-contained HTML file (charts inlined) rendered from ``templates``.

The header states the run (fiscal year, as-of date, run id, review status, pool) and how to
approve or reject it; the sections follow (``sections``); the run's provenance closes the page.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any

from munifund.review.budget_sections import (
    adjustments_section,
    plan_section,
    settlement_section,
)
from munifund.review.charts import Chart
from munifund.review.declared import declared_section, declared_tables
from munifund.review.formatting import (
    APPROVE_COMMAND,
    DASH,
    NOT_AVAILABLE,
    REJECT_COMMAND,
    format_datetime,
    format_fraction_percent,
    format_money,
)
from munifund.review.labels import label_zh
from munifund.review.money_sections import (
    coverage_section,
    disbursement_section,
    year_over_year_section,
)
from munifund.review.queries import PackData, published_name
from munifund.review.scenario_sections import scenario_list
from munifund.review.sections import (
    allocation_section,
    assessment_rankings,
    changes_section,
    city_costs_section,
    days_in_year,
    dq_sections,
    kiosk_section,
    lines_groups,
    pool_check,
    streets_groups,
    unmeasured_section,
)
from munifund.review.status import RunStatus, run_status


@dataclass(frozen=True)
class Fact:
    """One line of the header or the provenance: a bilingual label and its value."""

    zh: str
    en: str
    value: str
    css: str = ""


def _facts(data: PackData) -> list[Fact]:
    first = data.allocation.rows[0] if data.allocation.rows else {}
    run = data.run or {}
    run_id = run.get("run_id") or first.get("run_id")
    facts = [
        Fact("财政年度", "Fiscal year", str(data.fiscal_year)),
        Fact("截止日", "As-of date", data.as_of.isoformat()),
        Fact("运行编号", "Run id", run_id or NOT_AVAILABLE),
        Fact(
            "发布时间",
            "Published at",
            format_datetime(run.get("published_at")) + " (Asia/Shanghai)" if run else DASH,
        ),
        Fact("资金池", "Pool (yuan)", format_money(first.get("pool_yuan"))),
        Fact("基础资金池", "Base pool (yuan)", format_money(first.get("base_pool_yuan"))),
        Fact("奖励资金池", "Incentive pool (yuan)", format_money(first.get("incentive_pool_yuan"))),
        Fact(
            "奖励比例", "Incentive share", format_fraction_percent(first.get("incentive_share"), 2)
        ),
    ]
    basis = first.get("incentive_basis")
    facts.append(
        Fact(
            "奖励依据",
            "Incentive basis",
            f"{label_zh('incentive_basis', basis) or basis} / {basis}" if basis else DASH,
        )
    )
    fell_back = first.get("incentive_fell_back")
    if fell_back is None:
        fell_back_text = DASH
    elif fell_back:
        fell_back_text = "是：无区达到奖励条件，奖励资金并入基础分配 / Yes: no district qualified, the incentive pool joined the base"
    else:
        fell_back_text = "否 / No"
    facts.append(
        Fact(
            "奖励并入基础",
            "Incentive fell back into base",
            fell_back_text,
            css="warn" if fell_back else "",
        )
    )
    return facts


def _provenance(run: dict[str, Any] | None) -> list[Fact]:
    if not run:
        return []
    fingerprints = run.get("input_fingerprints") or []
    counts = run.get("row_counts") or {}
    counts_text = ", ".join(
        f"{k}: {v:,}" if isinstance(v, int) else f"{k}: {v}" for k, v in sorted(counts.items())
    )
    return [
        Fact("代码版本", "Code version", str(run.get("code_version") or DASH)),
        Fact("dbt 版本", "dbt version", str(run.get("dbt_version") or DASH)),
        Fact("Airflow 版本", "Airflow version", str(run.get("airflow_version") or DASH)),
        Fact("输入文件", "Input files", f"{len(fingerprints):,}"),
        Fact("行数", "Row counts", counts_text or DASH),
    ]


#: The page's one script: every drill-down (<details>) opened for printing, and those it opened
#: closed again after, so that paper holds every line and the screen stays as it was. CSS
#: cannot open a <details>; the print style shows a closed one's content where the browser
#: allows it (Chromium's ::details-content) for a page read with scripts off. The served page's
#: Content-Security-Policy allows this script by its hash and nothing else (munifund.web.app).
PRINT_SCRIPT = (
    'addEventListener("beforeprint",()=>{for(const d of document.querySelectorAll('
    '"details:not([open])")){d.dataset.printOpened="";d.open=true}});'
    'addEventListener("afterprint",()=>{for(const d of document.querySelectorAll('
    '"details[data-print-opened]")){d.open=false;delete d.dataset.printOpened}});'
)


def print_script_hash() -> str:
    """The CSP source that allows ``PRINT_SCRIPT`` (and only it) to run."""
    digest = hashlib.sha256(PRINT_SCRIPT.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def template_env():
    """The templates' environment: one per process, and the templates compiled once for all
    processes ($MUNIFUND_HOME/cache/jinja, by the template's source): compiling them cost a
    quarter of a second each time a page was written (every what-if scenario writes two)."""
    from munifund.config import load_settings

    return _template_env(load_settings().home / "cache" / "jinja")


@functools.cache
def _template_env(cache: Path):
    from jinja2 import (
        Environment,
        FileSystemBytecodeCache,
        FileSystemLoader,
        StrictUndefined,
        select_autoescape,
    )
    from markupsafe import Markup

    cache.mkdir(parents=True, exist_ok=True)
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=FileSystemBytecodeCache(str(cache)),
    )
    env.globals["PRINT_SCRIPT"] = Markup(PRINT_SCRIPT)
    return env


#: the status block's markers in the page (templates/_status.html.j2)
STATUS_START = "<!-- review-status -->"
STATUS_END = "<!-- /review-status -->"


def render_status(run_id: str, status: RunStatus) -> str:
    """The page's status block of ``run_id``: status, decider, time, and what to do next."""
    return (
        _status_env()
        .get_template("_status.html.j2")
        .render(
            run_id=run_id,
            status=status,
            decided_at=format_datetime(status.decided_at),
            approve_command=APPROVE_COMMAND.format(run_id=run_id),
            reject_command=REJECT_COMMAND.format(run_id=run_id),
        )
        .strip()
    )


@functools.cache
def _status_env():
    """The status block's own environment, without the bytecode cache: the api-server renders
    it for every page it serves, and writes nothing."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


_STATUS_RUN = re.compile(r'<div [^>]*id="review-status" data-run="([^"]*)"')


def status_run_id(html: str) -> str | None:
    """The run whose status block a written page holds; None for a page without one."""
    start = html.find(STATUS_START)
    found = _STATUS_RUN.search(html, start) if start >= 0 else None
    return unescape(found.group(1)) if found else None


def with_status(html: str, status: RunStatus) -> str:
    """``html`` (a written page) with its status block rendered again from ``status`` (of the
    block's own run); the page unchanged when it has no block (no run when it was written)."""
    run_id = status_run_id(html)
    start, end = html.find(STATUS_START), html.find(STATUS_END)
    if run_id is None or end < start:
        return html
    return html[:start] + render_status(run_id, status) + html[end + len(STATUS_END) :]


@dataclass(frozen=True)
class Page:
    """The page's HTML and its charts, which it inlines and which are also written beside it."""

    html: str
    charts: list[Chart]


def render_page(data: PackData) -> Page:
    """The review page of ``data``, rendered from ``templates/review.html.j2``."""
    names = data.district_names()
    allocation = allocation_section(data, names)
    changes = changes_section(data, names)
    kiosk = kiosk_section(data, names)
    year_over_year = year_over_year_section(data, names)
    dq_counts, dq_rows = dq_sections(data)
    run = data.run or {}
    run_id = run.get("run_id")
    published_run_ids = sorted({r["run_id"] for r in data.allocation.rows if r.get("run_id")})
    context = {
        "as_of": data.as_of.isoformat(),
        "fiscal_year": data.fiscal_year,
        "facts": _facts(data),
        "provenance": _provenance(data.run),
        "run_id": run_id,
        "status_block": render_status(run_id, run_status(run)) if run_id else "",
        "run_mismatch": bool(run_id and published_run_ids and published_run_ids != [run_id]),
        "published_run_ids": published_run_ids,
        "allocation": allocation,
        "pool_check": pool_check(data.allocation.rows),
        "changes": changes,
        "lines_available": data.lines.available,
        "days_in_year": days_in_year(data),
        "lines_missing": published_name(data.lines.name),
        "lines": lines_groups(data) if data.lines.available else [],
        "assets_missing": "" if data.assets.available else published_name(data.assets.name),
        "city_costs": city_costs_section(data),
        "streets_available": data.streets.available,
        "streets_missing": published_name(data.streets.name),
        "streets": streets_groups(data) if data.streets.available else [],
        "assessment_available": data.assessment.available,
        "assessment_missing": published_name(data.assessment.name),
        "rankings": assessment_rankings(data, names) if data.assessment.available else [],
        "unmeasured": unmeasured_section(data),
        "kiosk": kiosk,
        "plan": plan_section(data, names),
        "adjustments": adjustments_section(data, names),
        "settlement": settlement_section(data, names),
        "disbursements": disbursement_section(data, names),
        "coverage": coverage_section(data, names),
        "year_over_year": year_over_year,
        "declared": [
            declared_section(
                t,
                data.declared[t.name].rows if data.declared[t.name].available else None,
                names,
            )
            for t in declared_tables()
            if t.name in data.declared
        ],
        "scenarios": scenario_list(data),
        "dq_counts": dq_counts,
        "dq_rows": dq_rows,
        "not_available": NOT_AVAILABLE,
    }
    html = template_env().get_template("review.html.j2").render(**context)
    charts = [s.chart for s in (allocation, changes, kiosk, year_over_year) if s.chart is not None]
    return Page(html, charts)
