"""Sanitizing subjects and groups into STS RoleSessionName, SourceIdentity and session tag values."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from functions.token_broker.names import sts_name, tag_value

ROOT = Path(__file__).resolve().parents[2]
STS_NAME = re.compile(r"[A-Za-z0-9_+=,.@-]{2,64}")
HASHED = re.compile(r".*-[0-9a-f]{12}")


@pytest.mark.parametrize(
    "subject", ["alice@example.com", "00u1abcd2EFGH3ijk4x7", "a=b,c.d+e@f-g_h", "ab", "x" * 64]
)
def test_valid_names_are_kept(subject):
    assert sts_name(subject) == subject


@pytest.mark.parametrize(
    ("subject", "prefix"),
    [
        ("x", "x-"),
        ("", "-"),
        ("jürgen", "j_rgen-"),
        ("用户", "__-"),
        ("auth0|5f7c8ec7c33c6c004bbafe82", "auth0_5f7c8ec7c33c6c004bbafe82-"),
        ("alice smith@example.com", "alice_smith@example.com-"),
        ("aws:reserved", "aws_reserved-"),
        ("\ud800lone surrogate", "_lone_surrogate-"),
    ],
)
def test_invalid_names_are_replaced_and_hashed(subject, prefix):
    name = sts_name(subject)
    assert STS_NAME.fullmatch(name), name
    assert name.startswith(prefix)
    assert HASHED.fullmatch(name)


def test_long_names_are_truncated_to_64_with_a_hash():
    name = sts_name("a" * 100)
    assert len(name) == 64
    assert name == "a" * 51 + "-" + name[-12:]
    assert sts_name("a" * 65) != sts_name("a" * 66) != name


def test_distinct_subjects_stay_distinct():
    subjects = ["a/b", "a:b", "a b", "a_b-x", "ü", "ö", "x" * 70 + "1", "x" * 70 + "2"]
    names = [sts_name(subject) for subject in subjects]
    assert len(set(names)) == len(subjects)


@pytest.mark.parametrize("hash_seed", ["1", "2"])
def test_sanitizing_is_the_same_in_every_process(hash_seed):
    """Each Lambda invocation may run in a fresh interpreter: a name must not depend on the process (as
    Python's salted ``hash()`` would), or one subject would get a different session name per cold start."""
    code = "from functions.token_broker.names import sts_name; print(sts_name('jürgen'), sts_name('x' * 70))"
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONIOENCODING": "utf-8"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == [sts_name("jürgen"), sts_name("x" * 70)]


def test_random_subjects_always_fit():
    rng = random.Random(1234)
    alphabet = "ab@.-_+=,:/|é中 \t\n🙂\x00"
    for _ in range(500):
        subject = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120)))
        name = sts_name(subject)
        assert STS_NAME.fullmatch(name), (subject, name)
        assert not name.lower().startswith("aws:")


@pytest.mark.parametrize(
    "value", ["jürgen.müller@example.com", "用户 42", "group:platform/admins", "", "a" * 256]
)
def test_valid_tag_values_are_kept(value):
    assert tag_value(value) == value


@pytest.mark.parametrize(
    ("value", "expected_prefix"),
    [
        ("alice|bob", "alice_bob-"),
        ("tab\there", "tab_here-"),
        ("emoji🙂", "emoji_-"),
        ("a" * 300, "a" * 243 + "-"),
    ],
)
def test_invalid_tag_values_are_sanitized(value, expected_prefix):
    result = tag_value(value)
    assert result.startswith(expected_prefix)
    assert len(result) <= 256
    assert all(char in "_.:/=+-@" or unicodedata.category(char)[0] in "LZN" for char in result)
