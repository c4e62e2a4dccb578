"""The warehouse: where it is (`access`), the embedded server (`embedded`), its schema (`migrate`).

- `open_warehouse()`: outside Airflow, the warehouse in use, reachable; no DDL.
- `init_warehouse()`: the same, with the schema migrated to this code's revision.
- `task_warehouse()`: inside an Airflow task, from the `warehouse` connection.
"""

from __future__ import annotations

from munifund.config import Settings, load_settings
from munifund.warehouse.access import (
    WAREHOUSE_CONN_ID,
    Warehouse,
    connection_fields,
    open_warehouse,
    task_warehouse,
)
from munifund.warehouse.embedded import WarehouseError, embedded_superuser_url, stop_embedded

__all__ = [
    "WAREHOUSE_CONN_ID",
    "Warehouse",
    "WarehouseError",
    "connection_fields",
    "embedded_superuser_url",
    "init_warehouse",
    "open_warehouse",
    "stop_warehouse",
    "task_warehouse",
]


def init_warehouse(settings: Settings | None = None) -> Warehouse:
    """The warehouse in use, reachable and migrated to this code's schema."""
    from munifund.warehouse.migrate import migrate

    warehouse = open_warehouse(settings)
    migrate(warehouse)
    return warehouse


def stop_warehouse(settings: Settings | None = None) -> bool:
    """Stop the embedded server; False when none was running or none is embedded."""
    settings = settings or load_settings()
    return settings.is_embedded and stop_embedded(settings)
