"""A Mermaid ``flowchart`` of the stack for the markdown preview (GitHub renders it in PR comments).

Built from the preview document alone (so it shows exactly what ``--format json`` carries):

- the VPC as a subgraph, its subnet tiers (the subnets' ``tier`` tag) as nested subgraphs;
- data stores (RDS instances and clusters, MSK, Amazon MQ) in the tier of their subnets (DB subnet
  group, client subnets, broker subnets), with engine and version; interface VPC endpoints and NAT
  gateways in theirs; load balancers and, once they exist, Kubernetes Gateways (the edge) in theirs;
- who may reach what on which port, from the security-group ingress rules: a source CIDR becomes the
  tier whose subnets it covers (the VPC CIDR: "anything in the VPC"; ``0.0.0.0/0``: the internet), a
  source security group the component that owns it; one arrow per source and target, with its ports;
- public entry points (HTTP APIs such as the token broker, internet-facing load balancers, anything
  admitting ``0.0.0.0/0``) marked with the ``public`` class (red border, "PUBLIC" in the label);
- egress of the private tier through NAT as dotted arrows; the isolated tier has none, by design.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from blueprint.report.diagram_exposure import Exposure, exposure
from blueprint.report.diagram_nodes import DATA_STORES, Placed, label, node_id, place_resources

#: Subnet tiers drawn as subgraphs (the subnets' ``tier`` tag); ``endpoints``: the interface VPC endpoints.
TIERS = ("public", "private", "isolated", "endpoints")
INTERNET = "internet"
_RULE_TYPES = (
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:ec2/securityGroupRule:SecurityGroupRule",
)


@dataclass
class _Graph:
    """What is drawn: nodes per place (VPC tier or outside), edges with port labels, public nodes."""

    nodes: dict[str, list[Placed]] = field(default_factory=lambda: defaultdict(list))
    edges: dict[tuple[str, str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    public: set[str] = field(default_factory=set)
    clients: set[str] = field(default_factory=set)
    exposure: Exposure = field(default_factory=Exposure)


def _subnets(resources: list[Mapping[str, Any]]) -> list[tuple[str, str, str]]:
    """(id, tier, cidr) of every subnet with a ``tier`` tag."""
    found = []
    for r in resources:
        tags = r["inputs"].get("tags") or {}
        if r["type"] == "aws:ec2/subnet:Subnet" and isinstance(tags, dict) and tags.get("tier") in TIERS:
            found.append((r["id"], tags["tier"], str(r["inputs"].get("cidrBlock", ""))))
    return found


def _group_source(group: str, owners: Mapping[str, list[str]], graph: _Graph) -> str:
    """The component owning a source security group, or an external node for one outside the stack."""
    if group in owners:
        return owners[group][0]
    text = f"security group {group}\n(outside the stack)"
    graph.nodes["outside"].append(Placed(node_id("sg", group), text, "external"))
    return node_id("sg", group)


def _source(
    rule: Mapping[str, Any],
    vpc_cidr: str,
    subnets: list[tuple[str, str, str]],
    owners: Mapping[str, list[str]],
    graph: _Graph,
) -> str:
    """The node a rule admits traffic from (created for tiers' clients and external sources)."""
    group = rule.get("referencedSecurityGroupId") or rule.get("sourceSecurityGroupId")
    if isinstance(group, str) and group:
        return _group_source(group, owners, graph)
    cidrs = rule.get("cidrIpv4") or rule.get("cidrBlocks") or rule.get("cidrIpv6") or []
    cidr = cidrs[0] if isinstance(cidrs, list) and cidrs else cidrs
    if not isinstance(cidr, str) or not cidr:
        return ""
    if cidr in ("0.0.0.0/0", "::/0"):
        return node_id(INTERNET)
    if cidr == vpc_cidr:
        graph.clients.add("vpc")
        return node_id("clients", "vpc")
    tiers = {tier for _, tier, subnet in subnets if subnet and _overlaps(subnet, cidr)}
    if len(tiers) == 1:
        tier = tiers.pop()
        graph.clients.add(tier)
        return node_id("clients", tier)
    graph.nodes["outside"].append(Placed(node_id("cidr", cidr), f"clients in {cidr}", "external"))
    return node_id("cidr", cidr)


def _overlaps(a: str, b: str) -> bool:
    try:
        return ipaddress.ip_network(a).overlaps(ipaddress.ip_network(b))
    except ValueError:
        return False


def _ports(rule: Mapping[str, Any]) -> str:
    protocol = str(rule.get("ipProtocol") or rule.get("protocol") or "tcp")
    low, high = rule.get("fromPort"), rule.get("toPort")
    if protocol == "-1":
        return "all traffic"
    if low is None:
        return protocol
    low, high = int(low), int(high if high is not None else low)
    return f"{protocol} {low}" if low == high else f"{protocol} {low}-{high}"


def _rules(resources: list[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    """Ingress rules: standalone rule resources, and inline ``ingress`` blocks of security groups."""
    for r in resources:
        inputs = r["inputs"]
        if r["type"] in _RULE_TYPES and inputs.get("type", "ingress") == "ingress":
            yield inputs
        elif r["type"] == "aws:ec2/securityGroup:SecurityGroup":
            for block in inputs.get("ingress") or []:
                yield {**block, "securityGroupId": r["id"]}


def _add_rules(
    report: Mapping[str, Any], graph: _Graph, owners: Mapping[str, list[str]], vpc_cidr: str
) -> None:
    subnets = _subnets(report["resources"])
    for rule in _rules(report["resources"]):
        targets = owners.get(str(rule.get("securityGroupId") or ""), [])
        source = _source(rule, vpc_cidr, subnets, owners, graph) if targets else ""
        for target in targets:
            if source and source != target:
                graph.edges[(source, target, "-->")].add(_ports(rule))
                if source == node_id(INTERNET):
                    graph.public.add(target)


def _add_exposure(report: Mapping[str, Any], graph: _Graph, owners: dict[str, list[str]]) -> Exposure:
    """The cluster side: load balancers in their tier, entry arrows, the API endpoint's security group."""
    found = exposure(report["resources"])
    for group, nodes in found.owners.items():
        owners.setdefault(group, []).extend(nodes)
    for item in found.balancers:
        graph.nodes[item.place].append(item)
    ends = {"internet": node_id(INTERNET), "vpc": node_id("clients", "vpc")}
    for source, target, arrow, text in found.edges:
        if source == "vpc":
            graph.clients.add("vpc")
        graph.edges[(ends.get(source, source), target, arrow)].add(text)
    graph.public |= found.public
    return found


def public_entry_points(report: Mapping[str, Any]) -> dict[str, str]:
    """Every node reachable from the internet: Mermaid id -> its label text (empty without a VPC)."""
    if not any(r["type"] == "aws:ec2/vpc:Vpc" for r in report["resources"]):
        return {}
    graph = build(report)
    items = [i for group in graph.nodes.values() for i in group] + [
        i for group in graph.exposure.namespaces.values() for i in group
    ]
    items += [graph.exposure.api] if graph.exposure.api is not None else []
    texts = {i.node: i.text.replace("\n", " ") for i in items}
    return {node: texts.get(node, node) for node in sorted(graph.public)}


def build(report: Mapping[str, Any]) -> _Graph:
    """Place every drawn resource and derive the arrows."""
    graph = _Graph()
    placed, owners, links = place_resources(report["resources"])
    graph.exposure = _add_exposure(report, graph, owners)
    for item in placed:
        graph.nodes[item.place].append(item)
        if item.public:
            graph.public.add(item.node)
            graph.edges[(node_id(INTERNET), item.node, "-->")].add(item.public)
    for source, target, text in links:
        graph.edges[(source, target, "-.->")].add(text)
    vpc = next((r for r in report["resources"] if r["type"] == "aws:ec2/vpc:Vpc"), None)
    vpc_cidr = str(vpc["inputs"].get("cidrBlock", "")) if vpc else ""
    _add_rules(report, graph, owners, vpc_cidr)
    if any(item.kind == "nat" for item in placed):
        graph.clients.add("private")
        nat = next(item.node for item in placed if item.kind == "nat")
        graph.edges[(node_id("clients", "private"), nat, "-.->")].add("egress")
        graph.edges[(nat, node_id(INTERNET), "-.->")].add("egress")
    return graph


def _tier_lines(tier: str, graph: _Graph, subnet_counts: Mapping[str, int]) -> list[str]:
    title = f"{tier} tier ({subnet_counts.get(tier, 0)} subnets)"
    lines = [f"    subgraph {node_id('tier', tier)}[{label(title)}]"]
    if tier in graph.clients:
        lines.append(f"      {node_id('clients', tier)}[{label(f'workloads in {tier} subnets')}]")
    lines += [f"      {item.mermaid()}" for item in graph.nodes.get(tier, [])]
    if tier == "private" and graph.exposure.cluster is not None:
        lines += _cluster_lines(graph.exposure)
    return [*lines, "    end"]


def _cluster_lines(found: Exposure) -> list[str]:
    assert found.cluster is not None
    cluster_id, title = found.cluster
    lines = [f"      subgraph {cluster_id}[{label(title)}]"]
    if found.api is not None:
        lines.append(f"        {found.api.mermaid()}")
    for namespace, items in sorted(found.namespaces.items()):
        lines.append(f"        subgraph {node_id('ns', namespace)}[{label(f'namespace {namespace}')}]")
        lines += [f"          {item.mermaid()}" for item in items]
        lines.append("        end")
    return [*lines, "      end"]


def mermaid(report: Mapping[str, Any]) -> list[str]:
    """The diagram as Markdown lines (a fenced ``mermaid`` block); empty when the stack has no VPC."""
    vpc = next((r for r in report["resources"] if r["type"] == "aws:ec2/vpc:Vpc"), None)
    if vpc is None:
        return []
    graph = build(report)
    counts: dict[str, int] = defaultdict(int)
    for _, tier, _ in _subnets(report["resources"]):
        counts[tier] += 1
    vpc_title = f"VPC {vpc['name']} {vpc['inputs'].get('cidrBlock', '')}"
    lines = ["```mermaid", "flowchart LR", f"  {node_id(INTERNET)}(({label('Internet')}))"]
    lines += [f"  {item.mermaid()}" for item in graph.nodes.get("outside", [])]
    lines.append(f"  subgraph {node_id('vpc')}[{label(vpc_title)}]")
    if "vpc" in graph.clients:
        lines.append(f"    {node_id('clients', 'vpc')}[{label('anything in the VPC')}]")
    for tier in TIERS:
        if counts.get(tier) or graph.nodes.get(tier) or (tier == "private" and graph.exposure.cluster):
            lines += _tier_lines(tier, graph, counts)
    lines.append("  end")
    lines += _edge_lines(graph)
    lines.append("  classDef public stroke:#d1242f,stroke-width:3px")
    lines.append("  classDef newpublic stroke:#d1242f,stroke-width:5px,stroke-dasharray:6 3,fill:#ffebe9")
    lines.append("  classDef store fill:#ddf4ff,stroke:#0969da")
    stores = sorted({i.node for items in graph.nodes.values() for i in items if i.kind in DATA_STORES})
    if graph.public:
        lines.append(f"  class {','.join(sorted(graph.public | {node_id(INTERNET)}))} public")
    if stores:
        lines.append(f"  class {','.join(stores)} store")
    drawn = {i.node for items in graph.nodes.values() for i in items} | graph.public
    newly = {entry["node"] for entry in report.get("changes", {}).get("newlyPublic") or []}
    made_public = sorted(newly & drawn)
    if made_public:
        lines.append(f"  class {','.join(made_public)} newpublic")
    return [*lines, "```"]


#: A source with at least this many arrows of one label into one subgraph gets one arrow to the subgraph.
COLLAPSE_AT = 3


def _places(graph: _Graph) -> dict[str, str]:
    """Node id -> the id of the subgraph that holds it (tiers and namespaces)."""
    places = {i.node: node_id("tier", place) for place, items in graph.nodes.items() for i in items}
    for namespace, items in graph.exposure.namespaces.items():
        places.update({i.node: node_id("ns", namespace) for i in items})
    return {node: place for node, place in places.items() if place != node_id("tier", "outside")}


def _edge_lines(graph: _Graph) -> list[str]:
    """One line per arrow; repeated arrows (same source, kind and label into one subgraph) collapse into
    one arrow to the subgraph labelled ``11x tcp 5432``."""
    places = _places(graph)
    groups: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    for (source, target, arrow), texts in sorted(graph.edges.items()):
        text = ", ".join(sorted(texts))
        groups[(source, arrow, text, places.get(target, ""))].append(target)
    lines = []
    for (source, arrow, text, place), targets in sorted(groups.items()):
        if place and len(targets) >= COLLAPSE_AT:
            lines.append(f"  {source} {arrow}|{label(f'{len(targets)}x {text}')}| {place}")
        else:
            lines += [f"  {source} {arrow}|{label(text)}| {target}" for target in targets]
    return lines
