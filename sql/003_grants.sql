-- The analyst reads published, now and whatever the pipeline creates there later; nothing else.
grant usage on schema published to analyst;
grant select on all tables in schema published to analyst;
alter default privileges for role munifund_pipeline in schema published
    grant select on tables to analyst;
revoke all on schema raw, staging, intermediate, audit, ops from analyst;
