"""Baseline: the warehouse as the pipeline built it before migrations (sql/*.sql, the loader's
raw tables, the published tables' shells, the approved copy).

Written so that it also brings a warehouse set up by that earlier code to the same schema:
everything is `if not exists`, `or replace` or a statement that does nothing the second time.

Revision ID: 0001_baseline
Revises:
"""

from alembic import op

from munifund.warehouse.ddl import RUN_STAMP, raw_table_statements

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None

PIPELINE = "munifund_pipeline"

# The sources' columns as this revision created them (plugins/munifund/ingest/contracts.py then).
# A source or column added later gets a migration of its own; tests/munifund/warehouse checks
# that the raw tables match the contracts.
RAW_COLUMNS = {
    "districts": ("district_code", "name_zh", "name_en"),
    "street_offices": ("street_code", "district_code", "name_zh"),
    "responsibility_matrix": ("asset_class", "work_type", "tier"),
    "unit_cost_standards": (
        "work_type",
        "asset_class",
        "valid_from",
        "valid_to",
        "rate_yuan",
        "unit",
    ),
    "expenditure_purposes": ("purpose_code", "name_zh", "is_city_management"),
    "assets": (
        "asset_id",
        "asset_class",
        "name",
        "district_code",
        "street_code",
        "connected_to",
        "commissioned_on",
        "retired_on",
    ),
    "area_measurements": (
        "measurement_id",
        "asset_id",
        "work_type",
        "quantity",
        "unit",
        "effective_from",
        "verified",
        "verified_by",
        "verified_on",
    ),
    "asset_transfers": (
        "transfer_id",
        "asset_id",
        "work_type",
        "to_tier",
        "to_district_code",
        "effective_date",
        "decree_ref",
    ),
    "budget_pools": ("fiscal_year", "pool_yuan", "incentive_share"),
    "own_investment": ("district_code", "fiscal_year", "amount_yuan"),
    "work_orders": (
        "case_id",
        "district_code",
        "street_code",
        "category",
        "reported_at",
        "deadline_at",
        "closed_at",
    ),
    "kiosks": (
        "kiosk_id",
        "district_code",
        "street_code",
        "kiosk_type",
        "permit_no",
        "area_m2",
        "monthly_rate_yuan_per_m2",
        "licensed_from",
        "licensed_to",
    ),
    "fee_collections": ("receipt_id", "kiosk_id", "district_code", "paid_at", "amount_yuan"),
    "expenditures": (
        "voucher_id",
        "district_code",
        "fiscal_year",
        "paid_at",
        "amount_yuan",
        "funding_source",
        "purpose_code",
    ),
    "funding_plans": ("district_code", "fiscal_year", "kiosk_fee_planned_yuan"),
    "opening_balances": ("district_code", "fiscal_year", "kiosk_fee_balance_yuan"),
}

