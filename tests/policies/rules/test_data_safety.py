"""Data-safety rules (``guardrails/data_safety.py``): deletion protection, final snapshots, backups.

Each case mutates the compliant baseline and states the exact (policy, resource) findings of the whole pack.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.policies.cases import Mutation, assert_case, case

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
