"""Compute rules (``guardrails/compute.py``), violating and compliant, through the pack.

Each case adds an EC2 instance, launch template, launch configuration, auto scaling group or EBS volume
that passes every rule (the builders below) with one thing changed, or changes the baseline's ECS service
``app-svc`` (``team_stack``), which runs in the private subnet ``app-0``.
"""

from __future__ import annotations

from typing import Any

import pytest

from blueprint.engine.graph import UNKNOWN
from tests.policies.cases import Mutation, assert_case, case
from tests.policies.stack import KEY_ARN, Stack

PUBLIC_IP = "compute-no-public-ip"
SUBNETS = "workload-not-in-public-subnet"
IMDS = "ec2-imdsv2-required"
EBS = "ebs-encrypted-with-cmk"
INSTANCE = "aws:ec2/instance:Instance"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
LAUNCH_CONFIGURATION = "aws:ec2/launchConfiguration:LaunchConfiguration"
ASG = "aws:autoscaling/group:Group"
VOLUME = "aws:ebs/volume:Volume"
IMDSV2 = {"httpTokens": "required", "httpPutResponseHopLimit": 1}
ENCRYPTED = {"encrypted": True, "kmsKeyId": KEY_ARN}


def _instance(subnet: str | None = "app-0", **inputs: Any) -> Mutation:
    """An instance in ``subnet`` that passes every rule, with ``inputs`` changed (None removes a key)."""

    def mutate(s: Stack) -> None:
        props = {
            "ami": "ami-1",
            "instanceType": "t4g.small",
            "metadataOptions": IMDSV2,
            "rootBlockDevice": ENCRYPTED,
        }
        props.update({"associatePublicIpAddress": False, **inputs})
        refs = {"subnetId": s[subnet]} if subnet else {}
        s.add(INSTANCE, "vm", {k: v for k, v in props.items() if v is not None}, refs=refs)

    return mutate


def _template(nic: dict[str, Any] | None = None, **inputs: Any) -> Mutation:
    """A launch template (strings for booleans, as the 7.x SDK types them) that passes every rule."""

    def mutate(s: Stack) -> None:
        interface = {"associatePublicIpAddress": "false", "subnetId": s["app-0"].id, **(nic or {})}
        ebs = {"encrypted": "true", "kmsKeyId": KEY_ARN, "volumeSize": 20}
        props = {
            "networkInterfaces": [interface],
            "metadataOptions": IMDSV2,
            "blockDeviceMappings": [
                {"deviceName": "/dev/xvda", "ebs": ebs},
                {"deviceName": "/dev/sdb", "noDevice": ""},
            ],
            **inputs,
        }
        subnet = s[interface["subnetId"].removeprefix("subnet-")]
        s.add(
            LAUNCH_TEMPLATE,
            "lt",
            {k: v for k, v in props.items() if v is not None},
            refs={"networkInterfaces": [subnet]},
        )

    return mutate


def _asg(subnets: list[str] | None) -> Mutation:
    def mutate(s: Stack) -> None:
        _template()(s)
        props = {"minSize": 1, "maxSize": 2, "launchTemplate": {"id": s["lt"].id, "version": "$Latest"}}
        refs = {"vpcZoneIdentifiers": [s[n] for n in subnets]} if subnets is not None else {}
        s.add(ASG, "asg", props, refs=refs)

    return mutate


def _service_network(**changes: Any) -> Mutation:
    def mutate(s: Stack) -> None:
        network = {"subnets": [s["app-0"].id], "securityGroups": [s["app-sg"].id], "assignPublicIp": False}
        s.set("app-svc", networkConfiguration={**network, **changes})

    return mutate


def _on_public_subnet(s: Stack) -> None:
    _service_network(subnets=[s["public-0"].id])(s)
    s["app-svc"].property_dependencies["networkConfiguration"] = [s["public-0"].urn]


PUBLIC_IP_CASES = [
    case(_instance(), id="private-instance-ok"),
    case(_instance(associatePublicIpAddress=True), (PUBLIC_IP, "vm"), id="instance-public-ip"),
    case(
        _template({"associatePublicIpAddress": "true"}),
        (PUBLIC_IP, "lt"),
        id="launch-template-public-ip-string",
    ),
    case(
        _template({"associatePublicIpAddress": True}), (PUBLIC_IP, "lt"), id="launch-template-public-ip-bool"
    ),
    case(_service_network(assignPublicIp=True), (PUBLIC_IP, "app-svc"), id="ecs-service-public-ip"),
    case(
        lambda s: s.add(
            LAUNCH_CONFIGURATION,
            "lc",
            {
                "associatePublicIpAddress": True,
                "metadataOptions": IMDSV2,
                "rootBlockDevice": {"encrypted": True},
            },
        ),
        (PUBLIC_IP, "lc"),
        (EBS, "lc"),  # launch configurations cannot name a KMS key
        id="launch-configuration-public-ip",
    ),
    case(
        _instance(associatePublicIpAddress=UNKNOWN),
        (PUBLIC_IP, "vm"),  # "can't run policy during preview" (advisory)
        id="public-ip-unknown-in-preview",
    ),
]

