"""The slice provisioner's PostgreSQL steps against a real local server: database, role, grants, re-runs,
and a drop while the slice's apps are still connected."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from blueprint.devtools.localpg import SUPERUSER, LocalPostgres
from functions.slice_provisioner.postgres import (
    SeedError,
    adopt_seeded_objects,
    create_slice_database,
    drop_slice_database,
)

#: The seed's rows: written by the test, read back from the slice's copy.
SEED_ROWS = [("ada@example.test", 3), ("grace@example.test", 5)]


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


@pytest.fixture
def seed(pg: LocalPostgres, admin: psycopg.Connection) -> Iterator[str]:
    """``orders_seed``: a table with a serial key and a view, owned by a sanitizer role, with SEED_ROWS."""
    admin.execute("CREATE ROLE sanitizer")
    admin.execute("CREATE DATABASE orders_seed OWNER sanitizer")
    with psycopg.connect(pg.dsn("orders_seed"), autocommit=True) as conn:
        conn.execute("SET ROLE sanitizer")
        conn.execute("CREATE SCHEMA shop")
        conn.execute("CREATE TABLE shop.customers (id serial PRIMARY KEY, email text, orders int)")
        for row in SEED_ROWS:
            conn.execute("INSERT INTO shop.customers (email, orders) VALUES (%s, %s)", row)
        conn.execute("CREATE VIEW shop.busy AS SELECT email FROM shop.customers WHERE orders > 4")
    yield "orders_seed"
    drop_slice_database(admin, "pr_7", "pr_7_app")
    admin.execute("DROP DATABASE IF EXISTS orders_seed WITH (FORCE)")
    admin.execute("DROP ROLE sanitizer")


def seed_and_adopt(pg: LocalPostgres, admin: psycopg.Connection, source: str) -> list[str]:
    done = create_slice_database(admin, "pr_7", "pr_7_app", source)
    with psycopg.connect(pg.dsn("pr_7"), autocommit=True) as conn:
        return done + adopt_seeded_objects(conn, "pr_7_app")


def test_a_seeded_database_has_the_seeds_rows_owned_by_the_slice(pg, admin, seed):
    done = seed_and_adopt(pg, admin, seed)
    assert done == ["created role pr_7_app", "created database pr_7 from orders_seed", "adopted 4 objects"]
    with psycopg.connect(pg.dsn("pr_7")) as conn:
        assert conn.execute("SELECT email, orders FROM shop.customers ORDER BY id").fetchall() == SEED_ROWS
        owners = conn.execute(
            "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = 'shop'"
        ).fetchall()
        assert owners == [("pr_7_app",)]  # table, its sequence and index, the view
        assert one(conn, "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'shop'") == (
            "pr_7_app"
        )
    assert one(admin, "SELECT has_database_privilege('public', 'pr_7', 'CONNECT')") is False
    assert one(admin, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'orders_seed'") == (
        "sanitizer"
    )


def test_seeding_again_changes_nothing(pg, admin, seed):
    seed_and_adopt(pg, admin, seed)
    with psycopg.connect(pg.dsn("pr_7"), autocommit=True) as conn:
        conn.execute("INSERT INTO shop.customers (email, orders) VALUES ('new@example.test', 1)")
    assert seed_and_adopt(pg, admin, seed) == []
    with psycopg.connect(pg.dsn("pr_7")) as conn:
        assert one(conn, "SELECT count(*) FROM shop.customers") == len(SEED_ROWS) + 1  # not copied again


def test_a_seed_in_use_is_a_clear_error_and_a_rerun_finishes(pg, admin, seed):
    busy = pytest.raises(SeedError, match='other sessions are connected to "orders_seed"')
    with psycopg.connect(pg.dsn(seed)), busy:  # staging's apps still connected to the source
        create_slice_database(admin, "pr_7", "pr_7_app", seed)
    assert one(admin, "SELECT count(*) FROM pg_database WHERE datname = 'pr_7'") == 0
    assert seed_and_adopt(pg, admin, seed)[-2:] == [
        "created database pr_7 from orders_seed",
        "adopted 4 objects",
    ]


def test_a_missing_seed_is_a_clear_error(admin):
    with pytest.raises(SeedError, match="does not exist"):
        create_slice_database(admin, "pr_7", "pr_7_app", "nowhere_seed")


@pytest.mark.parametrize(
    "name", ["postgres", "template1", "pr_8", "Orders", 'x"; DROP DATABASE postgres; --']
)
def test_only_seed_databases_are_accepted(admin, name):
    with pytest.raises(ValueError, match="refusing to seed"):
        create_slice_database(admin, "pr_7", "pr_7_app", name)


def test_the_lambdas_driver_seeds_and_adopts_too(pg, admin, seed):
    import pg8000.dbapi  # type: ignore[import-untyped]  # the driver the provisioner bundles

    def connect(database: str) -> pg8000.dbapi.Connection:
        conn = pg8000.dbapi.connect(
            host="127.0.0.1", port=pg.port, user=SUPERUSER, password=pg.password, database=database
        )
        conn.autocommit = True
        return conn

    conn = connect("postgres")
    try:
        assert (
            create_slice_database(conn, "pr_7", "pr_7_app", seed)[-1]
            == "created database pr_7 from orders_seed"
        )
    finally:
        conn.close()
    conn = connect("pr_7")
    try:
        assert adopt_seeded_objects(conn, "pr_7_app") == ["adopted 4 objects"]
    finally:
        conn.close()
    with psycopg.connect(pg.dsn(seed)), psycopg.connect(pg.dsn()) as other:
        conn = connect("postgres")
        try:
            drop_slice_database(conn, "pr_7", "pr_7_app")
            with pytest.raises(SeedError, match="other sessions are connected"):
                create_slice_database(conn, "pr_7", "pr_7_app", seed)
        finally:
            conn.close()
        assert other.execute("SELECT count(*) FROM pg_database WHERE datname = 'pr_7'").fetchone() == (0,)
