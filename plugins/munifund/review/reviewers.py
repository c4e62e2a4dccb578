"""Reviewers: people of the finance bureau as accounts the warehouse authenticates.

A reviewer is a PostgreSQL login role, `reviewer:<identity>` (`munifund.identity`), member of
`munifund_reviewers`: it may record decisions through `ops.record_review_decision` and read the
log, nothing else. The decision's author is the login's reviewer (`ops.reviewers`), whatever
the command line says, so `--by NAME` only says whose password is given.

`munifund reviewer add NAME` creates one with the warehouse's administrator (the embedded
server's superuser, or MUNIFUND_ADMIN_URL); the password comes from MUNIFUND_REVIEWER_PASSWORD
or is asked for. A name holding invisible characters, or one that is the same person as an
existing reviewer (`ｂｏｂ` and `bob`), is refused.
"""

from __future__ import annotations

import os
import unicodedata

import psycopg
from psycopg import sql

from munifund.identity import hidden_characters, identity
from munifund.warehouse import Warehouse

PASSWORD_VARIABLE = "MUNIFUND_REVIEWER_PASSWORD"
REVIEWERS_GROUP = "munifund_reviewers"
ROLE_PREFIX = "reviewer:"
# PostgreSQL's identifiers are at most 63 bytes
MAX_ROLE_BYTES = 63


class ReviewerError(RuntimeError):
    """Refused; the message says why and what to do."""


def role_name(name: str) -> str:
    """The login role of a reviewer's name; ReviewerError for a name that is no one's."""
    who = identity(name)
    if not who:
        raise ReviewerError(f"{name!r} names no one: give the reviewer's name (--by NAME)")
    role = ROLE_PREFIX + who
    if len(role.encode()) > MAX_ROLE_BYTES:
        raise ReviewerError(
            f"the name {name!r} is too long for a warehouse login"
            f" (at most {MAX_ROLE_BYTES - len(ROLE_PREFIX)} bytes in UTF-8 once normalized)"
        )
    return role


def displayed_name(name: str) -> str:
    """The name decisions are recorded under: NFKC, trimmed; refused when it holds characters
    nobody sees (a reviewer's record must read as it is)."""
    hidden = hidden_characters(name)
    if hidden:
        raise ReviewerError(
            f"the name {name!r} holds characters nobody sees ({', '.join(hidden)}): give it"
            " without them"
        )
    return " ".join(unicodedata.normalize("NFKC", name).split())


def add_reviewer(warehouse: Warehouse, name: str, password: str) -> str:
    """Create the reviewer's login and record them; return the name recorded."""
    shown, role = displayed_name(name), role_name(name)
    if not password:
        raise ReviewerError(f"a reviewer needs a password: set {PASSWORD_VARIABLE} or type one")
    if warehouse.admin_url is None:
        raise ReviewerError(
            "adding a reviewer needs the warehouse's administrator: set MUNIFUND_ADMIN_URL to a"
            " superuser's postgresql:// URL of the warehouse"
        )
    with psycopg.connect(warehouse.admin_url) as conn:
        same = conn.execute(
            "select name from ops.reviewers where identity = ops.person_identity(%s)", [shown]
        ).fetchone()
        if same:
            raise ReviewerError(
                f"{shown} is already a reviewer, as {same[0]} (names are compared after NFKC,"
                " case folding and removal of spaces and format characters)"
            )
        if conn.execute("select 1 from pg_roles where rolname = %s", [role]).fetchone():
            raise ReviewerError(f"a warehouse login {role!r} exists already and is no reviewer")
        conn.execute(
            sql.SQL("create role {} login password {} in role {}").format(
                sql.Identifier(role), sql.Literal(password), sql.Identifier(REVIEWERS_GROUP)
            )
        )
        conn.execute(
            "insert into ops.reviewers (role_name, name, identity)"
            " values (%s, %s, ops.person_identity(%s))",
            [role, shown, shown],
        )
    return shown


def connect_as_reviewer(warehouse: Warehouse, name: str, password: str) -> psycopg.Connection:
    """The reviewer's own login; ReviewerError when the warehouse refuses it."""
    role = role_name(name)
    try:
        return psycopg.connect(warehouse.login_url(role, password), connect_timeout=10)
    except psycopg.OperationalError as err:
        if "password authentication failed" in str(err) or "does not exist" in str(err):
            raise ReviewerError(
                f"the warehouse refused {name}'s login: a wrong password, or no reviewer of"
                f" that name (munifund reviewer add {name})"
            ) from None
        raise


def password_from_environment() -> str | None:
    return os.environ.get(PASSWORD_VARIABLE) or None
