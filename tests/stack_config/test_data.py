"""Data-plane config: every rule reports its exact key path, the bad value and the fix."""

from __future__ import annotations

import pytest

from stack_config import ConfigError, load_stack_config
from stack_config.engine_versions import ENGINE_VERSIONS

BASE = {"tags": {"owner": "team-a", "cost-center": "cc-1"}}
NAMESPACE = "staging-blueprint:"


def db(**fields):
    return {"name": "orders", "engineVersion": "17.6", **fields}


def aurora(**fields):
    return db(**{"engine": "aurora-postgresql", "engineVersion": "16.9", **fields})


def kafka(**fields):
    return {"name": "events", "engine": "kafka", "engineVersion": "3.8.x", **fields}


def rabbit(**fields):
    return {"name": "tasks", "engine": "rabbitmq", "engineVersion": "4.2", **fields}


def problems(raw):
    with pytest.raises(ConfigError) as info:
        load_stack_config({**BASE, **raw})
    return [p.render() for p in info.value.problems]


def only_problem(raw):
    [line] = problems(raw)
    return line


def test_every_variant_validates_with_engine_defaults():
    cfg = load_stack_config(
        {
            **BASE,
            "databases": [
                db(),
                aurora(name="ledger", instances=2, instanceClass="db.r7g.large"),
                aurora(name="search", serverless={"minCapacity": 0, "maxCapacity": 8}),
                db(
                    name="legacy",
                    snapshotIdentifier="arn:aws:rds:eu-west-1:111122223333:snapshot:legacy-clean",
                ),
                aurora(name="reports", snapshotIdentifier="reports-sanitized-2026-11-01"),
            ],
            "brokers": [
                kafka(schemas=[{"file": "orders.order-placed.avsc"}]),
                {"name": "stream", "engine": "kafka", "serverless": True},
                rabbit(brokerCount=3, instanceType="mq.m7g.large"),
                rabbit(name="jobs", engineVersion="3.13", instanceType="mq.t3.micro"),
            ],
        }
    )
    orders, ledger, search, _, _ = cfg.databases
    assert (orders.engine, orders.instance_class_or_default(), orders.deletion_protection) == (
        "postgres",
        "db.t4g.medium",
        True,
    )
    assert orders.clients.tiers == ["private"] and orders.skip_final_snapshot is False
    assert ledger.instance_class_or_default() == "db.r7g.large"
    assert search.instance_class_or_default() == "db.serverless"
    events, stream, tasks, jobs = cfg.brokers
    assert (events.broker_count_or_default(3), events.subnet_count(3)) == (3, 3)
    assert events.schemas[0].compatibility == "BACKWARD"
    assert (events.broker_count_or_default(2), events.subnet_count(2)) == (2, 2)
    assert events.instance_type_or_default() == "kafka.m7g.large"
    assert stream.engine_version is None
    assert (tasks.subnet_count(3), jobs.subnet_count(3)) == (3, 1)
    assert jobs.instance_type_or_default() == "mq.t3.micro"


ARN = "arn:aws:rds:eu-west-1:111122223333"
ORDERS = "orders.order-placed.avsc"