SUBNET_CASES = [
    case(_instance(subnet="public-0"), (SUBNETS, "vm"), id="instance-in-public-subnet"),
    case(_instance(subnet=None), (PUBLIC_IP, "vm"), id="instance-in-default-vpc"),
    case(_instance(subnet="isolated-0"), id="instance-in-isolated-subnet-ok"),
    case(_template({"subnetId": "subnet-public-0"}), (SUBNETS, "lt"), id="launch-template-in-public-subnet"),
    case(_asg(["app-0"]), id="asg-in-private-subnet-ok"),
    case(_asg(["app-0", "public-0"]), (SUBNETS, "asg"), id="asg-spanning-public-subnet"),
    case(_asg(None), (PUBLIC_IP, "asg"), id="asg-in-default-vpc"),
    case(_on_public_subnet, (SUBNETS, "app-svc"), id="ecs-service-in-public-subnet"),
    case(
        lambda s: s.remove("app-0-rta"),
        id="unassociated-subnet-uses-main-table-ok",
    ),
    case(
        lambda s: (
            s.remove("app-0-rta"),
            s.add(
                "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation",
                "main-rt",
                refs={"vpcId": s["vpc"], "routeTableId": s["public-rt"]},
            ),
        ),
        (SUBNETS, "app-svc"),
        ("subnet-tier-routes", "public-default"),  # a private subnet routing to the internet gateway
        id="unassociated-subnet-on-public-main-table",
    ),
]

IMDS_CASES = [
    case(_instance(metadataOptions={"httpTokens": "optional"}), (IMDS, "vm"), id="instance-imdsv1"),
    case(_instance(metadataOptions=None), (IMDS, "vm"), id="instance-metadata-options-unset"),
    case(_instance(metadataOptions={"httpEndpoint": "disabled"}), id="metadata-endpoint-off-ok"),
    case(_template(metadataOptions={"httpTokens": "optional"}), (IMDS, "lt"), id="launch-template-imdsv1"),
    case(
        lambda s: (
            _template()(s),
            _instance(metadataOptions=None, rootBlockDevice=None, launchTemplate={"id": s["lt"].id})(s),
        ),
        id="instance-from-launch-template-ok",
    ),
]

EBS_CASES = [
    case(_instance(rootBlockDevice=None), (EBS, "vm"), id="root-volume-unspecified"),
    case(_instance(rootBlockDevice={"encrypted": False}), (EBS, "vm"), id="root-volume-unencrypted"),
    case(_instance(rootBlockDevice={"encrypted": True}), (EBS, "vm"), id="root-volume-aws-managed-key"),
    case(
        _instance(ebsBlockDevices=[{"deviceName": "/dev/sdf", "volumeSize": 100}]),
        (EBS, "vm"),
        id="data-volume-unencrypted",
    ),
    case(
        _instance(ebsBlockDevices=[{"deviceName": "/dev/sdf", "snapshotId": "snap-1"}]),
        id="volume-from-snapshot-ok",
    ),
    case(
        _template(blockDeviceMappings=[{"deviceName": "/dev/xvda", "ebs": {"encrypted": "false"}}]),
        (EBS, "lt"),
        id="launch-template-volume-unencrypted",
    ),
    case(
        lambda s: s.add(VOLUME, "data", {"size": 100, "availabilityZone": "eu-west-1a"}),
        (EBS, "data"),
        id="volume-unencrypted",
    ),
    case(lambda s: s.add(VOLUME, "data", {"size": 100, **ENCRYPTED}), id="volume-with-cmk-ok"),
    case(
        lambda s: s.add(VOLUME, "data", {"size": 100, "encrypted": True, "kmsKeyId": UNKNOWN}),
        id="volume-key-unknown-in-preview-ok",
    ),
]

#: Read by ``tests/policies/test_rule_coverage.py`` too.
CASES = [*PUBLIC_IP_CASES, *SUBNET_CASES, *IMDS_CASES, *EBS_CASES]


@pytest.mark.parametrize(("mutate", "expected", "config"), CASES)
def test_compute_rule(
    analyze: Any, mutate: Mutation, expected: set[tuple[str, str]], config: dict[str, Any] | None
) -> None:
    assert_case(analyze, mutate, expected, config)
