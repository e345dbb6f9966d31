"""Pricing rules: one function per priced resource type, turning a recorded resource into cost lines.

Each rule reads the resource's recorded inputs (Pulumi wire names, e.g. ``instanceClass``) and returns
``Component``s (priced), ``NotPriced`` lines (a charge whose rate the table lacks) or a ``Free`` marker.
Rate keys name the table entries: ``ec2.instance.<type>``, ``rds.<engine>.<class>.<single-az|multi-az>``,
``msk.broker.<type>``, ``mq.<engine>.<type>``, ... A month is ``HOURS_PER_MONTH`` (730) hours.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from blueprint.cost.estimate import Basis, Component, Context, Free, NotPriced
from blueprint.cost.table import HOURS_PER_MONTH, PriceTableError
from blueprint.engine.graph import ResourceRecord, dig
from stack_config.kubernetes_versions import KUBERNETES_VERSIONS

Line = Component | NotPriced | Free
Rule = Callable[[ResourceRecord, Context], list[Line]]

#: The unit each rate-key family must be priced in; a table entry in another unit is an error.
UNITS = {
    "hour": (
        "eks.",
        "ec2.instance.",
        "rds.postgres.",
        "rds.mysql.",
        "aurora.postgresql.",
        "msk.broker.",
        "msk.serverless.cluster",
        "mq.",
        "nat.hour",
        "vpce.interface.hour",
        "ipv4.",
    ),
    "GB-month": ("ebs.", "rds.gp3.", "rds.gp2.", "msk.storage", "logs.storage", "aurora.storage"),
    "GB": ("nat.gb", "vpce.interface.gb", "logs.ingest"),
    "month": ("kms.key", "secretsmanager.secret"),
    "request": ("lambda.request", "apigw.http.request"),
    "ACU-hour": ("aurora.serverless-v2.acu",),
    "partition-hour": ("msk.serverless.partition",),
}


def _unit(key: str) -> str:
    for unit, prefixes in UNITS.items():
        if any(key.startswith(p) for p in prefixes):
            return unit
    raise PriceTableError(f"rate key {key} has no expected unit in blueprint.cost.rules.UNITS")


def _num(value: object, default: Decimal = Decimal(0)) -> Decimal:
    if value is None or isinstance(value, bool):
        return default
    number = Decimal(str(value))
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number


def line(
    rec: ResourceRecord,
    ctx: Context,
    name: str,
    key: str,
    quantity: Decimal,
    *,
    basis: Basis = "fixed",
    unscheduled: Decimal | None = None,
) -> Line:
    """A component for ``quantity`` units of rate ``key``, or a NotPriced line when the table lacks it.

    ``unscheduled`` (the quantity running all month) marks the component as scheduled capacity.

    Raises:
        PriceTableError: the table's rate for ``key`` is in another unit than the rule's.
    """
    rate = ctx.table.rate(key)
    if rate is None:
        return NotPriced(rec.urn, rec.name, rec.type, name, ctx.table.why_missing(key))
    if rate.unit != _unit(key):
        raise PriceTableError(f"{ctx.table.region}: {key} is per {rate.unit}, expected per {_unit(key)}")
    return Component(
        rec.urn, rec.name, rec.type, name, quantity, rate, basis, unscheduled is not None, unscheduled
    )


def usage(rec: ResourceRecord, ctx: Context, key: str) -> Decimal:
    """The usage file's ``key`` for this resource (by logical name), zero when absent."""
    return _num(ctx.usage.get(rec.name, {}).get(key))


def _hours(count: Decimal) -> Decimal:
    return count * HOURS_PER_MONTH


def _eks_cluster(rec: ResourceRecord, ctx: Context) -> list[Line]:
    lines = [line(rec, ctx, "cluster hours", "eks.cluster.standard", _hours(Decimal(1)))]
    if dig(rec.inputs, "upgradePolicy", "supportType") != "EXTENDED":
        return lines  # STANDARD: EKS upgrades the cluster instead of billing extended support
    version = KUBERNETES_VERSIONS.get(str(rec.inputs.get("version")))
    if version is None:
        why = f"Kubernetes {rec.inputs.get('version')} is not in stack_config/kubernetes_versions.py"
        return [*lines, NotPriced(rec.urn, rec.name, rec.type, "extended-support surcharge", why)]
    if ctx.as_of > version.end_of_standard_support:
        lines.append(line(rec, ctx, "extended-support hours", "eks.cluster.extended", _hours(Decimal(1))))
    return lines


