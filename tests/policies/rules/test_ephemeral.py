"""Ephemeral-slice rules (``guardrails/ephemeral.py``) through the pack process: each has violating and
compliant stacks. The stack name comes from the resources' URNs, as under the engine."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from blueprint.engine.graph import StackGraph
from blueprint.policy import PolicyPackSession
from tests.pack_session import findings
from tests.policies.cases import case
from tests.policies.stack import PROJECT, TAGS, Stack

NOW = "2026-12-06T12:00:00Z"
Build = Callable[[], tuple[Stack, str]]
SLICE_TAGS = {
    **TAGS,
    "ephemeral": "true",
    "ephemeral-pr": "7",
    "ephemeral-expires-at": "2026-12-09T12:00:00Z",  # 72 h after NOW
    "ephemeral-stack": "pr-7",
    "ephemeral-baseline": "staging",
}


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPackSession]:
    with PolicyPackSession(project=PROJECT, stack="pr-7", env={"STAGING_GUARDRAILS_NOW": NOW}) as session:
        yield session


def thin(tags: dict[str, str] | None = None, **role: Any) -> Stack:
    """A slice's thin parts: its workload role and its provisioner's security group."""
    s = Stack()
    s.add(
        "aws:iam/role:Role",
        "workload",
        {"name": "w", "assumeRolePolicy": "{}", "tags": dict(tags or SLICE_TAGS)},
        **role,
    )
    s.add(
        "aws:ec2/securityGroup:SecurityGroup",
        "provisioner-sg",
        {"vpcId": "vpc-1", "tags": dict(tags or SLICE_TAGS)},
    )
    return s


def ephemeral_findings(pack: PolicyPackSession, stack: Stack, stack_name: str) -> set[tuple[str, str]]:
    records = [
        dataclasses.replace(r, urn=r.urn.replace("urn:pulumi:test::", f"urn:pulumi:{stack_name}::"))
        for r in stack.records.values()
    ]
    report = pack.run(StackGraph(PROJECT, stack_name, records))
    return {f for f in findings(report) if f[0].startswith("ephemeral-")}


def test_a_thin_slice_is_compliant(pack):
    assert ephemeral_findings(pack, thin(), "pr-7") == set()


HEAVY = [
    ("aws:eks/cluster:Cluster", {"name": "c", "roleArn": "r", "vpcConfig": {"subnetIds": ["s"]}}),
    ("aws:msk/cluster:Cluster", {"clusterName": "k", "kafkaVersion": "3.9.x", "numberOfBrokerNodes": 2}),
    ("aws:mq/broker:Broker", {"brokerName": "b", "engineType": "RabbitMQ"}),
    ("aws:ec2/natGateway:NatGateway", {"subnetId": "subnet-1"}),
    (
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        {"vpcId": "vpc-1", "vpcEndpointType": "Interface", "serviceName": "x"},
    ),
    ("aws:rds/instance:Instance", {"identifier": "db", "engine": "postgres"}),
    ("aws:rds/cluster:Cluster", {"clusterIdentifier": "db", "engine": "aurora-postgresql"}),
]


def _with_heavy(type_: str, inputs: dict[str, Any]) -> Build:
    def build() -> tuple[Stack, str]:
        s = thin()
        s.add(type_, "heavy", {**inputs, "tags": dict(SLICE_TAGS)})
        return s, "pr-7"

    return build


def _unmarked_expiry(expiry: str | None) -> Build:
    tags = {k: v for k, v in SLICE_TAGS.items() if k != "ephemeral-expires-at"}
    if expiry is not None:
        tags["ephemeral-expires-at"] = expiry
    return lambda: (thin(tags), "pr-7")


_BOTH = ("workload", "provisioner-sg")
#: (build, expected ephemeral findings, config): the ``CASES`` the rule-coverage test collects.
CASES = [
    *(case(_with_heavy(t, i), ("ephemeral-no-heavy-parts", "heavy"), id=f"heavy-{t}") for t, i in HEAVY),
    case(
        lambda: (thin(options={"protect": True}), "pr-7"),
        ("ephemeral-no-protection", "workload"),
        id="protect",
    ),
    case(  # the pack cannot see retainOnDelete; the offline runner reports it under the same rule
        lambda: (thin(options={"retainOnDelete": True}), "pr-7"),
        ("ephemeral-no-protection", "workload"),
        id="retain-on-delete",
    ),
    case(lambda: (thin(TAGS, options={"retainOnDelete": True}), "staging"), id="retain-on-delete-full-stack"),
    case(lambda: (thin(options={"retainOnDelete": False, "protect": False}), "pr-7"), id="destroyable"),
    case(_unmarked_expiry(None), *(("ephemeral-expiry", r) for r in _BOTH), id="no-expiry"),
    case(
        _unmarked_expiry("2026-12-13T12:11:00Z"), *(("ephemeral-expiry", r) for r in _BOTH), id="beyond-max"
    ),
    case(_unmarked_expiry("next week"), *(("ephemeral-expiry", r) for r in _BOTH), id="not-a-time"),
    case(
        _unmarked_expiry("2026-12-09T12:00:00+00:00"), *(("ephemeral-expiry", r) for r in _BOTH), id="not-z"
    ),
    case(_unmarked_expiry("2026-12-13T12:00:00Z"), id="exactly-the-maximum"),
    case(_unmarked_expiry("2026-12-01T00:00:00Z"), id="expired-is-the-janitors-business"),
    *(
        case(
            lambda n=n: (thin(), n),
            *(("ephemeral-markers-on-slices-only", r) for r in _BOTH),
            id=f"marked-{n}",
        )
        for n in ("staging", "production", "pr-07", "pr-", "preview-7")
    ),
    case(lambda: (thin(TAGS), "staging"), id="unmarked-full-stack"),
]


@pytest.mark.parametrize(("build", "expected", "config"), CASES)
def test_case(pack, build, expected, config):
    stack, name = build()
    assert ephemeral_findings(pack, stack, name) == expected


def test_heavy_parts_are_fine_on_a_full_stack_and_gateway_endpoints_in_a_slice(pack):
    full = thin(TAGS)
    full.add("aws:ec2/natGateway:NatGateway", "nat", {"subnetId": "subnet-1"})
    assert ephemeral_findings(pack, full, "staging") == set()
    s = thin()
    s.add(
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        "s3",
        {"vpcId": "vpc-1", "vpcEndpointType": "Gateway", "tags": dict(SLICE_TAGS)},
    )
    assert ephemeral_findings(pack, s, "pr-7") == set()


def retaining_slice() -> StackGraph:
    """The slice's thin parts in stack ``pr-7``, its workload registered with ``retainOnDelete``."""
    stack = thin(options={"retainOnDelete": True})
    records = [
        dataclasses.replace(r, urn=r.urn.replace("urn:pulumi:test::", "urn:pulumi:pr-7::"))
        for r in stack.records.values()
    ]
    return StackGraph(PROJECT, "pr-7", records)


