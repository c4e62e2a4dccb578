-- Roles of the warehouse. Idempotent: run on every start of the embedded warehouse.
-- munifund_pipeline: the pipeline's own role, owns every schema and writes.
-- analyst: reads the published schema and nothing else.
-- Passwords are never set here: the embedded mode sets generated ones, a managed server its own.
do $$
begin
    if not exists (select from pg_roles where rolname = 'munifund_pipeline') then
        create role munifund_pipeline login;
    end if;
    if not exists (select from pg_roles where rolname = 'analyst') then
        create role analyst login;
    end if;
end
$$;

-- Nobody but our two roles connects, and nobody creates objects in public.
do $$
begin
    execute format('revoke all on database %I from public', current_database());
    execute format('grant connect, temporary on database %I to munifund_pipeline', current_database());
    execute format('grant connect on database %I to analyst', current_database());
end
$$;
revoke create on schema public from public;
