"""staging-blueprint: the composition root. Load the stack config, build the components, export outputs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from components.brokers import BrokerArgs
from components.cluster import ClusterArgs
from components.database import Database, DatabaseArgs, ServerlessCapacity
from components.database_args import PORT as DB_PORT
from components.edge import BasicAuth, EdgeArgs, OidcAuth
from components.eks import AccessGrant, NodeGroupArgs
from components.kafka import KAFKA_IAM_PORT, KafkaCluster, KafkaClusterArgs
from components.kubernetes_side import build_kubernetes_side
from components.mail_sink import MailSinkArgs
from components.network import Network, NetworkArgs
from components.pr_slice import PrSlice, PrSliceArgs, SliceRouteArgs, ephemeral_tags
from components.rabbitmq import AMQPS_PORT, RabbitMqBroker, RabbitMqBrokerArgs
from components.schedule import ScheduledDatabase, ScheduledNodeGroup, StagingSchedule, StagingScheduleArgs
from components.schedule_names import node_group_name
from components.schema_files import SCHEMA_DIR, read_schema_file
from components.schema_registry import SchemaRegistry, SchemaRegistryArgs
from components.security_groups import Client, subnet_clients
from components.staging_namespace import DataTierEgress, StagingNamespaceArgs
from components.token_broker import (
    AccessRoleArgs,
    CiRepository,
    DatabaseTarget,
    GithubCiArgs,
    GroupGrantArgs,
    TokenBroker,
    TokenBrokerArgs,
)
from components.vault import SecretArgs, SecretVault, SecretVaultArgs, refuse_live_key
from stack_config import ConfigError, StackConfig, load_stack_config, raw_from_pulumi
from stack_config.data import (
    DEFAULT_DB_STORAGE_GIB,
    DEFAULT_KAFKA_VOLUME_GIB,
    BrokerConfig,
    ClientsConfig,
    DatabaseConfig,
)


def load_config() -> StackConfig:
    """Validate the stack config before any resource is registered; a bad config stops with one line per
    problem and no traceback (``RunError`` is printed as its message only)."""
    raw, secret_keys, context = raw_from_pulumi()
    try:
        return load_stack_config(raw, secret_keys, context)
    except ConfigError as exc:
        raise pulumi.RunError(str(exc)) from None


def build_vault(cfg: StackConfig) -> SecretVault:
    secrets_config = pulumi.Config()
    for s in cfg.vault.secrets:  # the decrypted value, checked before anything is registered; never shown
        if s.from_config:
            refuse_live_key(s.name, secrets_config.get(s.from_config))
    secrets = [
        SecretArgs(
            name=s.name,
            description=s.description,
            recovery_window_days=s.recovery_window(),
            value=secrets_config.require_secret(s.from_config) if s.from_config else None,
            index=index,  # adopts the secrets of stacks created when names were list positions
        )
        for index, s in enumerate(cfg.vault.secrets)
    ]
    return SecretVault(
        "vault",
        SecretVaultArgs(
            alias=f"{pulumi.get_project()}-{cfg.environment}",
            tags=cfg.resource_tags(),
            deletion_window_days=cfg.vault.deletion_window_days,
            rotation_period_days=cfg.vault.rotation_period_days,
            secrets=secrets,
        ),
    )


def build_network(cfg: StackConfig, vault: SecretVault) -> Network:
    net = cfg.network
    return Network(
        "network",
        NetworkArgs(
            cidr=net.cidr,
            az_count=net.az_count,
            availability_zones=net.availability_zones,
            nat_strategy=net.nat_strategy,
            interface_endpoints=net.interface_endpoints,
            flow_log_retention_days=net.flow_log_retention_days,
            kms_key_arn=vault.key_arn,
            tags=cfg.resource_tags(),
        ),
    )


def data_store_clients(clients: ClientsConfig, network: Network) -> list[Client]:
    """The named clients of a data store: its client security groups, then every subnet of its tiers."""
    groups = [Client(group_id, security_group_id=group_id) for group_id in clients.security_group_ids]
    return groups + [c for tier in clients.tiers for c in subnet_clients(tier, network.subnet_cidrs[tier])]


def build_database(cfg: StackConfig, db: DatabaseConfig, vault: SecretVault, network: Network) -> Database:
    serverless = db.serverless
    return Database(
        f"db-{db.name}",
        DatabaseArgs(
            identifier=db.identifier(cfg.environment),
            engine=db.engine,
            engine_version=db.engine_version,
            instance_class=db.instance_class_or_default(),
            vpc_id=network.vpc_id,
            subnet_ids=network.subnet_ids["isolated"],
            subnet_tier="isolated",
            kms_key_arn=vault.key_arn,
            clients=data_store_clients(db.clients, network),
            tags=cfg.resource_tags(),
            log_retention_days=cfg.log_retention_days,
            database_name=db.database_name,
            master_username=db.master_username,
            allocated_storage_gib=db.allocated_storage_gib or DEFAULT_DB_STORAGE_GIB,
            max_allocated_storage_gib=db.max_allocated_storage_gib,
            multi_az=db.multi_az,
            instance_count=db.instances or 1,
            serverless=ServerlessCapacity(serverless.min_capacity, serverless.max_capacity)
            if serverless
            else None,
            backup_retention_days=db.backup_retention_days,
            deletion_protection=db.deletion_protection,
            skip_final_snapshot=db.skip_final_snapshot,
            snapshot_identifier=db.snapshot_identifier,
            performance_insights=db.performance_insights,
            apply_immediately=db.apply_immediately,
        ),
    )


def build_broker(
    cfg: StackConfig, broker: BrokerConfig, vault: SecretVault, network: Network
) -> KafkaCluster | RabbitMqBroker:
    """A Kafka cluster (MSK) or a RabbitMQ broker (Amazon MQ) in the private tier."""
    az_count = cfg.network.az_count
    placement = BrokerArgs(
        broker_name=broker.aws_name(cfg.environment),
        vpc_id=network.vpc_id,
        # the data tier: nodes and pods never get addresses there, so NetworkPolicies can name it exactly
        subnet_ids=network.subnet_ids["isolated"][: broker.subnet_count(az_count)],
        subnet_tier="isolated",
        kms_key_arn=vault.key_arn,
        clients=data_store_clients(broker.clients, network),
        tags=cfg.resource_tags(),
        log_retention_days=cfg.log_retention_days,
        deletion_protection=broker.deletion_protection,
    )
    common = vars(placement)  # the shared fields, as keywords of the engine-specific arguments
    if broker.engine == "kafka":
        kafka = KafkaClusterArgs(
            **common,
            kafka_version=broker.engine_version,
            serverless=broker.serverless,
            broker_count=broker.broker_count_or_default(az_count),
            instance_type=broker.instance_type_or_default(),
            volume_size_gib=broker.volume_size_gib or DEFAULT_KAFKA_VOLUME_GIB,
        )
        return KafkaCluster(f"broker-{broker.name}", kafka)
    rabbitmq = RabbitMqBrokerArgs(
        **common,
        engine_version=str(broker.engine_version),
        instance_type=broker.instance_type_or_default(),
        cluster=broker.broker_count_or_default(az_count) > 1,
        open_management_port=broker.open_management_port,
        apply_immediately=broker.apply_immediately is not False,
    )
    return RabbitMqBroker(f"broker-{broker.name}", rabbitmq)


def build_schema_registry(cfg: StackConfig) -> SchemaRegistry | None:
    """The stack's Glue registry with the schema files the Kafka brokers list; None when they list none."""
    schemas = [read_schema_file(SCHEMA_DIR / s.file, s.compatibility) for b in cfg.brokers for s in b.schemas]
    if not schemas:
        return None
    return SchemaRegistry(
        "schemas",
        SchemaRegistryArgs(
            registry_name=f"{pulumi.get_project()}-{cfg.environment}",
            tags=cfg.resource_tags(),
            schemas=schemas,
        ),
    )


