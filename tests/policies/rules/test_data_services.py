"""Data-service rules (``guardrails/data_services.py``), and the data-store placement and public-access
rules of ``isolation.py`` for these services, violating and compliant, through the pack.

Each case adds an ElastiCache replication group, cluster or serverless cache, or an OpenSearch domain,
that passes every rule (the builders below) with one thing changed, or changes the baseline's queue
``jobs`` or topic ``events`` (``team_stack``).
"""

from __future__ import annotations

from typing import Any

import pytest

from blueprint.engine.graph import UNKNOWN
from tests.policies.cases import Mutation, assert_case, case
from tests.policies.stack import KEY_ARN, Stack

CACHE_ENCRYPTION = "elasticache-encryption"
CACHE_AUTH = "elasticache-client-auth"
SEARCH = "opensearch-encryption"
QUEUE_TOPIC = "sqs-sns-encrypted-with-cmk"
NOT_PUBLIC = "data-store-not-publicly-accessible"
PLACEMENT = "data-store-in-private-subnets"
GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
CLUSTER = "aws:elasticache/cluster:Cluster"
SERVERLESS = "aws:elasticache/serverlessCache:ServerlessCache"
DOMAIN = "aws:opensearch/domain:Domain"


def _subnet_group(s: Stack, *subnets: str) -> Any:
    return s.add(
        "aws:elasticache/subnetGroup:SubnetGroup",
        "cache-subnets",
        refs={"subnetIds": [s[n] for n in subnets]},
    )


def _cache(
    type_: str = GROUP, subnets: tuple[str, ...] = ("isolated-0", "isolated-1"), **inputs: Any
) -> Mutation:
    """A cache in ``subnets`` passing every rule, with ``inputs`` changed (None removes a key)."""

    def mutate(s: Stack) -> None:
        props: dict[str, Any] = {
            GROUP: {
                "description": "sessions",
                "engine": "valkey",
                "atRestEncryptionEnabled": True,
                "kmsKeyId": KEY_ARN,
                "transitEncryptionEnabled": True,
                "userGroupIds": ["sessions-users"],
            },
            CLUSTER: {"engine": "memcached", "transitEncryptionEnabled": True, "numCacheNodes": 1},
            SERVERLESS: {"engine": "valkey", "kmsKeyId": KEY_ARN, "userGroupId": "sessions-users"},
        }[type_]
        props.update(inputs)
        props = {k: v for k, v in props.items() if v is not None}
        if type_ == SERVERLESS:
            refs = {"subnetIds": [s[n] for n in subnets]} if subnets else {}
        else:
            refs = {"subnetGroupName": _subnet_group(s, *subnets)} if subnets else {}
        s.add(type_, "cache", props, refs=refs)

    return mutate


def _domain(
    subnets: tuple[str, ...] | None = ("isolated-0",), type_: str = DOMAIN, **inputs: Any
) -> Mutation:
    """An OpenSearch domain in ``subnets`` (None: no vpcOptions) passing every other rule."""

    def mutate(s: Stack) -> None:
        props: dict[str, Any] = {
            "engineVersion": "OpenSearch_2.19",
            "encryptAtRest": {"enabled": True, "kmsKeyId": KEY_ARN},
            "nodeToNodeEncryption": {"enabled": True},
            "domainEndpointOptions": {
                "enforceHttps": True,
                "tlsSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10",
            },
            **inputs,
        }
        refs = {}
        if subnets is not None:
            props["vpcOptions"] = {
                "subnetIds": [s[n].id for n in subnets],
                "securityGroupIds": [s["db-sg"].id],
            }
            refs["vpcOptions"] = [s[n] for n in subnets]
        s.add(type_, "search", props, refs=refs)

    return mutate


