"""The `munifund` command: run the nightly job once, manage the warehouse, write a sample city,
record the finance bureau's review.

Heavy imports (Airflow, dbt) stay inside the commands: `munifund --help` answers at once.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.text import Text

from munifund.config import load_settings

app = typer.Typer(
    help="City maintenance funding: allocate the maintenance pool between districts and check kiosk-fee use.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
warehouse_app = typer.Typer(
    help="The warehouse (embedded PostgreSQL unless MUNIFUND_WAREHOUSE_URL is set)."
)
review_app = typer.Typer(
    help="Record the finance bureau's decision on a published run (and answer its waiting"
    " approval step in Airflow when MUNIFUND_AIRFLOW_API_URL is set); list the runs and their"
    " status."
)
reviewer_app = typer.Typer(
    help="The finance bureau's reviewers: warehouse logins that may record decisions only."
)
app.add_typer(warehouse_app, name="warehouse")
app.add_typer(review_app, name="review")
app.add_typer(reviewer_app, name="reviewer")
# piped output (CI, logs) gets a width that fits the allocation table, not the default 80
console = Console() if sys.stdout.isatty() else Console(width=132)
err_console = Console(stderr=True, highlight=False)  # a date or an amount is not coloured


def _parse_date(value: str | None) -> dt.date:
    from munifund.dates import today_in_city
    from munifund.run_inputs import WrongInput, parse_date

    if value is None:
        return today_in_city()
    try:
        return parse_date(value)
    except WrongInput as err:
        raise _fail(str(err), 2) from None


def _fail(message: str, code: int = 1) -> typer.Exit:
    # one line however long (a pipe or a narrow terminal), and a name in brackets is not markup
    err_console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    return typer.Exit(code)


@app.callback()
def _private_home() -> None:
    """Whatever a command writes under MUNIFUND_HOME is its user's only (munifund.home): 0700
    and 0600 from the first write. The home itself is not created here: a refused command
    writes nothing."""
    from munifund.home import PRIVATE_UMASK, private_home

    os.umask(PRIVATE_UMASK)
    home = load_settings().home
    if home.exists():
        private_home(home)


# --------------------------------------------------------------------------------- run


@app.command()
def run(
    date: Annotated[
        str | None, typer.Option(help="As-of date YYYY-MM-DD (default: today in Asia/Shanghai).")
    ] = None,
    landing: Annotated[
        str | None,
        typer.Option(
            help="Landing area: a folder or an object-store URL. Default: the bundled sample city."
        ),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="Who starts the run (default: $MUNIFUND_OPERATOR, else your login name);"
            " recorded with it, and that person cannot approve it.",
        ),
    ] = None,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", help="Show Airflow's and dbt's logs on the screen, not only in the file."
        ),
    ] = False,
) -> None:
    """Run the nightly DAG once for a date, in-process through Airflow, and print the allocation.

    Airflow's and dbt's logs go to $MUNIFUND_HOME/logs/<date>/<run id>/ (the summary says
    where). A wrong date or landing area is refused before anything runs (exit 2), and so is a
    run while another one holds the warehouse."""
    from munifund.dates import today_in_city
    from munifund.run_inputs import WrongInput, check_as_of, check_landing
    from munifund.runner import RunFailed, operator_name, run_nightly
    from munifund.warehouse.run_lock import RunLocked

    as_of = _parse_date(date)
    try:
        check_as_of(as_of, today_in_city())
        landing = check_landing(landing, as_of) if landing else None
        outcome = run_nightly(as_of, landing, console, operator_name(by), verbose)
    except (WrongInput, RunLocked) as err:
        raise _fail(str(err), 2) from None
    except RunFailed as err:
        raise _fail(str(err)) from None
    if not outcome.published:
        _print_failure(as_of, outcome)
        raise typer.Exit(1)


def _print_failure(as_of: dt.date, outcome) -> None:
    """Why a run did not publish, in a screenful: the first failed task, its own error as it
    said it, the dbt nodes that failed, and the log file where the rest is."""
    what = f"{', '.join(outcome.failed_tasks)} failed" if outcome.failed_tasks else outcome.reason
    if outcome.during:
        what = f"{outcome.during}: {what}"
    _fail(f"the run for {as_of} did not publish: {what}")
    for line in outcome.cause.splitlines():
        # wrapped at the terminal's width under an indent: a long reason is never cut
        err_console.print(Padding(Text(line), (0, 0, 0, 2)))
    for node in outcome.failed_dbt_nodes:
        err_console.print(Padding(Text(f"failed: {node}"), (0, 0, 0, 2)))
    where = outcome.cause_log or outcome.logs
    if where:
        label = "the rest is in" if outcome.cause else "logs:"
        err_console.print(f"{label} {where}", soft_wrap=True, markup=False, highlight=False)


# --------------------------------------------------------------------------- warehouse


@warehouse_app.command("url")
def warehouse_url(
    sqlalchemy: Annotated[
        bool,
        typer.Option(
            "--sqlalchemy", help="As a SQLAlchemy URL (postgresql+psycopg://), for pandas."
        ),
    ] = False,
) -> None:
    """Print the analyst's postgresql:// URL (starting the embedded warehouse when needed)."""
    from munifund.warehouse import WarehouseError, open_warehouse

    try:
        url = open_warehouse().analyst_url
    except WarehouseError as err:
        raise _fail(str(err)) from None
    print(url.replace("postgresql://", "postgresql+psycopg://", 1) if sqlalchemy else url)