def database_targets(databases: Mapping[str, Database]) -> dict[str, DatabaseTarget]:
    """Where the token broker's database tokens are for, by database name."""
    return {
        name: DatabaseTarget(hostname=db.endpoint, port=db.port, resource_id=db.resource_id)
        for name, db in databases.items()
    }


def build_token_broker(
    cfg: StackConfig, vault: SecretVault, databases: Mapping[str, DatabaseTarget]
) -> TokenBroker | None:
    """The short-lived-credential broker; None when ``tokenBroker`` is not configured."""
    broker = cfg.token_broker
    if broker is None:
        return None
    ci = broker.ci
    return TokenBroker(
        "token-broker",
        TokenBrokerArgs(
            name_prefix=cfg.environment,
            environment=cfg.environment,
            issuer=broker.issuer,
            audiences=broker.audience,
            roles=[
                AccessRoleArgs(r.name, r.access, r.max_session_duration_seconds, r.description)
                for r in broker.roles
            ],
            kms_key_arn=vault.key_arn,
            tags=cfg.resource_tags(),
            log_retention_days=cfg.log_retention_days,
            groups={
                group: GroupGrantArgs(roles=grant.roles, databases=grant.databases)
                for group, grant in broker.groups.items()
            },
            databases=databases,
            group_claim=broker.group_claim,
            default_duration_seconds=broker.default_duration_seconds,
            max_duration_seconds=broker.max_duration_seconds,
            ci=None
            if ci is None
            else GithubCiArgs(
                repositories=[CiRepository(r.repository, r.environment) for r in ci.repositories],
                access=ci.access,
                max_session_duration_seconds=ci.max_session_duration_seconds,
                provider_arn=ci.provider_arn,
                create_provider=ci.create_provider,
            ),
            kafka_clusters=[b.aws_name(cfg.environment) for b in cfg.brokers if b.engine == "kafka"],
            throttling_rate_limit=broker.throttling_rate_limit,
            throttling_burst_limit=broker.throttling_burst_limit,
        ),
    )


