"""StagingSchedule: universal-target schedules that stop and start the node group and the databases, a role
allowed exactly those calls on exactly those ARNs, and a node group that Pulumi no longer rescales."""

from __future__ import annotations

import dataclasses
import json

import pytest

from blueprint.engine import run_stack
from components.aws_limits import SCHEDULER_NAME
from components.schedule import (
    ScheduledDatabase,
    ScheduledNodeGroup,
    StagingSchedule,
    StagingScheduleArgs,
)
from tests.cost.support import stack_settings
from tests.support import TAGS, inputs, one, policy, record

SCHEDULE = "aws:scheduler/schedule:Schedule"
START = "cron(0 7 ? * MON,TUE,WED,THU,FRI *)"
STOP = "cron(0 19 * * ? *)"
ACCOUNT = "123456789012"


def build(enabled: bool = True):
    args = StagingScheduleArgs(
        name_prefix="staging",
        timezone="Europe/Dublin",
        start_cron=START,
        stop_cron=STOP,
        enabled=enabled,
        node_groups=[
            ScheduledNodeGroup(
                cluster_name="staging", node_group_name="staging-nodes", min_size=1, desired_size=2
            )
        ],
        databases=[
            ScheduledDatabase(identifier="staging-orders"),
            ScheduledDatabase(identifier="staging-ledger", aurora=True),
        ],
        tags=TAGS,
    )
    return record(lambda: StagingSchedule("schedule", args))


def schedules(graph) -> dict[str, dict]:
    return {inputs(r)["name"]: inputs(r) for r in graph.of_type(SCHEDULE)}


def test_every_target_gets_a_stop_every_evening_and_a_start_on_working_days():
    found = schedules(build())
    assert set(found) == {
        f"{target}-{action}"
        for target in ("staging-nodes", "staging-orders", "staging-ledger")
        for action in ("stop", "start")
    }
    for name, s in found.items():
        assert s["scheduleExpression"] == (STOP if name.endswith("-stop") else START)
        assert s["scheduleExpressionTimezone"] == "Europe/Dublin"
        assert s["flexibleTimeWindow"] == {"mode": "OFF"}
        assert s["state"] == "ENABLED"
        assert len(name) <= SCHEDULER_NAME.high


def test_universal_targets_call_the_apis_with_their_requests_and_no_lambda():
    found = schedules(build())
    names = {"ClusterName": "staging", "NodegroupName": "staging-nodes"}
    expected = {
        "staging-nodes-stop": (
            "eks:updateNodegroupConfig",
            {**names, "ScalingConfig": {"MinSize": 0, "DesiredSize": 0}},
        ),
        "staging-nodes-start": (
            "eks:updateNodegroupConfig",
            {**names, "ScalingConfig": {"MinSize": 1, "DesiredSize": 2}},
        ),
        "staging-orders-stop": ("rds:stopDBInstance", {"DbInstanceIdentifier": "staging-orders"}),
        "staging-orders-start": ("rds:startDBInstance", {"DbInstanceIdentifier": "staging-orders"}),
        "staging-ledger-stop": ("rds:stopDBCluster", {"DbClusterIdentifier": "staging-ledger"}),
        "staging-ledger-start": ("rds:startDBCluster", {"DbClusterIdentifier": "staging-ledger"}),
    }
    for name, (api, request) in expected.items():
        target = found[name]["target"]
        assert target["arn"] == f"arn:aws:scheduler:::aws-sdk:{api}"
        assert json.loads(target["input"]) == request
    assert not build().of_type("aws:lambda/function:Function")


def test_the_role_may_make_exactly_these_calls_on_exactly_these_arns():
    graph = build()
    statements = policy(one(graph, "aws:iam/rolePolicy:RolePolicy"))["Statement"]
    allowed = {(s["Action"], arn) for s in statements for arn in s["Resource"]}
    assert all(s["Effect"] == "Allow" and "Condition" not in s for s in statements)
    base = f"arn:aws:{{}}:eu-west-1:{ACCOUNT}"
    assert allowed == {
        ("eks:UpdateNodegroupConfig", base.format("eks") + ":nodegroup/staging/staging-nodes/*"),
        ("rds:StopDBInstance", base.format("rds") + ":db:staging-orders"),
        ("rds:StartDBInstance", base.format("rds") + ":db:staging-orders"),
        ("rds:StopDBCluster", base.format("rds") + ":cluster:staging-ledger"),
        ("rds:StartDBCluster", base.format("rds") + ":cluster:staging-ledger"),
    }
    trust = policy(one(graph, "aws:iam/role:Role"), "assumeRolePolicy")["Statement"]
    assert trust == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "scheduler.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        }
    ]
    role_arn = {inputs(r)["target"]["roleArn"] for r in graph.of_type(SCHEDULE)}
    assert role_arn == {one(graph, "aws:iam/role:Role").outputs["arn"]}


def test_disabled_keeps_the_schedules_but_turns_them_off():
    assert {s["state"] for s in schedules(build(enabled=False)).values()} == {"DISABLED"}


def node_group(graph):
    return one(graph, "aws:eks/nodeGroup:NodeGroup")


@pytest.mark.parametrize("scheduled", [True, False])
def test_the_program_wires_the_default_stack_and_the_node_group_ignores_only_a_scheduled_rescale(scheduled):
    settings = stack_settings()
    if not scheduled:
        config = {k: v for k, v in settings.config.items() if k != "staging-blueprint:schedule"}
        settings = dataclasses.replace(settings, config=config)
    graph = run_stack(settings)
    ignored = set(node_group(graph).options.get("ignoreChanges") or [])
    if scheduled:
        assert ignored == {"scalingConfig.minSize", "scalingConfig.desiredSize"}
        names = set(schedules(graph))
        assert names == {
            "staging-nodes-stop",
            "staging-nodes-start",
            "staging-orders-stop",
            "staging-orders-start",
        }
        group = inputs(node_group(graph))
        start = json.loads(schedules(graph)["staging-nodes-start"]["target"]["input"])
        assert start["NodegroupName"] == group["nodeGroupName"]
        assert start["ScalingConfig"] == {
            "MinSize": group["scalingConfig"]["minSize"],
            "DesiredSize": group["scalingConfig"]["desiredSize"],
        }
    else:
        assert ignored == set()
        assert not graph.of_type(SCHEDULE)
