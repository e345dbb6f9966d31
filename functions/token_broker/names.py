"""Fitting caller-controlled strings into the limits of STS AssumeRole parameters.

Limits, from the AWS STS AssumeRole API reference
(https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html) and the Tag data type
(https://docs.aws.amazon.com/STS/latest/APIReference/API_Tag.html):

- ``RoleSessionName``: 2..64 characters matching ``[\\w+=,.@-]*`` (``\\w`` is ASCII here).
- ``SourceIdentity``: 2..64 characters, same pattern; must not start with ``aws:`` (``:`` is
  outside the pattern, so a sanitized value never does).
- Session tags: at most 50; key 1..128 and value 0..256 characters matching
  ``[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*`` (Unicode letters, separators, numbers and ``_.:/=+-@``).

A value that already fits is used unchanged. Otherwise disallowed characters become ``_``, the
result is cut to leave room, and ``-`` plus the first 12 hex digits of the SHA-256 of the original
value are appended, so distinct subjects stay distinct after sanitizing and truncation.
"""

from __future__ import annotations

import hashlib
import string
import unicodedata
from collections.abc import Callable

STS_NAME_MIN = 2
STS_NAME_MAX = 64
TAG_VALUE_MAX = 256
_HASH_CHARS = 12
_STS_NAME_CHARS = frozenset(string.ascii_letters + string.digits + "_+=,.@-")
_TAG_EXTRA_CHARS = frozenset("_.:/=+-@")


def sts_name(value: str) -> str:
    """``value`` as a valid RoleSessionName / SourceIdentity (2..64 chars of ``[A-Za-z0-9_+=,.@-]``)."""
    return _fit(value, _STS_NAME_CHARS.__contains__, STS_NAME_MIN, STS_NAME_MAX)


def tag_value(value: str) -> str:
    """``value`` as a valid session tag value (at most 256 allowed characters)."""
    return _fit(value, _is_tag_char, 0, TAG_VALUE_MAX)


def _is_tag_char(char: str) -> bool:
    return char in _TAG_EXTRA_CHARS or unicodedata.category(char)[0] in "LZN"


def _fit(value: str, allowed: Callable[[str], bool], min_len: int, max_len: int) -> str:
    cleaned = "".join(char if allowed(char) else "_" for char in value)
    if cleaned == value and min_len <= len(value) <= max_len:
        return value
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_CHARS]
    return f"{cleaned[: max_len - _HASH_CHARS - 1]}-{digest}"
