"""PII detectors run over every value that can carry characters in the masked database.

Four detectors, each built on a maintained library where one exists:

- ``email``: ``local@domain`` with Unicode letters allowed on both sides (internationalised domains such
  as ``müller-bau.de`` and their ``xn--`` form), except domains reserved for documentation and testing by
  RFC 2606 (``.invalid``, ``.test``, ``.example``, ``.localhost``, ``example.com/.net/.org``): masked
  emails are ``<letters>@example.invalid``.
- ``phone``: Google's libphonenumber (the ``phonenumbers`` package). ``PhoneNumberMatcher`` with leniency
  ``VALID`` finds numbers as people write them (``+49 (0)30 123 45 67``, ``0044 20 7946 0958``,
  ``(212) 555-0147``, ``06 12 34 56 78``, ``030/1234567``) and skips dates and timestamps. International
  numbers (``+`` or ``00``) are recognised whatever the country; national numbers are tried against the
  numbering plans of ``NATIONAL_REGIONS`` (European and American countries) with leniency
  ``STRICT_GROUPING`` (digit groups as that country writes them, so ``2024-000123`` is no phone). Only
  numbers of at least 7 digits count, and a bare run of fewer than 10 digits without ``+`` or a leading
  ``0`` does not (an order number or a date as often as a phone). Numbers in ranges reserved for fiction
  are allowed: NANP ``555-0100``-``555-0199`` (NANPA) and UK ``07700 900000``-``900999`` (Ofcom drama
  numbers), which is what the ``phone`` fake produces.
- ``card``: 13-19 digits starting 2-6 (Visa, Mastercard, Amex, Discover, JCB, UnionPay, Maestro), 12-digit
  Maestro and 15-digit JCB ``1800``/``2131`` numbers that pass the Luhn check (ISO/IEC 7812-1,
  ``stdnum.luhn``), written whole or in groups separated by spaces or dashes, also when other numbers
  follow (an expiry date, a CVV).
- ``iban``: an ISO 13616 IBAN valid for its country's length and format and mod-97 check
  (``stdnum.iban``), compact or grouped by spaces, upper or lower case, also when a BIC follows.

They cannot see: local phone numbers without an area code, numbers written in words or non-ASCII digits,
names, street addresses, birth dates, free text that describes a person, and numbers stored in numeric
columns. Those are what the rules file classifies.
"""

from __future__ import annotations

import re
from functools import lru_cache

from phonenumbers import Leniency, PhoneNumberMatcher
from stdnum import iban as stdnum_iban
from stdnum import luhn

_RESERVED_TLDS = (".invalid", ".test", ".example", ".localhost")
_RESERVED_DOMAINS = ("example.com", "example.net", "example.org")

#: Regions whose national formats the phone detector knows (numbers written with ``+``/``00`` are found
#: whatever their country). Tried in this order; a value matches at the first region that finds a number.
NATIONAL_REGIONS = (
    "DE", "US", "GB", "FR", "ES", "IT", "NL", "BE", "AT", "CH", "PL", "PT", "IE", "SE", "DK", "NO", "FI",
    "CZ", "HU", "GR", "RO", "MX", "BR", "AR", "CO", "CL",
)  # fmt: skip
#: Fewest digits a phone match must have (shorter numbers are local numbers or codes).
MIN_PHONE_DIGITS = 7

_EMAIL = re.compile(
    r"[\w.!#$%&'*+/=?^`{|}~-]+@((?:[^\W_](?:[\w-]*[^\W_])?\.)+(?:[^\W\d_]{2,}|xn--[a-z0-9-]+))"
)
_DIGIT_RUN = re.compile(r"\d(?:[ -]?\d)+")
_IBAN_START = re.compile(r"(?<![A-Z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,32}")
_INTERNATIONAL = re.compile(r"(?:\+|\b00)\s?\(?[1-9]")
_FICTIONAL_TEXT = re.compile(
    r"(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?555[\s.-]?01\d\d(?!\d)|(?:\+44\s?|\b0)7700\s?900\s?\d{3}(?!\d)"
)
_FICTIONAL = (re.compile(r"55501\d\d$"), re.compile(r"^(?:0|44)7700900\d{3}$"))
#: Dates and times as ISO 8601 and PostgreSQL write them: never a card or phone number.
_DATE_TIME = re.compile(
    r"\b\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d(?::?\d\d)?)?)?"
    r"|\b\d\d:\d\d:\d\d(?:\.\d+)?"
)
#: ... and postcodes with a dash: US/MX ZIP+4 ``12345-6789``, Portugal ``1234-567``, Poland ``12-345``.
_NOT_PHONE = re.compile(_DATE_TIME.pattern + r"|\b(?:\d{5}-\d{4}|\d{4}-\d{3}|\d\d-\d{3})(?![\s-]?\d)")
_MAESTRO = {"50", *(str(p) for p in range(56, 70))}
_SEVEN_DIGITS = re.compile(r"\d(?:\D{0,4}\d){6}")


