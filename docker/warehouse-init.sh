#!/usr/bin/env bash
# First start of the compose warehouse: the two login roles munifund needs, with their passwords
# from the environment, and the database owned by the pipeline's role. Everything inside the
# database is munifund's migrations (`munifund warehouse init`, run by airflow-init).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname munifund \
  -v pipeline_pw="$WAREHOUSE_PIPELINE_PASSWORD" -v analyst_pw="$MUNIFUND_ANALYST_PASSWORD" <<'SQL'
create role munifund_pipeline login password :'pipeline_pw';
create role analyst login password :'analyst_pw';
alter database munifund owner to munifund_pipeline;
SQL
