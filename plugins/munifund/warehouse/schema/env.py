"""alembic's environment for the warehouse's own schema (see munifund.warehouse.migrate)."""

from alembic import context

# Two `munifund warehouse init` at once (two machines, say) must not both apply a revision.
MIGRATION_LOCK = 0x6D756E69  # "muni"


def run_online() -> None:
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, transaction_per_migration=False)
    with context.begin_transaction():
        connection.exec_driver_sql(f"select pg_advisory_xact_lock({MIGRATION_LOCK})")
        context.run_migrations()


def run_offline() -> None:
    # named paramstyle: no `%` doubled into `%%` in the printed SQL (format() in a do block)
    context.configure(url="postgresql://", literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
