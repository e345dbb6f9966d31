"""EC2/VPC resources in moto: VPC, default security group, subnets, routing, gateways, endpoints,
security groups and their rules, flow logs.

Each handler makes the calls the Terraform AWS provider (under pulumi-aws) makes for the resource and
returns the ids moto assigns. Two places where moto differs from AWS are made explicit:

- moto creates a VPC's default security group with AWS's allow-all egress rule but without its ingress
  rule admitting all traffic from the group itself (VPC User Guide, "Default security groups for your
  VPCs"). The VPC handler adds that rule, as AWS would have, so adopting the default group revokes what
  AWS puts there and ``verify`` checks a revocation that really happened.
- moto checks a flow log's CloudWatch Logs destination only by ``LogGroupName`` (a ``LogDestination`` ARN
  alone yields ``DeliverLogsStatus: FAILED``); the handler names the group, which AWS accepts likewise
  (CreateFlowLogs API reference, ``LogGroupName``).
"""

from __future__ import annotations

from typing import Any

from blueprint.engine.moto.account import AwsClients
from blueprint.engine.moto.base import (
    Created,
    Handler,
    NotEmulated,
    Registration,
    arn_tail,
    hashcode,
    integer,
)


def ec2_arn(aws: AwsClients, owner: str, kind: str, resource_id: str) -> str:
    """``arn:<partition>:ec2:<region>:<owner>:<kind>/<id>`` (how the provider computes EC2 ARNs)."""
    return f"arn:{aws.partition}:ec2:{aws.region}:{owner}:{kind}/{resource_id}"


def _account(aws: AwsClients) -> str:
    return str(aws("sts").get_caller_identity()["Account"])


def default_security_group(aws: AwsClients, vpc_id: str) -> dict[str, Any]:
    """The VPC's default security group as DescribeSecurityGroups returns it."""
    found = aws("ec2").describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    return dict(found[0])


def _self_ingress(group_id: str, owner: str) -> dict[str, Any]:
    return {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": group_id, "UserId": owner}]}


def _vpc(aws: AwsClients, reg: Registration) -> Created:
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock=reg.get("cidrBlock"), TagSpecifications=reg.tag_specs("vpc"))["Vpc"]
    vpc_id, owner = vpc["VpcId"], vpc["OwnerId"]
    for key, attribute in (
        ("enableDnsSupport", "EnableDnsSupport"),
        ("enableDnsHostnames", "EnableDnsHostnames"),
    ):
        if key in reg.inputs:
            ec2.modify_vpc_attribute(VpcId=vpc_id, **{attribute: {"Value": bool(reg.inputs[key])}})
    group = default_security_group(aws, vpc_id)
    notes = []
    if not group.get("IpPermissions"):
        ec2.authorize_security_group_ingress(
            GroupId=group["GroupId"], IpPermissions=[_self_ingress(group["GroupId"], owner)]
        )
        notes.append(
            NotEmulated(
                reg.type,
                "default security group's ingress rule",
                "moto creates it without AWS's rule admitting all traffic from the group itself; the "
                "engine adds that rule as AWS does, so the stack's adoption of the group revokes it",
            )
        )
    main_table = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"][0]["RouteTableId"]
    outputs = {
        "arn": ec2_arn(aws, owner, "vpc", vpc_id),
        "ownerId": owner,
        "defaultSecurityGroupId": group["GroupId"],
        "mainRouteTableId": main_table,
        "defaultRouteTableId": main_table,
        "dhcpOptionsId": vpc.get("DhcpOptionsId", ""),
    }
    return Created(vpc_id, outputs, notes)


def ip_permission(rule: dict[str, Any]) -> dict[str, Any]:
    """An inline rule (``ingress``/``egress`` item of ``aws.ec2.SecurityGroup``) as an EC2 IpPermission."""
    permission: dict[str, Any] = {"IpProtocol": str(rule.get("protocol", "-1"))}
    if permission["IpProtocol"] != "-1":
        permission.update(FromPort=integer(rule["fromPort"]), ToPort=integer(rule["toPort"]))
    description = {"Description": rule["description"]} if rule.get("description") else {}
    permission["IpRanges"] = [{"CidrIp": c, **description} for c in rule.get("cidrBlocks") or []]
    permission["Ipv6Ranges"] = [{"CidrIpv6": c, **description} for c in rule.get("ipv6CidrBlocks") or []]
    permission["UserIdGroupPairs"] = [{"GroupId": g, **description} for g in rule.get("securityGroups") or []]
    return permission


