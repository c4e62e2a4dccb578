"""Benchmarks, run on demand (`make bench` or `python -m bench [loader|allocation]`).

They print figures and ratios against a baseline measured in the same process on the same
server, never pass/fail on wall time: these machines are shared.

- loader: rows/s of our loader for a large `fee_collections` file against a bare
  `COPY ... FROM STDIN` of the same file into a logged table (alternating rounds, each after a
  CHECKPOINT, medians compared) and `pandas.DataFrame.to_sql(method="multi", chunksize=10_000)`;
  peak memory of our loader at 1 and 5 million rows (it must not grow with the file).
- encodings: the same delivery in UTF-8 and in GB18030 (loaded through a UTF-8 copy).
- allocation: the dbt build of the allocation at sample scale 1 and 10 (goal: <= 12x).
- money_cycle: what the money cycle (payments, use of the allocation, year over year) adds to
  the nightly `dbt build`: the whole build against the build without its models and their
  tests, alternated, medians of 3 (issue 13: "grows by little").
- run: `munifund run` (the DAG through Airflow) against the same night's work done bare in a
  plain Python process (ingest, `dbt build` of every model and data test, audit, publish,
  review pack), alternated, medians of 3 (goal: <= 1.5x); then both again after 29 more published
  dates, to show a night's cost does not grow with the history.
- whatif: one `munifund whatif` scenario (checks, computing it, scenario_allocation, its page
  and workbook, the review pack again) on the sample city: goal at most 2 s. Against the nightly's
  own time for the allocation models (a plain `dbt build` of them) and the scenario's full dbt
  build (what a scenario takes when the nightly's tables are not of its date, or with a rates
  file), alternated; each scenario has another pool, as in a meeting.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = ["receipt_id", "kiosk_id", "district_code", "paid_at", "amount_yuan"]


def _warehouse(home: Path):
    os.environ["MUNIFUND_HOME"] = str(home)
    os.environ.pop("MUNIFUND_WAREHOUSE_URL", None)
    from munifund.warehouse import init_warehouse

    return init_warehouse()


def _sample_fee_rows(sample: Path):
    """The sample city's fee_collections rows, all partitions, header skipped."""
    for path in sorted((sample / "fee_collections").glob("*/*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            yield from reader


def _write_fee_file(path: Path, sample: Path, rows: int) -> None:
    """One big fee_collections delivery made of the sample's receipts, repeated with new receipt
    ids when the sample has fewer rows than asked."""
    path.parent.mkdir(parents=True, exist_ok=True)
    written, copy = 0, 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        while written < rows:
            for row in _sample_fee_rows(sample):
                if written == rows:
                    break
                writer.writerow([f"{row[0]}-{copy}", *row[1:]])
                written += 1
            copy += 1


def _prepare_landing(landing: Path, sample: Path) -> None:
    """The sample's districts and kiosks (so every receipt names a known kiosk)."""
    for source in ("districts", "kiosks"):
        shutil.copytree(sample / source, landing / source, dirs_exist_ok=True)


def _our_loader(url: str, landing: Path, as_of: dt.date) -> tuple[float, int, float]:
    """Runs in a child process so that its peak RSS is its own."""
    code = (
        "import datetime as dt, resource, sys, time, psycopg\n"
        "from pathlib import Path\n"
        "from munifund.ingest.loader import ingest\n"
        "with psycopg.connect(sys.argv[1]) as c:\n"
        "    t = time.perf_counter(); r = ingest(c, Path(sys.argv[2]), dt.date.fromisoformat(sys.argv[3]), 'bench')\n"
        "    print(time.perf_counter() - t, r.rows_loaded, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, url, str(landing), as_of.isoformat()],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return float(out[0]), int(out[1]), int(out[2]) / 1024


def _bare_copy(url: str, source: Path) -> float:
    """Seconds for a bare COPY of the file into a logged table of text columns."""
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute(
            "create table if not exists raw.bench_bare (receipt_id text, kiosk_id text,"
            " district_code text, paid_at text, amount_yuan text)"
        )
        conn.commit()
        t = time.perf_counter()
        with (
            conn.cursor().copy("copy raw.bench_bare from stdin (format csv, header true)") as copy,
            source.open("rb") as handle,
        ):
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        conn.commit()
        return time.perf_counter() - t


def _checkpoint() -> None:
    """Each timed load starts with the previous one's pages written out, so that neither pays
    for the other's checkpoint."""
    import psycopg

    from munifund.warehouse import embedded_superuser_url

    with psycopg.connect(embedded_superuser_url(), autocommit=True) as conn:
        conn.execute("checkpoint")


def bench_loader(
    rows: int = 1_000_000, big_rows: int = 5_000_000, pandas_rows: int = 100_000, rounds: int = 3
) -> None:
    import pandas as pd
    import sqlalchemy

    from munifund.sample import generate_sample_city

    home = Path(tempfile.mkdtemp(prefix="bench-loader-"))
    warehouse = _warehouse(home)
    sample, landing = home / "sample", home / "landing"
    # scale 41: about a million receipts over the year (24,889 at scale 1)
    generate_sample_city(sample, year=2026, scale=41, seed=42)
    _prepare_landing(landing, sample)
    with warehouse.connect() as conn:  # the reference partitions first, outside the timing
        from munifund.ingest.loader import ingest

        ingest(conn, landing, dt.date(2027, 1, 1), "bench")
    source = home / "fees-1m.csv"
    _write_fee_file(source, sample, rows)

    # Rounds alternate ours and the bare COPY, each loading the same file into a table that
    # grows as raw does, after a checkpoint; the medians are compared.
    ours_s, bare_s, loaded, peak_1m = [], [], 0, 0.0
    for n in range(rounds):
        day = dt.date(2027, 1, 2) + dt.timedelta(days=n)
        delivery = landing / "fee_collections" / day.isoformat()
        delivery.mkdir(parents=True)
        shutil.copyfile(source, delivery / "fees.csv")
        _checkpoint()
        seconds, loaded, peak = _our_loader(warehouse.pipeline_url, landing, day)
        ours_s.append(seconds)
        peak_1m = max(peak_1m, peak)
        _checkpoint()
        bare_s.append(_bare_copy(warehouse.pipeline_url, source))
    ours, bare = rows / statistics.median(ours_s), rows / statistics.median(bare_s)

    big_day = dt.date(2027, 2, 1)
    _write_fee_file(
        landing / "fee_collections" / big_day.isoformat() / "fees.csv", sample, big_rows
    )
    _checkpoint()
    big_seconds, loaded_big, peak_5m = _our_loader(warehouse.pipeline_url, landing, big_day)

    frame = pd.read_csv(source, dtype=str, nrows=pandas_rows)
    engine = sqlalchemy.create_engine(
        warehouse.pipeline_url.replace("postgresql://", "postgresql+psycopg://")
    )
    _checkpoint()
    t = time.perf_counter()
    frame.to_sql(
        "bench_pandas",
        engine,
        schema="raw",
        if_exists="replace",
        index=False,
        method="multi",
        chunksize=10_000,
    )
    pandas_rate = pandas_rows / (time.perf_counter() - t)
    engine.dispose()

    def seconds(values: list[float]) -> str:
        return ", ".join(f"{v:.2f}" for v in values)

    print(
        f"loader, fee_collections, {rows:,} rows, median of {rounds} alternating rounds"
        f" (pandas baseline on {pandas_rows:,} rows):"
    )
    print(
        f"  ours (COPY beside polars checks, quarantine): {ours:>10,.0f} rows/s   ({seconds(ours_s)} s; {loaded:,} rows loaded)"
    )
    print(
        f"  bare COPY FROM STDIN into a logged table:     {bare:>10,.0f} rows/s   ({seconds(bare_s)} s)   ours/bare   = {ours / bare:.2f}"
    )
    print(
        f"  pandas to_sql(method='multi', 10k chunks):    {pandas_rate:>10,.0f} rows/s   ours/pandas = {ours / pandas_rate:.1f}x"
    )
    print(f"  {big_rows:,} rows: {loaded_big / big_seconds:,.0f} rows/s ({big_seconds:.1f} s)")
    print(
        f"  peak memory of ours: {peak_1m:,.0f} MiB at {loaded:,} rows, {peak_5m:,.0f} MiB at {loaded_big:,} rows"
    )
    from munifund.config import load_settings
    from munifund.warehouse import stop_warehouse

    stop_warehouse(load_settings())
    shutil.rmtree(home, ignore_errors=True)


def bench_encodings(rows: int = 1_000_000) -> None:
    """The same street_offices delivery (Chinese names) in UTF-8 and in GB18030, which loads
    through a UTF-8 copy: what the copy costs."""
    import psycopg

    from munifund.ingest.loader import ingest

    home = Path(tempfile.mkdtemp(prefix="bench-encodings-"))
    warehouse = _warehouse(home)
    names = ["道里", "南岗", "道外", "香坊", "平房", "松北", "呼兰", "阿城", "双城"]
    body = "street_code,district_code,name_zh\n" + "".join(
        f"S{i:08d},230102,{names[i % 9]}街道{i}\n" for i in range(rows)
    )
    timings = {}
    for n, encoding in enumerate(("utf-8", "gb18030")):
        day = dt.date(2030, 1, 1) + dt.timedelta(days=n)
        delivery = home / "landing" / "street_offices" / day.isoformat()
        delivery.mkdir(parents=True)
        (delivery / "streets.csv").write_bytes(body.encode(encoding))
        _checkpoint()
        with psycopg.connect(warehouse.pipeline_url) as conn:
            t = time.perf_counter()
            report = ingest(conn, home / "landing", day, "bench")
            timings[encoding] = (time.perf_counter() - t, report.rows_loaded)
    (utf8, loaded), (gb, _) = timings["utf-8"], timings["gb18030"]
    print(
        f"street_offices, {loaded:,} rows with Chinese names: UTF-8 {loaded / utf8:,.0f} rows/s"
        f" ({utf8:.2f} s), GB18030 {loaded / gb:,.0f} rows/s ({gb:.2f} s), ratio {gb / utf8:.2f}"
    )
    from munifund.config import load_settings
    from munifund.warehouse import stop_warehouse

    stop_warehouse(load_settings())
    shutil.rmtree(home, ignore_errors=True)


def bench_allocation(scales: tuple[int, int] = (1, 10)) -> None:
    from munifund.dbt_project import run_dbt
    from munifund.ingest.loader import ingest
    from munifund.sample import generate_sample_city

    timings = {}
    for scale in scales:
        home = Path(tempfile.mkdtemp(prefix=f"bench-alloc-{scale}-"))
        warehouse = _warehouse(home)
        landing = home / "landing"
        generate_sample_city(landing, year=2026, scale=scale, seed=42)
        with warehouse.connect() as conn:
            ingest(conn, landing, dt.date(2026, 11, 28), "bench")
        args = [
            "build",
            "--select",
            "+district_allocation +district_allocation_lines +city_tier_costs",
            "--exclude",
            "resource_type:test resource_type:unit_test",
            "--quiet",
        ]
        dbt_vars = {"as_of_date": "2026-11-28", "run_id": "bench"}
        run_dbt(args, warehouse.pipeline_url, dbt_vars)  # warm: views, seeds, parse
        t = time.perf_counter()
        run_dbt(args, warehouse.pipeline_url, dbt_vars)
        timings[scale] = time.perf_counter() - t
        from munifund.config import load_settings
        from munifund.warehouse import stop_warehouse

        stop_warehouse(load_settings())
    small, large = scales
    print(
        f"allocation dbt build: scale {small}: {timings[small]:.1f} s, scale {large}: {timings[large]:.1f} s,"
        f" ratio {timings[large] / timings[small]:.1f}x for {large // small}x the data (goal <= 12x)"
    )


def bench_money_cycle(rounds: int = 3) -> None:
    from munifund.dbt_project import run_dbt
    from munifund.ingest.loader import ingest
    from munifund.sample import generate_sample_city

    home = Path(tempfile.mkdtemp(prefix="bench-money-cycle-"))
    warehouse = _warehouse(home)
    landing = home / "landing"
    generate_sample_city(landing, year=2026, scale=1, seed=42)
    with warehouse.connect() as conn:
        ingest(conn, landing, dt.date(2026, 11, 28), "bench")
    dbt_vars = {"as_of_date": "2026-11-28", "run_id": "bench"}
    whole = ["build", "--exclude", "resource_type:unit_test", "--quiet"]
    without = [*whole[:2], "resource_type:unit_test", "path:models/intermediate/money_cycle",
               "path:models/marts/money_cycle", "--quiet"]  # fmt: skip
    run_dbt(whole, warehouse.pipeline_url, dbt_vars)  # warm: views, seeds, parse
    timings: dict[str, list[float]] = {"whole": [], "without": []}
    for _ in range(rounds):
        for kind, args in (("whole", whole), ("without", without)):
            t = time.perf_counter()
            run_dbt(args, warehouse.pipeline_url, dbt_vars)
            timings[kind].append(time.perf_counter() - t)
    with_it, before = (statistics.median(timings[k]) for k in ("whole", "without"))
    print(
        f"nightly dbt build with the money cycle {with_it:.1f} s, without it {before:.1f} s"
        f" (medians of {rounds}): ratio {with_it / before:.2f}x"
    )
    from munifund.config import load_settings
    from munifund.warehouse import stop_warehouse

    stop_warehouse(load_settings())
    shutil.rmtree(home, ignore_errors=True)


BARE_NIGHT = """
import datetime as dt, sys, time
import psycopg
from pathlib import Path
from munifund.config import load_settings
from munifund.dbt_project import run_dbt
from munifund.ingest.freshness import source_ages
from munifund.ingest.loader import ingest
from munifund.publication import RunContext
from munifund.publication.audit import audit_candidate
from munifund.publication.publish import publish_candidate
from munifund.review.pack import write_review_pack
from munifund.warehouse import open_warehouse

as_of, run_id, landing = dt.date.fromisoformat(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
ctx = RunContext(as_of, run_id, "bench")
url = open_warehouse().pipeline_url
with psycopg.connect(url, autocommit=True) as conn:
    report = ingest(conn, landing, as_of, run_id)
    ingested = {**report.as_dict(), "source_age_days": source_ages(conn, as_of)}
# as the nightly's dbt stage: models, seeds and data tests (unit tests belong to make test)
run_dbt(
    ["build", "--exclude", "resource_type:unit_test", "--quiet"],
    url,
    {"as_of_date": as_of.isoformat(), "run_id": run_id},
)
with psycopg.connect(url, autocommit=True) as conn:
    audited = audit_candidate(conn, ctx)
    publish_candidate(conn, ctx, ingested, audited)
    write_review_pack(conn, as_of, load_settings().reviews_dir)
"""


def _timed(args: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if done.returncode != 0:
        raise SystemExit(f"{args[:3]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return elapsed


def _add_history(url: str, as_of: dt.date, dates: int) -> None:
    """`dates` earlier as-of dates of the fiscal year, published: copies of as_of's rows."""
    import psycopg

    from munifund.catalog import run_stamped_tables

    with psycopg.connect(url, autocommit=True) as conn:
        for mart in run_stamped_tables():
            columns = [
                r[0]
                for r in conn.execute(
                    "select column_name from information_schema.columns where table_schema ="
                    " 'published' and table_name = %s order by ordinal_position",
                    [mart],
                )
            ]
            listed = ", ".join(columns)
            picked = ", ".join("d.day" if c == "as_of_date" else f"t.{c}" for c in columns)
            conn.execute(
                f"insert into published.{mart} ({listed}) select {picked} from published.{mart} t"
                " cross join (select (%s::date - k) as day from generate_series(1, %s) k) d"
                " where t.as_of_date = %s and d.day >= date_trunc('year', %s::date)"
                " on conflict do nothing",
                [as_of, dates, as_of, as_of],
            )


def bench_run(rounds: int = 3) -> None:
    """`munifund run` against the same work done bare; the ratio of the medians."""
    from munifund.sample import generate_sample_city

    home = Path(tempfile.mkdtemp(prefix="bench-run-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "MUNIFUND_"))}
    env.update(MUNIFUND_HOME=str(home), MUNIFUND_OPERATOR="bench", COLUMNS="160")
    as_of = dt.date(2026, 11, 28)
    landing = home / "landing" / "sample" / "2026"
    generate_sample_city(landing, year=2026, scale=1, seed=42)
    munifund = [str(Path(sys.executable).with_name("munifund")), "run", "--date", str(as_of)]
    bare = [sys.executable, "-c", BARE_NIGHT, str(as_of)]
    count = iter(range(1000))

    def night(kind: str) -> float:
        if kind == "run":
            return _timed(munifund, env)
        return _timed([*bare, f"bench_bare_{next(count)}", str(landing)], env)

    # the first night loads the city and makes Airflow's home: not what is measured
    night("run")
    night("bare")
    warehouse = _warehouse(home)
    results: dict[str, dict[str, list[float]]] = {}
    for history in (1, 30):
        if history > 1:
            _add_history(warehouse.pipeline_url, as_of, history - 1)
        timings: dict[str, list[float]] = {"run": [], "bare": []}
        for _ in range(rounds):
            for kind in ("run", "bare"):  # alternated: the machine's mood hits both
                timings[kind].append(night(kind))
        results[str(history)] = timings
        run, work = statistics.median(timings["run"]), statistics.median(timings["bare"])
        print(
            f"night with {history} published date(s) of the year: munifund run {run:.1f} s,"
            f" the same work bare {work:.1f} s (medians of {rounds}): ratio {run / work:.2f}x"
            " (goal <= 1.5x)"
        )
    grown = statistics.median(results["30"]["run"]) / statistics.median(results["1"]["run"])
    print(f"munifund run after 30 published dates / after 1: {grown:.2f}x (goal: about 1x)")
    # the runs' embedded server outlives them (as `munifund run`'s does): stopped here
    from munifund.config import load_settings
    from munifund.warehouse import stop_warehouse

    stop_warehouse(load_settings())
    shutil.rmtree(home, ignore_errors=True)


def bench_whatif(rounds: int = 3) -> None:
    from munifund.dbt_project import run_dbt
    from munifund.ingest.loader import ingest
    from munifund.publication import RunContext
    from munifund.publication.audit import audit_candidate
    from munifund.publication.publish import publish_candidate
    from munifund.sample import generate_sample_city
    from munifund.whatif import nightly_tables
    from munifund.whatif.compute import Scenario, compute_scenario, refuse_before_computing
    from munifund.whatif.parameters import parse_overrides
    from munifund.whatif.report import write_scenario_report

    home = Path(tempfile.mkdtemp(prefix="bench-whatif-"))
    warehouse = _warehouse(home)
    landing = home / "landing"
    as_of = dt.date(2026, 11, 28)
    ctx = RunContext(as_of, "bench")
    generate_sample_city(landing, year=2026, scale=1, seed=42)
    with warehouse.connect() as conn:
        ingest(conn, landing, as_of, "bench")
    dbt_vars = {"as_of_date": as_of.isoformat(), "run_id": "bench"}
    run_dbt(
        ["build", "--exclude", "resource_type:unit_test", "--quiet"],
        warehouse.pipeline_url,
        dbt_vars,
    )
    with warehouse.connect() as conn:
        publish_candidate(conn, ctx, {}, audit_candidate(conn, ctx))
        conn.commit()
    build = [
        "build", "--select", "+district_allocation",
        "--exclude", "resource_type:test resource_type:unit_test", "--quiet",
    ]  # fmt: skip
    reviews = home / "reviews"

    def plain() -> None:
        run_dbt(build, warehouse.pipeline_url, dbt_vars)

    def nightly_time_of_the_scenario_s_models() -> float:
        """What the plain build just spent on the models a scenario computes again (dbt's
        execution time of each, from its run_results.json)."""
        from munifund.config import DBT_PROJECT_DIR

        ids = {m.unique_id for m in nightly_tables.compiled_models(warehouse.pipeline_url).models}
        results = DBT_PROJECT_DIR / "target" / "run_results.json"
        nodes = json.loads(results.read_text(encoding="utf-8"))["results"]
        return sum(n["execution_time"] for n in nodes if n["unique_id"] in ids)

    def scenario(pool: int) -> float:
        """The whole scenario's seconds; the computing part's kept in `computing`."""
        t = time.perf_counter()
        wanted = Scenario("bench", as_of, parse_overrides([f"pool_yuan={pool}"]))
        refuse_before_computing(warehouse, wanted)
        c = time.perf_counter()
        compute_scenario(warehouse, wanted)
        computing.append(time.perf_counter() - c)
        with warehouse.connect() as conn:
            write_scenario_report(conn, wanted, reviews)
        return time.perf_counter() - t

    def full_build(pool: int) -> float:
        """The same scenario through the full dbt build (the nightly's tables not used)."""
        real = nightly_tables.compute_from_nightly
        nightly_tables.compute_from_nightly = lambda *args: "the bench's"
        try:
            return scenario(pool)
        finally:
            nightly_tables.compute_from_nightly = real

    computing: list[float] = []
    plain()  # warm: parse, views, seeds
    # the first scenario after the dbt project changed: dbt compiles the scenario's models once
    first = scenario(100_000_000)
    computing.clear()
    timings: dict[str, list[float]] = {"plain": [], "whatif": [], "full": [], "nightly_models": []}
    for i in range(rounds):  # alternated, so that neither gets the quieter moments
        t = time.perf_counter()
        plain()
        timings["plain"].append(time.perf_counter() - t)
        timings["nightly_models"].append(nightly_time_of_the_scenario_s_models())
        timings["whatif"].append(scenario(120_000_000 + i * 1_000_000))
        timings["full"].append(full_build(130_000_000 + i * 1_000_000))
    from munifund.config import load_settings
    from munifund.warehouse import stop_warehouse

    stop_warehouse(load_settings())
    shutil.rmtree(home, ignore_errors=True)
    plain_s, whatif_s, full_s = (statistics.median(timings[k]) for k in ("plain", "whatif", "full"))
    computing_s = statistics.median(computing[0::2])  # the fast ones (full ones alternate)
    print(
        f"whatif, one scenario (median of {rounds}): {whatif_s:.2f} s (goal <= 2 s), of which"
        f" computing it {computing_s:.2f} s; the nightly's plain dbt build of the allocation"
        f" models: {plain_s:.1f} s, ratio {whatif_s / plain_s:.2f}, of which the models the"
        f" scenario computes again {statistics.median(timings['nightly_models']):.2f} s;"
        f" the same scenario by a full"
        f" dbt build: {full_s:.1f} s; the first scenario after a change of the dbt project"
        f" (dbt compiles its models): {first:.1f} s"
    )


def bench_dag_parse(repeats: int = 5) -> None:
    """Parse time of the DAG file in a fresh interpreter (what a dag-processor pays), against
    the bare `import airflow.sdk` baseline in the same kind of interpreter."""
    from munifund.config import DAGS_FOLDER
    from munifund.dbt_project import ensure_manifest

    ensure_manifest()
    dag_file = DAGS_FOLDER / "municipal_maintenance_funding.py"
    code = (
        "import sys, time, runpy\n"
        "import airflow.sdk\n"  # the baseline every DAG file pays
        "t = time.perf_counter()\n"
        "ns = runpy.run_path(sys.argv[1])\n"
        "print(time.perf_counter() - t)\n"
    )
    baseline = (
        "import time\nt = time.perf_counter()\nimport airflow.sdk\nprint(time.perf_counter() - t)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "MUNIFUND_"))}
    env["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="bench-parse-")
    parse = sorted(
        float(
            subprocess.run(
                [sys.executable, "-c", code, str(dag_file)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()[-1]
        )
        for _ in range(repeats)
    )
    sdk = sorted(
        float(
            subprocess.run(
                [sys.executable, "-c", baseline],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()[-1]
        )
        for _ in range(repeats)
    )
    print(
        f"DAG file parse (after airflow.sdk is imported), median of {repeats}: {parse[repeats // 2]:.3f} s;"
        f" import airflow.sdk alone: {sdk[repeats // 2]:.3f} s; ratio {parse[repeats // 2] / sdk[repeats // 2]:.2f}"
    )


if __name__ == "__main__":
    which = sys.argv[1:] or ["parse", "loader", "encodings", "allocation", "whatif"]
    if "parse" in which:
        bench_dag_parse()
    if "loader" in which:
        bench_loader()
    if "encodings" in which:
        bench_encodings()
    if "allocation" in which:
        bench_allocation()
    if "money_cycle" in which:
        bench_money_cycle()
    if "run" in which:
        bench_run()
    if "whatif" in which:
        bench_whatif()
    print(
        f"(max RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB)"
    )
