"""Resource policies: who may reach a team's buckets, queues, topics, secrets, repositories and search
domains, and that they are reached over TLS only.

A resource policy statement that allows every principal (``"*"``, or ``NotPrincipal``) is public unless a
condition pins who can act (``_iam.restricts_principal``: an organization, account, source ARN, VPC or
VPC endpoint). KMS key policies, role trust and Lambda permissions have rules of their own
(``encryption.py``, ``access.py``) built on the same test.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, Severity

from . import _iam
from . import _types as t
from ._props import UNKNOWN, as_list, is_set, known, peek, statements
from ._rule import Equivalents, Finding, RuleContext, RuleSpec, resource_rule, stack_rule
from ._stack import StackIndex, configured

_MANDATORY = EnforcementLevel.MANDATORY

POLICY_NOT_PUBLIC = RuleSpec(
    name="resource-policy-not-public",
    concern="access",
    description="Resource policies of S3 buckets and access points, SQS queues, SNS topics, secrets, ECR "
    "repositories and OpenSearch domains must not allow every principal unless a condition restricts "
    "who can act.",
    level=_MANDATORY,
    severity=Severity.CRITICAL,
    remediation="Name the principals (account root, role ARNs, service principals) in each Allow "
    "statement, or keep Principal '*' and add StringEquals on aws:PrincipalOrgID / aws:PrincipalAccount, "
    "or aws:SourceArn / aws:SourceAccount for AWS services, or aws:SourceVpce for VPC endpoints. "
    "aws:SecureTransport or aws:SourceIp alone do not say who may act.",
    equivalents=Equivalents(
        checkov=("CKV_AWS_70", "CKV_AWS_168", "CKV_AWS_169", "CKV_AWS_32"),
        cdk_nag=("AwsSolutions-OS5", "AwsSolutions-ECR1"),
    ),
)
#: Resource type -> the property holding its resource policy (pulumi-aws 7.x wire names).
_POLICY_PROPS = {
    **{bucket: "policy" for bucket in t.S3_BUCKETS},
    t.S3_BUCKET_POLICY: "policy",
    t.S3_ACCESS_POINT: "policy",
    t.S3_ACCESS_POINT_POLICY: "policy",
    t.SQS_QUEUE: "policy",
    t.SQS_QUEUE_POLICY: "policy",
    t.SNS_TOPIC: "policy",
    t.SNS_TOPIC_POLICY: "policy",
    t.SECRET: "policy",
    t.SECRET_POLICY: "policy",
    t.ECR_REPOSITORY_POLICY: "policy",
    **{domain: "accessPolicies" for domain in t.SEARCH_DOMAINS | t.SEARCH_DOMAIN_POLICIES},
}


def _check_not_public(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    prop = _POLICY_PROPS[ctx.resource_type]
    for sid in _iam.public_sids(statements(known(props, prop))):
        yield f"{prop} statement {sid} {_iam.PUBLIC_GRANT}."


POLICY_REQUIRES_TLS = RuleSpec(
    name="resource-policy-requires-tls",
    concern="encryption",
    description="S3 buckets, SQS queues and SNS topics must have a resource policy that denies requests "
    "made without TLS.",
    level=_MANDATORY,
    severity=Severity.MEDIUM,
    remediation="Add to the bucket, queue or topic policy a statement {Effect: Deny, Principal: '*', "
    "Action: 's3:*' | 'sqs:*' | 'sns:Publish', Resource: <the resource (and its objects)>, Condition: "
    "{Bool: {'aws:SecureTransport': 'false'}}}.",
    equivalents=Equivalents(
        cdk_nag=(
            "AwsSolutions-S10",
            "AwsSolutions-SQS4",
            "AwsSolutions-SNS3",
            "NIST.800.53.R5-S3BucketSSLRequestsOnly",
        )
    ),
)


#: Subject type -> (what to call it, the policy resource types attached to it and the property naming
#: the subject, actions the Deny must cover). S3, SQS and SNS serve plain HTTP endpoints too; their
#: security best practices (S3 User Guide, SQS Developer Guide, SNS Developer Guide) all enforce TLS with
#: this Deny on aws:SecureTransport.
_TLS_SUBJECTS: dict[str, tuple[str, tuple[str, ...], str, tuple[str, ...]]] = {
    **{
        b: ("bucket", (t.S3_BUCKET_POLICY,), "bucket", ("s3:GetObject", "s3:PutObject")) for b in t.S3_BUCKETS
    },
    t.SQS_QUEUE: ("queue", (t.SQS_QUEUE_POLICY,), "queueUrl", ("sqs:SendMessage", "sqs:ReceiveMessage")),
    t.SNS_TOPIC: ("topic", (t.SNS_TOPIC_POLICY,), "arn", ("sns:Publish",)),
}


def _denies_plaintext(statement: Mapping[str, Any], actions: tuple[str, ...]) -> bool:
    """A Deny for every principal, covering ``actions``, when ``aws:SecureTransport`` is false."""
    if statement.get("Effect") != "Deny" or "*" not in _iam.principals(statement, "AWS"):
        return False
    if not all(_iam.grants_action(statement, action) for action in actions):
        return False
    for operator, tests in _iam.conditions(statement).items():
        if operator not in ("Bool", "BoolIfExists") or not isinstance(tests, Mapping):
            continue
        keys = [key for key in tests if str(key).lower() == "aws:securetransport"]
        if any(str(value).lower() == "false" for key in keys for value in as_list(tests[key])):
            return True
    return False


def _policies_of(subject: PolicyResource, index: StackIndex) -> list[Any]:
    """The subject's inline ``policy`` and those of policy resources attached to it (``UNKNOWN`` when
    not known yet); an empty inline policy (the provider's output for none) is left out."""
    _, policy_types, prop, _ = _TLS_SUBJECTS[subject.resource_type]
    # The inline ``policy`` is computed from the attached policy: unknown in a preview unless set.
    documents = [configured(subject, "policy")]
    documents += [peek(p.props, "policy") for p in index.referrers(subject, prop, set(policy_types))]
    return [d for d in documents if d is UNKNOWN or is_set(d)]


def _check_requires_tls(resources: list[PolicyResource], ctx: RuleContext) -> Iterator[Finding]:
    index = StackIndex(resources)
    for subject in index.of_type(*_TLS_SUBJECTS):
        what, _, _, actions = _TLS_SUBJECTS[subject.resource_type]
        documents = _policies_of(subject, index)
        if any(d is UNKNOWN for d in documents):
            continue  # decided once the policy is known
        if not any(_denies_plaintext(s, actions) for d in documents for s in statements(d)):
            yield Finding(
                subject,
                f"no {what} policy denies requests without TLS (Deny, Principal '*', {', '.join(actions)}, "
                "Bool aws:SecureTransport=false): clients may use plain HTTP.",
            )


POLICIES = [
    resource_rule(POLICY_NOT_PUBLIC, set(_POLICY_PROPS), _check_not_public),
    stack_rule(POLICY_REQUIRES_TLS, set(_TLS_SUBJECTS), _check_requires_tls),
]
