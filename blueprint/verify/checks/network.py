"""Network checks: flow logs, isolated subnets, the default security group.

- Flow logs: the VPC has a flow log capturing ALL traffic into the stack's log group, active and
  delivering (``FlowLogStatus`` ACTIVE, ``DeliverLogsStatus`` SUCCESS; DescribeFlowLogs API reference).
- Isolated subnets: no route to an internet gateway, egress-only internet gateway or NAT gateway, and
  no default route (0.0.0.0/0, ::/0) at all, in the route table the subnet uses (its explicit
  association, else the VPC's main table: VPC User Guide, "Subnet route tables"); no public IPs on launch.
- Default security group: no rules. AWS creates it with two (ingress: all traffic from the group itself;
  egress: all traffic to 0.0.0.0/0, VPC User Guide "Default security groups for your VPCs"); the stack
  adopts the group and revokes both, and any rule found is named, AWS's defaults as such.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from blueprint.verify.registry import Check, Context, Subject, one
from blueprint.verify.results import Verdict, require

AREA = "network"
_DEFAULT_ROUTES = {"0.0.0.0/0", "::/0"}


def _log_group_of(flow_log: dict[str, Any]) -> str | None:
    if flow_log.get("LogGroupName"):
        return str(flow_log["LogGroupName"])
    destination = str(flow_log.get("LogDestination") or "")
    return destination.split(":log-group:", 1)[1].removesuffix(":*") if ":log-group:" in destination else None


def _flow_logs(ctx: Context, vpc_id: str) -> Verdict:
    group = ctx.outputs.flow_log_group
    found = ctx.aws("ec2").describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])[
        "FlowLogs"
    ]
    to_group = [f for f in found if _log_group_of(f) == group]
    if not to_group:
        others = sorted(str(_log_group_of(f) or f.get("LogDestination")) for f in found)
        return Verdict([f"no flow log of {vpc_id} delivers to {group} (flow logs to: {others or 'none'})"])
    problems: list[str] = []
    facts: list[str] = []
    for flow in to_group:
        where = f"flow log {flow.get('FlowLogId', '?')}"
        status = require(flow, "FlowLogStatus", where)
        delivery = require(flow, "DeliverLogsStatus", where)
        traffic = require(flow, "TrafficType", where)
        fact = f"{where}: {traffic} traffic to {group}, status {status}, delivery {delivery}"
        ok = status == "ACTIVE" and delivery == "SUCCESS" and traffic == "ALL"
        (facts if ok else problems).append(fact)
    groups = ctx.aws("logs").describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    if not any(g.get("logGroupName") == group for g in groups):
        problems.append(f"log group {group} does not exist")
    return Verdict(problems, facts)


def flow_log_subjects(ctx: Context) -> Iterator[Subject]:
    yield one(ctx.outputs.vpc_id, _flow_logs, ctx, ctx.outputs.vpc_id)


def _route_table(ctx: Context, subnet_id: str) -> dict[str, Any]:
    ec2 = ctx.aws("ec2")
    tables = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])
    if tables["RouteTables"]:
        return dict(tables["RouteTables"][0])
    main = ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [ctx.outputs.vpc_id]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"]
    return dict(
        require({"main": main[0] if main else None}, "main", f"the route tables of {ctx.outputs.vpc_id}")
    )


def internet_route(route: dict[str, Any]) -> str | None:
    """Why ``route`` leads to the internet, or None."""
    destination = (
        route.get("DestinationCidrBlock")
        or route.get("DestinationIpv6CidrBlock")
        or route.get("DestinationPrefixListId", "?")
    )
    gateway = str(route.get("GatewayId") or "")
    if gateway.startswith("igw-"):
        return f"{destination} -> internet gateway {gateway}"
    for key, kind in (
        ("NatGatewayId", "NAT gateway"),
        ("EgressOnlyInternetGatewayId", "egress-only gateway"),
    ):
        if route.get(key):
            return f"{destination} -> {kind} {route[key]}"
    if destination in _DEFAULT_ROUTES:
        target = next((str(v) for k, v in route.items() if k.endswith("Id") and v), "?")
        return f"{destination} -> {target} (a default route)"
    return None


def _isolated(ctx: Context, subnet_id: str) -> Verdict:
    subnet = ctx.aws("ec2").describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]
    problems = []
    if require(subnet, "MapPublicIpOnLaunch", f"subnet {subnet_id}") is not False:
        problems.append(f"{subnet_id} assigns public IPs on launch")
    table = _route_table(ctx, subnet_id)
    table_id = table.get("RouteTableId", "?")
    routes = list(require(table, "Routes", f"route table {table_id}"))
    problems += [f"{table_id}: {why}" for route in routes if (why := internet_route(route))]
    destinations = sorted(
        str(r.get("DestinationCidrBlock") or r.get("DestinationPrefixListId")) for r in routes
    )
    return Verdict(
        problems, [f"route table {table_id}: routes to {', '.join(destinations)}; no internet path"]
    )


def isolated_subjects(ctx: Context) -> Iterator[Subject]:
    for subnet_id in ctx.outputs.subnet_ids.isolated:
        yield one(subnet_id, _isolated, ctx, subnet_id)


def describe_rule(rule: dict[str, Any], group_id: str, direction: str) -> str:
    """One rule as text, naming AWS's default rules as such."""
    sources = [r.get("CidrIp") for r in rule.get("IpRanges", [])]
    sources += [r.get("CidrIpv6") for r in rule.get("Ipv6Ranges", [])]
    sources += [p.get("GroupId") for p in rule.get("UserIdGroupPairs", [])]
    sources += [p.get("PrefixListId") for p in rule.get("PrefixListIds", [])]
    protocol = rule.get("IpProtocol", "?")
    what = "all traffic" if protocol == "-1" else f"{protocol} {rule.get('FromPort')}-{rule.get('ToPort')}"
    towards = "from" if direction == "ingress" else "to"
    text = f"{direction}: {what} {towards} {', '.join(map(str, sources))}"
    aws_default = protocol == "-1" and (
        (direction == "ingress" and sources == [group_id])
        or (direction == "egress" and sources == ["0.0.0.0/0"])
    )
    return text + (" (AWS's default rule, not revoked)" if aws_default else "")


