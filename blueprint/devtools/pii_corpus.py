"""The detector corpus: PII as people write it, generated with Faker across European and American locales.

``python -m blueprint.devtools.pii_corpus`` (re)writes ``tests/blueprint/refresh/data/pii_corpus.json``,
which is committed so the recall test reads a fixed set (a Faker upgrade does not move the figure
silently). Every entry is ``{"locale", "kind", "text", "valid"}``: ``kind`` is the detector that must fire
(``email``, ``phone``, ``card``, ``iban``) or ``none`` for text that must not match (dates, order numbers,
amounts, addresses, timestamps); ``valid`` is false where Faker wrote a number that is not real by its own
standard (a phone outside the country's numbering plan, an IBAN of the wrong length): recall is reported
on all entries and asserted on the valid ones. Values sit in the free text around them as
they do in notes columns: a card with its expiry and CVV, an IBAN with its BIC, a phone after a label.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import phonenumbers
from faker import Faker
from stdnum import luhn
from stdnum.iban import is_valid as iban_check

#: Locales of the corpus (Faker locale names): the European and American countries the detector targets.
LOCALES = (
    "de_DE", "de_AT", "de_CH", "en_GB", "en_IE", "en_US", "en_CA", "fr_FR", "es_ES", "it_IT", "nl_NL",
    "pl_PL", "pt_PT", "sv_SE", "da_DK", "fi_FI", "cs_CZ", "es_MX", "pt_BR", "es_AR",
)  # fmt: skip
#: Entries per locale and kind.
PER_KIND = 25
CORPUS_FILE = Path(__file__).resolve().parents[2] / "tests/blueprint/refresh/data/pii_corpus.json"

_PHONE = ("Tel.: {}", "call {} after 6pm", "{}", "Rückruf unter {} erbeten", "mobile: {} (private)")
_IDN_TLDS = ("de", "at", "ch", "fr", "es", "pl", "se", "dk", "com")


def _grouped(value: str, size: int = 4, sep: str = " ") -> str:
    compact = value.replace(" ", "")
    return sep.join(compact[i : i + size] for i in range(0, len(compact), size))


def _phone_valid(number: str, locale: str) -> bool:
    try:
        return bool(phonenumbers.is_valid_number(phonenumbers.parse(number, locale[-2:])))
    except phonenumbers.NumberParseException:
        return False


def _entries(fake: Faker, locale: str, i: int) -> list[tuple[str, str, bool]]:
    """(kind, text, valid): ``valid`` says whether the embedded value is real by its own standard
    (libphonenumber for the locale's country, Luhn, ISO 13616); Faker writes some that are not."""
    card, iban, phone = fake.credit_card_number(), fake.iban(), fake.phone_number()
    name = f"{fake.first_name()}.{fake.last_name()}".lower().replace(" ", "")
    domain = f"{fake.last_name().lower().replace(' ', '-')}-{fake.word().lower()}.{_IDN_TLDS[i % 9]}"
    return [
        ("phone", _PHONE[i % len(_PHONE)].format(phone), _phone_valid(phone, locale)),
        ("email", f"write to {fake.free_email()}" if i % 2 else f"{name}@{domain}", True),
        (
            "card",
            f"Karte {_grouped(card, sep=' -'[i % 2]) if i % 3 else card} gültig bis "
            f"{fake.credit_card_expire()} CVV {fake.credit_card_security_code()}",
            bool(luhn.is_valid(card)) and card[0] != "0",
        ),
        ("iban", f"IBAN {_grouped(iban) if i % 2 else iban} BIC {fake.swift()}", bool(iban_check(iban))),
        ("none", f"Order {fake.date()}-{fake.random_int(1, 999999):06d}, {fake.pricetag()}", True),
        ("none", f"{fake.address()}".replace("\n", ", "), True),
        ("none", f"{fake.iso8601()} {fake.sentence()}", True),
    ]


def generate(seed: int = 20261206) -> list[dict[str, object]]:
    """The corpus (``PER_KIND`` entries per kind and locale), deterministic for ``seed``."""
    corpus: list[dict[str, object]] = []
    for locale in LOCALES:
        fake = Faker(locale)
        fake.seed_instance(seed)
        for i in range(PER_KIND):
            corpus += [
                {"locale": locale, "kind": k, "text": t, "valid": v} for k, t, v in _entries(fake, locale, i)
            ]
    return corpus


def main() -> int:
    """Write ``CORPUS_FILE``; returns 0."""
    CORPUS_FILE.parent.mkdir(parents=True, exist_ok=True)
    CORPUS_FILE.write_text(json.dumps(generate(), ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {CORPUS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