#: (databases[0], key below databases[0], bad value, fragment of the fix)
DATABASE_CASES = [
    (db(name="Orders"), "name", "Orders", "must start with a lowercase letter"),
    (db(name="a--b"), "name", "a--b", "single hyphens"),
    (db(name="x" * 60), "name", "x" * 60, "at most 60 characters"),
    (db(engine="mysql"), "engine", "mysql", "must be one of 'postgres'"),
    (db(engineVersion="latest"), "engineVersion", "latest", "17.6"),
    (db(engineVersion="16.1"), "engineVersion", "16.1", "new postgres resources"),
    (aurora(engineVersion="17.6.1"), "engineVersion", "17.6.1", "new aurora-postgresql resources"),
    (db(instanceClass="t4g.medium"), "instanceClass", "t4g.medium", "such as db.t4g.medium"),
    (db(instanceClass="db.t4g.micro"), "instanceClass", "db.t4g.micro", "performanceInsights: false"),
    (aurora(instanceClass="db.t4g.small"), "instanceClass", "db.t4g.small", "starts at db.t4g.medium"),
    (aurora(instanceClass="db.r7g.large", serverless={}), "instanceClass", "db.r7g.large",
     "remove instanceClass"),
    (db(serverless={}), "serverless", {"minCapacity": 0.5, "maxCapacity": 4.0}, "aurora-postgresql only"),
    (db(instances=2), "instances", 2, "use multiAz"),
    (aurora(instances=17), "instances", 17, "less than or equal to 16"),
    (aurora(multiAz=True), "multiAz", True, "`instances: 2`"),
    (aurora(allocatedStorageGib=100), "allocatedStorageGib", 100, "Aurora storage grows by itself"),
    (db(allocatedStorageGib=10), "allocatedStorageGib", 10, "20-65536 GiB"),
    (db(allocatedStorageGib=50, maxAllocatedStorageGib=40), "maxAllocatedStorageGib", 40, "between"),
    (db(backupRetentionDays=0), "backupRetentionDays", 0, "greater than or equal to 1"),
    (db(backupRetentionDays=36), "backupRetentionDays", 36, "less than or equal to 35"),
    (db(databaseName="App-DB"), "databaseName", "App-DB", "lowercase letters"),
    (db(masterUsername="rdsadmin"), "masterUsername", "rdsadmin", "reserved by RDS"),
    (aurora(serverless={"minCapacity": -0.5}), "serverless.minCapacity", -0.5, "greater than or equal to 0"),
    (aurora(serverless={"minCapacity": 0.3}), "serverless.minCapacity", 0.3, "multiple of 0.5"),
    (aurora(serverless={"maxCapacity": 300}), "serverless.maxCapacity", 300, "less than or equal to 256"),
    (aurora(serverless={"maxCapacity": 0.5}), "serverless.maxCapacity", 0.5, "greater than or equal to 1"),
    (aurora(serverless={"minCapacity": 16, "maxCapacity": 8}), "serverless.minCapacity", 16.0,
     "above maxCapacity"),
    (db(snapshotIdentifier="2026-orders"), "snapshotIdentifier", "2026-orders", "must be a snapshot name"),
    (db(snapshotIdentifier=f"{ARN}:cluster-snapshot:o"), "snapshotIdentifier", f"{ARN}:cluster-snapshot:o",
     "(snapshot for postgres)"),
    (aurora(snapshotIdentifier=f"{ARN}:snapshot:o"), "snapshotIdentifier", f"{ARN}:snapshot:o",
     "(cluster-snapshot for aurora-postgresql)"),
    (db(clients={"securityGroupIds": ["sg-12"]}), "clients.securityGroupIds", ["sg-12"],
     "not a security group"),
    (db(clients={"tiers": ["public"]}), "clients.tiers[0]", "public", "must be one of 'private'"),
    (db(clients={"tiers": []}), "clients", {}, "admits nobody"),
    (db(engineVersio="17.6"), "engineVersio", "17.6", "did you mean 'engineVersion'"),
]  # fmt: skip

#: (brokers[0], key below brokers[0], bad value, fragment of the fix)
BROKER_CASES = [
    (kafka(name="events-"), "name", "events-", "not ending with a hyphen"),
    (rabbit(name="t" * 45), "name", "t" * 45, "at most 50 characters"),
    (rabbit(engine="activemq"), "engine", "activemq", "must be one of 'kafka'"),
    (kafka(engineVersion="3.6.0"), "engineVersion", "3.6.0", "3.9.x.kraft"),
    (kafka(engineVersion="4.0.x"), "engineVersion", "4.0.x", "4.0.x.kraft"),
    (kafka(engineVersion=None), "engineVersion", None, "is required"),
    (rabbit(engineVersion="3.13.7"), "engineVersion", "3.13.7", "3.13, 4.2"),
    (kafka(brokerCount=4), "brokerCount", 4, "multiple of the 3 AZs"),
    (kafka(brokerCount=0), "brokerCount", 0, "greater than or equal to 1"),
    (kafka(instanceType="m7g.large"), "instanceType", "m7g.large", "such as kafka.t3.small"),
    (kafka(volumeSizeGib=20000), "volumeSizeGib", 20000, "less than or equal to 16384"),
    (kafka(openManagementPort=True), "openManagementPort", True, "rabbitmq only"),
    (kafka(serverless=True), "engineVersion", "3.8.x", "MSK Serverless"),
    (kafka(serverless=True, engineVersion=None, brokerCount=3), "brokerCount", 3, "MSK Serverless"),
    (kafka(clients={"tiers": [], "securityGroupIds": []}), "clients", {}, "admits nobody"),
    (kafka(schemas=[{"file": ORDERS, "compatibility": "SIDEWAYS"}]), "schemas[0].compatibility", "SIDEWAYS",
     "must be one of 'NONE'"),
    (kafka(schemas=[{"file": "orders.gone.avsc"}]), "schemas[0].file", "orders.gone.avsc", "not a file"),
    (kafka(schemas=[{"file": "../README.md"}]), "schemas[0].file", "../README.md", "must end in .avsc"),
    (kafka(schemas=[{"file": f"../schemas/{ORDERS}"}]), "schemas[0].file", f"../schemas/{ORDERS}",
     "not a file"),
    (rabbit(brokerCount=2), "brokerCount", 2, "must be 1 (single instance) or 3"),
    (rabbit(engineVersion="3.13", brokerCount=3, instanceType="mq.t3.micro"), "instanceType", "mq.t3.micro",
     "single-instance brokers only"),
    (rabbit(instanceType="mq.m5.large"), "instanceType", "mq.m5.large", "runs on mq.m7g types only"),
    (rabbit(instanceType="mq.r5.large"), "instanceType", "mq.r5.large", "Amazon MQ type"),
    (rabbit(serverless=True), "serverless", True, "kafka only"),
    (rabbit(volumeSizeGib=100), "volumeSizeGib", 100, "kafka only"),
    (rabbit(schemas=[{"file": ORDERS}]), "schemas", [ORDERS], "kafka only"),
]  # fmt: skip


