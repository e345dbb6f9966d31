"""Encryption rules (``guardrails/encryption.py``): the stack's CMK at rest, TLS in transit, key rotation.

Each case mutates the compliant baseline and states the exact (policy, resource) findings of the whole pack.
"""

from __future__ import annotations

from typing import Any

import pytest

from blueprint.engine.graph import UNKNOWN
from tests.policies.cases import Mutation, assert_case, case
from tests.policies.rules.helpers import (
    kafka,
    star_key_use,
)
from tests.policies.stack import (
    KEY_ARN,
    doc,
)

CASES = [
    case(
        lambda s: s.set("db", storageEncrypted=False),
        ("rds-storage-encrypted-with-cmk", "db"),
        id="rds-unencrypted",
    ),
    case(
        lambda s: s.set("aurora", kmsKeyId=None),
        ("rds-storage-encrypted-with-cmk", "aurora"),
        id="aurora-aws-managed-key",
    ),
    case(lambda s: s.set("db", kmsKeyId=UNKNOWN), id="kms-key-unknown-in-preview-counts-as-set"),
    case(
        lambda s: s.set("aurora-1", performanceInsightsKmsKeyId=None),
        ("rds-performance-insights-cmk", "aurora-1"),
        id="pi-without-cmk",
    ),
    case(
        lambda s: s.set("db", performanceInsightsEnabled=False, performanceInsightsKmsKeyId=None),
        id="pi-disabled-ok",
    ),
    case(
        lambda s: s.set("db-params", parameters=[]),
        ("rds-parameter-group-forces-tls", "db-params"),
        id="param-group-without-force-ssl",
    ),
    case(
        lambda s: s.set("aurora-params", parameters=[{"name": "rds.force_ssl", "value": "0"}]),
        ("rds-parameter-group-forces-tls", "aurora-params"),
        id="cluster-param-group-force-ssl-off",
    ),
    case(
        lambda s: (
            s.add(
                "aws:rds/parameterGroup:ParameterGroup",
                "mysql-params",
                {"family": "mysql8.0", "parameters": [{"name": "require_secure_transport", "value": "ON"}]},
            ),
            s.add("aws:rds/parameterGroup:ParameterGroup", "oracle-params", {"family": "oracle-ee-19"}),
        ),
        id="mysql-tls-and-non-tls-family-ok",
    ),
    case(
        lambda s: s.link("db", "parameterGroupName", None),
        ("rds-uses-tls-parameter-group", "db"),
        id="rds-default-param-group",
    ),
    case(
        lambda s: (
            s.link("aurora", "dbClusterParameterGroupName", None),
            s.set("aurora", dbClusterParameterGroupName="default.aurora-postgresql16"),
        ),
        ("rds-uses-tls-parameter-group", "aurora"),
        id="aurora-foreign-param-group",
    ),
    case(
        kafka(encryptionInfo={"encryptionInTransit": {"clientBroker": "TLS_PLAINTEXT", "inCluster": False}}),
        ("msk-encryption", "kafka"),
        id="msk-plaintext",
    ),
    case(kafka(encryptionInfo={"encryptionAtRestKmsKeyArn": KEY_ARN}), id="msk-transit-defaults-ok"),
    case(
        lambda s: s.set("secret", kmsKeyId=None),
        ("secret-encrypted-with-cmk", "secret"),
        id="secret-default-key",
    ),
    case(
        lambda s: s.set("flow-logs", kmsKeyId=None),
        ("log-group-encrypted-with-cmk", "flow-logs"),
        id="log-group-unencrypted",
    ),
    case(
        lambda s: s.set("key", enableKeyRotation=False),
        ("kms-key-rotation-enabled", "key"),
        id="kms-no-rotation",
    ),
    case(
        lambda s: s.add(
            "aws:kms/key:Key", "signing-key", {"customerMasterKeySpec": "RSA_2048", "keyUsage": "SIGN_VERIFY"}
        ),
        id="asymmetric-key-needs-no-rotation",
    ),
    case(
        lambda s: s.set(
            "key",
            policy=doc(
                {
                    "Sid": "Open",
                    "Effect": "Allow",
                    "Principal": {"AWS": ["*"]},
                    "Action": "kms:Decrypt",
                    "Resource": "*",
                }
            ),
        ),
        ("kms-key-policy-no-public-principal", "key"),
        id="kms-policy-public",
    ),
    case(
        lambda s: s.set(
            "key",
            policy={"Statement": {"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}},
        ),
        ("kms-key-policy-no-public-principal", "key"),
        id="kms-policy-public-as-object",
    ),
    case(
        lambda s: s.set(
            "key",
            policy=doc(
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "kms:Decrypt",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"kms:CallerAccount": "123456789012"}},
                }
            ),
        ),
        id="kms-policy-star-with-condition-ok",
    ),
    case(
        lambda s: s.set("key", policy=doc(star_key_use({"Bool": {"aws:SecureTransport": "true"}}))),
        ("kms-key-policy-no-public-principal", "key"),
        id="kms-policy-star-condition-restricting-nobody",
    ),
    case(
        lambda s: s.set(
            "key", policy=doc(star_key_use({"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}))
        ),
        id="kms-policy-star-within-organization-ok",
    ),
]


@pytest.mark.parametrize(("mutate", "expected", "config"), CASES)
def test_encryption_rule(
    analyze: Any, mutate: Mutation, expected: set[tuple[str, str]], config: dict[str, Any] | None
) -> None:
    assert_case(analyze, mutate, expected, config)
