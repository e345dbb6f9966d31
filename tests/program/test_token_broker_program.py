"""The token broker as the program wires it (``__main__.py``'s ``build_token_broker`` from stack config),
and no IAM user or access key anywhere in the whole stack."""

from __future__ import annotations

import runpy
from pathlib import Path

import pulumi
import pytest
import yaml

from blueprint.engine import record_stack
from blueprint.engine.graph import StackGraph
from blueprint.policy import run_policies
from components.vault import SecretVault, SecretVaultArgs
from stack_config import StackConfig, load_stack_config
from stack_config.access import TokenBrokerConfig
from stack_config.access_checks import access_checks
from tests.support import inputs, one, record

ROOT = Path(__file__).resolve().parents[2]
FUNCTION = "aws:lambda/function:Function"
#: Credentials no stack may hold: IAM users and everything that equips one.
USER_TYPES = {
    "aws:iam/user:User",
    "aws:iam/accessKey:AccessKey",
    "aws:iam/userLoginProfile:UserLoginProfile",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/serviceSpecificCredential:ServiceSpecificCredential",
    "aws:iam/sshKey:SshKey",
    "aws:iam/signingCertificate:SigningCertificate",
}

#: The program's own builders (``__main__.py`` run under another name, so ``main()`` does not run).
PROGRAM = runpy.run_path(str(ROOT / "__main__.py"), run_name="staging_blueprint_program")
build_token_broker = PROGRAM["build_token_broker"]


def documented_block() -> dict:
    """The ``staging-blueprint:tokenBroker`` example of docs/token-broker.md."""
    text = (ROOT / "docs" / "token-broker.md").read_text(encoding="utf-8")
    start = text.index("```yaml\nconfig:\n") + len("```yaml\n")
    document = yaml.safe_load(text[start : text.index("```", start)])
    return document["config"]["staging-blueprint:tokenBroker"]


def test_documented_config_example_is_valid():
    block = documented_block()
    broker = TokenBrokerConfig.model_validate(block)
    assert broker.roles[0].max_session_duration_seconds <= 3600
    assert list(access_checks(broker, "staging", ["orders"])) == []


def program_config() -> StackConfig:
    block = documented_block()
    for grant in block["groups"].values():
        grant.pop("databases", None)  # databases come from the data-plane config, not built here
    block["groups"] = {g: v for g, v in block["groups"].items() if v.get("roles")}
    raw = {"environment": "staging", "tags": {"owner": "platform-team", "cost-center": "cc-1"}}
    return load_stack_config({**raw, "tokenBroker": block})


@pytest.fixture(scope="module")
def program_graph() -> StackGraph:
    cfg = program_config()

    def program():
        vault = SecretVault(
            "vault", SecretVaultArgs(alias="staging-blueprint-staging", tags=cfg.resource_tags())
        )
        broker = build_token_broker(cfg, vault, {})
        assert broker is not None
        pulumi.export("tokenBrokerUrl", broker.api_endpoint)
        pulumi.export("stagingRoleArns", broker.role_arns)
        pulumi.export("ciDeployRoleArn", broker.deploy_role_arn)

    return record(program)


def test_program_builds_the_broker_from_stack_config(program_graph):
    assert one(program_graph, "staging:index:TokenBroker").name == "token-broker"
    key_arn = one(program_graph, "aws:kms/key:Key").outputs["arn"]
    assert inputs(one(program_graph, FUNCTION))["kmsKeyArn"] == key_arn
    outputs = program_graph.outputs
    assert outputs["tokenBrokerUrl"].startswith("https://") and outputs["tokenBrokerUrl"].endswith(
        ".execute-api.eu-west-1.amazonaws.com"
    )
    assert set(outputs["stagingRoleArns"]) == {"developer", "readonly"}
    assert outputs["ciDeployRoleArn"] == "arn:aws:iam::123456789012:role/staging-ci-deploy"


def test_program_passes_the_policy_pack(program_graph):
    report = run_policies(program_graph, stack_config={"aws:region": "eu-west-1"})
    ran = {p.name for p in report.policies} - {n.policy_name for n in report.not_applicable}
    assert {"no-iam-users", "iam-no-wildcard-admin", "iam-role-max-session-duration"} <= ran
    assert {"github-oidc-trust-pinned", "log-group-encrypted-with-cmk", "required-tags"} <= ran
    assert [(v.policy_name, v.urn, v.message) for v in report.violations] == []


def user_types_in(graph: StackGraph) -> list[str]:
    return [f"{r.type} {r.name}" for r in graph.resources if r.type in USER_TYPES]


def test_no_iam_user_or_access_key_anywhere_in_the_stack(program_graph):
    assert user_types_in(program_graph) == []
    assert user_types_in(record_stack()) == []
