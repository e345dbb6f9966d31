"""A generated "production" database with PII-like data, for the tests and the benchmark.

Schema (``public``): ``countries`` (lookup), ``customers`` (email, name, phone, birth date, IBAN, notes
with contact details in free text; ``referred_by`` references another customer: a self-reference;
``last_order_id`` references ``orders``: a cycle), ``addresses``, ``products``, ``orders`` (references the
customer by id AND by email: a foreign key on a masked key, so masked joins are tested; a card number),
``order_items`` (composite primary key), a view, an enum type and indexes. Orders are skewed: customer
``i`` gets about ``orders_per_customer * 1/(i mod 50 + 1)`` orders, so a few customers have many.

The data comes from a seeded generator (not Faker's realistic values, so it is fast enough for a million
rows): emails at real-looking domains, German names, +49 phone numbers, Luhn-valid card numbers and
mod-97-valid IBANs, so every detector has something to find if masking fails. ``rules_file()`` is the
rules file that classifies this schema (``data/masking-rules.example.yaml`` in the repository).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg

#: The example rules file that classifies the generated schema.
RULES_FILE = Path(__file__).resolve().parents[2] / "data" / "masking-rules.example.yaml"

SCHEMA = """
CREATE TYPE public.order_status AS ENUM ('new', 'paid', 'shipped', 'returned');
CREATE TABLE public.countries (code char(2) PRIMARY KEY, name text NOT NULL);
CREATE TABLE public.customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE,
    full_name text NOT NULL,
    phone text,
    birth_date date,
    iban text,
    notes text,
    country_code char(2) NOT NULL REFERENCES public.countries,
    referred_by bigint REFERENCES public.customers (id),
    last_order_id bigint,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE public.addresses (
    id serial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES public.customers,
    line1 text NOT NULL,
    city text NOT NULL,
    postcode varchar(10)
);
CREATE TABLE public.products (sku text PRIMARY KEY, title text NOT NULL, price_cents integer NOT NULL);
CREATE TABLE public.orders (
    id bigserial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES public.customers,
    customer_email text NOT NULL REFERENCES public.customers (email),
    status public.order_status NOT NULL DEFAULT 'new',
    total_cents integer NOT NULL CHECK (total_cents >= 0),
    card_number text,
    placed_at timestamptz NOT NULL
);
ALTER TABLE public.customers ADD CONSTRAINT customers_last_order_fk
    FOREIGN KEY (last_order_id) REFERENCES public.orders (id);
CREATE TABLE public.order_items (
    order_id bigint NOT NULL REFERENCES public.orders,
    line integer NOT NULL,
    sku text NOT NULL REFERENCES public.products,
    quantity integer NOT NULL,
    PRIMARY KEY (order_id, line)
);
CREATE INDEX orders_placed_at ON public.orders (placed_at);
CREATE VIEW public.paid_orders AS
    SELECT id, customer_id, total_cents FROM public.orders WHERE status = 'paid';
