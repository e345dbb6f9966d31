"""Session settings shared by the engine's connections."""

from __future__ import annotations

import psycopg


def session_settings(conn: psycopg.Connection) -> None:
    """Settings that make COPY text output unambiguous for masking: ISO dates, UTC, UTF-8, exact floats,
    fully-qualified names (``search_path = ''``)."""
    for setting in (
        "SET DateStyle = 'ISO, YMD'",
        "SET IntervalStyle = 'postgres'",
        "SET TimeZone = 'UTC'",
        "SET client_encoding = 'UTF8'",
        "SET extra_float_digits = 3",
        "SET search_path = ''",
    ):
        conn.execute(setting)
