"""Ephemeral slices: a pull request's stack (``pr-<n>``) stays thin, disposable and marked with its
expiry; a full stack never carries the marks that would let the janitor destroy it.

The stack's name is read from each resource's URN (``urn:pulumi:<stack>::<project>::...``), as the engine
sends it. Tag keys are the program's (``components/pr_slice.py``); they are repeated here because the pack
imports nothing from the program.

- ``ephemeral-no-heavy-parts``: a slice shares the baseline's cluster, brokers, NAT, interface endpoints and
  database instances; creating one costs hours and dollars per PR.
- ``ephemeral-no-protection``: ``protect`` in a slice makes ``destroy`` fail and the slice outlive its PR.
  ``retainOnDelete`` (destroy leaves the resource in the account) is not part of the Analyzer protocol's
  resource options, pulumi-policy 1.21's ``PolicyResourceOptions``, so this pack cannot see it; the offline
  preview (``python -m blueprint preview``, blueprint/policy/retain.py) reports it under this rule's name.
- ``ephemeral-expiry``: every taggable AWS resource of a slice carries ``ephemeral-expires-at`` (RFC 3339
  UTC), at most ``maxTtlHours`` ahead.
- ``ephemeral-markers-on-slices-only``: an ``ephemeral*`` tag on a resource of any other stack is refused:
  a typo must never make staging reapable.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Iterator
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, Severity

from . import _types as t
from ._props import peek, tag_map
from ._rule import Finding, RuleContext, RuleSpec, stack_rule
from .tagging import taggable_aws_types

PR_STACK = re.compile(r"pr-[1-9][0-9]*")
EXPIRES_TAG = "ephemeral-expires-at"
MARKER_PREFIX = "ephemeral"
#: Overrides the current time (``YYYY-MM-DDTHH:MM:SSZ``) for tests.
NOW_ENV = "STAGING_GUARDRAILS_NOW"

#: Types a slice must never create (the baseline's shared, slow and costly parts).
HEAVY = frozenset(
    {
        "aws:eks/cluster:Cluster",
        "aws:eks/nodeGroup:NodeGroup",
        "aws:msk/cluster:Cluster",
        "aws:msk/serverlessCluster:ServerlessCluster",
        "aws:mq/broker:Broker",
        "aws:ec2/natGateway:NatGateway",
        "aws:ec2/vpc:Vpc",
        t.RDS_INSTANCE,
        t.RDS_CLUSTER,
        "aws:rds/clusterInstance:ClusterInstance",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "aws:opensearch/domain:Domain",
        "aws:ec2/instance:Instance",
    }
)
_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"


class _Any(frozenset[str]):
    """``applies_to`` for rules about every resource type."""

    def __contains__(self, item: object) -> bool:
        return True


_EVERY_TYPE = _Any({"any resource"})


def stack_of(resource: PolicyResource) -> str:
    """The stack name in the resource's URN."""
    return resource.urn.split("::", 1)[0].split(":", 2)[-1]


def _slices(resources: Iterable[PolicyResource]) -> Iterator[PolicyResource]:
    return (r for r in resources if PR_STACK.fullmatch(stack_of(r)))


NO_HEAVY = RuleSpec(
    name="ephemeral-no-heavy-parts",
    concern="data-safety",
    description="A pull request's slice (stack pr-<n>) must not create the baseline's heavy parts.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    remediation="Use the baseline's cluster, brokers, NAT, endpoints and database instance through "
    "ephemeral.parts (a namespace, a vhost, a database on the shared instance) instead.",
)


def _check_heavy(resources: list[PolicyResource], ctx: RuleContext) -> Iterator[Finding]:
    for res in _slices(resources):
        interface = res.resource_type == _ENDPOINT and peek(res.props, "vpcEndpointType") == "Interface"
        if res.resource_type in HEAVY or interface:
            yield Finding(res, f"{res.resource_type} is a heavy part the baseline already provides.")


NO_PROTECTION = RuleSpec(
    name="ephemeral-no-protection",
    concern="data-safety",
    description="A pull request's slice must be destroyable: no resource is protected.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    remediation="Remove protect (and retainOnDelete, which only the offline preview sees) from the slice's "
    "resources; a slice's data is disposable by design.",
)


def _check_protection(resources: list[PolicyResource], ctx: RuleContext) -> Iterator[Finding]:
    for res in _slices(resources):
        if res.opts.protect:
            yield Finding(res, "protect is set: `pulumi destroy` would fail and the slice outlive its PR.")


EXPIRY = RuleSpec(
    name="ephemeral-expiry",
    concern="tagging",
    description="Every taggable AWS resource of a slice carries its expiry, at most the maximum TTL ahead.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    remediation="Set staging-blueprint:ephemeral.expiresAt (python -m blueprint ephemeral up/extend does).",
    settings={
        "maxTtlHours": {"type": "integer", "default": 168, "description": "the longest time to live"},
    },
)


def _now() -> dt.datetime:
    override = os.environ.get(NOW_ENV, "").strip()
    if override:
        return dt.datetime.strptime(override, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    return dt.datetime.now(dt.UTC)


def _expiry_problem(value: Any, latest: dt.datetime) -> str | None:
    if not isinstance(value, str):
        return f"has no {EXPIRES_TAG} tag: the janitor could never tell when it may go."
    try:
        expires = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return f"{EXPIRES_TAG}={value!r} is not a UTC time like 2026-12-09T18:00:00Z."
    if expires > latest:
        return f"{EXPIRES_TAG}={value} is beyond the maximum time to live."
    return None


def _check_expiry(resources: list[PolicyResource], ctx: RuleContext) -> Iterator[Finding]:
    taggable = taggable_aws_types()
    latest = _now() + dt.timedelta(hours=int(ctx.setting("maxTtlHours")), minutes=10)
    for res in _slices(resources):
        if res.resource_type not in taggable:
            continue
        problem = _expiry_problem(tag_map(peek(res.props, "tags")).get(EXPIRES_TAG), latest)
        if problem is not None:
            yield Finding(res, problem)


MARKERS = RuleSpec(
    name="ephemeral-markers-on-slices-only",
    concern="tagging",
    description="Only a pull request's slice (stack pr-<n>) may carry ephemeral tags.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation="Remove the ephemeral* tags (and staging-blueprint:ephemeral) from this stack: the janitor "
    "destroys what carries them.",
)


def _check_markers(resources: list[PolicyResource], ctx: RuleContext) -> Iterator[Finding]:
    for res in resources:
        if PR_STACK.fullmatch(stack_of(res)):
            continue
        marks = sorted(k for k in tag_map(peek(res.props, "tags")) if str(k).startswith(MARKER_PREFIX))
        if marks:
            yield Finding(res, f"stack {stack_of(res)!r} is not a slice but carries {', '.join(marks)}.")


POLICIES = [
    stack_rule(NO_HEAVY, HEAVY | {_ENDPOINT}, _check_heavy),
    stack_rule(NO_PROTECTION, _EVERY_TYPE, _check_protection),
    stack_rule(EXPIRY, taggable_aws_types(), _check_expiry),
    stack_rule(MARKERS, taggable_aws_types(), _check_markers),
]