CACHE_CASES = [
    case(_cache(), id="replication-group-ok"),
    case(_cache(atRestEncryptionEnabled=False), (CACHE_ENCRYPTION, "cache"), id="not-encrypted-at-rest"),
    case(_cache(kmsKeyId=None), (CACHE_ENCRYPTION, "cache"), id="service-managed-key"),
    case(_cache(transitEncryptionEnabled=None), (CACHE_ENCRYPTION, "cache"), id="no-tls"),
    case(
        _cache(transitEncryptionMode="preferred"),
        (CACHE_ENCRYPTION, "cache"),
        id="tls-preferred-not-required",
    ),
    case(
        _cache(CLUSTER, engine="redis", transitEncryptionEnabled=None),
        (CACHE_ENCRYPTION, "cache"),
        id="standalone-redis-cluster",
    ),
    case(
        _cache(CLUSTER, transitEncryptionEnabled=False),
        (CACHE_ENCRYPTION, "cache"),
        id="memcached-without-tls",
    ),
    case(_cache(CLUSTER), id="memcached-with-tls-ok"),
    case(
        _cache(
            CLUSTER, subnets=(), engine="redis", transitEncryptionEnabled=None, replicationGroupId="sessions"
        ),
        id="replication-group-member-ok",
    ),
    case(_cache(SERVERLESS, kmsKeyId=None), (CACHE_ENCRYPTION, "cache"), id="serverless-owned-key"),
    case(_cache(SERVERLESS), id="serverless-ok"),
    case(_cache(userGroupIds=None), (CACHE_AUTH, "cache"), id="anonymous-clients"),
    case(
        _cache(userGroupIds=None, authToken="shared-secret-value"),
        (CACHE_AUTH, "cache"),
        id="shared-auth-token",
    ),
    case(_cache(SERVERLESS, userGroupId=None), (CACHE_AUTH, "cache"), id="serverless-anonymous"),
    case(_cache(SERVERLESS, engine="memcached", userGroupId=None), id="serverless-memcached-ok"),
    case(_cache(subnets=()), (PLACEMENT, "cache"), id="cache-without-subnet-group"),
    case(_cache(subnets=("isolated-0", "public-0")), (PLACEMENT, "cache"), id="cache-in-public-subnet"),
    case(_cache(SERVERLESS, subnets=()), (PLACEMENT, "cache"), id="serverless-without-subnets"),
    case(_cache(subnets=("app-0",)), id="cache-in-private-subnet-ok"),
    case(
        _cache(subnets=(), subnetGroupName=UNKNOWN),
        (PLACEMENT, "cache"),
        id="subnet-group-computed-by-provider-in-preview",
    ),
    case(
        lambda s: (_cache()(s), s.set("cache", subnetGroupName=UNKNOWN)),
        id="subnet-group-not-created-yet-ok",  # unknown, but fed by the stack's subnet group
    ),
]

SEARCH_CASES = [
    case(_domain(), id="domain-ok"),
    case(_domain(None), (NOT_PUBLIC, "search"), id="domain-outside-vpc"),
    case(_domain(("public-0",)), (PLACEMENT, "search"), id="domain-in-public-subnet"),
    case(_domain(encryptAtRest={"enabled": False}), (SEARCH, "search"), id="domain-not-encrypted"),
    case(_domain(encryptAtRest={"enabled": True}), (SEARCH, "search"), id="domain-aws-managed-key"),
    case(_domain(nodeToNodeEncryption=None), (SEARCH, "search"), id="nodes-in-plaintext"),
    case(
        _domain(
            domainEndpointOptions={"enforceHttps": True, "tlsSecurityPolicy": "Policy-Min-TLS-1-0-2019-07"}
        ),
        (SEARCH, "search"),
        id="tls-1-0-policy",
    ),
    case(_domain(domainEndpointOptions={"enforceHttps": False}), (SEARCH, "search"), id="http-endpoint"),
    case(
        _domain(None, "aws:elasticsearch/domain:Domain", encryptAtRest={"enabled": False}),
        (NOT_PUBLIC, "search"),
        (SEARCH, "search"),
        id="legacy-elasticsearch-domain",
    ),
    case(_domain(None, vpcOptions=UNKNOWN), (NOT_PUBLIC, "search"), id="vpc-options-unknown-in-preview"),
]

QUEUE_TOPIC_CASES = [
    case(lambda s: s.set("jobs", kmsMasterKeyId=None), (QUEUE_TOPIC, "jobs"), id="queue-sqs-managed-sse"),
    case(
        lambda s: s.set("jobs", kmsMasterKeyId="alias/aws/sqs"),
        (QUEUE_TOPIC, "jobs"),
        id="queue-aws-managed-key",
    ),
    case(lambda s: s.set("events", kmsMasterKeyId=None), (QUEUE_TOPIC, "events"), id="topic-unencrypted"),
    case(
        lambda s: s.set("events", kmsMasterKeyId="arn:aws:kms:eu-west-1:1:alias/aws/sns"),
        (QUEUE_TOPIC, "events"),
        id="topic-aws-managed-key-arn",
    ),
    case(lambda s: s.set("events", kmsMasterKeyId=UNKNOWN), id="topic-key-unknown-in-preview-ok"),
]

#: Read by ``tests/policies/test_rule_coverage.py`` too.
CASES = [*CACHE_CASES, *SEARCH_CASES, *QUEUE_TOPIC_CASES]


@pytest.mark.parametrize(("mutate", "expected", "config"), CASES)
def test_data_service_rule(
    analyze: Any, mutate: Mutation, expected: set[tuple[str, str]], config: dict[str, Any] | None
) -> None:
    assert_case(analyze, mutate, expected, config)
