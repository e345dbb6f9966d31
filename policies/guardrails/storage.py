"""S3: buckets a team adds stay private and are encrypted with the stack's customer-managed key.

A bucket is spread over several resources in pulumi-aws 7.x: ``aws:s3/bucket:Bucket`` (or the deprecated
``BucketV2``, whose inline ``acl``/``policy``/encryption properties still work), a
``BucketPublicAccessBlock``, a ``BucketPolicy`` (``resource_policies.py``), ``BucketAcl`` grants and a
``BucketServerSideEncryptionConfiguration``. The public-access and ACL rules read each resource on its
own; the encryption rule joins them by reference.

Since April 2023 new buckets get Block Public Access on and ACLs disabled by default (Amazon S3 User
Guide, "Blocking public access to your Amazon S3 storage" and "Controlling ownership of objects"), so a
bucket without a ``BucketPublicAccessBlock`` is private; a team makes one public by adding a block with
a setting turned off, a public ACL or a public policy, which is what these rules catch.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, Severity

from . import _types as t
from ._kms import cmk_problem
from ._props import UNKNOWN, as_list, known, peek
from ._rule import Equivalents, Finding, RuleContext, RuleSpec, resource_rule, stack_rule
from ._stack import StackIndex, configured

_MANDATORY = EnforcementLevel.MANDATORY

BLOCK_PUBLIC_ACCESS = RuleSpec(
    name="s3-block-public-access",
    concern="access",
    description="S3 Block Public Access settings (bucket, account or access point) must all be on.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Set blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets to "
    "true (or delete the BucketPublicAccessBlock: new buckets block public access by default). Serve "
    "public content through the Edge or CloudFront with origin access control, not a public bucket.",
    equivalents=Equivalents(
        checkov=("CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56", "CKV_AWS_392"),
        cdk_nag=("AwsSolutions-S2", "NIST.800.53.R5-S3BucketLevelPublicAccessProhibited"),
    ),
)
_BLOCK_SETTINGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _check_block(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if ctx.resource_type == t.S3_ACCESS_POINT:
        # Access points block public access unless told otherwise (each setting defaults to true).
        block = known(props, "publicAccessBlockConfiguration") or {}
        for setting in _BLOCK_SETTINGS:
            if known(block, setting) is False:
                yield f"publicAccessBlockConfiguration.{setting} is false."
        return
    # A BucketPublicAccessBlock / AccountPublicAccessBlock setting left out is false (the provider's
    # default), so every setting must be set explicitly.
    off = [setting for setting in _BLOCK_SETTINGS if known(props, setting) is not True]
    if off:
        yield f"{', '.join(off)} not true: public ACLs or policies can take effect."


ACL_NOT_PUBLIC = RuleSpec(
    name="s3-acl-not-public",
    concern="access",
    description="S3 bucket and object ACLs must not grant access to everyone or to all AWS accounts.",
    level=_MANDATORY,
    severity=Severity.CRITICAL,
    remediation="Remove the acl (keep objectOwnership BucketOwnerEnforced, which disables ACLs) or use "
    "'private'; grant access with a bucket policy naming principals instead.",
    equivalents=Equivalents(
        checkov=("CKV_AWS_20", "CKV_AWS_57"),
        cdk_nag=(
            "NIST.800.53.R5-S3BucketPublicReadProhibited",
            "NIST.800.53.R5-S3BucketPublicWriteProhibited",
        ),
    ),
)
#: Canned ACLs granting the AllUsers or AuthenticatedUsers group (Amazon S3 User Guide, "Canned ACL").
_PUBLIC_CANNED_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read"})
#: Grantee groups: anyone, and anyone with an AWS account (S3 User Guide, "Amazon S3 predefined groups").
_PUBLIC_GROUPS = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)


def _public_grantees(props: Mapping[str, Any], resource_type: str) -> list[str]:
    """Public group URIs among the grants (``BucketAcl`` access control policy, or ``Bucket.grants``)."""
    if resource_type in t.S3_BUCKET_ACLS:
        grants = as_list(known(props, "accessControlPolicy", "grants"))
        uris = [known(grant, "grantee", "uri") for grant in grants if isinstance(grant, Mapping)]
    else:
        uris = [
            known(grant, "uri") for grant in as_list(known(props, "grants")) if isinstance(grant, Mapping)
        ]
    return [uri for uri in uris if isinstance(uri, str) and uri.rstrip("/") in _PUBLIC_GROUPS]


def _check_acl(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    acl = known(props, "acl")
    if acl in _PUBLIC_CANNED_ACLS:
        who = "every AWS account" if acl == "authenticated-read" else "everyone"
        yield f"acl is {acl!r}: {who} can {'read and write' if acl.endswith('write') else 'read'}."
    if ctx.resource_type not in t.S3_OBJECTS:
        for uri in _public_grantees(props, ctx.resource_type):
            yield f"a grant gives {uri.rsplit('/', 1)[-1]} access."


BUCKET_CMK = RuleSpec(
    name="s3-bucket-encrypted-with-cmk",
    concern="encryption",
    description="S3 buckets must encrypt objects by default with the stack's customer-managed KMS key.",
    level=_MANDATORY,
    severity=Severity.MEDIUM,
    remediation="Add an aws.s3.BucketServerSideEncryptionConfiguration for the bucket with "
    "applyServerSideEncryptionByDefault {sseAlgorithm: 'aws:kms', kmsMasterKeyId: <the SecretVault key's "
    "ARN>} and bucketKeyEnabled=true (fewer KMS calls).",
    equivalents=Equivalents(checkov=("CKV_AWS_145",), cdk_nag=("NIST.800.53.R5-S3DefaultEncryptionKMS",)),
)
_KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")


def _default_encryption(bucket: PolicyResource, index: StackIndex) -> list[Any]:
    """Every ``applyServerSideEncryptionByDefault`` block that applies to ``bucket``: inline ones
    (``Bucket.serverSideEncryptionConfiguration.rule``, ``BucketV2.serverSideEncryptionConfigurations[]
    .rules[]``) and those of SSE configuration resources naming the bucket."""
    # The inline properties are computed from the bucket's actual configuration: unknown in a preview
    # unless the program set them (``configured``), the live default (SSE-S3) once deployed.
    inline = configured(bucket, "serverSideEncryptionConfiguration")
    rules = [inline if inline is UNKNOWN else peek(inline, "rule")] if inline is not None else []
    for config in as_list(configured(bucket, "serverSideEncryptionConfigurations")):
        rules += [UNKNOWN] if config is UNKNOWN else as_list(peek(config, "rules"))
    for config in index.referrers(bucket, "bucket", t.S3_SSE_CONFIGS):
        rules += as_list(peek(config.props, "rules"))
    # An unknown rule (preview) stays UNKNOWN so the check waits for it.
    return [rule if rule is UNKNOWN else peek(rule, "applyServerSideEncryptionByDefault") for rule in rules]


def _encryption_problem(defaults: list[Any]) -> str | None:
    if any(default is UNKNOWN for default in defaults):
        return None  # decided once the configuration is known
    defaults = [default for default in defaults if isinstance(default, Mapping)]
    if not defaults:
        return "no default encryption configured: objects get SSE-S3 with an AWS owned key."
    for default in defaults:
        algorithm = peek(default, "sseAlgorithm")
        key = peek(default, "kmsMasterKeyId")
        if isinstance(algorithm, str) and algorithm not in _KMS_ALGORITHMS:
            return f"sseAlgorithm is {algorithm!r} (SSE-S3): an AWS owned key, not the stack's CMK."
        problem = cmk_problem(key, "kmsMasterKeyId", "objects use the AWS managed aws/s3 key")
        if problem:
            return problem
    return None


def _check_bucket_cmk(resources: list[PolicyResource], ctx: RuleContext) -> Iterator[Finding]:
    index = StackIndex(resources)
    for bucket in index.of_type(*sorted(t.S3_BUCKETS)):
        problem = _encryption_problem(_default_encryption(bucket, index))
        if problem:
            yield Finding(bucket, problem)


POLICIES = [
    resource_rule(
        BLOCK_PUBLIC_ACCESS,
        {t.S3_PUBLIC_ACCESS_BLOCK, t.S3_ACCOUNT_PUBLIC_ACCESS_BLOCK, t.S3_ACCESS_POINT},
        _check_block,
    ),
    resource_rule(ACL_NOT_PUBLIC, t.S3_BUCKETS | t.S3_BUCKET_ACLS | t.S3_OBJECTS, _check_acl),
    stack_rule(BUCKET_CMK, t.S3_BUCKETS, _check_bucket_cmk),
]
