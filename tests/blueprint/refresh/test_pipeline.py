"""The AWS refresh pipeline end to end in moto: steps, resume after a failure at each step, sharing, cleanup.

Moto does not enforce snapshot-sharing rules or re-encryption; the pipeline refuses ``all`` and checks each
copy's ``KmsKeyId`` itself, and these tests assert both.
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.exceptions import ClientError
from moto import mock_aws
from rich.console import Console

from blueprint.cli.errors import UsageError
from blueprint.devtools.sample_data import RULES_FILE
from blueprint.refresh.command import refresh_command
from blueprint.refresh.engine import MaskReport
from blueprint.refresh.errors import RefreshError
from blueprint.refresh.pipeline import STEPS

REGION, RUN, STAGING = "eu-west-1", "20260615", "444455556666"


class Env:
    """Moto resources of a sanitizing account with a production instance, and the plan that uses them."""

    def __init__(self, tmp_path: Path) -> None:
        self.session = boto3.session.Session(region_name=REGION)
        self.rds = self.session.client("rds")
        kms, ec2 = self.session.client("kms"), self.session.client("ec2")
        self.scratch_key, self.share_key, prod_key = (
            kms.create_key()["KeyMetadata"]["Arn"] for _ in range(3)
        )
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{z}")[
                "Subnet"
            ]["SubnetId"]
            for i, z in ((1, "a"), (2, "b"))
        ]
        self.rds.create_db_subnet_group(
            DBSubnetGroupName="scratch", DBSubnetGroupDescription="isolated", SubnetIds=subnets
        )
        sg = ec2.create_security_group(GroupName="scratch", Description="runner only", VpcId=vpc)["GroupId"]
        secret = self.session.client("secretsmanager").create_secret(Name="orders-refresh-key")["ARN"]
        self.rds.create_db_instance(
            DBInstanceIdentifier="orders-prod",
            Engine="postgres",
            EngineVersion="16.4",
            DBInstanceClass="db.t4g.medium",
            AllocatedStorage=20,
            MasterUsername="app",
            MasterUserPassword="prod-password-1",
            StorageEncrypted=True,
            KmsKeyId=prod_key,
            BackupRetentionPeriod=7,
        )
        self.plan = tmp_path / "plan.yaml"
        self.plan_data: dict[str, Any] = {
            "name": "orders",
            "region": REGION,
            "rules": str(RULES_FILE),
            "hmacKeySecretArn": secret,
            "production": {"dbInstanceIdentifier": "orders-prod"},
            "scratch": {
                "dbSubnetGroupName": "scratch",
                "vpcSecurityGroupIds": [sg],
                "dbInstanceClass": "db.t4g.large",
                "kmsKeyId": self.scratch_key,
                "databaseName": "orders",
            },
            "share": {"kmsKeyId": self.share_key, "stagingAccountId": STAGING},
        }
        self.write_plan()
        self.production = self.prod_state()

    def write_plan(self) -> None:
        self.plan.write_text(yaml.safe_dump(self.plan_data))

    def prod_state(self) -> dict[str, Any]:
        found = self.rds.describe_db_instances(DBInstanceIdentifier="orders-prod")["DBInstances"][0]
        return {
            k: found.get(k)
            for k in (
                "DBInstanceStatus",
                "DBInstanceClass",
                "KmsKeyId",
                "MasterUserSecret",
                "VpcSecurityGroups",
                "DBSubnetGroup",
                "EngineVersion",
            )
        }

    def snapshots(self) -> dict[str, dict[str, Any]]:
        return {
            s["DBSnapshotIdentifier"]: s
            for s in self.rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]
        }

    def instances(self) -> set[str]:
        return {i["DBInstanceIdentifier"] for i in self.rds.describe_db_instances()["DBInstances"]}

    def shared_with(self, snapshot: str) -> list[str]:
        attrs = self.rds.describe_db_snapshot_attributes(DBSnapshotIdentifier=snapshot)
        return attrs["DBSnapshotAttributesResult"]["DBSnapshotAttributes"][0]["AttributeValues"]


class Recorder:
    """A stand-in masker: records what it was given and returns a report (the engine has its own tests)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail_once = False

    def __call__(self, source: str, target: str, rules: Any, key: bytes, **kwargs: Any) -> MaskReport:
        if self.fail_once:
            self.fail_once = False
            raise RefreshError("mask", ["public.customers.email: 3 value(s) match the email detector"])
        self.calls.append({"source": source, "target": target, "key": key, **kwargs})
        return MaskReport({"public.customers": 3}, 0.1, 0.05, ["classification"])


def connector(instance: dict[str, Any], secret: dict[str, Any], database: str) -> str:
    assert secret["username"] and secret["password"]
    return f"{instance['DBInstanceIdentifier']}/{database}"


def run(
    env: Env,
    masker: Any,
    *,
    run_id: str = RUN,
    dry_run: bool = False,
    conn: Any = connector,
    session: Any = None,
) -> tuple[int, str, str]:
    out = io.StringIO()
    args = argparse.Namespace(plan=env.plan, run_id=run_id, dry_run=dry_run)
    code = refresh_command(
        args,
        Console(file=out, width=200, emoji=False),
        session=session or env.session,
        poll_delay=0,
        connector=conn,
        masker=masker,
    )
    return code, out.getvalue(), ""


