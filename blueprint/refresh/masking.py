"""Masking of rows in PostgreSQL's COPY text format, as they stream from the source to the target.

Rows are masked in flight, never in the target: the target never holds an original value, not even in
a dead tuple, the WAL or a rolled-back load. A row is the COPY text line of the table's columns (fields
separated by tab, ``\\N`` for NULL, backslash escapes; PostgreSQL docs, "COPY", "Text Format"). Fields of
``keep`` columns pass through as bytes, untouched; only masked fields are decoded and re-encoded, which is
what makes the engine fast.

Keys: every keyed function is an HMAC (RFC 2104; ``keyed``) of a purpose label and the value
under the per-refresh key. The label of ``hmac`` and ``hmacEmail`` does not include the column, so equal
values in different columns (a key and the foreign key that references it) mask to equal values. Values
that the column's own equality treats as equal hash equally too: a ``citext`` column is read as
``lower()`` (by the source database), a case- or accent-insensitive collation's values are case-folded
(and unaccented) first (``pgtypes.key_semantics``), so ``Anna@Web.de`` and ``anna@web.de`` still join.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from blueprint.refresh.catalog import Column
from blueprint.refresh.fakes import FakeValues
from blueprint.refresh.pgtypes import normaliser
from blueprint.refresh.rules import DateShift, Fake, Fixed, Hmac, HmacEmail, Keep, Null

#: The shortest refresh key accepted (bytes): HMAC-SHA-256 keys shorter than the hash add no strength.
MIN_KEY_BYTES = 32

#: ``bytes.translate`` table mapping every byte to a lowercase letter (``b % 26``).
_LETTERS = bytes(ord("a") + b % 26 for b in range(256))
_ESCAPES = {b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}
_ESCAPE_RE = re.compile(rb"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|(.))", re.S)
_DATE = re.compile(rb"(\d{4})-(\d\d)-(\d\d)")
NULL = b"\\N"

#: Distinct values whose masked form one column masker remembers (``memoised``).
CACHE_ENTRIES = 200_000

#: A masker maps a field (COPY text bytes) and its whole row to the masked field.
Masker = Callable[[bytes, Sequence[bytes]], bytes]


def _unescape(match: re.Match[bytes]) -> bytes:
    octal, hexa, char = match.groups()
    if octal:
        return bytes([int(octal, 8) & 0xFF])
    if hexa:
        return bytes([int(hexa, 16)])
    return _ESCAPES.get(char, char)


def decode(field: bytes) -> bytes | None:
    """A COPY text field as the value's UTF-8 bytes; None for NULL."""
    if field == NULL:
        return None
    return _ESCAPE_RE.sub(_unescape, field) if b"\\" in field else field


def encode(value: bytes | None) -> bytes:
    """UTF-8 bytes (or None) as a COPY text field."""
    if value is None:
        return NULL
    if b"\\" in value or b"\t" in value or b"\n" in value or b"\r" in value:
        value = value.replace(b"\\", b"\\\\").replace(b"\t", b"\\t").replace(b"\n", b"\\n")
        value = value.replace(b"\r", b"\\r")
    return value


def check_key(key: bytes) -> bytes:
    """Return ``key`` if it is long enough; ``ValueError`` otherwise (the engine never runs unkeyed)."""
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the refresh key must be at least {MIN_KEY_BYTES} bytes; got {len(key)}")
    return key


def keyed(key: bytes, label: bytes, algo: str = "sha256") -> Callable[[bytes], bytes]:
    """``value -> hmac.digest(key, label + value, algo)``, with the key's inner and outer hash states and
    the label computed once (RFC 2104, section 2: ``H(K ^ opad, H(K ^ ipad, text))``, a key longer than the
    hash's block first hashed), so each value costs two hash-state copies instead of re-keying."""
    block = hashlib.new(algo).block_size
    if len(key) > block:
        key = hashlib.new(algo, key).digest()
    padded = key.ljust(block, b"\x00")
    inner = hashlib.new(algo, bytes(b ^ 0x36 for b in padded) + label)
    outer = hashlib.new(algo, bytes(b ^ 0x5C for b in padded))

    def digest(value: bytes) -> bytes:
        i, o = inner.copy(), outer.copy()
        i.update(value)
        o.update(i.digest())
        return o.digest()

    return digest


