"""The subset's foreign-key closure against a second implementation: a fixpoint computed in Python over
the same rows.

The engine follows each kept row through each foreign key once (``subset._Selector``: rows tagged with
the statement that added them, each foreign key remembering what it has followed). The reference below
knows nothing of that: it re-applies every rule to every kept row until nothing changes. Random graphs
with a self-reference, a cycle between two tables, a 1:1 child and a declared owned child, nullable and
NOT NULL references, must give the same rows.
"""

from __future__ import annotations

import random

import psycopg
import pytest
from psycopg import IsolationLevel

from blueprint.refresh.catalog import read_catalog
from blueprint.refresh.ddl import load_order
from blueprint.refresh.pg import session_settings
from blueprint.refresh.rules import Subset
from blueprint.refresh.subset import select_rows
from tests.blueprint.refresh.conftest import TEST_KEY

SCHEMA = """
CREATE TABLE public.people (
    id integer PRIMARY KEY, boss_id integer REFERENCES public.people, team_id integer);
CREATE TABLE public.teams (id integer PRIMARY KEY, lead_id integer REFERENCES public.people);
ALTER TABLE public.people ADD FOREIGN KEY (team_id) REFERENCES public.teams;
CREATE TABLE public.badges (
    id integer PRIMARY KEY, person_id integer NOT NULL UNIQUE REFERENCES public.people);
CREATE TABLE public.notes (id integer PRIMARY KEY, team_id integer NOT NULL REFERENCES public.teams);
"""
#: (child, column, parent) of every foreign key above.
REFERENCES = [
    ("people", "boss_id", "people"),
    ("people", "team_id", "teams"),
    ("teams", "lead_id", "people"),
    ("badges", "person_id", "people"),
    ("notes", "team_id", "teams"),
]
#: Children that belong to their parent: badges (1:1, a unique foreign key) and notes (declared owned).
OWNED = [("badges", "person_id", "people"), ("notes", "team_id", "teams")]


def _graph(rng: random.Random) -> dict[str, dict[int, dict[str, int | None]]]:
    people, teams = rng.randrange(20, 120), rng.randrange(3, 30)

    def maybe(n: int, chance: float) -> int | None:
        return rng.randrange(n) if rng.random() < chance else None

    return {
        "teams": {i: {"lead_id": maybe(people, 0.6)} for i in range(teams)},
        "people": {i: {"boss_id": maybe(people, 0.5), "team_id": maybe(teams, 0.5)} for i in range(people)},
        "badges": {i: {"person_id": p} for i, p in enumerate(rng.sample(range(people), people // 2))},
        "notes": {i: {"team_id": rng.randrange(teams)} for i in range(rng.randrange(0, 60))},
    }


def _load(dsn: str, graph: dict[str, dict[int, dict[str, int | None]]]) -> None:
    with psycopg.connect(dsn) as conn:
        conn.execute(SCHEMA)
        conn.execute("SET session_replication_role = replica")  # rows in any order; checked below
        for table, rows in graph.items():
            for key, values in rows.items():
                columns = ", ".join(["id", *values])
                marks = ", ".join(["%s"] * (len(values) + 1))
                conn.execute(
                    f"INSERT INTO public.{table} ({columns}) VALUES ({marks})", [key, *values.values()]
                )


def _reference(graph: dict[str, dict[int, dict[str, int | None]]], roots: set[int]) -> dict[str, set[int]]:
    kept: dict[str, set[int]] = {table: set() for table in graph}
    kept["people"] = set(roots)
    changed = True
    while changed:
        before = sum(len(ids) for ids in kept.values())
        for child, column, parent in REFERENCES:  # every parent a kept row references
            kept[parent] |= {graph[child][i][column] for i in kept[child]} - {None}  # type: ignore[arg-type]
        for child, column, parent in OWNED:  # every child that belongs to a kept parent
            kept[child] |= {i for i, row in graph[child].items() if row[column] in kept[parent]}
        changed = sum(len(ids) for ids in kept.values()) != before
    return kept


def _selected(dsn: str, subset: Subset) -> dict[str, set[int]]:
    with psycopg.connect(dsn) as conn:
        conn.isolation_level = IsolationLevel.REPEATABLE_READ
        session_settings(conn)
        catalog = read_catalog(conn)
        order, _ = load_order(catalog.tables, catalog.foreign_keys)
        selection = select_rows(conn, catalog, subset, order, TEST_KEY)
        found = {}
        for name, table in catalog.tables.items():
            join = selection.kept_join(catalog, name, "t")
            found[table.table] = {i for (i,) in conn.execute(f"SELECT t.id FROM {table.qname} t {join}")}
            assert len(found[table.table]) == selection.counts[name]
        return found


@pytest.mark.parametrize("seed", range(10))
def test_the_closure_is_the_fixpoint_a_naive_implementation_reaches(dbs, seed):
    rng = random.Random(seed)
    graph = _graph(rng)
    _load(dbs.source, graph)
    divisor = rng.choice([3, 5, 11])
    subset = Subset.model_validate(
        {
            "roots": [{"table": "public.people", "where": f"id % {divisor} = 0"}],
            "followChildren": False,
            "owned": ["public.notes"],
            "maxRows": 10_000,
        }
    )
    expected = _reference(graph, {i for i in graph["people"] if i % divisor == 0})
    assert _selected(dbs.source, subset) == expected
    # The graph is big enough for the closure to matter: it added rows beyond the roots in every table.
    assert (
        all(expected[t] for t in ("teams", "badges"))
        and len(expected["people"]) > len(graph["people"]) // divisor
    )
