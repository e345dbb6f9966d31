"""Network: subnet plan, route tables per tier, NAT strategies, endpoints, default SG and flow logs."""

from __future__ import annotations

import ipaddress
import itertools

import pytest

from components.network import Network, NetworkArgs, plan_endpoint_subnets, plan_subnets
from tests.support import KEY_ARN, TAGS, inputs, one, policy, record, taggable_types, untagged

SUBNET = "aws:ec2/subnet:Subnet"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"


def build(**overrides):
    args = {"cidr": "10.0.0.0/16", "az_count": 3, "kms_key_arn": KEY_ARN, "tags": TAGS, **overrides}
    return record(lambda: Network("net", NetworkArgs(**args)))


@pytest.mark.parametrize("az_count", [1, 2, 3, 6])
@pytest.mark.parametrize("cidr", ["10.0.0.0/16", "172.20.0.0/20", "192.168.4.0/23"])
def test_plan_is_disjoint_inside_the_vpc_and_one_per_tier_per_az(cidr, az_count):
    vpc = ipaddress.ip_network(cidr)
    plan = plan_subnets(cidr, az_count)
    nets = [ipaddress.ip_network(c) for tier in plan.values() for c in tier]
    assert {len(v) for v in plan.values()} == {az_count}
    assert all(n.subnet_of(vpc) for n in nets)
    assert all(not a.overlaps(b) for a, b in itertools.combinations(nets, 2))
    assert all(n.prefixlen <= 28 for n in nets)  # AWS's smallest subnet is a /28


def test_plan_for_a_slash_16_matches_the_documented_layout():
    assert plan_subnets("10.0.0.0/16", 3) == {
        "private": ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"],
        "isolated": ["10.0.128.0/21", "10.0.136.0/21", "10.0.144.0/21"],
        "public": ["10.0.192.0/21", "10.0.200.0/21", "10.0.208.0/21"],
    }


def test_endpoint_subnets_of_a_slash_16_are_slash_24s_in_the_isolated_blocks_spare_slot():
    assert plan_endpoint_subnets("10.0.0.0/16", 3) == ["10.0.184.0/24", "10.0.185.0/24", "10.0.186.0/24"]


@pytest.mark.parametrize("az_count", [1, 3, 6])
@pytest.mark.parametrize("cidr", ["10.0.0.0/16", "10.9.0.0/18", "172.20.0.0/20"])
def test_endpoint_subnets_are_disjoint_from_every_tier_and_at_least_a_slash_28(cidr, az_count):
    tiers = [ipaddress.ip_network(c) for cidrs in plan_subnets(cidr, 6).values() for c in cidrs]
    endpoints = [ipaddress.ip_network(c) for c in plan_endpoint_subnets(cidr, az_count)]
    assert len(endpoints) == az_count
    assert all(e.subnet_of(ipaddress.ip_network(cidr)) and e.prefixlen <= 28 for e in endpoints)
    assert not any(e.overlaps(t) for e in endpoints for t in tiers)
    assert not any(a.overlaps(b) for i, a in enumerate(endpoints) for b in endpoints[i + 1 :])


def test_endpoint_subnets_refuse_a_vpc_smaller_than_slash_20():
    with pytest.raises(ValueError, match="smaller than /28"):
        plan_endpoint_subnets("10.0.0.0/21", 1)


@pytest.mark.parametrize("az_count", [1, 2, 3, 6])
def test_plan_is_stable_when_azs_are_added(az_count):
    smaller, full = plan_subnets("10.1.0.0/16", az_count), plan_subnets("10.1.0.0/16", 6)
    assert all(full[tier][:az_count] == smaller[tier] for tier in smaller)


@pytest.mark.parametrize(("cidr", "az_count"), [("10.0.0.0/24", 2), ("10.0.0.0/15", 2), ("10.0.0.0/16", 7)])
def test_plan_rejects_what_does_not_fit(cidr, az_count):
    with pytest.raises(ValueError, match="cannot plan"):
        plan_subnets(cidr, az_count)