def memoised(
    fn: Callable[[bytes], bytes], unchanged: tuple[bytes, ...] = (NULL,), limit: int = CACHE_ENTRIES
) -> Masker:
    """A masker applying ``fn`` to each field, with results kept for up to ``limit`` distinct fields
    (emptied when full): a value repeated down a column (an email in every order of its customer) is
    hashed once. Fields in ``unchanged`` (NULL) pass through without calling ``fn``: they sit in the same
    cache mapped to themselves, so every field costs one dictionary look-up."""
    seeds = {value: value for value in unchanged}
    cache = dict(seeds)

    def cached(field: bytes, _row: Sequence[bytes] = ()) -> bytes:
        found = cache.get(field)
        if found is None:
            if len(cache) >= limit:
                cache.clear()
                cache.update(seeds)
            found = cache[field] = fn(field)
        return found

    return cached


def _hmac_masker(key: bytes, rule: Hmac | HmacEmail, column: Column) -> Masker:
    digest = keyed(key, b"hmac\x00")
    if column.base_type == "uuid":
        return memoised(lambda field: str(uuid.UUID(bytes=digest(field)[:16], version=4)).encode())
    if column.base_type == "int8":
        return memoised(lambda field: str(int.from_bytes(digest(field)[:8], "big") & (2**63 - 1)).encode())
    length = rule.length
    text_digest = keyed(key, b"hmac\x00", "sha256" if length <= 32 else "sha512")
    suffix = b"@example.invalid" if isinstance(rule, HmacEmail) else b""
    normalise = normaliser(column.key_semantics)

    def text(field: bytes) -> bytes:
        value = decode(field) or b""  # never NULL: passed through before
        if normalise:
            value = normalise(value)
        return text_digest(value)[:length].translate(_LETTERS) + suffix

    return memoised(text)


def _fake_masker(key: bytes, rule: Fake, fakes: FakeValues) -> Masker:
    digest = keyed(key, b"fake\x00" + rule.kind.encode() + b"\x00")
    make = fakes.maker(rule.kind)

    def one(field: bytes) -> bytes:
        return encode(make(digest(decode(field) or b"")).encode())

    return memoised(one, unchanged=(NULL, b""))


def shift_date(field: bytes, days: int) -> bytes:
    """Move the ISO date at the start of a date/timestamp field by ``days`` (the other way if that
    leaves the calendar); ``infinity`` and BC values are returned unchanged."""
    match = _DATE.match(field)
    if match is None or field.endswith(b" BC"):
        return field
    day = date(int(match[1]), int(match[2]), int(match[3]))
    try:
        moved = day + timedelta(days=days)
    except OverflowError:
        moved = day - timedelta(days=days)
    return moved.isoformat().encode() + field[10:]


def _date_masker(key: bytes, rule: DateShift, label: bytes, key_fields: Sequence[int]) -> Masker:
    span = rule.max_days
    digest = keyed(key, label)
    # Dates repeat down a column (birth dates, order days) but (date, shift) pairs hardly do, so the
    # parse and the formatting are cached apart: date part -> ordinal (0: not a date ``shift_date``
    # moves), ordinal -> ISO bytes. Shifting through ``datetime`` costs about 4 µs a value.
    ordinals: dict[bytes, int] = {}
    iso: dict[int, bytes] = {}

    def shift(field: bytes, row: Sequence[bytes]) -> bytes:
        if field == NULL or field.endswith(b" BC"):
            return field
        day = ordinals.get(field[:10])
        if day is None:
            if len(ordinals) >= CACHE_ENTRIES:
                ordinals.clear()
            day = ordinals[field[:10]] = _ordinal(field[:10])
        if not day:
            return field
        basis = b"\x1f".join([row[i] for i in key_fields]) if key_fields else field
        raw = digest(basis)
        days = 1 + int.from_bytes(raw[:4], "big") % span
        moved = day - days if raw[4] & 1 else day + days
        if not 0 < moved <= _MAX_ORDINAL:
            moved = 2 * day - moved  # the other way, as ``shift_date`` does on overflow
        found = iso.get(moved)
        if found is None:
            if len(iso) >= CACHE_ENTRIES:
                iso.clear()
            found = iso[moved] = date.fromordinal(moved).isoformat().encode()
        return found + field[10:]

    return shift