@warehouse_app.command("pipeline-url")
def warehouse_pipeline_url() -> None:
    """Print the pipeline role's postgresql:// URL, for operators (it writes everything but the
    finance bureau's decisions)."""
    from munifund.warehouse import WarehouseError, open_warehouse

    try:
        print(open_warehouse().pipeline_url)
    except WarehouseError as err:
        raise _fail(str(err)) from None


@warehouse_app.command("init")
def warehouse_init(
    sql: Annotated[
        bool, typer.Option("--sql", help="Print the SQL of the migrations instead of applying it.")
    ] = False,
) -> None:
    """Create or upgrade the warehouse's schema (versioned migrations; a no-op when current)."""
    from munifund.warehouse import WarehouseError, init_warehouse

    if sql:
        from munifund.warehouse.migrate import upgrade_sql

        print(upgrade_sql())
        return
    try:
        init_warehouse()
    except WarehouseError as err:
        raise _fail(str(err)) from None
    from munifund.warehouse.migrate import head_revision

    console.print(f"warehouse schema at {head_revision()}")


@warehouse_app.command("revision")
def warehouse_revision(
    message: Annotated[
        str, typer.Option("-m", "--message", help="What the revision does, in a few words.")
    ],
) -> None:
    """Write the migration a published table's contract change needs (a new table, appended
    columns, descriptions), from the catalog against the migrated warehouse."""
    from munifund.warehouse import WarehouseError, init_warehouse
    from munifund.warehouse.migrate import head_revision
    from munifund.warehouse.revision import RevisionRefused, contract_changes, write_revision

    try:
        with init_warehouse().connect() as conn:
            statements = contract_changes(conn)
    except (WarehouseError, RevisionRefused) as err:
        raise _fail(str(err), 2) from None
    if not statements:
        console.print("the published tables match their contracts: no revision needed")
        return
    path = write_revision(statements, message, head_revision())
    console.print(f"wrote {path} ({len(statements)} statements): review it, then commit it")


@warehouse_app.command("stop")
def warehouse_stop() -> None:
    """Stop the embedded warehouse."""
    from munifund.warehouse import stop_warehouse

    settings = load_settings()
    if not settings.is_embedded:
        raise _fail("MUNIFUND_WAREHOUSE_URL is set: there is no embedded warehouse to stop", 2)
    console.print("stopped" if stop_warehouse(settings) else "not running")