def _node_group(rec: ResourceRecord, ctx: Context) -> list[Line]:
    nodes = _num(dig(rec.inputs, "scalingConfig", "desiredSize"))
    instance = (rec.inputs.get("instanceTypes") or ["t3.medium"])[0]
    if rec.inputs.get("capacityType") == "SPOT":
        why = "Spot prices change continuously; the table holds on-demand rates only"
        return [NotPriced(rec.urn, rec.name, rec.type, f"instance hours ({instance}, Spot)", why)]
    disk = _num(rec.inputs.get("diskSize"), Decimal(20))
    running = nodes * ctx.running_hours
    return [
        line(
            rec,
            ctx,
            f"instance hours ({nodes} x {instance})",
            f"ec2.instance.{instance}",
            running,
            unscheduled=_hours(nodes),
        ),
        line(
            rec,
            ctx,
            f"root volumes ({nodes} x {disk} GiB gp3)",
            "ebs.gp3",
            nodes * disk * ctx.running_hours / HOURS_PER_MONTH,
            unscheduled=nodes * disk,
        ),
    ]


def _rds_instance(rec: ResourceRecord, ctx: Context) -> list[Line]:
    az = "multi-az" if rec.inputs.get("multiAz") else "single-az"
    engine, klass = rec.inputs.get("engine", "postgres"), rec.inputs.get("instanceClass")
    storage_type = rec.inputs.get("storageType", "gp2")
    gib = _num(rec.inputs.get("allocatedStorage"))
    return [
        line(
            rec,
            ctx,
            f"instance hours ({klass}, {az})",
            f"rds.{engine}.{klass}.{az}",
            ctx.running_hours,
            unscheduled=HOURS_PER_MONTH,
        ),
        line(rec, ctx, f"storage ({gib} GiB {storage_type}, {az})", f"rds.{storage_type}.{az}", gib),
    ]


def _aurora_cluster(rec: ResourceRecord, ctx: Context) -> list[Line]:
    return [
        line(
            rec,
            ctx,
            "cluster storage (GB-months)",
            "aurora.storage",
            usage(rec, ctx, "storageGb"),
            basis="usage",
        )
    ]


def _aurora_instance(rec: ResourceRecord, ctx: Context) -> list[Line]:
    klass = rec.inputs.get("instanceClass")
    if klass != "db.serverless":
        return [
            line(
                rec,
                ctx,
                f"instance hours ({klass})",
                f"aurora.postgresql.{klass}",
                ctx.running_hours,
                unscheduled=HOURS_PER_MONTH,
            )
        ]
    cluster_id = rec.inputs.get("clusterIdentifier")
    cluster = next(
        (
            c
            for c in ctx.graph.of_type("aws:rds/cluster:Cluster")
            if c.inputs.get("clusterIdentifier") == cluster_id
        ),
        None,
    )
    floor = _num(dig(cluster.inputs if cluster else {}, "serverlessv2ScalingConfiguration", "minCapacity"))
    return [
        line(
            rec,
            ctx,
            f"minimum capacity ({floor} ACU)",
            "aurora.serverless-v2.acu",
            floor * ctx.running_hours,
            unscheduled=_hours(floor),
        ),
        line(
            rec,
            ctx,
            "ACU hours above the minimum",
            "aurora.serverless-v2.acu",
            usage(rec, ctx, "acuHours"),
            basis="usage",
        ),
    ]


def _msk_cluster(rec: ResourceRecord, ctx: Context) -> list[Line]:
    brokers = _num(rec.inputs.get("numberOfBrokerNodes"))
    kind = dig(rec.inputs, "brokerNodeGroupInfo", "instanceType")
    gib = _num(dig(rec.inputs, "brokerNodeGroupInfo", "storageInfo", "ebsStorageInfo", "volumeSize"))
    return [
        line(rec, ctx, f"broker hours ({brokers} x {kind})", f"msk.broker.{kind}", _hours(brokers)),
        line(rec, ctx, f"broker storage ({brokers} x {gib} GiB)", "msk.storage", brokers * gib),
    ]


