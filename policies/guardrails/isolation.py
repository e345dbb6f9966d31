"""Isolation: nothing reaches staging except through its edge.

Data stores stay private and in private subnets, security groups admit the internet only at the public
load balancer, subnets hand out no public addresses. Routes, peerings and the subnet tiers: ``routing.py``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, Severity

from . import _types as t
from ._network import (
    EXPOSURE_TAG,
    SUBNET_TYPES,
    TIER_TAG,
    IngressSource,
    ingress_sources,
    is_internet,
    public_subnet_reason,
    within_any,
)
from ._props import as_list, is_set, known, peek, tag_map
from ._rule import Equivalents, Finding, RuleContext, RuleSpec, resource_rule, stack_rule
from ._stack import StackIndex, configured

_MANDATORY = EnforcementLevel.MANDATORY

DATA_STORE_NOT_PUBLIC = RuleSpec(
    name="data-store-not-publicly-accessible",
    concern="isolation",
    description="Databases, message brokers and search domains must not be publicly accessible.",
    level=_MANDATORY,
    severity=Severity.CRITICAL,
    remediation="Set publiclyAccessible=false (RDS, Aurora, Amazon MQ), "
    "brokerNodeGroupInfo.connectivityInfo.publicAccess.type=DISABLED (MSK) or vpcOptions.subnetIds "
    "(OpenSearch); reach data stores from inside the VPC or through the token broker.",
    equivalents=Equivalents(
        checkov=("CKV_AWS_17", "CKV_AWS_69", "CKV_AWS_291", "CKV_AWS_137"),
        cdk_nag=("NIST.800.53.R5-RDSInstancePublicAccess", "AwsSolutions-OS1"),
        awsguard=("rds-instance-public-access", "elasticsearch-in-vpc-only"),
    ),
)


def _check_not_public(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if ctx.resource_type in t.SEARCH_DOMAINS:
        # Without vpcOptions the domain gets a public endpoint, guarded only by its access policy
        # (OpenSearch Service Developer Guide, "Launching your domains within a VPC").
        if not as_list(known(props, "vpcOptions", "subnetIds")):
            yield "vpcOptions.subnetIds is not set: the domain has a public endpoint."
    elif ctx.resource_type == t.MSK_CLUSTER:
        access = known(props, "brokerNodeGroupInfo", "connectivityInfo", "publicAccess", "type")
        if access not in (None, "DISABLED"):
            yield f"brokerNodeGroupInfo.connectivityInfo.publicAccess.type is {access!r}: brokers are public."
    elif known(props, "publiclyAccessible") is True:
        yield "publiclyAccessible is true: the endpoint resolves to a public address."


DATA_STORE_PLACEMENT = RuleSpec(
    name="data-store-in-private-subnets",
    concern="isolation",
    description="Databases, message brokers, caches and search domains must live in private or isolated "
    "subnets of this stack.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Place data stores in the Network component's isolated subnets: an RDS or ElastiCache "
    "subnet group (or MSK clientSubnets, MQ / ElastiCache Serverless subnetIds, OpenSearch "
    "vpcOptions.subnetIds) listing only subnets tagged tier=isolated, without public IPs or a route to an "
    "internet gateway.",
    equivalents=Equivalents(checkov=("CKV_AWS_323",), cdk_nag=("AwsSolutions-AEC1",)),
    settings={
        "allowedTiers": {
            "type": "array",
            "items": {"type": "string"},
            "default": ["isolated", "private"],
            "description": f"values of the subnet '{TIER_TAG}' tag data stores may use",
        }
    },
)


_DATA_STORES = (
    t.RDS_INSTANCE,
    t.RDS_CLUSTER,
    t.MSK_CLUSTER,
    t.MSK_SERVERLESS_CLUSTER,
    t.MQ_BROKER,
    t.ELASTICACHE_REPLICATION_GROUP,
    t.ELASTICACHE_CLUSTER,
    t.ELASTICACHE_SERVERLESS,
    *sorted(t.SEARCH_DOMAINS),
)
#: Data stores placed through a subnet group: type -> (group property, group type, what AWS does without).
_SUBNET_GROUPS = {
    t.RDS_INSTANCE: ("dbSubnetGroupName", t.RDS_SUBNET_GROUP, "RDS"),
    t.RDS_CLUSTER: ("dbSubnetGroupName", t.RDS_SUBNET_GROUP, "RDS"),
    t.ELASTICACHE_REPLICATION_GROUP: ("subnetGroupName", t.ELASTICACHE_SUBNET_GROUP, "ElastiCache"),
    t.ELASTICACHE_CLUSTER: ("subnetGroupName", t.ELASTICACHE_SUBNET_GROUP, "ElastiCache"),
}
#: Data stores naming subnets directly -> the (possibly nested) property holding them.
_SUBNET_PROPS = {
    t.MSK_CLUSTER: "brokerNodeGroupInfo",
    t.MSK_SERVERLESS_CLUSTER: "vpcConfigs",
    **{domain: "vpcOptions" for domain in t.SEARCH_DOMAINS},  # public domains: the not-public rule
}
#: Properties making a store a replica or member placed by its source (RDS read replica, or an
#: ElastiCache cluster that belongs to a replication group).
_PLACED_BY_SOURCE = ("replicateSourceDb", "replicationGroupId")


def _data_store_subnets(res: PolicyResource, index: StackIndex) -> list[PolicyResource] | None:
    """The subnets a data store is placed in; None when it names no subnet group (AWS would use the
    default VPC's subnets).

    Subnet group names and serverless subnets are computed by the provider when left out: ``configured``
    tells a preview's unknown default from a reference to a group that is not created yet.
    """
    if res.resource_type in _SUBNET_GROUPS:
        prop, group_type, _ = _SUBNET_GROUPS[res.resource_type]
        if any(is_set(configured(res, p)) for p in _PLACED_BY_SOURCE):
            return []
        if not is_set(configured(res, prop)):
            return None
        groups = index.referenced(res, prop, {group_type})
        return [s for g in groups for s in index.referenced(g, "subnetIds", SUBNET_TYPES)]
    if res.resource_type == t.ELASTICACHE_SERVERLESS and not is_set(configured(res, "subnetIds")):
        return None
    return index.referenced(res, _SUBNET_PROPS.get(res.resource_type, "subnetIds"), SUBNET_TYPES)


def _no_subnets_message(res: PolicyResource) -> str:
    prop, _, service = _SUBNET_GROUPS.get(res.resource_type, ("subnetIds", "", "ElastiCache"))
    return f"{prop} is not set: {service} would use the default VPC's subnets."


def _subnet_problem(subnet: PolicyResource, index: StackIndex, allowed: list[str]) -> str | None:
    reason = public_subnet_reason(subnet, index)
    if reason:
        return f"subnet {subnet.name} is public: {reason}"
    tier = tag_map(peek(subnet.props, "tags")).get(TIER_TAG)
    if isinstance(tier, str) and tier not in allowed:
        return f"subnet {subnet.name} has {TIER_TAG}={tier}, not one of {', '.join(allowed)}"
    return None


def _check_placement(resources: list[PolicyResource], ctx: RuleContext) -> Iterator[Finding]:
    index = StackIndex(resources)
    allowed = list(ctx.setting("allowedTiers"))
    for store in index.of_type(*_DATA_STORES):
        subnets = _data_store_subnets(store, index)
        if subnets is None:
            yield Finding(store, _no_subnets_message(store))
            continue
        for subnet in subnets:
            problem = _subnet_problem(subnet, index, allowed)
            if problem:
                yield Finding(store, problem + ".")


SG_INTERNET_INGRESS = RuleSpec(
    name="security-group-internet-ingress-https-only",
    concern="isolation",
    description="Security groups may admit internet sources only on TCP 443 and only from allowed CIDRs.",
    level=_MANDATORY,
    severity=Severity.CRITICAL,
    remediation="Admit clients by security group (sourceSecurityGroupId / referencedSecurityGroupId) or "
    "private CIDRs; expose HTTPS only through the Edge's load balancer. Reach hosts with SSM Session "
    "Manager, never SSH/RDP from the internet.",
    equivalents=Equivalents(
        checkov=("CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260"),
        cdk_nag=(
            "AwsSolutions-EC23",
            "NIST.800.53.R5-EC2RestrictedCommonPorts",
            "NIST.800.53.R5-EC2RestrictedSSH",
        ),
    ),
    settings={
        "allowedPublicIngressCidrs": {
            "type": "array",
            "items": {"type": "string"},
            "default": ["0.0.0.0/0", "::/0"],
            "description": "internet CIDRs allowed to reach TCP 443 (narrow it to close the edge)",
        }
    },
)
_SG_TYPES = frozenset({t.SECURITY_GROUP, t.SECURITY_GROUP_RULE, t.SECURITY_GROUP_INGRESS_RULE})


def _check_internet_ingress(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    allowed = list(ctx.setting("allowedPublicIngressCidrs"))
    for source in ingress_sources(props, ctx.resource_type):
        if not is_internet(source.cidr):
            continue
        if not source.https_only:
            yield f"{source.describe()} (internet): only TCP 443 may be open to the internet."
        elif not within_any(source.cidr, allowed):
            yield f"{source.describe()}: outside allowedPublicIngressCidrs ({', '.join(allowed) or 'none'})."


PUBLIC_LB_ONLY = RuleSpec(
    name="internet-ingress-only-on-public-lb",
    concern="isolation",
    description="Only the security group tagged exposure=public-lb may admit internet traffic.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Tag the public load balancer's security group exposure=public-lb and move internet "
    "ingress there; every other security group admits only security groups or private CIDRs.",
)


def _owning_groups(res: PolicyResource, index: StackIndex) -> list[PolicyResource]:
    if res.resource_type == t.SECURITY_GROUP:
        return [res]
    return index.referenced(res, "securityGroupId", {t.SECURITY_GROUP})


def _internet_sources(res: PolicyResource) -> list[IngressSource]:
    return [s for s in ingress_sources(res.props, res.resource_type) if is_internet(s.cidr) and s.https_only]


def _check_public_lb(resources: list[PolicyResource], ctx: RuleContext) -> Iterator[Finding]:
    index = StackIndex(resources)
    key, value = EXPOSURE_TAG
    for res in index.of_type(*sorted(_SG_TYPES)):
        sources = _internet_sources(res)
        if not sources:
            continue
        groups = _owning_groups(res, index)
        if not groups:
            yield Finding(res, f"{sources[0].describe()} but its security group is not in this stack.")
        for group in groups:
            if tag_map(peek(group.props, "tags")).get(key) != value:
                yield Finding(
                    res, f"{sources[0].describe()} on security group {group.name}, not tagged {key}={value}."
                )


DEFAULT_SG_CLOSED = RuleSpec(
    name="default-security-group-closed",
    concern="isolation",
    description="Every VPC's default security group must be adopted and have no rules.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Adopt each VPC's default security group with aws.ec2.DefaultSecurityGroup(vpc_id=..., "
    "ingress=[], egress=[]) so nothing can rely on it.",
    equivalents=Equivalents(
        checkov=("CKV2_AWS_12",), cdk_nag=("NIST.800.53.R5-VPCDefaultSecurityGroupClosed",)
    ),
)


def _check_default_sg(resources: list[PolicyResource], ctx: RuleContext) -> Iterator[Finding]:
    index = StackIndex(resources)
    for group in index.of_type(t.DEFAULT_SECURITY_GROUP):
        for direction in ("ingress", "egress"):
            rules = as_list(peek(group.props, direction))
            if rules:
                yield Finding(
                    group, f"{direction} has {len(rules)} rule(s); the default security group must be empty."
                )
    for vpc in index.of_type(t.VPC):
        if not index.referrers(vpc, "vpcId", {t.DEFAULT_SECURITY_GROUP}):
            yield Finding(
                vpc, "its default security group is not adopted (it allows all traffic between members)."
            )


SUBNET_NO_PUBLIC_IP = RuleSpec(
    name="subnet-no-public-ip-on-launch",
    concern="isolation",
    description="Subnets must not assign public IPv4 addresses on launch.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Set mapPublicIpOnLaunch=false on every subnet (load balancers and NAT gateways get their "
    "addresses explicitly); do not use default subnets.",
    equivalents=Equivalents(
        checkov=("CKV_AWS_130",), cdk_nag=("NIST.800.53.R5-VPCSubnetAutoAssignPublicIpDisabled",)
    ),
)


def _check_subnet_public_ip(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    value = known(props, "mapPublicIpOnLaunch")
    # Default subnets map public IPs unless told otherwise; ordinary subnets do not.
    if value is True or (ctx.resource_type == t.DEFAULT_SUBNET and value is not False):
        yield "mapPublicIpOnLaunch is true: every instance launched here gets a public IPv4 address."


POLICIES = [
    resource_rule(
        DATA_STORE_NOT_PUBLIC,
        {
            t.RDS_INSTANCE,
            t.RDS_CLUSTER,
            t.RDS_CLUSTER_INSTANCE,
            t.MQ_BROKER,
            t.MSK_CLUSTER,
            *t.SEARCH_DOMAINS,
        },
        _check_not_public,
    ),
    stack_rule(DATA_STORE_PLACEMENT, _DATA_STORES, _check_placement),
    resource_rule(SG_INTERNET_INGRESS, _SG_TYPES, _check_internet_ingress),
    stack_rule(PUBLIC_LB_ONLY, _SG_TYPES, _check_public_lb),
    stack_rule(DEFAULT_SG_CLOSED, {t.VPC, t.DEFAULT_SECURITY_GROUP}, _check_default_sg),
    resource_rule(SUBNET_NO_PUBLIC_IP, {t.SUBNET, t.DEFAULT_SUBNET}, _check_subnet_public_ip),
]