@pytest.mark.parametrize("az_count", [1, 2, 3, 6])
def test_registered_subnets_follow_the_plan_in_distinct_azs(az_count):
    graph = build(az_count=az_count)
    plan = plan_subnets("10.0.0.0/16", az_count)
    for tier in ("public", "private", "isolated"):
        subnets = [inputs(r) for r in graph.of_type(SUBNET) if inputs(r)["tags"]["tier"] == tier]
        assert sorted(s["cidrBlock"] for s in subnets) == sorted(plan[tier])
        assert len({s["availabilityZone"] for s in subnets}) == az_count
        assert all(s["mapPublicIpOnLaunch"] is False for s in subnets)


def _table_tier(graph):
    """route table id -> tier tag."""
    return {r.id: inputs(r)["tags"]["tier"] for r in graph.of_type(ROUTE_TABLE)}


def _routes_by_tier(graph):
    tiers = _table_tier(graph)
    by_tier: dict[str, list[dict]] = {"public": [], "private": [], "isolated": []}
    for route in graph.of_type(ROUTE):
        by_tier[tiers[inputs(route)["routeTableId"]]].append(inputs(route))
    return by_tier


def test_isolated_tier_has_no_route_at_all_and_only_the_s3_gateway_endpoint():
    graph = build(nat_strategy="perAz")
    assert _routes_by_tier(graph)["isolated"] == []
    isolated_table = one(graph, ROUTE_TABLE, "net-isolated-rt")
    assert not inputs(isolated_table).get("routes")
    s3 = inputs(one(graph, "aws:ec2/vpcEndpoint:VpcEndpoint", "net-s3-endpoint"))
    assert isolated_table.id in s3["routeTableIds"]
    assert s3["vpcEndpointType"] == "Gateway"


def test_public_tier_routes_to_the_internet_gateway_only():
    graph = build()
    igw = one(graph, "aws:ec2/internetGateway:InternetGateway")
    public = _routes_by_tier(graph)["public"]
    assert public == [
        {"routeTableId": public[0]["routeTableId"], "destinationCidrBlock": "0.0.0.0/0", "gatewayId": igw.id}
    ]


@pytest.mark.parametrize(("strategy", "nat_count"), [("single", 1), ("perAz", 3), ("none", 0)])
def test_nat_strategy_decides_nat_gateways_and_private_default_routes(strategy, nat_count):
    graph = build(nat_strategy=strategy)
    nats = graph.of_type("aws:ec2/natGateway:NatGateway")
    assert len(nats) == nat_count
    public_subnet_ids = {r.id for r in graph.of_type(SUBNET) if inputs(r)["tags"]["tier"] == "public"}
    assert all(inputs(n)["subnetId"] in public_subnet_ids for n in nats)
    private = _routes_by_tier(graph)["private"]
    assert len(private) == (3 if nat_count else 0)
    assert {r["natGatewayId"] for r in private} == {n.id for n in nats}
    assert all("gatewayId" not in r for r in private)


def test_each_private_subnet_has_its_own_route_table_and_every_subnet_is_associated():
    graph = build()
    associated = {inputs(a)["subnetId"]: inputs(a)["routeTableId"] for a in graph.of_type(ASSOCIATION)}
    assert set(associated) == {s.id for s in graph.of_type(SUBNET)}
    tiers = _table_tier(graph)
    for subnet in graph.of_type(SUBNET):
        assert tiers[associated[subnet.id]] == inputs(subnet)["tags"]["tier"]
    private_tables = [
        associated[s.id] for s in graph.of_type(SUBNET) if inputs(s)["tags"]["tier"] == "private"
    ]
    assert len(set(private_tables)) == 3


def test_default_security_group_is_adopted_with_no_rules():
    sg = inputs(one(build(), "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"))
    assert sg["ingress"] == [] and sg["egress"] == []


