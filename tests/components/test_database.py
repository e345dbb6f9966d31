"""Database: every engine variant's real wire inputs, the security-group rules, logs and outputs."""

from __future__ import annotations

import pulumi
import pytest

from components.database import Database, DatabaseArgs, ServerlessCapacity, final_snapshot_name
from components.security_groups import Client, subnet_clients
from tests.support import KEY_ARN, TAGS, inputs, one, record, taggable_types, untagged

INSTANCE = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG = "aws:ec2/securityGroup:SecurityGroup"
PRIVATE_CIDRS = ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"]
APP_SG = "sg-0123456789abcdef0"
ISOLATED = ["subnet-iso-a", "subnet-iso-b", "subnet-iso-c"]


def build(**overrides):
    args = {
        "identifier": "test-orders",
        "engine": "postgres",
        "engine_version": "17.6",
        "instance_class": "db.t4g.medium",
        "vpc_id": "vpc-0a1b2c3d",
        "subnet_ids": ISOLATED,
        "kms_key_arn": KEY_ARN,
        "clients": [*subnet_clients("private", PRIVATE_CIDRS), Client("app", security_group_id=APP_SG)],
        "tags": TAGS,
        "log_retention_days": 30,
        **overrides,
    }

    def program():
        db = Database("orders", DatabaseArgs(**args))
        pulumi.export("endpoint", db.endpoint)
        pulumi.export("port", db.port)
        pulumi.export("secret", db.master_secret_arn)
        pulumi.export("sg", db.security_group_id)
        pulumi.export("resourceId", db.resource_id)

    return record(program)


AURORA = {"engine": "aurora-postgresql", "engine_version": "16.9", "instance_class": "db.r7g.large"}


def test_rds_instance_has_the_full_security_posture():
    graph = build()
    db = inputs(one(graph, INSTANCE))
    assert (db["engine"], db["engineVersion"], db["identifier"]) == ("postgres", "17.6", "test-orders")
    assert db["publiclyAccessible"] is False
    assert db["storageEncrypted"] is True and db["kmsKeyId"] == KEY_ARN
    assert db["manageMasterUserPassword"] is True and db["masterUserSecretKmsKeyId"] == KEY_ARN
    assert "password" not in db and "passwordWo" not in db
    assert db["iamDatabaseAuthenticationEnabled"] is True
    assert db["performanceInsightsEnabled"] is True and db["performanceInsightsKmsKeyId"] == KEY_ARN
    assert db["performanceInsightsRetentionPeriod"] == 7
    assert db["deletionProtection"] is True and db["skipFinalSnapshot"] is False
    assert db["copyTagsToSnapshot"] is True and db["deleteAutomatedBackups"] is False
    assert db["backupRetentionPeriod"] == 7
    assert db["autoMinorVersionUpgrade"] is False and db["allowMajorVersionUpgrade"] is False
    assert db["caCertIdentifier"] == "rds-ca-rsa2048-g1"
    assert db["storageType"] == "gp3" and db["allocatedStorage"] == 20
    assert db["enabledCloudwatchLogsExports"] == ["postgresql", "upgrade"]
    assert (db["dbName"], db["username"]) == ("app", "dbadmin")
    assert db["tags"]["tier"] == "isolated"


def test_instance_sits_in_the_isolated_subnets_behind_its_own_group_and_tls_parameter_group():
    graph = build()
    db = inputs(one(graph, INSTANCE))
    subnets = one(graph, "aws:rds/subnetGroup:SubnetGroup")
    params = one(graph, "aws:rds/parameterGroup:ParameterGroup")
    assert inputs(subnets)["subnetIds"] == ISOLATED
    assert db["dbSubnetGroupName"] == subnets.outputs["name"]
    assert db["vpcSecurityGroupIds"] == [one(graph, SG).id]
    assert db["parameterGroupName"] == params.outputs["name"]
    settings = {p["name"]: p["value"] for p in inputs(params)["parameters"]}
    assert inputs(params)["family"] == "postgres17"
    assert settings["rds.force_ssl"] == "1"
    assert settings["log_connections"] == settings["log_disconnections"] == "1"
    assert int(settings["log_min_duration_statement"]) > 0


