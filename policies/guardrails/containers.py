"""Containers and functions a team adds: ECS task definitions and Lambda environments.

A task stays inside its own namespaces (no privileged containers, no host PID, IPC or network mode), and
credentials reach containers and functions from Secrets Manager at run time (ECS ``secrets``, or the
function reading the secret), never as plaintext environment values in the program, its state and every
``DescribeTaskDefinition`` / ``GetFunctionConfiguration`` response.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from . import _types as t
from ._props import as_list, flag, known, parse_array, peek
from ._rule import Equivalents, RuleContext, RuleSpec, resource_rule

_MANDATORY = EnforcementLevel.MANDATORY

TASK_ISOLATION = RuleSpec(
    name="ecs-task-isolated-from-host",
    concern="isolation",
    description="ECS tasks must not run privileged containers or share the host's PID, IPC or network "
    "namespace.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Remove privileged: true from container definitions and pidMode/ipcMode 'host'; use "
    "networkMode 'awsvpc' so each task gets its own network interface and security group (Fargate "
    "requires it). Grant single Linux capabilities through linuxParameters if a container needs one.",
    equivalents=Equivalents(checkov=("CKV_AWS_334", "CKV_AWS_335")),
)
#: Task-level modes sharing a host namespace (ECS Developer Guide, "Task definition parameters"): host
#: PID/IPC let a container see and signal the host's processes; host networking bypasses the task's
#: security group and reaches everything the instance (including its metadata service) can.
_HOST_MODES = ("pidMode", "ipcMode", "networkMode")


def _check_task_isolation(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    for mode in _HOST_MODES:
        if known(props, mode) == "host":
            yield f"{mode} is 'host': the task shares the instance's namespace."
    for i, container in enumerate(parse_array(known(props, "containerDefinitions"))):
        if isinstance(container, Mapping) and flag(container.get("privileged")) is True:
            name = container.get("name") or f"#{i}"
            yield f"container {name} is privileged: root on the container is root on the host."


SECRETS_IN_ENVIRONMENT = RuleSpec(
    name="no-secrets-in-environment",
    concern="credentials",
    description="ECS container definitions and Lambda functions must not carry credentials as plaintext "
    "environment variables.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Keep the credential in a Secrets Manager secret encrypted with the stack's CMK and pass "
    "it as an ECS container 'secrets' entry {name, valueFrom: <secret ARN>} or, for Lambda, pass the "
    "secret's ARN (…_SECRET_ARN) and read it at run time; better still, use IAM auth and no credential.",
    equivalents=Equivalents(checkov=("CKV_AWS_45",), cdk_nag=("AwsSolutions-ECS2",)),
)
#: Variable names that hold a credential: UPPER_SNAKE names (camelCase converted) ending in a credential
#: word. Names ending otherwise (DB_PASSWORD_ARN, TOKEN_TTL_SECONDS, SECRET_NAME) refer to or configure
#: one.
_SECRET_NAME = re.compile(
    r"(^|_)(PASSWORD|PASSWD|PWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|SECRET_?KEY|CREDENTIALS?)$"
)
#: Values that are credentials whatever the name (git-secrets' AWS patterns; PEM private keys).
_SECRET_VALUE = re.compile(
    r"(A3T[A-Z0-9]|AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----"
)


def _snake(name: str) -> str:
    """``dbPassword`` -> ``DB_PASSWORD``, ``db-password`` -> ``DB_PASSWORD``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).replace("-", "_").upper()


def _is_secret(name: Any, value: Any) -> bool:
    if not isinstance(value, str) or not value or not isinstance(name, str):
        return False  # unknown (computed) values are references to other resources
    if _SECRET_VALUE.search(value):
        return True
    if value.startswith(("arn:", "{{resolve:")):
        return False  # a reference to the secret, resolved at run time
    return bool(_SECRET_NAME.search(_snake(name)))


def _variables(props: Mapping[str, Any], resource_type: str) -> list[tuple[str, Any, Any]]:
    """(where, name, value) of every environment variable the resource sets."""
    if resource_type == t.LAMBDA_FUNCTION:
        variables = peek(props, "environment", "variables")
        names = list(variables) if isinstance(variables, Mapping) else []
        return [("environment.variables", name, peek(variables, name)) for name in names]
    found = []
    for i, container in enumerate(parse_array(known(props, "containerDefinitions"))):
        if isinstance(container, Mapping):
            where = f"container {container.get('name') or f'#{i}'} environment"
            for entry in as_list(container.get("environment")):
                if isinstance(entry, Mapping):
                    found.append((where, entry.get("name"), entry.get("value")))
    return found


def _check_environment(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    for where, name, value in _variables(props, ctx.resource_type):
        if _is_secret(name, value):
            yield f"{where} sets {name} to a literal credential (value not shown)."


POLICIES = [
    resource_rule(TASK_ISOLATION, {t.ECS_TASK_DEFINITION}, _check_task_isolation),
    resource_rule(SECRETS_IN_ENVIRONMENT, {t.ECS_TASK_DEFINITION, t.LAMBDA_FUNCTION}, _check_environment),
]
