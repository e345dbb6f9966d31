"""A pull request's slice (examples/Pulumi.pr-123.yaml) under the recording engine: it reads staging's
recorded outputs through its StackReference, tags every AWS resource as ephemeral, and scopes its role
to its own topic prefix and database user."""

from __future__ import annotations

import ipaddress
import json

import pytest

from blueprint.engine import PROJECT_DIR, ProgramError, record_stack, run_stack
from blueprint.engine.graph import StackGraph, unwrap
from blueprint.engine.stack_files import read_stack_file
from components.pr_slice import baseline_subnet_cidrs

EXAMPLE = PROJECT_DIR / "examples" / "Pulumi.pr-123.yaml"


@pytest.fixture(scope="module")
def graphs() -> tuple[StackGraph, StackGraph]:
    return run_stack(read_stack_file(PROJECT_DIR, EXAMPLE)), record_stack("staging")


def test_every_aws_resource_carries_the_ephemeral_tags(graphs):
    slice_, _ = graphs
    tagged = [r for r in slice_.resources if r.type.startswith("aws:") and "tags" in r.inputs]
    assert len(tagged) >= 7
    for record in tagged:
        tags = unwrap(record.inputs["tags"])
        assert {
            k: tags.get(k) for k in ("ephemeral", "ephemeral-pr", "ephemeral-stack", "ephemeral-baseline")
        } == {
            "ephemeral": "true",
            "ephemeral-pr": "123",
            "ephemeral-stack": "pr-123",
            "ephemeral-baseline": "staging",
        }, record.urn
        assert tags["ephemeral-expires-at"] == "2026-12-09T18:00:00Z"
        assert tags["environment"] == "pr-123"


def test_the_route_uses_a_single_label_under_the_baselines_wildcard(graphs):
    slice_, staging = graphs
    edge_host = unwrap(staging.outputs)["kubernetes"]["edge"]["hostname"]
    route = next(r for r in slice_.resources if r.type.endswith("HTTPRoute"))
    assert route.inputs["spec"]["hostnames"] == [edge_host.replace("*", "pr-123", 1)]
    assert route.inputs["metadata"]["namespace"] == unwrap(staging.outputs)["kubernetes"]["namespace"]
    backends = [ref for rule in route.inputs["spec"]["rules"] for ref in rule.get("backendRefs", [])]
    assert backends == [{"name": "web", "port": 8080, "namespace": "pr-123"}]
    assert unwrap(slice_.outputs)["slice"]["url"] == "https://" + edge_host.replace("*", "pr-123", 1)


def test_the_workload_role_reaches_only_its_topics_and_its_database_user(graphs):
    slice_, staging = graphs
    base = unwrap(staging.outputs)
    policy = next(r for r in slice_.resources if r.name == "slice-workload-access")
    statements = json.loads(unwrap(policy.inputs["policy"]))["Statement"]
    resources = [s["Resource"] for s in statements]
    kafka_arn = base["brokers"]["events"]["arn"]
    assert kafka_arn in resources
    assert kafka_arn.replace(":cluster/", ":topic/") + "/pr-123.*" in resources
    assert kafka_arn.replace(":cluster/", ":group/") + "/pr-123.*" in resources
    resource_id = base["databases"]["orders"]["resourceId"]
    assert any(r.endswith(f":dbuser:{resource_id}/pr_123_app") for r in resources)
    assert not any(r == "*" or r.endswith("/*") for r in resources)
    association = next(r for r in slice_.resources if r.type.endswith("PodIdentityAssociation"))
    assert (association.inputs["namespace"], association.inputs["serviceAccount"]) == (
        "pr-123",
        "slice-workload",
    )
    assert association.inputs["clusterName"] == base["kubernetes"]["cluster"]


