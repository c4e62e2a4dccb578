-- The warehouse schema as the pre-migration code (commit 428200c: sql/*.sql, the loader's raw
-- tables, publication's table shells) left it after one `munifund run`: pg_dump --schema-only
-- -n raw -n ops -n published. tests/munifund/warehouse/test_migrations.py migrates it.
--
-- PostgreSQL database dump
--

\restrict zFInIK6844RTFWorNm4Nli8c3BglQG22GNfgjEmKHtbXWZIaRTzYCVXinId1oA1

-- Dumped from database version 18.6
-- Dumped by pg_dump version 18.6

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET transaction_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: ops; Type: SCHEMA; Schema: -; Owner: munifund_pipeline
--

CREATE SCHEMA ops;


ALTER SCHEMA ops OWNER TO munifund_pipeline;

--
-- Name: published; Type: SCHEMA; Schema: -; Owner: munifund_pipeline
--

CREATE SCHEMA published;


ALTER SCHEMA published OWNER TO munifund_pipeline;

--
-- Name: raw; Type: SCHEMA; Schema: -; Owner: munifund_pipeline
--

CREATE SCHEMA raw;


ALTER SCHEMA raw OWNER TO munifund_pipeline;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: allocation_runs; Type: TABLE; Schema: ops; Owner: munifund_pipeline
--

CREATE TABLE ops.allocation_runs (
    run_id text NOT NULL,
    as_of_date date NOT NULL,
    fiscal_year integer NOT NULL,
    input_fingerprints jsonb NOT NULL,
    code_version text,
    dbt_version text NOT NULL,
    airflow_version text NOT NULL,
    row_counts jsonb NOT NULL,
    ingest_summary jsonb,
    published_at timestamp with time zone DEFAULT now() NOT NULL,
    review_status text DEFAULT 'draft'::text NOT NULL,
    reviewer text,
    reviewed_at timestamp with time zone,
    review_comment text,
    CONSTRAINT allocation_runs_review_status_check CHECK ((review_status = ANY (ARRAY['draft'::text, 'approved'::text, 'rejected'::text])))
);


ALTER TABLE ops.allocation_runs OWNER TO munifund_pipeline;

--
-- Name: partitions_taken; Type: TABLE; Schema: ops; Owner: munifund_pipeline
--

CREATE TABLE ops.partitions_taken (
    source text NOT NULL,
    partition_date date NOT NULL,
    file text NOT NULL,
    fingerprint text NOT NULL,
    rows_loaded integer NOT NULL,
    rows_quarantined integer NOT NULL,
    unreadable_reason text,
    run_id text NOT NULL,
    taken_at timestamp with time zone DEFAULT now() NOT NULL,
    file_size bigint,
    file_modified timestamp with time zone
);


ALTER TABLE ops.partitions_taken OWNER TO munifund_pipeline;

--
-- Name: quarantine; Type: TABLE; Schema: ops; Owner: munifund_pipeline
--

CREATE TABLE ops.quarantine (
    quarantine_id bigint NOT NULL,
    run_id text NOT NULL,
    source text NOT NULL,
    partition_date date NOT NULL,
    file text NOT NULL,
    line integer,
    column_name text,
    problem text NOT NULL,
    raw_row jsonb,
    quarantined_at timestamp with time zone DEFAULT now() NOT NULL
);


ALTER TABLE ops.quarantine OWNER TO munifund_pipeline;

--
-- Name: quarantine_quarantine_id_seq; Type: SEQUENCE; Schema: ops; Owner: munifund_pipeline
--

ALTER TABLE ops.quarantine ALTER COLUMN quarantine_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME ops.quarantine_quarantine_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: allocation_changes; Type: TABLE; Schema: published; Owner: munifund_pipeline
--

CREATE TABLE published.allocation_changes (
    fiscal_year integer CONSTRAINT allocation_changes__dbt_tmp_fiscal_year_not_null NOT NULL,
    as_of_date date CONSTRAINT allocation_changes__dbt_tmp_as_of_date_not_null NOT NULL,
    run_id text CONSTRAINT allocation_changes__dbt_tmp_run_id_not_null NOT NULL,
    district_code text CONSTRAINT allocation_changes__dbt_tmp_district_code_not_null NOT NULL,
    previous_as_of_date date CONSTRAINT allocation_changes__dbt_tmp_previous_as_of_date_not_null NOT NULL,
    previous_total_yuan numeric(18,2),
    total_yuan numeric(18,2) CONSTRAINT allocation_changes__dbt_tmp_total_yuan_not_null NOT NULL,
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
);


ALTER TABLE published.allocation_changes OWNER TO munifund_pipeline;

--
-- Name: allocation_runs; Type: VIEW; Schema: published; Owner: munifund_pipeline
--

CREATE VIEW published.allocation_runs AS
 SELECT run_id,
    as_of_date,
    fiscal_year,
    input_fingerprints,
    code_version,
    dbt_version,
    airflow_version,
    row_counts,
    published_at,
    review_status,
    reviewer,
    reviewed_at,
    review_comment
   FROM ops.allocation_runs;


ALTER VIEW published.allocation_runs OWNER TO munifund_pipeline;

--
-- Name: city_tier_costs; Type: TABLE; Schema: published; Owner: munifund_pipeline
--

CREATE TABLE published.city_tier_costs (
    fiscal_year integer CONSTRAINT city_tier_costs__dbt_tmp_fiscal_year_not_null NOT NULL,
    as_of_date date CONSTRAINT city_tier_costs__dbt_tmp_as_of_date_not_null NOT NULL,
    run_id text CONSTRAINT city_tier_costs__dbt_tmp_run_id_not_null NOT NULL,
    work_type text CONSTRAINT city_tier_costs__dbt_tmp_work_type_not_null NOT NULL,
    asset_class text CONSTRAINT city_tier_costs__dbt_tmp_asset_class_not_null NOT NULL,
    rate_valid_from date CONSTRAINT city_tier_costs__dbt_tmp_rate_valid_from_not_null NOT NULL,
    unit text,
    assets integer CONSTRAINT city_tier_costs__dbt_tmp_assets_not_null NOT NULL,
    unit_days numeric(24,4) CONSTRAINT city_tier_costs__dbt_tmp_unit_days_not_null NOT NULL,
    days_in_year integer CONSTRAINT city_tier_costs__dbt_tmp_days_in_year_not_null NOT NULL,
    quantity_unit_years numeric(24,6) CONSTRAINT city_tier_costs__dbt_tmp_quantity_unit_years_not_null NOT NULL,
    rate_yuan numeric(18,2) CONSTRAINT city_tier_costs__dbt_tmp_rate_yuan_not_null NOT NULL,
    standard_cost_yuan numeric(18,2) CONSTRAINT city_tier_costs__dbt_tmp_standard_cost_yuan_not_null NOT NULL
);


ALTER TABLE published.city_tier_costs OWNER TO munifund_pipeline;

--
-- Name: data_quality_issues; Type: VIEW; Schema: published; Owner: munifund_pipeline
--

CREATE VIEW published.data_quality_issues AS
 SELECT source,
    partition_date,
    file,
    line,
    column_name,
    problem,
    raw_row,
    run_id,
    quarantined_at
   FROM ops.quarantine;


ALTER VIEW published.data_quality_issues OWNER TO munifund_pipeline;

--
-- Name: district_allocation; Type: TABLE; Schema: published; Owner: munifund_pipeline
--

CREATE TABLE published.district_allocation (
    fiscal_year integer CONSTRAINT district_allocation__dbt_tmp_fiscal_year_not_null NOT NULL,
    as_of_date date CONSTRAINT district_allocation__dbt_tmp_as_of_date_not_null NOT NULL,
    run_id text CONSTRAINT district_allocation__dbt_tmp_run_id_not_null NOT NULL,
    district_code text CONSTRAINT district_allocation__dbt_tmp_district_code_not_null NOT NULL,
    name_zh text,
    name_en text,
    standard_cost_yuan numeric(18,2) CONSTRAINT district_allocation__dbt_tmp_standard_cost_yuan_not_null NOT NULL,
    share numeric(12,10) CONSTRAINT district_allocation__dbt_tmp_share_not_null NOT NULL,
    base_yuan numeric(18,2) CONSTRAINT district_allocation__dbt_tmp_base_yuan_not_null NOT NULL,
    cases_due integer CONSTRAINT district_allocation__dbt_tmp_cases_due_not_null NOT NULL,
    cases_on_time integer CONSTRAINT district_allocation__dbt_tmp_cases_on_time_not_null NOT NULL,
    assessment_score numeric(5,2),
    own_investment_yuan numeric(18,2) CONSTRAINT district_allocation__dbt_tmp_own_investment_yuan_not_null NOT NULL,
    incentive_share_of_pool numeric(12,10) CONSTRAINT district_allocation__dbt_tmp_incentive_share_of_pool_not_null NOT NULL,
    incentive_yuan numeric(18,2) CONSTRAINT district_allocation__dbt_tmp_incentive_yuan_not_null NOT NULL,
    total_yuan numeric(18,2) CONSTRAINT district_allocation__dbt_tmp_total_yuan_not_null NOT NULL,
    pool_yuan numeric(18,2) CONSTRAINT district_allocation__dbt_tmp_pool_yuan_not_null NOT NULL,
    base_pool_yuan numeric(18,2) CONSTRAINT district_allocation__dbt_tmp_base_pool_yuan_not_null NOT NULL,
    incentive_pool_yuan numeric(18,2) CONSTRAINT district_allocation__dbt_tmp_incentive_pool_yuan_not_null NOT NULL,
    incentive_share numeric(6,4) CONSTRAINT district_allocation__dbt_tmp_incentive_share_not_null NOT NULL,
    incentive_fell_back boolean CONSTRAINT district_allocation__dbt_tmp_incentive_fell_back_not_null NOT NULL
);


ALTER TABLE published.district_allocation OWNER TO munifund_pipeline;

--
-- Name: district_allocation_lines; Type: TABLE; Schema: published; Owner: munifund_pipeline
--

CREATE TABLE published.district_allocation_lines (
    fiscal_year integer CONSTRAINT district_allocation_lines__dbt_tmp_fiscal_year_not_null NOT NULL,
    as_of_date date CONSTRAINT district_allocation_lines__dbt_tmp_as_of_date_not_null NOT NULL,
    run_id text CONSTRAINT district_allocation_lines__dbt_tmp_run_id_not_null NOT NULL,
    district_code text CONSTRAINT district_allocation_lines__dbt_tmp_district_code_not_null NOT NULL,
    tier text CONSTRAINT district_allocation_lines__dbt_tmp_tier_not_null NOT NULL,
    work_type text CONSTRAINT district_allocation_lines__dbt_tmp_work_type_not_null NOT NULL,
    asset_class text CONSTRAINT district_allocation_lines__dbt_tmp_asset_class_not_null NOT NULL,
    rate_valid_from date CONSTRAINT district_allocation_lines__dbt_tmp_rate_valid_from_not_null NOT NULL,
    unit text,
    assets integer CONSTRAINT district_allocation_lines__dbt_tmp_assets_not_null NOT NULL,
    unit_days numeric(24,4) CONSTRAINT district_allocation_lines__dbt_tmp_unit_days_not_null NOT NULL,
    days_in_year integer CONSTRAINT district_allocation_lines__dbt_tmp_days_in_year_not_null NOT NULL,
    quantity_unit_years numeric(24,6) CONSTRAINT district_allocation_lines__dbt_tmp_quantity_unit_years_not_null NOT NULL,
    rate_yuan numeric(18,2) CONSTRAINT district_allocation_lines__dbt_tmp_rate_yuan_not_null NOT NULL,
    cost_exact_yuan numeric(24,6) CONSTRAINT district_allocation_lines__dbt_tmp_cost_exact_yuan_not_null NOT NULL,
    standard_cost_yuan numeric(18,2) CONSTRAINT district_allocation_lines__dbt_tmp_standard_cost_yuan_not_null NOT NULL
);


ALTER TABLE published.district_allocation_lines OWNER TO munifund_pipeline;

--
-- Name: kiosk_arrears; Type: TABLE; Schema: published; Owner: munifund_pipeline
--

CREATE TABLE published.kiosk_arrears (
    fiscal_year integer CONSTRAINT kiosk_arrears__dbt_tmp_fiscal_year_not_null NOT NULL,
    as_of_date date CONSTRAINT kiosk_arrears__dbt_tmp_as_of_date_not_null NOT NULL,
    run_id text CONSTRAINT kiosk_arrears__dbt_tmp_run_id_not_null NOT NULL,
    kiosk_id text CONSTRAINT kiosk_arrears__dbt_tmp_kiosk_id_not_null NOT NULL,
    district_code text CONSTRAINT kiosk_arrears__dbt_tmp_district_code_not_null NOT NULL,
    kiosk_type text,
    permit_no text,
    area_m2 numeric(18,4),
    monthly_rate_yuan_per_m2 numeric(18,2),
    licensed_days integer CONSTRAINT kiosk_arrears__dbt_tmp_licensed_days_not_null NOT NULL,
    months_licensed numeric(12,6) CONSTRAINT kiosk_arrears__dbt_tmp_months_licensed_not_null NOT NULL,
    expected_yuan numeric(18,2) CONSTRAINT kiosk_arrears__dbt_tmp_expected_yuan_not_null NOT NULL,
    paid_yuan numeric(18,2) CONSTRAINT kiosk_arrears__dbt_tmp_paid_yuan_not_null NOT NULL,
    arrears_yuan numeric(18,2) CONSTRAINT kiosk_arrears__dbt_tmp_arrears_yuan_not_null NOT NULL,
    overpaid_yuan numeric(18,2) CONSTRAINT kiosk_arrears__dbt_tmp_overpaid_yuan_not_null NOT NULL
);


ALTER TABLE published.kiosk_arrears OWNER TO munifund_pipeline;

--
-- Name: kiosk_fee_compliance; Type: TABLE; Schema: published; Owner: munifund_pipeline
--

CREATE TABLE published.kiosk_fee_compliance (
    fiscal_year integer CONSTRAINT kiosk_fee_compliance__dbt_tmp_fiscal_year_not_null NOT NULL,
    as_of_date date CONSTRAINT kiosk_fee_compliance__dbt_tmp_as_of_date_not_null NOT NULL,
    run_id text CONSTRAINT kiosk_fee_compliance__dbt_tmp_run_id_not_null NOT NULL,
    district_code text CONSTRAINT kiosk_fee_compliance__dbt_tmp_district_code_not_null NOT NULL,
    name_zh text,
    name_en text,
    opening_yuan numeric(18,2) CONSTRAINT kiosk_fee_compliance__dbt_tmp_opening_yuan_not_null NOT NULL,
    collected_yuan numeric(18,2) CONSTRAINT kiosk_fee_compliance__dbt_tmp_collected_yuan_not_null NOT NULL,
    planned_yuan numeric(18,2) CONSTRAINT kiosk_fee_compliance__dbt_tmp_planned_yuan_not_null NOT NULL,
    spent_city_mgmt_yuan numeric(18,2) CONSTRAINT kiosk_fee_compliance__dbt_tmp_spent_city_mgmt_yuan_not_null NOT NULL,
    diverted_yuan numeric(18,2) CONSTRAINT kiosk_fee_compliance__dbt_tmp_diverted_yuan_not_null NOT NULL,
    closing_yuan numeric(18,2) CONSTRAINT kiosk_fee_compliance__dbt_tmp_closing_yuan_not_null NOT NULL,
    usage_rate numeric(12,6),
    status text CONSTRAINT kiosk_fee_compliance__dbt_tmp_status_not_null NOT NULL
);


ALTER TABLE published.kiosk_fee_compliance OWNER TO munifund_pipeline;

--
-- Name: kiosk_fee_flags; Type: TABLE; Schema: published; Owner: munifund_pipeline
--

CREATE TABLE published.kiosk_fee_flags (
    fiscal_year integer CONSTRAINT kiosk_fee_flags__dbt_tmp_fiscal_year_not_null NOT NULL,
    as_of_date date CONSTRAINT kiosk_fee_flags__dbt_tmp_as_of_date_not_null NOT NULL,
    run_id text CONSTRAINT kiosk_fee_flags__dbt_tmp_run_id_not_null NOT NULL,
    district_code text CONSTRAINT kiosk_fee_flags__dbt_tmp_district_code_not_null NOT NULL,
    voucher_id text CONSTRAINT kiosk_fee_flags__dbt_tmp_voucher_id_not_null NOT NULL,
    paid_at timestamp with time zone CONSTRAINT kiosk_fee_flags__dbt_tmp_paid_at_not_null NOT NULL,
    amount_yuan numeric(18,2) CONSTRAINT kiosk_fee_flags__dbt_tmp_amount_yuan_not_null NOT NULL,
    purpose_code text,
    reason text CONSTRAINT kiosk_fee_flags__dbt_tmp_reason_not_null NOT NULL,
    district_status text CONSTRAINT kiosk_fee_flags__dbt_tmp_district_status_not_null NOT NULL
);


ALTER TABLE published.kiosk_fee_flags OWNER TO munifund_pipeline;

--
-- Name: unmeasured_assets; Type: TABLE; Schema: published; Owner: munifund_pipeline
--

CREATE TABLE published.unmeasured_assets (
    fiscal_year integer CONSTRAINT unmeasured_assets__dbt_tmp_fiscal_year_not_null NOT NULL,
    as_of_date date CONSTRAINT unmeasured_assets__dbt_tmp_as_of_date_not_null NOT NULL,
    run_id text CONSTRAINT unmeasured_assets__dbt_tmp_run_id_not_null NOT NULL,
    asset_id text CONSTRAINT unmeasured_assets__dbt_tmp_asset_id_not_null NOT NULL,
    work_type text CONSTRAINT unmeasured_assets__dbt_tmp_work_type_not_null NOT NULL,
    asset_class text CONSTRAINT unmeasured_assets__dbt_tmp_asset_class_not_null NOT NULL,
    asset_district_code text,
    tier text,
    responsible_district_code text,
    unmeasured_days integer CONSTRAINT unmeasured_assets__dbt_tmp_unmeasured_days_not_null NOT NULL,
    first_unmeasured_on date CONSTRAINT unmeasured_assets__dbt_tmp_first_unmeasured_on_not_null NOT NULL,
    reason text CONSTRAINT unmeasured_assets__dbt_tmp_reason_not_null NOT NULL
);


ALTER TABLE published.unmeasured_assets OWNER TO munifund_pipeline;

--
-- Name: area_measurements; Type: TABLE; Schema: raw; Owner: munifund_pipeline
--

CREATE TABLE raw.area_measurements (
    measurement_id text,
    asset_id text,
    work_type text,
    quantity text,
    unit text,
    effective_from text,
    verified text,
    verified_by text,
    verified_on text,
    _extra jsonb,
    _partition_date date NOT NULL,
    _file text NOT NULL,
    _line integer NOT NULL,
    _run_id text NOT NULL
);


ALTER TABLE raw.area_measurements OWNER TO munifund_pipeline;

--
-- Name: area_measurements__line_seq; Type: SEQUENCE; Schema: raw; Owner: munifund_pipeline
--

ALTER TABLE raw.area_measurements ALTER COLUMN _line ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME raw.area_measurements__line_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 100000
);


--
-- Name: asset_transfers; Type: TABLE; Schema: raw; Owner: munifund_pipeline
--

CREATE TABLE raw.asset_transfers (
    transfer_id text,
    asset_id text,
    work_type text,
    to_tier text,
    to_district_code text,
    effective_date text,
    decree_ref text,
    _extra jsonb,
    _partition_date date NOT NULL,
    _file text NOT NULL,
    _line integer NOT NULL,
    _run_id text NOT NULL
);


ALTER TABLE raw.asset_transfers OWNER TO munifund_pipeline;

--
-- Name: asset_transfers__line_seq; Type: SEQUENCE; Schema: raw; Owner: munifund_pipeline
--

ALTER TABLE raw.asset_transfers ALTER COLUMN _line ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME raw.asset_transfers__line_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 100000
);


--
-- Name: assets; Type: TABLE; Schema: raw; Owner: munifund_pipeline
--

CREATE TABLE raw.assets (
    asset_id text,
    asset_class text,
    name text,
    district_code text,
    street_code text,
    connected_to text,
    commissioned_on text,
    retired_on text,
    _extra jsonb,
    _partition_date date NOT NULL,
    _file text NOT NULL,
    _line integer NOT NULL,
    _run_id text NOT NULL
);


ALTER TABLE raw.assets OWNER TO munifund_pipeline;

--
-- Name: assets__line_seq; Type: SEQUENCE; Schema: raw; Owner: munifund_pipeline
--

ALTER TABLE raw.assets ALTER COLUMN _line ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME raw.assets__line_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 100000
);


--
-- Name: budget_pools; Type: TABLE; Schema: raw; Owner: munifund_pipeline
--

CREATE TABLE raw.budget_pools (
    fiscal_year text,
    pool_yuan text,
    incentive_share text,
    _extra jsonb,
    _partition_date date NOT NULL,
    _file text NOT NULL,
    _line integer NOT NULL,
    _run_id text NOT NULL
);


ALTER TABLE raw.budget_pools OWNER TO munifund_pipeline;

--
-- Name: budget_pools__line_seq; Type: SEQUENCE; Schema: raw; Owner: munifund_pipeline
--

ALTER TABLE raw.budget_pools ALTER COLUMN _line ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME raw.budget_pools__line_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 100000
);


--
-- Name: districts; Type: TABLE; Schema: raw; Owner: munifund_pipeline
--

CREATE TABLE raw.districts (
    district_code text,
    name_zh text,
    name_en text,
    _extra jsonb,
    _partition_date date NOT NULL,
    _file text NOT NULL,
    _line integer NOT NULL,
    _run_id text NOT NULL
);


ALTER TABLE raw.districts OWNER TO munifund_pipeline;

--
-- Name: districts__line_seq; Type: SEQUENCE; Schema: raw; Owner: munifund_pipeline
--

ALTER TABLE raw.districts ALTER COLUMN _line ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME raw.districts__line_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 100000
);


--
-- Name: expenditure_purposes; Type: TABLE; Schema: raw; Owner: munifund_pipeline
--

CREATE TABLE raw.expenditure_purposes (
    purpose_code text,
    name_zh text,
    is_city_management text,
    _extra jsonb,
    _partition_date date NOT NULL,
    _file text NOT NULL,
    _line integer NOT NULL,
    _run_id text NOT NULL
);


ALTER TABLE raw.expenditure_purposes OWNER TO munifund_pipeline;

--
-- Name: expenditure_purposes__line_seq; Type: SEQUENCE; Schema: raw; Owner: munifund_pipeline
--

ALTER TABLE raw.expenditure_purposes ALTER COLUMN _line ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME raw.expenditure_purposes__line_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 100000
);


--
-- Name: expenditures; Type: TABLE; Schema: raw; Owner: munifund_pipeline
--

CREATE TABLE raw.expenditures (
    voucher_id text,
    district_code text,
    fiscal_year text,
    paid_at text,
    amount_yuan text,
    funding_source text,
    purpose_code text,
    _extra jsonb,
    _partition_date date NOT NULL,
    _file text NOT NULL,
    _line integer NOT NULL,
    _run_id text NOT NULL
);


ALTER TABLE raw.expenditures OWNER TO munifund_pipeline;

--
-- Name: expenditures__line_seq; Type: SEQUENCE; Schema: raw; Owner: munifund_pipeline
--

ALTER TABLE raw.expenditures ALTER COLUMN _line ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME raw.expenditures__line_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 100000
);


--
-- Name: fee_collections; Type: TABLE; Schema: raw; Owner: munifund_pipeline
--

CREATE TABLE raw.fee_collections (
    receipt_id text,
    kiosk_id text,
    district_code text,
    paid_at text,
    amount_yuan text,
    _extra jsonb,
    _partition_date date NOT NULL,
    _file text NOT NULL,
    _line integer NOT NULL,
    _run_id text NOT NULL
);


ALTER TABLE raw.fee_collections OWNER TO munifund_pipeline;

--
-- Name: fee_collections__line_seq; Type: SEQUENCE; Schema: raw; Owner: munifund_pipeline
--

ALTER TABLE raw.fee_collections ALTER COLUMN _line ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME raw.fee_collections__line_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 100000
);


--
-- Name: funding_plans; Type: TABLE; Schema: raw; Owner: munifund_pipeline
--

CREATE TABLE raw.funding_plans (
    district_code text,
    fiscal_year text,
    kiosk_fee_planned_yuan text,
    _extra jsonb,
    _partition_date date NOT NULL,
    _file text NOT NULL,
    _line integer NOT NULL,
    _run_id text NOT NULL
);


ALTER TABLE raw.funding_plans OWNER TO munifund_pipeline;

--
-- Name: funding_plans__line_seq; Type: SEQUENCE; Schema: raw; Owner: munifund_pipeline
--

ALTER TABLE raw.funding_plans ALTER COLUMN _line ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME raw.funding_plans__line_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 100000
);


--
-- Name: kiosks; Type: TABLE; Schema: raw; Owner: munifund_pipeline
--

CREATE TABLE raw.kiosks (
    kiosk_id text,
    district_code text,
    street_code text,
    kiosk_type text,
    permit_no text,
    area_m2 text,
    monthly_rate_yuan_per_m2 text,
    licensed_from text,
    licensed_to text,
    _extra jsonb,
    _partition_date date NOT NULL,
    _file text NOT NULL,
    _line integer NOT NULL,
    _run_id text NOT NULL
);


ALTER TABLE raw.kiosks OWNER TO munifund_pipeline;

--
-- Name: kiosks__line_seq; Type: SEQUENCE; Schema: raw; Owner: munifund_pipeline
--

ALTER TABLE raw.kiosks ALTER COLUMN _line ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME raw.kiosks__line_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 100000
);


--
-- Name: opening_balances; Type: TABLE; Schema: raw; Owner: munifund_pipeline
--

CREATE TABLE raw.opening_balances (
    district_code text,
    fiscal_year text,
    kiosk_fee_balance_yuan text,
    _extra jsonb,
    _partition_date date NOT NULL,
    _file text NOT NULL,
    _line integer NOT NULL,
    _run_id text NOT NULL
);


ALTER TABLE raw.opening_balances OWNER TO munifund_pipeline;

--
-- Name: opening_balances__line_seq; Type: SEQUENCE; Schema: raw; Owner: munifund_pipeline
--

ALTER TABLE raw.opening_balances ALTER COLUMN _line ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME raw.opening_balances__line_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 100000
);


--
-- Name: own_investment; Type: TABLE; Schema: raw; Owner: munifund_pipeline
--

CREATE TABLE raw.own_investment (
    district_code text,
    fiscal_year text,
    amount_yuan text,
    _extra jsonb,
    _partition_date date NOT NULL,
    _file text NOT NULL,
    _line integer NOT NULL,
    _run_id text NOT NULL
);


ALTER TABLE raw.own_investment OWNER TO munifund_pipeline;

--
-- Name: own_investment__line_seq; Type: SEQUENCE; Schema: raw; Owner: munifund_pipeline
--

ALTER TABLE raw.own_investment ALTER COLUMN _line ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME raw.own_investment__line_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 100000
);


--
-- Name: responsibility_matrix; Type: TABLE; Schema: raw; Owner: munifund_pipeline
--

CREATE TABLE raw.responsibility_matrix (
    asset_class text,
    work_type text,
    tier text,
    _extra jsonb,
    _partition_date date NOT NULL,
    _file text NOT NULL,
    _line integer NOT NULL,
    _run_id text NOT NULL
);


ALTER TABLE raw.responsibility_matrix OWNER TO munifund_pipeline;

--
-- Name: responsibility_matrix__line_seq; Type: SEQUENCE; Schema: raw; Owner: munifund_pipeline
--

ALTER TABLE raw.responsibility_matrix ALTER COLUMN _line ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME raw.responsibility_matrix__line_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 100000
);


--
-- Name: street_offices; Type: TABLE; Schema: raw; Owner: munifund_pipeline
--

CREATE TABLE raw.street_offices (
    street_code text,
    district_code text,
    name_zh text,
    _extra jsonb,
    _partition_date date NOT NULL,
    _file text NOT NULL,
    _line integer NOT NULL,
    _run_id text NOT NULL
);


ALTER TABLE raw.street_offices OWNER TO munifund_pipeline;

--
-- Name: street_offices__line_seq; Type: SEQUENCE; Schema: raw; Owner: munifund_pipeline
--

ALTER TABLE raw.street_offices ALTER COLUMN _line ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME raw.street_offices__line_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 100000
);


--
-- Name: unit_cost_standards; Type: TABLE; Schema: raw; Owner: munifund_pipeline
--

CREATE TABLE raw.unit_cost_standards (
    work_type text,
    asset_class text,
    valid_from text,
    valid_to text,
    rate_yuan text,
    unit text,
    _extra jsonb,
    _partition_date date NOT NULL,
    _file text NOT NULL,
    _line integer NOT NULL,
    _run_id text NOT NULL
);


ALTER TABLE raw.unit_cost_standards OWNER TO munifund_pipeline;

--
-- Name: unit_cost_standards__line_seq; Type: SEQUENCE; Schema: raw; Owner: munifund_pipeline
--

ALTER TABLE raw.unit_cost_standards ALTER COLUMN _line ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME raw.unit_cost_standards__line_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 100000
);


--
-- Name: work_orders; Type: TABLE; Schema: raw; Owner: munifund_pipeline
--

CREATE TABLE raw.work_orders (
    case_id text,
    district_code text,
    street_code text,
    category text,
    reported_at text,
    deadline_at text,
    closed_at text,
    _extra jsonb,
    _partition_date date NOT NULL,
    _file text NOT NULL,
    _line integer NOT NULL,
    _run_id text NOT NULL
);


ALTER TABLE raw.work_orders OWNER TO munifund_pipeline;

--
-- Name: work_orders__line_seq; Type: SEQUENCE; Schema: raw; Owner: munifund_pipeline
--

ALTER TABLE raw.work_orders ALTER COLUMN _line ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME raw.work_orders__line_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 100000
);


--
-- Name: allocation_runs allocation_runs_pkey; Type: CONSTRAINT; Schema: ops; Owner: munifund_pipeline
--

ALTER TABLE ONLY ops.allocation_runs
    ADD CONSTRAINT allocation_runs_pkey PRIMARY KEY (run_id);


--
-- Name: partitions_taken partitions_taken_pkey; Type: CONSTRAINT; Schema: ops; Owner: munifund_pipeline
--

ALTER TABLE ONLY ops.partitions_taken
    ADD CONSTRAINT partitions_taken_pkey PRIMARY KEY (source, partition_date, file);


--
-- Name: quarantine quarantine_pkey; Type: CONSTRAINT; Schema: ops; Owner: munifund_pipeline
--

ALTER TABLE ONLY ops.quarantine
    ADD CONSTRAINT quarantine_pkey PRIMARY KEY (quarantine_id);


--
-- Name: quarantine_partition_idx; Type: INDEX; Schema: ops; Owner: munifund_pipeline
--

CREATE INDEX quarantine_partition_idx ON ops.quarantine USING btree (source, partition_date, file);


--
-- Name: area_measurements_partition_brin; Type: INDEX; Schema: raw; Owner: munifund_pipeline
--

CREATE INDEX area_measurements_partition_brin ON raw.area_measurements USING brin (_partition_date) WITH (autosummarize='on');


--
-- Name: asset_transfers_partition_brin; Type: INDEX; Schema: raw; Owner: munifund_pipeline
--

CREATE INDEX asset_transfers_partition_brin ON raw.asset_transfers USING brin (_partition_date) WITH (autosummarize='on');


--
-- Name: assets_partition_brin; Type: INDEX; Schema: raw; Owner: munifund_pipeline
--

CREATE INDEX assets_partition_brin ON raw.assets USING brin (_partition_date) WITH (autosummarize='on');


--
-- Name: budget_pools_partition_brin; Type: INDEX; Schema: raw; Owner: munifund_pipeline
--

CREATE INDEX budget_pools_partition_brin ON raw.budget_pools USING brin (_partition_date) WITH (autosummarize='on');


--
-- Name: districts_partition_brin; Type: INDEX; Schema: raw; Owner: munifund_pipeline
--

CREATE INDEX districts_partition_brin ON raw.districts USING brin (_partition_date) WITH (autosummarize='on');


--
-- Name: expenditure_purposes_partition_brin; Type: INDEX; Schema: raw; Owner: munifund_pipeline
--

CREATE INDEX expenditure_purposes_partition_brin ON raw.expenditure_purposes USING brin (_partition_date) WITH (autosummarize='on');


--
-- Name: expenditures_partition_brin; Type: INDEX; Schema: raw; Owner: munifund_pipeline
--

CREATE INDEX expenditures_partition_brin ON raw.expenditures USING brin (_partition_date) WITH (autosummarize='on');


--
-- Name: fee_collections_partition_brin; Type: INDEX; Schema: raw; Owner: munifund_pipeline
--

CREATE INDEX fee_collections_partition_brin ON raw.fee_collections USING brin (_partition_date) WITH (autosummarize='on');


--
-- Name: funding_plans_partition_brin; Type: INDEX; Schema: raw; Owner: munifund_pipeline
--

CREATE INDEX funding_plans_partition_brin ON raw.funding_plans USING brin (_partition_date) WITH (autosummarize='on');


--
-- Name: kiosks_partition_brin; Type: INDEX; Schema: raw; Owner: munifund_pipeline
--

CREATE INDEX kiosks_partition_brin ON raw.kiosks USING brin (_partition_date) WITH (autosummarize='on');


--
-- Name: opening_balances_partition_brin; Type: INDEX; Schema: raw; Owner: munifund_pipeline
--

CREATE INDEX opening_balances_partition_brin ON raw.opening_balances USING brin (_partition_date) WITH (autosummarize='on');


--
-- Name: own_investment_partition_brin; Type: INDEX; Schema: raw; Owner: munifund_pipeline
--

CREATE INDEX own_investment_partition_brin ON raw.own_investment USING brin (_partition_date) WITH (autosummarize='on');


--
-- Name: responsibility_matrix_partition_brin; Type: INDEX; Schema: raw; Owner: munifund_pipeline
--

CREATE INDEX responsibility_matrix_partition_brin ON raw.responsibility_matrix USING brin (_partition_date) WITH (autosummarize='on');


--
-- Name: street_offices_partition_brin; Type: INDEX; Schema: raw; Owner: munifund_pipeline
--

CREATE INDEX street_offices_partition_brin ON raw.street_offices USING brin (_partition_date) WITH (autosummarize='on');


--
-- Name: unit_cost_standards_partition_brin; Type: INDEX; Schema: raw; Owner: munifund_pipeline
--

CREATE INDEX unit_cost_standards_partition_brin ON raw.unit_cost_standards USING brin (_partition_date) WITH (autosummarize='on');


--
-- Name: work_orders_partition_brin; Type: INDEX; Schema: raw; Owner: munifund_pipeline
--

CREATE INDEX work_orders_partition_brin ON raw.work_orders USING brin (_partition_date) WITH (autosummarize='on');


--
-- Name: SCHEMA published; Type: ACL; Schema: -; Owner: munifund_pipeline
--

GRANT USAGE ON SCHEMA published TO analyst;


--
-- Name: TABLE allocation_changes; Type: ACL; Schema: published; Owner: munifund_pipeline
--

GRANT SELECT ON TABLE published.allocation_changes TO analyst;


--
-- Name: TABLE allocation_runs; Type: ACL; Schema: published; Owner: munifund_pipeline
--

GRANT SELECT ON TABLE published.allocation_runs TO analyst;


--
-- Name: TABLE city_tier_costs; Type: ACL; Schema: published; Owner: munifund_pipeline
--

GRANT SELECT ON TABLE published.city_tier_costs TO analyst;


--
-- Name: TABLE data_quality_issues; Type: ACL; Schema: published; Owner: munifund_pipeline
--

GRANT SELECT ON TABLE published.data_quality_issues TO analyst;


--
-- Name: TABLE district_allocation; Type: ACL; Schema: published; Owner: munifund_pipeline
--

GRANT SELECT ON TABLE published.district_allocation TO analyst;


--
-- Name: TABLE district_allocation_lines; Type: ACL; Schema: published; Owner: munifund_pipeline
--

GRANT SELECT ON TABLE published.district_allocation_lines TO analyst;


--
-- Name: TABLE kiosk_arrears; Type: ACL; Schema: published; Owner: munifund_pipeline
--

GRANT SELECT ON TABLE published.kiosk_arrears TO analyst;


--
-- Name: TABLE kiosk_fee_compliance; Type: ACL; Schema: published; Owner: munifund_pipeline
--

GRANT SELECT ON TABLE published.kiosk_fee_compliance TO analyst;


--
-- Name: TABLE kiosk_fee_flags; Type: ACL; Schema: published; Owner: munifund_pipeline
--

GRANT SELECT ON TABLE published.kiosk_fee_flags TO analyst;


--
-- Name: TABLE unmeasured_assets; Type: ACL; Schema: published; Owner: munifund_pipeline
--

GRANT SELECT ON TABLE published.unmeasured_assets TO analyst;


--
-- Name: DEFAULT PRIVILEGES FOR TABLES; Type: DEFAULT ACL; Schema: published; Owner: munifund_pipeline
--

ALTER DEFAULT PRIVILEGES FOR ROLE munifund_pipeline IN SCHEMA published GRANT SELECT ON TABLES TO analyst;


--
-- PostgreSQL database dump complete
--

\unrestrict zFInIK6844RTFWorNm4Nli8c3BglQG22GNfgjEmKHtbXWZIaRTzYCVXinId1oA1

