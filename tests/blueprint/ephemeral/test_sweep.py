"""The janitor's AWS pass in moto: three PRs (open, closed, expired) and a baseline. Exactly the closed and
expired slices' resources go, in dependency order; the baseline, untagged and mis-tagged resources stay;
the dry run deletes nothing; an account off the allow-list is refused."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from blueprint.ephemeral.sweep import ORDER, TAGGING_API_GAPS, SweepRefusedError, sweep

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's default account
LIVE = {"pr-1": "2026-12-08T00:00:00Z", "pr-3": "2026-12-06T11:00:00Z"}  # pr-2's stack is gone


def tags_of(stack: str, expires: str, **extra: str) -> dict[str, str]:
    number = stack.removeprefix("pr-")
    base = {"environment": stack, "owner": "t", "cost-center": "c"}
    return {**base, "ephemeral": "true", "ephemeral-pr": number, "ephemeral-expires-at": expires,
            "ephemeral-stack": stack, "ephemeral-baseline": "staging", **extra}  # fmt: skip


def zipped() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("handler.py", "def handler(e, c):\n    return e\n")
    return buf.getvalue()


def create(session: boto3.Session, name: str, tags: dict[str, str]) -> dict[str, str]:
    """One of each type a slice creates; returns type -> identifier."""
    pairs = [{"Key": k, "Value": v} for k, v in tags.items()]
    iam, ec2 = session.client("iam"), session.client("ec2")
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    trust = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust, Tags=pairs)["Role"]
    access = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
    iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(access))
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    group = ec2.create_security_group(
        GroupName=name, Description="d", VpcId=vpc,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": pairs}],
    )["GroupId"]  # fmt: skip
    function = session.client("lambda").create_function(
        FunctionName=name, Runtime="python3.12", Role=role["Arn"], Handler="handler.handler",
        Code={"ZipFile": zipped()}, Tags=tags,
    )["FunctionArn"]  # fmt: skip
    secret = session.client("secretsmanager").create_secret(Name=f"{name}/s", Tags=pairs)["ARN"]
    session.client("logs").create_log_group(logGroupName=f"/aws/lambda/{name}", tags=tags)
    return {
        "role": name,
        "group": group,
        "function": function,
        "secret": secret,
        "logs": f"/aws/lambda/{name}",
    }


def exists(session: boto3.Session, made: dict[str, str]) -> dict[str, bool]:
    iam, ec2 = session.client("iam"), session.client("ec2")
    roles = {r["RoleName"] for r in iam.list_roles()["Roles"]}
    groups = {g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]}
    functions = {f["FunctionArn"] for f in session.client("lambda").list_functions()["Functions"]}
    secrets = {s["ARN"] for s in session.client("secretsmanager").list_secrets()["SecretList"]}
    logs = {g["logGroupName"] for g in session.client("logs").describe_log_groups()["logGroups"]}
    return {
        "role": made["role"] in roles,
        "group": made["group"] in groups,
        "function": made["function"] in functions,
        "secret": made["secret"] in secrets,
        "logs": made["logs"] in logs,
    }


@pytest.fixture
def account():
    with mock_aws():
        session = boto3.Session(region_name=REGION, aws_access_key_id="k", aws_secret_access_key="s")
        made = {
            "pr-1": create(session, "pr-1-slice", tags_of("pr-1", "2026-12-08T00:00:00Z")),  # open, live
            "pr-2": create(
                session, "pr-2-slice", tags_of("pr-2", "2026-12-08T00:00:00Z")
            ),  # closed: stack gone
            "pr-3": create(session, "pr-3-slice", tags_of("pr-3", "2026-12-06T11:00:00Z")),  # expired
            "staging": create(
                session, "staging-db", {"environment": "staging", "owner": "t", "cost-center": "c"}
            ),
            # a typo'd marker on the baseline: refused, never deleted
            "typo": create(session, "staging-typo", tags_of("staging", "2026-12-01T00:00:00Z")),
            "half": create(session, "pr-4-half", {"ephemeral": "true", "ephemeral-stack": "pr-4"}),
            "foreign": create(
                session, "pr-5-env", tags_of("pr-5", "2026-12-01T00:00:00Z", environment="staging")
            ),
        }
        yield session, made


def run(session, dry_run: bool) -> list:
    return sweep(
        session, allowed_accounts={ACCOUNT}, live=LIVE, now=NOW, dry_run=dry_run, echo=lambda _: None
    )


def test_the_dry_run_deletes_nothing(account):
    session, made = account
    items = run(session, dry_run=True)
    assert {i.stack for i in items if i.verdict == "delete"} == {"pr-2", "pr-3"}
    assert all(all(exists(session, m).values()) for m in made.values())


def test_exactly_the_closed_and_expired_slices_go(account):
    session, made = account
    run(session, dry_run=False)
    for key in ("pr-2", "pr-3"):
        assert not any(exists(session, made[key]).values()), key
    for key in ("pr-1", "staging", "typo", "half", "foreign"):
        assert all(exists(session, made[key]).values()), key


def test_refusals_name_their_reason(account):
    session, _ = account
    verdicts = {(i.stack, i.verdict.split(":")[0]) for i in run(session, dry_run=True)}
    assert (
        ("staging", "refuse") in verdicts
        and ("pr-4", "refuse") in verdicts
        and ("pr-5", "refuse") in verdicts
    )


def test_deletion_follows_the_dependency_order(account):
    session, _ = account
    services = [i.arn.split(":")[2] for i in run(session, dry_run=True) if i.verdict == "delete"]
    assert services == sorted(services, key=ORDER.index)
    assert services.index("iam") > services.index("lambda") and services[-1] == "ec2"


def test_an_account_off_the_allow_list_is_refused(account):
    session, made = account
    with pytest.raises(SweepRefusedError, match=f"account {ACCOUNT} is not on the janitor's allow-list"):
        sweep(
            session, allowed_accounts={"999999999999"}, live={}, now=NOW, dry_run=False, echo=lambda _: None
        )
    assert all(exists(session, made["pr-2"]).values())


def test_the_tagging_api_gaps_are_the_ones_moto_does_not_list(account):
    session, _ = account
    listed = {
        entry["ResourceARN"].split(":")[2]
        for page in session.client("resourcegroupstaggingapi")
        .get_paginator("get_resources")
        .paginate(TagFilters=[{"Key": "ephemeral-stack", "Values": ["pr-1"]}])
        for entry in page["ResourceTagMappingList"]
    }
    created = {"iam", "ec2", "lambda", "secretsmanager", "logs"}
    assert created - listed == set(TAGGING_API_GAPS)