_MAX_ORDINAL = date.max.toordinal()


def _ordinal(prefix: bytes) -> int:
    """The proleptic Gregorian ordinal of the ISO date ``prefix`` starts with; 0 when ``shift_date`` would
    leave the field as it is (``infinity``, five-digit years)."""
    match = _DATE.match(prefix)
    return date(int(match[1]), int(match[2]), int(match[3])).toordinal() if match else 0


def column_masker(
    key: bytes, rule: object, column: Column, *, table: str, key_fields: Sequence[int], fakes: FakeValues
) -> Masker | None:
    """The masker of one column, or None for ``keep`` (the field passes through).

    ``key_fields`` are the positions of the table's primary-key columns in the row (the date shift of a
    row is keyed by them, so two people born the same day shift differently).
    """
    if isinstance(rule, Keep):
        return None
    if isinstance(rule, Null):
        return lambda _f, _r: NULL
    if isinstance(rule, Fixed):
        constant = encode(rule.value.encode())
        return lambda _f, _r: constant
    if isinstance(rule, Hmac | HmacEmail):
        return _hmac_masker(key, rule, column)
    if isinstance(rule, Fake):
        return _fake_masker(key, rule, fakes)
    if isinstance(rule, DateShift):
        return _date_masker(key, rule, f"shift\x00{table}.{column.name}\x00".encode(), key_fields)
    raise TypeError(f"unknown strategy {rule!r}")


def row_masker(maskers: Sequence[Masker | None]) -> Callable[[bytes], bytes]:
    """A function masking one COPY text line *without* its newline, given one masker per column."""
    active = [(i, m) for i, m in enumerate(maskers) if m is not None]
    if not active:
        return bytes
    positions = [i for i, _ in active]

    def mask(line: bytes) -> bytes:
        fields = line.split(b"\t")
        # Every masker sees the original row (the date shift reads the key), so assign only afterwards.
        masked = [masker(fields[i], fields) for i, masker in active]
        for i, value in zip(positions, masked, strict=True):
            fields[i] = value
        return b"\t".join(fields)

    return mask


def block_masker(maskers: Sequence[Masker | None]) -> Callable[[bytes], bytes]:
    """A function masking a block of whole COPY text lines (each ending in a newline: a newline inside a
    value is escaped as ``\\n``, so it never splits a row), given one masker per column."""
    row = row_masker(maskers)
    if row is bytes:
        return bytes

    def mask(block: bytes) -> bytes:
        if not block:
            return block
        return b"\n".join(map(row, block[:-1].split(b"\n"))) + b"\n"

    return mask


@dataclass(frozen=True)
class TableMasking:
    """How one table's COPY lines are masked, in a form that can be sent to a worker process (pickled):
    ``table`` (``schema.table``), per column in COPY order its ``Column`` and its strategy (None: the
    field passes through, as for ``keep`` and for ``null``/``fixed``, which the source's SELECT writes),
    and the positions of the primary-key columns (``key_fields``, what keys a row's date shift)."""

    table: str
    columns: tuple[Column, ...]
    strategies: tuple[object | None, ...]
    key_fields: tuple[int, ...]


def table_masker(key: bytes, plan: TableMasking, fakes: FakeValues) -> Callable[[bytes], bytes]:
    """The block masker (``block_masker``) of ``plan``'s table under ``key``."""
    maskers = [
        None
        if rule is None
        else column_masker(key, rule, column, table=plan.table, key_fields=plan.key_fields, fakes=fakes)
        for column, rule in zip(plan.columns, plan.strategies, strict=True)
    ]
    return block_masker(maskers)
