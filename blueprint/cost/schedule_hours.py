"""Hours a month the stack's scheduled capacity runs: 730 without ``staging-blueprint:schedule``.

Convention: a month is 730 hours (``HOURS_PER_MONTH``, the AWS Pricing Calculator's), and a scheduled
month runs the same share of them as the schedule runs of a 168-hour week::

    running hours a month = 730 x (days x (stop - start)) / 168, rounded to 0.01 h

so weekdays 07:00-19:00 (60 h a week) run 260.71 h of 730. Daylight-saving shifts and holidays are not
modelled (the schedule follows the time zone's wall clock; a holiday the schedule still starts on costs a
day). The schedule stops exactly what the estimate marks ``scheduled``: EKS node instances (and their
root volumes, deleted with the instances), RDS instance hours, Aurora instance and Serverless v2 minimum
capacity hours. Everything else keeps billing around the clock (``KEEPS_BILLING``).
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import ValidationError

from blueprint.cost.table import HOURS_PER_MONTH
from blueprint.engine.stack_files import StackSettings
from stack_config.base import NAMESPACE
from stack_config.schedule import HOURS_PER_WEEK, ScheduleConfig

HOUR_CENT = Decimal("0.01")

#: Rate-key prefix of a fixed charge the schedule cannot stop -> why (shown with the estimate).
KEEPS_BILLING: dict[str, str] = {
    "eks.cluster": "the EKS control plane bills per cluster hour while the cluster exists",
    "msk.": "MSK Provisioned clusters cannot be stopped (the MSK API has no stop operation); brokers and "
    "storage bill until the cluster is deleted",
    "mq.": "Amazon MQ brokers cannot be stopped (reboot or delete only); broker hours bill until deleted",
    "nat.hour": "NAT gateways bill per hour while they exist",
    "vpce.interface": "interface endpoints bill per AZ and hour while they exist",
    "ipv4.": "public IPv4 addresses bill per hour while allocated",
    "rds.gp": "database storage bills while the database is stopped",
    "aurora.storage": "database storage bills while the cluster is stopped",
    "kms.": "KMS keys bill per month",
    "secretsmanager.": "secrets bill per month",
}


#: Resource types the schedule cannot stop, for charges the table cannot price (listed all the same).
KEEPS_BILLING_TYPES: dict[str, str] = {
    "aws:msk/cluster:Cluster": KEEPS_BILLING["msk."],
    "aws:msk/serverlessCluster:ServerlessCluster": "MSK Serverless bills cluster hours until the cluster is "
    "deleted (the MSK API has no stop operation)",
    "aws:mq/broker:Broker": KEEPS_BILLING["mq."],
    "aws:ec2/natGateway:NatGateway": KEEPS_BILLING["nat.hour"],
    "aws:ec2/vpcEndpoint:VpcEndpoint": KEEPS_BILLING["vpce.interface"],
    "aws:eks/cluster:Cluster": KEEPS_BILLING["eks.cluster"],
    "aws:secretsmanager/secret:Secret": KEEPS_BILLING["secretsmanager."],
}


def monthly_running_hours(schedule: ScheduleConfig | None) -> Decimal:
    """Running hours a month under ``schedule`` (the module's convention); 730 without one or disabled."""
    if schedule is None or not schedule.enabled:
        return HOURS_PER_MONTH
    return (HOURS_PER_MONTH * schedule.weekly_hours() / HOURS_PER_WEEK).quantize(HOUR_CENT)


def running_hours(settings: StackSettings) -> Decimal:
    """Hours a month node groups and databases run under the stack's ``staging-blueprint:schedule``.

    A schedule the config rejects counts as none (730 h): the config error itself stops the preview.
    """
    raw = settings.namespace(NAMESPACE).get("schedule")
    if raw is None:
        return HOURS_PER_MONTH
    try:
        return monthly_running_hours(ScheduleConfig.model_validate(raw))
    except ValidationError:
        return HOURS_PER_MONTH


def keeps_billing(rate_key: str) -> str | None:
    """Why the fixed charge of ``rate_key`` keeps billing under a schedule, or None when not listed."""
    return next((why for prefix, why in KEEPS_BILLING.items() if rate_key.startswith(prefix)), None)
