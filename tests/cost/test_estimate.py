"""The estimate against figures computed by hand from the sourced rates in blueprint/cost/prices/.

Every expected number below is arithmetic on a rate as the table's source states it (the rate, then
the quantity a month: 730 hours), written out so a reader can check it without running the code.
"""

from __future__ import annotations

from decimal import Decimal

from tests.cost.support import AS_OF, EXAMPLES, edited, estimate, stack_settings

# us-east-1 rates, each from its cited source (see us-east-1.yaml): EKS 0.10/h; m7g.large 0.0816/h;
# EBS gp3 0.08/GB-month; RDS PostgreSQL db.t4g.medium 0.065/h Single-AZ, 0.129/h Multi-AZ; RDS gp3 0.115
# (Single-AZ) and 0.23 (Multi-AZ) per GB-month; MSK kafka.t3.small 0.0456/h, storage 0.10/GB-month; NAT
# 0.045/h; public IPv4 0.005/h; interface endpoint 0.01/h per AZ; KMS key 1/month; secret 0.40/month.
DEFAULT_STACK_US_EAST_1_FIXED = (
    Decimal("0.10") * 730  # EKS cluster: 73.00
    + 2 * Decimal("0.0816") * 730  # two m7g.large nodes: 119.136
    + 2 * 50 * Decimal("0.08")  # two 50 GiB gp3 root volumes: 8.00
    + Decimal("0.065") * 730  # db.t4g.medium Single-AZ: 47.45
    + 20 * Decimal("0.115")  # 20 GiB gp3 Single-AZ: 2.30
    + 3 * Decimal("0.0456") * 730  # three kafka.t3.small brokers: 99.864
    + 3 * 50 * Decimal("0.10")  # three 50 GiB broker volumes: 15.00
    + Decimal("0.045") * 730  # one NAT gateway (natStrategy single): 32.85
    + Decimal("0.005") * 730  # its Elastic IP: 3.65
    + 6 * 3 * Decimal("0.01") * 730  # six interface endpoints in three AZs: 131.40
    + 1  # the stack's KMS key
    + 3 * Decimal("0.40")  # two vault secrets and the RabbitMQ credentials secret: 1.20
)  # = 534.85; Amazon MQ has no sourced rate and is listed as not priced

# eu-west-1 rates, each from its cited source (see eu-west-1.yaml): EKS 0.10/h; m7g.large 0.091/h; EBS gp3
# 0.088/GB-month; RDS gp3 Single-AZ 0.127/GB-month; NAT 0.048/h; public IPv4 0.005/h; interface endpoint
# 0.011/h per AZ; KMS key 1/month. The RDS Single-AZ instance, MSK, Amazon MQ and secrets have no sourced
# eu-west-1 rate and are listed as not priced. Running around the clock (730 h):
DEFAULT_STACK_EU_WEST_1_FIXED = (
    Decimal("0.10") * 730  # EKS cluster: 73.00
    + 2 * Decimal("0.091") * 730  # two m7g.large nodes: 132.86
    + 2 * 50 * Decimal("0.088")  # two 50 GiB gp3 root volumes: 8.80
    + 20 * Decimal("0.127")  # 20 GiB gp3 Single-AZ database storage: 2.54
    + Decimal("0.048") * 730  # one NAT gateway: 35.04
    + Decimal("0.005") * 730  # its Elastic IP: 3.65
    + 6 * 3 * Decimal("0.011") * 730  # six interface endpoints in three AZs: 144.54
    + 1  # the stack's KMS key
)  # = 401.43


def within_15_percent(estimated: Decimal, by_hand: Decimal) -> bool:
    return abs(estimated - by_hand) <= by_hand * Decimal("0.15")


def test_default_stack_in_us_east_1_is_within_15_percent_of_the_hand_computed_figure():
    result = estimate(stack_settings(region="us-east-1"))
    assert within_15_percent(result.total("fixed"), DEFAULT_STACK_US_EAST_1_FIXED)
    assert result.total("fixed") == Decimal("534.85")
    assert result.total("usage") == 0  # no usage file: usage lines are shown at zero
    assert {n.resource for n in result.not_priced} == {
        "broker-tasks-broker",
        "token-broker-api",
        "edge-proxy",
    }


def test_default_stack_in_its_own_region_prices_what_has_a_source_and_lists_the_rest():
    result = estimate(stack_settings())
    assert result.region == "eu-west-1"
    assert within_15_percent(result.total("fixed"), DEFAULT_STACK_EU_WEST_1_FIXED)
    assert result.total("fixed") == DEFAULT_STACK_EU_WEST_1_FIXED
    unpriced = {(n.resource, n.name.split(" (")[0]) for n in result.not_priced}
    assert {
        ("db-orders-instance", "instance hours"),
        ("broker-events-cluster", "broker hours"),
        ("broker-tasks-broker", "broker hours"),
    } <= unpriced
    assert not {("cluster-nodes", "instance hours"), ("network-sts-endpoint", "endpoint hours")} & unpriced
    assert all(n.why for n in result.not_priced)