def _replace_rules(aws: AwsClients, group: dict[str, Any], reg: Registration) -> None:
    """Revoke every rule the group has and authorize the registration's inline rules, as the provider
    does for an adopted default group (and for ``ingress``/``egress`` given inline)."""
    ec2, group_id = aws("ec2"), group["GroupId"]
    if group.get("IpPermissions"):
        ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=group["IpPermissions"])
    if group.get("IpPermissionsEgress"):
        ec2.revoke_security_group_egress(GroupId=group_id, IpPermissions=group["IpPermissionsEgress"])
    ingress = [ip_permission(rule) for rule in reg.get("ingress", [])]
    egress = [ip_permission(rule) for rule in reg.get("egress", [])]
    if ingress:
        ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=ingress)
    if egress:
        ec2.authorize_security_group_egress(GroupId=group_id, IpPermissions=egress)


def _default_security_group(aws: AwsClients, reg: Registration) -> Created:
    group = default_security_group(aws, reg.get("vpcId"))
    _replace_rules(aws, group, reg)
    if reg.tags():
        aws("ec2").create_tags(Resources=[group["GroupId"]], Tags=reg.tag_list())
    owner = group["OwnerId"]
    arn = ec2_arn(aws, owner, "security-group", group["GroupId"])
    return Created(group["GroupId"], {"arn": arn, "name": "default", "ownerId": owner})


def _security_group(aws: AwsClients, reg: Registration) -> Created:
    ec2 = aws("ec2")
    group_id = ec2.create_security_group(
        GroupName=reg.physical_name(),
        Description=reg.get("description", "Managed by Pulumi"),
        VpcId=reg.get("vpcId"),
        TagSpecifications=reg.tag_specs("security-group"),
    )["GroupId"]
    # The provider removes the allow-all egress rule AWS adds to every new group, then applies the
    # group's own inline rules (Terraform AWS provider, aws_security_group "NOTE on Egress rules").
    group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    _replace_rules(aws, group, reg)
    owner = group["OwnerId"]
    outputs = {"arn": ec2_arn(aws, owner, "security-group", group_id), "name": group["GroupName"]}
    return Created(group_id, {**outputs, "ownerId": owner})


def rule_permission(reg: Registration) -> dict[str, Any]:
    """A standalone rule (``aws.vpc.SecurityGroupIngressRule``/``EgressRule``) as an EC2 IpPermission."""
    permission: dict[str, Any] = {"IpProtocol": str(reg.get("ipProtocol"))}
    if permission["IpProtocol"] != "-1":
        permission.update(FromPort=integer(reg.get("fromPort")), ToPort=integer(reg.get("toPort")))
    description = {"Description": reg.get("description")} if reg.get("description") else {}
    if reg.get("cidrIpv4"):
        permission["IpRanges"] = [{"CidrIp": reg.get("cidrIpv4"), **description}]
    if reg.get("cidrIpv6"):
        permission["Ipv6Ranges"] = [{"CidrIpv6": reg.get("cidrIpv6"), **description}]
    if reg.get("referencedSecurityGroupId"):
        permission["UserIdGroupPairs"] = [{"GroupId": reg.get("referencedSecurityGroupId"), **description}]
    if reg.get("prefixListId"):
        permission["PrefixListIds"] = [{"PrefixListId": reg.get("prefixListId"), **description}]
    return permission


def _rule(direction: str) -> Handler:
    def create(aws: AwsClients, reg: Registration) -> Created:
        authorize = getattr(aws("ec2"), f"authorize_security_group_{direction}")
        answer = authorize(
            GroupId=reg.get("securityGroupId"),
            IpPermissions=[rule_permission(reg)],
            TagSpecifications=reg.tag_specs("security-group-rule"),
        )
        rule_id = answer["SecurityGroupRules"][0]["SecurityGroupRuleId"]
        arn = ec2_arn(aws, _account(aws), "security-group-rule", rule_id)
        return Created(rule_id, {"arn": arn, "securityGroupRuleId": rule_id})

    return create


