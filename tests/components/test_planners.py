"""Properties of the pure planners the components use, over every input they accept (hypothesis)."""

from __future__ import annotations

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from components.database import final_snapshot_name
from components.kafka import replication_settings
from components.network import TIERS, plan_subnets

#: Private /16-/23 networks: the VPC CIDRs the config accepts.
vpc_cidrs = st.builds(
    lambda base, prefix: str(ipaddress.IPv4Network(f"{base}/{prefix}", strict=False)),
    st.sampled_from(["10.0.0.0", "10.42.0.0", "10.255.0.0", "172.16.0.0", "172.31.0.0", "192.168.0.0"]),
    st.integers(16, 23),
)


@given(vpc_cidrs, st.integers(1, 6))
def test_every_subnet_lies_in_the_vpc_and_none_overlap(cidr, az_count):
    vpc = ipaddress.IPv4Network(cidr)
    plan = plan_subnets(cidr, az_count)
    subnets = [ipaddress.IPv4Network(s) for tier in TIERS for s in plan[tier]]
    assert len(subnets) == 3 * az_count
    assert all(s.subnet_of(vpc) for s in subnets)
    assert all(not a.overlaps(b) for i, a in enumerate(subnets) for b in subnets[i + 1 :])
    assert all(s.prefixlen <= 28 for s in subnets)  # AWS's smallest subnet is a /28


@given(vpc_cidrs, st.integers(1, 5), st.integers(1, 5))
def test_adding_azs_never_moves_an_existing_subnet(cidr, az_count, more):
    smaller, larger = plan_subnets(cidr, az_count), plan_subnets(cidr, min(6, az_count + more))
    assert all(larger[tier][:az_count] == smaller[tier] for tier in TIERS)


@given(vpc_cidrs, st.integers(1, 6))
def test_workloads_get_the_largest_subnets(cidr, az_count):
    plan = plan_subnets(cidr, az_count)
    size = {tier: ipaddress.IPv4Network(plan[tier][0]).num_addresses for tier in TIERS}
    assert size["private"] == 2 * size["isolated"] == 2 * size["public"]


@given(st.integers(1, 30))
def test_replication_fits_the_brokers_and_survives_one_loss_when_it_can(brokers):
    settings = {k: int(v) for k, v in replication_settings(brokers).items()}
    factor, min_isr = settings["default.replication.factor"], settings["min.insync.replicas"]
    assert 1 <= factor <= min(3, brokers)
    assert 1 <= min_isr <= factor
    assert factor - min_isr == (1 if factor > 1 else 0)  # a write survives one broker down, if there are two
    assert settings["offsets.topic.replication.factor"] == factor


@given(
    st.from_regex(r"[a-z](?:[a-z0-9]|-(?=[a-z0-9])){1,58}[a-z0-9]", fullmatch=True),
    st.from_regex(r"[a-z0-9-]{1,20}-[0-9a-f]{7}", fullmatch=True),
)
def test_final_snapshot_names_are_valid_rds_snapshot_names(identifier, nonce_source):
    name = final_snapshot_name(identifier, nonce_source)
    assert name.startswith(f"{identifier}-final-")
    assert name.endswith(nonce_source.rsplit("-", 1)[-1])
    assert len(name) <= 255 and "--" not in name and not name.endswith("-")