def assert_reported(raw, path, value, fragment):
    line = only_problem(raw)
    assert line.startswith(f"{NAMESPACE}{path}: "), line
    assert fragment in line, line
    if "unknown key" in fragment or "did you mean" in fragment:
        assert "(got" not in line, line  # the value of an unknown key is never echoed
    else:
        assert line.endswith(f"(got {value!r})") or len(repr(value)) > 60, line


@pytest.mark.parametrize(("entry", "key", "value", "fragment"), DATABASE_CASES)
def test_each_database_rule_names_its_key_path_value_and_fix(entry, key, value, fragment):
    assert_reported({"databases": [entry]}, f"databases[0].{key}", value, fragment)


@pytest.mark.parametrize(("entry", "key", "value", "fragment"), BROKER_CASES)
def test_each_broker_rule_names_its_key_path_value_and_fix(entry, key, value, fragment):
    assert_reported({"brokers": [entry]}, f"brokers[0].{key}", value, fragment)


@pytest.mark.parametrize(
    ("raw", "path", "value", "fragment"),
    [
        ({"databases": [db(), db()]}, "databases[1].name", "orders", "is used twice in databases"),
        ({"brokers": [kafka(), kafka()]}, "brokers[1].name", "events", "is used twice in brokers"),
        ({"brokers": [kafka(schemas=[{"file": ORDERS}]), kafka(name="more", schemas=[{"file": ORDERS}])]},
         "brokers[1].schemas[0].file", ORDERS, "registered by another broker"),
    ],
)  # fmt: skip
def test_names_and_schemas_are_unique_across_entries(raw, path, value, fragment):
    assert_reported(raw, path, value, fragment)


def test_kafka_needs_two_azs_and_uses_at_most_three():
    one_az = {"network": {"azCount": 1}}
    line = only_problem({**one_az, "brokers": [kafka(brokerCount=2)]})
    assert line.startswith(f"{NAMESPACE}brokers[0].engine: MSK needs subnets in 2 or 3 AZs")
    six_azs = load_stack_config({**BASE, "network": {"azCount": 6}, "brokers": [kafka(brokerCount=6)]})
    assert six_azs.brokers[0].subnet_count(6) == 3
    line = only_problem({"network": {"azCount": 2}, "brokers": [kafka(brokerCount=3)]})
    assert line.startswith(f"{NAMESPACE}brokers[0].brokerCount: must be a multiple of the 2 AZs")


def test_all_problems_are_reported_at_once():
    lines = problems({"databases": [db(engineVersion="9.6"), db(name="b", clients={"tiers": []})]})
    assert [line.split(":")[1] for line in lines] == ["databases[0].engineVersion", "databases[1].clients"]


def test_every_allowed_version_is_explicit_and_sourced():
    for engine, table in ENGINE_VERSIONS.items():
        assert table.versions and table.source.startswith("https://docs.aws.amazon.com/"), engine
        assert not any("latest" in v for v in table.versions)
    assert all(v.endswith(".kraft") for v in ENGINE_VERSIONS["kafka"].versions if v.startswith("4."))


def test_every_field_has_a_description():
    from stack_config.data import (
        BrokerConfig,
        ClientsConfig,
        DatabaseConfig,
        SchemaConfig,
        ServerlessConfig,
    )

    for model in (DatabaseConfig, BrokerConfig, ClientsConfig, SchemaConfig, ServerlessConfig):
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name}"


def test_a_database_needs_two_azs_for_its_subnet_group():
    # RDS: "Subnets in the DB subnet group should cover at least two Availability Zones".
    line = only_problem({"network": {"azCount": 1}, "databases": [db()]})
    assert line.startswith("staging-blueprint:network.azCount: must be at least 2 with databases")
    assert line.endswith("(got 1)")


def test_kafka_has_no_apply_immediately_switch():
    line = only_problem({"brokers": [kafka(applyImmediately=False)]})
    assert line.startswith("staging-blueprint:brokers[0].applyImmediately: is for rabbitmq only")


def test_data_stores_apply_changes_immediately_by_default():
    cfg = load_stack_config({**BASE, "databases": [db()], "brokers": [rabbit()]})
    assert cfg.databases[0].apply_immediately is True and cfg.brokers[0].apply_immediately is None


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ('{"$schema": "https://json-schema.org/draft/2020-12/schema"}', "draft-04, draft-06, draft-07"),
        ('{"type": "object",', "not valid JSON"),
    ],
)
def test_a_schema_file_glue_would_reject_fails_the_config_with_its_key_path(
    monkeypatch, tmp_path, content, fragment
):
    (tmp_path / "payments.refunded.json").write_text(content)
    monkeypatch.setattr("stack_config.data_checks.SCHEMA_DIR", tmp_path)
    line = only_problem({"brokers": [kafka(schemas=[{"file": "payments.refunded.json"}])]})
    assert line.startswith(
        "staging-blueprint:brokers[0].schemas[0].file: cannot be registered: payments.refunded.json"
    )
    assert fragment in line
