"""KafkaCluster (MSK provisioned and Serverless) and RabbitMqBroker (Amazon MQ), as the engine sees them."""

from __future__ import annotations

import json

import pulumi
import pytest

from blueprint.engine.graph import is_secret, unwrap
from components.kafka import KafkaCluster, KafkaClusterArgs, replication_settings, server_properties
from components.rabbitmq import RabbitMqBroker, RabbitMqBrokerArgs
from components.security_groups import Client, subnet_clients
from tests.support import KEY_ARN, TAGS, inputs, one, record, taggable_types, untagged

MSK = "aws:msk/cluster:Cluster"
MSK_SERVERLESS = "aws:msk/serverlessCluster:ServerlessCluster"
MQ = "aws:mq/broker:Broker"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG = "aws:ec2/securityGroup:SecurityGroup"
PRIVATE = ["subnet-priv-a", "subnet-priv-b", "subnet-priv-c"]
PRIVATE_CIDRS = ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"]
APP_SG = "sg-0123456789abcdef0"


PLACEMENT = {
    "broker_name": "test-events",
    "vpc_id": "vpc-0a1b2c3d",
    "kms_key_arn": KEY_ARN,
    "clients": [*subnet_clients("private", PRIVATE_CIDRS), Client("app", security_group_id=APP_SG)],
    "tags": TAGS,
    "log_retention_days": 14,
}


def broker(name, subnets, kafka=None, rabbitmq=None, **placement):
    """A KafkaCluster for ``kafka`` settings, else a RabbitMqBroker for ``rabbitmq`` settings."""
    common = {**PLACEMENT, "subnet_ids": subnets, **placement}
    if kafka is not None:
        return KafkaCluster(name, KafkaClusterArgs(**common, **kafka))
    return RabbitMqBroker(name, RabbitMqBrokerArgs(**common, **rabbitmq))


def build(subnets=PRIVATE, **engine):
    def program():
        component = broker("events", subnets, **engine)
        pulumi.export("endpoint", component.endpoint)
        pulumi.export("port", component.port)
        pulumi.export("secret", getattr(component, "credentials_secret_arn", None))
        pulumi.export("sg", component.security_group_id)

    return record(program)


def ingress_pairs(graph):
    rules = [inputs(r) for r in graph.of_type(INGRESS)]
    group = one(graph, SG)
    assert all(r["securityGroupId"] == group.id and r["ipProtocol"] == "tcp" for r in rules)
    assert all(r["fromPort"] == r["toPort"] for r in rules)
    assert all(r.get("cidrIpv4") != "0.0.0.0/0" and "cidrIpv6" not in r for r in rules)
    assert not inputs(group).get("ingress") and not inputs(group).get("egress")
    return {(r["fromPort"], r.get("cidrIpv4") or r.get("referencedSecurityGroupId")) for r in rules}


def named_sources(port):
    return {(port, source) for source in [*PRIVATE_CIDRS, APP_SG]}


def test_msk_provisioned_allows_only_sasl_iam_over_tls_with_the_cmk_at_rest():
    graph = build(kafka=dict(kafka_version="3.9.x", broker_count=3, instance_type="kafka.t3.small"))
    cluster = one(graph, MSK)
    msk = inputs(cluster)
    assert (msk["clusterName"], msk["kafkaVersion"], msk["numberOfBrokerNodes"]) == (
        "test-events",
        "3.9.x",
        3,
    )
    assert msk["clientAuthentication"] == {"sasl": {"iam": True, "scram": False}, "unauthenticated": False}
    assert "tls" not in msk["clientAuthentication"]
    assert msk["encryptionInfo"] == {
        "encryptionAtRestKmsKeyArn": KEY_ARN,
        "encryptionInTransit": {"clientBroker": "TLS", "inCluster": True},
    }
    nodes = msk["brokerNodeGroupInfo"]
    assert nodes["clientSubnets"] == PRIVATE
    assert nodes["securityGroups"] == [one(graph, SG).id]
    assert nodes["connectivityInfo"]["publicAccess"]["type"] == "DISABLED"
    assert nodes["instanceType"] == "kafka.t3.small"
    assert nodes["storageInfo"]["ebsStorageInfo"]["volumeSize"] == 100
    assert msk["tags"]["tier"] == "isolated"
    assert cluster.options["protect"] is True
    assert graph.outputs["endpoint"] == cluster.outputs["bootstrapBrokersSaslIam"]
    assert graph.outputs["port"] == 9098 and "secret" not in graph.outputs  # no credentials: IAM only


