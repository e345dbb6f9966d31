"""Tagging: every taggable AWS resource says which environment it belongs to, who owns it, who pays.

Advisory: a missing tag breaks cost allocation and ownership lookups, not a security boundary, and a
pull request should not be blocked on it. Components apply the stack's tags through
``components.common.with_name``, so a violation usually means a component forgot to pass ``tags``.

Which types are taggable comes from ``taggable_aws_types.txt``, generated from the pulumi-aws SDK by
``policies/tools/generate_taggable_types.py``: inputs carry ``tags`` only when the program set them, so
the absence of the key cannot tell a forgotten tag from an untaggable type. Tags from the AWS provider's
``defaultTags`` count (the real provider merges them into ``tags`` during Check; the offline recorder
does not).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from ._props import known, parse_document, peek, tag_map
from ._rule import RuleContext, RuleSpec, resource_rule

_TYPES_FILE = Path(__file__).with_name("taggable_aws_types.txt")


@cache
def taggable_aws_types() -> frozenset[str]:
    """Type tokens of pulumi-aws resources whose inputs accept ``tags``."""
    lines = _TYPES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


REQUIRED_TAGS = RuleSpec(
    name="required-tags",
    concern="tagging",
    description="Taggable AWS resources must carry the required tags with non-empty values.",
    level=EnforcementLevel.ADVISORY,
    severity=Severity.LOW,
    remediation="Pass the stack tags (config staging-blueprint:tags plus environment) to the resource, "
    "e.g. tags=with_name(args.tags, name), or set them once as the AWS provider's defaultTags.",
    settings={
        "requiredTags": {
            "type": "array",
            "items": {"type": "string"},
            "default": ["environment", "owner", "cost-center"],
            "description": "tag keys every taggable resource must carry",
        }
    },
)


def _provider_default_tags(ctx: RuleContext) -> dict[str, Any]:
    """The provider's ``defaultTags.tags``; provider inputs may hold it as JSON text (SDKs encode
    structured provider config that way) or as an object."""
    if ctx.provider is None:
        return {}
    default_tags = parse_document(peek(ctx.provider.props, "defaultTags")) or {}
    return tag_map(peek(default_tags, "tags"))


def _check_tags(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    tags = {**_provider_default_tags(ctx), **tag_map(known(props, "tags"))}
    # An unknown value (computed during preview) still counts as present.
    missing = [key for key in ctx.setting("requiredTags") if tags.get(key) in (None, "")]
    if missing:
        yield f"missing tag(s): {', '.join(missing)}."


POLICIES = [resource_rule(REQUIRED_TAGS, taggable_aws_types(), _check_tags)]
