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
from tests.policies.rules.test_compute import _instance, _template
from tests.policies.rules.test_data_services import SERVERLESS, _cache, _domain
from tests.policies.stack import (
    ACCOUNT,
    KEY_ARN,
    Stack,
    doc,
)

VOLUME = "aws:ebs/volume:Volume"

RULE_CASES = [
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


#: Every key property a CMK rule reads: (label, AWS managed key's service, rule, resource reported, setter).
KeySetter = Any
_EBS_DEFAULT = "aws:ebs/defaultKmsKey:DefaultKmsKey"
_TRAIL = "aws:cloudtrail/trail:Trail"
_EVENT_STORE = "aws:cloudtrail/eventDataStore:EventDataStore"
_ENV = {"variables": {"STAGE": "staging"}}


def _sse(s: Stack, key: str) -> None:
    default = {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": key}
    s.set("assets-sse", rules=[{"applyServerSideEncryptionByDefault": default, "bucketKeyEnabled": True}])


KEY_FIELDS: list[tuple[str, str, str, str, KeySetter]] = [
    ("rds-instance", "rds", "rds-storage-encrypted-with-cmk", "db", lambda s, k: s.set("db", kmsKeyId=k)),
    ("aurora", "rds", "rds-storage-encrypted-with-cmk", "aurora", lambda s, k: s.set("aurora", kmsKeyId=k)),
    (
        "performance-insights",
        "rds",
        "rds-performance-insights-cmk",
        "db",
        lambda s, k: s.set("db", performanceInsightsKmsKeyId=k),
    ),
    (
        "aurora-instance-performance-insights",
        "rds",
        "rds-performance-insights-cmk",
        "aurora-1",
        lambda s, k: s.set("aurora-1", performanceInsightsKmsKeyId=k),
    ),
    (
        "master-password-secret",
        "secretsmanager",
        "rds-managed-master-password",
        "aurora",
        lambda s, k: s.set("aurora", masterUserSecretKmsKeyId=k),
    ),
    (
        "secret",
        "secretsmanager",
        "secret-encrypted-with-cmk",
        "secret",
        lambda s, k: s.set("secret", kmsKeyId=k),
    ),
    (
        "log-group",
        "logs",
        "log-group-encrypted-with-cmk",
        "flow-logs",
        lambda s, k: s.set("flow-logs", kmsKeyId=k),
    ),
    (
        "msk",
        "kafka",
        "msk-encryption",
        "kafka",
        lambda s, k: s.set(
            "kafka",
            encryptionInfo={
                "encryptionAtRestKmsKeyArn": k,
                "encryptionInTransit": {"clientBroker": "TLS", "inCluster": True},
            },
        ),
    ),
    ("sqs", "sqs", "sqs-sns-encrypted-with-cmk", "jobs", lambda s, k: s.set("jobs", kmsMasterKeyId=k)),
    ("sns", "sns", "sqs-sns-encrypted-with-cmk", "events", lambda s, k: s.set("events", kmsMasterKeyId=k)),
    ("s3-default-encryption", "s3", "s3-bucket-encrypted-with-cmk", "assets", _sse),
    (
        "eks-secrets",
        "eks",
        "eks-secrets-encryption",
        "eks",
        lambda s, k: s.set("eks", encryptionConfig={"resources": ["secrets"], "provider": {"keyArn": k}}),
    ),
    (
        "lambda-environment",
        "lambda",
        "lambda-environment-encrypted-with-cmk",
        "broker-fn",
        lambda s, k: s.set("broker-fn", environment=_ENV, kmsKeyArn=k),
    ),
    (
        "ebs-volume",
        "ebs",
        "ebs-encrypted-with-cmk",
        "data",
        lambda s, k: s.add(VOLUME, "data", {"size": 100, "encrypted": True, "kmsKeyId": k}),
    ),
    (
        "instance-root-volume",
        "ebs",
        "ebs-encrypted-with-cmk",
        "vm",
        lambda s, k: _instance(rootBlockDevice={"encrypted": True, "kmsKeyId": k})(s),
    ),
    (
        "launch-template",
        "ebs",
        "ebs-encrypted-with-cmk",
        "lt",
        lambda s, k: _template(
            blockDeviceMappings=[{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "kmsKeyId": k}}]
        )(s),
    ),
    (
        "default-ebs-key",
        "ebs",
        "ebs-encrypted-with-cmk",
        "ebs-default",
        lambda s, k: s.add(_EBS_DEFAULT, "ebs-default", {"keyArn": k}),
    ),
    ("elasticache", "elasticache", "elasticache-encryption", "cache", lambda s, k: _cache(kmsKeyId=k)(s)),
    (
        "elasticache-serverless",
        "elasticache",
        "elasticache-encryption",
        "cache",
        lambda s, k: _cache(SERVERLESS, kmsKeyId=k)(s),
    ),
    (
        "opensearch",
        "es",
        "opensearch-encryption",
        "search",
        lambda s, k: _domain(encryptAtRest={"enabled": True, "kmsKeyId": k})(s),
    ),
    (
        "cloudtrail",
        "cloudtrail",
        "cloudtrail-encrypted-with-cmk",
        "trail",
        lambda s, k: s.add(_TRAIL, "trail", {"name": "audit", "s3BucketName": "audit-logs", "kmsKeyId": k}),
    ),
    (
        "cloudtrail-lake",
        "cloudtrail",
        "cloudtrail-encrypted-with-cmk",
        "lake",
        lambda s, k: s.add(_EVENT_STORE, "lake", {"name": "audit", "kmsKeyId": k}),
    ),
]
#: How an AWS managed key is named: its alias and its alias ARN (commercial and GovCloud partitions).
AWS_MANAGED = [
    ("alias", lambda svc: f"alias/aws/{svc}"),
    ("alias-arn", lambda svc: f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/aws/{svc}"),
    ("gov-alias-arn", lambda svc: f"arn:aws-us-gov:kms:us-gov-west-1:{ACCOUNT}:alias/aws/{svc}"),
]
#: Customer-managed keys: the key ARN, a key id, a customer alias, its ARN, an alias that only contains aws.
CUSTOMER_MANAGED = [
    KEY_ARN,
    "1234abcd-12ab-34cd-56ef-1234567890ab",
    "alias/staging-vault",
    f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/staging/aws/vault",
    "alias/aws-backups",
]


def _with_key(setter: KeySetter, key: Any) -> Mutation:
    return lambda s: setter(s, key)


KEY_CASES = [
    *(
        case(_with_key(setter, name(service)), (rule, res), id=f"{label}-aws-managed-{form}")
        for label, service, rule, res, setter in KEY_FIELDS
        for form, name in AWS_MANAGED
    ),
    *(
        case(_with_key(setter, None), (rule, res), id=f"{label}-no-key")
        for label, _, rule, res, setter in KEY_FIELDS
    ),
    *(
        case(_with_key(setter, key), id=f"{label}-customer-key-{i}-ok")
        for label, _, _, _, setter in KEY_FIELDS
        for i, key in enumerate(CUSTOMER_MANAGED)
    ),
]


def test_every_cmk_rule_has_a_key_field_row() -> None:
    """The table covers every rule of the pack that requires the stack's CMK."""
    cmk_rules = {
        "rds-storage-encrypted-with-cmk",
        "rds-performance-insights-cmk",
        "rds-managed-master-password",
        "secret-encrypted-with-cmk",
        "log-group-encrypted-with-cmk",
        "msk-encryption",
        "sqs-sns-encrypted-with-cmk",
        "s3-bucket-encrypted-with-cmk",
        "eks-secrets-encryption",
        "lambda-environment-encrypted-with-cmk",
        "ebs-encrypted-with-cmk",
        "elasticache-encryption",
        "opensearch-encryption",
        "cloudtrail-encrypted-with-cmk",
    }
    assert {row[2] for row in KEY_FIELDS} == cmk_rules


#: Read by ``tests/policies/test_rule_coverage.py`` too.
CASES = [*RULE_CASES, *KEY_CASES]


@pytest.mark.parametrize(("mutate", "expected", "config"), CASES)
def test_encryption_rule(
    analyze: Any, mutate: Mutation, expected: set[tuple[str, str]], config: dict[str, Any] | None
) -> None:
    assert_case(analyze, mutate, expected, config)