def test_the_provisioner_gets_the_baselines_endpoints_and_no_secret_values(graphs):
    slice_, staging = graphs
    base = unwrap(staging.outputs)
    function = next(r for r in slice_.resources if r.type == "aws:lambda/function:Function")
    env = unwrap(function.inputs["environment"])["variables"]
    assert env["DB_HOST"] == base["databases"]["orders"]["endpoint"]
    assert env["DB_SECRET_ARN"] == base["databases"]["orders"]["masterSecretArn"]
    assert (env["DATABASE"], env["DATABASE_USER"], env["VHOST"]) == ("pr_123", "pr_123_app", "pr-123")
    assert env["MQ_URL"].startswith("https://") and ":5671" not in env["MQ_URL"]
    assert unwrap(function.inputs["vpcConfig"])["subnetIds"] == base["subnetIds"]["private"]
    assert not any("password" in k.lower() for k in env)
    assert "SEED_FROM" not in env  # the example slice starts empty


def test_a_seeded_slice_tells_the_provisioner_its_seed(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "      database: orders\n", "      database: orders\n      seedFrom: orders_seed\n"
    )
    assert "seedFrom: orders_seed" in text
    path = tmp_path / "Pulumi.pr-123.yaml"
    path.write_text(text, encoding="utf-8")
    graph = run_stack(read_stack_file(PROJECT_DIR, path))
    function = next(r for r in graph.resources if r.type == "aws:lambda/function:Function")
    assert unwrap(function.inputs["environment"])["variables"]["SEED_FROM"] == "orders_seed"
    assert function.inputs["timeout"] == 900  # Lambda's maximum (Lambda quotas): a copy may take minutes


def test_a_missing_baseline_is_one_clear_error(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8").replace("baseline: staging", "baseline: nowhere")
    path = tmp_path / "Pulumi.pr-123.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProgramError, match=r"baseline stack file Pulumi\.nowhere\.yaml is missing"):
        run_stack(read_stack_file(PROJECT_DIR, path))


def _baseline_private_subnets(staging: StackGraph) -> list[ipaddress.IPv4Network]:
    """The baseline's private tier: where the shared cluster's nodes, pods and control-plane ENIs live."""
    return [
        ipaddress.ip_network(r.inputs["cidrBlock"])
        for r in staging.resources
        if r.type == "aws:ec2/subnet:Subnet" and unwrap(r.inputs.get("tags", {})).get("tier") == "private"
    ]


def _slice_destinations(slice_: StackGraph) -> list[str]:
    """Every address range the slice's NetworkPolicies and security groups let traffic out to."""
    found = []
    for r in slice_.resources:
        if r.type == "kubernetes:networking.k8s.io/v1:NetworkPolicy":
            for rule in unwrap(r.inputs)["spec"].get("egress", []):
                found += [peer["ipBlock"]["cidr"] for peer in rule.get("to", []) if "ipBlock" in peer]
        if r.type == "aws:ec2/securityGroup:SecurityGroup":
            for rule in unwrap(r.inputs).get("egress", []):
                found += rule.get("cidrBlocks", [])
    return found


def test_the_slice_reaches_the_data_stores_and_endpoints_never_the_clusters_nodes_and_pods(graphs):
    slice_, staging = graphs
    private = _baseline_private_subnets(staging)
    assert len(private) >= 2
    destinations = _slice_destinations(slice_)
    assert len(destinations) >= 6  # data tier, AWS APIs, the provisioner's two rules
    overlapping = [
        cidr
        for cidr in destinations
        if any(ipaddress.ip_network(cidr).overlaps(p) for p in private)
        and not ipaddress.ip_network(cidr).subnet_of(ipaddress.ip_network("169.254.0.0/16"))
    ]
    assert overlapping == []
    tiers = unwrap(staging.outputs)["subnetCidrs"]
    assert set(destinations) - {"169.254.170.23/32"} == {*tiers["isolated"], *tiers["endpoints"]}


def test_a_baseline_without_subnet_cidrs_is_refused_with_the_fix():
    with pytest.raises(ValueError, match=r"'staging' exports no subnetCidrs.*pulumi up"):
        baseline_subnet_cidrs({"vpcId": "vpc-1"}, "staging")
    assert baseline_subnet_cidrs({"subnetCidrs": {"isolated": ["10.0.1.0/24"]}}, "staging") == {
        "isolated": ["10.0.1.0/24"],
        "endpoints": [],
    }
