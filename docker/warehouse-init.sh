#!/usr/bin/env bash
# First start of the compose warehouse: munifund's roles, schemas and grants (sql/), then the
# roles' passwords from the environment. Never run again on an existing volume.
set -euo pipefail
for file in /opt/munifund-sql/*.sql; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname munifund -f "$file"
done
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname munifund \
  -v pipeline_pw="$WAREHOUSE_PIPELINE_PASSWORD" -v analyst_pw="$MUNIFUND_ANALYST_PASSWORD" <<'SQL'
alter role munifund_pipeline password :'pipeline_pw';
alter role analyst password :'analyst_pw';
alter database munifund owner to munifund_pipeline;
SQL
