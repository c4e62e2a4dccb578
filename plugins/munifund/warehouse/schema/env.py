"""alembic's environment for the warehouse's own schema (see munifund.warehouse.migrate)."""

from alembic import context

# Two `munifund warehouse init` at once (two machines, say) must not both apply a revision.
MIGRATION_LOCK = 0x6D756E69  # "muni"
# alembic's version table is the pipeline's (it reads it), whoever migrates: the administrator's
# session builds as the pipeline's role unless a revision says otherwise
AS_PIPELINE = (
    "do $$ begin if exists (select from pg_roles where rolname = 'munifund_pipeline')"
    " and pg_has_role(session_user, 'munifund_pipeline', 'SET')"
    " then set local role munifund_pipeline; end if; end $$"
)


def run_online() -> None:
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, transaction_per_migration=False)
    with context.begin_transaction():
        connection.exec_driver_sql(f"select pg_advisory_xact_lock({MIGRATION_LOCK})")
        connection.exec_driver_sql(AS_PIPELINE)
        context.run_migrations()


def run_offline() -> None:
    # named paramstyle: no `%` doubled into `%%` in the printed SQL (format() in a do block)
    context.configure(url="postgresql://", literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.execute(AS_PIPELINE)
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
