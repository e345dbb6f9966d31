"""The slice provisioner's PostgreSQL steps against a real local server: database, role, grants, re-runs,
and a drop while the slice's apps are still connected."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from blueprint.devtools.localpg import LocalPostgres
from functions.slice_provisioner.postgres import create_slice_database, drop_slice_database


@pytest.fixture
def admin(pg: LocalPostgres) -> Iterator[psycopg.Connection]:
    with psycopg.connect(pg.dsn(), autocommit=True) as conn:
        yield conn
        drop_slice_database(conn, "pr_7", "pr_7_app")


def one(conn: psycopg.Connection, query: str, *params: object) -> object:
    row = conn.execute(query, params).fetchone()
    return None if row is None else row[0]


def test_create_makes_an_owned_database_closed_to_public(admin):
    done = create_slice_database(admin, "pr_7", "pr_7_app")
    assert done == ["created role pr_7_app", "created database pr_7"]
    assert one(admin, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'pr_7'") == "pr_7_app"
    assert one(admin, "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'pr_7_app'") is True
    assert (
        one(admin, "SELECT rolsuper OR rolcreatedb OR rolcreaterole FROM pg_roles WHERE rolname = 'pr_7_app'")
        is False
    )
    assert one(admin, "SELECT has_database_privilege('pr_7_app', 'pr_7', 'CONNECT')") is True
    assert one(admin, "SELECT has_database_privilege('public', 'pr_7', 'CONNECT')") is False
    assert one(admin, "SELECT rolconnlimit FROM pg_roles WHERE rolname = 'pr_7_app'") == 20


def test_the_slice_role_cannot_reach_another_slice(admin):
    create_slice_database(admin, "pr_7", "pr_7_app")
    try:
        create_slice_database(admin, "pr_8", "pr_8_app")
        assert one(admin, "SELECT has_database_privilege('pr_7_app', 'pr_8', 'CONNECT')") is False
    finally:
        drop_slice_database(admin, "pr_8", "pr_8_app")


def test_rerun_is_idempotent(admin):
    create_slice_database(admin, "pr_7", "pr_7_app")
    assert create_slice_database(admin, "pr_7", "pr_7_app") == []
    assert one(admin, "SELECT count(*) FROM pg_database WHERE datname = 'pr_7'") == 1


def test_rerun_after_a_partial_create_finishes_the_job(admin):
    admin.execute('CREATE ROLE "pr_7_app" LOGIN')  # a run that died after the role
    assert create_slice_database(admin, "pr_7", "pr_7_app") == ["created database pr_7"]
    assert one(admin, "SELECT has_database_privilege('public', 'pr_7', 'CONNECT')") is False


def test_drop_with_active_connections_and_again(pg, admin):
    create_slice_database(admin, "pr_7", "pr_7_app")
    app = psycopg.connect(pg.dsn("pr_7"), autocommit=True)  # a slice app still connected
    app.execute("CREATE TABLE orders (id int)")
    assert drop_slice_database(admin, "pr_7", "pr_7_app") == [
        "dropped database pr_7",
        "dropped role pr_7_app",
    ]
    assert one(admin, "SELECT count(*) FROM pg_database WHERE datname = 'pr_7'") == 0
    with pytest.raises(psycopg.OperationalError):
        app.execute("SELECT 1")
    app.close()
    assert drop_slice_database(admin, "pr_7", "pr_7_app") == []


@pytest.mark.parametrize(
    "name", ["staging", 'pr_7"; DROP DATABASE postgres; --', "pr_07", "PR_7", "pr_7_admin"]
)
def test_only_slice_identifiers_are_accepted(admin, name):
    with pytest.raises(ValueError, match="refusing to use"):
        create_slice_database(admin, name, "pr_7_app")
    with pytest.raises(ValueError, match="refusing to use"):
        drop_slice_database(admin, "pr_7", name)
