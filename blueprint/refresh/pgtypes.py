"""What PostgreSQL types mean for masking: which can hold characters, and how keys compare.

- ``text_carriers``: the types whose values can hold characters (and so personal data), nested ones
  included, which the detector assertion scans.
- ``key_semantics``: how equality of a column's values differs from byte equality: ``citext`` compares
  ``lower()`` of both sides (PostgreSQL docs, "citext"); a non-deterministic ICU collation of strength
  ``level1``/``primary`` ignores case and accents, ``level2``/``secondary`` case only (PostgreSQL docs,
  "Nondeterministic Collations"; ICU collation settings ``ks``/``colStrength``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import psycopg

#: Type categories whose values never hold characters (pg_type.typcategory: numeric, boolean, date/time,
#: timespan, geometric, network address, bit string, enum; PostgreSQL docs, "pg_type"), and base types of
#: category U (user-defined) that do not either. Every other type is scanned (unknown ones included).
_NO_TEXT_CATEGORIES = frozenset("NBDTGIVE")
_NO_TEXT_TYPES = frozenset({"uuid", "pg_lsn", "txid_snapshot", "pg_snapshot", "tid", "xid", "xid8", "cid"})


def text_carriers(conn: psycopg.Connection) -> set[int]:
    """Oids of the types whose values can hold characters, nested ones included: string types, JSON,
    XML, ``bytea``, extension types (``hstore``, ``citext``), and domains, arrays, ranges and composite
    types over any of them."""
    types = {
        oid: (kind, cat, name, elem, base, rel, sub)
        for oid, kind, cat, name, elem, base, rel, sub in conn.execute(
            """SELECT t.oid, t.typtype, t.typcategory, t.typname, t.typelem, t.typbasetype, t.typrelid,
                      COALESCE(r.rngsubtype, mr.rngsubtype, 0)
               FROM pg_type t LEFT JOIN pg_range r ON r.rngtypid = t.oid
               LEFT JOIN pg_range mr ON mr.rngmultitypid = t.oid"""
        ).fetchall()
    }
    attrs: dict[int, list[int]] = {}
    for rel, typ in conn.execute(
        "SELECT a.attrelid, a.atttypid FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "WHERE c.relkind = 'c' AND a.attnum > 0 AND NOT a.attisdropped"
    ).fetchall():
        attrs.setdefault(rel, []).append(typ)
    memo: dict[int, bool] = {}

    def carries(oid: int) -> bool:
        if oid not in memo:
            memo[oid] = False  # a type that contains itself adds nothing
            kind, cat, name, elem, base, rel, sub = types.get(oid, ("b", "X", "", 0, 0, 0, 0))
            if kind == "d":
                memo[oid] = carries(base)
            elif kind == "c":
                memo[oid] = any(carries(t) for t in attrs.get(rel, []))
            elif kind in "rm":
                memo[oid] = carries(sub)
            elif cat == "A" and elem:
                memo[oid] = carries(elem)
            else:
                memo[oid] = cat not in _NO_TEXT_CATEGORIES and name not in _NO_TEXT_TYPES
        return memo[oid]

    return {oid for oid in types if carries(oid)}


#: Key semantics (``key_semantics``) -> the normalisation that makes byte equality match the column's
#: equality, applied before ``hmac``/``hmacEmail`` so masked keys join as the originals did.
CASEFOLD = "casefold"
CASEFOLD_UNACCENT = "casefold-unaccent"
LOWER = "lower"
_STRENGTH = re.compile(r"(?:-ks-|colStrength=)(level[12]|primary|secondary)\b")


def key_semantics(base_type: str, deterministic: bool, icu_locale: str | None) -> str | None:
    """How ``=`` on a column differs from byte equality: ``LOWER`` (``citext``: done by the source
    database itself, so its ``lower()`` rules apply), ``CASEFOLD`` (ICU strength ``level2``/
    ``secondary``), ``CASEFOLD_UNACCENT`` (``level1``/``primary``), ``None`` (byte equality), or
    ``"unsupported"`` for other non-deterministic collations (``check_rules`` refuses hashing those)."""
    if base_type == "citext":
        return LOWER
    if deterministic:
        return None
    found = _STRENGTH.search(icu_locale or "")
    if found is None:
        return "unsupported"
    return CASEFOLD if found.group(1) in ("level2", "secondary") else CASEFOLD_UNACCENT


def _unaccent(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def normaliser(semantics: str | None) -> Callable[[bytes], bytes] | None:
    """The Python normalisation of UTF-8 bytes for ``semantics`` (None when the source database does it,
    ``LOWER``, or nothing is needed)."""
    if semantics == CASEFOLD:
        return lambda v: unicodedata.normalize("NFC", v.decode().casefold()).encode()
    if semantics == CASEFOLD_UNACCENT:
        return lambda v: _unaccent(v.decode()).casefold().encode()
    return None


_USER = (
    "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp)' "
    "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = {oid} AND d.deptype = 'e')"
)


def collations(conn: psycopg.Connection) -> list[str]:
    """``CREATE COLLATION`` statements of the user's collations (ICU, libc, builtin), schema-qualified.
    Fields are read through ``to_jsonb`` so the same query works on PostgreSQL 15 (``colliculocale``)
    and 17+ (``colllocale``)."""
    rows = conn.execute(
        f"""SELECT format('%I.%I', n.nspname, c.collname), c.collprovider, c.collisdeterministic,
                   COALESCE(to_jsonb(c) ->> 'colllocale', to_jsonb(c) ->> 'colliculocale'),
                   c.collcollate, c.collctype
            FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace
            WHERE {_USER.format(oid="c.oid")} ORDER BY c.oid"""
    ).fetchall()
    statements = []
    for name, provider, deterministic, locale, collate, ctype in rows:
        if provider == "c":
            options = f"provider = libc, lc_collate = {_lit(collate)}, lc_ctype = {_lit(ctype)}"
        else:
            options = f"provider = {'icu' if provider == 'i' else 'builtin'}, locale = {_lit(locale or '')}"
        statements.append(
            f"CREATE COLLATION {name} ({options}, deterministic = {'true' if deterministic else 'false'})"
        )
    return statements


def composites(conn: psycopg.Connection) -> list[str]:
    """``CREATE TYPE ... AS (...)`` statements of the user's composite types (not tables' row types),
    attributes with their collations, in creation order."""
    rows = conn.execute(
        f"""SELECT format('%I.%I', n.nspname, t.typname),
                   string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod))
                              || CASE WHEN a.attcollation <> at.typcollation
                                      THEN ' COLLATE ' || format('%I.%I', cn.nspname, co.collname)
                                      ELSE '' END, ', ' ORDER BY a.attnum)
            FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
            JOIN pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            JOIN pg_type at ON at.oid = a.atttypid
            LEFT JOIN pg_collation co ON co.oid = a.attcollation
            LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
            WHERE t.typtype = 'c' AND {_USER.format(oid="t.oid")} GROUP BY t.oid, n.nspname, t.typname
            ORDER BY t.oid"""
    ).fetchall()
    return [f"CREATE TYPE {name} AS ({attrs})" for name, attrs in rows]


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
