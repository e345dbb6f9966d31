"""``StagingSchedule``: outside the hours staging runs, the EKS node group scales to zero and the databases
stop; in the morning they start again. No Lambda: EventBridge Scheduler calls the AWS APIs itself through
universal targets (``arn:<partition>:scheduler:::aws-sdk:<service>:<apiAction>``, the API request as the
JSON input; EventBridge Scheduler User Guide, "Using universal targets"). The request's members are named
as the AWS SDK for Java 2.x names them, in PascalCase even where the service's own API is camelCase (EKS:
``ClusterName``, ``ScalingConfig.MinSize``), and ``DB`` as ``Db`` (``DbInstanceIdentifier``). Sources, read
2026-12-07: the Step Functions Developer Guide, "AWS SDK service integrations", "API naming conventions"
(the same SDK-integration convention); the AWS CDK's ``aws_scheduler_targets.Universal`` example, which
passes ``DbClusterIdentifier`` to ``rds:stopDBCluster``. No schedule has been run against a live account
from here: moto stores schedules without invoking them.

Per target, two schedules (``flexibleTimeWindow`` OFF: they run at the minute, in ``timezone``):

- the node group: ``eks:updateNodegroupConfig`` with ``ScalingConfig`` ``MinSize 0, DesiredSize 0`` at
  ``stop``, and the configured ``MinSize``/``DesiredSize`` at ``start`` (``maxSize`` is never touched; EKS
  allows 0 for both, API reference "NodegroupScalingConfig"). The node group itself ignores changes to
  ``scalingConfig.minSize`` and ``scalingConfig.desiredSize`` (``NodeGroupArgs.scheduled``), so ``pulumi up``
  in the evening does not start the nodes again, nor fail on a refreshed ``desiredSize`` of 0;
- an RDS instance: ``rds:stopDBInstance`` / ``rds:startDBInstance``; an Aurora cluster:
  ``rds:stopDBCluster`` / ``rds:startDBCluster`` (its instances stop with it).

The stop runs every day, the start on the working days only: RDS starts a database that has been stopped
for seven days by itself (``components.aws_limits.RDS_STOPPED_RESTART_DAYS``); the next evening's stop
stops it again. On a day it is already stopped the call fails harmlessly (the target is in the wrong state).

The role EventBridge Scheduler assumes may call exactly those actions on exactly those ARNs; its trust
policy pins ``aws:SourceAccount`` (confused deputy). What cannot be stopped keeps billing: the EKS control
plane, MSK Provisioned brokers and Amazon MQ brokers (neither service has a stop operation), NAT gateways,
interface endpoints, storage (docs/cost.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.common import (
    AwsContext,
    StagingComponent,
    assume_role_policy,
    child_opts,
    policy_document,
    with_name,
)
from components.schedule_names import Action, schedule_name

SCHEDULER_PRINCIPAL = "scheduler.amazonaws.com"


@dataclass(frozen=True, kw_only=True)
class ScheduledNodeGroup:
    """A managed node group the schedule scales to zero.

    Attributes:
        cluster_name: the EKS cluster's name.
        node_group_name: the node group's name.
        min_size, desired_size: what the morning start restores (the configured sizes).
    """

    cluster_name: str
    node_group_name: str
    min_size: int
    desired_size: int


@dataclass(frozen=True, kw_only=True)
class ScheduledDatabase:
    """An RDS instance (``aurora`` False) or Aurora cluster (``aurora`` True) the schedule stops, by its
    identifier."""

    identifier: str
    aurora: bool = False


@dataclass(frozen=True, kw_only=True)
class StagingScheduleArgs:
    """Arguments of ``StagingSchedule``.

    Attributes:
        name_prefix: prefix of the role's name (the environment).
        timezone: IANA time zone of the cron expressions.
        start_cron, stop_cron: EventBridge Scheduler ``cron(...)`` expressions.
        enabled: False creates the schedules in state ``DISABLED``.
        node_groups, databases: what the schedule stops and starts.
        tags: tags of the role (schedules take none).
    """

    name_prefix: str
    timezone: str
    start_cron: str
    stop_cron: str
    enabled: bool = True
    node_groups: Sequence[ScheduledNodeGroup] = ()
    databases: Sequence[ScheduledDatabase] = ()
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Call:
    """One universal-target call: the schedule's target, the API action and the request."""

    target: str
    action: Action
    service: str
    api_action: str
    iam_action: str
    request: dict[str, Any]