"""

_FIRST = ("Anna", "Jonas", "Lea", "Lukas", "Mia", "Finn", "Emilia", "Paul", "Hannah", "Elias", "Lina", "Noah")
_LAST = (
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Koch",
)
_DOMAINS = ("gmail.com", "web.de", "gmx.net", "posteo.de", "outlook.com")
_COUNTRIES = (
    ("DE", "Germany"),
    ("AT", "Austria"),
    ("CH", "Switzerland"),
    ("FR", "France"),
    ("NL", "Netherlands"),
)


def luhn_card(rng: random.Random) -> str:
    """A 16-digit Visa-like number (starts with 4) with a valid Luhn check digit."""
    body = [4] + [rng.randrange(10) for _ in range(14)]
    total = sum(d if i % 2 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(reversed(body)))
    return "".join(map(str, body)) + str((10 - total % 10) % 10)


def german_iban(rng: random.Random) -> str:
    """A DE IBAN (22 characters) with valid ISO 13616 check digits."""
    bban = "".join(str(rng.randrange(10)) for _ in range(18))
    check = 98 - int(bban + "131400") % 97  # D=13, E=14, then "00"
    return f"DE{check:02d}{bban}"


def _customer(i: int, rng: random.Random) -> tuple[object, ...]:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    email = f"{first.lower()}.{last.lower()}{i}@{rng.choice(_DOMAINS)}"
    phone = f"+49 30 {rng.randrange(10**7, 10**8)}"
    notes = f"call {phone} or write to {email}" if i % 7 == 0 else None
    referred = rng.randrange(1, i) if i > 1 and i % 3 == 0 else None
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(20000))
    created = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(2_000_000))
    country = _COUNTRIES[i % len(_COUNTRIES)][0]
    return (email, f"{first} {last}", phone, born, german_iban(rng), notes, country, referred, created)


def create_sample(
    dsn: str, customers: int = 500, orders_per_customer: int = 4, seed: int = 7
) -> dict[str, int]:
    """Create the schema and data in the (empty) database at ``dsn``; returns rows per table."""
    rng = random.Random(seed)
    counts: dict[str, int] = {}
    with psycopg.connect(dsn) as conn:
        conn.execute(SCHEMA)
        with conn.cursor().copy("COPY public.countries FROM STDIN") as copy:
            for country in _COUNTRIES:
                copy.write_row(country)
        emails = _copy_customers(conn, customers, rng)
        _copy_rows(
            conn,
            "addresses (customer_id, line1, city, postcode)",
            (
                (i, f"{rng.randrange(1, 200)} Hauptstraße", "Berlin", f"{rng.randrange(10**5):05d}")
                for i in range(1, customers + 1)
            ),
        )
        _copy_rows(
            conn,
            "products (sku, title, price_cents)",
            ((f"SKU-{n:05d}", f"Product {n}", 100 + n) for n in range(200)),
        )
        order_rows = [
            (
                i,
                emails[i - 1],
                rng.choice(("new", "paid", "shipped")),
                rng.randrange(100, 50000),
                luhn_card(rng),
                datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(500_000)),
            )
            for i in range(1, customers + 1)
            for _ in range(
                max(1, orders_per_customer * 4 // (i % 50 + 1)) if i % 10 == 0 else orders_per_customer // 2
            )
        ]
        _copy_rows(
            conn,
            "orders (customer_id, customer_email, status, total_cents, card_number, placed_at)",
            order_rows,
        )
        _copy_rows(
            conn,
            "order_items (order_id, line, sku, quantity)",
            ((o, 1, f"SKU-{o % 200:05d}", 1 + o % 3) for o in range(1, len(order_rows) + 1)),
        )
        conn.execute(
            "UPDATE public.customers c SET last_order_id = o.id FROM (SELECT customer_id, max(id) id "
            "FROM public.orders GROUP BY customer_id) o WHERE o.customer_id = c.id AND c.id % 5 = 0"
        )
        for table in ("countries", "customers", "addresses", "products", "orders", "order_items"):
            row = conn.execute(f"SELECT count(*) FROM public.{table}").fetchone()
            counts[f"public.{table}"] = int(row[0]) if row else 0
    return counts


def _copy_customers(conn: psycopg.Connection, customers: int, rng: random.Random) -> list[str]:
    emails = []
    cols = "email, full_name, phone, birth_date, iban, notes, country_code, referred_by, created_at"
    with conn.cursor().copy(f"COPY public.customers ({cols}) FROM STDIN") as copy:
        for i in range(1, customers + 1):
            row = _customer(i, rng)
            emails.append(str(row[0]))
            copy.write_row(row)
    return emails


def _copy_rows(conn: psycopg.Connection, target: str, rows: object) -> None:
    with conn.cursor().copy(f"COPY public.{target} FROM STDIN") as copy:
        for row in rows:  # type: ignore[attr-defined]
            copy.write_row(row)