@pytest.fixture
def env(tmp_path, monkeypatch):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(var, "testing")
    with mock_aws():
        yield Env(tmp_path)


def assert_finished(env: Env) -> None:
    staging = f"orders-{RUN}-staging"
    assert set(env.snapshots()) == {staging}  # every intermediate snapshot deleted
    assert env.snapshots()[staging]["KmsKeyId"] == env.share_key and env.snapshots()[staging]["Encrypted"]
    assert env.shared_with(staging) == [STAGING]
    assert env.instances() == {"orders-prod"}  # scratch instances deleted
    assert env.prod_state() == env.production  # production untouched


def test_a_refresh_runs_every_step_and_prints_the_snapshot_identifier(env, capsys):
    masker = Recorder()
    code, out, _ = run(env, masker)
    assert code == 0, capsys.readouterr().err
    arn = f"arn:aws:rds:{REGION}:123456789012:snapshot:orders-{RUN}-staging"
    assert f"snapshotIdentifier: {arn}" in out
    assert [line.split()[1] for line in out.splitlines() if line.startswith("✓")] == list(STEPS)
    assert_finished(env)
    call = masker.calls[0]
    assert (call["source"], call["target"], call["reset"]) == (
        f"orders-{RUN}-source/orders",
        f"orders-{RUN}-masked/orders",
        True,
    )
    assert len(call["key"]) >= 32 and call["key"].decode() not in out + capsys.readouterr().err


def test_scratch_instances_are_isolated_private_and_keyed_with_the_sanitizing_cmk(env):
    seen: dict[str, Any] = {}

    def inspect(instance, secret, database):
        seen[instance["DBInstanceIdentifier"]] = instance
        return connector(instance, secret, database)

    assert run(env, Recorder(), conn=inspect)[0] == 0
    for identifier in (f"orders-{RUN}-source", f"orders-{RUN}-masked"):
        inst = seen[identifier]
        assert not inst.get("PubliclyAccessible") and inst["DBSubnetGroup"]["DBSubnetGroupName"] == "scratch"
        assert [g["VpcSecurityGroupId"] for g in inst["VpcSecurityGroups"]] == env.plan_data["scratch"][
            "vpcSecurityGroupIds"
        ]
        assert inst["KmsKeyId"] == env.scratch_key and inst["MasterUserSecret"]["SecretArn"]


def test_the_hmac_key_is_new_per_run_and_stable_within_a_run(env):
    masker = Recorder()
    run(env, masker)
    run(env, masker, run_id="20260616")
    assert len(masker.calls) == 2 and masker.calls[0]["key"] != masker.calls[1]["key"]


class FailOnce:
    """Wraps a boto3 client: the first call of ``operation`` matching ``when`` raises a ClientError."""

    def __init__(self, client: Any, operation: str, when: Any) -> None:
        self._client, self._operation, self._when, self.fired = client, operation, when, False

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if name != self._operation:
            return attr

        def call(**kwargs: Any) -> Any:
            if not self.fired and self._when(kwargs):
                self.fired = True
                raise ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, name)
            return attr(**kwargs)

        return call


class FaultySession:
    def __init__(self, session: Any, service: str, operation: str, when: Any) -> None:
        self.session, self.fault = session, (service, operation, when)
        self.wrappers: list[FailOnce] = []

    def get_credentials(self) -> Any:
        return self.session.get_credentials()

    def client(self, service: str, **kwargs: Any) -> Any:
        client = self.session.client(service, **kwargs)
        if service == self.fault[0]:
            self.wrappers.append(FailOnce(client, self.fault[1], self.fault[2]))
            return self.wrappers[-1]
        return client


ANY = lambda kwargs: True  # noqa: E731
FAULTS = {
    "key": ("secretsmanager", "put_secret_value", ANY),
    "production-snapshot": (
        "rds",
        "create_db_snapshot",
        lambda k: k["DBInstanceIdentifier"] == "orders-prod",
    ),
    "rekey": ("rds", "copy_db_snapshot", lambda k: k["TargetDBSnapshotIdentifier"].endswith("rekeyed")),
    "restore-source": ("rds", "restore_db_instance_from_db_snapshot", ANY),
    "create-target": ("rds", "create_db_instance", ANY),
    "snapshot-masked": ("rds", "create_db_snapshot", lambda k: k["DBInstanceIdentifier"].endswith("masked")),
    "copy-for-staging": (
        "rds",
        "copy_db_snapshot",
        lambda k: k["TargetDBSnapshotIdentifier"].endswith("staging"),
    ),
    "share": ("rds", "modify_db_snapshot_attribute", ANY),
    "cleanup": ("rds", "delete_db_instance", ANY),
}