# ------------------------------------------------------------------------------ sample


@app.command()
def sample(
    out: Annotated[Path, typer.Option(help="Folder to write the landing partitions into.")],
    scale: Annotated[int, typer.Option(min=1, help="Multiplies the volumes (benchmarks).")] = 1,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same files.")] = 42,
    year: Annotated[
        int | None, typer.Option(help="Fiscal year (default: this year in Asia/Shanghai).")
    ] = None,
) -> None:
    """Write a deterministic sample city (Harbin's 9 districts) as landing partitions."""
    from munifund.dates import today_in_city
    from munifund.run_inputs import WrongInput, check_sample_out, check_sample_year
    from munifund.sample import generate_sample_city

    year = today_in_city().year if year is None else year
    try:
        check_sample_year(year)
        check_sample_out(out)
    except WrongInput as err:
        raise _fail(str(err), 2) from None
    try:
        summary = generate_sample_city(out, year=year, scale=scale, seed=seed)
    except FileExistsError as err:
        raise _fail(str(err), 2) from None
    # one line even when the folder is long; a path's brackets are not rich markup
    console.print(summary.one_line(), markup=False, soft_wrap=True)


@app.command()
def templates(
    out: Annotated[Path, typer.Option(help="Folder to write the templates into.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace template files already in the folder.")
    ] = False,
) -> None:
    """Write a delivery template for every source (.xlsx and .csv) and columns.csv, the data
    dictionary, from the ingest contracts (docs/delivering-data.md)."""
    from munifund.ingest.templates import write_templates

    try:
        written = write_templates(out, overwrite=force)
    except FileExistsError as err:
        raise _fail(str(err), 2) from None
    console.print(
        f"wrote {len(written)} files into {out}: <source>.xlsx and <source>.csv for each"
        " source, and columns.csv",
        markup=False,
        soft_wrap=True,
    )


# ------------------------------------------------------------------------------ review


RunId = Annotated[str, typer.Option("--run", help="The run id (see `munifund review list`).")]
By = Annotated[
    str,
    typer.Option(
        "--by",
        help="The reviewer who decides (munifund reviewer add NAME): their warehouse login, with"
        " the password from $MUNIFUND_REVIEWER_PASSWORD or asked for; not the person who"
        " started the run, to approve.",
    ),
]
Revokes = Annotated[
    int | None,
    typer.Option(
        "--revokes",
        help="The run's standing decision that this one replaces (published.review_decisions);"
        " needed once a run is decided, with --comment saying why.",
    ),
]
ReplacesNewer = Annotated[
    bool,
    typer.Option(
        "--replaces-newer",
        help="Approve a run older than the fiscal year's plan in force (the latest approval"
        " still standing), which it then replaces.",
    ),
]


def _reviewer_password(name: str, *, confirm: bool = False) -> str:
    """From $MUNIFUND_REVIEWER_PASSWORD, else asked for on a terminal; refused otherwise."""
    from munifund.review.reviewers import PASSWORD_VARIABLE, password_from_environment

    password = password_from_environment()
    if password:
        return password
    if not sys.stdin.isatty():
        raise _fail(f"{name}'s warehouse password is needed: set {PASSWORD_VARIABLE}", 2)
    return typer.prompt(
        f"{name}'s warehouse password", hide_input=True, confirmation_prompt=confirm
    )


