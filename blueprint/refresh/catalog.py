"""What the source database holds, read from the PostgreSQL system catalogs (PostgreSQL 15+).

The engine copies the schema from this description instead of running ``pg_dump``, so the runner needs no
client binaries matching the server's major version (RDS runs 16-18). Copied: schemas, extensions,
collations, enum, domain and composite types, sequences, tables (columns, types, collations, defaults,
identity and generated columns, NOT NULL), primary-key, unique, check, exclusion and foreign-key
constraints, other indexes, and views. Not copied: functions, triggers, row-level security policies,
grants, comments, materialized views (the application's migrations own those). Partitioned tables and
table inheritance are refused with a clear error. Objects that belong to an extension are left to it.

Every name and expression is read with ``search_path = ''``, so all of them come back schema-qualified
(as ``pg_dump`` does), and the DDL means the same thing on the target whatever its search path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg

from blueprint.refresh.pgtypes import collations, composites, key_semantics, text_carriers
from blueprint.refresh.rules import table_name
from blueprint.refresh.sequences import OwnedSequence, owned_sequences

#: Schemas that are never copied.
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")

_NOT_EXTENSION = "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = {oid} AND d.deptype = 'e')"
_USER_SCHEMA = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp)'"


@dataclass(frozen=True)
class Column:
    """One column. ``base_type`` is the type name after domains (``text``, ``varchar``, ``int8``,
    ``uuid``, ``date``...); ``max_length`` is the declared length of ``varchar(n)``/``char(n)``;
    ``carries_text`` whether values can hold characters (``pgtypes.text_carriers``); ``key_semantics`` how
    its equality differs from byte equality (``pgtypes.key_semantics``: ``citext``, non-deterministic
    collations)."""

    name: str
    type: str
    base_type: str
    category: str
    not_null: bool
    default: str | None
    identity: str
    generated: bool
    collation: str | None
    max_length: int | None
    carries_text: bool = True
    key_semantics: str | None = None

    @property
    def textual(self) -> bool:
        """True for string types (``text``, ``varchar``, ``char``, ``citext``, ``name``) and domains over
        them: what ``hmac``, ``hmacEmail`` and ``fake`` can write (not JSON, arrays, XML or composites)."""
        return self.category == "S"

    def scan_expression(self, alias: str = "") -> str:
        """SQL giving the column's value as text for the detectors: ``::text`` (arrays, composites, hstore,
        ranges and XML print every nested value), ``json`` through ``jsonb`` (which decodes ``\\u``
        escapes), ``bytea`` in PostgreSQL's escape format (printable ASCII as itself); collation ``"C"``."""
        ref = (f"{alias}." if alias else "") + '"' + self.name.replace('"', '""') + '"'
        if self.base_type == "bytea":
            text = f"encode({ref}, 'escape')"
        elif self.base_type == "json":
            text = f"{ref}::jsonb::text"
        else:
            text = f"{ref}::text"
        # Byte semantics: regular expressions refuse non-deterministic collations, and the original-value
        # check wants exact matches.
        return f'({text} COLLATE pg_catalog."C")'


@dataclass(frozen=True)
class Constraint:
    """A primary-key (``p``), unique (``u``), check (``c``), exclusion (``x``) or foreign-key (``f``)
    constraint, with ``definition`` from ``pg_get_constraintdef``."""

    name: str
    kind: str
    definition: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class ForeignKey:
    """``child(child_columns) -> parent(parent_columns)``; tables are ``schema.table``."""

    name: str
    child: str
    child_columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]
    definition: str
    operators: tuple[str, ...] = ()
    #: ``pg_constraint.convalidated``: every row was checked (false for a ``NOT VALID`` constraint).
    validated: bool = True

    def join(self, child: str, parent: str) -> str:
        """SQL matching ``child`` rows to ``parent`` rows (table aliases) with the constraint's own
        equality operators (``pg_constraint.conpfeqop``, schema-qualified: ``citext``'s ``=`` is not
        found with ``search_path = ''``, and ``text``'s would compare case-sensitively)."""
        quote = lambda n: '"' + n.replace('"', '""') + '"'  # noqa: E731
        ops = self.operators or ("=",) * len(self.child_columns)
        return " AND ".join(
            f"{parent}.{quote(p)} {op} {child}.{quote(c)}"
            for c, p, op in zip(self.child_columns, self.parent_columns, ops, strict=True)
        )