def test_final_snapshot_name_is_unique_per_database_lifetime():
    graph = build()
    params_id = one(graph, "aws:rds/parameterGroup:ParameterGroup").id
    name = inputs(one(graph, INSTANCE))["finalSnapshotIdentifier"]
    assert name == f"test-orders-final-{params_id.rsplit('-', 1)[1]}"
    assert final_snapshot_name("staging-orders", "db-orders-params-a1b2c3d") == "staging-orders-final-a1b2c3d"
    assert final_snapshot_name("x", "p-1111111") != final_snapshot_name("x", "p-2222222")


def test_exported_log_groups_exist_first_with_the_cmk_and_retention():
    graph = build()
    groups = {inputs(g)["name"]: g for g in graph.of_type(LOG_GROUP)}
    assert set(groups) == {
        "/aws/rds/instance/test-orders/postgresql",
        "/aws/rds/instance/test-orders/upgrade",
    }
    assert all(
        inputs(g)["kmsKeyId"] == KEY_ARN and inputs(g)["retentionInDays"] == 30 for g in groups.values()
    )
    assert {g.urn for g in groups.values()} <= set(one(graph, INSTANCE).dependencies)


def test_outputs_are_the_endpoint_port_managed_secret_and_security_group():
    graph = build()
    instance = one(graph, INSTANCE)
    assert graph.outputs["endpoint"] == instance.outputs["address"]
    assert graph.outputs["port"] == 5432
    assert graph.outputs["secret"] == instance.outputs["masterUserSecrets"][0]["secretArn"]
    assert graph.outputs["sg"] == one(graph, SG).id
    assert graph.outputs["resourceId"] == instance.outputs["resourceId"]


def test_security_group_admits_only_the_named_clients_on_5432():
    graph = build()
    group = one(graph, SG)
    rules = [inputs(r) for r in graph.of_type(INGRESS)]
    pairs = {
        (r["fromPort"], r["toPort"], r.get("cidrIpv4") or r.get("referencedSecurityGroupId")) for r in rules
    }
    assert pairs == {(5432, 5432, c) for c in PRIVATE_CIDRS} | {(5432, 5432, APP_SG)}
    assert all(r["securityGroupId"] == group.id and r["ipProtocol"] == "tcp" for r in rules)
    assert all(r.get("cidrIpv4") != "0.0.0.0/0" and "cidrIpv6" not in r for r in rules)
    assert not inputs(group).get("ingress") and not inputs(group).get("egress")
    assert graph.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") == []


def test_aurora_provisioned_cluster_and_instances():
    graph = build(**AURORA, instance_count=2)
    cluster = one(graph, CLUSTER)
    c = inputs(cluster)
    params = one(graph, "aws:rds/clusterParameterGroup:ClusterParameterGroup")
    assert (c["engine"], c["engineVersion"], c["clusterIdentifier"]) == (
        "aurora-postgresql",
        "16.9",
        "test-orders",
    )
    assert c["storageEncrypted"] is True and c["kmsKeyId"] == KEY_ARN
    assert c["manageMasterUserPassword"] is True and c["masterUserSecretKmsKeyId"] == KEY_ARN
    assert "masterPassword" not in c and "masterPasswordWo" not in c
    assert c["iamDatabaseAuthenticationEnabled"] is True
    assert c["deletionProtection"] is True and c["skipFinalSnapshot"] is False
    assert c["finalSnapshotIdentifier"].startswith("test-orders-final-")
    assert c["enabledCloudwatchLogsExports"] == ["postgresql"]
    assert c["dbClusterParameterGroupName"] == params.outputs["name"]
    assert inputs(params)["family"] == "aurora-postgresql16"
    assert {"name": "rds.force_ssl", "value": "1"} in inputs(params)["parameters"]
    assert "serverlessv2ScalingConfiguration" not in c
    members = sorted((inputs(i) for i in graph.of_type(CLUSTER_INSTANCE)), key=lambda i: i["identifier"])
    assert [m["identifier"] for m in members] == ["test-orders-1", "test-orders-2"]
    for member in members:
        assert member["clusterIdentifier"] == cluster.id
        assert member["instanceClass"] == "db.r7g.large"
        assert member["publiclyAccessible"] is False
        assert (
            member["performanceInsightsEnabled"] is True and member["performanceInsightsKmsKeyId"] == KEY_ARN
        )
        assert member["engine"] == "aurora-postgresql" and member["autoMinorVersionUpgrade"] is False
    log = one(graph, LOG_GROUP)
    assert inputs(log)["name"] == "/aws/rds/cluster/test-orders/postgresql"
    assert log.urn in cluster.dependencies
    assert graph.outputs["endpoint"] == cluster.outputs["endpoint"]
    assert graph.outputs["secret"] == cluster.outputs["masterUserSecrets"][0]["secretArn"]
    assert graph.outputs["resourceId"] == cluster.outputs["clusterResourceId"]


