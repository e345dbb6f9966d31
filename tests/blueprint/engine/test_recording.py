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
