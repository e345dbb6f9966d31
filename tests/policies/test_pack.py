"""The pack as the engine sees it: metadata, preview semantics, providers, docs and generated data."""

from __future__ import annotations

import importlib.util
import json
import keyword
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from blueprint.engine.graph import UNKNOWN
from blueprint.policy import PACK_DIR
from tests.pack_session import findings, source_rules
from tests.policies.stack import KEY_ARN, Stack, baseline


def stack_rules() -> set[str]:
    return {name for name, kind in source_rules().items() if kind == "stack"}


#: Ephemeral-slice rules whose subject is every (taggable) resource: a lone secret is one.
EVERY_RESOURCE_RULES = {"ephemeral-no-protection", "ephemeral-expiry", "ephemeral-markers-on-slices-only"}
ADVISORY = {"log-group-retention-set", "rds-enhanced-monitoring-enabled", "required-tags"}


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_test_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_analyzer_info_describes_every_rule(pack: Any) -> None:
    policies = {p.name: p for p in pack.policies}
    assert pack.pack_name == "staging-guardrails"
    assert pack.pack_version == "0.1.0"  # from PulumiPolicy.yaml, as the engine reports it
    assert list(policies) == list(source_rules()) and len(pack.policies) == len(policies)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", name) for name in policies)
    assert {n for n, p in policies.items() if p.policy_type == "stack"} == stack_rules()
    assert {n for n, p in policies.items() if p.enforcement_level == "advisory"} == ADVISORY
    for policy in policies.values():
        assert policy.remediation and policy.description.endswith(".")
        assert policy.severity in {"low", "medium", "high", "critical"}
        assert "exemptions" in policy.config_schema["properties"]
        assert sum(tag.startswith("concern:") for tag in policy.tags) == 1


def test_equivalent_rule_ids_are_reported_as_tags(pack: Any) -> None:
    tags = {p.name: set(p.tags) for p in pack.policies}
    assert {"checkov:CKV_AWS_16", "cdk-nag:AwsSolutions-RDS2", "awsguard:rds-storage-encrypted"} <= tags[
        "rds-storage-encrypted-with-cmk"
    ]
    assert {"checkov:CKV2_AWS_11", "cdk-nag:AwsSolutions-VPC7"} <= tags["vpc-flow-logs-enabled"]
    assert "checkov:CKV_AWS_358" in tags["github-oidc-trust-pinned"]
    assert {"checkov:CKV_AWS_274", "cdk-nag:AwsSolutions-IAM4"} <= tags["iam-no-admin-managed-policy"]
    assert {"checkov:CKV_AWS_70", "checkov:CKV_AWS_168", "checkov:CKV_AWS_169"} <= tags[
        "resource-policy-not-public"
    ]


def test_unknown_decisive_value_yields_advisory_preview_diagnostic(analyze: Any) -> None:
    stack = baseline()
    stack.set("db", publiclyAccessible=UNKNOWN)
    (violation,) = analyze(stack).violations
    assert violation.policy_name == "data-store-not-publicly-accessible"
    assert violation.urn == stack["db"].urn  # the engine attributes it to the analyzed resource
    assert violation.enforcement_level == "advisory"
    assert "can't run policy 'data-store-not-publicly-accessible'" in violation.message
    assert "publiclyAccessible can't be known during preview" in violation.message


def test_violation_message_is_description_then_finding(analyze: Any) -> None:
    stack = baseline()
    stack.set("secret", kmsKeyId=None)
    (violation,) = analyze(stack).violations
    assert violation.message == f"{violation.description}\n{violation.detail}"
    assert (
        violation.description
        == "Secrets Manager secrets must be encrypted with the stack's customer-managed KMS key."
    )
    assert violation.detail == "kmsKeyId is not set: the data would be encrypted with an AWS-managed key."
    assert (violation.severity, violation.policy_pack) == ("high", "staging-guardrails")


def test_default_provider_carries_stack_config(pack: Any) -> None:
    """Default providers get the ``aws:*`` stack config as inputs, so ``aws:defaultTags`` counts."""
    stack = baseline()
    stack.set("secret", tags=None)
    default_tags = {
        "aws:defaultTags": json.dumps({"tags": {"environment": "t", "owner": "o", "cost-center": "c"}})
    }
    assert findings(pack.run(stack.graph())) == {("required-tags", "secret")}
    assert findings(pack.run(stack.graph(), stack_config=default_tags)) == set()


def test_stack_rules_without_subjects_are_not_applicable(pack: Any) -> None:
    stack = Stack()
    stack.add("aws:secretsmanager/secret:Secret", "only-secret", {"kmsKeyId": KEY_ARN})
    report = pack.run(stack.graph())
    assert report.violations == ()
    expected = stack_rules() - EVERY_RESOURCE_RULES
    assert expected and {n.policy_name for n in report.not_applicable} == expected
    assert all(n.reason.startswith("the stack has no ") for n in report.not_applicable)


