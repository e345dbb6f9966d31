"""Downgrades through the pack: a mandatory rule lowered by its own entry or by ``all`` needs a valid,
unexpired ``downgrade`` justification in its entry, or the runner reports a mandatory violation of it.

The session's pack runs with ``STAGING_GUARDRAILS_TODAY`` = 2026-06-15 (horizon 2026-09-13).
"""

from __future__ import annotations

from typing import Any

import pytest

from blueprint.policy import PolicyConfigError
from tests.policies.stack import Stack, baseline

RULE = "rds-deletion-protection"
STACK_URN_PART = "pulumi:pulumi:Stack"
JUSTIFIED = {
    "reason": "scratch account, databases rebuilt daily",
    "owner": "data-team",
    "expires": "2026-08-31",
}


def unprotected() -> Stack:
    stack = baseline()
    stack.set("db", deletionProtection=False)
    return stack


def downgrade_findings(report: Any) -> list[tuple[str, str, str]]:
    """(rule, level, finding) of the findings against the stack for lowered rules."""
    names = {d.policy for d in report.downgrades}
    return [
        (v.policy_name, v.enforcement_level, v.detail)
        for v in report.violations
        if STACK_URN_PART in v.urn and v.policy_name in names
    ]


def test_justified_downgrade_is_listed_and_not_a_violation(analyze: Any) -> None:
    report = analyze(unprotected(), {RULE: {"enforcementLevel": "advisory", "downgrade": JUSTIFIED}})
    assert [(v.policy_name, v.enforcement_level) for v in report.violations] == [(RULE, "advisory")]
    assert not report.has_mandatory
    (d,) = report.downgrades
    assert (d.policy, d.default_level, d.level, d.via, d.status) == (
        RULE,
        "mandatory",
        "advisory",
        "rule",
        "justified",
    )
    assert (d.reason, d.owner, d.expires, d.problems) == (JUSTIFIED["reason"], "data-team", "2026-08-31", ())


def test_unjustified_downgrade_of_one_rule_is_a_mandatory_violation_of_it(analyze: Any) -> None:
    report = analyze(baseline(), {RULE: "disabled"})
    assert downgrade_findings(report) == [
        (
            RULE,
            "mandatory",
            "enforcement level lowered from mandatory to disabled by its enforcementLevel without a valid "
            'justification: \'downgrade\' is missing. Add "downgrade": {"reason", "owner", "expires"} to '
            "this rule's entry in the policy config, or restore the level.",
        )
    ]
    assert report.has_mandatory
    assert [(d.via, d.status) for d in report.downgrades] == [("rule", "missing")]


def test_downgrade_by_all_is_justified_per_rule(pack: Any, analyze: Any) -> None:
    mandatory = [p.name for p in pack.policies if p.enforcement_level == "mandatory"]
    config: dict[str, Any] = {"all": "disabled", **{name: {"downgrade": JUSTIFIED} for name in mandatory}}
    del config[RULE]
    report = analyze(unprotected(), config)
    assert {d.policy: d.status for d in report.downgrades} == {
        **{name: "justified" for name in mandatory if name != RULE},
        RULE: "missing",
    }
    assert {d.via for d in report.downgrades} == {"all"}
    assert [(v.policy_name, v.enforcement_level) for v in report.violations] == [(RULE, "mandatory")]
    assert "by 'all' without a valid justification" in report.violations[0].detail


@pytest.mark.parametrize(
    ("justification", "status", "problems"),
    [
        ({**JUSTIFIED, "expires": "2026-06-14"}, "expired", "expired on 2026-06-14"),
        ({**JUSTIFIED, "reason": "because"}, "invalid", "'reason' must be at least 10 characters (got 7)"),
        ({"reason": JUSTIFIED["reason"], "expires": "2026-08-31"}, "invalid", "'owner' is missing"),
        ({**JUSTIFIED, "expires": "someday"}, "invalid", "'expires' 'someday' is not a YYYY-MM-DD date"),
        (
            {**JUSTIFIED, "expires": "2027-01-01"},
            "invalid",
            "'expires' 2027-01-01 is more than 90 days ahead (latest 2026-09-13; "
            "STAGING_GUARDRAILS_MAX_WAIVER_DAYS or --max-waiver-days sets the maximum)",
        ),
    ],
    ids=["expired", "short-reason", "no-owner", "bad-date", "beyond-horizon"],
)
def test_downgrade_with_a_broken_justification_is_a_violation(
    analyze: Any, justification: dict[str, str], status: str, problems: str
) -> None:
    report = analyze(baseline(), {RULE: {"enforcementLevel": "advisory", "downgrade": justification}})
    assert [(d.policy, d.status) for d in report.downgrades] == [(RULE, status)]
    ((rule, level, detail),) = downgrade_findings(report)
    assert (rule, level) == (RULE, "mandatory")
    assert f"without a valid justification: {problems}. Add" in detail


def test_justification_of_a_rule_at_its_default_level_changes_nothing(analyze: Any) -> None:
    report = analyze(baseline(), {RULE: {"downgrade": JUSTIFIED}, "required-tags": "disabled"})
    assert report.downgrades == ()  # required-tags is advisory by default: disabling it is no downgrade
    assert report.violations == ()


def test_downgrade_with_an_unknown_field_is_a_config_error(pack: Any) -> None:
    with pytest.raises(PolicyConfigError, match=r"rds-deletion-protection\.downgrade: Additional properties"):
        pack.run(
            baseline().graph(), {RULE: {"enforcementLevel": "advisory", "downgrade": {**JUSTIFIED, "ok": 1}}}
        )
