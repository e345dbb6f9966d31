"""Managed data services a team adds next to the blueprint's databases: ElastiCache, OpenSearch, SQS and
SNS. Encrypted at rest with the stack's CMK, in transit with TLS, and (caches) no anonymous or
shared-password clients.

Their network placement and public endpoints are checked with the other data stores in ``isolation.py``
(``data-store-not-publicly-accessible``, ``data-store-in-private-subnets``); their resource policies in
``resource_policies.py``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from . import _types as t
from ._kms import cmk_problem
from ._props import flag, is_set, known, peek
from ._rule import Equivalents, RuleContext, RuleSpec, resource_rule

_MANDATORY = EnforcementLevel.MANDATORY
_CMK_HINT = "the SecretVault key's ARN"

CACHE_ENCRYPTION = RuleSpec(
    name="elasticache-encryption",
    concern="encryption",
    description="ElastiCache caches must encrypt data at rest with the stack's customer-managed KMS key "
    "and require TLS in transit.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation=f"Replication groups: atRestEncryptionEnabled=true, kmsKeyId={_CMK_HINT}, "
    "transitEncryptionEnabled=true (transitEncryptionMode 'required'). Serverless caches: kmsKeyId. "
    "Memcached clusters: transitEncryptionEnabled=true. A standalone Redis/Valkey cluster cannot encrypt "
    "at rest: use a replication group, even with one node.",
    equivalents=Equivalents(
        checkov=("CKV_AWS_29", "CKV_AWS_30", "CKV_AWS_191"), cdk_nag=("AwsSolutions-AEC3",)
    ),
)


def _check_replication_group_encryption(props: Mapping[str, Any]) -> Iterator[str]:
    if flag(known(props, "atRestEncryptionEnabled")) is not True:
        yield "atRestEncryptionEnabled is not true: data and backups are stored unencrypted."
    elif problem := cmk_problem(peek(props, "kmsKeyId"), "kmsKeyId", "data at rest uses the service's key"):
        yield problem
    if flag(known(props, "transitEncryptionEnabled")) is not True:
        yield "transitEncryptionEnabled is not true: clients and replicas talk in plaintext."
    elif known(props, "transitEncryptionMode") == "preferred":
        yield "transitEncryptionMode is 'preferred': plaintext connections are still accepted."


def _check_cache_encryption(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if ctx.resource_type == t.ELASTICACHE_REPLICATION_GROUP:
        yield from _check_replication_group_encryption(props)
    elif ctx.resource_type == t.ELASTICACHE_SERVERLESS:
        # Serverless caches always use TLS and encrypt at rest (ElastiCache User Guide, "Data security in
        # Amazon ElastiCache"); only the key is a choice.
        if problem := cmk_problem(peek(props, "kmsKeyId"), "kmsKeyId", "data at rest uses an AWS owned key"):
            yield problem
    elif not is_set(peek(props, "replicationGroupId")):  # members follow their replication group
        engine = known(props, "engine")
        if engine != "memcached":
            yield f"engine {engine}: a standalone cluster cannot encrypt at rest; use a replication group."
        elif flag(known(props, "transitEncryptionEnabled")) is not True:
            yield "transitEncryptionEnabled is not true: clients connect in plaintext."


CACHE_AUTH = RuleSpec(
    name="elasticache-client-auth",
    concern="credentials",
    description="Redis OSS and Valkey caches must authenticate clients through RBAC user groups, not "
    "anonymously or with a shared AUTH token.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Create aws.elasticache.User resources (authenticationMode type 'iam' for IAM "
    "authentication with short-lived tokens) in an aws.elasticache.UserGroup and set userGroupIds "
    "(replication groups) or userGroupId (serverless caches); remove authToken.",
    equivalents=Equivalents(checkov=("CKV_AWS_31",), cdk_nag=("AwsSolutions-AEC6",)),
)
#: Cache type -> the property naming its RBAC user group(s) (ElastiCache User Guide, "Role-Based Access
#: Control (RBAC)"; IAM authentication needs RBAC users, "Authenticating with IAM").
_USER_GROUP_PROPS = {t.ELASTICACHE_REPLICATION_GROUP: "userGroupIds", t.ELASTICACHE_SERVERLESS: "userGroupId"}


def _check_cache_auth(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if peek(props, "engine") == "memcached":
        return  # ElastiCache for Memcached has no client authentication to configure
    prop = _USER_GROUP_PROPS[ctx.resource_type]
    if is_set(peek(props, prop)):
        return
    token = next((p for p in ("authToken", "authTokenWo") if is_set(peek(props, p))), None)
    if token:
        yield f"{token} is set and {prop} is not: every client shares one password kept in the program."
    else:
        yield f"{prop} is not set: any client that reaches the port can read and write without credentials."


SEARCH_ENCRYPTION = RuleSpec(
    name="opensearch-encryption",
    concern="encryption",
    description="OpenSearch domains must encrypt data at rest with the stack's customer-managed KMS key, "
    "between nodes, and on an HTTPS-only endpoint with a TLS 1.2+ policy.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation=f"Set encryptAtRest {{enabled: true, kmsKeyId: {_CMK_HINT}}}, nodeToNodeEncryption.enabled"
    "=true and domainEndpointOptions {enforceHttps: true, tlsSecurityPolicy: "
    "'Policy-Min-TLS-1-2-PFS-2023-10'}.",
    equivalents=Equivalents(
        checkov=("CKV_AWS_5", "CKV_AWS_6", "CKV_AWS_83", "CKV_AWS_228", "CKV_AWS_247"),
        cdk_nag=("AwsSolutions-OS2", "AwsSolutions-OS8"),
        awsguard=("elasticsearch-encrypted-at-rest",),
    ),
)
#: TLS security policies without TLS 1.0/1.1 (OpenSearch Service API reference, DomainEndpointOptions).
_SEARCH_TLS12 = ("Policy-Min-TLS-1-2-2019-07", "Policy-Min-TLS-1-2-PFS-2023-10")


def _check_search_encryption(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if known(props, "encryptAtRest", "enabled") is not True:
        yield "encryptAtRest.enabled is not true: indexes and snapshots are stored unencrypted."
    elif problem := cmk_problem(
        peek(props, "encryptAtRest", "kmsKeyId"), "encryptAtRest.kmsKeyId", "data at rest uses aws/es"
    ):
        yield problem
    if known(props, "nodeToNodeEncryption", "enabled") is not True:
        yield "nodeToNodeEncryption.enabled is not true: nodes replicate in plaintext."
    if known(props, "domainEndpointOptions", "enforceHttps") is not True:
        yield "domainEndpointOptions.enforceHttps is not true: the endpoint answers plain HTTP."
    policy = known(props, "domainEndpointOptions", "tlsSecurityPolicy")
    if policy not in _SEARCH_TLS12:
        shown = "not set (the domain may keep TLS 1.0)" if policy is None else repr(policy)
        yield f"domainEndpointOptions.tlsSecurityPolicy is {shown}: use a TLS 1.2+ policy."


QUEUE_TOPIC_CMK = RuleSpec(
    name="sqs-sns-encrypted-with-cmk",
    concern="encryption",
    description="SQS queues and SNS topics must be encrypted with the stack's customer-managed KMS key.",
    level=_MANDATORY,
    severity=Severity.MEDIUM,
    remediation=f"Set kmsMasterKeyId to {_CMK_HINT} (not alias/aws/sqs or alias/aws/sns); its key policy "
    "must let the services that publish (sns.amazonaws.com, events.amazonaws.com...) use it, with an "
    "aws:SourceArn condition.",
    equivalents=Equivalents(
        checkov=("CKV_AWS_27", "CKV_AWS_26"), cdk_nag=("AwsSolutions-SQS2", "NIST.800.53.R5-SNSEncryptedKMS")
    ),
)


def _check_queue_topic_key(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    at_best = "SQS-managed SSE at best" if ctx.resource_type == t.SQS_QUEUE else "no KMS encryption"
    if problem := cmk_problem(peek(props, "kmsMasterKeyId"), "kmsMasterKeyId", at_best):
        yield problem


POLICIES = [
    resource_rule(
        CACHE_ENCRYPTION,
        {t.ELASTICACHE_REPLICATION_GROUP, t.ELASTICACHE_CLUSTER, t.ELASTICACHE_SERVERLESS},
        _check_cache_encryption,
    ),
    resource_rule(CACHE_AUTH, set(_USER_GROUP_PROPS), _check_cache_auth),
    resource_rule(SEARCH_ENCRYPTION, t.SEARCH_DOMAINS, _check_search_encryption),
    resource_rule(QUEUE_TOPIC_CMK, {t.SQS_QUEUE, t.SNS_TOPIC}, _check_queue_topic_key),
]
