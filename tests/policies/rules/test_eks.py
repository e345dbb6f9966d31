"""EKS rules (``guardrails/eks.py``): private endpoint, Secrets encryption, control-plane logs, access
entries without an implicit admin. The EKS API's defaults are the unsafe ones, so removing a setting fails.

The baseline's cluster ``eks`` is private, encrypts Secrets with the CMK, logs api/audit/authenticator and
uses authentication mode ``API`` without bootstrap admin.
"""

from __future__ import annotations

from typing import Any

import pytest

from blueprint.engine.graph import UNKNOWN
from tests.policies.cases import Mutation, assert_case, case
from tests.policies.stack import Stack, baseline

ENDPOINT = "eks-endpoint-private"
SECRETS = "eks-secrets-encryption"
LOGS = "eks-control-plane-logging"
ADMIN = "eks-no-creator-admin"


def _vpc(**changes: Any) -> Mutation:
    def mutate(s: Stack) -> None:
        vpc = {**s["eks"].inputs["vpcConfig"], **changes}
        s.set("eks", vpcConfig={k: v for k, v in vpc.items() if v is not None})

    return mutate


def _eks(**changes: Any) -> Mutation:
    return lambda s: s.set("eks", **changes)


ENDPOINT_CASES = [
    case(_vpc(endpointPublicAccess=None), (ENDPOINT, "eks"), id="public-by-default"),
    case(
        _vpc(endpointPublicAccess=True, publicAccessCidrs=["0.0.0.0/0"]),
        (ENDPOINT, "eks"),
        id="public-to-everyone",
    ),
    case(
        _vpc(endpointPublicAccess=True, publicAccessCidrs=["203.0.113.0/28"]), id="public-for-ci-runners-ok"
    ),
    case(_vpc(endpointPrivateAccess=None), (ENDPOINT, "eks"), id="no-private-endpoint"),
    case(_eks(vpcConfig=UNKNOWN), (ENDPOINT, "eks"), id="unknown-in-preview-is-advisory"),
]

SECRETS_CASES = [
    case(_eks(encryptionConfig=None), (SECRETS, "eks"), id="no-secrets-encryption"),
    case(_eks(encryptionConfig={"resources": ["secrets"], "provider": {}}), (SECRETS, "eks"), id="no-key"),
    case(
        _eks(encryptionConfig={"resources": ["secrets"], "provider": {"keyArn": UNKNOWN}}),
        id="key-computed-later-ok",
    ),
]

LOG_CASES = [
    case(_eks(enabledClusterLogTypes=["api", "authenticator"]), (LOGS, "eks"), id="no-audit-log"),
    case(_eks(enabledClusterLogTypes=None), (LOGS, "eks"), id="no-logs"),
    case(
        _eks(enabledClusterLogTypes=["api", "audit", "authenticator", "controllerManager", "scheduler"]),
        id="all-log-types-ok",
    ),
]

ADMIN_CASES = [
    case(_eks(accessConfig=None), (ADMIN, "eks"), id="api-defaults"),
    case(
        _eks(
            accessConfig={
                "authenticationMode": "API_AND_CONFIG_MAP",
                "bootstrapClusterCreatorAdminPermissions": False,
            }
        ),
        (ADMIN, "eks"),
        id="aws-auth-config-map-still-honoured",
    ),
    case(
        _eks(accessConfig={"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": True}),
        (ADMIN, "eks"),
        id="creator-stays-admin",
    ),
]

#: Read by ``tests/policies/test_rule_coverage.py`` too.
CASES = [*ENDPOINT_CASES, *SECRETS_CASES, *LOG_CASES, *ADMIN_CASES]


@pytest.mark.parametrize(("mutate", "expected", "config"), CASES)
def test_eks_rule(
    analyze: Any, mutate: Mutation, expected: set[tuple[str, str]], config: dict[str, Any] | None
) -> None:
    assert_case(analyze, mutate, expected, config)


def test_unknown_endpoint_settings_are_advisory_in_preview(analyze: Any) -> None:
    stack = baseline()
    _eks(vpcConfig=UNKNOWN)(stack)
    (violation,) = analyze(stack).violations
    assert (violation.policy_name, violation.enforcement_level) == (ENDPOINT, "advisory")
    assert "vpcConfig can't be known during preview" in violation.message
