"""``verify`` against the default stack deployed into moto: go when nothing is broken, and no-go naming
exactly the check a property broken after deployment violates, while every other check still passes.
One deployment for the module; each test breaks one property and restores it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from blueprint import cli
from blueprint.verify.aws import NO_PERMISSION_NEEDED, AwsReader
from blueprint.verify.outputs import load_outputs
from blueprint.verify.policy import is_read_only, policy_document
from blueprint.verify.registry import Context, all_checks, run_check
from tests.blueprint.verify.deployment import (
    REGION,
    Deployed,
    assert_only,
    deployed_stack,
    expected,
    run_verify,
    statuses,
)
from tests.blueprint.verify.edge_servers import edge

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    with deployed_stack(tmp_path_factory.mktemp("verify")) as deployed:
        yield deployed


def test_the_deployed_default_stack_is_go_and_lists_what_was_not_emulated(stack, capsys):
    code, report = run_verify(capsys, stack.outputs, "--emulation-notes", str(stack.notes))
    assert (code, report["verdict"]) == (0, "go")
    jsonschema.validate(report, json.loads((ROOT / "docs" / "verify.schema.json").read_text()))
    assert {c["id"] for c in report["checks"]} == {check.id for check in all_checks()}
    assert all(status == expected(check) for (check, _), status in statuses(report).items())
    not_emulated = {(n["type"], n["what"]) for n in report["notEmulated"]}
    assert {
        ("aws:msk/configuration:Configuration", "resource"),
        ("aws:msk/cluster:Cluster", "bootstrapBrokersSaslIam"),
        ("aws:lambda/function:Function", "function execution"),
        ("aws:glue/schema:Schema", "compatibility checks"),
        ("aws:iam/role:Role", "trust policy evaluation"),
    } <= not_emulated
    bootstrap = next(c for c in report["checks"] if c["id"] == "kafka.bootstrap-brokers")
    assert bootstrap["evidence"] == [
        "The get_bootstrap_brokers action has not been implemented (the in-process emulator)"
    ]


def test_the_text_and_markdown_views_carry_the_verdict(stack, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    assert cli.main(["verify", "--outputs", str(stack.outputs), "--emulation-notes", str(stack.notes)]) == 0
    text = capsys.readouterr().out
    assert re.search(r"^GO: \d+ passed, 0 failed, 4 skipped$", text, re.MULTILINE)
    assert "network.default-security-group" in text and "Not emulated" in text
    cli.main(["verify", "--outputs", str(stack.outputs), "--format", "markdown"])
    markdown = capsys.readouterr().out
    assert markdown.startswith("## Staging go/no-go: **GO**")
    assert "| ✓ pass | `database.not-public`" in markdown and "### Not emulated" not in markdown


def test_a_public_database_is_no_go(stack, capsys):
    rds = stack.aws("rds")
    rds.modify_db_instance(
        DBInstanceIdentifier="staging-orders", PubliclyAccessible=True, ApplyImmediately=True
    )
    try:
        code, report = run_verify(capsys, stack.outputs)
    finally:
        rds.modify_db_instance(
            DBInstanceIdentifier="staging-orders", PubliclyAccessible=False, ApplyImmediately=True
        )
    assert code == 1
    assert_only(report, "database.not-public")


def test_a_dropped_flow_log_is_no_go(stack, capsys):
    ec2 = stack.aws("ec2")
    flow = ec2.describe_flow_logs()["FlowLogs"][0]
    ec2.delete_flow_logs(FlowLogIds=[flow["FlowLogId"]])
    try:
        code, report = run_verify(capsys, stack.outputs)
    finally:
        ec2.create_flow_logs(
            ResourceIds=[flow["ResourceId"]], ResourceType="VPC", TrafficType="ALL",
            LogGroupName=flow["LogGroupName"], DeliverLogsPermissionArn=flow["DeliverLogsPermissionArn"],
        )  # fmt: skip
    assert code == 1
    assert_only(report, "network.flow-logs")


def test_a_rule_added_to_the_default_security_group_is_no_go(stack, capsys):
    ec2 = stack.aws("ec2")
    group = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [stack.output("vpcId")]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"][0]["GroupId"]
    ssh = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=ssh)
    try:
        code, report = run_verify(capsys, stack.outputs)
    finally:
        ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=ssh)
    assert code == 1
    assert_only(report, "network.default-security-group")
    evidence = next(c for c in report["checks"] if c["id"] == "network.default-security-group")["evidence"]
    assert evidence == ["ingress: tcp 22-22 from 0.0.0.0/0"]


def test_a_raised_session_limit_is_no_go(stack, capsys):
    iam = stack.aws("iam")
    iam.update_role(RoleName="staging-developer", MaxSessionDuration=43200)
    try:
        code, report = run_verify(capsys, stack.outputs)
    finally:
        iam.update_role(RoleName="staging-developer", MaxSessionDuration=3600)
    assert code == 1
    assert_only(report, "iam.session-duration")
    failed = [c["subject"] for c in report["checks"] if c["status"] == "fail"]
    assert failed == ["access role developer"]


def test_an_iam_user_with_an_access_key_and_the_stack_tags_is_no_go(stack, capsys):
    iam = stack.aws("iam")
    iam.create_user(UserName="staging-ci-bot", Tags=[{"Key": "environment", "Value": "staging"}])
    key = iam.create_access_key(UserName="staging-ci-bot")["AccessKey"]["AccessKeyId"]
    try:
        code, report = run_verify(capsys, stack.outputs)
    finally:
        iam.delete_access_key(UserName="staging-ci-bot", AccessKeyId=key)
        iam.delete_user(UserName="staging-ci-bot")
    assert code == 1
    assert_only(report, "iam.no-users")
    evidence = next(c for c in report["checks"] if c["id"] == "iam.no-users")["evidence"]
    assert evidence[0] == "IAM user staging-ci-bot carries environment=staging and has 1 access key(s)"


def test_an_iam_user_of_another_environment_is_not_the_stack_s(stack, capsys):
    iam = stack.aws("iam")
    iam.create_user(UserName="prod-bot", Tags=[{"Key": "environment", "Value": "production"}])
    try:
        code, report = run_verify(capsys, stack.outputs)
    finally:
        iam.delete_user(UserName="prod-bot")
    assert (code, report["verdict"]) == (0, "go")


def test_a_route_from_an_isolated_subnet_to_the_nat_gateway_is_no_go(stack, capsys):
    ec2 = stack.aws("ec2")
    isolated = stack.output("subnetIds", "isolated")
    table = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [isolated[0]]}])
    table_id = table["RouteTables"][0]["RouteTableId"]
    nat = ec2.describe_nat_gateways()["NatGateways"][0]["NatGatewayId"]
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    try:
        code, report = run_verify(capsys, stack.outputs)
    finally:
        ec2.delete_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0")
    assert code == 1
    assert_only(report, "network.isolated-subnets")
    failed = {c["subject"]: c["evidence"] for c in report["checks"] if c["status"] == "fail"}
    assert set(failed) == set(isolated)  # the three share the isolated route table
    assert failed[isolated[0]][0] == f"{table_id}: 0.0.0.0/0 -> NAT gateway {nat}"


def test_disabled_key_rotation_is_no_go(stack, capsys):
    kms = stack.aws("kms")
    key = stack.output("kmsKeyArn")
    kms.disable_key_rotation(KeyId=key)
    try:
        code, report = run_verify(capsys, stack.outputs)
    finally:
        kms.enable_key_rotation(KeyId=key)
    assert code == 1
    assert_only(report, "kms.rotation")


def test_a_route_without_the_authorizer_is_no_go(stack, capsys):
    client = stack.aws("apigatewayv2")
    api = client.get_apis()["Items"][0]["ApiId"]
    route = next(r for r in client.get_routes(ApiId=api)["Items"] if r["RouteKey"] == "POST /v1/db-token")
    client.update_route(ApiId=api, RouteId=route["RouteId"], AuthorizationType="NONE")
    try:
        code, report = run_verify(capsys, stack.outputs)
    finally:
        client.update_route(
            ApiId=api, RouteId=route["RouteId"], AuthorizationType="JWT", AuthorizerId=route["AuthorizerId"]
        )
    assert code == 1
    assert_only(report, "api.routes-authorized")


def test_an_access_role_trusting_another_principal_is_no_go(stack, capsys):
    iam = stack.aws("iam")
    original = iam.get_role(RoleName="staging-readonly")["Role"]["AssumeRolePolicyDocument"]
    original = original if isinstance(original, str) else json.dumps(original)
    widened = json.loads(original)
    widened["Statement"].append(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
            "Action": "sts:AssumeRole",
        }
    )
    iam.update_assume_role_policy(RoleName="staging-readonly", PolicyDocument=json.dumps(widened))
    try:
        code, report = run_verify(capsys, stack.outputs)
    finally:
        iam.update_assume_role_policy(RoleName="staging-readonly", PolicyDocument=original)
    assert code == 1
    assert_only(report, "iam.access-role-trust")
    evidence = next(c for c in report["checks"] if c["status"] == "fail")["evidence"]
    assert any("999999999999" in line for line in evidence)
    assert any("without a condition requiring sts:SourceIdentity" in line for line in evidence)


def test_a_secret_under_another_key_is_no_go(stack, capsys):
    secrets, kms = stack.aws("secretsmanager"), stack.aws("kms")
    other = kms.create_key(Description="not the stack's")["KeyMetadata"]["Arn"]
    name = "staging/search/admin-token"
    secrets.update_secret(SecretId=name, KmsKeyId=other)
    try:
        code, report = run_verify(capsys, stack.outputs)
    finally:
        secrets.update_secret(SecretId=name, KmsKeyId=stack.output("kmsKeyArn"))
    assert code == 1
    assert_only(report, "secrets.encrypted")
    assert [c["subject"] for c in report["checks"] if c["status"] == "fail"] == [f"vault secret {name}"]


def test_an_absent_attribute_fails_closed(stack, capsys, tmp_path):
    """moto omits PubliclyAccessible when it was not passed: nothing proves the instance private."""
    rds = stack.aws("rds")
    rds.create_db_instance(
        DBInstanceIdentifier="staging-unknown", Engine="postgres", DBInstanceClass="db.t4g.medium",
        DBSubnetGroupName=rds.describe_db_instances(DBInstanceIdentifier="staging-orders")["DBInstances"][0]["DBSubnetGroup"]["DBSubnetGroupName"],
    )  # fmt: skip
    outputs = json.loads(stack.outputs.read_text())
    outputs["databases"]["orders"]["identifier"] = "staging-unknown"
    (tmp_path / "outputs.json").write_text(json.dumps(outputs))
    try:
        code, report = run_verify(capsys, tmp_path / "outputs.json")
    finally:
        rds.delete_db_instance(DBInstanceIdentifier="staging-unknown", SkipFinalSnapshot=True)
    assert code == 1
    public = next(c for c in report["checks"] if c["id"] == "database.not-public")
    assert public["status"] == "fail"
    assert public["evidence"] == [
        "PubliclyAccessible absent from DB instance staging-unknown: cannot prove the property, so it fails"
    ]


def test_the_edge_is_checked_over_http_with_url(stack, capsys):
    with edge() as url:
        code, report = run_verify(capsys, stack.outputs, "--url", url)
    assert (code, report["verdict"]) == (0, "go")
    assert {c["id"]: c["status"] for c in report["checks"] if c["area"] == "edge"} == {
        "edge.auth-required": "pass",
        "edge.noindex": "pass",
        "edge.robots-txt": "pass",
    }
    assert report["target"]["url"] == url


def test_each_check_makes_only_the_read_only_calls_it_declares(stack):
    outputs = load_outputs(stack.outputs)
    made: set[str] = set()
    for check in all_checks():
        ctx = Context(outputs, AwsReader(REGION))
        run_check(check, ctx)
        calls = ctx.aws.calls - NO_PERMISSION_NEEDED
        assert calls <= set(check.actions), (check.id, sorted(calls - set(check.actions)))
        made |= calls
    assert all(is_read_only(action) for action in made)
    assert made <= set(policy_document()["Statement"][0]["Action"])
    assert {"ec2:DescribeFlowLogs", "rds:DescribeDBInstances", "iam:ListUsers", "apigateway:GET"} <= made


def test_a_terminal_shows_progress_while_the_checks_run(stack, capsys, monkeypatch):
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # Rich draws live displays on a terminal only
    monkeypatch.setenv("TTY_INTERACTIVE", "1")
    capsys.readouterr()
    assert cli.main(["verify", "--outputs", str(stack.outputs), "--format", "json"]) == 0
    progress = capsys.readouterr().err
    assert "verify" in progress and f"/{len(all_checks())}" in progress


def test_no_secret_value_reaches_the_outputs_the_notes_or_the_report(stack, capsys):
    secrets = stack.aws("secretsmanager")
    credentials = json.loads(
        secrets.get_secret_value(SecretId=stack.output("brokers", "tasks", "credentialsSecretArn"))[
            "SecretString"
        ]
    )
    master_arn = stack.output("databases", "orders", "masterSecretArn")
    master = json.loads(secrets.get_secret_value(SecretId=master_arn)["SecretString"])
    values = [credentials["password"], master["password"]]
    assert all(len(v) >= 8 for v in values)  # the generated (32) and RDS-managed (moto: 9) passwords
    code, report = run_verify(capsys, stack.outputs, "--emulation-notes", str(stack.notes))
    written = stack.outputs.read_text() + stack.notes.read_text() + json.dumps(report)
    assert code == 0 and not [v for v in values if v in written]
