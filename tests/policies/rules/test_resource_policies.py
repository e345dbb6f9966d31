"""Resource-policy rules (``guardrails/resource_policies.py``), violating and compliant, through the pack.

The baseline's bucket, queue and topic carry TLS-only policies (``team_stack``); each case adds or changes
a statement. The public-principal cases also pin down which conditions restrict who can act.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from blueprint.engine.graph import UNKNOWN
from tests.policies.cases import Mutation, assert_case, case
from tests.policies.stack import ACCOUNT, KEY_ARN, Stack, baseline, doc
from tests.policies.team_stack import BUCKET_ARN, QUEUE_ARN, TOPIC_ARN, deny_plaintext

PUBLIC = "resource-policy-not-public"
TLS = "resource-policy-requires-tls"
OWN_ACCOUNT = {"aws:PrincipalAccount": ACCOUNT}


def _allow(condition: dict[str, Any] | None = None, principal: Any = "*", **extra: Any) -> dict[str, Any]:
    statement = {"Sid": "Share", "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{BUCKET_ARN}/*"}
    statement |= {"Principal": principal} if principal is not None else {}
    statement |= extra
    return statement if condition is None else {**statement, "Condition": condition}


def _bucket_policy(*statements: dict[str, Any]) -> Mutation:
    """The bucket policy: the TLS-only statement plus ``statements``."""
    tls = deny_plaintext("s3:*", [BUCKET_ARN, f"{BUCKET_ARN}/*"])
    return lambda s: s.set("assets-policy", policy=doc(tls, *statements))


def _add(type_: str, name: str, inputs: dict[str, Any]) -> Mutation:
    return lambda s: s.add(type_, name, inputs)


def _queue_from_topic(arn_pattern: str) -> Mutation:
    """SNS fan-out: the queue lets SNS send messages from topics matching ``arn_pattern``."""
    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "sqs:SendMessage",
        "Resource": QUEUE_ARN,
        "Condition": {"ArnLike": {"aws:SourceArn": arn_pattern}},
    }
    return lambda s: s.set("jobs-policy", policy=doc(deny_plaintext("sqs:*", QUEUE_ARN), statement))


CONDITION_CASES = [
    case(_bucket_policy(_allow()), (PUBLIC, "assets-policy"), id="bucket-policy-public"),
    case(
        _bucket_policy(_allow({"Bool": {"aws:SecureTransport": "true"}})),
        (PUBLIC, "assets-policy"),
        id="secure-transport-restricts-nobody",
    ),
    case(
        _bucket_policy(_allow({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})),
        (PUBLIC, "assets-policy"),
        id="source-ip-alone-restricts-nobody",
    ),
    case(
        _bucket_policy(_allow({"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}})),
        id="organization-restricts-ok",
    ),
    case(
        _bucket_policy(_allow({"StringEquals": {"AWS:principalaccount": ACCOUNT}})),
        id="condition-key-case-insensitive-ok",
    ),
    case(
        _bucket_policy(_allow({"StringLike": {"aws:PrincipalOrgID": "o-*"}})),
        (PUBLIC, "assets-policy"),
        id="wildcard-organization-restricts-nobody",
    ),
    case(
        _bucket_policy(_allow({"StringEquals": {"aws:PrincipalAccount": [ACCOUNT, "*"]}})),
        (PUBLIC, "assets-policy"),
        id="one-wildcard-value-restricts-nobody",
    ),
    case(
        _bucket_policy(_allow({"StringEqualsIfExists": OWN_ACCOUNT})),
        (PUBLIC, "assets-policy"),
        id="if-exists-matches-requests-without-the-key",
    ),
    case(
        _bucket_policy(_allow({"StringNotEquals": OWN_ACCOUNT})),
        (PUBLIC, "assets-policy"),
        id="negated-operator-restricts-nobody",
    ),
    case(
        _bucket_policy(_allow({"ForAllValues:StringEquals": {"aws:PrincipalOrgPaths": ["o-a1/r-1/ou-1/"]}})),
        (PUBLIC, "assets-policy"),
        id="for-all-values-matches-requests-without-the-key",
    ),
    case(
        _bucket_policy(_allow({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": ["o-a1/r-1/ou-1/*"]}})),
        id="organization-path-restricts-ok",
    ),
    case(
        _bucket_policy(_allow({"StringEquals": {"aws:SourceVpce": "vpce-0a1b2c3d"}})),
        id="vpc-endpoint-restricts-ok",
    ),
    case(
        _bucket_policy(_allow(NotPrincipal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/x"}, principal=None)),
        (PUBLIC, "assets-policy"),
        id="allow-with-not-principal-is-public",
    ),
    case(_queue_from_topic(f"arn:aws:sns:eu-west-1:{ACCOUNT}:*"), id="source-arn-in-own-account-ok"),
    case(
        _queue_from_topic("arn:aws:sns:*:*:staging-events"),
        (PUBLIC, "jobs-policy"),
        id="source-arn-of-any-account",
    ),
    case(
        _bucket_policy(_allow({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::staging-*"}})),
        (PUBLIC, "assets-policy"),
        id="bucket-name-pattern-matches-other-owners",
    ),
    case(
        lambda s: s.set("assets-policy", policy=UNKNOWN),
        (PUBLIC, "assets-policy"),
        id="policy-unknown-in-preview",
    ),
]


def _public_statement(resource: str, action: str) -> str:
    return doc({"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": action, "Resource": resource})


SERVICE_CASES = [
    case(
        lambda s: s.set("assets", policy=doc(deny_plaintext("s3:*", BUCKET_ARN), _allow())),
        (PUBLIC, "assets"),
        id="inline-bucket-policy-public",
    ),
    case(
        lambda s: s.set("events-policy", policy=_public_statement(TOPIC_ARN, "sns:Subscribe")),
        (PUBLIC, "events-policy"),
        (TLS, "events"),
        id="topic-policy-public",
    ),
    case(
        lambda s: s.set("jobs", policy=_public_statement(QUEUE_ARN, "sqs:*")),
        (PUBLIC, "jobs"),
        id="inline-queue-policy-public",
    ),
    case(
        _add(
            "aws:secretsmanager/secretPolicy:SecretPolicy",
            "secret-policy",
            {"policy": _public_statement("*", "secretsmanager:GetSecretValue")},
        ),
        (PUBLIC, "secret-policy"),
        id="secret-policy-public",
    ),
    case(
        _add(
            "aws:ecr/repositoryPolicy:RepositoryPolicy",
            "repo-policy",
            {"policy": _public_statement("*", "ecr:BatchGetImage")},
        ),
        (PUBLIC, "repo-policy"),
        id="ecr-repository-policy-public",
    ),
    case(
        _add(
            "aws:s3control/accessPointPolicy:AccessPointPolicy",
            "ap-policy",
            {"policy": _public_statement("*", "s3:GetObject")},
        ),
        (PUBLIC, "ap-policy"),
        id="access-point-policy-public",
    ),
    case(
        _add(
            "aws:opensearch/domainPolicy:DomainPolicy",
            "search-policy",
            {"accessPolicies": _public_statement("*", "es:ESHttp*")},
        ),
        (PUBLIC, "search-policy"),
        id="opensearch-access-policy-public",
    ),
    case(
        _add(
            "aws:ecr/repositoryPolicy:RepositoryPolicy",
            "repo-pull",
            {
                "policy": doc(
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                        "Action": "ecr:BatchGetImage",
                    }
                )
            },
        ),
        id="ecr-policy-naming-the-account-ok",
    ),
]


def _without(name: str) -> Mutation:
    return lambda s: s.remove(name)


def _inline_bucket_tls(s: Stack) -> None:
    s.remove("assets-policy")
    s.set("assets", policy=doc(deny_plaintext("s3:*", [BUCKET_ARN, f"{BUCKET_ARN}/*"])))


def _tls_statement(**changes: Any) -> Mutation:
    statement = {**deny_plaintext("s3:*", [BUCKET_ARN, f"{BUCKET_ARN}/*"]), **changes}
    return lambda s: s.set("assets-policy", policy=doc(statement))


TLS_CASES = [
    case(_without("assets-policy"), (TLS, "assets"), id="bucket-without-policy"),
    case(_without("jobs-policy"), (TLS, "jobs"), id="queue-without-policy"),
    case(_without("events-policy"), (TLS, "events"), id="topic-without-policy"),
    case(_inline_bucket_tls, id="inline-bucket-policy-denies-plaintext-ok"),
    case(_tls_statement(Action="s3:PutObject"), (TLS, "assets"), id="deny-covers-writes-only"),
    case(
        _tls_statement(Condition={"Bool": {"aws:SecureTransport": "true"}}),
        (TLS, "assets"),
        id="deny-on-secure-transport-true",
    ),
    case(
        _tls_statement(Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/x"}),
        (TLS, "assets"),
        id="deny-for-one-role-only",
    ),
    case(
        _tls_statement(Effect="Allow"), (TLS, "assets"), (PUBLIC, "assets-policy"), id="allow-instead-of-deny"
    ),
    case(
        _tls_statement(Condition={"BoolIfExists": {"aws:securetransport": ["false"]}}),
        id="bool-if-exists-denies-plaintext-ok",
    ),
    case(
        lambda s: (s.remove("assets-policy"), s.set("assets", policy=UNKNOWN)),
        (PUBLIC, "assets"),  # the resource rule: can't decide during preview (advisory)
        (TLS, "assets"),  # unknown and fed by nothing: the provider's computed value, so no policy
        id="inline-policy-computed-by-provider-in-preview",
    ),
    case(
        lambda s: (
            s.remove("assets-policy"),
            s.set("assets", policy=UNKNOWN),
            s["assets"].property_dependencies.setdefault("policy", [s["key"].urn]),
        ),
        (PUBLIC, "assets"),
        id="inline-policy-from-unknown-output-waits",
    ),
    case(
        lambda s: s.set(
            "jobs",
            kmsMasterKeyId=KEY_ARN,
            policy=json.dumps({"Statement": deny_plaintext("sqs:*", QUEUE_ARN)}),
        ),
        id="single-statement-object-ok",
    ),
]

#: Read by ``tests/policies/test_rule_coverage.py`` too.
CASES = [*CONDITION_CASES, *SERVICE_CASES, *TLS_CASES]


@pytest.mark.parametrize(("mutate", "expected", "config"), CASES)
def test_resource_policy_rule(
    analyze: Any, mutate: Mutation, expected: set[tuple[str, str]], config: dict[str, Any] | None
) -> None:
    assert_case(analyze, mutate, expected, config)


def test_public_statement_message_names_the_statement(analyze: Any) -> None:
    stack = baseline()
    _bucket_policy(_allow({"Bool": {"aws:SecureTransport": "true"}}))(stack)
    (violation,) = analyze(stack).violations
    assert violation.detail.startswith('policy statement Share allows every principal ("*" or NotPrincipal)')
    assert "aws:PrincipalOrgID" in violation.detail
