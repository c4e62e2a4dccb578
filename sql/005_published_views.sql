-- Views in `published` over the pipeline's bookkeeping, so analysts read them without reaching
-- `ops`. They run with their owner's rights: the pipeline role.
create or replace view published.allocation_runs as
select
    run_id, as_of_date, fiscal_year, input_fingerprints, code_version, dbt_version,
    airflow_version, row_counts, published_at, review_status, reviewer, reviewed_at, review_comment
from ops.allocation_runs;

create or replace view published.data_quality_issues as
select
    source, partition_date, file, line, column_name, problem, raw_row, run_id, quarantined_at
from ops.quarantine;

alter view published.allocation_runs owner to munifund_pipeline;
alter view published.data_quality_issues owner to munifund_pipeline;
grant select on published.allocation_runs, published.data_quality_issues to analyst;
