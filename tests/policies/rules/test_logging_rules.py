"""Logging rules (``guardrails/logging_rules.py``): flow logs, database and broker logs, retention.

Each case mutates the compliant baseline and states the exact (policy, resource) findings of the whole pack.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.policies.cases import Mutation, assert_case, case
from tests.policies.rules.helpers import (
    kafka,
)

CASES = [
    case(lambda s: s.remove("flow-log"), ("vpc-flow-logs-enabled", "vpc"), id="no-flow-log"),
    case(
        lambda s: s.set("flow-log", trafficType="REJECT"),
        ("vpc-flow-logs-enabled", "vpc"),
        id="flow-log-rejects-only",
    ),
    case(lambda s: s["flow-log"].property_dependencies.pop("vpcId"), id="flow-log-matched-by-vpc-id-ok"),
    case(
        lambda s: s.set("db", enabledCloudwatchLogsExports=["upgrade"]),
        ("rds-log-exports-enabled", "db"),
        id="rds-no-postgresql-log",
    ),
    case(
        lambda s: s.set("aurora", enabledCloudwatchLogsExports=None),
        ("rds-log-exports-enabled", "aurora"),
        id="aurora-no-log-exports",
    ),
    case(kafka(loggingInfo=None), ("msk-broker-logs-enabled", "kafka"), id="msk-no-logs"),
    case(
        lambda s: s.set("rabbit", logs={"general": False}),
        ("mq-broker-logs-enabled", "rabbit"),
        id="mq-no-logs",
    ),
    case(
        lambda s: s.set("flow-logs", retentionInDays=None),
        ("log-group-retention-set", "flow-logs"),
        id="log-group-forever",
    ),
    case(
        lambda s: None,
        ("log-group-retention-set", "flow-logs"),
        config={"log-group-retention-set": {"minRetentionDays": 90}},
        id="retention-below-configured-minimum",
    ),
    case(
        lambda s: s.set("db", monitoringInterval=0),
        ("rds-enhanced-monitoring-enabled", "db"),
        id="no-enhanced-monitoring",
    ),
]


@pytest.mark.parametrize(("mutate", "expected", "config"), CASES)
def test_logging_rules_rule(
    analyze: Any, mutate: Mutation, expected: set[tuple[str, str]], config: dict[str, Any] | None
) -> None:
    assert_case(analyze, mutate, expected, config)
