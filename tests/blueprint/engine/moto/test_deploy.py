"""The default stack deployed into an in-process moto account: every AWS resource exists in moto, the
program got moto's values back, and what moto lacks is reported, never passed off as deployed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from blueprint.engine import PROJECT_DIR, read_stack, record_stack
from blueprint.engine.graph import ResourceRecord, unwrap
from blueprint.engine.moto import AwsClients, Deployment, deploy_stack, emulated_account

REGION = "eu-west-1"


@dataclass
class Deployed:
    deployment: Deployment
    aws: AwsClients

    def outputs_of(self, type_token: str, name: str | None = None) -> dict[str, Any]:
        found = [r for r in self.deployment.graph.of_type(type_token) if name is None or r.name == name]
        assert len(found) == 1, [r.name for r in found]
        return dict(unwrap(found[0].outputs))


@pytest.fixture(scope="module")
def deployed() -> Iterator[Deployed]:
    with emulated_account(REGION) as aws:
        yield Deployed(deploy_stack(read_stack(PROJECT_DIR, "staging"), aws), aws)


def custom_aws(records: list[ResourceRecord]) -> set[tuple[str, str]]:
    return {(r.type, r.name) for r in records if r.custom and r.type.startswith("aws:")}


def test_every_aws_resource_is_created_in_moto_or_reported_not_emulated(deployed):
    created = {(t, n) for t, n, _ in deployed.deployment.created}
    synthesized = {
        (entry.note.type, name)
        for entry in deployed.deployment.not_emulated
        if entry.note.what == "resource"
        for name in entry.resources
    }
    assert custom_aws(deployed.deployment.graph.resources) == {
        k for k in created | synthesized if k[0].startswith("aws:")
    }
    assert not created & synthesized
    # The list of what moto 5.2 cannot hold for this stack: the MSK configuration and EKS access
    # entries, their access policies and add-ons are synthesized; the EKS cluster and node group are created.
    assert synthesized == {
        ("aws:msk/configuration:Configuration", "broker-events-config"),
        ("aws:eks/addon:Addon", "cluster-vpc-cni"),
        ("aws:eks/addon:Addon", "cluster-pod-identity-agent"),
        *(
            (kind, f"cluster-access-{who}{suffix}")
            for who in ("admin-0", "developer", "readonly", "ci-deploy")
            for kind, suffix in (
                ("aws:eks/accessEntry:AccessEntry", ""),
                ("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "-policy"),
            )
        ),
    }
    assert {
        ("aws:eks/cluster:Cluster", "cluster-eks"),
        ("aws:eks/nodeGroup:NodeGroup", "cluster-nodes"),
    } <= created


def test_what_is_not_emulated_is_reported_with_its_resources(deployed):
    notes = {(n["type"], n["what"]): n for n in deployed.deployment.notes_json()["notEmulated"]}
    assert set(notes) == {
        ("aws:msk/configuration:Configuration", "resource"),
        ("aws:msk/cluster:Cluster", "bootstrapBrokersSaslIam"),
        ("aws:lambda/function:Function", "function execution"),
        ("aws:glue/schema:Schema", "compatibility checks"),
        ("aws:iam/role:Role", "trust policy evaluation"),
        ("aws:ec2/vpc:Vpc", "default security group's ingress rule"),
        ("aws:eks/accessEntry:AccessEntry", "resource"),
        ("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "resource"),
        ("aws:eks/addon:Addon", "resource"),
        ("aws:eks/cluster:Cluster", "access config, upgrade policy and deletion protection"),
        ("aws:scheduler/schedule:Schedule", "schedule invocations"),
    }
    assert notes[("aws:scheduler/schedule:Schedule", "schedule invocations")]["resources"] == [
        "schedule-staging-nodes-start",
        "schedule-staging-nodes-stop",
        "schedule-staging-orders-start",
        "schedule-staging-orders-stop",
    ]
    assert notes[("aws:glue/schema:Schema", "compatibility checks")]["resources"] == [
        "schemas-orders.order-placed",
        "schemas-payments.payment-captured",
    ]
    assert all(n["reason"] for n in notes.values())


def test_the_recording_is_kept(deployed):
    offline = record_stack("staging")
    # Registration order follows when each resource's inputs resolve, so it may differ; the records may not.
    assert sorted(r.urn for r in deployed.deployment.graph.resources) == sorted(
        r.urn for r in offline.resources
    )
    assert set(deployed.deployment.graph.outputs) == set(offline.outputs)


def test_references_carry_the_ids_moto_assigned(deployed):
    ec2 = deployed.aws("ec2")
    vpc_id = deployed.outputs_of("aws:ec2/vpc:Vpc")["id"]
    assert ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["CidrBlock"] == "10.42.0.0/16"
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    assert len(subnets) == 12  # 3 AZs x (public, private, isolated, endpoints)
    assert {s["AvailabilityZone"] for s in subnets} == {"eu-west-1a", "eu-west-1b", "eu-west-1c"}
    isolated = deployed.deployment.outputs()["subnetIds"]["isolated"]
    db = deployed.aws("rds").describe_db_instances(DBInstanceIdentifier="staging-orders")["DBInstances"][0]
    assert sorted(s["SubnetIdentifier"] for s in db["DBSubnetGroup"]["Subnets"]) == sorted(isolated)
    key_arn = deployed.aws("kms").describe_key(KeyId="alias/staging-blueprint-staging")["KeyMetadata"]["Arn"]
    assert db["KmsKeyId"] == key_arn == deployed.deployment.outputs()["kmsKeyArn"]
    assert (
        db["VpcSecurityGroups"][0]["VpcSecurityGroupId"]
        == deployed.deployment.outputs()["databases"]["orders"]["securityGroupId"]
    )


def test_the_broker_lambda_and_its_api_are_wired_with_moto_arns(deployed):
    function = deployed.aws("lambda").get_function(FunctionName="staging-token-broker")["Configuration"]
    role = deployed.aws("iam").get_role(RoleName="staging-token-broker")["Role"]
    assert function["Role"] == role["Arn"]
    assert function["KMSKeyArn"] == deployed.deployment.outputs()["kmsKeyArn"]
    role_map = json.loads(function["Environment"]["Variables"]["ROLE_MAP"])
    assert (
        role_map["staging-viewers"]["readonly"]["roleArn"]
        == deployed.deployment.outputs()["stagingRoleArns"]["readonly"]
    )
    api_id = deployed.outputs_of("aws:apigatewayv2/api:Api")["id"]
    integration = deployed.aws("apigatewayv2").get_integrations(ApiId=api_id)["Items"][0]
    assert function["FunctionArn"] in integration["IntegrationUri"]


def test_lambda_execution_is_not_emulated_the_code_never_runs(deployed):
    answer = deployed.aws("lambda").invoke(FunctionName="staging-token-broker", Payload=b"")
    assert answer["StatusCode"] == 200 and "FunctionError" not in answer
    assert (
        answer["Payload"].read() == b"Simple Lambda happy path OK"
    )  # moto's canned answer, not the handler's


def test_the_flow_log_delivers_to_the_stack_group_with_its_role(deployed):
    flow = deployed.aws("ec2").describe_flow_logs()["FlowLogs"][0]
    group = deployed.outputs_of("aws:cloudwatch/logGroup:LogGroup", "network-flow-logs")
    role = deployed.outputs_of("aws:iam/role:Role", "network-flow-logs-role")
    assert (flow["LogGroupName"], flow["DeliverLogsPermissionArn"]) == (group["name"], role["arn"])
    assert (flow["FlowLogStatus"], flow["DeliverLogsStatus"], flow["TrafficType"]) == (
        "ACTIVE",
        "SUCCESS",
        "ALL",
    )


def test_the_default_security_group_was_emptied_and_new_groups_lost_their_default_egress(deployed):
    ec2 = deployed.aws("ec2")
    vpc_id = deployed.outputs_of("aws:ec2/vpc:Vpc")["id"]
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]
    default = next(g for g in groups if g["GroupName"] == "default")
    assert (default["IpPermissions"], default["IpPermissionsEgress"]) == ([], [])
    data_stores = [g for g in groups if g["GroupName"] != "default"]
    # endpoints, the three data stores and the EKS API: none keeps the default allow-all egress
    assert len(data_stores) == 5 and all(g["IpPermissionsEgress"] == [] for g in data_stores)
    db_group = next(
        g
        for g in data_stores
        if g["GroupId"] == deployed.deployment.outputs()["databases"]["orders"]["securityGroupId"]
    )
    assert sorted(r["CidrIp"] for p in db_group["IpPermissions"] for r in p["IpRanges"]) == [
        "10.42.0.0/20",
        "10.42.16.0/20",
        "10.42.32.0/20",
    ]


def test_outputs_are_written_as_pulumi_stack_output_json_prints_them(deployed):
    outputs = deployed.deployment.outputs()
    assert outputs["databases"]["orders"]["port"] == 5432 and isinstance(
        outputs["databases"]["orders"]["port"], int
    )
    assert outputs["vpcId"] == deployed.outputs_of("aws:ec2/vpc:Vpc")["id"]
    assert outputs["brokers"]["events"]["arn"] == deployed.outputs_of("aws:msk/cluster:Cluster")["arn"]
    assert outputs["tokenBrokerRoleArn"].endswith(":role/staging-token-broker")
    assert set(outputs["secretArns"]) == {"staging/payments/psp-api-key", "staging/search/admin-token"}
    assert "[secret]" not in json.dumps(outputs)


def test_the_github_provider_the_program_looks_up_is_seeded_as_a_prerequisite(deployed):
    providers = deployed.aws("iam").list_open_id_connect_providers()["OpenIDConnectProviderList"]
    assert [p["Arn"].rsplit("/", 1)[-1] for p in providers] == ["token.actions.githubusercontent.com"]
    assert (
        deployed.deployment.prerequisites
        and "token.actions.githubusercontent.com" in deployed.deployment.prerequisites[0]
    )
    trust = deployed.aws("iam").get_role(RoleName="staging-ci-deploy")["Role"]["AssumeRolePolicyDocument"]
    trust = trust if isinstance(trust, dict) else json.loads(trust)
    assert trust["Statement"][0]["Principal"] == {"Federated": providers[0]["Arn"]}


def test_the_schedules_exist_in_the_account_with_their_universal_targets(deployed):
    schedule = deployed.aws("scheduler").get_schedule(Name="staging-orders-stop")
    assert schedule["Target"]["Arn"] == "arn:aws:scheduler:::aws-sdk:rds:stopDBInstance"
    assert json.loads(schedule["Target"]["Input"]) == {"DbInstanceIdentifier": "staging-orders"}
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert schedule["ScheduleExpressionTimezone"] == "Europe/Dublin"
