"""Data-safety rules (``guardrails/data_safety.py``): deletion protection, final snapshots, backups.

Each case mutates the compliant baseline and states the exact (policy, resource) findings of the whole pack.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from blueprint.engine.graph import StackGraph
from blueprint.policy import PolicyPackSession
from tests.pack_session import findings
from tests.policies.cases import Mutation, assert_case, case
from tests.policies.stack import PROJECT, Stack, baseline

CASES = [
    case(
        lambda s: s.set("db", deletionProtection=False),
        ("rds-deletion-protection", "db"),
        id="no-deletion-protection",
    ),
    case(
        lambda s: s.set("aurora", skipFinalSnapshot=True),
        ("rds-final-snapshot", "aurora"),
        id="skip-final-snapshot",
    ),
    case(
        lambda s: s.set("db", finalSnapshotIdentifier=None),
        ("rds-final-snapshot", "db"),
        id="unnamed-final-snapshot",
    ),
    case(lambda s: s.set("db", backupRetentionPeriod=0), ("rds-backup-retention", "db"), id="no-backups"),
    case(
        lambda s: s.set("aurora", backupRetentionPeriod=None),
        ("rds-backup-retention", "aurora"),
        id="backup-retention-unset",
    ),
]


@pytest.mark.parametrize(("mutate", "expected", "config"), CASES)
def test_data_safety_rule(
    analyze: Any, mutate: Mutation, expected: set[tuple[str, str]], config: dict[str, Any] | None
) -> None:
    assert_case(analyze, mutate, expected, config)


# --- no-stop-schedule-on-production ------------------------------------------------------------------------

SCHEDULE = "aws:scheduler/schedule:Schedule"
PROD_TAGS = {"environment": "production", "owner": "platform-team", "cost-center": "cc-1"}


def stop_schedule(api: str = "rds:stopDBInstance", name: str = "nightly-stop") -> Callable[[Stack], Any]:
    """Add an EventBridge Scheduler schedule whose universal target calls ``api``."""

    def mutate(s: Stack) -> None:
        s.add(
            SCHEDULE,
            name,
            {
                "name": name,
                "scheduleExpression": "cron(0 19 * * ? *)",
                "scheduleExpressionTimezone": "Europe/Dublin",
                "flexibleTimeWindow": {"mode": "OFF"},
                "target": {
                    "arn": f"arn:aws:scheduler:::aws-sdk:{api}",
                    "roleArn": "arn:aws:iam::123456789012:role/schedule",
                    "input": "{}",
                },
            },
        )

    return mutate


def on_production(*mutations: Callable[[Stack], Any]) -> Callable[[Stack], Any]:
    """The mutations, on a stack whose database says it is production (its environment tag)."""

    def mutate(s: Stack) -> None:
        s.set("db", tags=dict(PROD_TAGS))
        for m in mutations:
            m(s)

    return mutate


def asg_to_zero(s: Stack) -> None:
    s.add(
        "aws:autoscaling/schedule:Schedule",
        "night",
        {"autoscalingGroupName": "asg", "scheduledActionName": "night", "desiredCapacity": 0, "minSize": 0},
    )


#: The baseline's own staging stop schedule (tests/policies/stack.py), flagged too on a production stack.
BASELINE_STOP = ("no-stop-schedule-on-production", "db-stop")
SCHEDULE_CASES = [
    case(
        on_production(stop_schedule()),
        ("no-stop-schedule-on-production", "nightly-stop"),
        BASELINE_STOP,
        id="prod-tag-stop-db",
    ),
    case(
        on_production(stop_schedule("eks:updateNodegroupConfig", "nodes-stop")),
        ("no-stop-schedule-on-production", "nodes-stop"),
        BASELINE_STOP,
        id="prod-tag-scale-nodes",
    ),
    case(
        on_production(stop_schedule("rds:stopDBCluster", "aurora-stop")),
        ("no-stop-schedule-on-production", "aurora-stop"),
        BASELINE_STOP,
        id="prod-tag-stop-cluster",
    ),
    case(
        on_production(asg_to_zero),
        ("no-stop-schedule-on-production", "night"),
        BASELINE_STOP,
        id="prod-asg-to-zero",
    ),
    case(stop_schedule(), id="staging-stop-schedule-is-fine"),
    case(stop_schedule("eks:updateNodegroupConfig", "nodes-stop"), id="staging-node-schedule-is-fine"),
    case(
        on_production(lambda s: s.remove("db-stop"), stop_schedule("sqs:sendMessage", "report")),
        id="prod-non-stopping-schedule-is-fine",
    ),
    case(
        on_production(stop_schedule()),
        config={"no-stop-schedule-on-production": {"productionNames": ["live"]}},
        id="production-names-configurable",
    ),
]
CASES += SCHEDULE_CASES


@pytest.mark.parametrize(("mutate", "expected", "config"), SCHEDULE_CASES)
def test_no_stop_schedule_on_production(
    analyze: Any, mutate: Mutation, expected: set[tuple[str, str]], config: dict[str, Any] | None
) -> None:
    assert_case(analyze, mutate, expected, config)


@pytest.fixture(scope="module")
def prod_pack() -> Iterator[PolicyPackSession]:
    with PolicyPackSession(project=PROJECT, stack="prod-eu") as session:
        yield session


def _named(stack: Stack, stack_name: str) -> StackGraph:
    records = [
        dataclasses.replace(r, urn=r.urn.replace("urn:pulumi:test::", f"urn:pulumi:{stack_name}::"))
        for r in stack.records.values()
    ]
    return StackGraph(PROJECT, stack_name, records)


@pytest.mark.parametrize(
    ("stack_name", "api", "expected"),
    [
        ("prod-eu", "rds:stopDBInstance", {("no-stop-schedule-on-production", "nightly-stop")}),
        ("prod-eu", "sqs:sendMessage", set()),
    ],
)
def test_a_production_stack_name_alone_makes_the_stack_production_like(
    prod_pack: PolicyPackSession, stack_name: str, api: str, expected: set[tuple[str, str]]
) -> None:
    s = Stack()
    stop_schedule(api)(s)
    found = {
        f for f in findings(prod_pack.run(_named(s, stack_name))) if f[0] == "no-stop-schedule-on-production"
    }
    assert found == expected


def test_the_baseline_staging_stack_with_its_stop_schedule_is_compliant(analyze: Any) -> None:
    s = baseline()
    assert "db-stop" in s.records
    assert not {f for f in findings(analyze(s, None)) if f[0] == "no-stop-schedule-on-production"}