def _subnet(aws: AwsClients, reg: Registration) -> Created:
    ec2 = aws("ec2")
    subnet = ec2.create_subnet(
        VpcId=reg.get("vpcId"),
        CidrBlock=reg.get("cidrBlock"),
        AvailabilityZone=reg.get("availabilityZone"),
        TagSpecifications=reg.tag_specs("subnet"),
    )["Subnet"]
    subnet_id = subnet["SubnetId"]
    if "mapPublicIpOnLaunch" in reg.inputs:
        ec2.modify_subnet_attribute(
            SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": bool(reg.inputs["mapPublicIpOnLaunch"])}
        )
    outputs = {
        "arn": subnet.get("SubnetArn") or ec2_arn(aws, subnet["OwnerId"], "subnet", subnet_id),
        "availabilityZone": subnet["AvailabilityZone"],
        "availabilityZoneId": subnet.get("AvailabilityZoneId", ""),
        "ownerId": subnet["OwnerId"],
    }
    return Created(subnet_id, outputs)


def _route_table(aws: AwsClients, reg: Registration) -> Created:
    table = aws("ec2").create_route_table(
        VpcId=reg.get("vpcId"), TagSpecifications=reg.tag_specs("route-table")
    )["RouteTable"]
    table_id, owner = table["RouteTableId"], table["OwnerId"]
    for route in reg.get("routes", []):
        _create_route(aws, table_id, route)
    return Created(table_id, {"arn": ec2_arn(aws, owner, "route-table", table_id), "ownerId": owner})


#: Route targets: wire input name -> CreateRoute parameter.
_ROUTE_TARGETS = {
    "gatewayId": "GatewayId",
    "natGatewayId": "NatGatewayId",
    "egressOnlyGatewayId": "EgressOnlyInternetGatewayId",
    "transitGatewayId": "TransitGatewayId",
    "vpcPeeringConnectionId": "VpcPeeringConnectionId",
    "networkInterfaceId": "NetworkInterfaceId",
    "vpcEndpointId": "VpcEndpointId",
}


def _create_route(aws: AwsClients, table_id: str, route: dict[str, Any]) -> str:
    destination = str(route.get("destinationCidrBlock") or route.get("cidrBlock"))
    targets = {param: route[key] for key, param in _ROUTE_TARGETS.items() if route.get(key)}
    aws("ec2").create_route(RouteTableId=table_id, DestinationCidrBlock=destination, **targets)
    return f"r-{table_id}{hashcode(destination)}"


def _route(aws: AwsClients, reg: Registration) -> Created:
    table_id = reg.get("routeTableId")
    route_id = _create_route(aws, table_id, dict(reg.inputs))
    return Created(route_id, {"origin": "CreateRoute", "state": "active"})


def _association(aws: AwsClients, reg: Registration) -> Created:
    target = {"SubnetId": reg.get("subnetId")} if reg.get("subnetId") else {"GatewayId": reg.get("gatewayId")}
    answer = aws("ec2").associate_route_table(RouteTableId=reg.get("routeTableId"), **target)
    return Created(answer["AssociationId"], {})


def _internet_gateway(aws: AwsClients, reg: Registration) -> Created:
    ec2 = aws("ec2")
    gateway = ec2.create_internet_gateway(TagSpecifications=reg.tag_specs("internet-gateway"))
    gateway_id = gateway["InternetGateway"]["InternetGatewayId"]
    if reg.get("vpcId"):
        ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=reg.get("vpcId"))
    owner = gateway["InternetGateway"].get("OwnerId") or _account(aws)
    return Created(gateway_id, {"arn": ec2_arn(aws, owner, "internet-gateway", gateway_id), "ownerId": owner})


def _eip(aws: AwsClients, reg: Registration) -> Created:
    answer = aws("ec2").allocate_address(
        Domain=reg.get("domain", "vpc"), TagSpecifications=reg.tag_specs("elastic-ip")
    )
    allocation = answer["AllocationId"]
    outputs = {
        "allocationId": allocation,
        "publicIp": answer["PublicIp"],
        "domain": answer.get("Domain", "vpc"),
    }
    return Created(allocation, {**outputs, "arn": ec2_arn(aws, _account(aws), "elastic-ip", allocation)})