def test_msk_broker_logs_go_to_an_encrypted_log_group_with_retention():
    graph = build(kafka=dict(kafka_version="3.8.x"))
    group = one(graph, "aws:cloudwatch/logGroup:LogGroup")
    logs = inputs(one(graph, MSK))["loggingInfo"]["brokerLogs"]["cloudwatchLogs"]
    assert logs == {"enabled": True, "logGroup": group.outputs["name"]}
    assert inputs(group)["kmsKeyId"] == KEY_ARN and inputs(group)["retentionInDays"] == 14


def test_msk_configuration_disables_topic_auto_creation_and_fits_replication_to_the_brokers():
    graph = build(kafka=dict(kafka_version="3.8.x", broker_count=6))
    configuration = one(graph, "aws:msk/configuration:Configuration")
    properties = dict(line.split("=", 1) for line in inputs(configuration)["serverProperties"].splitlines())
    assert properties["auto.create.topics.enable"] == "false"
    assert properties["unclean.leader.election.enable"] == "false"
    assert (properties["default.replication.factor"], properties["min.insync.replicas"]) == ("3", "2")
    info = inputs(one(graph, MSK))["configurationInfo"]
    assert info == {"arn": configuration.outputs["arn"], "revision": configuration.outputs["latestRevision"]}


@pytest.mark.parametrize(("brokers", "factor", "min_isr"), [(1, 1, 1), (2, 2, 1), (3, 3, 2), (9, 3, 2)])
def test_replication_never_exceeds_the_broker_count(brokers, factor, min_isr):
    settings = replication_settings(brokers)
    assert (
        settings["default.replication.factor"] == settings["offsets.topic.replication.factor"] == str(factor)
    )
    assert settings["min.insync.replicas"] == settings["transaction.state.log.min.isr"] == str(min_isr)
    assert server_properties(brokers).endswith("\n")


def test_msk_security_group_admits_the_named_clients_on_9098_only():
    assert ingress_pairs(build(kafka=dict(kafka_version="3.8.x"))) == named_sources(9098)


def test_msk_serverless_uses_iam_in_the_private_subnets():
    graph = build(subnets=PRIVATE[:2], kafka=dict(serverless=True))
    cluster = one(graph, MSK_SERVERLESS)
    msk = inputs(cluster)
    assert msk["clientAuthentication"] == {"sasl": {"iam": {"enabled": True}}}
    assert msk["vpcConfigs"] == [{"subnetIds": PRIVATE[:2], "securityGroupIds": [one(graph, SG).id]}]
    assert cluster.options["protect"] is True
    assert graph.of_type(MSK) == [] and graph.of_type("aws:msk/configuration:Configuration") == []
    assert ingress_pairs(graph) == named_sources(9098)
    assert graph.outputs["endpoint"] == cluster.outputs["bootstrapBrokersSaslIam"]


def test_rabbitmq_is_private_logged_pinned_and_has_generated_credentials():
    graph = build(subnets=PRIVATE[:1], rabbitmq=dict(engine_version="3.13", instance_type="mq.t3.micro"))
    broker = one(graph, MQ)
    mq = broker.inputs  # wire format: secrets still wrapped
    assert (mq["engineType"], mq["engineVersion"], mq["brokerName"]) == ("RabbitMQ", "3.13", "test-events")
    assert mq["publiclyAccessible"] is False
    assert mq["deploymentMode"] == "SINGLE_INSTANCE" and mq["subnetIds"] == PRIVATE[:1]
    assert mq["hostInstanceType"] == "mq.t3.micro"
    assert mq["securityGroups"] == [one(graph, SG).id]
    assert mq["logs"] == {"general": True}
    assert mq["autoMinorVersionUpgrade"] is True
    assert mq["authenticationStrategy"] == "simple"
    assert "encryptionOptions" not in mq  # Amazon MQ rejects it for RabbitMQ (see components/rabbitmq.py)
    [user] = mq["users"]
    assert is_secret(user["password"])
    password = inputs(broker)["users"][0]["password"]
    assert len(password) >= 12 and not set(",:=") & set(password)
    assert broker.options["protect"] is True and broker.options["ignoreChanges"] == ["users"]


