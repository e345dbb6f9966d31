"""The Mermaid flowchart in the markdown preview, checked structurally: a small parser (written here,
independent of the generator) reads subgraphs, nodes and labelled edges; every data store of the
stack must sit in the subgraph of its subnets' tier, and the arrows must be the security-group rules."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field

import pytest

from blueprint.cli import main
from blueprint.report.diagram import mermaid

NODE = re.compile(
    r"^(?P<id>[A-Za-z0-9_]+)(?P<open>\(\(|\[\(|\(\[|\[)\"(?P<label>[^\"]*)\"(?P<close>\)\)|\)\]|\]\)|\])$"
)
EDGE = re.compile(
    r'^(?P<src>[A-Za-z0-9_]+) (?P<arrow>-->|-\.->)\|"(?P<label>[^"]*)"\| (?P<dst>[A-Za-z0-9_]+)$'
)
SUBGRAPH = re.compile(r'^subgraph (?P<id>[A-Za-z0-9_]+)\["(?P<label>[^"]*)"\]$')
CLASS = re.compile(r"^class (?P<ids>[A-Za-z0-9_,]+) (?P<cls>[A-Za-z]+)$")
DATA_STORE_TYPES = (
    "aws:rds/instance:Instance",
    "aws:rds/cluster:Cluster",
    "aws:msk/cluster:Cluster",
    "aws:mq/broker:Broker",
)


@dataclass
class Flowchart:
    nodes: dict[str, str] = field(default_factory=dict)  # id -> label
    parents: dict[str, list[str]] = field(default_factory=dict)  # id -> enclosing subgraph labels
    subgraphs: dict[str, str] = field(default_factory=dict)
    edges: list[tuple[str, str, str, str]] = field(default_factory=list)
    classes: dict[str, set[str]] = field(default_factory=dict)


def parse(lines: list[str]) -> Flowchart:
    """Parse the fenced block; any line it does not understand fails the test."""
    assert lines[0] == "```mermaid" and lines[-1] == "```" and lines[1] == "flowchart LR"
    chart, stack = Flowchart(), []
    for raw in lines[2:-1]:
        line = raw.strip()
        if m := SUBGRAPH.match(line):
            chart.subgraphs[m["id"]] = m["label"]
            stack.append(m["label"])
        elif line == "end":
            stack.pop()
        elif m := NODE.match(line):
            assert m["id"] not in chart.nodes, f"node defined twice: {line}"
            chart.nodes[m["id"]] = m["label"]
            chart.parents[m["id"]] = list(stack)
        elif m := EDGE.match(line):
            chart.edges.append((m["src"], m["arrow"], m["label"], m["dst"]))
        elif m := CLASS.match(line):
            for node in m["ids"].split(","):
                chart.classes.setdefault(node, set()).add(m["cls"])
        else:
            assert line.startswith("classDef "), f"unparsed line: {line!r}"
    assert stack == [], "unbalanced subgraph/end"
    for src, _, _, dst in chart.edges:  # an arrow may end at a subgraph (collapsed repeated arrows)
        assert src in chart.nodes and (dst in chart.nodes or dst in chart.subgraphs), (src, dst)
    return chart


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("diagram") / "r.json"
    assert main(["preview", "--format", "json", "--output", str(path)]) == 0
    return json.loads(path.read_text())


def _tier_of_store(report: dict, resource: dict) -> str:
    subnets = {
        r["id"]: r["inputs"]["tags"]["tier"]
        for r in report["resources"]
        if r["type"] == "aws:ec2/subnet:Subnet"
    }
    groups = {
        r["id"]: r["inputs"]["subnetIds"]
        for r in report["resources"]
        if r["type"] == "aws:rds/subnetGroup:SubnetGroup"
    }
    inputs = resource["inputs"]
    ids = (
        groups.get(inputs.get("dbSubnetGroupName"))
        or inputs.get("subnetIds")
        or inputs["brokerNodeGroupInfo"]["clientSubnets"]
    )
    [tier] = {subnets[i] for i in ids}
    return tier


def test_every_data_store_is_drawn_in_its_tier(report):
    chart = parse(mermaid(report))
    stores = [r for r in report["resources"] if r["type"] in DATA_STORE_TYPES]
    assert len(stores) == 3
    for store in stores:
        name = (
            store["inputs"].get("identifier")
            or store["inputs"].get("clusterName")
            or store["inputs"]["brokerName"]
        )
        [node] = [n for n, text in chart.nodes.items() if name in text]
        tier = _tier_of_store(report, store)
        assert chart.parents[node][0].startswith("VPC ")
        assert chart.parents[node][-1].startswith(f"{tier} tier"), (name, chart.parents[node])
        assert "store" in chart.classes[node]


def test_arrows_follow_the_security_group_rules(report):
    chart = parse(mermaid(report))
    labels = {(chart.nodes[s], a, lab, chart.nodes[d]) for s, a, lab, d in chart.edges}
    assert (
        "workloads in private subnets",
        "-->",
        "tcp 5432",
        "PostgreSQL staging-orders<br>postgres 17.6",
    ) in labels
    assert (
        "anything in the VPC",
        "-->",
        "tcp 443",
        next(t for t in chart.nodes.values() if t.startswith("VPC endpoints")),
    ) in labels
    public = [d for s, _, _, d in chart.edges if chart.nodes[s] == "Internet"]
    assert [chart.nodes[d] for d in public] == ["HTTP API staging-token-broker<br>PUBLIC"]
    assert all("public" in chart.classes[d] for d in public)
    isolated_egress = [
        e
        for e in chart.edges
        if e[1] == "-.->" and (chart.parents.get(e[0]) or [""])[-1].startswith("isolated")
    ]
    assert isolated_egress == []


def test_a_rule_open_to_the_internet_marks_its_target_public(report):
    changed = copy.deepcopy(report)
    rule = next(r for r in changed["resources"] if r["name"] == "db-orders-5432-private-0")
    rule["inputs"]["cidrIpv4"] = "0.0.0.0/0"
    chart = parse(mermaid(changed))
    [db] = [n for n, text in chart.nodes.items() if "staging-orders" in text]
    assert ("n_internet", "-->", "tcp 5432", db) in chart.edges
    assert "public" in chart.classes[db]


def test_the_edge_and_labels_with_quotes_render(report):
    changed = copy.deepcopy(report)
    gateway = copy.deepcopy(changed["resources"][0])
    gateway.update(type="kubernetes:gateway.networking.k8s.io/v1:Gateway", name='edge "main"', inputs={})
    changed["resources"].append(gateway)
    chart = parse(mermaid(changed))
    [edge] = [n for n, text in chart.nodes.items() if text.startswith("Gateway") and "main" in text]
    assert chart.parents[edge][0].startswith("VPC") and chart.parents[edge][1].startswith("private tier")
    assert chart.parents[edge][-1] == "namespace default"
    assert "#quot;" in chart.nodes[edge]


def test_markdown_preview_embeds_the_diagram(capsys):
    assert main(["preview", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    block = out[out.index("```mermaid") : out.index("```", out.index("```mermaid") + 3) + 3]
    parse(block.splitlines())