def _record_review(
    decision: str,
    run_id: str,
    by: str,
    comment: str | None,
    revokes: int | None,
    replaces_newer: bool = False,
) -> None:
    """Record the decision on the reviewer's own login; when the run's approval step waits
    under a scheduler (Airflow's API configured), answer it too, naming the decision recorded,
    so the DAG run goes on."""
    from munifund.review.airflow_api import API_URL, AirflowApiError, ApprovalStep
    from munifund.review.decisions import (
        ReviewError,
        record_decision,
        same_person,
        standing_decision,
    )
    from munifund.review.reviewers import ReviewerError, connect_as_reviewer, role_name
    from munifund.warehouse import open_warehouse

    step, waiting = None, False
    try:
        role_name(by)
        password = _reviewer_password(by)
        if decision != "revoked" and (step := ApprovalStep.from_environment()) is not None:
            waiting = step.is_waiting(run_id)
        with connect_as_reviewer(open_warehouse(), by, password) as conn:
            standing = standing_decision(conn, run_id) if waiting and revokes is None else None
            if standing and standing.decision == decision and same_person(standing.decided_by, by):
                made = standing  # recorded by an earlier try whose answer did not get through
            else:
                made = record_decision(
                    conn, run_id, decision, None, comment, revokes, replaces_newer=replaces_newer
                )
    except AirflowApiError as err:
        raise _fail(f"{err}: nothing recorded (unset {API_URL} to record only)") from None
    except (ReviewError, ReviewerError) as err:
        raise _fail(str(err), 2) from None
    revoked = f", revokes {made.revokes_decision_id}" if made.revokes_decision_id else ""
    console.print(
        f"run {run_id}: {made.decision} by {made.decided_by} (decision {made.decision_id}{revoked})",
        markup=False,
        soft_wrap=True,
    )
    if made.replaced_decision_id is not None:
        console.print(
            f"it replaces run {made.replaced_run_id} (decision {made.replaced_decision_id}), a"
            " newer approved allocation, as the plan in force of its fiscal year",
            markup=False,
            soft_wrap=True,
        )
    _print_adjustment(made.decision_id)
    _rewrite_pack(run_id)
    if step is None:
        if decision != "revoked":
            console.print(
                f"recorded only: {API_URL} is not set, so no approval step in Airflow is answered",
                markup=False,
                soft_wrap=True,
            )
        return
    if not waiting:
        console.print(
            f"recorded only: run {run_id} has no approval step waiting in Airflow",
            markup=False,
            soft_wrap=True,
        )
        return
    try:
        step.answer(run_id, decision, made.comment, made.decision_id)
    except AirflowApiError as err:
        raise _fail(
            f"recorded as decision {made.decision_id}, but the approval step still waits: {err};"
            " run the same command again to answer it"
        ) from None
    console.print(
        f"answered the approval step of run {run_id} in Airflow: the run goes on",
        markup=False,
        soft_wrap=True,
    )


def _print_adjustment(decision_id: int) -> None:
    """What the decision did to its year's plan, with any flag (the published adjustments)."""
    from munifund.review.adjustments import adjustment_lines
    from munifund.warehouse import open_warehouse

    with open_warehouse().connect() as conn:
        for line in adjustment_lines(conn, decision_id):
            console.print(line, markup=False, soft_wrap=True)


def _rewrite_pack(run_id: str) -> None:
    """The run's review pack written again, so that its files say the decision just recorded.
    The decision stands whatever happens here: a failure is a warning (the page served under
    Airflow reads the status live)."""
    from munifund.review.pack import rewrite_pack_of_run
    from munifund.warehouse import open_warehouse

    try:
        with open_warehouse().connect() as conn:
            folder = rewrite_pack_of_run(conn, run_id, load_settings().reviews_dir)
    except Exception as err:  # noqa: BLE001 - the decision is recorded; say what was not done
        console.print(
            f"warning: the review pack of run {run_id} was not rewritten ({err}); it shows the"
            " status it was written with",
            markup=False,
            soft_wrap=True,
            style="yellow",
        )
        return
    if folder is not None:
        console.print(f"review pack rewritten: {folder}", markup=False, soft_wrap=True)


@review_app.command("approve")
def review_approve(
    run: RunId,
    by: By,
    comment: Annotated[str | None, typer.Option(help="A comment for the record.")] = None,
    revokes: Revokes = None,
    replaces_newer: ReplacesNewer = False,
) -> None:
    """Approve a published run (someone other than who started it); with MUNIFUND_AIRFLOW_API_URL
    set, also answer its waiting approval step in Airflow, so the DAG run goes on."""
    _record_review("approved", run, by, comment, revokes, replaces_newer)