def _reserved(domain: str) -> bool:
    domain = domain.lower()
    return domain.endswith(_RESERVED_TLDS) or any(
        domain == d or domain.endswith("." + d) for d in _RESERVED_DOMAINS
    )


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check of a digit string (``stdnum.luhn``)."""
    return bool(luhn.is_valid(digits))


def iban_valid(text: str) -> bool:
    """Whether ``text`` is a valid IBAN for its country (length, format, mod-97; ``stdnum.iban``)."""
    return bool(stdnum_iban.is_valid(text))


def _fictional(number: str) -> bool:
    digits = re.sub(r"\D", "", number)
    return any(p.search(digits) for p in _FICTIONAL)


def _has_email(text: str) -> bool:
    return "@" in text and any(not _reserved(m.group(1)) for m in _EMAIL.finditer(text))


def _counts(raw: str) -> bool:
    """A match counts with 7+ digits, outside the fictional ranges, and not as a bare run of digits
    of fewer than 10 digits without ``+`` or a leading ``0`` (``20240312`` is an order number or a date as
    often as a phone)."""
    digits = sum(ch.isdigit() for ch in raw)
    if digits < MIN_PHONE_DIGITS or _fictional(raw):
        return False
    return not (raw.isdigit() and raw[0] != "0" and digits < 10)


def _real_numbers(text: str, region: str, leniency: int) -> bool:
    return any(_counts(m.raw_string) for m in PhoneNumberMatcher(text, region, leniency=leniency))


def _has_phone(text: str) -> bool:
    # Fictional numbers (what the phone fake writes) are cut out first: most masked values stop here.
    # So are dates, times and postcodes (the matcher takes them for numbers).
    rest = _NOT_PHONE.sub(" ", _FICTIONAL_TEXT.sub(" ", text))
    if rest != text and not _SEVEN_DIGITS.search(rest):
        return False
    if _INTERNATIONAL.search(rest) and _real_numbers(rest, "DE", Leniency.VALID):
        return True
    return any(_real_numbers(rest, region, Leniency.STRICT_GROUPING) for region in NATIONAL_REGIONS)


def _card_like(digits: str) -> bool:
    """Length and issuer prefix of a payment card: 13-19 digits starting 2-6 (Visa, Mastercard, Amex,
    Discover, JCB, UnionPay, Maestro), 12-digit Maestro (``50``, ``56``-``69``), 15-digit JCB ``1800``/
    ``2131``."""
    n = len(digits)
    if 13 <= n <= 19 and digits[0] in "23456":
        return True
    return (n == 12 and digits[:2] in _MAESTRO) or (n == 15 and digits[:4] in ("1800", "2131"))


def _has_card(text: str) -> bool:
    for run in _DIGIT_RUN.finditer(_DATE_TIME.sub(" ", text)):
        groups = re.split(r"[ -]", run.group(0))
        for start in range(len(groups)):
            digits = ""
            for group in groups[start:]:
                digits += group
                if len(digits) > 19:
                    break
                if _card_like(digits) and luhn_valid(digits):
                    return True
    return False


def _has_iban(text: str) -> bool:
    for match in _IBAN_START.finditer(text.upper()):
        compact = match.group(0).replace(" ", "")
        if any(iban_valid(compact[:n]) for n in range(15, len(compact) + 1)):
            return True
    return False


@lru_cache(maxsize=65536)
def detect(text: str) -> tuple[str, ...]:
    """Names of the detectors that match ``text`` (``email``, ``phone``, ``card``, ``iban``), in that
    order, each at most once; ``()`` when none does. Results are cached per value (64k values)."""
    found: list[str] = []
    if _has_email(text):
        found.append("email")
    digits = _SEVEN_DIGITS.search(text) is not None
    if digits and _has_phone(text):
        found.append("phone")
    if digits and _has_card(text):
        found.append("card")
    if digits and _has_iban(text):
        found.append("iban")
    return tuple(found)


#: A PostgreSQL regular expression (ARE) that every value a detector can match also matches: an ``@`` not
#: followed by ``example.invalid`` (the masked-email domain), or seven digits with gaps of at most four
#: characters (every phone, card and IBAN), or a character reference (``&#64;`` in XML). The scan sends
#: only such values to Python.
SQL_PREFILTER = r"@(?!example\.invalid([^[:alnum:].-]|$))|[0-9]([^0-9]{0,4}[0-9]){6}|&#"

#: PostgreSQL regular expression of the fictional numbers the ``phone`` fake writes (NANP ``555-01xx``
#: and Ofcom ``07700 900xxx`` in their usual spellings), cut out before ``SQL_PREFILTER`` so masked phones
#: never reach Python. Python's ``detect`` allows them too (``_FICTIONAL_TEXT``).
SQL_FICTIONAL = (
    r"(\+?1[ .-]?)?\(?[0-9]{3}\)?[ .-]?555[ .-]?01[0-9]{2}([^0-9]|$)|(\+44 ?|0)7700 ?900 ?[0-9]{3}([^0-9]|$)"
)