def export_token_broker(broker: TokenBroker | None) -> None:
    """Where people get staging credentials (docs/token-broker.md) and which roles exist."""
    if broker is None:
        return
    pulumi.export("tokenBrokerUrl", broker.api_endpoint)
    pulumi.export("tokenBrokerRoleArn", broker.function_role_arn)  # the only principal access roles trust
    pulumi.export("stagingRoleArns", broker.role_arns)
    pulumi.export("tokenBrokerAuditLogGroup", broker.audit_log_group_name)
    if broker.deploy_role_arn is not None:
        pulumi.export("ciDeployRoleArn", broker.deploy_role_arn)


def export_data_plane(
    cfg: StackConfig,
    databases: dict[str, Database],
    brokers: Mapping[str, KafkaCluster | RabbitMqBroker],
    registry: SchemaRegistry | None,
) -> None:
    """Connection facts of the data plane; secrets only as ARNs, never values. ``identifier``, ``engine``
    and ``arn`` name the resources ``python -m blueprint verify`` inspects."""
    engines = {db.name: (db.identifier(cfg.environment), db.engine) for db in cfg.databases}
    pulumi.export(
        "databases",
        {
            name: {
                "identifier": engines[name][0],
                "engine": engines[name][1],
                "endpoint": db.endpoint,
                "port": db.port,
                "masterSecretArn": db.master_secret_arn,
                "securityGroupId": db.security_group_id,
                "resourceId": db.resource_id,  # for rds-db:connect grants (a PR slice's role)
            }
            for name, db in databases.items()
        },
    )
    pulumi.export(
        "brokers",
        {
            name: {
                "engine": broker.engine,
                "arn": broker.arn,
                "endpoint": broker.endpoint,
                "port": broker.port,
                "securityGroupId": broker.security_group_id,
                "credentialsSecretArn": broker.credentials_secret_arn
                if isinstance(broker, RabbitMqBroker)
                else None,
            }
            for name, broker in brokers.items()
        },
    )
    if registry is not None:
        pulumi.export("schemaRegistry", {"arn": registry.registry_arn, "name": registry.registry_name})


