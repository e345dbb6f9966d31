"""Container and function rules (``guardrails/containers.py``), violating and compliant, through the pack.

The baseline's task definition ``app-task`` (``team_stack``) runs one awsvpc container whose database
password comes from Secrets Manager; the token broker's Lambda ``broker-fn`` has no environment.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from blueprint.engine.graph import UNKNOWN
from tests.policies.cases import Mutation, assert_case, case
from tests.policies.stack import baseline
from tests.policies.team_stack import container

HOST = "ecs-task-isolated-from-host"
SECRETS = "no-secrets-in-environment"
#: AWS's documented example access key id (IAM User Guide), not a live credential.
EXAMPLE_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
PASSWORD = "correct-horse-battery-staple"


def _containers(*definitions: dict[str, Any]) -> Mutation:
    return lambda s: s.set("app-task", containerDefinitions=json.dumps(list(definitions)))


def _env(**variables: str) -> Mutation:
    """The app container with ``variables`` added to its environment."""
    env = [{"name": k, "value": v} for k, v in variables.items()]
    return _containers(container(environment=[*container()["environment"], *env]))


def _lambda_env(variables: Any) -> Mutation:
    return lambda s: s.set("broker-fn", environment={"variables": variables})


HOST_CASES = [
    case(_containers(container(privileged=True)), (HOST, "app-task"), id="privileged-container"),
    case(lambda s: s.set("app-task", pidMode="host"), (HOST, "app-task"), id="host-pid-namespace"),
    case(lambda s: s.set("app-task", ipcMode="host"), (HOST, "app-task"), id="host-ipc-namespace"),
    case(lambda s: s.set("app-task", networkMode="host"), (HOST, "app-task"), id="host-network"),
    case(lambda s: s.set("app-task", networkMode="bridge", ipcMode="task"), id="bridge-network-ok"),
    case(_containers(container(privileged=False), {**container(), "name": "sidecar"}), id="unprivileged-ok"),
    case(
        lambda s: s.set("app-task", containerDefinitions=UNKNOWN),
        (HOST, "app-task"),
        (SECRETS, "app-task"),  # both "can't run policy during preview" (advisory)
        id="definitions-unknown-in-preview",
    ),
]

SECRET_CASES = [
    case(_env(DB_PASSWORD=PASSWORD), (SECRETS, "app-task"), id="password-in-container-environment"),
    case(_env(stripeApiKey="example-api-key"), (SECRETS, "app-task"), id="camel-case-api-key"),
    case(_env(UPSTREAM=EXAMPLE_KEY_ID), (SECRETS, "app-task"), id="access-key-id-under-any-name"),
    case(
        _env(DB_PASSWORD_SECRET="arn:aws:secretsmanager:eu-west-1:1:secret:db", TOKEN_TTL_SECONDS="900"),
        id="references-and-settings-ok",
    ),
    case(_env(SESSION_SECRET=""), id="empty-value-ok"),
    case(
        _lambda_env({"GITHUB_TOKEN": "example-token"}),
        (SECRETS, "broker-fn"),
        id="token-in-lambda-environment",
    ),
    case(_lambda_env({"GITHUB_TOKEN": UNKNOWN, "LOG_LEVEL": "info"}), id="computed-lambda-value-ok"),
    case(
        _lambda_env({"PRIVATE_KEY": "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"}),
        (SECRETS, "broker-fn"),
        id="pem-private-key",
    ),
]

#: Read by ``tests/policies/test_rule_coverage.py`` too.
CASES = [*HOST_CASES, *SECRET_CASES]


@pytest.mark.parametrize(("mutate", "expected", "config"), CASES)
def test_container_rule(
    analyze: Any, mutate: Mutation, expected: set[tuple[str, str]], config: dict[str, Any] | None
) -> None:
    assert_case(analyze, mutate, expected, config)


def test_secret_values_never_reach_the_report(analyze: Any) -> None:
    stack = baseline()
    _env(DB_PASSWORD=PASSWORD, UPSTREAM=EXAMPLE_KEY_ID)(stack)
    details = sorted(v.detail for v in analyze(stack).violations)
    assert details == [
        "container app environment sets DB_PASSWORD to a literal credential (value not shown).",
        "container app environment sets UPSTREAM to a literal credential (value not shown).",
    ]
    assert not any(PASSWORD in d or EXAMPLE_KEY_ID in d for d in details)
