"""SecretVault: the CMK's rotation and key policy, its alias, and secrets encrypted with it."""

from __future__ import annotations

import pulumi
import pytest

from blueprint.engine import ProgramError
from components.vault import SecretArgs, SecretVault, SecretVaultArgs
from tests.support import TAGS, inputs, one, policy, record

KEY = "aws:kms/key:Key"
SECRET = "aws:secretsmanager/secret:Secret"


def build(**overrides):
    args = {"alias": "sb-test", "tags": TAGS, **overrides}
    return record(lambda: SecretVault("vault", SecretVaultArgs(**args)))


def test_key_rotates_and_has_a_deletion_window():
    key = inputs(one(build(rotation_period_days=180, deletion_window_days=7), KEY))
    assert key["enableKeyRotation"] is True
    assert key["rotationPeriodInDays"] == 180
    assert key["deletionWindowInDays"] == 7


def test_key_policy_lets_the_account_administer_and_logs_use_it_only_for_own_log_groups():
    statements = {s["Sid"]: s for s in policy(one(build(), KEY))["Statement"]}
    assert set(statements) == {"AccountAdministersKeyThroughIam", "CloudWatchLogsForThisAccountOnly"}
    admin = statements["AccountAdministersKeyThroughIam"]
    assert admin["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    logs = statements["CloudWatchLogsForThisAccountOnly"]
    assert logs["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    assert logs["Condition"] == {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:*"}
    }
    assert "kms:*" not in logs["Action"] and "kms:Decrypt*" in logs["Action"]
    assert all(s["Principal"] != "*" and s["Principal"] != {"AWS": "*"} for s in statements.values())


def test_key_policy_follows_the_region():
    statements = policy(one(record(lambda: SecretVault("v", SecretVaultArgs("a", TAGS)), "us-east-2"), KEY))
    assert statements["Statement"][1]["Principal"] == {"Service": "logs.us-east-2.amazonaws.com"}


def test_alias_points_at_the_key():
    graph = build()
    alias = inputs(one(graph, "aws:kms/alias:Alias"))
    assert alias["name"] == "alias/sb-test"
    assert alias["targetKeyId"] == one(graph, KEY).outputs["keyId"]


def test_secrets_are_encrypted_with_the_cmk_and_hold_no_value_unless_given():
    graph = build(secrets=[SecretArgs("app/one", "first", 7), SecretArgs("app/two")])
    key_arn = one(graph, KEY).outputs["arn"]
    secrets = {inputs(s)["name"]: inputs(s) for s in graph.of_type(SECRET)}
    assert set(secrets) == {"app/one", "app/two"}
    assert all(s["kmsKeyId"] == key_arn for s in secrets.values())
    assert secrets["app/one"]["recoveryWindowInDays"] == 7
    assert graph.of_type("aws:secretsmanager/secretVersion:SecretVersion") == []


def test_a_seeded_secret_value_is_sent_as_a_pulumi_secret():
    graph = build(secrets=[SecretArgs("app/seeded", value=pulumi.Output.from_input("s3cr3t-value"))])
    version = one(graph, "aws:secretsmanager/secretVersion:SecretVersion")
    assert version.inputs["secretString"]["value"] == "s3cr3t-value"
    assert (
        version.inputs["secretString"]["4dabf18193072939515e22adb298388d"]
        == "1b47061264138c4ac30d75fd1eb44270"
    )
    assert inputs(version)["secretId"] == one(graph, SECRET).id


def test_the_key_outlives_the_stack_that_destroys_its_backups():
    # `pulumi destroy` takes final snapshots and keeps backups encrypted with this key: the key must not be
    # scheduled for deletion in the same run.
    assert one(build(), KEY).options["retainOnDelete"] is True


def test_secrets_are_named_by_their_name_so_reordering_renames_nothing():
    first = build(secrets=[SecretArgs("app/one"), SecretArgs("app/two")])
    swapped = build(secrets=[SecretArgs("app/two"), SecretArgs("app/one")])
    urns = {inputs(s)["name"]: s.urn for s in first.of_type(SECRET)}
    assert urns == {inputs(s)["name"]: s.urn for s in swapped.of_type(SECRET)}
    assert urns["app/one"].endswith("::vault-secret-app/one")


def test_existing_stacks_adopt_their_position_named_secrets_through_an_alias():
    graph = build(secrets=[SecretArgs("app/one", index=0, value=pulumi.Output.from_input("x1234"))])
    secret = one(graph, SECRET)
    assert secret.options["aliases"] == [secret.urn.rsplit("::", 1)[0] + "::vault-secret-0"]
    version = one(graph, "aws:secretsmanager/secretVersion:SecretVersion")
    assert version.options["aliases"] == [version.urn.rsplit("::", 1)[0] + "::vault-secret-0-version"]


def test_two_secrets_of_one_name_are_refused():
    with pytest.raises(ProgramError, match="secret names must be unique"):
        build(secrets=[SecretArgs("app/one"), SecretArgs("app/one")])
