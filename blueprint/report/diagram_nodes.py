"""Which resources the stack diagram draws, where (subnet tier or outside the VPC), and which security
groups each owns (part of ``diagram``). Placement follows the resources' own subnet inputs: an RDS
database through its DB subnet group, MSK through its client subnets, Amazon MQ, load balancers and
interface endpoints through their subnets; the ``tier`` tag is the fallback."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from blueprint.engine.graph import dig

#: Kinds drawn as data stores (cylinders, in the ``store`` class).
DATA_STORES = frozenset({"database", "kafka", "rabbitmq"})


def node_id(*parts: str) -> str:
    """A Mermaid-safe id (letters, digits, underscores; never a keyword such as ``end``)."""
    return "n_" + re.sub(r"[^A-Za-z0-9_]", "_", "_".join(parts))


def label(text: str) -> str:
    """A quoted Mermaid label: ``"`` becomes ``#quot;``, newlines ``<br>``."""
    return '"' + text.replace('"', "#quot;").replace("\n", "<br>") + '"'


@dataclass(frozen=True)
class Placed:
    """One drawn node.

    Attributes:
        node: Mermaid id.
        text: label (newlines allowed).
        kind: ``database``, ``kafka``, ``rabbitmq``, ``endpoints``, ``nat``, ``api``, ``function``,
            ``load-balancer``, ``edge`` or ``external``.
        place: a tier name or ``outside``.
        public: label of the arrow from the internet when this is a public entry point, else ''.
    """

    node: str
    text: str
    kind: str
    place: str = "outside"
    public: str = ""

    def mermaid(self) -> str:
        shown = self.text + ("\nPUBLIC" if self.public else "")
        if self.kind in DATA_STORES:
            return f"{self.node}[({label(shown)})]"
        if self.kind in ("api", "edge", "load-balancer"):
            return f"{self.node}([{label(shown)}])"
        return f"{self.node}[{label(shown)}]"


class _Index:
    """Lookups over the document: subnet tiers by id, DB subnet groups by name, the tier of a list."""

    def __init__(self, resources: list[Mapping[str, Any]]) -> None:
        self.tier_of: dict[str, str] = {}
        self.subnet_groups: dict[str, list[str]] = {}
        for r in resources:
            tags = r["inputs"].get("tags") or {}
            if r["type"] == "aws:ec2/subnet:Subnet" and isinstance(tags, dict) and "tier" in tags:
                self.tier_of[r["id"]] = str(tags["tier"])
            elif r["type"] == "aws:rds/subnetGroup:SubnetGroup":
                self.subnet_groups[r["id"]] = list(r["inputs"].get("subnetIds") or [])

    def tier(self, subnet_ids: Any, resource: Mapping[str, Any]) -> str:
        tiers = Counter(self.tier_of[s] for s in subnet_ids or [] if isinstance(s, str) and s in self.tier_of)
        if tiers:
            return tiers.most_common(1)[0][0]
        tags = resource["inputs"].get("tags") or {}
        return str(tags.get("tier", "outside")) if isinstance(tags, dict) else "outside"


def _database(r: Mapping[str, Any], index: _Index) -> tuple[Placed, list[str]]:
    inputs = r["inputs"]
    subnets = index.subnet_groups.get(str(inputs.get("dbSubnetGroupName", "")), [])
    name = inputs.get("identifier") or inputs.get("clusterIdentifier") or r["name"]
    text = f"PostgreSQL {name}\n{inputs.get('engine', '')} {inputs.get('engineVersion', '')}".rstrip()
    node = Placed(node_id(r["name"]), text, "database", index.tier(subnets, r))
    return node, list(inputs.get("vpcSecurityGroupIds") or [])


def _kafka(r: Mapping[str, Any], index: _Index) -> tuple[Placed, list[str]]:
    inputs = r["inputs"]
    if r["type"] == "aws:msk/serverlessCluster:ServerlessCluster":
        configs = inputs.get("vpcConfigs") or [{}]
        subnets, groups, version = (
            configs[0].get("subnetIds"),
            configs[0].get("securityGroupIds"),
            "serverless",
        )
    else:
        info = inputs.get("brokerNodeGroupInfo") or {}
        subnets, groups, version = (
            info.get("clientSubnets"),
            info.get("securityGroups"),
            inputs.get("kafkaVersion", ""),
        )
    text = f"Kafka (MSK) {inputs.get('clusterName', r['name'])}\n{version}"
    return Placed(node_id(r["name"]), text, "kafka", index.tier(subnets, r)), list(groups or [])


def _rabbitmq(r: Mapping[str, Any], index: _Index) -> tuple[Placed, list[str]]:
    inputs = r["inputs"]
    engine = str(inputs.get("engineType", "broker"))
    text = f"{engine} (Amazon MQ) {inputs.get('brokerName', r['name'])}\n{inputs.get('engineVersion', '')}"
    place = index.tier(inputs.get("subnetIds"), r)
    public = "AMQPS 5671" if inputs.get("publiclyAccessible") else ""
    return Placed(node_id(r["name"]), text, "rabbitmq", place, public), list(
        inputs.get("securityGroups") or []
    )