def _default_group(ctx: Context, vpc_id: str) -> Verdict:
    groups = ctx.aws("ec2").describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    group = dict(
        require({"group": groups[0] if groups else None}, "group", f"the security groups of {vpc_id}")
    )
    group_id = str(group.get("GroupId"))
    where = f"default security group {group_id}"
    ingress = list(require(group, "IpPermissions", where))
    egress = list(require(group, "IpPermissionsEgress", where))
    problems = [describe_rule(r, group_id, "ingress") for r in ingress]
    problems += [describe_rule(r, group_id, "egress") for r in egress]
    fact = f"{group_id}: no ingress or egress rules (AWS's default rules revoked)"
    return Verdict(problems, [] if problems else [fact])


def default_group_subjects(ctx: Context) -> Iterator[Subject]:
    yield one(f"default security group of {ctx.outputs.vpc_id}", _default_group, ctx, ctx.outputs.vpc_id)


CHECKS = (
    Check(
        "network.flow-logs",
        AREA,
        "VPC flow logs capture ALL traffic into the stack's log group, active and delivering",
        ("ec2:DescribeFlowLogs", "logs:DescribeLogGroups"),
        flow_log_subjects,
    ),
    Check(
        "network.isolated-subnets",
        AREA,
        "Isolated subnets have no route to an internet or NAT gateway and no public IPs",
        ("ec2:DescribeSubnets", "ec2:DescribeRouteTables"),
        isolated_subjects,
    ),
    Check(
        "network.default-security-group",
        AREA,
        "The VPC's default security group has no rules",
        ("ec2:DescribeSecurityGroups",),
        default_group_subjects,
    ),
)