def access_grants(cfg: StackConfig, broker: TokenBroker | None) -> list[AccessGrant]:
    """Who gets into the cluster: the deploying roles as admins; the broker's staging roles and the CI
    deploy role by preset (developer: edit, in the staging namespace only; readonly: view)."""
    assert cfg.cluster is not None
    grants = [AccessGrant(f"admin-{i}", arn, "admin") for i, arn in enumerate(cfg.cluster.admin_role_arns)]
    tb = cfg.token_broker
    if broker is not None and tb is not None:
        presets = {r.name: r.access for r in tb.roles} | ({"ci-deploy": tb.ci.access} if tb.ci else {})
        deploy = {"ci-deploy": broker.deploy_role_arn} if broker.deploy_role_arn is not None else {}
        grants += [
            AccessGrant(alias, arn, "edit" if presets[alias] == "developer" else "view")
            for alias, arn in {**broker.role_arns, **deploy}.items()
        ]
    return grants


def cluster_args(cfg: StackConfig, vault: SecretVault, net: Network, tb: TokenBroker | None) -> ClusterArgs:
    c = cfg.cluster
    assert c is not None
    common: dict[str, Any] = {"version": c.version, "namespace": cfg.namespace.name}
    common["tags"] = cfg.resource_tags()
    if c.mode == "existing":
        kubeconfig = pulumi.Config().require_secret(c.kubeconfig_from_config or "")
        return ClusterArgs(mode="existing", kubeconfig=kubeconfig, context=c.kubeconfig_context, **common)
    return ClusterArgs(
        mode="eks",
        cluster_name=cfg.environment,
        vpc_id=net.vpc_id,
        subnet_ids=net.subnet_ids["private"],
        api_client_cidrs=net.subnet_cidrs["private"],
        public_access_cidrs=c.public_access_cidrs,
        kms_key_arn=vault.key_arn,
        log_retention_days=cfg.log_retention_days,
        node_group=NodeGroupArgs(**c.node_group.model_dump(), scheduled=cfg.schedule is not None),
        grants=access_grants(cfg, tb),
        deletion_protection=c.deletion_protection,
        **common,
    )


def data_tier(cfg: StackConfig, net: Network) -> list[DataTierEgress]:
    """Where apps may connect: each data store's subnets (the isolated tier, which no node or pod uses) on
    its port."""
    tiers = [DataTierEgress(f"db-{d.name}", net.subnet_cidrs["isolated"], [DB_PORT]) for d in cfg.databases]
    for b in cfg.brokers:
        cidrs, port = net.subnet_cidrs["isolated"][: b.subnet_count(cfg.network.az_count)], AMQPS_PORT
        tiers.append(
            DataTierEgress(f"broker-{b.name}", cidrs, [KAFKA_IAM_PORT if b.engine == "kafka" else port])
        )
    return tiers


def edge_args(cfg: StackConfig, pss: str) -> EdgeArgs | None:
    """The edge; its credentials come from secret config (``...FromConfig``), as Pulumi secrets."""
    e, secrets = cfg.edge, pulumi.Config()
    if e is None:
        return None
    auth: BasicAuth | OidcAuth
    if (o := e.oidc) is not None:
        auth = OidcAuth(o.issuer, o.client_id, secrets.require_secret(o.client_secret_from_config), o.scopes)
    else:  # config checks guarantee basicAuth with auth: basic
        auth = BasicAuth(secrets.require_secret(e.basic_auth.htpasswd_from_config if e.basic_auth else ""))
    settings = e.model_dump(exclude={"auth", "basic_auth", "oidc"})
    return EdgeArgs(namespace=cfg.namespace.name, auth=auth, pod_security_version=pss, **settings)


def build_kubernetes(cfg: StackConfig, vault: SecretVault, net: Network, broker: TokenBroker | None) -> None:
    """The Kubernetes side, with ``cluster``: exported as ``kubernetes``."""
    if cfg.cluster is None:
        return
    pss = f"v{cfg.cluster.version}"  # Pod Security Standards as of the cluster's minor version
    namespace = StagingNamespaceArgs(
        namespace=cfg.namespace.name,
        pod_security_version=pss,
        quota=cfg.namespace.quota_hard(),
        container_defaults=cfg.namespace.container_defaults(),
        data_tier=data_tier(cfg, net),
        aws_api_cidrs=net.endpoint_subnet_cidrs if cfg.cluster.mode == "eks" else [],
    )
    mail = cfg.mail_sink
    mail_args = None if mail is None else MailSinkArgs(namespace=cfg.namespace.name, **mail.model_dump())
    side = build_kubernetes_side(
        cluster_args(cfg, vault, net, broker), namespace, edge_args(cfg, pss), mail_args
    )
    pulumi.export("kubernetes", side.exports())


