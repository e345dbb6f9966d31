"""Message broker checks (data stores): Kafka on MSK is private, IAM-only, TLS everywhere and encrypted
with the stack's key, and hands out SASL/IAM bootstrap brokers only; RabbitMQ on Amazon MQ is private.

MSK, read with DescribeClusterV2 (provisioned and Serverless):
- private: ``BrokerNodeGroupInfo.ConnectivityInfo.PublicAccess.Type`` is ``DISABLED`` (Serverless
  clusters are reachable from their VPC configs only);
- IAM-only: ``Sasl.Iam.Enabled`` true and ``Unauthenticated.Enabled`` false, both required (MSK enables
  unauthenticated access when a cluster is created without client authentication, so an absent value
  proves nothing); SCRAM and mutual TLS, when reported, must be off (absent means never configured);
- TLS: ``EncryptionInTransit.ClientBroker`` ``TLS`` and ``InCluster`` true;
- key: ``EncryptionAtRest.DataVolumeKMSKeyId`` is the stack's CMK (MSK Serverless offers no customer
  key: not applicable);
- bootstrap brokers (GetBootstrapBrokers): only the SASL/IAM strings, no plaintext, TLS-only or SCRAM ones.

Amazon MQ (DescribeBroker): ``PubliclyAccessible`` false and no subnet of the public tier.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from blueprint.verify.registry import Check, Context, Subject, one
from blueprint.verify.results import NOT_APPLICABLE, NOT_CONFIGURED, SkipError, Verdict, require

AREA = "data stores"
#: Bootstrap broker strings that admit clients other than SASL/IAM ones (GetBootstrapBrokers response).
NON_IAM_BOOTSTRAP = (
    "BootstrapBrokerString",
    "BootstrapBrokerStringTls",
    "BootstrapBrokerStringSaslScram",
    "BootstrapBrokerStringPublicTls",
    "BootstrapBrokerStringPublicSaslScram",
    "BootstrapBrokerStringPublicSaslIam",
)


def _cluster(ctx: Context, arn: str) -> dict[str, Any]:
    return dict(
        ctx.cached(
            f"kafka/{arn}", lambda: ctx.aws("kafka").describe_cluster_v2(ClusterArn=arn)["ClusterInfo"]
        )
    )


def _kind(info: dict[str, Any], arn: str) -> tuple[str, dict[str, Any]]:
    """(``Provisioned`` or ``Serverless``, that part of the cluster info)."""
    for kind in ("Provisioned", "Serverless"):
        if isinstance(info.get(kind), dict):
            return kind, info[kind]
    raise SkipError(NOT_APPLICABLE, f"MSK cluster {arn} is neither provisioned nor Serverless")


def _private(ctx: Context, arn: str) -> Verdict:
    kind, part = _kind(_cluster(ctx, arn), arn)
    if kind == "Serverless":
        return Verdict([], ["MSK Serverless: reachable only through its VPC configurations"])
    access = require(part, "BrokerNodeGroupInfo.ConnectivityInfo.PublicAccess.Type", f"MSK cluster {arn}")
    fact = f"public access {access}"
    return Verdict([] if access == "DISABLED" else [fact], [fact])


def _iam_only(ctx: Context, arn: str) -> Verdict:
    kind, part = _kind(_cluster(ctx, arn), arn)
    where = f"MSK cluster {arn}"
    auth = require(part, "ClientAuthentication", where)
    iam = require(auth, "Sasl.Iam.Enabled", where)
    problems = [] if iam is True else [f"SASL/IAM Enabled={iam}"]
    if kind == "Provisioned":
        unauthenticated = require(auth, "Unauthenticated.Enabled", where)
        if unauthenticated is not False:
            problems.append(f"unauthenticated access Enabled={unauthenticated}")
        for label, path in (("SASL/SCRAM", "Sasl"), ("mutual TLS", "Tls")):
            section = auth.get(path) or {}
            enabled = (
                (section.get("Scram") or {}).get("Enabled") if path == "Sasl" else section.get("Enabled")
            )
            if enabled:
                problems.append(f"{label} Enabled={enabled}")
    others = "unauthenticated, SCRAM and mutual TLS off" if kind == "Provisioned" else "built in"
    return Verdict(problems, [f"{kind}: SASL/IAM only ({others})"])


def _tls(ctx: Context, arn: str) -> Verdict:
    kind, part = _kind(_cluster(ctx, arn), arn)
    if kind == "Serverless":
        return Verdict([], ["MSK Serverless: TLS is built in and cannot be turned off"])
    where = f"MSK cluster {arn}"
    client = require(part, "EncryptionInfo.EncryptionInTransit.ClientBroker", where)
    in_cluster = require(part, "EncryptionInfo.EncryptionInTransit.InCluster", where)
    fact = f"client-broker {client}, in-cluster {in_cluster}"
    return Verdict([] if client == "TLS" and in_cluster is True else [fact], [fact])


def _encrypted(ctx: Context, arn: str) -> Verdict:
    kind, part = _kind(_cluster(ctx, arn), arn)
    if kind == "Serverless":
        raise SkipError(
            NOT_APPLICABLE, "MSK Serverless encrypts at rest with an AWS-managed key (no CMK option)"
        )
    key = require(part, "EncryptionInfo.EncryptionAtRest.DataVolumeKMSKeyId", f"MSK cluster {arn}")
    fact = f"at rest with {key}"
    return Verdict([] if ctx.is_stack_key(key) else [f"{fact}, not the stack's key"], [fact])


def _bootstrap(ctx: Context, arn: str) -> Verdict:
    answer = ctx.aws("kafka").get_bootstrap_brokers(ClusterArn=arn)
    offered = [key for key in NON_IAM_BOOTSTRAP if answer.get(key)]
    iam = answer.get("BootstrapBrokerStringSaslIam")
    problems = [f"{key} offered" for key in offered] + ([] if iam else ["no SASL/IAM bootstrap brokers"])
    return Verdict(problems, ["bootstrap brokers: SASL/IAM only"])


def _rabbitmq(ctx: Context, arn: str) -> Verdict:
    broker_id = arn.rsplit(":", 1)[-1]  # arn:<partition>:mq:<region>:<account>:broker:<name>:<id>
    broker = ctx.aws("mq").describe_broker(BrokerId=broker_id)
    where = f"Amazon MQ broker {broker_id}"
    public = require(broker, "PubliclyAccessible", where)
    problems = [] if public is False else [f"PubliclyAccessible={public}"]
    subnets = set(require(broker, "SubnetIds", where))
    in_public = sorted(subnets & set(ctx.outputs.subnet_ids.public))
    if in_public:
        problems.append(f"in public subnets {in_public}")
    return Verdict(problems, [f"PubliclyAccessible={public}, subnets {sorted(subnets)}"])


def _subjects(
    engine: str, evaluate: Callable[[Context, str], Verdict]
) -> Callable[[Context], Iterator[Subject]]:
    def subjects(ctx: Context) -> Iterator[Subject]:
        found = {name: b for name, b in ctx.outputs.brokers.items() if b.engine == engine}
        if not found:
            raise SkipError(NOT_CONFIGURED, f"the stack exports no {engine} broker")
        for name, broker in sorted(found.items()):
            yield one(f"{engine} {name}", evaluate, ctx, broker.arn)

    return subjects


def _kafka(check_id: str, title: str, evaluate: Callable[[Context, str], Verdict], *actions: str) -> Check:
    return Check(check_id, AREA, title, ("kafka:DescribeClusterV2", *actions), _subjects("kafka", evaluate))


CHECKS = (
    _kafka("kafka.private", "Kafka brokers are not publicly accessible", _private),
    _kafka("kafka.iam-only", "Kafka clients authenticate with SASL/IAM only", _iam_only),
    _kafka("kafka.tls", "Kafka traffic is TLS, client-broker and in-cluster", _tls),
    _kafka(
        "kafka.encrypted",
        "Kafka data at rest is encrypted with the stack's KMS key",
        _encrypted,
        "kms:DescribeKey",
    ),
    Check(
        "kafka.bootstrap-brokers",
        AREA,
        "Kafka hands out SASL/IAM bootstrap brokers only",
        ("kafka:GetBootstrapBrokers",),
        _subjects("kafka", _bootstrap),
    ),
    Check(
        "rabbitmq.private",
        AREA,
        "RabbitMQ brokers are not publicly accessible and not in public subnets",
        ("mq:DescribeBroker",),
        _subjects("rabbitmq", _rabbitmq),
    ),
)
