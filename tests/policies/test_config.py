"""Policy config: enforcement levels, settings and validation, as the CLI would apply them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from blueprint.policy_config import (
    PolicyConfigError,
    PolicySettings,
    exemption_report,
    load_exemptions_module,
    load_policy_config,
    parse_policy_config,
)
from tests.policies.stack import Stack, baseline


def untagged_public_db() -> Stack:
    stack = baseline()
    stack.set("db", publiclyAccessible=True)
    stack.set("secret", tags={"owner": "x"})
    return stack


def levels(report: Any) -> set[tuple[str, str]]:
    return {(v.policy_name, v.enforcement_level) for v in report.violations}


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (None, {("data-store-not-publicly-accessible", "mandatory"), ("required-tags", "advisory")}),
        (
            {"required-tags": "mandatory"},
            {("data-store-not-publicly-accessible", "mandatory"), ("required-tags", "mandatory")},
        ),
        (
            {"all": "advisory"},
            {("data-store-not-publicly-accessible", "advisory"), ("required-tags", "advisory")},
        ),
        (
            {"all": "advisory", "data-store-not-publicly-accessible": {"enforcementLevel": "mandatory"}},
            {("data-store-not-publicly-accessible", "mandatory"), ("required-tags", "advisory")},
        ),
        ({"required-tags": "disabled"}, {("data-store-not-publicly-accessible", "mandatory")}),
        ({"all": "disabled"}, set()),
    ],
    ids=["defaults", "raise-one", "all-advisory", "policy-beats-all", "disable-one", "disable-all"],
)
def test_enforcement_levels(analyze: Any, config: Any, expected: set[tuple[str, str]]) -> None:
    report = analyze(untagged_public_db(), config)
    assert levels(report) == expected
    assert report.has_mandatory == any(level == "mandatory" for _, level in expected)


def test_effective_config_has_schema_defaults_and_overrides(analyze: Any) -> None:
    report = analyze(baseline(), {"iam-role-max-session-duration": {"maxSessionDurationSeconds": 7200}})
    assert report.config["iam-role-max-session-duration"] == PolicySettings(
        "mandatory", {"exemptions": [], "maxSessionDurationSeconds": 7200}
    )
    assert report.config["required-tags"].properties["requiredTags"] == [
        "environment",
        "owner",
        "cost-center",
    ]


def test_custom_required_tags(analyze: Any) -> None:
    report = analyze(baseline(), {"required-tags": {"requiredTags": ["environment", "data-classification"]}})
    assert report.violations and all(v.policy_name == "required-tags" for v in report.violations)
    assert all(v.detail == "missing tag(s): data-classification." for v in report.violations)


def test_unknown_policy_name_is_refused_with_a_suggestion(pack: Any) -> None:
    with pytest.raises(
        PolicyConfigError,
        match=r"rds-deletion-protecton: no such policy \(did you mean rds-deletion-protection\?\)",
    ):
        pack.run(baseline().graph(), {"rds-deletion-protecton": "disabled"})


def test_setting_violating_its_schema_is_refused(pack: Any) -> None:
    bad = {
        "iam-role-max-session-duration": {"maxSessionDurationSeconds": 60},
        "no-route-to-production": {"productionCidrs": "10.0.0.0/8"},
    }
    with pytest.raises(PolicyConfigError) as err:
        pack.run(baseline().graph(), bad)
    assert (
        "iam-role-max-session-duration.maxSessionDurationSeconds: 60 is less than the minimum of 3600"
        in str(err.value)
    )
    assert "no-route-to-production.productionCidrs: '10.0.0.0/8' is not of type 'array'" in str(err.value)


@pytest.mark.parametrize("seconds", [900, 1800, 3599, 43201])
def test_session_limit_outside_iams_range_is_refused(pack: Any, seconds: int) -> None:
    """IAM's MaxSessionDuration is 3600-43200 s (IAM API Reference, CreateRole): a lower limit would make
    every role an unfixable violation, so the runner refuses it before analysis."""
    config = {"iam-role-max-session-duration": {"maxSessionDurationSeconds": seconds}}
    bound = "less than the minimum of 3600" if seconds < 3600 else "greater than the maximum of 43200"
    with pytest.raises(PolicyConfigError, match=f"maxSessionDurationSeconds: {seconds} is {bound}"):
        pack.run(baseline().graph(), config)


@pytest.mark.parametrize("seconds", [3600, 43200])
def test_session_limit_within_iams_range_is_accepted(pack: Any, seconds: int) -> None:
    report = pack.run(
        baseline().graph(), {"iam-role-max-session-duration": {"maxSessionDurationSeconds": seconds}}
    )
    assert report.violations == ()
    assert report.config["iam-role-max-session-duration"].properties["maxSessionDurationSeconds"] == seconds


def test_shape_errors_name_the_key_path() -> None:
    with pytest.raises(PolicyConfigError) as err:
        parse_policy_config(
            {
                "a": "strict",
                "b": {
                    "enforcementLevel": "loud",
                    "exemptions": [{"resource": "x", "reson": "typo"}, {"owner": 3}],
                },
                "c": 5,
                "d": {"exemptions": {"resource": "x"}},
            },
            "cfg.json",
        )
    assert str(err.value).splitlines() == [
        "cfg.json is invalid:",
        "  a: 'strict' is not an enforcement level (advisory, mandatory, remediate, disabled)",
        "  b.enforcementLevel: 'loud' is not one of ['advisory', 'mandatory', 'remediate', 'disabled']",
        "  b.exemptions[0]: Additional properties are not allowed ('reson' was unexpected)",
        "  b.exemptions[1].owner: 3 is not of type 'string'",
        "  c: must be an enforcement level or an object (got int)",
        "  d.exemptions: {'resource': 'x'} is not of type 'array'",
    ]


def test_load_policy_config_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"all": "mandatory", "required-tags": {"requiredTags": ["owner"]}}))
    assert load_policy_config(path) == {
        "all": PolicySettings("mandatory"),
        "required-tags": PolicySettings(None, {"requiredTags": ["owner"]}),
    }
    path.write_text("  \n")
    assert load_policy_config(path) == {}
    path.write_text('{"all": "mandatory",}')
    with pytest.raises(PolicyConfigError, match=r"policy.json:1:21: invalid JSON"):
        load_policy_config(path)
    with pytest.raises(PolicyConfigError, match="cannot read policy config"):
        load_policy_config(tmp_path / "missing.json")


def test_exemption_report_without_a_pack() -> None:
    config = parse_policy_config(
        {"x": {"exemptions": [{"resource": "a", "reason": "r" * 10, "owner": "o", "expires": "2026-03-01"}]}}
    )
    assert [e.status for e in exemption_report(config, on=dt.date(2026, 3, 1))] == ["active"]
    assert [e.status for e in exemption_report(config, on=dt.date(2026, 3, 2))] == ["expired"]


def test_today_override(monkeypatch: pytest.MonkeyPatch) -> None:
    exemptions = load_exemptions_module()
    monkeypatch.setenv("STAGING_GUARDRAILS_TODAY", "2030-01-02")
    assert exemptions.today() == dt.date(2030, 1, 2)
    monkeypatch.setenv("STAGING_GUARDRAILS_TODAY", "tomorrow")
    with pytest.raises(ValueError, match="STAGING_GUARDRAILS_TODAY='tomorrow' is not a date; use YYYY-MM-DD"):
        exemptions.today()