def test_retain_on_delete_in_a_slice_is_mandatory_and_follows_the_rules_level(pack):
    graph = retaining_slice()
    [finding] = [v for v in pack.run(graph).violations if v.policy_name == "ephemeral-no-protection"]
    assert finding.enforcement_level == "mandatory"
    assert "retainOnDelete is set" in finding.message and finding.urn.endswith("::workload")
    # Lowering the rule (here without a justification, itself a stack-level finding) lowers this one too.
    on_workload = [
        [
            v.enforcement_level
            for v in pack.run(graph, {"ephemeral-no-protection": level}).violations
            if v.urn.endswith("::workload")
        ]
        for level in ("advisory", "disabled")
    ]
    assert on_workload == [["advisory"], []]


def test_an_active_exemption_waives_retain_on_delete_and_an_expired_one_does_not(pack):
    graph = retaining_slice()
    today = dt.date.today()

    def on_workload(expires: dt.date, pattern: str = "workload") -> list[str]:
        reason, owner = "kept for the post-mortem of PR 7", "platform-team"
        exemption = {"resource": pattern, "reason": reason, "owner": owner, "expires": expires.isoformat()}
        config = {"ephemeral-no-protection": {"exemptions": [exemption]}}
        return [
            v.enforcement_level
            for v in pack.run(graph, config).violations
            if v.policy_name == "ephemeral-no-protection" and v.urn.endswith("::workload")
            and "retainOnDelete is set" in v.message
        ]  # fmt: skip

    assert on_workload(today + dt.timedelta(days=20)) == []  # by logical name
    assert on_workload(today + dt.timedelta(days=20), "urn:pulumi:pr-7::*::workload") == []  # by URN
    assert on_workload(today + dt.timedelta(days=20), "other") == ["mandatory"]  # matches nothing here
    assert on_workload(today - dt.timedelta(days=1)) == ["mandatory"]  # expired: waives nothing