@pytest.mark.parametrize("step", STEPS)
def test_a_failure_at_any_step_shares_nothing_and_a_rerun_resumes(env, step, capsys):
    masker = Recorder()
    if step == "mask":
        masker.fail_once, session = True, env.session
    else:
        session = FaultySession(env.session, *FAULTS[step])
    code, _, _ = run(env, masker, session=session)
    err = capsys.readouterr().err
    assert code == 1
    assert f"refresh failed at step '{step}'" in err and f"--run-id {RUN}" in err
    assert env.prod_state() == env.production
    staging = env.snapshots().get(f"orders-{RUN}-staging")
    if step != "cleanup":
        assert staging is None or env.shared_with(f"orders-{RUN}-staging") in (
            [],
            [STAGING] if step == "cleanup" else [],
        )
    code, out, _ = run(env, masker, session=env.session)
    assert code == 0, capsys.readouterr().err
    assert_finished(env)
    assert len(masker.calls) == 1  # masking ran exactly once over both runs
    assert step == "key" or "already done" in out


def test_a_finished_run_is_not_repeated(env):
    masker = Recorder()
    assert run(env, masker)[0] == 0
    code, out, _ = run(env, masker)
    assert code == 0 and len(masker.calls) == 1 and "snapshotIdentifier" in out
    assert_finished(env)


def test_sharing_with_all_is_refused_by_the_plan_and_by_the_share_step(env, capsys):
    env.plan_data["share"]["stagingAccountId"] = "all"
    env.write_plan()
    with pytest.raises(UsageError, match="snapshots are never shared publicly"):
        run(env, Recorder())
    assert env.snapshots() == {}

    from blueprint.refresh.pipeline import Refresh
    from blueprint.refresh.plan import Plan, Share

    env.plan_data["share"]["stagingAccountId"] = STAGING
    env.write_plan()
    run(env, Recorder())
    plan = Plan.model_validate(env.plan_data)
    public = plan.model_copy(
        update={"share": Share.model_construct(kms_key_id=env.share_key, staging_account_id="all")}
    )
    refresh = Refresh(plan=public, rules=None, run_id="x", rds=env.rds, secretsmanager=None, waiter=None)  # type: ignore[arg-type]
    with pytest.raises(RefreshError, match="refusing to share with 'all'"):
        refresh.share_run()


def test_dry_run_prints_the_plan_and_calls_nothing(env):
    code, out, _ = run(env, Recorder(), dry_run=True)
    assert code == 0 and "nothing is called" in out
    assert "9. share: share orders-20260615-staging with staging account 444455556666" in out
    assert env.snapshots() == {} and env.instances() == {"orders-prod"}


def test_a_bad_plan_is_one_line_naming_the_key(env, capsys):
    env.plan_data["scratch"]["vpcSecurityGroupIds"] = ["default"]
    env.plan_data["production"]["snapshot"] = "yesterday"
    env.write_plan()
    with pytest.raises(UsageError) as raised:
        run(env, Recorder())
    err = str(raised.value)
    assert (
        "plan " in err and "scratch.vpcSecurityGroupIds: Value error, security group ids look like" not in err
    )
    assert "scratch.vpcSecurityGroupIds: security group ids look like sg-0123456789abcdef0" in err
    assert "production.snapshot: Input should be 'new' or 'latestAutomated' (got 'yesterday')" in err
    assert "Traceback" not in err


def test_end_to_end_with_the_real_engine_masks_the_restored_copy(env, dbs, sample, capsys):
    from blueprint.refresh.engine import mask_database

    local = {f"orders-{RUN}-source": dbs.source, f"orders-{RUN}-masked": dbs.target}
    code, out, _ = run(
        env, mask_database, conn=lambda instance, secret, db: local[instance["DBInstanceIdentifier"]]
    )
    err = capsys.readouterr().err
    assert code == 0, err
    assert (
        "checks passed: classification, schema, row counts, foreign keys, children per parent, "
        "PII detectors, original values" in out
    )
    assert_finished(env)
    import psycopg

    with psycopg.connect(dbs.target) as conn:
        emails = [e for (e,) in conn.execute("SELECT email FROM public.customers").fetchall()]
    assert emails and all(e.endswith("@example.invalid") for e in emails)
    assert "password" not in out + err


def test_the_example_plan_dry_runs_through_the_main_cli(capsys):
    from blueprint.cli import main

    example = Path(__file__).resolve().parents[3] / "data" / "refresh-plan.example.yaml"
    assert main(["data", "refresh", "--plan", str(example), "--run-id", "20260615", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "1. key: put a new HMAC key version" in out and "orders-20260615-staging" in out
    assert main(["data", "refresh", "--plan", "missing.yaml"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: plan missing.yaml: cannot read it (No such file or directory); pass an existing file"
    ]


def test_without_aws_credentials_the_refresh_is_one_line_and_exit_2(capsys, monkeypatch, tmp_path):
    from blueprint.cli import main

    for var in list(__import__("os").environ):
        if var.startswith("AWS_"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    example = Path(__file__).resolve().parents[3] / "data" / "refresh-plan.example.yaml"
    assert main(["data", "refresh", "--plan", str(example), "--run-id", "20260615"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: no AWS credentials: configure them (e.g. AWS_PROFILE or OIDC in CI) and retry"
    ]
