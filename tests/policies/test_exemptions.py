"""Exemptions through the pack: suppression, expiry, horizon, malformed entries, patterns that match
everything, matching by name and URN.

The session's pack runs with ``STAGING_GUARDRAILS_TODAY`` = ``conftest.TODAY`` (2026-06-15), so the
default 90-day horizon ends on 2026-09-13.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from blueprint.policy import PolicyPackSession
from blueprint.policy.config import load_exemptions_module
from tests.pack_session import TODAY, findings
from tests.policies.stack import PROJECT, STACK, Stack, baseline, urn

RULE = "rds-deletion-protection"
DB_URN = urn("aws:rds/instance:Instance", "db")
REASON = "restored nightly from a sanitized snapshot"


def exemption(resource: str | None = "db", **fields: Any) -> dict[str, Any]:
    entry = {"resource": resource, "reason": REASON, "owner": "data-team", "expires": "2026-08-31", **fields}
    return {k: v for k, v in entry.items() if v is not None}


def config(*entries: dict[str, Any], rule: str = RULE) -> dict[str, Any]:
    return {rule: {"exemptions": list(entries)}}


def unprotected() -> Stack:
    stack = baseline()
    stack.set("db", deletionProtection=False)
    return stack


@pytest.mark.parametrize(
    "pattern",
    ["db", DB_URN, "urn:pulumi:*::aws:rds/instance:Instance::d?", "d[a-c]"],
    ids=["name", "urn", "urn-glob", "name-glob"],
)
def test_active_exemption_suppresses_the_violation(analyze: Any, pattern: str) -> None:
    report = analyze(unprotected(), config(exemption(pattern)))
    assert findings(report) == set()
    assert [(e.policy, e.resource, e.status) for e in report.exemptions] == [(RULE, pattern, "active")]


def test_exemption_for_another_resource_suppresses_nothing(analyze: Any) -> None:
    report = analyze(unprotected(), config(exemption("db-other")))
    assert [v.detail for v in report.violations] == [
        "deletionProtection is not true: one destroy deletes the database."
    ]


def test_exemption_still_applies_on_its_expiry_day(analyze: Any) -> None:
    assert findings(analyze(unprotected(), config(exemption(expires="2026-06-15")))) == set()


def _details(report: Any) -> list[tuple[str, str]]:
    return sorted((v.urn.rsplit("::", 1)[-1], v.detail) for v in report.violations)


def test_expired_exemption_is_itself_a_violation(analyze: Any) -> None:
    report = analyze(unprotected(), config(exemption(expires="2026-06-14")))
    assert _details(report) == [
        ("db", "deletionProtection is not true: one destroy deletes the database."),
        ("db", "exemption #0 (resource 'db', owner 'data-team') is not honoured: expired on 2026-06-14."),
    ]
    assert {v.enforcement_level for v in report.violations} == {"mandatory"}
    assert report.exemptions[0].status == "expired"


def test_expired_exemption_is_reported_even_when_the_resource_complies(analyze: Any) -> None:
    report = analyze(baseline(), config(exemption(expires="2025-01-01")))
    assert _details(report) == [
        ("db", "exemption #0 (resource 'db', owner 'data-team') is not honoured: expired on 2025-01-01."),
    ]


@pytest.mark.parametrize(
    ("entry", "problems"),
    [
        (exemption(reason="tmp"), "'reason' must be at least 10 characters (got 3)"),
        (
            exemption(reason=None, owner=None),
            "'reason' must be at least 10 characters (got 0); 'owner' is missing",
        ),
        (exemption(expires="31/12/2026"), "'expires' '31/12/2026' is not a YYYY-MM-DD date"),
        (exemption(expires=None), "'expires' is missing (YYYY-MM-DD)"),
    ],
    ids=["short-reason", "no-reason-no-owner", "bad-date", "no-expiry"],
)
def test_invalid_exemption_suppresses_nothing_and_is_reported(
    analyze: Any, entry: dict[str, Any], problems: str
) -> None:
    report = analyze(unprotected(), config(entry))
    assert findings(report) == {(RULE, "db")}
    assert len(report.violations) == 2
    assert any(v.detail.endswith(f"is not honoured: {problems}.") for v in report.violations)
    assert report.exemptions[0].status == "invalid"


def test_exemption_without_pattern_is_reported_on_every_resource_the_rule_checks(analyze: Any) -> None:
    report = analyze(baseline(), config(exemption(resource=None)))
    assert findings(report) == {(RULE, "db"), (RULE, "aurora")}
    assert all("'resource' pattern is missing" in v.detail for v in report.violations)


def test_stack_rule_exemption_suppresses_and_expired_one_is_reported_once(analyze: Any) -> None:
    stack = baseline()
    stack.remove("flow-log")
    active = config(exemption("vpc"), rule="vpc-flow-logs-enabled")
    assert findings(analyze(stack, active)) == set()
    expired = config(exemption("vpc", expires="2026-01-31"), rule="vpc-flow-logs-enabled")
    report = analyze(stack, expired)
    assert findings(report) == {("vpc-flow-logs-enabled", "vpc"), ("vpc-flow-logs-enabled", "<stack>")}
    assert len(report.violations) == 2


def test_exemption_problems_take_the_rules_level(analyze: Any) -> None:
    # pulumi-policy has one level per policy: an advisory rule reports its broken exemptions as advisory.
    report = analyze(baseline(), config(exemption("secret", expires="2020-01-01"), rule="required-tags"))
    assert [(v.policy_name, v.enforcement_level) for v in report.violations] == [
        ("required-tags", "advisory")
    ]


def test_report_lists_every_exemption_with_its_status(analyze: Any) -> None:
    entries = [exemption(), exemption("aurora", expires="2026-01-01"), exemption("x", owner="")]
    report = analyze(baseline(), config(*entries))
    assert [(e.index, e.resource, e.status) for e in report.exemptions] == [
        (0, "db", "active"),
        (1, "aurora", "expired"),
        (2, "x", "invalid"),
    ]
    assert report.exemptions[2].as_dict()["problems"] == ["'owner' is missing"]


def test_exemption_may_expire_on_the_last_day_of_the_horizon(analyze: Any) -> None:
    report = analyze(unprotected(), config(exemption(expires="2026-09-13")))  # TODAY + 90 days
    assert findings(report) == set()
    assert report.exemptions[0].status == "active"


def test_exemption_beyond_the_horizon_waives_nothing_and_is_reported(analyze: Any) -> None:
    report = analyze(unprotected(), config(exemption(expires="2026-09-14")))
    assert _details(report) == [
        ("db", "deletionProtection is not true: one destroy deletes the database."),
        (
            "db",
            "exemption #0 (resource 'db', owner 'data-team') is not honoured: 'expires' 2026-09-14 is more "
            "than 90 days ahead (latest 2026-09-13; STAGING_GUARDRAILS_MAX_WAIVER_DAYS or --max-waiver-days "
            "sets the maximum).",
        ),
    ]
    assert report.exemptions[0].status == "invalid"


def test_horizon_is_configurable_for_the_pack_through_its_environment() -> None:
    env = {"STAGING_GUARDRAILS_TODAY": TODAY, "STAGING_GUARDRAILS_MAX_WAIVER_DAYS": "365"}
    with PolicyPackSession(project=PROJECT, stack=STACK, env=env) as pack:
        report = pack.run(unprotected().graph(), config(exemption(expires="2027-06-15")))
        assert findings(report) == set()
        assert [e.status for e in report.exemptions] == ["active"]  # the report reads the same env
        beyond = pack.run(unprotected().graph(), config(exemption(expires="2027-06-16")))
        assert findings(beyond) == {(RULE, "db")}
        assert [e.status for e in beyond.exemptions] == ["invalid"]


@pytest.mark.parametrize(
    "pattern",
    # "*-*" covers every URN of project staging-blueprint; "[!x]*" every URN (they start with "u").
    ["*", "?*", "urn:*", "*::*", "*:*", f"urn:pulumi:{STACK}::{PROJECT}::*", "[!x]*", "*-*"],
)
def test_exemption_matching_every_resource_is_invalid(analyze: Any, pattern: str) -> None:
    report = analyze(unprotected(), config(exemption(pattern)))
    problem = f"'resource' {pattern!r} matches every resource; name the resources it waives"
    assert findings(report) == {(RULE, "db"), (RULE, "aurora")}  # reported on everything it covers
    assert any(v.detail.endswith(f"is not honoured: {problem}.") for v in report.violations)
    assert report.exemptions[0].status == "invalid"
    assert report.exemptions[0].problems == (problem,)


@pytest.mark.parametrize(
    "pattern",
    [
        "db",
        "db-*",
        "*db*",
        "urn:pulumi:*::aws:rds/instance:Instance::*",
        "*-instance",
        f"urn:pulumi:{STACK}::*::db",
    ],
)
def test_narrow_patterns_are_not_taken_for_everything(pattern: str) -> None:
    assert not load_exemptions_module().matches_everything(pattern)


def test_invalid_horizon_override_is_refused() -> None:
    exemptions = load_exemptions_module()
    with pytest.raises(ValueError, match="STAGING_GUARDRAILS_MAX_WAIVER_DAYS='0' is not a number of days"):
        exemptions.max_waiver_days({"STAGING_GUARDRAILS_MAX_WAIVER_DAYS": "0"})
    assert exemptions.max_waiver_days({}) == 90


def test_today_override(monkeypatch: pytest.MonkeyPatch) -> None:
    exemptions = load_exemptions_module()
    monkeypatch.setenv("STAGING_GUARDRAILS_TODAY", "2030-01-02")
    assert exemptions.today() == dt.date(2030, 1, 2)
    monkeypatch.setenv("STAGING_GUARDRAILS_TODAY", "tomorrow")
    with pytest.raises(ValueError, match="STAGING_GUARDRAILS_TODAY='tomorrow' is not a date; use YYYY-MM-DD"):
        exemptions.today()
