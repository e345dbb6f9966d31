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


class _Pool:
    """A ``FakeValues`` attribute reading the pool of one Faker provider method (drawn on first use)."""

    def __init__(self, provider: str) -> None:
        self.provider = provider

    def __get__(self, owner: FakeValues, kind: type | None = None) -> list[str]:
        return owner._pool_of(self.provider)


class FakeValues:
    """Fakes for one refresh. ``value(kind, digest)`` picks from the pools with the 32-byte ``digest``.

    A pool is drawn the first time a kind needs it, from its own Faker instance seeded with the key and
    the pool's name, so it is the same whichever pools a rules file uses, in whatever order (a refresh
    that fakes only names does not pay for street, company and word pools: 0.1-0.25 s each).

    Args:
        key: the refresh key (seeds the pools).
        locale: a Faker locale (default ``en_US``).
    """

    def __init__(self, key: bytes, locale: str = "en_US") -> None:
        self._key = key
        self._locale = locale
        self._pools: dict[str, list[str]] = {}
        self._sets: dict[str, frozenset[str]] = {}
        self._makers = self._build_makers()

    def _pool_of(self, provider: str) -> list[str]:
        """The pool of Faker's ``provider`` method (``first_name``, ``street_name``...), drawn once."""
        pool = self._pools.get(provider)
        if pool is None:
            # Uniform draws: Faker's weighted ones rebuild a cumulative distribution per draw (about
            # 30 µs: 0.6 s for the name, street and city pools, 0.035 s uniform), and the pool holds more
            # of the locale's distinct names (684 first and 955 last names in en_US instead of 532/798).
            faker = Faker(self._locale, use_weighting=False)
            seed = hmac.digest(self._key, b"faker-pools\x00" + provider.encode(), "sha256")
            faker.seed_instance(int.from_bytes(seed[:8], "big"))
            pool = self._pools[provider] = _pool(getattr(faker, provider), POOL_SIZE)
        return pool

    def _set_of(self, provider: str) -> frozenset[str]:
        found = self._sets.get(provider)
        if found is None:
            found = self._sets[provider] = frozenset(self._pool_of(provider))
        return found

    first = _Pool("first_name")
    last = _Pool("last_name")
    streets = _Pool("street_name")
    cities = _Pool("city")
    companies = _Pool("company")
    words = _Pool("word")

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
        """``value`` for one ``kind`` (looked up once per column; draws the pools the kind uses, so the
        maker itself never does); ``KeyError`` for an unknown kind."""
        make = self._makers[kind]
        make(bytes(32))
        return make

    def _sentence(self, d: bytes) -> str:
        count = 5 + d[28] % 8
        words = [self.words[(d[i % 32] * 7 + i * 131) % len(self.words)] for i in range(count)]
        return " ".join(words).capitalize() + "."

    def _phone(self, d: bytes) -> str:
        area = 201 + int.from_bytes(d[0:2], "big") % 780
        return f"+1 {area}-555-01{d[2] % 100:02d}"

    def _build_makers(self) -> dict[str, Callable[[bytes], str]]:
        # Each maker reads its pools at call time (drawn on first use); ``maker`` draws them up front.
        first = lambda d: self._pick(self.first, d, 0)  # noqa: E731
        last = lambda d: self._pick(self.last, d, 4)  # noqa: E731
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
        pools = {"firstName": "first_name", "lastName": "last_name", "city": "city", "company": "company"}
        if kind in pools:
            return text in self._set_of(pools[kind])
        if kind == "name":
            first, _, last = text.partition(" ")
            return first in self._set_of("first_name") and last in self._set_of("last_name")
        if kind == "phone":
            return re.fullmatch(r"\+1 \d{3}-555-01\d\d", text) is not None
        if kind == "postcode":
            return re.fullmatch(r"\d{5}", text) is not None
        if kind == "street":
            number, _, street = text.partition(" ")
            return number.isdigit() and street in self._set_of("street_name")
        return False