@dataclass
class Table:
    """A table: ``qname`` is ``"schema"."table"`` quoted for SQL, ``name`` is ``schema.table``."""

    oid: int
    schema: str
    table: str
    qname: str
    columns: list[Column] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    indexes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return table_name(self.schema, self.table)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def primary_key(self) -> tuple[str, ...]:
        return next((c.columns for c in self.constraints if c.kind == "p"), ())

    def unique_columns(self) -> set[str]:
        """Columns that are, alone, a primary key or unique constraint."""
        return {c.columns[0] for c in self.constraints if c.kind in "pu" and len(c.columns) == 1}


@dataclass
class Catalog:
    """The source database's user objects (see the module docstring for what is included).

    ``unsupported`` lists objects that stop a refresh (partitioned tables); ``skipped`` those left out.
    """

    tables: dict[str, Table]
    foreign_keys: list[ForeignKey]
    schemas: list[str]
    extensions: list[tuple[str, str]]
    enums: list[tuple[str, list[str]]]
    domains: list[tuple[str, str, bool, str | None, list[str]]]
    sequences: list[tuple[str, str]]
    views: list[tuple[str, str]]
    unsupported: list[str]
    skipped: list[str]
    collations: list[str] = field(default_factory=list)
    composites: list[str] = field(default_factory=list)
    owned_sequences: list[OwnedSequence] = field(default_factory=list)


def _quote(conn: psycopg.Connection, *parts: str) -> str:
    return ".".join(psycopg.sql.Identifier(p).as_string(conn) for p in parts)


def _tables(conn: psycopg.Connection) -> tuple[dict[int, Table], list[str]]:
    rows = conn.execute(
        f"""SELECT c.oid, n.nspname, c.relname, c.relkind, c.relispartition,
                   EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid OR i.inhparent = c.oid)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND {_USER_SCHEMA} AND {_NOT_EXTENSION.format(oid="c.oid")}
            ORDER BY n.nspname, c.relname"""
    ).fetchall()
    tables, unsupported = {}, []
    for oid, schema, name, kind, is_partition, inherits in rows:
        if kind == "p" or is_partition or inherits:
            unsupported.append(
                f"{table_name(schema, name)}: partitioned or inherited tables are not supported"
            )
            continue
        tables[oid] = Table(oid, schema, name, _quote(conn, schema, name))
    return tables, unsupported


def _columns(conn: psycopg.Connection, tables: dict[int, Table]) -> None:
    carriers = text_carriers(conn)
    rows = conn.execute(
        """SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.atttypid,
                  CASE WHEN t.typtype = 'd' THEN bt.typname ELSE t.typname END,
                  CASE WHEN t.typtype = 'd' THEN bt.typcategory ELSE t.typcategory END,
                  a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated <> '',
                  CASE WHEN a.attcollation <> t.typcollation
                       THEN format('%%I.%%I', cn.nspname, co.collname) END,
                  CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END,
                  COALESCE(co.collisdeterministic, true),
                  COALESCE(to_jsonb(co) ->> 'colllocale', to_jsonb(co) ->> 'colliculocale')
           FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
           LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
           LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
           LEFT JOIN pg_collation co ON co.oid = a.attcollation
           LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
           WHERE a.attrelid = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped
           ORDER BY a.attrelid, a.attnum""",
        (list(tables),),
    ).fetchall()
    for oid, name, type_, typ, base, category, not_null, default, identity, generated, coll, *more in rows:
        typmod, deterministic, icu_locale = more
        length = typmod - 4 if base in ("varchar", "bpchar") and typmod >= 4 else None
        tables[oid].columns.append(
            Column(
                name, type_, base, category, not_null, default, identity, generated, coll, length,
                typ in carriers, key_semantics(base, deterministic, icu_locale),
            )
        )  # fmt: skip


def _constraints(conn: psycopg.Connection, tables: dict[int, Table]) -> list[ForeignKey]:
    rows = conn.execute(
        """SELECT c.conrelid, c.conname, c.contype, pg_get_constraintdef(c.oid), c.confrelid,
                  ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i),
                  ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                        JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i),
                  ARRAY(SELECT format('OPERATOR(%%I.%%s)', n.nspname, o.oprname)
                        FROM unnest(c.conpfeqop) WITH ORDINALITY k(op, i) JOIN pg_operator o ON o.oid = k.op
                        JOIN pg_namespace n ON n.oid = o.oprnamespace ORDER BY k.i),
                  c.convalidated
           FROM pg_constraint c WHERE c.conrelid = ANY(%s) AND c.contype IN ('p', 'u', 'c', 'x', 'f')
           ORDER BY c.conrelid, c.contype DESC, c.conname""",
        (list(tables),),
    ).fetchall()
    fks = []
    for oid, name, kind, definition, parent_oid, cols, parent_cols, operators, validated in rows:
        table = tables[oid]
        table.constraints.append(Constraint(name, kind, definition, tuple(cols or ())))
        if kind == "f" and parent_oid in tables:
            parent = tables[parent_oid].name
            fks.append(
                ForeignKey(
                    name,
                    table.name,
                    tuple(cols),
                    parent,
                    tuple(parent_cols),
                    definition,
                    tuple(operators),
                    validated,
                )
            )
    return fks


