"""The runner's policy config (``blueprint/policy/config.py``): enforcement levels, settings and their
validation against the pack's schemas, as the CLI applies them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from blueprint.policy import (
    PolicyConfigError,
    PolicySettings,
    exemption_report,
    load_policy_config,
    parse_policy_config,
)
from tests.policies.stack import Stack, baseline

STACK_TYPE = "pulumi:pulumi:Stack"


def untagged_public_db() -> Stack:
    stack = baseline()
    stack.set("db", publiclyAccessible=True)
    stack.set("secret", tags={"owner": "x"})
    return stack


def levels(report: Any) -> set[tuple[str, str]]:
    """Rule and level of the findings about resources (downgrade findings are about the stack)."""
    return {(v.policy_name, v.enforcement_level) for v in report.violations if STACK_TYPE not in v.urn}


PUBLIC_DB = "data-store-not-publicly-accessible"


@pytest.mark.parametrize(
    ("config", "expected", "downgraded"),
    [
        (None, {(PUBLIC_DB, "mandatory"), ("required-tags", "advisory")}, "none"),
        ({"required-tags": "mandatory"}, {(PUBLIC_DB, "mandatory"), ("required-tags", "mandatory")}, "none"),
        ({"all": "advisory"}, {(PUBLIC_DB, "advisory"), ("required-tags", "advisory")}, "all"),
        (
            {"all": "advisory", PUBLIC_DB: {"enforcementLevel": "mandatory"}},
            {(PUBLIC_DB, "mandatory"), ("required-tags", "advisory")},
            "all but one",
        ),
        ({"required-tags": "disabled"}, {(PUBLIC_DB, "mandatory")}, "none"),  # advisory by default
        ({"all": "disabled"}, set(), "all"),
        ({"all": {"enforcementLevel": "disabled"}}, set(), "all"),
    ],
    ids=[
        "defaults",
        "raise-one",
        "all-advisory",
        "policy-beats-all",
        "disable-advisory-one",
        "disable-all",
        "disable-all-object",
    ],
)
def test_enforcement_levels_and_unjustified_downgrades(
    pack: Any, analyze: Any, config: Any, expected: set[tuple[str, str]], downgraded: str
) -> None:
    report = analyze(untagged_public_db(), config)
    assert levels(report) == expected
    mandatory = {p.name for p in pack.policies if p.enforcement_level == "mandatory"}
    lowered = {"none": set(), "all": mandatory, "all but one": mandatory - {PUBLIC_DB}}[downgraded]
    assert {d.policy for d in report.downgrades} == lowered
    # Each unjustified downgrade is a mandatory finding of that rule, so the check fails.
    stack_findings = {(v.policy_name, v.enforcement_level) for v in report.violations if STACK_TYPE in v.urn}
    assert stack_findings == {(name, "mandatory") for name in lowered}
    assert report.has_mandatory == (bool(lowered) or any(level == "mandatory" for _, level in expected))


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


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ({"exemption": []}, "rds-deletion-protection.exemption: not a setting of this policy (did you mean "
         "exemptions?); its settings: downgrade, exemptions"),
        ({"downgrad": {}}, "rds-deletion-protection.downgrad: not a setting of this policy (did you mean "
         "downgrade?)"),
    ],
    ids=["exemption", "downgrad"],
)  # fmt: skip
def test_unknown_setting_is_refused_with_a_suggestion(
    pack: Any, entry: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(PolicyConfigError) as err:
        pack.run(baseline().graph(), {"rds-deletion-protection": entry})
    assert str(err.value).splitlines()[0] == "policy config has unknown settings:"
    assert fragment in str(err.value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"exemptions": []}, "all: may only set an enforcement level (got exemptions); put settings, "
         "exemptions and downgrade justifications in each rule's own entry"),
        ({"enforcementLevel": "advisory", "downgrade": {}}, "all: may only set an enforcement level (got "
         "downgrade);"),
        ({}, "all: may only set an enforcement level (got an empty object);"),
        ("loud", "all: 'loud' is not an enforcement level"),
    ],
    ids=["exemptions", "downgrade", "empty", "bad-level"],
)  # fmt: skip
def test_all_may_only_carry_a_level(value: Any, message: str) -> None:
    with pytest.raises(PolicyConfigError) as err:
        parse_policy_config({"all": value}, "cfg.json")
    assert str(err.value).splitlines()[1].startswith(f"  {message}")


def test_all_as_a_level_object_is_accepted() -> None:
    assert parse_policy_config({"all": {"enforcementLevel": "advisory"}}) == {
        "all": PolicySettings("advisory")
    }


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"all": "advisory", "all": "disabled"}', "top level: duplicate key 'all'"),
        (
            '{"rds-deletion-protection": {"enforcementLevel": "advisory", "enforcementLevel": "disabled"}}',
            "rds-deletion-protection: duplicate key 'enforcementLevel'",
        ),
        (
            '{"x": {"exemptions": [{"resource": "a", "resource": "*"}]}}',
            "x.exemptions[0]: duplicate key 'resource'",
        ),
    ],
    ids=["all", "level", "exemption-field"],
)
def test_duplicate_keys_are_refused_naming_key_and_place(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "policy.json"
    path.write_text(text)
    with pytest.raises(PolicyConfigError) as err:
        load_policy_config(path)
    assert str(err.value).splitlines() == [
        f"{path} is invalid:",
        f"  {problem} (only one value would count); keep one",
    ]


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
    path.write_text("{}")
    assert load_policy_config(path) == {}
    path.write_text("  \n")  # a truncated download: not "no config"
    with pytest.raises(PolicyConfigError, match="empty"):
        load_policy_config(path)
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