def test_rabbitmq_credentials_are_generated_once_and_kept_in_a_cmk_encrypted_secret():
    # The password is a RandomPassword resource (kept in state, encrypted), not an invoke re-run on every
    # `pulumi up`: a broker created on a retry gets the password the secret holds.
    graph = build(subnets=PRIVATE[:1], rabbitmq=dict(engine_version="4.2"))
    generated = one(graph, "random:index/randomPassword:RandomPassword")
    assert (inputs(generated)["length"], inputs(generated)["special"]) == (32, False)
    assert is_secret(generated.outputs["result"])
    secret = one(graph, "aws:secretsmanager/secret:Secret")
    version = one(graph, "aws:secretsmanager/secretVersion:SecretVersion")
    assert inputs(secret)["kmsKeyId"] == KEY_ARN
    assert inputs(secret)["namePrefix"].startswith("test-events/")
    assert version.inputs["secretId"] == secret.id
    assert is_secret(version.inputs["secretString"])
    assert "secretStringWo" not in version.inputs
    stored = json.loads(inputs(version)["secretString"])
    user = inputs(one(graph, MQ))["users"][0]
    assert stored == {"username": user["username"], "password": user["password"]}
    assert user["password"] == unwrap(generated.outputs["result"])
    assert graph.outputs["secret"] == secret.outputs["arn"]


def test_rabbitmq_cluster_spans_the_given_subnets():
    graph = build(rabbitmq=dict(engine_version="4.2", instance_type="mq.m7g.large", cluster=True))
    mq = inputs(one(graph, MQ))
    assert mq["deploymentMode"] == "CLUSTER_MULTI_AZ" and mq["subnetIds"] == PRIVATE


@pytest.mark.parametrize(("open_management", "ports"), [(False, {5671}), (True, {5671, 443})])
def test_rabbitmq_security_group_admits_the_named_clients_on_amqps_and_optionally_management(
    open_management, ports
):
    settings = dict(engine_version="4.2", open_management_port=open_management)
    graph = build(subnets=PRIVATE[:1], rabbitmq=settings)
    assert ingress_pairs(graph) == set().union(*(named_sources(p) for p in ports))


def test_deletion_protection_off_unprotects_the_store():
    graph = build(kafka=dict(kafka_version="3.8.x"))
    unprotected = record(
        lambda: broker("x", PRIVATE, kafka=dict(kafka_version="3.8.x"), clients=[], deletion_protection=False)
    )
    assert one(graph, MSK).options["protect"] is True
    assert one(unprotected, MSK).options["protect"] is False


@pytest.mark.parametrize(
    ("subnets", "engine", "message"),
    [
        (PRIVATE[:1], {"kafka": dict(kafka_version="3.8.x")}, "MSK needs 2 or 3 subnets"),
        (PRIVATE * 2, {"kafka": dict(serverless=True)}, "MSK needs 2 or 3 subnets"),
        (PRIVATE, {"rabbitmq": dict(engine_version="4.2")}, "single-instance broker takes 1"),
        ([], {"rabbitmq": dict(engine_version="4.2", cluster=True)}, "single-instance broker takes 1"),
    ],
)
def test_args_reject_impossible_layouts(subnets, engine, message):
    common = {**PLACEMENT, "subnet_ids": subnets, "clients": []}
    with pytest.raises(ValueError, match=message):
        if "kafka" in engine:
            KafkaClusterArgs(**common, **engine["kafka"])
        else:
            RabbitMqBrokerArgs(**common, **engine["rabbitmq"])


def test_every_taggable_resource_carries_the_required_tags():
    for engine in ({"kafka": dict(kafka_version="3.8.x")}, {"rabbitmq": dict(engine_version="4.2")}):
        graph = build(subnets=PRIVATE if "kafka" in engine else PRIVATE[:1], **engine)
        assert len([r for r in graph.resources if r.type in taggable_types()]) >= 5
        assert untagged(graph, TAGS) == []


def test_the_preview_shows_endpoints_and_arns_as_aws_names_them():
    kafka = build(kafka=dict(kafka_version="3.8.x"))
    cluster = one(kafka, "aws:msk/cluster:Cluster")
    assert cluster.id.startswith("arn:aws:kafka:eu-west-1:123456789012:cluster/test-events/")
    brokers = cluster.outputs["bootstrapBrokersSaslIam"].split(",")
    assert all(
        b.startswith("b-") and ".test-events." in b and b.endswith(".kafka.eu-west-1.amazonaws.com:9098")
        for b in brokers
    )
    rabbit = one(build(subnets=PRIVATE[:1], rabbitmq=dict(engine_version="4.2")), MQ)
    assert rabbit.id.startswith("b-")
    assert rabbit.outputs["arn"] == f"arn:aws:mq:eu-west-1:123456789012:broker:test-events:{rabbit.id}"
    assert rabbit.outputs["instances"][0]["endpoints"] == [f"amqps://{rabbit.id}.mq.eu-west-1.on.aws:5671"]


def test_rabbitmq_changes_apply_immediately_unless_switched_off():
    for apply_now in (True, False):
        settings = dict(engine_version="4.2", apply_immediately=apply_now)
        assert inputs(one(build(subnets=PRIVATE[:1], rabbitmq=settings), MQ))["applyImmediately"] is apply_now
