"""Fake values of a kind (names, phones, addresses...), chosen by a keyed digest of the original value.

Faker builds pools of words once per refresh (first names, last names, street names, cities,
companies, words), seeded from the refresh key, so the pools differ between refreshes but are the same for
every row of one refresh. Each value is then picked by the HMAC of the original: equal originals get equal
fakes within a refresh (joins on faked columns still match), and nothing of the original is carried over.
Picking from pools is what makes this fast (one HMAC and a few list look-ups per value, instead of
re-seeding Faker per row).

Phones are always in ranges reserved for fiction (NANP ``555-0100``-``0199``), so the phone detector
accepts them; postcodes are five digits; addresses are ``<number> <street>, <city> <postcode>``. No pool
entry holds a digit, ``@`` or ``&``, so no fake has seven digits in a row outside a fictional phone
number, an email address or a character reference: no PII detector can match one, which is why the scan
does not read faked columns (``assertions.engine_written``).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable

from faker import Faker

#: Distinct entries per pool (fewer when the locale has fewer).
POOL_SIZE = 1000


#: Characters no pool entry holds, so no fake can reach a PII detector (``assertions.engine_written``):
#: digits (phones, cards, IBANs need seven or more), ``@`` (emails) and ``&`` (character references).
_UNSAFE = re.compile(r"[0-9@&]")


def _pool(fn: Callable[[], str], size: int) -> list[str]:
    """Up to ``size`` distinct values of ``fn`` (at most ``3 * size`` draws), none with an ``_UNSAFE``
    character."""
    values: dict[str, None] = {}
    for _ in range(size * 3):
        value = fn()
        if not _UNSAFE.search(value):
            values[value] = None
            if len(values) == size:
                break
    return list(values)


class FakeValues:
    """Fakes for one refresh. ``value(kind, digest)`` picks from the pools with the 32-byte ``digest``.

    Args:
        key: the refresh key (seeds the pools).
        locale: a Faker locale (default ``en_US``).
    """

    def __init__(self, key: bytes, locale: str = "en_US") -> None:
        faker = Faker(locale)
        faker.seed_instance(int.from_bytes(hmac.digest(key, b"faker-pools", "sha256")[:8], "big"))
        self.first = _pool(faker.first_name, POOL_SIZE)
        self.last = _pool(faker.last_name, POOL_SIZE)
        self.streets = _pool(faker.street_name, POOL_SIZE)
        self.cities = _pool(faker.city, POOL_SIZE)
        self.companies = _pool(faker.company, POOL_SIZE)
        self.words = _pool(faker.word, POOL_SIZE)
        self._sets = {
            "firstName": set(self.first),
            "lastName": set(self.last),
            "city": set(self.cities),
            "company": set(self.companies),
        }
        self._makers = self._build_makers()

    @staticmethod
    def _pick(pool: list[str], digest: bytes, at: int) -> str:
        return pool[int.from_bytes(digest[at : at + 4], "big") % len(pool)]

    def _street(self, d: bytes) -> str:
        return f"{1 + int.from_bytes(d[8:10], 'big') % 9999} {self._pick(self.streets, d, 12)}"

    def _postcode(self, d: bytes) -> str:
        return f"{int.from_bytes(d[16:20], 'big') % 100000:05d}"

    def value(self, kind: str, d: bytes) -> str:
        """A fake of ``kind`` (``blueprint.refresh.rules.FAKE_KINDS``) from a 32-byte digest ``d``;
        ``KeyError`` for an unknown kind."""
        return self._makers[kind](d)

    def maker(self, kind: str) -> Callable[[bytes], str]:
        """``value`` for one ``kind`` (looked up once per column); ``KeyError`` for an unknown kind."""
        return self._makers[kind]

    def _sentence(self, d: bytes) -> str:
        count = 5 + d[28] % 8
        words = [self.words[(d[i % 32] * 7 + i * 131) % len(self.words)] for i in range(count)]
        return " ".join(words).capitalize() + "."

    def _phone(self, d: bytes) -> str:
        area = 201 + int.from_bytes(d[0:2], "big") % 780
        return f"+1 {area}-555-01{d[2] % 100:02d}"

    def _build_makers(self) -> dict[str, Callable[[bytes], str]]:
        first, last = (lambda d: self._pick(self.first, d, 0)), (lambda d: self._pick(self.last, d, 4))
        city = lambda d: self._pick(self.cities, d, 20)  # noqa: E731
        return {
            "firstName": first,
            "lastName": last,
            "name": lambda d: f"{first(d)} {last(d)}",
            "phone": self._phone,
            "street": self._street,
            "city": city,
            "postcode": self._postcode,
            "address": lambda d: f"{self._street(d)}, {city(d)} {self._postcode(d)}",
            "company": lambda d: self._pick(self.companies, d, 24),
            "sentence": self._sentence,
        }

    def could_produce(self, kind: str, text: str) -> bool:
        """Whether ``value(kind, ...)`` can return ``text`` (an original equal to a possible fake is
        indistinguishable from one, so the original-value assertion does not count it)."""
        if kind in self._sets:
            return text in self._sets[kind]
        if kind == "name":
            first, _, last = text.partition(" ")
            return first in self._sets["firstName"] and last in self._sets["lastName"]
        if kind == "phone":
            return re.fullmatch(r"\+1 \d{3}-555-01\d\d", text) is not None
        if kind == "postcode":
            return re.fullmatch(r"\d{5}", text) is not None
        if kind == "street":
            number, _, street = text.partition(" ")
            return number.isdigit() and street in self.streets
        return False