def _nat_gateway(aws: AwsClients, reg: Registration) -> Created:
    answer = aws("ec2").create_nat_gateway(
        SubnetId=reg.get("subnetId"),
        AllocationId=reg.get("allocationId"),
        ConnectivityType=reg.get("connectivityType", "public"),
        TagSpecifications=reg.tag_specs("natgateway"),
    )["NatGateway"]
    address = (answer.get("NatGatewayAddresses") or [{}])[0]
    outputs = {
        "networkInterfaceId": address.get("NetworkInterfaceId", ""),
        "privateIp": address.get("PrivateIp", ""),
        "publicIp": address.get("PublicIp", ""),
    }
    return Created(answer["NatGatewayId"], outputs)


def _vpc_endpoint(aws: AwsClients, reg: Registration) -> Created:
    kind = reg.get("vpcEndpointType", "Gateway")
    placement: dict[str, Any] = {}
    if kind == "Gateway":
        placement["RouteTableIds"] = list(reg.get("routeTableIds", []))
    else:
        placement.update(
            SubnetIds=list(reg.get("subnetIds", [])),
            SecurityGroupIds=list(reg.get("securityGroupIds", [])),
            PrivateDnsEnabled=bool(reg.get("privateDnsEnabled", False)),
        )
    endpoint = aws("ec2").create_vpc_endpoint(
        VpcEndpointType=kind,
        VpcId=reg.get("vpcId"),
        ServiceName=reg.get("serviceName"),
        TagSpecifications=reg.tag_specs("vpc-endpoint"),
        **placement,
    )["VpcEndpoint"]
    endpoint_id = endpoint["VpcEndpointId"]
    owner = endpoint.get("OwnerId") or _account(aws)
    outputs = {
        "arn": ec2_arn(aws, owner, "vpc-endpoint", endpoint_id),
        "state": endpoint.get("State", ""),
        "dnsEntries": [
            {"dnsName": e.get("DnsName", ""), "hostedZoneId": e.get("HostedZoneId", "")}
            for e in endpoint.get("DnsEntries", [])
        ],
        "networkInterfaceIds": endpoint.get("NetworkInterfaceIds", []),
        "ownerId": owner,
    }
    return Created(endpoint_id, outputs)


def _flow_log(aws: AwsClients, reg: Registration) -> Created:
    targets = [
        (kind, reg.get(key))
        for key, kind in (("vpcId", "VPC"), ("subnetId", "Subnet"), ("eniId", "NetworkInterface"))
        if reg.get(key)
    ]
    if not targets:
        raise ValueError("a flow log needs vpcId, subnetId or eniId")
    target = targets[0]
    destination_type = reg.get("logDestinationType", "cloud-watch-logs")
    destination: dict[str, Any] = {"LogDestination": reg.get("logDestination")}
    if destination_type == "cloud-watch-logs":  # see the module docstring
        destination = {"LogGroupName": arn_tail(str(reg.get("logDestination")), ":log-group:")}
        destination["DeliverLogsPermissionArn"] = reg.get("iamRoleArn")
    answer = aws("ec2").create_flow_logs(
        ResourceType=target[0],
        ResourceIds=[target[1]],
        TrafficType=reg.get("trafficType", "ALL"),
        LogDestinationType=destination_type,
        MaxAggregationInterval=integer(reg.get("maxAggregationInterval", 600)),
        TagSpecifications=reg.tag_specs("vpc-flow-log"),
        **destination,
    )
    if answer.get("Unsuccessful") or not answer.get("FlowLogIds"):
        raise RuntimeError(f"CreateFlowLogs failed for {target[1]}: {answer.get('Unsuccessful')}")
    flow_log_id = answer["FlowLogIds"][0]
    return Created(flow_log_id, {"arn": ec2_arn(aws, _account(aws), "vpc-flow-log", flow_log_id)})


HANDLERS: dict[str, Handler] = {
    "aws:ec2/vpc:Vpc": _vpc,
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": _default_security_group,
    "aws:ec2/securityGroup:SecurityGroup": _security_group,
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _rule("ingress"),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _rule("egress"),
    "aws:ec2/subnet:Subnet": _subnet,
    "aws:ec2/routeTable:RouteTable": _route_table,
    "aws:ec2/route:Route": _route,
    "aws:ec2/routeTableAssociation:RouteTableAssociation": _association,
    "aws:ec2/internetGateway:InternetGateway": _internet_gateway,
    "aws:ec2/eip:Eip": _eip,
    "aws:ec2/natGateway:NatGateway": _nat_gateway,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _vpc_endpoint,
    "aws:ec2/flowLog:FlowLog": _flow_log,
}