def delta(before, after) -> Decimal:
    return after.total() - before.total()


US = "us-east-1"


def test_multi_az_moves_the_database_by_the_instance_and_storage_rate_differences():
    base = stack_settings(region=US)
    multi = edited(base, "databases", lambda dbs: [{**dbs[0], "multiAz": True}])
    expected = (Decimal("0.129") - Decimal("0.065")) * 730 + 20 * (
        Decimal("0.23") - Decimal("0.115")
    )  # 46.72 + 2.30
    assert delta(estimate(base), estimate(multi)) == expected.quantize(Decimal("0.01"))


def test_storage_size_moves_the_estimate_by_the_gb_month_rate():
    base = stack_settings(region=US)
    bigger = edited(
        base, "databases", lambda dbs: [{**dbs[0], "allocatedStorageGib": 120, "maxAllocatedStorageGib": 200}]
    )
    assert delta(estimate(base), estimate(bigger)) == 100 * Decimal("0.115")


def test_broker_count_moves_the_estimate_by_broker_hours_and_broker_storage():
    base = stack_settings(region=US)
    six = edited(base, "brokers", lambda bs: [{**bs[0], "brokerCount": 6}, bs[1]])
    expected = 3 * Decimal("0.0456") * 730 + 3 * 50 * Decimal("0.10")  # 99.864 + 15.00
    assert abs(delta(estimate(base), estimate(six)) - expected) <= Decimal("0.01")


def test_nat_per_az_adds_a_gateway_and_its_address_in_every_other_az():
    base = stack_settings(region=US)
    per_az = edited(base, "network", lambda n: {**n, "natStrategy": "perAz"})
    expected = 2 * (Decimal("0.045") + Decimal("0.005")) * 730  # two more NAT gateways and Elastic IPs: 73.00
    assert delta(estimate(base), estimate(per_az)) == expected


def test_az_count_moves_every_interface_endpoint_by_its_hourly_rate():
    minimal = stack_settings(EXAMPLES / "Pulumi.minimal.yaml", US)
    two_azs = edited(minimal, "network", lambda n: {**n, "azCount": 2})
    expected = 6 * Decimal("0.01") * 730  # six interface endpoints, one more AZ each: 43.80
    assert delta(estimate(minimal), estimate(two_azs)) == expected


def test_instance_type_of_the_nodes_moves_the_estimate_by_the_rate_difference():
    base = stack_settings(region=US)
    xlarge = edited(
        base, "cluster", lambda c: {**c, "nodeGroup": {**c["nodeGroup"], "instanceTypes": ["m7g.xlarge"]}}
    )
    expected = 2 * (Decimal("0.1632") - Decimal("0.0816")) * 730  # 119.136
    assert abs(delta(estimate(base), estimate(xlarge)) - expected) <= Decimal("0.01")


def test_serverless_kafka_is_priced_per_cluster_hour_and_partitions_by_the_usage_file():
    path = EXAMPLES / "Pulumi.kafka-serverless.yaml"
    settings = stack_settings(path, US)
    plain = estimate(settings)
    cluster = next(c for c in plain.components if c.type.endswith("ServerlessCluster") and c.basis == "fixed")
    assert cluster.monthly == Decimal("0.75") * 730
    name = cluster.resource
    with_partitions = estimate(settings, usage={name: {"partitions": 12}})
    assert delta(plain, with_partitions) == 12 * Decimal("0.0015") * 730  # 13.14


def test_aurora_serverless_minimum_capacity_is_a_fixed_floor_per_instance():
    path = EXAMPLES / "Pulumi.aurora-serverless.yaml"
    paused = stack_settings(path, US)
    floor = edited(
        paused, "databases", lambda dbs: [{**dbs[0], "serverless": {"minCapacity": 0.5, "maxCapacity": 8}}]
    )
    expected = 2 * Decimal("0.5") * Decimal("0.12") * 730  # two instances at 0.5 ACU: 87.60
    assert delta(estimate(paused), estimate(floor)) == expected


def test_usage_prices_nat_data_from_the_usage_file():
    base = stack_settings(region=US)
    plain = estimate(base)
    used = estimate(base, usage={"network-nat-0": {"dataProcessedGb": 100}})
    assert used.total("usage") - plain.total("usage") == 100 * Decimal("0.045")


def test_per_day_is_the_month_over_730_by_24_hours():
    result = estimate(stack_settings(region=US))
    assert result.per_day() == (Decimal("534.85") * 24 / 730).quantize(Decimal("0.01"))
    assert AS_OF.year == 2026
