"""The exact RDS requests of the pipeline, checked with botocore's Stubber (moto accepts requests that the
real API rejects, so the parameters are asserted here, not only moto's answers)."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber
from rich.progress import Progress

from blueprint.refresh.aws import Waiter
from blueprint.refresh.pipeline import Refresh
from blueprint.refresh.plan import Plan

KEY = "arn:aws:kms:eu-west-1:111122223333:key/1111aaaa-2222-bbbb-3333-cccc4444dddd"
AUTOMATED = "rds:orders-prod-2026-06-15-03-10"


def _plan(snapshot: str) -> Plan:
    return Plan.model_validate(
        {
            "name": "orders",
            "region": "eu-west-1",
            "rules": "rules.yaml",
            "hmacKeySecretArn": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:orders-key-AbCdEf",
            "production": {"dbInstanceIdentifier": "orders-prod", "snapshot": snapshot},
            "scratch": {
                "dbSubnetGroupName": "scratch",
                "vpcSecurityGroupIds": ["sg-0123456789abcdef0"],
                "dbInstanceClass": "db.t4g.large",
                "kmsKeyId": KEY,
                "databaseName": "orders",
            },
            "share": {"kmsKeyId": KEY, "stagingAccountId": "444455556666"},
        }
    )


def _snapshot(identifier: str, **fields: object) -> dict[str, object]:
    return {"DBSnapshotIdentifier": identifier, "Status": "available", **fields}


@pytest.fixture
def rds():
    client = boto3.client(
        "rds", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def test_latest_automated_snapshot_is_described_with_snapshot_type_automated(rds):
    client, stub = rds
    refresh = Refresh(
        plan=_plan("latestAutomated"),
        rules=None,  # type: ignore[arg-type]  # the rekey step does not read the rules
        run_id="20260615",
        rds=client,
        secretsmanager=None,
        waiter=Waiter(Progress(), delay=0),
    )
    rekeyed = refresh.name("rekeyed")
    created = datetime(2026, 6, 15, 3, 10, tzinfo=UTC)
    stub.add_response(
        "describe_db_snapshots",
        {"DBSnapshots": [_snapshot(AUTOMATED, SnapshotCreateTime=created, SnapshotType="automated")]},
        {"DBInstanceIdentifier": "orders-prod", "SnapshotType": "automated"},
    )
    stub.add_client_error(
        "describe_db_snapshots", "DBSnapshotNotFound", expected_params={"DBSnapshotIdentifier": rekeyed}
    )
    # The request the real API needs: an automated snapshot's identifier with SnapshotType='automated'.
    stub.add_response(
        "describe_db_snapshots",
        {"DBSnapshots": [_snapshot(AUTOMATED)]},
        {"DBSnapshotIdentifier": AUTOMATED, "SnapshotType": "automated"},
    )
    stub.add_response(
        "copy_db_snapshot",
        {"DBSnapshot": _snapshot(rekeyed)},
        {
            "SourceDBSnapshotIdentifier": AUTOMATED,
            "TargetDBSnapshotIdentifier": rekeyed,
            "KmsKeyId": KEY,
            "CopyTags": False,
            "Tags": refresh.tags(),
        },
    )
    for _ in range(2):  # wait for the copy, then check its key; a manual snapshot: no SnapshotType
        stub.add_response(
            "describe_db_snapshots",
            {"DBSnapshots": [_snapshot(rekeyed, KmsKeyId=KEY, Encrypted=True)]},
            {"DBSnapshotIdentifier": rekeyed},
        )
    refresh.rekey_run()
