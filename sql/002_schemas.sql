-- Schemas, one per layer. Idempotent.
--   raw           what the departments delivered, every version, with lineage (source, partition,
--                 file, line, run)
--   staging       dbt: one view per source, cast and deduplicated as of the run's date
--   intermediate  dbt: the rules applied (responsibility, quantities, rates per day range)
--   audit         dbt: the marts of the current run, built and tested here before publication
--   published     what analysts and the finance bureau read; changed only by the publish step
--   ops           quarantined rows and files, partitions taken, run records
create schema if not exists raw authorization munifund_pipeline;
create schema if not exists staging authorization munifund_pipeline;
create schema if not exists intermediate authorization munifund_pipeline;
create schema if not exists audit authorization munifund_pipeline;
create schema if not exists published authorization munifund_pipeline;
create schema if not exists ops authorization munifund_pipeline;