# The published marts' shells: the run stamp, then the dbt contracts' columns
# (models/marts/*/_*.yml) then. Publication copies audit.<mart> into published.<mart> by name.
PUBLISHED_COLUMNS = {
    "allocation_changes": """
        district_code text not null,
        previous_as_of_date date not null,
        previous_total_yuan numeric(18,2),
        total_yuan numeric(18,2) not null,
        delta_yuan numeric(18,2),
        standard_cost_delta_yuan numeric(18,2),
        quantity_delta_unit_years numeric(24,6),
        transfers_since_previous integer,
        rate_standards_since_previous integer,
        previous_assessment_score numeric(5,2),
        assessment_score numeric(5,2),
        previous_pool_yuan numeric(18,2),
        pool_yuan numeric(18,2),
        drivers text
    """,
    "city_tier_costs": """
        work_type text not null,
        asset_class text not null,
        rate_valid_from date not null,
        unit text,
        assets integer not null,
        unit_days numeric(24,4) not null,
        days_in_year integer not null,
        quantity_unit_years numeric(24,6) not null,
        rate_yuan numeric(18,2) not null,
        standard_cost_yuan numeric(18,2) not null
    """,
    "district_allocation": """
        district_code text not null,
        name_zh text,
        name_en text,
        standard_cost_yuan numeric(18,2) not null,
        share numeric(12,10) not null,
        base_yuan numeric(18,2) not null,
        cases_due integer not null,
        cases_on_time integer not null,
        assessment_score numeric(5,2),
        own_investment_yuan numeric(18,2) not null,
        incentive_share_of_pool numeric(12,10) not null,
        incentive_yuan numeric(18,2) not null,
        total_yuan numeric(18,2) not null,
        pool_yuan numeric(18,2) not null,
        base_pool_yuan numeric(18,2) not null,
        incentive_pool_yuan numeric(18,2) not null,
        incentive_share numeric(6,4) not null,
        incentive_fell_back boolean not null
    """,
    "district_allocation_lines": """
        district_code text not null,
        tier text not null,
        work_type text not null,
        asset_class text not null,
        rate_valid_from date not null,
        unit text,
        assets integer not null,
        unit_days numeric(24,4) not null,
        days_in_year integer not null,
        quantity_unit_years numeric(24,6) not null,
        rate_yuan numeric(18,2) not null,
        cost_exact_yuan numeric(24,6) not null,
        standard_cost_yuan numeric(18,2) not null
    """,
    "kiosk_arrears": """
        kiosk_id text not null,
        district_code text not null,
        kiosk_type text,
        permit_no text,
        area_m2 numeric(18,4),
        monthly_rate_yuan_per_m2 numeric(18,2),
        licensed_days integer not null,
        months_licensed numeric(12,6) not null,
        expected_yuan numeric(18,2) not null,
        paid_yuan numeric(18,2) not null,
        arrears_yuan numeric(18,2) not null,
        overpaid_yuan numeric(18,2) not null
    """,
    "kiosk_fee_compliance": """
        district_code text not null,
        name_zh text,
        name_en text,
        opening_yuan numeric(18,2) not null,
        collected_yuan numeric(18,2) not null,
        planned_yuan numeric(18,2) not null,
        spent_city_mgmt_yuan numeric(18,2) not null,
        diverted_yuan numeric(18,2) not null,
        closing_yuan numeric(18,2) not null,
        usage_rate numeric(12,6),
        status text not null
    """,
    "kiosk_fee_flags": """
        district_code text not null,
        voucher_id text not null,
        paid_at timestamptz not null,
        amount_yuan numeric(18,2) not null,
        purpose_code text,
        reason text not null,
        district_status text not null
    """,
    "unmeasured_assets": """
        asset_id text not null,
        work_type text not null,
        asset_class text not null,
        asset_district_code text,
        tier text,
        responsible_district_code text,
        unmeasured_days integer not null,
        first_unmeasured_on date not null,
        reason text not null
    """,
}


def upgrade() -> None:
    _roles_and_database()
    # Everything below is owned by the pipeline's role, whoever applies the migration.
    op.execute(f"set local role {PIPELINE}")
    _schemas()
    _raw_tables()
    _ops_tables()
    _published_tables()
    _published_views()
    _approved_copy()
    _grants()


def downgrade() -> None:
    raise NotImplementedError("the warehouse schema is not downgraded")


def _roles_and_database() -> None:
    # munifund_pipeline owns every schema and writes; analyst reads `published` and nothing else.
    # Passwords are never set here: the embedded mode sets generated ones, a managed server its
    # own. Creating a role needs CREATEROLE: an administrator creates both once on a managed
    # server, and then this does nothing.
    op.execute(
        """
        do $$
        begin
            if not exists (select from pg_roles where rolname = 'munifund_pipeline') then
                create role munifund_pipeline login;
            end if;
            if not exists (select from pg_roles where rolname = 'analyst') then
                create role analyst login;
            end if;
        end
        $$
        """
    )
    # Nobody but our two roles connects, and nobody creates objects in public.
    op.execute(
        """
        do $$
        begin
            execute format('revoke all on database %I from public', current_database());
            execute format('grant connect, temporary on database %I to munifund_pipeline',
                current_database());
            execute format('grant connect on database %I to analyst', current_database());
        end
        $$
        """
    )
    op.execute("revoke create on schema public from public")


def _schemas() -> None:
    # raw: what departments delivered, every version, with lineage; staging, intermediate,
    # audit: dbt's; published: what analysts and the bureau read, changed only by publication;
    # ops: quarantine, files taken, run records.
    for schema in ("raw", "staging", "intermediate", "audit", "published", "ops"):
        op.execute(f"create schema if not exists {schema} authorization {PIPELINE}")