def test_interface_endpoints_allow_https_from_the_vpc_cidr_only():
    graph = build(interface_endpoints=["sts", "ecr.api"])
    sg = one(graph, "aws:ec2/securityGroup:SecurityGroup", "net-endpoints-sg")
    rules = [inputs(r) for r in graph.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")]
    assert [
        (r["securityGroupId"], r["ipProtocol"], r["fromPort"], r["toPort"], r["cidrIpv4"]) for r in rules
    ] == [(sg.id, "tcp", 443, 443, "10.0.0.0/16")]
    assert not inputs(sg).get("ingress") and not inputs(sg).get("egress")
    endpoints = {
        inputs(e)["serviceName"]: inputs(e) for e in graph.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    }
    assert set(endpoints) == {f"com.amazonaws.eu-west-1.{s}" for s in ("s3", "sts", "ecr.api")}
    # their own subnets (tier=endpoints), never the private tier where the nodes and pods get addresses
    endpoint_subnets = [s for s in graph.of_type(SUBNET) if inputs(s)["tags"]["tier"] == "endpoints"]
    assert len(endpoint_subnets) == 3  # one per AZ
    for name in ("sts", "ecr.api"):
        endpoint = endpoints[f"com.amazonaws.eu-west-1.{name}"]
        assert endpoint["privateDnsEnabled"] is True
        assert endpoint["securityGroupIds"] == [sg.id]
        assert set(endpoint["subnetIds"]) == {s.id for s in endpoint_subnets}


def test_flow_log_captures_all_traffic_into_a_log_group_encrypted_with_the_vault_key():
    graph = build(flow_log_retention_days=30)
    flow_log = inputs(one(graph, "aws:ec2/flowLog:FlowLog"))
    group = one(graph, "aws:cloudwatch/logGroup:LogGroup")
    vpc = one(graph, "aws:ec2/vpc:Vpc")
    assert flow_log["trafficType"] == "ALL"
    assert flow_log["vpcId"] == vpc.id
    assert flow_log["logDestinationType"] == "cloud-watch-logs"
    assert flow_log["logDestination"] == group.outputs["arn"]
    assert inputs(group)["kmsKeyId"] == KEY_ARN
    assert inputs(group)["retentionInDays"] == 30


def test_flow_log_waits_for_its_role_policy():
    # CreateFlowLogs checks delivery permissions: created before the role's policy, the flow log fails.
    graph = build()
    flow_log = one(graph, "aws:ec2/flowLog:FlowLog")
    role_policy = one(graph, "aws:iam/rolePolicy:RolePolicy")
    assert role_policy.urn in flow_log.dependencies


def test_flow_log_role_is_pinned_to_this_account_and_writes_only_its_log_group():
    graph = build()
    role = one(graph, "aws:iam/role:Role")
    trust = policy(role, "assumeRolePolicy")["Statement"][0]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
    assert inputs(one(graph, "aws:ec2/flowLog:FlowLog"))["iamRoleArn"] == role.outputs["arn"]
    group_arn = one(graph, "aws:cloudwatch/logGroup:LogGroup").outputs["arn"]
    statements = policy(one(graph, "aws:iam/rolePolicy:RolePolicy"))["Statement"]
    assert statements[0]["Resource"] == [group_arn, f"{group_arn}:*"]
    assert "logs:PutLogEvents" in statements[0]["Action"]
    assert all(s["Action"] != "*" for s in statements)


def test_explicit_azs_are_used_in_order_and_every_resource_is_tagged():
    graph = build(az_count=2, availability_zones=["eu-west-1c", "eu-west-1a"])
    azs = {inputs(s)["tags"]["Name"]: inputs(s)["availabilityZone"] for s in graph.of_type(SUBNET)}
    assert azs["net-private-0"] == "eu-west-1c" and azs["net-private-1"] == "eu-west-1a"
    assert len([r for r in graph.resources if r.type in taggable_types()]) >= 20
    assert untagged(graph, TAGS) == []
