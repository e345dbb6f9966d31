"""PII detectors run over every textual value of the masked database: email, phone, card number, IBAN.

What they match (and so what the assertions can promise):

- ``email``: ``local@domain.tld``, except domains reserved for documentation and testing by RFC 2606
  (``.invalid``, ``.test``, ``.example``, ``.localhost``, ``example.com/.net/.org``): masked emails are
  ``<letters>@example.invalid``.
- ``phone``: international numbers written with ``+`` and 8-15 digits; North American numbers
  ``(212) 555-0147``, ``212-555-0147``, ``212.555.0147``; national numbers starting with one ``0`` and
  10-11 digits (``07700 900123``, ``030 12345678``). Numbers in ranges reserved for fiction are allowed:
  NANP ``555-0100``-``555-0199`` (NANPA) and UK ``07700 900000``-``900999`` (Ofcom drama numbers), which is
  what the ``phone`` fake produces.
- ``card``: 13-19 digits (optionally grouped by spaces or dashes) starting 2-6 (the Visa, Mastercard,
  Amex, Discover, JCB, UnionPay ranges) that pass the Luhn check (ISO/IEC 7812-1).
- ``iban``: a country code, two check digits and 11-30 letters/digits (optionally grouped by spaces) that
  pass the ISO 13616 mod-97 check.

They cannot see: local phone numbers without an area code, names, street addresses, birth dates, free text
that describes a person, and numbers stored in numeric columns. Those are what the rules file classifies.
"""

from __future__ import annotations

import re

_RESERVED_TLDS = (".invalid", ".test", ".example", ".localhost")
_RESERVED_DOMAINS = ("example.com", "example.net", "example.org")

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})")
_PHONES = (
    re.compile(r"(?<![\w+])\+[1-9](?:[\s.()-]{0,2}\d){7,14}(?!\d)"),
    re.compile(r"(?<![\d-])(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\d-])"),
    re.compile(r"(?<![\d+])0[1-9]\d{1,4}[\s/-]?\d{5,8}(?!\d)"),
)
_CARD = re.compile(r"(?<![\d-])[2-6](?:[ -]?\d){12,18}(?![\d-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
_FICTIONAL = (re.compile(r"55501\d\d$"), re.compile(r"^(?:0|44)7700900\d{3}$"))


def _reserved(domain: str) -> bool:
    domain = domain.lower()
    return domain.endswith(_RESERVED_TLDS) or any(
        domain == d or domain.endswith("." + d) for d in _RESERVED_DOMAINS
    )


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check of a digit string."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def iban_valid(text: str) -> bool:
    """The ISO 13616 mod-97 check of an IBAN (spaces ignored)."""
    compact = text.replace(" ", "")
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def _fictional(number: str) -> bool:
    digits = re.sub(r"\D", "", number)
    return any(p.search(digits) for p in _FICTIONAL)


def detect(text: str) -> list[str]:
    """Names of the detectors that match ``text`` (``email``, ``phone``, ``card``, ``iban``), in that
    order, each at most once; ``[]`` when none does."""
    found = []
    digits = _SEVEN_DIGITS.search(text) is not None
    if "@" in text and any(not _reserved(m.group(1)) for m in _EMAIL.finditer(text)):
        found.append("email")
    if digits and any(not _fictional(m.group(0)) for p in _PHONES for m in p.finditer(text)):
        found.append("phone")
    if digits and any(luhn_valid(re.sub(r"\D", "", m.group(0))) for m in _CARD.finditer(text)):
        found.append("card")
    if any(iban_valid(m.group(0)) for m in _IBAN.finditer(text)):
        found.append("iban")
    return found


#: A PostgreSQL regular expression (ARE) that every value a detector can match also matches: an ``@`` not
#: followed by ``example.invalid`` (the masked-email domain), seven digits with gaps of at most three
#: characters (every phone and card pattern), or an IBAN's country code and check digits. The scan
#: sends only such values to Python.
SQL_PREFILTER = r"@(?!example\.invalid([^A-Za-z0-9.-]|$))|[0-9]([^0-9]{0,3}[0-9]){6}|[A-Z]{2}[0-9]{2}"
_SEVEN_DIGITS = re.compile(r"\d(?:\D{0,3}\d){6}")
