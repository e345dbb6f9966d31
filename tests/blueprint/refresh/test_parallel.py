"""The fast paths of the load keep its output: worker processes write what one process writes, blocks of
lines mask as lines do, the date-shift cache shifts as ``shift_date`` does, and fake pools do not depend on
which kinds were used first."""

from __future__ import annotations

import os
from datetime import date, timedelta

import psycopg
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from blueprint.devtools.sample_data import create_sample
from blueprint.refresh import parallel
from blueprint.refresh.catalog import Column
from blueprint.refresh.engine import mask_database
from blueprint.refresh.errors import RefreshError
from blueprint.refresh.fakes import FakeValues
from blueprint.refresh.masking import (
    NULL,
    TableMasking,
    block_masker,
    column_masker,
    keyed,
    shift_date,
    table_masker,
)
from blueprint.refresh.parallel import BLOCK_ROWS, MaskingWorkers
from blueprint.refresh.rules import DateShift, Fake, HmacEmail, Rules
from tests.blueprint.refresh.conftest import TEST_KEY

TEXT = Column("c", "text", "text", "S", False, None, "", False, None, None)
DATE = Column("d", "date", "date", "D", False, None, "", False, None, None)


def _dump(dsn: str) -> dict[str, list[tuple]]:
    """Every table's rows in physical order (the order the load wrote them)."""
    with psycopg.connect(dsn) as conn:
        tables = [t for (t,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return {t: conn.execute(f"SELECT x::text FROM public.{t} x ORDER BY ctid").fetchall() for t in tables}


def test_worker_processes_write_exactly_what_one_process_writes(dbs, rules):
    create_sample(dbs.source, customers=5000)
    data = rules.model_dump(by_alias=True)
    data["subset"]["roots"] = [{"table": "public.customers", "fraction": 1.0}]
    every_row = Rules.model_validate(data)
    second = dbs.new()
    mask_database(dbs.source, dbs.target, every_row, TEST_KEY, workers=1)
    mask_database(dbs.source, second, every_row, TEST_KEY, workers=3)
    one, three = _dump(dbs.target), _dump(second)
    assert one == three
    # Every masked table spans several blocks, so the order of blocks from three workers is exercised.
    assert min(len(one[t]) for t in ("customers", "addresses", "orders")) > 2 * BLOCK_ROWS


def test_workers_mask_blocks_in_order_across_many_blocks():
    number = Column("n", "integer", "int4", "N", False, None, "", False, None, None)
    plan = TableMasking("public.t", (number, TEXT), (None, HmacEmail(strategy="hmacEmail")), (0,))
    mask = table_masker(TEST_KEY, plan, FakeValues(TEST_KEY))
    blocks = [b"".join(b"%d\tuser%d@web.de\n" % (i, i) for i in range(b, b + 50)) for b in range(0, 5000, 50)]
    written: list[bytes] = []
    with MaskingWorkers(TEST_KEY, [plan], 2) as workers:
        assert workers.workers == 2
        workers.relay("public.t", iter(blocks), written.append)
        workers.relay("public.other", iter(blocks[:2]), written.append)  # no plan: passes through
    assert written[:-2] == [mask(b) for b in blocks]
    assert written[-2:] == blocks[:2]
    assert written[7].startswith(b"350\t") and b"@example.invalid\n" in written[7]


def test_a_block_masks_each_line_and_an_escaped_newline_stays_in_its_row():
    masker = column_masker(
        TEST_KEY,
        Fake(strategy="fake", kind="city"),
        TEXT,
        table="t",
        key_fields=[],
        fakes=FakeValues(TEST_KEY),
    )
    block = b"1\tline one\\nline two\tkept\n2\t\\N\tkept\n3\tx\\ty\tkept\n"
    masked = block_masker([None, masker, None])(block)
    rows = [r.split(b"\t") for r in masked[:-1].split(b"\n")]
    assert [r[0] for r in rows] == [b"1", b"2", b"3"]
    assert [r[2] for r in rows] == [b"kept"] * 3
    assert rows[1][1] == NULL
    assert rows[0][1] == masker(b"line one\\nline two", [])


@settings(max_examples=300, deadline=None)
@example(day=date(9999, 12, 31), time_part=b"", pk=1, max_days=400)  # past date.max (pk 1 shifts forward)
@example(day=date(1, 1, 2), time_part=b" 10:11:12", pk=4, max_days=400)  # before date.min (pk 4 shifts back)
@given(
    day=st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
    time_part=st.sampled_from([b"", b" 10:11:12", b" 23:59:59.5+02", b" 00:00:00 BC"]),
    pk=st.integers(0, 10**9),
    max_days=st.integers(1, 400),
)
def test_the_cached_date_shift_equals_shifting_each_value(day, time_part, pk, max_days):
    field = day.isoformat().encode() + time_part
    shift = column_masker(
        TEST_KEY, DateShift(strategy="dateShift", maxDays=max_days), DATE, table="t", key_fields=[0],
        fakes=FakeValues(TEST_KEY),
    )  # fmt: skip
    row = [str(pk).encode(), field]
    raw = keyed(TEST_KEY, b"shift\x00t.d\x00")(row[0])
    days = 1 + int.from_bytes(raw[:4], "big") % max_days
    expected = field if field.endswith(b" BC") else shift_date(field, -days if raw[4] & 1 else days)
    assert shift(field, row) == shift(field, row) == expected  # the second call is served from the cache
    if not field.endswith(b" BC"):
        moved = date.fromisoformat(expected[:10].decode())
        assert abs((moved - day).days) == days or (moved - day) in (
            timedelta(days=-days),
            timedelta(days=days),
        )


def test_special_dates_pass_through_the_cache():
    shift = column_masker(
        TEST_KEY, DateShift(strategy="dateShift", maxDays=30), DATE, table="t", key_fields=[],
        fakes=FakeValues(TEST_KEY),
    )  # fmt: skip
    for field in (b"infinity", b"-infinity", b"10000-01-01", NULL):
        assert shift(field, [field]) == field


def test_fake_pools_do_not_depend_on_which_kinds_were_drawn_first():
    one, other = FakeValues(TEST_KEY), FakeValues(TEST_KEY)
    digest = bytes(range(32))
    one.maker("company")
    one.maker("sentence")
    for kind in ("name", "street", "city", "postcode", "address", "company", "sentence"):
        assert one.value(kind, digest) == other.value(kind, digest)
    assert FakeValues(TEST_KEY).could_produce("city", other.value("city", digest))
    assert FakeValues(b"another-key-" + b"x" * 32).first != other.first


def _die(table: str, block: bytes) -> bytes:
    os._exit(3)  # a worker killed mid-load (out of memory, a signal); pickled by name, run in the worker


def test_a_worker_that_dies_fails_the_load_with_one_clear_line(monkeypatch):
    plan = TableMasking("public.t", (TEXT,), (HmacEmail(strategy="hmacEmail"),), ())
    monkeypatch.setattr(parallel, "_mask_block", _die)
    with pytest.raises(RefreshError) as failed, MaskingWorkers(TEST_KEY, [plan], 2) as workers:
        workers.relay("public.t", iter([b"anna@web.de\n"] * 8), lambda _block: None)
    assert failed.value.step == "mask"
    assert failed.value.reasons[0].startswith("public.t: a masking worker process died")
