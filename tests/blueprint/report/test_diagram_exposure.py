"""Exposure in the diagram: the cluster and its namespaces are drawn, people reach the apps through
internet or internal network -> load balancer -> edge -> routes, every public entry point is red, a
compare marks what the pull request made public, and repeated arrows collapse so 300 resources stay
legible. Charts are read with the independent parser of test_diagram."""

from __future__ import annotations

import copy
import json
from collections import Counter

import pytest

from blueprint.cli import main
from blueprint.report.diagram import mermaid
from blueprint.report.render import render_markdown
from blueprint.review.compare import compare_reports
from tests.blueprint.report.test_diagram import parse


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("exposure") / "r.json"
    assert main(["preview", "--format", "json", "--output", str(path)]) == 0
    return json.loads(path.read_text())


def _resource(doc: dict, name: str) -> dict:
    return next(r for r in doc["resources"] if r["name"] == name)


def _internet_facing(doc: dict) -> dict:
    changed = copy.deepcopy(doc)
    service = _resource(changed, "edge-proxy")["inputs"]["spec"]["provider"]["kubernetes"]["envoyService"]
    service["annotations"]["service.beta.kubernetes.io/aws-load-balancer-scheme"] = "internet-facing"
    return changed


def _node(chart, prefix: str) -> str:
    [node] = [n for n, text in chart.nodes.items() if text.startswith(prefix)]
    return node


def test_cluster_namespace_and_the_internal_path_to_the_routes_are_drawn(report):
    chart = parse(mermaid(report))
    gateway, api = _node(chart, "Gateway edge-gateway"), _node(chart, "Kubernetes API")
    assert chart.parents[gateway][1:] == ["private tier (3 subnets)", "EKS cluster staging", "namespace apps"]
    assert chart.parents[api][-1] == "EKS cluster staging"
    lb = _node(chart, "NLB internal")
    edges = {(chart.nodes.get(s), lab, chart.nodes.get(d)) for s, _, lab, d in chart.edges}
    assert ("anything in the VPC", "tcp 443", chart.nodes[lb]) in edges
    assert (chart.nodes[lb], "to the edge", chart.nodes[gateway]) in edges
    assert (chart.nodes[gateway], "routes", _label(chart, "route edge-route-mail")) in edges
    assert "public" not in chart.classes.get(lb, set()) and "public" not in chart.classes.get(api, set())


def _label(chart, prefix: str) -> str:
    return chart.nodes[_node(chart, prefix)]


def test_an_edge_made_internet_facing_is_drawn_in_red_from_the_internet(report):
    chart = parse(mermaid(_internet_facing(report)))
    lb, gateway = _node(chart, "NLB internet-facing"), _node(chart, "Gateway edge-gateway")
    assert ("n_internet", "-->", "tcp 443", lb) in chart.edges
    assert chart.parents[lb][-1].startswith("public tier")
    assert {"public"} <= chart.classes[lb] and {"public"} <= chart.classes[gateway]
    route = _node(chart, "route edge-route-mail")
    assert "public" in chart.classes[route]


def test_a_public_eks_api_endpoint_is_red_with_its_cidrs(report):
    changed = copy.deepcopy(report)
    vpc_config = _resource(changed, "cluster-eks")["inputs"]["vpcConfig"]
    vpc_config.update(endpointPublicAccess=True, publicAccessCidrs=["203.0.113.0/24"])
    chart = parse(mermaid(changed))
    api = _node(chart, "Kubernetes API")
    assert ("n_internet", "-->", "tcp 443 from 203.0.113.0/24", api) in chart.edges
    assert "public" in chart.classes[api]


def test_a_compare_marks_what_the_pull_request_made_public(report):
    head = _internet_facing(report)
    head["changes"] = compare_reports(report, head, "base.json")
    made = {e["node"] for e in head["changes"]["newlyPublic"]}
    assert made == {
        "n_lb_edge_gateway",
        "n_edge_gateway",
        "n_route_edge_route_mail",
        "n_route_edge_route_robots",
    }
    assert "new public entry point" in head["changes"]["summary"]["line"]
    chart = parse(mermaid(head))
    assert all("newpublic" in chart.classes[node] for node in made)
    assert "n_token_broker_api" not in {n for n, c in chart.classes.items() if "newpublic" in c}
    markdown = render_markdown(head)
    risk = markdown.split("**Risk first**", 1)[1].split("| change |", 1)[0]
    assert "**made public** by this change: NLB internet-facing for Gateway edge-gateway" in risk


def test_repeated_arrows_collapse_into_one_counted_arrow(report):
    changed = copy.deepcopy(report)
    db = _resource(changed, "db-orders-instance")
    for n in range(10):
        twin = copy.deepcopy(db)
        twin["name"], twin["urn"], twin["id"] = f"db-twin-{n}", f"{db['urn']}-{n}", f"twin-{n}"
        twin["inputs"]["identifier"] = f"staging-twin-{n}"
        changed["resources"].append(twin)
    chart = parse(mermaid(changed))
    collapsed = [e for e in chart.edges if e[3] == "n_tier_isolated"]
    assert ("n_clients_private", "-->", "11x tcp 5432", "n_tier_isolated") in collapsed
    assert not [e for e in chart.edges if e[2] == "tcp 5432" and e[0] == "n_clients_private"]


def test_a_300_resource_stack_has_no_repeated_arrow_into_one_subgraph(report):
    big = copy.deepcopy(report)
    for n in range(1, 3):
        for r in copy.deepcopy(report["resources"]):
            if r["type"] in ("aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:eks/cluster:Cluster"):
                continue
            r["urn"], r["name"], r["id"] = f"{r['urn']}-{n}", f"{r['name']}-{n}", f"{r['id']}-{n}"
            big["resources"].append(r)
    assert len(big["resources"]) >= 300
    chart = parse(mermaid(big))
    counts = Counter((s, a, lab, (chart.parents.get(d) or [d])[-1]) for s, a, lab, d in chart.edges)
    assert max(counts.values()) < 3
    assert len(chart.edges) <= 60
