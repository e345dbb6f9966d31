"""Compute a team adds: EC2 instances, launch templates and configurations, auto scaling groups, EBS
volumes and ECS services.

Workloads run in private subnets without public addresses (the Edge is the way in, SSM Session Manager
the way onto a host), keep the instance role's credentials behind IMDSv2, and store data on volumes
encrypted with the stack's CMK. Container-level rules are in ``containers.py``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, Severity

from . import _types as t
from ._kms import cmk_problem
from ._network import SUBNET_TYPES, public_subnet_reason
from ._props import as_list, flag, is_set, known, peek
from ._rule import Equivalents, Finding, RuleContext, RuleSpec, resource_rule, stack_rule
from ._stack import StackIndex

_MANDATORY = EnforcementLevel.MANDATORY
_INSTANCE_TYPES = {t.EC2_INSTANCE, t.LAUNCH_TEMPLATE, t.LAUNCH_CONFIGURATION}

NO_PUBLIC_IP = RuleSpec(
    name="compute-no-public-ip",
    concern="isolation",
    description="EC2 instances, launch templates, launch configurations, auto scaling groups and ECS "
    "services must not assign public IP addresses or launch into the default VPC's default subnets.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Set associatePublicIpAddress=false (instances, launch configurations), "
    "networkInterfaces[].associatePublicIpAddress='false' (launch templates) or "
    "networkConfiguration.assignPublicIp=false (ECS services), and name private subnets (subnetId, "
    "vpcZoneIdentifiers). Reach workloads through the Edge and hosts through SSM Session Manager.",
    equivalents=Equivalents(
        checkov=("CKV_AWS_88", "CKV_AWS_333", "CKV_AWS_389"),
        cdk_nag=("NIST.800.53.R5-EC2InstanceNoPublicIp",),
        awsguard=("ec2-instance-no-public-ip",),
    ),
)


#: Properties choosing an instance's subnet; without any, EC2 uses the default VPC's default subnet,
#: which maps public addresses on launch (Amazon VPC User Guide, "Default VPCs").
_INSTANCE_PLACEMENT = ("subnetId", "networkInterfaces", "primaryNetworkInterface", "launchTemplate")


def _default_subnet_launch(props: Mapping[str, Any], resource_type: str) -> str | None:
    """Why the workload would launch into the default VPC's default subnets, if it would.

    Read from inputs (a resource rule): a stack check sees the provider's computed subnet instead.
    """
    if resource_type == t.EC2_INSTANCE and not any(is_set(peek(props, p)) for p in _INSTANCE_PLACEMENT):
        return "subnetId is not set: the instance launches into the default VPC's default subnet."
    if resource_type == t.AUTOSCALING_GROUP and not is_set(peek(props, "vpcZoneIdentifiers")):
        return "vpcZoneIdentifiers is not set: instances launch into the default VPC's default subnets."
    return None


def _check_public_ip(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    default_subnet = _default_subnet_launch(props, ctx.resource_type)
    if default_subnet:
        yield default_subnet + " Default subnets assign public addresses."
    if ctx.resource_type == t.AUTOSCALING_GROUP:
        return
    if ctx.resource_type == t.ECS_SERVICE:
        if flag(known(props, "networkConfiguration", "assignPublicIp")) is True:
            yield "networkConfiguration.assignPublicIp is true: every task gets a public address."
    elif ctx.resource_type == t.LAUNCH_TEMPLATE:
        for i, nic in enumerate(as_list(known(props, "networkInterfaces"))):
            if isinstance(nic, Mapping) and flag(known(nic, "associatePublicIpAddress")) is True:
                yield f"networkInterfaces[{i}].associatePublicIpAddress is true: instances get public IPs."
    elif flag(known(props, "associatePublicIpAddress")) is True:
        yield "associatePublicIpAddress is true: the instance gets a public address."


WORKLOAD_SUBNETS = RuleSpec(
    name="workload-not-in-public-subnet",
    concern="isolation",
    description="EC2 instances, launch templates, auto scaling groups and ECS services must not run in "
    "public subnets.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Use the Network component's private subnets (tier=private): subnetId (instances), "
    "vpcZoneIdentifiers (auto scaling groups), networkConfiguration.subnets (ECS services). Public "
    "subnets hold load balancers and NAT gateways only.",
)
#: Workload type -> the property (possibly nested) naming its subnets.
_SUBNET_PROPS = {
    t.EC2_INSTANCE: "subnetId",
    t.LAUNCH_TEMPLATE: "networkInterfaces",
    t.AUTOSCALING_GROUP: "vpcZoneIdentifiers",
    t.ECS_SERVICE: "networkConfiguration",
}


def _check_workload_subnets(resources: list[PolicyResource], ctx: RuleContext) -> Iterator[Finding]:
    index = StackIndex(resources)
    for workload in index.of_type(*_SUBNET_PROPS):
        for subnet in index.referenced(workload, _SUBNET_PROPS[workload.resource_type], SUBNET_TYPES):
            reason = public_subnet_reason(subnet, index)
            if reason:
                yield Finding(workload, f"subnet {subnet.name} is public: {reason}.")


IMDSV2 = RuleSpec(
    name="ec2-imdsv2-required",
    concern="credentials",
    description="EC2 instances, launch templates and launch configurations must require IMDSv2 session "
    "tokens (or turn the metadata endpoint off).",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Set metadataOptions {httpTokens: 'required', httpPutResponseHopLimit: 1, or 2 for "
    "containers on the host}. IMDSv1 answers any request that reaches it, so a server-side request "
    "forgery bug hands out the instance role's credentials.",
    equivalents=Equivalents(checkov=("CKV_AWS_79",), cdk_nag=("NIST.800.53.R5-EC2IMDSv2Enabled",)),
)


def _check_imds(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    from_template = ctx.resource_type == t.EC2_INSTANCE and is_set(peek(props, "launchTemplate"))
    if from_template and peek(props, "metadataOptions") is None:
        return  # the launch template's metadata options apply; it is checked itself
    if known(props, "metadataOptions", "httpEndpoint") == "disabled":
        return
    tokens = known(props, "metadataOptions", "httpTokens")
    if tokens != "required":
        # Unset, the AMI's ImdsSupport or the account default decides (EC2 User Guide, "Configure the
        # instance metadata options"): not visible here, so it must be explicit.
        shown = "not set" if tokens is None else repr(tokens)
        yield f"metadataOptions.httpTokens is {shown}: IMDSv1 answers unauthenticated credential requests."


EBS_CMK = RuleSpec(
    name="ebs-encrypted-with-cmk",
    concern="encryption",
    description="EBS volumes (standalone, and those instances, launch templates and launch configurations "
    "create) and the account's default EBS key must be the stack's customer-managed KMS key.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Set encrypted=true and kmsKeyId=<the SecretVault key's ARN> on ebs.Volume, on an "
    "instance's rootBlockDevice and ebsBlockDevices, and on each launch template "
    "blockDeviceMappings[].ebs (encrypted='true'); ebs.DefaultKmsKey keyArn names the same key, never "
    "alias/aws/ebs. Launch configurations cannot name a key: use a launch template.",
    equivalents=Equivalents(
        checkov=("CKV_AWS_3", "CKV_AWS_8", "CKV_AWS_189"),
        cdk_nag=("AwsSolutions-EC26",),
        awsguard=("encrypted-volumes",),
    ),
)


def _devices(props: Mapping[str, Any], resource_type: str) -> list[tuple[str, Any]]:
    """(label, block device) pairs of the EBS volumes a resource creates."""
    if resource_type == t.EBS_VOLUME:
        return [("volume", props)]
    if resource_type == t.LAUNCH_TEMPLATE:
        mappings = as_list(known(props, "blockDeviceMappings"))
        return [
            (f"blockDeviceMappings[{i}].ebs", known(m, "ebs"))
            for i, m in enumerate(mappings)
            if isinstance(m, Mapping) and known(m, "ebs") is not None
        ]
    root = known(props, "rootBlockDevice")
    if root is None and resource_type == t.EC2_INSTANCE and is_set(peek(props, "launchTemplate")):
        devices = []  # the launch template describes the root volume
    else:
        devices = [("rootBlockDevice", root if root is not None else {})]
    extra = as_list(known(props, "ebsBlockDevices"))
    return devices + [(f"ebsBlockDevices[{i}]", d) for i, d in enumerate(extra) if isinstance(d, Mapping)]


def _check_ebs(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if ctx.resource_type == t.EBS_DEFAULT_KMS_KEY:
        unset = "new volumes use the AWS managed aws/ebs key"
        if problem := cmk_problem(peek(props, "keyArn"), "keyArn", unset):
            yield problem
        return
    for label, device in _devices(props, ctx.resource_type):
        if ctx.resource_type != t.EBS_VOLUME and is_set(peek(device, "snapshotId")):
            continue  # restored from a snapshot: the snapshot's encryption carries over
        if flag(known(device, "encrypted")) is not True:
            yield f"{label}.encrypted is not true: the volume and its snapshots are stored in plaintext."
        elif ctx.resource_type == t.LAUNCH_CONFIGURATION:
            yield f"{label}: launch configurations cannot name a KMS key (the volume uses aws/ebs)."
        elif problem := cmk_problem(
            peek(device, "kmsKeyId"), f"{label}.kmsKeyId", "the volume uses the AWS managed aws/ebs key"
        ):
            yield problem


POLICIES = [
    resource_rule(NO_PUBLIC_IP, {*_INSTANCE_TYPES, t.AUTOSCALING_GROUP, t.ECS_SERVICE}, _check_public_ip),
    stack_rule(WORKLOAD_SUBNETS, set(_SUBNET_PROPS), _check_workload_subnets),
    resource_rule(IMDSV2, _INSTANCE_TYPES, _check_imds),
    resource_rule(EBS_CMK, {*_INSTANCE_TYPES, t.EBS_VOLUME, t.EBS_DEFAULT_KMS_KEY}, _check_ebs),
]
