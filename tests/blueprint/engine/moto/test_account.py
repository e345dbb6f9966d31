"""The emulated account itself: loopback only, the server stopped whatever happens, Lambda without
Docker, unimplemented operations told apart, invokes answered from moto, moto's errors surfaced."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import boto3
import pulumi
import pulumi_aws as aws
import pytest
from botocore.exceptions import ClientError

from blueprint.engine import StackSettings, run_function
from blueprint.engine.moto import EmulatorError, MotoMocks, emulated_account, moto_server
from blueprint.engine.moto.account import check_loopback
from blueprint.engine.moto.invokes import InvokeError, answer_invoke

REGION = "eu-west-1"
ROOT = Path(__file__).resolve().parents[4]
SETTINGS = StackSettings("staging-blueprint", "test", {"aws:region": REGION}, frozenset())


@pytest.mark.parametrize(
    "url", ["http://localhost:5000", "https://127.0.0.1:5000", "http://10.0.0.1:5000", "http://127.0.0.1"]
)
def test_only_a_loopback_http_endpoint_is_accepted(url):
    with pytest.raises(EmulatorError, match=r"127\.0\.0\.1"):
        check_loopback(url)
    assert check_loopback("http://127.0.0.1:5000") == "http://127.0.0.1:5000"


def refused(endpoint: str) -> bool:
    host, port = endpoint.removeprefix("http://").split(":")
    with socket.socket() as probe:
        return probe.connect_ex((host, int(port))) != 0


def test_the_server_listens_on_loopback_runs_lambda_without_docker_and_stops():
    with moto_server() as server:
        assert server.endpoint_url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(f"{server.endpoint_url}/moto-api/config", timeout=5) as answer:
            assert json.load(answer)["lambda"] == {"use_docker": False}
        endpoint = server.endpoint_url
    assert refused(endpoint)


def test_the_server_stops_when_the_block_fails():
    with pytest.raises(RuntimeError), moto_server() as server:
        endpoint = server.endpoint_url
        raise RuntimeError("deployment failed")
    assert refused(endpoint)


def test_an_unimplemented_operation_is_a_501_not_a_crash():
    with moto_server() as server:
        kafka = server.clients(REGION)("kafka")
        arn = kafka.create_cluster(
            ClusterName="c", KafkaVersion="3.8.x", NumberOfBrokerNodes=3,
            BrokerNodeGroupInfo={"ClientSubnets": ["subnet-1"], "InstanceType": "kafka.t3.small"},
        )["ClusterArn"]  # fmt: skip
        with pytest.raises(ClientError) as failure:
            kafka.get_bootstrap_brokers(ClusterArn=arn)
    assert failure.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert failure.value.response["Error"]["Code"] == "NotImplemented"


def test_invokes_come_from_the_account_and_a_missing_oidc_provider_fails_the_lookup():
    url = "https://token.actions.githubusercontent.com"
    with emulated_account(REGION) as account:
        zones = answer_invoke(
            account, "aws:index/getAvailabilityZones:getAvailabilityZones", {"state": "available"}
        )
        assert zones["names"] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
        identity = answer_invoke(account, "aws:index/getCallerIdentity:getCallerIdentity", {})
        assert (
            identity["accountId"] == boto3.client("sts", region_name=REGION).get_caller_identity()["Account"]
        )
        with pytest.raises(InvokeError, match=r"token\.actions\.githubusercontent\.com"):
            answer_invoke(account, "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider", {"url": url})
        created = account("iam").create_open_id_connect_provider(Url=url, ClientIDList=["sts.amazonaws.com"])
        found = answer_invoke(
            account, "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider", {"url": url}
        )
        assert found["arn"] == created["OpenIDConnectProviderArn"]
        with pytest.raises(InvokeError, match="getSecret"):
            answer_invoke(account, "aws:secretsmanager/getSecret:getSecret", {})


def run_in_moto(account, program) -> MotoMocks:
    holder: list[MotoMocks] = []

    def mocks(settings: StackSettings) -> MotoMocks:
        holder.append(MotoMocks(settings, account))
        return holder[0]

    run_function(program, SETTINGS, mocks=mocks)
    return holder[0]


def test_a_new_vpc_default_group_holds_aws_default_rules_until_the_stack_adopts_it():
    with emulated_account(REGION) as account:
        mocks = run_in_moto(account, lambda: aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16"))
        vpc_id = mocks.created[0][2]
        group = account("ec2").describe_security_groups(
            Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
        )["SecurityGroups"][0]
    ingress = [
        (p["IpProtocol"], [g["GroupId"] for g in p["UserIdGroupPairs"]]) for p in group["IpPermissions"]
    ]
    egress = [(p["IpProtocol"], [r["CidrIp"] for r in p["IpRanges"]]) for p in group["IpPermissionsEgress"]]
    assert ingress == [("-1", [group["GroupId"]])]  # all traffic from itself, as AWS creates it
    assert egress == [("-1", ["0.0.0.0/0"])]


#: A program whose subnet names a VPC that does not exist. It runs in its own process: after an RPC fails,
#: the Pulumi SDK's runtime state in that process is not reliably reset for the next program run.
FAILING_PROGRAM = """
import pulumi_aws as aws
from blueprint.engine import ProgramError, StackSettings, run_function
from blueprint.engine.moto import MotoMocks, emulated_account

settings = StackSettings("staging-blueprint", "test", {"aws:region": "eu-west-1"}, frozenset())
with emulated_account("eu-west-1") as account:
    try:
        run_function(
            lambda: aws.ec2.Subnet("orphan", vpc_id="vpc-00000000000000000", cidr_block="10.0.0.0/24"),
            settings,
            mocks=lambda s: MotoMocks(s, account),
        )
    except ProgramError as exc:
        print(exc)
"""


def test_a_resource_moto_rejects_fails_the_deployment_naming_it():
    done = subprocess.run(
        [sys.executable, "-c", FAILING_PROGRAM],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "aws:ec2/subnet:Subnet 'orphan'" in done.stdout
    assert "InvalidVpcID.NotFound" in done.stdout


def test_components_stay_in_pulumi_and_unknown_aws_types_are_synthesized_and_reported():
    def program() -> None:
        parent = pulumi.ComponentResource("staging:index:Thing", "thing")
        aws.sqs.Queue("queue", opts=pulumi.ResourceOptions(parent=parent))

    with emulated_account(REGION) as account:
        mocks = run_in_moto(account, program)
        assert account("sqs").list_queues().get("QueueUrls", []) == []
    entry = mocks.notes[("aws:sqs/queue:Queue", "resource")]
    assert entry.resources == ["queue"] and "no handler" in entry.note.reason
    assert mocks.created == []
