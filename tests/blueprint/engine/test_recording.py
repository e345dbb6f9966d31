"""The recording engine's registration records: dependency URNs in a fixed order."""

from __future__ import annotations

from pulumi.runtime.proto import resource_pb2

from blueprint.engine.recording import _record

URN = "urn:pulumi:staging::staging-blueprint::aws:ec2/subnet:Subnet::subnet"
VPC = "urn:pulumi:staging::staging-blueprint::aws:ec2/vpc:Vpc::vpc"
ZONE = "urn:pulumi:staging::staging-blueprint::aws:route53/zone:Zone::zone"
ACL = "urn:pulumi:staging::staging-blueprint::aws:ec2/networkAcl:NetworkAcl::acl"


def _request(dependencies: list[str], property_dependencies: dict[str, list[str]]) -> object:
    request = resource_pb2.RegisterResourceRequest(
        type="aws:ec2/subnet:Subnet", name="subnet", custom=True, dependencies=dependencies
    )
    for key, urns in property_dependencies.items():
        request.propertyDependencies[key].urns.extend(urns)
    return request


def test_dependencies_are_recorded_in_urn_order_whatever_order_the_sdk_sends():
    # The SDK sends them from a set of strings: the order changes with PYTHONHASHSEED.
    response = resource_pb2.RegisterResourceResponse(urn=URN, id="subnet-1")
    orders = [[ZONE, VPC, ACL], [ACL, ZONE, VPC], [VPC, ACL, ZONE]]
    records = [_record(_request(o, {"vpcId": o[::-1], "tags": [ZONE]}), response) for o in orders]
    for rec in records:
        assert rec.dependencies == [ACL, VPC, ZONE]
        assert rec.property_dependencies == {"vpcId": [ACL, VPC, ZONE], "tags": [ZONE]}


def test_the_program_runs_without_sdk_stack_traces_and_the_sdk_gets_its_own_back():
    import pulumi
    from pulumi.runtime import resource as pulumi_resource

    from tests.support import record

    original = pulumi_resource._get_stack_trace
    during = []

    def program() -> None:
        during.append(pulumi_resource._get_stack_trace)
        pulumi.ComponentResource("staging:test:Thing", "thing")

    graph = record(program)
    assert [r.name for r in graph.resources] == ["thing"]
    assert during and during[0] is not original and not during[0]().frames
    assert pulumi_resource._get_stack_trace is original