def build_schedule(cfg: StackConfig) -> None:
    """The stop and start schedules of the node group and the databases: exported as ``schedule``."""
    s = cfg.schedule
    if s is None:
        return
    groups = []
    if cfg.cluster is not None and cfg.cluster.mode == "eks":
        n = cfg.cluster.node_group
        name = node_group_name(cfg.environment)
        groups.append(
            ScheduledNodeGroup(
                cluster_name=cfg.environment,
                node_group_name=name,
                min_size=n.min_size,
                desired_size=n.desired_size,
            )
        )
    databases = [
        ScheduledDatabase(identifier=db.identifier(cfg.environment), aurora=db.engine == "aurora-postgresql")
        for db in cfg.databases
    ]
    schedule = StagingSchedule(
        "schedule",
        StagingScheduleArgs(
            name_prefix=cfg.environment,
            timezone=s.timezone,
            start_cron=s.start_cron(),
            stop_cron=s.stop_cron(),
            enabled=s.enabled,
            node_groups=groups,
            databases=databases,
            tags=cfg.resource_tags(),
        ),
    )
    pulumi.export(
        "schedule", {"timezone": s.timezone, "names": schedule.schedule_names, "enabled": s.enabled}
    )


def build_pr_slice(cfg: StackConfig) -> None:
    """A pull request's slice of its baseline (stack ``pr-<n>``, docs/ephemeral.md): thin parts only."""
    e = cfg.ephemeral
    assert e is not None
    names = e.names(pulumi.get_project())
    tags = {**cfg.resource_tags(), **ephemeral_tags(names, e.expiry_tag(), e.baseline)}
    pulumi.export(
        "ephemeral", {"pullRequest": e.pull_request, "baseline": e.baseline, "expiresAt": e.expiry_tag()}
    )
    created = PrSlice(
        "slice",
        PrSliceArgs(
            names=names,
            baseline_stack=f"{pulumi.get_organization()}/{pulumi.get_project()}/{e.baseline}",
            tags=tags,
            quota=e.parts.quota.hard(),
            container_defaults=cfg.namespace.container_defaults(),
            routes=[SliceRouteArgs(r.service, r.port, r.path_prefix) for r in e.parts.routes],
            database=e.parts.database,
            seed_from=e.parts.seed_from,
            rabbitmq=e.parts.rabbitmq,
            kafka=e.parts.kafka,
        ),
    )
    pulumi.export("environment", cfg.environment)
    pulumi.export(
        "slice", {"namespace": created.namespace, "url": created.url, "roleArn": created.workload_role_arn}
    )


def main() -> None:
    cfg = load_config()
    if cfg.ephemeral is not None:  # a pull request's slice: never the heavy parts
        build_pr_slice(cfg)
        return
    vault = build_vault(cfg)
    network = build_network(cfg, vault)
    databases = {db.name: build_database(cfg, db, vault, network) for db in cfg.databases}
    brokers = {b.name: build_broker(cfg, b, vault, network) for b in cfg.brokers}
    registry = build_schema_registry(cfg)
    token_broker = build_token_broker(cfg, vault, database_targets(databases))
    build_kubernetes(cfg, vault, network, token_broker)
    build_schedule(cfg)
    pulumi.export("environment", cfg.environment)
    pulumi.export("kmsKeyArn", vault.key_arn)
    pulumi.export("vpcId", network.vpc_id)
    pulumi.export("subnetIds", network.subnet_ids)
    # What a PR slice's NetworkPolicies and provisioner may reach: the data stores' and the interface
    # endpoints' subnets, never the whole VPC (which holds every node and pod).
    tiers = {"isolated": network.subnet_cidrs["isolated"], "endpoints": network.endpoint_subnet_cidrs}
    pulumi.export("subnetCidrs", tiers)
    pulumi.export("flowLogGroup", network.flow_log_group_name)
    pulumi.export("secretArns", vault.secret_arns)
    export_data_plane(cfg, databases, brokers, registry)
    export_token_broker(token_broker)


# The language host runs this file as __main__; tests load it under another name to reuse the builders.
if __name__ == "__main__":
    main()