def _indexes(conn: psycopg.Connection, tables: dict[int, Table]) -> None:
    rows = conn.execute(
        """SELECT i.indrelid, pg_get_indexdef(i.indexrelid) FROM pg_index i
           WHERE i.indrelid = ANY(%s) AND NOT EXISTS (
               SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
           ORDER BY i.indrelid, i.indexrelid""",
        (list(tables),),
    ).fetchall()
    for oid, definition in rows:
        tables[oid].indexes.append(definition)


def _types(conn: psycopg.Connection) -> tuple[list, list]:
    enums = conn.execute(
        f"""SELECT format_type(t.oid, NULL), array_agg(e.enumlabel ORDER BY e.enumsortorder)
            FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE {_USER_SCHEMA} AND {_NOT_EXTENSION.format(oid="t.oid")} GROUP BY t.oid ORDER BY t.oid"""
    ).fetchall()
    domains = conn.execute(
        f"""SELECT format_type(t.oid, NULL), format_type(t.typbasetype, t.typtypmod), t.typnotnull,
                   t.typdefault, ARRAY(SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c
                                       WHERE c.contypid = t.oid ORDER BY c.conname)
            FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE t.typtype = 'd' AND {_USER_SCHEMA} AND {_NOT_EXTENSION.format(oid="t.oid")}
            ORDER BY t.oid"""
    ).fetchall()
    return [(name, list(labels)) for name, labels in enums], [tuple(d) for d in domains]


def _sequences(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """(qualified name, CREATE SEQUENCE statement) of sequences that are not identity columns'."""
    rows = conn.execute(
        f"""SELECT format('%I.%I', n.nspname, c.relname), format_type(s.seqtypid, NULL), s.seqstart,
                   s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle
            FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE {_USER_SCHEMA} AND {_NOT_EXTENSION.format(oid="c.oid")}
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'i')
            ORDER BY c.oid"""
    ).fetchall()
    return [
        (
            name,
            f"CREATE SEQUENCE {name} AS {type_} START {start} INCREMENT {inc} MINVALUE {lo} "
            f"MAXVALUE {hi} CACHE {cache}{' CYCLE' if cycle else ''}",
        )
        for name, type_, start, inc, lo, hi, cache, cycle in rows
    ]


def read_catalog(conn: psycopg.Connection) -> Catalog:
    """Read the user objects of ``conn``'s database. Sets ``search_path = ''`` on ``conn`` (see module)."""
    conn.execute("SET search_path = ''")
    by_oid, unsupported = _tables(conn)
    _columns(conn, by_oid)
    fks = _constraints(conn, by_oid)
    _indexes(conn, by_oid)
    enums, domains = _types(conn)
    extensions = conn.execute(
        "SELECT quote_ident(e.extname), quote_ident(n.nspname) FROM pg_extension e "
        "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql' ORDER BY e.oid"
    ).fetchall()
    schemas = conn.execute(
        f"SELECT quote_ident(n.nspname) FROM pg_namespace n WHERE {_USER_SCHEMA} "
        f"AND {_NOT_EXTENSION.format(oid='n.oid')} ORDER BY n.oid"
    ).fetchall()
    views = conn.execute(
        f"""SELECT format('%I.%I', n.nspname, c.relname), pg_get_viewdef(c.oid)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'v' AND {_USER_SCHEMA} AND {_NOT_EXTENSION.format(oid="c.oid")}
            ORDER BY c.oid"""
    ).fetchall()
    skipped = [
        f"{name}: materialized view (not copied)"
        for (name,) in conn.execute(
            f"""SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'm' AND {_USER_SCHEMA}"""
        ).fetchall()
    ]
    return Catalog(
        tables={t.name: t for t in by_oid.values()},
        foreign_keys=fks,
        schemas=[s for (s,) in schemas],
        extensions=[(e, s) for e, s in extensions],
        enums=enums,
        domains=domains,
        sequences=_sequences(conn),
        views=[(v, d) for v, d in views],
        unsupported=unsupported,
        skipped=skipped,
        collations=collations(conn),
        composites=composites(conn),
        owned_sequences=owned_sequences(conn),
    )
