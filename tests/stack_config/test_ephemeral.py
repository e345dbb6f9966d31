"""``staging-blueprint:ephemeral``: legal only on ``pr-<n>`` stacks; every problem names its key path."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from stack_config import ConfigError, StackContext, load_stack_config
from stack_config.ephemeral import ephemeral_problems

BASE = {"tags": {"owner": "team-a", "cost-center": "cc-1"}}
SOON = "2026-12-08T00:00:00Z"
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def load(stack: str, **section):
    raw = {**BASE, "ephemeral": section} if section else dict(BASE)
    return load_stack_config(raw, (), StackContext(stack, "eu-west-1"))


def problems(stack: str, **section) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(stack, **section)
    return [p.render() for p in info.value.problems]


def test_a_slice_gets_the_documented_defaults():
    cfg = load("pr-123", pullRequest=123, expiresAt="2026-01-01T00:00:00Z")
    section = cfg.ephemeral
    assert section is not None
    assert (section.baseline, section.ttl_hours, section.parts.database) == ("staging", 72, None)
    assert cfg.environment == "pr-123"
    assert section.expiry_tag() == "2026-01-01T00:00:00Z"


def test_ephemeral_on_a_full_stack_is_refused():
    [line] = problems("staging", pullRequest=1, expiresAt=SOON)
    assert line.startswith("staging-blueprint:ephemeral: is only legal on a stack named pr-<number>")


@pytest.mark.parametrize("stack", ["pr-7", "pr-1234567"])
def test_a_pr_stack_without_the_section_is_refused(stack):
    [line] = problems(stack)
    assert line.startswith(f"staging-blueprint:ephemeral: is required on stack '{stack}'")


@pytest.mark.parametrize("stack", ["pr-0", "pr-01", "pr-x", "prod-1", "pr-12-a"])
def test_only_exact_pr_stack_names_are_slices(stack):
    assert list(ephemeral_problems(None, stack, stack)) == []


@pytest.mark.parametrize(
    ("section", "path", "fragment"),
    [
        ({"pullRequest": 8, "expiresAt": SOON}, "ephemeral.pullRequest", "must be 7, the stack's PR number"),
        ({"pullRequest": 0, "expiresAt": SOON}, "ephemeral.pullRequest", "greater than or equal to 1"),
        (
            {"pullRequest": 10_000_000, "expiresAt": SOON},
            "ephemeral.pullRequest",
            "less than or equal to 9999999",
        ),
        (
            {"pullRequest": 7, "expiresAt": SOON, "ttlHours": 169},
            "ephemeral.ttlHours",
            "less than or equal to 168",
        ),
        (
            {"pullRequest": 7, "expiresAt": SOON, "ttlHours": 0},
            "ephemeral.ttlHours",
            "greater than or equal to 1",
        ),
        ({"pullRequest": 7, "expiresAt": "2026-12-08T00:00:00"}, "ephemeral.expiresAt", "must be a UTC time"),
        (
            {"pullRequest": 7, "expiresAt": "2026-12-08T01:00:00+01:00"},
            "ephemeral.expiresAt",
            "must be a UTC time",
        ),
        ({"pullRequest": 7}, "ephemeral.expiresAt", "is required"),
        (
            {"pullRequest": 7, "expiresAt": SOON, "baseline": "pr-3"},
            "ephemeral.baseline",
            "not another slice",
        ),
        (
            {"pullRequest": 7, "expiresAt": SOON, "baseline": "Staging"},
            "ephemeral.baseline",
            "must be a stack name",
        ),
        ({"pullRequest": 7, "expiresAt": SOON, "ttl": 3}, "ephemeral.ttl", "unknown key"),
        (
            {"pullRequest": 7, "expiresAt": SOON, "parts": {"routes": [{"service": "Web", "port": 80}]}},
            "ephemeral.parts.routes[0].service",
            "should match pattern",
        ),
        (
            {"pullRequest": 7, "expiresAt": SOON, "parts": {"routes": [{"service": "web", "port": 0}]}},
            "ephemeral.parts.routes[0].port",
            "greater than or equal to 1",
        ),
        (
            {"pullRequest": 7, "expiresAt": SOON, "parts": {"seedFrom": "orders_seed"}},
            "ephemeral.parts.seedFrom",
            "needs ephemeral.parts.database",
        ),
        (
            {"pullRequest": 7, "expiresAt": SOON, "parts": {"database": "orders", "seedFrom": "Orders-Seed"}},
            "ephemeral.parts.seedFrom",
            "should match pattern",
        ),
        (
            {"pullRequest": 7, "expiresAt": SOON, "parts": {"database": "orders", "seedFrom": "x" * 64}},
            "ephemeral.parts.seedFrom",
            "should match pattern",
        ),
        (
            {"pullRequest": 7, "expiresAt": SOON, "parts": {"database": "orders", "seedFrom": "template1"}},
            "ephemeral.parts.seedFrom",
            "not a system or slice database",
        ),
        (
            {"pullRequest": 7, "expiresAt": SOON, "parts": {"database": "orders", "seedFrom": "pr_8"}},
            "ephemeral.parts.seedFrom",
            "not a system or slice database",
        ),
    ],
)
def test_bad_section_names_the_key_path(section, path, fragment):
    lines = problems("pr-7", **section)
    assert any(line.startswith(f"staging-blueprint:{path}: ") and fragment in line for line in lines), lines


def test_a_seed_with_its_database_is_accepted():
    cfg = load("pr-7", pullRequest=7, expiresAt=SOON, parts={"database": "orders", "seedFrom": "orders_seed"})
    assert cfg.ephemeral is not None
    assert (cfg.ephemeral.parts.database, cfg.ephemeral.parts.seed_from) == ("orders", "orders_seed")


def test_expiry_beyond_the_time_to_live_is_refused():
    cfg = load_stack_config({**BASE, "ephemeral": {"pullRequest": 7, "expiresAt": "2026-12-09T12:00:00Z"}})
    assert list(ephemeral_problems(cfg.ephemeral, "pr-7", "pr-7", NOW)) == []  # exactly 72 h ahead
    late = load_stack_config({**BASE, "ephemeral": {"pullRequest": 7, "expiresAt": "2026-12-09T13:00:00Z"}})
    [problem] = ephemeral_problems(late.ephemeral, "pr-7", "pr-7", NOW)
    assert problem.render().startswith("staging-blueprint:ephemeral.expiresAt: is more than ttlHours (72 h)")


def test_a_slice_environment_other_than_its_stack_is_refused():
    raw = {**BASE, "environment": "staging", "ephemeral": {"pullRequest": 7, "expiresAt": SOON}}
    with pytest.raises(ConfigError) as info:
        load_stack_config(raw, (), StackContext("pr-7", "eu-west-1"))
    lines = [p.render() for p in info.value.problems]
    assert lines == [
        "staging-blueprint:environment: must be the slice's stack name 'pr-7' (or unset) (got 'staging')"
    ]