def test_aurora_serverless_v2_scales_between_the_configured_acus():
    graph = build(**AURORA, serverless=ServerlessCapacity(0, 8))
    assert inputs(one(graph, CLUSTER))["serverlessv2ScalingConfiguration"] == {
        "minCapacity": 0,
        "maxCapacity": 8,
    }
    assert inputs(one(graph, CLUSTER_INSTANCE))["instanceClass"] == "db.serverless"


@pytest.mark.parametrize(
    ("variant", "store_type", "name_keys"),
    [
        ({}, INSTANCE, ("dbName", "username")),
        (AURORA, CLUSTER, ("databaseName", "masterUsername")),
    ],
)
def test_restore_from_snapshot_keeps_encryption_and_takes_users_from_the_snapshot(
    variant, store_type, name_keys
):
    snapshot = "arn:aws:rds:eu-west-1:111122223333:snapshot:orders-sanitized"
    store = inputs(one(build(**variant, snapshot_identifier=snapshot), store_type))
    assert store["snapshotIdentifier"] == snapshot
    assert all(key not in store for key in name_keys)
    assert store["storageEncrypted"] is True and store["kmsKeyId"] == KEY_ARN
    assert store["manageMasterUserPassword"] is True


def test_weakening_switches_are_explicit():
    db = inputs(
        one(build(skip_final_snapshot=True, deletion_protection=False, performance_insights=False), INSTANCE)
    )
    assert db["skipFinalSnapshot"] is True and "finalSnapshotIdentifier" not in db
    assert db["deletionProtection"] is False
    assert db["performanceInsightsEnabled"] is False and "performanceInsightsKmsKeyId" not in db


def test_every_taggable_resource_carries_the_required_tags():
    graph = build(**AURORA)
    assert len([r for r in graph.resources if r.type in taggable_types()]) >= 8
    assert untagged(graph, TAGS) == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"cidr_ipv4": "0.0.0.0/0"},
        {"cidr_ipv4": "8.8.8.0/24"},
        {"cidr_ipv4": "10.0.0.0/20", "security_group_id": APP_SG},
        {},
    ],
)
def test_a_client_is_one_private_source(kwargs):
    with pytest.raises(ValueError, match="client 'x'"):
        Client("x", **kwargs)


def test_duplicate_client_labels_are_rejected():
    with pytest.raises(Exception, match="client labels must be unique"):
        build(clients=[Client("app", security_group_id=APP_SG), Client("app", cidr_ipv4="10.1.0.0/24")])


@pytest.mark.parametrize("engine", [{}, AURORA], ids=["rds", "aurora"])
@pytest.mark.parametrize("apply_now", [True, False, None], ids=["on", "off", "default"])
def test_changes_apply_immediately_unless_switched_off(engine, apply_now):
    # Staging users expect `pulumi up` to mean "now"; the maintenance window is an explicit choice.
    graph = build(**engine) if apply_now is None else build(**engine, apply_immediately=apply_now)
    stores = graph.of_type(INSTANCE) + graph.of_type(CLUSTER) + graph.of_type(CLUSTER_INSTANCE)
    assert stores
    assert all(inputs(s)["applyImmediately"] is (apply_now is not False) for s in stores)


def test_the_preview_shows_the_endpoint_aws_will_name_after_the_identifier():
    graph = build()
    endpoint = graph.outputs["endpoint"]
    assert endpoint.startswith("test-orders.") and endpoint.endswith(".eu-west-1.rds.amazonaws.com")
    aurora = build(**AURORA)
    assert aurora.outputs["endpoint"].startswith("test-orders.cluster-")
    assert one(aurora, CLUSTER).id == "test-orders"