def _load_balancer(r: Mapping[str, Any], index: _Index) -> tuple[Placed, list[str]]:
    inputs = r["inputs"]
    internal = bool(inputs.get("internal"))
    text = f"{inputs.get('loadBalancerType', 'application')} load balancer {r['name']}"
    place = index.tier(inputs.get("subnets"), r)
    return Placed(
        node_id(r["name"]), text, "load-balancer", place, "" if internal else "listener ports"
    ), list(inputs.get("securityGroups") or [])


#: Type token -> how to place it (returns the node and the security groups it owns).
PLACERS: dict[str, Callable[[Mapping[str, Any], _Index], tuple[Placed, list[str]]]] = {
    "aws:rds/instance:Instance": _database,
    "aws:rds/cluster:Cluster": _database,
    "aws:msk/cluster:Cluster": _kafka,
    "aws:msk/serverlessCluster:ServerlessCluster": _kafka,
    "aws:mq/broker:Broker": _rabbitmq,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
}


def _aggregates(
    resources: list[Mapping[str, Any]], index: _Index
) -> tuple[list[Placed], dict[str, list[str]]]:
    """One node for the interface endpoints and one for the NAT gateways (per tier)."""
    placed: list[Placed] = []
    owners: dict[str, list[str]] = defaultdict(list)
    endpoints: dict[str, list[str]] = defaultdict(list)
    for r in resources:
        inputs = r["inputs"]
        if r["type"] == "aws:ec2/vpcEndpoint:VpcEndpoint" and inputs.get("vpcEndpointType") == "Interface":
            tier = index.tier(inputs.get("subnetIds"), r)
            endpoints[tier].append(_service(inputs))
            for group in inputs.get("securityGroupIds") or []:
                if node_id("endpoints", tier) not in owners[group]:
                    owners[group].append(node_id("endpoints", tier))
    for tier, services in endpoints.items():
        placed.append(
            Placed(
                node_id("endpoints", tier), "VPC endpoints\n" + ", ".join(sorted(services)), "endpoints", tier
            )
        )
    nats = [r for r in resources if r["type"] == "aws:ec2/natGateway:NatGateway"]
    if nats:
        tier = index.tier([n["inputs"].get("subnetId") for n in nats], nats[0])
        placed.append(Placed(node_id("nat"), f"NAT gateway x{len(nats)}", "nat", tier))
    return placed, owners


def _service(inputs: Mapping[str, Any]) -> str:
    """``com.amazonaws.eu-west-1.ecr.api`` -> ``ecr.api``."""
    parts = str(inputs.get("serviceName", "")).split(".")
    return ".".join(parts[3:]) if len(parts) > 3 else ".".join(parts)


def _apis(resources: list[Mapping[str, Any]]) -> tuple[list[Placed], list[tuple[str, str, str]]]:
    """HTTP APIs (public entry points, e.g. the token broker) and the Lambda functions they invoke."""
    placed, links = [], []
    jwt_apis = {r["inputs"].get("apiId") for r in resources if r["inputs"].get("authorizerType") == "JWT"}
    functions = {r["id"]: r for r in resources if r["type"] == "aws:lambda/function:Function"}
    for r in resources:
        if r["type"] != "aws:apigatewayv2/api:Api":
            continue
        auth = ", JWT" if r["id"] in jwt_apis else ""
        text = f"{r['inputs'].get('protocolType', 'HTTP')} API {r['inputs'].get('name', r['name'])}"
        placed.append(Placed(node_id(r["name"]), text, "api", "outside", f"HTTPS 443{auth}"))
        for integration in resources:
            uri = str(integration["inputs"].get("integrationUri", ""))
            if integration["inputs"].get("apiId") == r["id"]:
                links += [
                    (node_id(r["name"]), node_id(f["name"]), "invokes")
                    for name, f in functions.items()
                    if f":function:{name}" in uri
                ]
    for f in functions.values():
        inside = bool(dig(f["inputs"], "vpcConfig", "subnetIds"))
        if not inside:
            placed.append(Placed(node_id(f["name"]), f"Lambda {f['id']}", "function"))
    return placed, links


def place_resources(
    resources: list[Mapping[str, Any]],
) -> tuple[list[Placed], dict[str, list[str]], list[tuple[str, str, str]]]:
    """(nodes, security group id -> nodes owning it, extra dotted links) for the diagram."""
    index = _Index(resources)
    placed, owners = _aggregates(resources, index)
    for r in resources:
        placer = PLACERS.get(r["type"])
        if placer is not None:
            node, groups = placer(r, index)
            placed.append(node)
            for group in groups:
                owners[group].append(node.node)
    apis, links = _apis(resources)
    return [*placed, *apis], dict(owners), links