def test_readme_table_matches_the_specs() -> None:
    tool = PACK_DIR / "tools" / "rule_table.py"
    rendered = subprocess.run([sys.executable, str(tool)], capture_output=True, text=True, check=True).stdout
    readme = (PACK_DIR / "README.md").read_text(encoding="utf-8")
    assert _load(tool).readme_table(readme) == rendered.strip(), "run policies/tools/rule_table.py --write"


def test_type_tokens_exist_in_the_sdk() -> None:
    sdk = Path(importlib.util.find_spec("pulumi_aws").origin).parent  # type: ignore[union-attr,arg-type]
    types = _load(PACK_DIR / "guardrails" / "_types.py")
    tokens = [v for v in vars(types).values() if isinstance(v, str) and v.startswith("aws:")]
    tokens += [
        t for v in vars(types).values() if isinstance(v, (frozenset, dict)) for t in v if t.startswith("aws:")
    ]
    for token in tokens:
        module, member = token.removeprefix("aws:").split(":")[0].split("/")
        module += "_" if keyword.iskeyword(module) else ""  # aws:lambda/... lives in pulumi_aws.lambda_
        source = sdk / module / (re.sub(r"(?<!^)(?=[A-Z])", "_", member).lower() + ".py")
        assert source.is_file() and f"'{token}'" in source.read_text(encoding="utf-8"), token


def test_taggable_type_list_is_current() -> None:
    tool = _load(PACK_DIR / "tools" / "generate_taggable_types.py")
    sdk = Path(importlib.util.find_spec("pulumi_aws").origin).parent  # type: ignore[union-attr,arg-type]
    listed = [line for line in tool.OUTPUT.read_text().splitlines() if not line.startswith("#")]
    assert listed == tool.taggable_types(sdk), "run policies/tools/generate_taggable_types.py"


def test_kubernetes_type_tokens_exist_in_the_sdk() -> None:
    """The built-in kinds the rules name are registered under these tokens by pulumi-kubernetes (custom
    resources take theirs from apiVersion and kind, so only the built-in ones can be checked)."""
    sdk = Path(importlib.util.find_spec("pulumi_kubernetes").origin).parent  # type: ignore[union-attr,arg-type]
    types = _load(PACK_DIR / "guardrails" / "_types.py")
    tokens = {v for v in vars(types).values() if isinstance(v, str) and v.startswith("kubernetes:")}
    tokens |= {
        t
        for v in vars(types).values()
        if isinstance(v, (frozenset, dict))
        for t in v
        if t.startswith("kubernetes:")
    }
    builtin = {"core", "apps", "batch", "networking.k8s.io", "extensions"}
    checked = 0
    for token in tokens:
        group_version, kind = token.removeprefix("kubernetes:").rsplit(":", 1)
        group, version = group_version.rsplit("/", 1)
        if group not in builtin:
            continue
        package = group.split(".")[0]
        source = sdk / package / version / f"{kind}.py"
        assert source.is_file() and f"'{token}'" in source.read_text(encoding="utf-8"), token
        checked += 1
    assert checked >= 10


def test_every_rule_declares_exemptions_and_downgrade(pack: Any) -> None:
    for policy in pack.policies:
        properties = policy.config_schema["properties"]
        assert properties["downgrade"]["additionalProperties"] is False, policy.name
        assert set(properties["downgrade"]["properties"]) == {"reason", "owner", "expires"}
        assert properties["exemptions"]["type"] == "array", policy.name


#: IDs once mapped to the Kubernetes rules that the checkov and Kyverno sources do not bear out.
_WRONG_IDS = {
    "checkov:CKV_K8S_155",
    "checkov:CKV_K8S_156",
    "checkov:CKV_K8S_157",
    "checkov:CKV_K8S_158",
    "kyverno:disallow-service-type-externalname",
    "kyverno:restrict-service-external-ips",
}


def test_kubernetes_equivalents_are_verified_with_their_source_file(pack: Any) -> None:
    """Every Kyverno / Pod Security / checkov Kubernetes ID a rule reports has a row naming the file it was
    read from in the README's verified table; the IDs found wrong are gone."""
    readme = (PACK_DIR / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Where the Kubernetes and audit-key IDs come from", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    verified = {
        ident.strip()
        for row in rows
        if "`" in row.split("|")[3] or "Pod Security Standards" in row
        for ident in row.split("|")[2].split(",")
    }
    tags = {tag for p in pack.policies for tag in p.tags}
    kubernetes = {t.split(":", 1)[1] for t in tags if t.startswith(("kyverno:", "checkov:CKV_K8S_"))}
    assert kubernetes and kubernetes <= verified
    assert not tags & _WRONG_IDS
