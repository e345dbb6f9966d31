"""Do the values a rule writes fit the column? Checked on the source before anything is copied.

For every column masked with ``fake``, ``hmac``, ``hmacEmail`` or ``fixed``, a sample of the values the
rule produces under this refresh's key (``SAMPLE`` of them, from fixed inputs) is checked against the
column, so a rule that cannot fit stops the refresh naming ``table.column`` and the fix, instead of
failing the load half-way:

- longer than ``varchar(n)``/``char(n)``;
- rejected by the column's type, a domain's constraints (the cast fails) or a CHECK constraint on that
  column alone (evaluated by the source database on the sampled values).

CHECK constraints over several columns are evaluated by the load itself (a failure there names the
constraint, never values).
"""

from __future__ import annotations

import psycopg

from blueprint.refresh.catalog import Catalog, Column, Table
from blueprint.refresh.ddl import psql_ident
from blueprint.refresh.fakes import FakeValues
from blueprint.refresh.masking import column_masker, decode
from blueprint.refresh.rules import Fake, Fixed, Hmac, HmacEmail, Rules

#: Produced values sampled per column.
SAMPLE = 300


def _outputs(rule: object, col: Column, table: str, key: bytes, fakes: FakeValues) -> list[str]:
    if isinstance(rule, Fixed):
        return [rule.value]
    masker = column_masker(key, rule, col, table=table, key_fields=[], fakes=fakes)
    if masker is None:
        return []
    values = (decode(masker(f"fit-sample-{i}".encode(), [])) for i in range(SAMPLE))
    return sorted({v.decode() for v in values if v is not None}, key=len, reverse=True)


def _check_expressions(table: Table, col: Column) -> list[tuple[str, str]]:
    """(constraint name, boolean expression) of the CHECK constraints on ``col`` alone."""
    found = []
    for con in table.constraints:
        if con.kind == "c" and con.columns == (col.name,):
            expr = con.definition.removesuffix(" NOT VALID").removeprefix("CHECK ")
            found.append((con.name, expr))
    return found


def _column_problem(
    conn: psycopg.Connection, table: Table, col: Column, rule: object, outputs: list[str]
) -> str | None:
    strategy = getattr(rule, "strategy", "")
    longest = max((len(v) for v in outputs), default=0)
    if col.max_length is not None and longest > col.max_length:
        return (
            f"{strategy} values reach {longest} characters but the column is {col.type}: use a shorter "
            "kind or length, or widen the column"
        )
    ident = psql_ident(col.name)
    probe = f"SELECT x::{col.type} AS {ident} FROM unnest(%s::text[]) AS u(x)"
    for name, expr in [("", "true"), *_check_expressions(table, col)]:
        try:
            with conn.transaction():
                row = conn.execute(
                    f"SELECT count(*) FROM ({probe}) v WHERE NOT COALESCE(({expr}), true)", (outputs,)
                ).fetchone()
        except psycopg.Error as exc:
            if isinstance(rule, Fixed):
                return None  # an invalid fixed value is reported by coverage.check_rules
            reason = (exc.diag.message_primary or type(exc).__name__).splitlines()[0]
            return f"{strategy} values are not valid {col.type} ({reason}); choose a strategy that fits"
        if row and row[0]:
            return (
                f"{row[0]} of {len(outputs)} sampled {strategy} values violate CHECK constraint {name}; "
                "choose a strategy whose values satisfy it (or fixed with a valid value)"
            )
    return None


def output_problems(
    conn: psycopg.Connection, catalog: Catalog, rules: Rules, key: bytes, fakes: FakeValues
) -> list[str]:
    """One line per column whose rule writes values that do not fit it (see the module docstring)."""
    problems = []
    for name, table in catalog.tables.items():
        for col in table.columns:
            rule = rules.tables[name].columns.get(col.name) if name in rules.tables else None
            if not isinstance(rule, Fake | Hmac | HmacEmail | Fixed) or (
                not isinstance(rule, Fixed) and not col.textual  # refused by coverage.check_rules
            ):
                continue
            problem = _column_problem(conn, table, col, rule, _outputs(rule, col, name, key, fakes))
            if problem:
                problems.append(f"{name}.{col.name}: {problem}")
    return problems
