"""Reviewers for tests: a reviewer's warehouse login, made once per session and name.

Logins are the server's (cluster-wide), and tests empty `ops` (ops.reviewers with it) between
modules: a name whose login exists is recorded again, with the same password."""

from __future__ import annotations

import psycopg
from psycopg import sql

from munifund.review.reviewers import add_reviewer, displayed_name, role_name
from munifund.warehouse import Warehouse

PASSWORD = "bureau-test-password"


def ensure_reviewer(warehouse: Warehouse, name: str, password: str = PASSWORD) -> str:
    """The reviewer `name` with `password`, whether or not an earlier test made them."""
    role = role_name(name)
    assert warehouse.admin_url, "reviewers are made by the warehouse's administrator"
    with psycopg.connect(warehouse.admin_url) as conn:
        if not conn.execute("select 1 from pg_roles where rolname = %s", [role]).fetchone():
            return add_reviewer(warehouse, name, password)
        conn.execute(
            sql.SQL("alter role {} password {}").format(sql.Identifier(role), sql.Literal(password))
        )
        conn.execute(
            "insert into ops.reviewers (role_name, name, identity)"
            " values (%s, %s, ops.person_identity(%s)) on conflict (role_name) do nothing",
            [role, displayed_name(name), name],
        )
    return displayed_name(name)