def node_group_calls(group: ScheduledNodeGroup) -> list[_Call]:
    """The stop and start calls of a node group (``eks:UpdateNodegroupConfig``)."""
    names = {"ClusterName": group.cluster_name, "NodegroupName": group.node_group_name}
    sizes: dict[Action, tuple[int, int]] = {"stop": (0, 0), "start": (group.min_size, group.desired_size)}
    return [
        _Call(
            group.node_group_name,
            action,
            "eks",
            "updateNodegroupConfig",
            "eks:UpdateNodegroupConfig",
            {**names, "ScalingConfig": {"MinSize": low, "DesiredSize": desired}},
        )
        for action, (low, desired) in sizes.items()
    ]


def database_calls(db: ScheduledDatabase) -> list[_Call]:
    """The stop and start calls of an RDS instance or Aurora cluster."""
    kind, key = ("DBCluster", "DbClusterIdentifier") if db.aurora else ("DBInstance", "DbInstanceIdentifier")
    return [
        _Call(
            db.identifier,
            action,
            "rds",
            f"{action}{kind}",
            f"rds:{action.title()}{kind}",
            {key: db.identifier},
        )
        for action in ("stop", "start")
    ]


def resource_arn(call: _Call, partition: str, region: str, account: str) -> str:
    """The ARN ``call`` acts on: the node group (any of its generated ids), the DB instance or cluster."""
    base = f"arn:{partition}:{call.service}:{region}:{account}"
    if call.service == "eks":
        cluster = call.request["ClusterName"]
        return f"{base}:nodegroup/{cluster}/{call.target}/*"
    kind = "cluster" if "DbClusterIdentifier" in call.request else "db"
    return f"{base}:{kind}:{call.target}"


def role_policy(calls: Sequence[_Call], partition: str, region: str, account: str) -> str:
    """The role's only permissions: each call's IAM action on its resource ARN, one statement per action."""
    by_action: dict[str, list[str]] = {}
    for call in calls:
        by_action.setdefault(call.iam_action, []).append(resource_arn(call, partition, region, account))
    return policy_document(
        [
            {"Sid": action.replace(":", ""), "Effect": "Allow", "Action": action, "Resource": sorted(arns)}
            for action, arns in sorted(by_action.items())
        ]
    )


class StagingSchedule(StagingComponent):
    """The stop and start schedules of staging's node group and databases, and the role they run as.

    Outputs:
        role_arn: the role EventBridge Scheduler assumes.
        schedule_names: every schedule's name.
    """

    role_arn: pulumi.Output[str]
    schedule_names: list[str]

    def __init__(self, name: str, args: StagingScheduleArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(name, opts)
        calls = [c for g in args.node_groups for c in node_group_calls(g)]
        calls += [c for db in args.databases for c in database_calls(db)]
        aws_ctx = AwsContext(self)
        role = aws.iam.Role(
            f"{name}-role",
            name=f"{args.name_prefix}-staging-schedule",
            description="EventBridge Scheduler: stops and starts staging's node group and databases",
            assume_role_policy=aws_ctx.account_id.apply(
                lambda account: assume_role_policy(
                    SCHEDULER_PRINCIPAL, {"StringEquals": {"aws:SourceAccount": account}}
                )
            ),
            tags=with_name(args.tags, f"{name}-role"),
            opts=child_opts(self),
        )
        policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=role.id,
            policy=pulumi.Output.all(aws_ctx.partition, aws_ctx.region, aws_ctx.account_id).apply(
                lambda v: role_policy(calls, v[0], v[1], v[2])
            ),
            opts=child_opts(self),
        )
        for call in calls:
            self._schedule(name, call, args=args, role=role, policy=policy, ctx=aws_ctx)
        self.role_arn = role.arn
        self.schedule_names = [schedule_name(c.target, c.action) for c in calls]
        self.register()

    def _schedule(
        self,
        name: str,
        call: _Call,
        *,
        args: StagingScheduleArgs,
        role: aws.iam.Role,
        policy: aws.iam.RolePolicy,
        ctx: AwsContext,
    ) -> aws.scheduler.Schedule:
        """One schedule; it waits for the role's policy, so its first run has the permissions."""
        physical = schedule_name(call.target, call.action)
        return aws.scheduler.Schedule(
            f"{name}-{physical}",
            name=physical,
            description=f"staging schedule: {call.action} {call.target} ({call.iam_action})",
            schedule_expression=args.stop_cron if call.action == "stop" else args.start_cron,
            schedule_expression_timezone=args.timezone,
            flexible_time_window=aws.scheduler.ScheduleFlexibleTimeWindowArgs(mode="OFF"),
            state="ENABLED" if args.enabled else "DISABLED",
            target=aws.scheduler.ScheduleTargetArgs(
                arn=ctx.partition.apply(
                    lambda p: f"arn:{p}:scheduler:::aws-sdk:{call.service}:{call.api_action}"
                ),
                role_arn=role.arn,
                input=json.dumps(call.request, sort_keys=True),
            ),
            opts=child_opts(self, depends_on=[policy]),
        )
