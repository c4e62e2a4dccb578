-- Bookkeeping of the pipeline, owned by its role. Idempotent.

-- Every file taken from the landing area, once; a re-delivery with other content replaces it.
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
    primary key (source, partition_date, file)
);
-- the file's size and modification time when taken: a file that kept both is not read again
alter table ops.partitions_taken add column if not exists file_size bigint;
alter table ops.partitions_taken add column if not exists file_modified timestamptz;

-- Bad input: a row (line set) or a whole file (line null) that was not loaded, and why.
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
);
create index if not exists quarantine_partition_idx on ops.quarantine (source, partition_date, file);

alter table ops.partitions_taken owner to munifund_pipeline;
alter table ops.quarantine owner to munifund_pipeline;

-- One row per published run: what it read, what code built it, and the finance bureau's decision.
create table if not exists ops.allocation_runs (
    run_id             text        primary key,
    as_of_date         date        not null,
    fiscal_year        integer     not null,
    input_fingerprints jsonb       not null,  -- every landing file taken up to as_of_date, with its SHA-256
    code_version       text,                  -- git commit of the pipeline, when known
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
);
alter table ops.allocation_runs owner to munifund_pipeline;
