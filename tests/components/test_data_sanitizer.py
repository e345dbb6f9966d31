"""DataSanitizer: keys, the refresh secret, scratch placement, the runner's least-privilege role, the pack."""

from __future__ import annotations

import json

import pytest

from blueprint.engine import ProgramError
from blueprint.policy import run_policies
from components.data_sanitizer import DataSanitizer, DataSanitizerArgs
from tests.support import TAGS, inputs, one, policy, record

PROD = "arn:aws:rds:eu-west-1:123456789012:db:orders-prod"
PROD_KEY = "arn:aws:kms:eu-west-1:123456789012:key/prod"
STAGING = "444455556666"


def build(**overrides):
    args = {
        "prefix": "orders",
        "vpc_id": "vpc-1",
        "isolated_subnet_ids": ["subnet-a", "subnet-b"],
        "runner_security_group_id": "sg-runner",
        "production_instance_arn": PROD,
        "production_key_arn": PROD_KEY,
        "staging_account_id": STAGING,
        "tags": TAGS,
        **overrides,
    }
    return record(lambda: DataSanitizer("sanitizer", DataSanitizerArgs(**args)))


@pytest.fixture(scope="module")
def graph():
    return build()


def statements(record, key="policy"):
    return {s["Sid"]: s for s in policy(record, key)["Statement"]}


def test_share_key_lets_only_the_staging_account_use_it_and_grant_to_rds(graph):
    keys = {r.name: r for r in graph.of_type("aws:kms/key:Key")}
    share = statements(keys["sanitizer-share-key"])
    assert share["StagingAccountUsesKey"]["Principal"] == {"AWS": f"arn:aws:iam::{STAGING}:root"}
    assert "kms:Decrypt" in share["StagingAccountUsesKey"]["Action"]
    assert share["StagingAccountGrantsToRds"]["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    sanitize = statements(keys["sanitizer-sanitize-key"])
    assert set(sanitize) == {"AccountAdministersKeyThroughIam"}  # the production copy's key stays private
    assert all(inputs(k)["enableKeyRotation"] for k in keys.values())


def test_the_refresh_secret_has_no_value_and_uses_the_sanitizing_key(graph):
    secret = inputs(one(graph, "aws:secretsmanager/secret:Secret"))
    sanitize = next(r for r in graph.of_type("aws:kms/key:Key") if r.name == "sanitizer-sanitize-key")
    assert secret["kmsKeyId"] == sanitize.outputs["arn"] and secret["name"] == "orders-refresh-key"
    assert graph.of_type("aws:secretsmanager/secretVersion:SecretVersion") == []


def test_scratch_databases_sit_in_isolated_subnets_reachable_only_from_the_runner(graph):
    assert inputs(one(graph, "aws:rds/subnetGroup:SubnetGroup"))["subnetIds"] == ["subnet-a", "subnet-b"]
    rules = [inputs(r) for r in graph.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")]
    assert [
        (r["fromPort"], r["toPort"], r["referencedSecurityGroupId"], r.get("cidrIpv4")) for r in rules
    ] == [(5432, 5432, "sg-runner", None)]
    assert graph.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") == []


def test_runner_role_is_scoped_to_this_refresh_production_and_the_keys(graph):
    role = one(graph, "aws:iam/role:Role")
    trust = json.loads(inputs(role)["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    s = statements(one(graph, "aws:iam/rolePolicy:RolePolicy"))
    own = "arn:aws:rds:eu-west-1:123456789012:db:orders-*"
    assert s["SnapshotProductionAndScratch"]["Resource"] == [PROD, own, own.replace(":db:", ":snapshot:")]
    assert "arn:aws:rds:eu-west-1:123456789012:snapshot:rds:orders-prod-*" in s["CopySnapshots"]["Resource"]
    assert s["OperateScratch"]["Resource"] == [own, own.replace(":db:", ":snapshot:")]
    assert PROD_KEY in s["KeysForRdsGrants"]["Resource"]
    assert s["RefreshKey"]["Action"] == ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"]
    actions = [
        a for st in s.values() for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])
    ]
    assert not [a for a in actions if a.endswith("*")]  # no wildcard actions
    assert not any("Delete" in a and PROD in str(st["Resource"]) for st in s.values() for a in st["Action"])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"staging_account_id": "all"}, "never all"),
        ({"prefix": "Orders_1"}, "lowercase"),
        ({"isolated_subnet_ids": ["subnet-a"]}, "two AZs"),
    ],
)
def test_bad_arguments_are_refused(overrides, message):
    with pytest.raises(ProgramError, match=message):
        build(**overrides)


def test_the_component_passes_the_policy_pack(graph):
    report = run_policies(
        graph, stack_config={"aws:region": "eu-west-1"}, env={"STAGING_GUARDRAILS_TODAY": "2026-06-15"}
    )
    ran = {p.name for p in report.policies} - {n.policy_name for n in report.not_applicable}
    assert {
        "kms-key-rotation-enabled",
        "kms-key-policy-no-public-principal",
        "iam-no-wildcard-admin",
        "secret-encrypted-with-cmk",
        "required-tags",
        "iam-role-trust-not-public",
    } <= ran
    assert [(v.policy_name, v.urn, v.message) for v in report.violations if v.level == "mandatory"] == []


def test_both_keys_outlive_the_stack_that_destroys_what_they_encrypt(graph):
    # Shared snapshots (and the staging account's copies in progress) are encrypted with these keys: a
    # `pulumi destroy` must not schedule their deletion.
    keys = {r.name: r.options.get("retainOnDelete") for r in graph.of_type("aws:kms/key:Key")}
    assert keys == {"sanitizer-sanitize-key": True, "sanitizer-share-key": True}