@review_app.command("reject")
def review_reject(
    run: RunId,
    by: By,
    comment: Annotated[str | None, typer.Option(help="Why (needed).")] = None,
    revokes: Revokes = None,
) -> None:
    """Reject a published run, saying why; with MUNIFUND_AIRFLOW_API_URL set, also answer its
    waiting approval step in Airflow."""
    _record_review("rejected", run, by, comment, revokes)


@review_app.command("revoke")
def review_revoke(
    run: RunId,
    by: By,
    revokes: Annotated[int, typer.Option("--revokes", help="The standing decision to withdraw.")],
    comment: Annotated[str, typer.Option(help="Why it is withdrawn.")],
) -> None:
    """Withdraw a run's standing decision, with a reason: the run is a draft again."""
    _record_review("revoked", run, by, comment, revokes)


@review_app.command("list")
def review_list(
    year: Annotated[
        int | None, typer.Option("--year", help="Only the runs of this fiscal year (YYYY).")
    ] = None,
) -> None:
    """The published runs, one line each: as-of date, run id, review status (draft, approved,
    rejected, revoked, superseded), whether it is its year's plan in force, who decided and
    when. Read from the warehouse's run records and decision log."""
    from munifund.review.run_list import read_runs, runs_table
    from munifund.warehouse import WarehouseError, open_warehouse

    if year is not None and not 1900 <= year <= 9999:
        raise _fail(f"--year {year} is not a year (YYYY)", 2)
    try:
        with open_warehouse().connect() as conn:
            runs = read_runs(conn, year)
    except WarehouseError as err:
        raise _fail(str(err)) from None
    if not runs:
        console.print(f"no published run{f' of fiscal year {year}' if year else ''}", markup=False)
        return
    console.print(runs_table(runs, year))


@reviewer_app.command("add")
def reviewer_add(
    name: Annotated[str, typer.Argument(help="The reviewer's name, as decisions record it.")],
) -> None:
    """Create a reviewer: a warehouse login that may record decisions and nothing else (needs
    the warehouse's administrator: embedded, or MUNIFUND_ADMIN_URL). The password comes from
    $MUNIFUND_REVIEWER_PASSWORD, or is asked for twice."""
    from munifund.review.reviewers import ReviewerError, add_reviewer, role_name
    from munifund.warehouse import WarehouseError, init_warehouse

    try:
        role_name(name)
        password = _reviewer_password(name, confirm=True)
        shown = add_reviewer(init_warehouse(), name, password)
    except ReviewerError as err:
        raise _fail(str(err), 2) from None
    except WarehouseError as err:
        raise _fail(str(err)) from None
    console.print(
        f"reviewer {shown} added: munifund review approve|reject|revoke --run RUN_ID --by {shown}",
        markup=False,
        soft_wrap=True,
    )


# ------------------------------------------------------------------------------ whatif


whatif_app = typer.Typer(
    help="What if: the allocation of a published date with other parameters, beside the"
    " published one (a table of `published` an analyst reads, and a comparison page and"
    " workbook)."
    " Publishes nothing. `munifund whatif rates-template` writes the rates file to start from."
)
app.add_typer(whatif_app, name="whatif")


