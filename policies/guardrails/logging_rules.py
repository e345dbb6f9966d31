"""Logging: network flows, database and broker logs land in CloudWatch and are kept for a while.

Named ``logging_rules`` so it never shadows the standard library's ``logging``.

Levels: losing flow logs or database logs blinds incident response, so those rules are mandatory like
the security concerns. Retention and enhanced monitoring are advisory: missing them costs money or
insight, not protection, and a team may reasonably choose differently for a short-lived stack.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, Severity

from . import _types as t
from ._props import as_list, is_set, known, lower_all, peek
from ._rule import Equivalents, Finding, RuleContext, RuleSpec, resource_rule, stack_rule
from ._stack import StackIndex

FLOW_LOGS = RuleSpec(
    name="vpc-flow-logs-enabled",
    concern="logging",
    description="Every VPC must have a flow log capturing ALL traffic.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    remediation="Create an aws.ec2.FlowLog with vpcId=<vpc>.id and trafficType='ALL' delivering to an "
    "encrypted log group with retention (the Network component does this).",
    equivalents=Equivalents(
        checkov=("CKV2_AWS_11",), cdk_nag=("AwsSolutions-VPC7", "NIST.800.53.R5-VPCFlowLogsEnabled")
    ),
)


def _flow_log_problem(vpc: PolicyResource, index: StackIndex) -> str | None:
    logs = index.referrers(vpc, "vpcId", {t.FLOW_LOG})
    if not logs:
        return "no aws:ec2/flowLog:FlowLog refers to this VPC (vpcId)."
    traffic = {peek(log.props, "trafficType") for log in logs}
    if "ALL" not in traffic:
        shown = ", ".join(sorted(str(x) for x in traffic))
        return f"its flow logs capture trafficType {shown}, not ALL: rejected or accepted flows go unseen."
    return None


def _check_flow_logs(resources: list[PolicyResource], ctx: RuleContext) -> Iterator[Finding]:
    index = StackIndex(resources)
    for vpc in index.of_type(t.VPC):
        problem = _flow_log_problem(vpc, index)
        if problem:
            yield Finding(vpc, problem)


RDS_LOG_EXPORTS = RuleSpec(
    name="rds-log-exports-enabled",
    concern="logging",
    description="RDS and Aurora databases must export their engine log to CloudWatch Logs.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    remediation="Add 'postgresql' (PostgreSQL engines) or 'error' (MySQL engines) to "
    "enabledCloudwatchLogsExports.",
    equivalents=Equivalents(
        checkov=("CKV_AWS_129", "CKV_AWS_324"), cdk_nag=("NIST.800.53.R5-RDSLoggingEnabled",)
    ),
)
#: Engine prefix -> log type that must be exported.
_ENGINE_LOG = {
    "aurora-postgresql": "postgresql",
    "postgres": "postgresql",
    "aurora-mysql": "error",
    "mysql": "error",
    "mariadb": "error",
}


def _check_rds_logs(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    engine = known(props, "engine")
    required = next((log for prefix, log in _ENGINE_LOG.items() if str(engine).startswith(prefix)), None)
    exported = lower_all(as_list(known(props, "enabledCloudwatchLogsExports")))
    if required and required not in exported:
        yield f"enabledCloudwatchLogsExports lacks {required!r}: the {engine} log stays on the instance."


MSK_LOGS = RuleSpec(
    name="msk-broker-logs-enabled",
    concern="logging",
    description="MSK clusters must deliver broker logs to CloudWatch Logs, S3 or Firehose.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    remediation="Set loggingInfo.brokerLogs.cloudwatchLogs = {enabled: true, logGroup: <encrypted group>}.",
    equivalents=Equivalents(checkov=("CKV_AWS_80",), cdk_nag=("AwsSolutions-MSK6",)),
)


def _check_msk_logs(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    destinations = ("cloudwatchLogs", "firehose", "s3")
    if not any(known(props, "loggingInfo", "brokerLogs", d, "enabled") is True for d in destinations):
        yield "loggingInfo.brokerLogs enables no destination: broker logs are discarded."


MQ_LOGS = RuleSpec(
    name="mq-broker-logs-enabled",
    concern="logging",
    description="Amazon MQ brokers must publish general logs to CloudWatch Logs.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    remediation="Set logs.general=true (and logs.audit=true for ActiveMQ).",
    equivalents=Equivalents(checkov=("CKV_AWS_48",)),
)


def _check_mq_logs(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if known(props, "logs", "general") is not True:
        yield "logs.general is not true: broker logs are not published."


LOG_RETENTION = RuleSpec(
    name="log-group-retention-set",
    concern="logging",
    description="CloudWatch log groups must set a retention period.",
    level=EnforcementLevel.ADVISORY,
    severity=Severity.LOW,
    remediation="Set retentionInDays (a CloudWatch allowed value, at least minRetentionDays).",
    equivalents=Equivalents(
        checkov=("CKV_AWS_66",), cdk_nag=("NIST.800.53.R5-CloudWatchLogGroupRetentionPeriod",)
    ),
    settings={
        "minRetentionDays": {
            "type": "integer",
            "minimum": 1,
            "default": 1,
            "description": "shortest acceptable retentionInDays",
        }
    },
)


def _check_retention(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    days = known(props, "retentionInDays")
    minimum = ctx.setting("minRetentionDays")
    if not days:
        yield "retentionInDays is not set: events are kept (and billed) forever."
    elif days < minimum:
        yield f"retentionInDays is {int(days)}, below the {int(minimum)}-day minimum."


RDS_MONITORING = RuleSpec(
    name="rds-enhanced-monitoring-enabled",
    concern="logging",
    description="RDS instances should publish enhanced monitoring (OS metrics).",
    level=EnforcementLevel.ADVISORY,
    severity=Severity.LOW,
    remediation="Set monitoringInterval (1, 5, 10, 15, 30 or 60 seconds) and monitoringRoleArn to a role "
    "with AmazonRDSEnhancedMonitoringRole.",
    equivalents=Equivalents(
        checkov=("CKV_AWS_118",), cdk_nag=("NIST.800.53.R5-RDSEnhancedMonitoringEnabled",)
    ),
)


def _check_monitoring(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if not known(props, "monitoringInterval"):
        yield "monitoringInterval is not set (0): no OS-level metrics."
    elif not is_set(peek(props, "monitoringRoleArn")):
        yield "monitoringRoleArn is not set: enhanced monitoring cannot publish."


POLICIES = [
    stack_rule(FLOW_LOGS, {t.VPC}, _check_flow_logs),
    resource_rule(RDS_LOG_EXPORTS, {t.RDS_INSTANCE, t.RDS_CLUSTER}, _check_rds_logs),
    resource_rule(MSK_LOGS, {t.MSK_CLUSTER}, _check_msk_logs),
    resource_rule(MQ_LOGS, {t.MQ_BROKER}, _check_mq_logs),
    resource_rule(LOG_RETENTION, {t.LOG_GROUP}, _check_retention),
    resource_rule(RDS_MONITORING, {t.RDS_INSTANCE, t.RDS_CLUSTER_INSTANCE}, _check_monitoring),
]
