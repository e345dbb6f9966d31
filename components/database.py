"""``Database``: PostgreSQL on RDS (one instance) or Aurora (a cluster, provisioned or Serverless v2).

Every variant gets the same posture:

- Placement: a DB subnet group over the subnets it is given (the isolated tier), not publicly
  accessible, one security group admitting only the named clients on 5432 (``components.security_groups``).
- Credentials: no password anywhere in code, config or state. RDS generates the master password and keeps
  it in Secrets Manager, encrypted with the vault CMK (``manage_master_user_password``); applications use
  IAM database authentication (on) through the token broker.
- Encryption: storage (and so snapshots and backups) with the vault CMK; Performance Insights data with
  the same key; TLS forced by ``rds.force_ssl=1`` in a parameter group of this stack; server certificates
  from ``rds-ca-rsa2048-g1``.
- Logs: ``postgresql`` (and ``upgrade`` for instances) exported to CloudWatch. RDS writes into
  ``/aws/rds/{instance|cluster}/<identifier>/<log>``; those groups are created here first, with the CMK and
  the stack's retention, because RDS would otherwise create them unencrypted and never expiring. This is why
  the identifier is explicit rather than auto-named.
- Data safety: deletion protection on, automated backups kept after deletion, tags copied to snapshots,
  and a final snapshot on deletion, named ``<identifier>-final-<nonce>``. The nonce is the random suffix
  Pulumi gave this database's parameter group when it was created: it is fixed for the database's
  lifetime and new for every re-creation, so a stack destroyed twice never collides with the snapshot of the
  first destroy (RDS rejects an existing snapshot name and the deletion would fail).
- Versions: the engine version is pinned and minor versions are not upgraded automatically: staging moves
  when production moves, by changing the config. (RDS still force-upgrades minor versions it deprecates.)
- Restore: ``snapshot_identifier`` restores a (sanitized) snapshot. The master user and database name then
  come from the snapshot. An RDS instance keeps the snapshot's KMS key, so copy the snapshot with the vault
  key first (``aws rds copy-db-snapshot --kms-key-id``); an Aurora cluster re-encrypts with ``kms_key_id``.

Performance Insights: on by default with 7 days' retention (the free tier) and the vault key. AWS ends the
Performance Insights console on 2026-07-31 in favour of CloudWatch Database Insights, whose Standard mode
reads the same Performance Insights data, API and key; nothing here changes. RDS for PostgreSQL does not
offer it on ``micro``/``small`` instance classes (the config rejects that combination).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, TypedDict

import pulumi
import pulumi_aws as aws

from components.common import StagingComponent, child_opts, encrypted_log_group, with_name
from components.database_args import (
    CA_CERTIFICATE,
    LOG_EXPORTS,
    PARAMETERS,
    PERFORMANCE_INSIGHTS_RETENTION_DAYS,
    PORT,
    DatabaseArgs,
    Engine,
    ServerlessCapacity,
    final_snapshot_name,
    parameter_group_family,
)
from components.security_groups import ServicePort, data_store_security_group

__all__ = ["Database", "DatabaseArgs", "Engine", "ServerlessCapacity", "final_snapshot_name"]


class _Placement(NamedTuple):
    """Where the database lives: its security group and DB subnet group."""

    security_group_id: pulumi.Output[str]
    subnet_group_name: pulumi.Output[str]


class _Endpoints(NamedTuple):
    """What a builder returns: host name, master secret ARN, DbiResourceId or ClusterResourceId."""

    endpoint: pulumi.Output[str]
    master_secret_arn: pulumi.Output[str]
    resource_id: pulumi.Output[str]


class _Posture(TypedDict):
    """Keyword arguments ``aws.rds.Instance`` and ``aws.rds.Cluster`` share (typed, so mypy checks both)."""

    engine: str
    engine_version: str
    storage_encrypted: bool
    kms_key_id: pulumi.Input[str]
    manage_master_user_password: bool
    master_user_secret_kms_key_id: pulumi.Input[str]
    iam_database_authentication_enabled: bool
    db_subnet_group_name: pulumi.Output[str]
    vpc_security_group_ids: list[pulumi.Output[str]]
    port: int
    backup_retention_period: int
    copy_tags_to_snapshot: bool
    delete_automated_backups: bool
    deletion_protection: bool
    skip_final_snapshot: bool
    snapshot_identifier: str | None
    enabled_cloudwatch_logs_exports: list[str]
    allow_major_version_upgrade: bool
    apply_immediately: bool


class _ParameterGroupArgs(TypedDict):
    family: str
    description: str
    tags: dict[str, str]
    opts: pulumi.ResourceOptions


class _InitialContents(NamedTuple):
    database_name: str | None
    master_username: str | None


class _PerformanceInsights(NamedTuple):
    enabled: bool
    kms_key_id: pulumi.Input[str] | None
    retention_days: int | None


def _master_secret_arn(
    secrets: Sequence[aws.rds.outputs.InstanceMasterUserSecret | aws.rds.outputs.ClusterMasterUserSecret],
) -> str:
    """ARN of the RDS-managed master secret (RDS creates exactly one with ``manage_master_user_password``).

    Raises:
        ValueError: RDS reported none (the password is not managed by RDS).
    """
    arn = secrets[0].secret_arn if secrets else None
    if arn is None:
        raise ValueError("RDS reported no managed master secret")
    return arn


class Database(StagingComponent):
    """A PostgreSQL database on RDS or Aurora with the posture described in the module docstring.

    Outputs:
        endpoint: host name to connect to (the writer endpoint for Aurora).
        port: 5432.
        master_secret_arn: ARN of the RDS-managed Secrets Manager secret holding the master credentials.
        security_group_id: the database's security group (add it to clients' egress if they restrict it).
        resource_id: the instance's ``DbiResourceId`` or the cluster's ``ClusterResourceId``: what IAM
            database authentication policies name (``arn:aws:rds-db:<region>:<account>:dbuser:<id>/<user>``).
    """

    endpoint: pulumi.Output[str]
    port: int
    master_secret_arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    resource_id: pulumi.Output[str]

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, opts)
        self._name, self._args = name, args
        group = data_store_security_group(
            name,
            parent=self,
            vpc_id=args.vpc_id,
            description=f"PostgreSQL {args.identifier}: named clients on {PORT} only",
            ports=[ServicePort(PORT, "PostgreSQL")],
            clients=args.clients,
            tags=args.tags,
        )
        subnets = aws.rds.SubnetGroup(
            f"{name}-subnets",
            description=f"{args.identifier}: {args.subnet_tier} subnets",
            subnet_ids=list(args.subnet_ids),
            tags=with_name(args.tags, f"{name}-subnets", tier=args.subnet_tier),
            opts=child_opts(self),
        )
        placement = _Placement(group.id, subnets.name)
        builder = self._instance if args.engine == "postgres" else self._cluster
        self.endpoint, self.master_secret_arn, self.resource_id = builder(placement)
        self.port = PORT
        self.security_group_id = group.id
        self.register()

    def _log_groups(self, kind: str) -> list[aws.cloudwatch.LogGroup]:
        """The log groups RDS exports into, pre-created with the CMK and retention (see module docstring)."""
        args = self._args
        return [
            encrypted_log_group(
                f"{self._name}-log-{log}",
                parent=self,
                kms_key_arn=args.kms_key_arn,
                retention_days=args.log_retention_days,
                tags=args.tags,
                log_group_name=f"/aws/rds/{kind}/{args.identifier}/{log}",
            )
            for log in LOG_EXPORTS[args.engine]
        ]

    def _posture(self, placement: _Placement) -> _Posture:
        """The settings an RDS instance and an Aurora cluster share, under the same argument names: the
        security posture (encryption, RDS-managed password, IAM auth, placement) and the data safety nets."""
        args = self._args
        return _Posture(
            engine=args.engine,
            engine_version=args.engine_version,
            storage_encrypted=True,
            kms_key_id=args.kms_key_arn,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=args.kms_key_arn,
            iam_database_authentication_enabled=True,
            db_subnet_group_name=placement.subnet_group_name,
            vpc_security_group_ids=[placement.security_group_id],
            port=PORT,
            backup_retention_period=args.backup_retention_days,
            copy_tags_to_snapshot=True,
            delete_automated_backups=False,
            deletion_protection=args.deletion_protection,
            skip_final_snapshot=args.skip_final_snapshot,
            snapshot_identifier=args.snapshot_identifier,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS[args.engine]),
            allow_major_version_upgrade=False,
            apply_immediately=args.apply_immediately,
        )

    def _parameter_group_args(self) -> _ParameterGroupArgs:
        """What the instance's and the cluster's parameter groups share: family, description, tags, parent
        (the parameters themselves, ``PARAMETERS``, differ only in their argument type)."""
        args = self._args
        return _ParameterGroupArgs(
            family=parameter_group_family(args.engine, args.engine_version),
            description=f"{args.identifier}: TLS only, connection and slow-statement logging",
            tags=with_name(args.tags, f"{self._name}-params"),
            opts=child_opts(self),
        )

    def _initial_contents(self) -> _InitialContents:
        """The database and master user to create; both None when restoring a snapshot, which brings its
        own (RDS ignores them then, and setting them would force a replacement on every change)."""
        args = self._args
        if args.snapshot_identifier is not None:
            return _InitialContents(None, None)
        return _InitialContents(args.database_name, args.master_username)

    def _performance_insights(self) -> _PerformanceInsights:
        if not self._args.performance_insights:
            return _PerformanceInsights(False, None, None)
        return _PerformanceInsights(True, self._args.kms_key_arn, PERFORMANCE_INSIGHTS_RETENTION_DAYS)

    def _final_snapshot(self, nonce_source: pulumi.Output[str]) -> pulumi.Output[str] | None:
        if self._args.skip_final_snapshot:
            return None
        return nonce_source.apply(lambda source_id: final_snapshot_name(self._args.identifier, source_id))

    def _instance(self, placement: _Placement) -> _Endpoints:
        """The RDS instance and its parameter group."""
        args = self._args
        initial = self._initial_contents()
        params = aws.rds.ParameterGroup(
            f"{self._name}-params",
            parameters=[aws.rds.ParameterGroupParameterArgs(name=k, value=v) for k, v in PARAMETERS.items()],
            **self._parameter_group_args(),
        )
        insights = self._performance_insights()
        instance = aws.rds.Instance(
            f"{self._name}-instance",
            identifier=args.identifier,
            instance_class=args.instance_class,
            allocated_storage=args.allocated_storage_gib,
            max_allocated_storage=args.max_allocated_storage_gib,
            storage_type="gp3",
            db_name=initial.database_name,
            username=initial.master_username,
            publicly_accessible=False,
            multi_az=args.multi_az,
            parameter_group_name=params.name,
            ca_cert_identifier=CA_CERTIFICATE,
            final_snapshot_identifier=self._final_snapshot(params.id),
            performance_insights_enabled=insights.enabled,
            performance_insights_kms_key_id=insights.kms_key_id,
            performance_insights_retention_period=insights.retention_days,
            auto_minor_version_upgrade=False,
            **self._posture(placement),
            tags=with_name(args.tags, args.identifier, tier=args.subnet_tier),
            opts=child_opts(self, depends_on=self._log_groups("instance")),
        )
        secret_arn = instance.master_user_secrets.apply(_master_secret_arn)
        return _Endpoints(instance.address, secret_arn, instance.resource_id)

    def _cluster(self, placement: _Placement) -> _Endpoints:
        """The Aurora cluster, its parameter group and its instances."""
        args = self._args
        initial = self._initial_contents()
        params = aws.rds.ClusterParameterGroup(
            f"{self._name}-params",
            parameters=[
                aws.rds.ClusterParameterGroupParameterArgs(name=k, value=v) for k, v in PARAMETERS.items()
            ],
            **self._parameter_group_args(),
        )
        scaling = None
        if args.serverless is not None:
            scaling = aws.rds.ClusterServerlessv2ScalingConfigurationArgs(
                min_capacity=args.serverless.min_acu, max_capacity=args.serverless.max_acu
            )
        cluster = aws.rds.Cluster(
            f"{self._name}-cluster",
            cluster_identifier=args.identifier,
            database_name=initial.database_name,
            master_username=initial.master_username,
            db_cluster_parameter_group_name=params.name,
            serverlessv2_scaling_configuration=scaling,
            final_snapshot_identifier=self._final_snapshot(params.id),
            **self._posture(placement),
            tags=with_name(args.tags, args.identifier, tier=args.subnet_tier),
            opts=child_opts(self, depends_on=self._log_groups("cluster")),
        )
        self._cluster_instances(cluster, placement)
        secret_arn = cluster.master_user_secrets.apply(_master_secret_arn)
        return _Endpoints(cluster.endpoint, secret_arn, cluster.cluster_resource_id)

    def _cluster_instances(self, cluster: aws.rds.Cluster, placement: _Placement) -> None:
        """The Aurora instances: the first is the writer, the others readers in promotion order."""
        args = self._args
        instance_class = "db.serverless" if args.serverless is not None else args.instance_class
        insights = self._performance_insights()
        for index in range(args.instance_count):
            identifier = f"{args.identifier}-{index + 1}"
            aws.rds.ClusterInstance(
                f"{self._name}-instance-{index + 1}",
                identifier=identifier,
                cluster_identifier=cluster.id,
                engine=aws.rds.EngineType(args.engine),
                engine_version=args.engine_version,
                instance_class=instance_class,
                db_subnet_group_name=placement.subnet_group_name,
                publicly_accessible=False,
                ca_cert_identifier=CA_CERTIFICATE,
                auto_minor_version_upgrade=False,
                apply_immediately=args.apply_immediately,
                promotion_tier=index,
                copy_tags_to_snapshot=True,
                performance_insights_enabled=insights.enabled,
                performance_insights_kms_key_id=insights.kms_key_id,
                performance_insights_retention_period=insights.retention_days,
                tags=with_name(args.tags, identifier, tier=args.subnet_tier),
                opts=child_opts(self),
            )