def _raw_tables() -> None:
    for source, columns in RAW_COLUMNS.items():
        for statement in raw_table_statements(source, columns):
            op.execute(statement)


def _ops_tables() -> None:
    # Every file taken from the landing area, once; a re-delivery with other content replaces
    # it. A file that kept its size and modification time is not read again.
    op.execute(
        """
        create table if not exists ops.partitions_taken (
            source            text        not null,
            partition_date    date        not null,
            file              text        not null,
            fingerprint       text        not null,  -- SHA-256 of the file's bytes
            rows_loaded       integer     not null,
            rows_quarantined  integer     not null,
            unreadable_reason text,                  -- set when the whole file was quarantined
            run_id            text        not null,
            taken_at          timestamptz not null default now(),
            file_size         bigint,
            file_modified     timestamptz,
            primary key (source, partition_date, file)
        )
        """
    )
    # Bad input: a row (line set) or a whole file (line null) that was not loaded, and why.
    op.execute(
        """
        create table if not exists ops.quarantine (
            quarantine_id  bigint generated always as identity primary key,
            run_id         text        not null,
            source         text        not null,
            partition_date date        not null,
            file           text        not null,
            line           integer,
            column_name    text,
            problem        text        not null,
            raw_row        jsonb,
            quarantined_at timestamptz not null default now()
        )
        """
    )
    op.execute(
        "create index if not exists quarantine_partition_idx"
        " on ops.quarantine (source, partition_date, file)"
    )
    # One row per published run: what it read, what code built it, the bureau's decision.
    op.execute(
        """
        create table if not exists ops.allocation_runs (
            run_id             text        primary key,
            as_of_date         date        not null,
            fiscal_year        integer     not null,
            input_fingerprints jsonb       not null,
            code_version       text,
            dbt_version        text        not null,
            airflow_version    text        not null,
            row_counts         jsonb       not null,
            ingest_summary     jsonb,
            published_at       timestamptz not null default now(),
            review_status      text        not null default 'draft'
                check (review_status in ('draft', 'approved', 'rejected')),
            reviewer           text,
            reviewed_at        timestamptz,
            review_comment     text
        )
        """
    )


def _published_tables() -> None:
    for mart, columns in PUBLISHED_COLUMNS.items():
        op.execute(f"create table if not exists published.{mart} ({RUN_STAMP}, {columns})")


def _published_views() -> None:
    # Analysts read the pipeline's bookkeeping without reaching `ops`; the views run with their
    # owner's rights.
    op.execute(
        """
        create or replace view published.allocation_runs as
        select
            run_id, as_of_date, fiscal_year, input_fingerprints, code_version, dbt_version,
            airflow_version, row_counts, published_at, review_status, reviewer, reviewed_at,
            review_comment
        from ops.allocation_runs
        """
    )
    op.execute(
        """
        create or replace view published.data_quality_issues as
        select
            source, partition_date, file, line, column_name, problem, raw_row, run_id,
            quarantined_at
        from ops.quarantine
        """
    )


def _approved_copy() -> None:
    # What was approved, frozen: a later re-run of the same date replaces the published rows but
    # never what the bureau approved. The view shows the latest approval per fiscal year.
    op.execute(
        "create table if not exists ops.approved_district_allocation"
        " (like published.district_allocation)"
    )
    op.execute(
        """
        create or replace view published.approved_district_allocation as
        select approved.*, runs.reviewer, runs.reviewed_at, runs.review_comment
        from ops.approved_district_allocation approved
        join ops.allocation_runs runs using (run_id)
        where runs.review_status = 'approved'
            and runs.reviewed_at = (
                select max(latest.reviewed_at)
                from ops.allocation_runs latest
                join ops.approved_district_allocation a2 using (run_id)
                where latest.review_status = 'approved' and a2.fiscal_year = approved.fiscal_year
            )
        """
    )


def _grants() -> None:
    # The analyst reads published, now and whatever the pipeline creates there later.
    op.execute("grant usage on schema published to analyst")
    op.execute("grant select on all tables in schema published to analyst")
    op.execute(
        f"alter default privileges for role {PIPELINE} in schema published"
        " grant select on tables to analyst"
    )
    op.execute("revoke all on schema raw, staging, intermediate, audit, ops from analyst")