@whatif_app.callback(invoke_without_command=True)
def whatif(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Option("--name", help="The scenario's name; computing it again replaces it."),
    ] = None,
    assignments: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="NAME=VALUE, repeatable: pool_yuan, incentive_share, incentive_score_threshold,"
            " incentive_basis (level|increase).",
        ),
    ] = None,
    rates: Annotated[
        Path | None,
        typer.Option(
            help="A unit-cost table (.csv or .xlsx, the unit_cost_standards contract) for this"
            " scenario only: its rows replace the standards of the same work type, asset class"
            " and valid_from, the others stay as known on the date (start from"
            " `munifund whatif rates-template`)."
        ),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option(
            help="As-of date of a published allocation (default: today in Asia/Shanghai)."
        ),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Who asks (default: $MUNIFUND_OPERATOR, else your login name)."),
    ] = None,
) -> None:
    """What if: the allocation of a published date with other parameters, beside the published
    one (a table of `published` an analyst reads, and a comparison page and workbook).
    Publishes nothing.

    A bad --set, --name or --rates is refused (exit 2) before anything is computed."""
    if ctx.invoked_subcommand is not None:
        return
    if name is None:
        raise _fail("--name is needed: the scenario's name (it names its page)", 2)
    from munifund.dbt_project import DbtFailed
    from munifund.runner import operator_name
    from munifund.warehouse import WarehouseError, init_warehouse
    from munifund.whatif.parameters import ScenarioRefused

    as_of = _parse_date(date)
    try:
        scenario = _scenario(name, assignments or [], rates, as_of, operator_name(by))
        warehouse = init_warehouse()
        from munifund.whatif.report import run_scenario

        written = run_scenario(warehouse, scenario, load_settings().reviews_dir)
    except ScenarioRefused as err:
        raise _fail(str(err), 2) from None
    except (WarehouseError, DbtFailed) as err:
        raise _fail(str(err)) from None
    console.print(written.summary(), markup=False, soft_wrap=True)


@whatif_app.command("rates-template")
def whatif_rates_template(
    out: Annotated[Path, typer.Option("--out", help="The rates file to write (.csv).")],
    date: Annotated[
        str | None,
        typer.Option(help="The standards known on this date (default: today in Asia/Shanghai)."),
    ] = None,
) -> None:
    """Write the unit-cost standards known on a date as the file --rates accepts: change the
    rates to test (rows left as they are change nothing; rows deleted stay as known)."""
    from munifund.dbt_project import DbtFailed
    from munifund.warehouse import WarehouseError, init_warehouse
    from munifund.whatif.rates import current_standards, write_rates_file

    as_of = _parse_date(date)
    if out.exists():
        raise _fail(f"--out {out}: the file exists; name another (nothing is overwritten)", 2)
    if out.suffix.lower() != ".csv":
        raise _fail(f"--out {out}: a rates template is written as .csv", 2)
    if not out.parent.is_dir():
        raise _fail(f"--out {out}: no such folder {out.parent}", 2)
    try:
        warehouse = init_warehouse()
        with warehouse.connect() as conn:
            rows = current_standards(conn, warehouse.pipeline_url, as_of)
    except (WarehouseError, DbtFailed) as err:
        raise _fail(str(err)) from None
    write_rates_file(out, rows)
    console.print(
        f"wrote {len(rows)} unit-cost standards known on {as_of} to {out}: change the rates to"
        f" test, then `munifund whatif --rates {out} --name NAME`",
        markup=False,
        soft_wrap=True,
    )


def _scenario(name: str, assignments: list[str], rates: Path | None, as_of: dt.date, by: str):
    """The scenario as asked, every argument checked; ScenarioRefused at the first bad one."""
    from munifund.whatif.compute import Scenario
    from munifund.whatif.parameters import check_name, parse_overrides
    from munifund.whatif.rates import read_rates

    overrides = parse_overrides(assignments)
    rates_file = read_rates(rates) if rates is not None else None
    return Scenario(check_name(name), as_of, overrides, rates_file, by)


# --------------------------------------------------------------------------------- dbt


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def dbt(ctx: typer.Context) -> None:
    """Run a dbt command against the warehouse, e.g. `munifund dbt docs generate`."""
    from munifund.dbt_project import DbtFailed, run_dbt
    from munifund.warehouse import open_warehouse

    try:
        run_dbt(list(ctx.args), open_warehouse().pipeline_url)
    except DbtFailed as err:
        raise _fail(str(err)) from None


def main() -> None:  # pragma: no cover - console entry
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    sys.exit(app())