def _msk_serverless(rec: ResourceRecord, ctx: Context) -> list[Line]:
    partitions = usage(rec, ctx, "partitions")
    return [
        line(rec, ctx, "cluster hours", "msk.serverless.cluster", _hours(Decimal(1))),
        line(
            rec,
            ctx,
            f"partition hours ({partitions} partitions)",
            "msk.serverless.partition",
            _hours(partitions),
            basis="usage",
        ),
    ]


def _mq_broker(rec: ResourceRecord, ctx: Context) -> list[Line]:
    nodes = Decimal(3) if rec.inputs.get("deploymentMode") == "CLUSTER_MULTI_AZ" else Decimal(1)
    engine, kind = str(rec.inputs.get("engineType", "")).lower(), rec.inputs.get("hostInstanceType")
    return [line(rec, ctx, f"broker hours ({nodes} x {kind})", f"mq.{engine}.{kind}", _hours(nodes))]


def _nat(rec: ResourceRecord, ctx: Context) -> list[Line]:
    return [
        line(rec, ctx, "NAT gateway hours", "nat.hour", _hours(Decimal(1))),
        line(rec, ctx, "data processed (GB)", "nat.gb", usage(rec, ctx, "dataProcessedGb"), basis="usage"),
    ]


def _eip(rec: ResourceRecord, ctx: Context) -> list[Line]:
    return [line(rec, ctx, "public IPv4 address hours", "ipv4.in-use", _hours(Decimal(1)))]


def _endpoint(rec: ResourceRecord, ctx: Context) -> list[Line]:
    if rec.inputs.get("vpcEndpointType") != "Interface":
        return [
            Free(str(rec.inputs.get("vpcEndpointType")), "gateway endpoints have no hourly or data charge")
        ]
    azs = Decimal(len(rec.inputs.get("subnetIds") or []))
    service = str(rec.inputs.get("serviceName", "")).rsplit(".", 1)[-1]
    return [
        line(rec, ctx, f"endpoint hours ({service}, {azs} AZ)", "vpce.interface.hour", _hours(azs)),
        line(
            rec,
            ctx,
            "data processed (GB)",
            "vpce.interface.gb",
            usage(rec, ctx, "dataProcessedGb"),
            basis="usage",
        ),
    ]


def _log_group(rec: ResourceRecord, ctx: Context) -> list[Line]:
    return [
        line(rec, ctx, "ingestion (GB)", "logs.ingest", usage(rec, ctx, "ingestedGb"), basis="usage"),
        line(rec, ctx, "storage (GB-months)", "logs.storage", usage(rec, ctx, "storedGb"), basis="usage"),
    ]


def _monthly(name: str, key: str) -> Rule:
    return lambda rec, ctx: [line(rec, ctx, name, key, Decimal(1))]


def _requests(key: str) -> Rule:
    return lambda rec, ctx: [line(rec, ctx, "requests", key, usage(rec, ctx, "requests"), basis="usage")]


#: priced type token -> its rule. ``tests/cost`` checks this matches the classification's priced types.
RULES: dict[str, Rule] = {
    "aws:apigatewayv2/api:Api": _requests("apigw.http.request"),
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:ec2/eip:Eip": _eip,
    "aws:ec2/natGateway:NatGateway": _nat,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _endpoint,
    "aws:eks/cluster:Cluster": _eks_cluster,
    "aws:eks/nodeGroup:NodeGroup": _node_group,
    "aws:kms/key:Key": _monthly("key months", "kms.key"),
    "aws:lambda/function:Function": _requests("lambda.request"),
    "aws:mq/broker:Broker": _mq_broker,
    "aws:msk/cluster:Cluster": _msk_cluster,
    "aws:msk/serverlessCluster:ServerlessCluster": _msk_serverless,
    "aws:rds/cluster:Cluster": _aurora_cluster,
    "aws:rds/clusterInstance:ClusterInstance": _aurora_instance,
    "aws:rds/instance:Instance": _rds_instance,
    "aws:secretsmanager/secret:Secret": _monthly("secret months", "secretsmanager.secret"),
}
