"""Configs the cluster and the network cannot run on fail the preview with the key path and the fix: an EKS
cluster without NAT, a region AWS does not have, more AZs than the region offers, a VPC too small for the
interface endpoints' own subnets."""

from __future__ import annotations

from typing import Any

import pytest

from stack_config import ConfigError, StackContext, load_stack_config
from tests.stack_config.test_kubernetes import kubernetes


def _problems(raw: dict[str, Any], region: str = "eu-west-1") -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_stack_config(raw, ("edgeHtpasswd",), StackContext("staging", region))
    return [p.render() for p in info.value.problems]


def _loads(raw: dict[str, Any], region: str = "eu-west-1") -> None:
    load_stack_config(raw, ("edgeHtpasswd",), StackContext("staging", region))


def test_an_eks_cluster_without_nat_is_refused_with_the_fix():
    [line] = _problems(kubernetes(network={"natStrategy": "none"}))
    assert line.startswith("staging-blueprint:network.natStrategy: leaves the EKS cluster")
    assert "set natStrategy to single or perAz" in line and line.endswith("(got 'none')")


def test_no_nat_is_fine_without_a_cluster_or_with_an_existing_one():
    _loads({"tags": {"owner": "a", "cost-center": "b"}, "network": {"natStrategy": "none"}})
    existing = {"mode": "existing", "kubeconfigFromConfig": "kubeconfig"}
    raw = kubernetes(network={"natStrategy": "none"}, cluster=existing, kubeconfig="apiVersion: v1")
    load_stack_config(raw, ("edgeHtpasswd", "kubeconfig"), StackContext("staging", "eu-west-1"))


@pytest.mark.parametrize("region", ["eu-west-9", "us-east-7", "mars-north-1"])
def test_a_made_up_region_is_refused(region):
    [line] = _problems(kubernetes(), region)
    assert line.startswith("aws:region: is not an AWS region this blueprint knows")
    assert line.endswith(f"(got {region!r})")


def test_a_region_typo_gets_a_suggestion():
    [line] = _problems(kubernetes(), "eu-wset-1")
    assert "did you mean 'eu-west-1'?" in line


@pytest.mark.parametrize(
    ("region", "count", "offered"), [("us-west-1", 3, 2), ("us-west-2", 5, 4), ("eu-west-1", 4, 3)]
)
def test_more_azs_than_the_region_offers_are_refused(region, count, offered):
    [line] = _problems(kubernetes(network={"azCount": count}), region)
    assert line.startswith("staging-blueprint:network.azCount: is more than ")
    assert "lower azCount" in line and line.endswith(f"(got {count})")
    assert str(offered) in line


@pytest.mark.parametrize(("region", "count"), [("us-west-1", 2), ("us-east-1", 6), ("ap-south-2", 3)])
def test_as_many_azs_as_the_region_offers_pass(region, count):
    _loads(kubernetes(network={"azCount": count}), region)


def test_more_than_three_named_azs_pass_where_aws_documents_no_count():
    azs = [f"eu-central-1{c}" for c in "abcd"]
    _loads(kubernetes(network={"azCount": 4, "availabilityZones": azs}), "eu-central-1")


def test_a_named_third_az_does_not_lift_a_documented_limit():
    azs = [f"us-west-1{c}" for c in "abc"]
    [line] = _problems(kubernetes(network={"azCount": 3, "availabilityZones": azs}), "us-west-1")
    assert line.startswith("staging-blueprint:network.azCount: is more than aws:region us-west-1 offers 2")


@pytest.mark.parametrize("cidr", ["10.0.0.0/21", "10.0.0.0/23"])
def test_a_vpc_too_small_for_endpoint_subnets_is_refused(cidr):
    [line] = _problems(kubernetes(network={"cidr": cidr}))
    assert line.startswith("staging-blueprint:network.cidr: is too small for the interface endpoints")
    assert line.endswith(f"(got {cidr!r})")


def test_a_small_vpc_without_interface_endpoints_passes():
    _loads(kubernetes(network={"cidr": "10.0.0.0/23", "interfaceEndpoints": []}))


@pytest.mark.parametrize(
    ("region", "evidence"),
    [
        ("eu-west-1", "lower bound: at least 3"),  # the page's "at least three", not a count of its own
        ("ap-south-2", "lower bound: at least 3"),
        ("cn-north-1", "unsourced: 3 assumed"),  # the AZ page covers the aws partition only
        ("us-gov-west-1", "unsourced: 3 assumed"),
        ("eusc-de-east-1", "unsourced: 3 assumed"),
    ],
)
def test_an_undocumented_count_says_how_weak_its_evidence_is(region, evidence):
    [line] = _problems(kubernetes(network={"azCount": 4}), region)
    assert line.startswith("staging-blueprint:network.azCount: is more than ")
    assert f"({evidence}; https://docs.aws.amazon.com/" in line and "network.availabilityZones" in line
