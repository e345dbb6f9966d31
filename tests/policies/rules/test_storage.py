"""S3 rules (``guardrails/storage.py``), violating and compliant, through the pack.

The baseline's bucket ``assets`` (``team_stack``) has a Block Public Access resource with every setting
on, default encryption with the stack's CMK and a TLS-only bucket policy.
"""

from __future__ import annotations

from typing import Any

import pytest

from blueprint.engine.graph import UNKNOWN
from tests.policies.cases import Mutation, assert_case, case
from tests.policies.stack import KEY_ARN, Stack, doc
from tests.policies.team_stack import deny_plaintext

BLOCK = "s3-block-public-access"
ACL = "s3-acl-not-public"
CMK = "s3-bucket-encrypted-with-cmk"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
ALL_ON = {
    "blockPublicAcls": True,
    "blockPublicPolicy": True,
    "ignorePublicAcls": True,
    "restrictPublicBuckets": True,
}


def _attached(type_: str, name: str, inputs: dict[str, Any]) -> Mutation:
    """Add a resource configuring the baseline bucket (``bucket`` refers to it)."""
    return lambda s: s.add(type_, name, inputs, refs={"bucket": s["assets"]})


def _acl(inputs: dict[str, Any], type_: str = "aws:s3/bucketAcl:BucketAcl") -> Mutation:
    return _attached(type_, "assets-acl", inputs)


def _grant(uri: str) -> dict[str, Any]:
    return {
        "grants": [{"grantee": {"type": "Group", "uri": uri}, "permission": "READ"}],
        "owner": {"id": "o"},
    }


def _sse(**by_default: Any) -> Mutation:
    return lambda s: s.set("assets-sse", rules=[{"applyServerSideEncryptionByDefault": by_default}])


def _legacy_bucket(s: Stack) -> None:
    """A BucketV2 configured inline, as pulumi-aws 5.x programs did (deprecated, still accepted in 7.x)."""
    rules = [
        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms:dsse", "kmsMasterKeyId": KEY_ARN}}
    ]
    s.add(
        "aws:s3/bucketV2:BucketV2",
        "legacy",
        {
            "serverSideEncryptionConfigurations": [{"rules": rules}],
            "policy": doc(deny_plaintext("s3:*", ["arn:aws:s3:::legacy", "arn:aws:s3:::legacy/*"])),
        },
    )


def _inline_sse(s: Stack) -> None:
    s.remove("assets-sse")
    rule = {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY_ARN}}
    s.set("assets", serverSideEncryptionConfiguration={"rule": rule})


BLOCK_CASES = [
    case(
        lambda s: s.set("assets-pab", restrictPublicBuckets=False),
        (BLOCK, "assets-pab"),
        id="restrict-public-buckets-off",
    ),
    case(lambda s: s.set("assets-pab", ignorePublicAcls=None), (BLOCK, "assets-pab"), id="setting-left-out"),
    case(
        lambda s: s.add(
            "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock",
            "account-pab",
            {**ALL_ON, "blockPublicPolicy": False},
        ),
        (BLOCK, "account-pab"),
        id="account-block-policy-off",
    ),
    case(
        lambda s: s.add("aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock", "account-pab", ALL_ON),
        id="account-block-all-on-ok",
    ),
    case(
        _attached(
            "aws:s3/accessPoint:AccessPoint",
            "assets-ap",
            {"publicAccessBlockConfiguration": {"blockPublicPolicy": False}},
        ),
        (BLOCK, "assets-ap"),
        id="access-point-block-policy-off",
    ),
    case(_attached("aws:s3/accessPoint:AccessPoint", "assets-ap", {}), id="access-point-defaults-block-ok"),
    case(lambda s: s.remove("assets-pab"), id="bucket-without-block-resource-uses-aws-default-ok"),
    case(
        lambda s: s.set("assets-pab", blockPublicAcls=UNKNOWN),
        (BLOCK, "assets-pab"),
        id="setting-unknown-in-preview",
    ),
]

ACL_CASES = [
    case(_acl({"acl": "public-read"}), (ACL, "assets-acl"), id="canned-public-read"),
    case(
        _acl({"acl": "authenticated-read"}, "aws:s3/bucketAclV2:BucketAclV2"),
        (ACL, "assets-acl"),
        id="canned-authenticated-read-v2",
    ),
    case(_acl({"accessControlPolicy": _grant(ALL_USERS)}), (ACL, "assets-acl"), id="grant-to-all-users"),
    case(
        _acl({"accessControlPolicy": _grant(AUTHENTICATED_USERS)}),
        (ACL, "assets-acl"),
        id="grant-to-all-aws-accounts",
    ),
    case(_acl({"acl": "private"}), id="canned-private-ok"),
    case(
        _acl({"accessControlPolicy": _grant("http://acs.amazonaws.com/groups/s3/LogDelivery")}),
        id="log-delivery-grant-ok",
    ),
    case(lambda s: s.set("assets", acl="public-read-write"), (ACL, "assets"), id="inline-bucket-acl-public"),
    case(
        lambda s: s.set("assets", grants=[{"type": "Group", "uri": ALL_USERS, "permissions": ["READ"]}]),
        (ACL, "assets"),
        id="inline-bucket-grant-public",
    ),
    case(
        _attached(
            "aws:s3/bucketObjectv2:BucketObjectv2", "index-html", {"key": "index.html", "acl": "public-read"}
        ),
        (ACL, "index-html"),
        id="object-acl-public",
    ),
]

CMK_CASES = [
    case(lambda s: s.remove("assets-sse"), (CMK, "assets"), id="no-default-encryption"),
    case(_sse(sseAlgorithm="AES256"), (CMK, "assets"), id="sse-s3"),
    case(_sse(sseAlgorithm="aws:kms"), (CMK, "assets"), id="aws-managed-s3-key"),
    case(_sse(sseAlgorithm="aws:kms", kmsMasterKeyId="alias/aws/s3"), (CMK, "assets"), id="aws-s3-alias"),
    case(_sse(sseAlgorithm="aws:kms", kmsMasterKeyId=UNKNOWN), id="key-unknown-in-preview-ok"),
    case(lambda s: s.set("assets-sse", rules=UNKNOWN), id="rules-unknown-in-preview-ok"),
    case(_inline_sse, id="inline-encryption-on-bucket-ok"),
    case(
        lambda s: (s.remove("assets-sse"), s.set("assets", serverSideEncryptionConfiguration=UNKNOWN)),
        (CMK, "assets"),
        id="inline-encryption-computed-by-provider-in-preview",
    ),
    case(_legacy_bucket, id="bucket-v2-inline-configuration-ok"),
    case(
        lambda s: (_legacy_bucket(s), s.set("legacy", serverSideEncryptionConfigurations=None)),
        (CMK, "legacy"),
        id="bucket-v2-without-encryption",
    ),
]

#: Read by ``tests/policies/test_rule_coverage.py`` too.
CASES = [*BLOCK_CASES, *ACL_CASES, *CMK_CASES]


@pytest.mark.parametrize(("mutate", "expected", "config"), CASES)
def test_storage_rule(
    analyze: Any, mutate: Mutation, expected: set[tuple[str, str]], config: dict[str, Any] | None
) -> None:
    assert_case(analyze, mutate, expected, config)
