"""``DataSanitizer``: the infrastructure ``python -m blueprint data refresh`` runs on (a second stack).

It owns, in the account that holds production (the sanitizing side):

- the sanitizing CMK: encrypts the production copy, the scratch instances and their master secrets; only
  this account may use it (through IAM);
- the share CMK: encrypts the sanitized snapshot; its key policy lets the staging account use it to copy
  and restore the shared snapshot. RDS refuses to share a snapshot encrypted with the default key, and
  the other account needs Decrypt, DescribeKey and CreateGrant on the key (RDS User Guide, "Sharing
  encrypted snapshots"; the console's "Other AWS accounts" key-usage statements, whose grant statement is
  limited by ``kms:GrantIsForAWSResource``);
- the Secrets Manager secret that holds the per-refresh HMAC key (the runner puts a new version per run;
  no value is ever in code or state), encrypted with the sanitizing CMK;
- the scratch DB subnet group over the isolated subnets, and a security group admitting only the
  masking runner's security group on 5432 (``components.security_groups``);
- the runner's IAM role: exactly the RDS, KMS and Secrets Manager actions the pipeline calls, on this
  refresh's resources (``<prefix>-*``), the production instance and its automated snapshots.

Both CMKs are created with ``retain_on_delete`` (as the vault key is): destroying the stack removes them
from it but never schedules their deletion (the snapshots they encrypt outlive the stack).

Not wired into ``__main__.py``: run it as its own stack (README, "Refreshing staging data").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.common import (
    AwsContext,
    StagingComponent,
    account_administers_key,
    assume_role_policy,
    child_opts,
    policy_document,
    with_name,
)
from components.security_groups import Client, ServicePort, data_store_security_group

#: The console's key-usage actions for another account, and its grant actions (AWS KMS Developer Guide,
#: "Allowing users in other accounts to use a KMS key").
SHARE_KEY_USE = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
SHARE_KEY_GRANTS = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]


@dataclass(frozen=True)
class DataSanitizerArgs:
    """Arguments of ``DataSanitizer``.

    Attributes:
        prefix: the plan's ``name``; scratch instances and snapshots are ``<prefix>-<run>-<role>`` and the
            runner may touch only those (lowercase letters, digits, hyphens; at most 30 characters).
        vpc_id: the VPC of the scratch instances.
        isolated_subnet_ids: isolated-tier subnets (no internet route) for the scratch subnet group, 2+ AZs.
        runner_security_group_id: the masking runner's security group (the only client of 5432).
        production_instance_arn: ARN of the production DB instance (snapshotted, never modified).
        production_key_arn: the CMK production's snapshots are encrypted with (read to re-encrypt them).
        staging_account_id: the 12-digit account that receives the sanitized snapshot (never ``all``).
        tags: tags for every resource.
        runner_service: the service principal that runs the masking job (default ECS tasks).
        deletion_window_days: KMS deletion waiting period, 7-30 days (default 30).

    Raises:
        ValueError: a bad prefix or staging account id, or fewer than two subnets.
    """

    prefix: str
    vpc_id: pulumi.Input[str]
    isolated_subnet_ids: Sequence[pulumi.Input[str]]
    runner_security_group_id: pulumi.Input[str]
    production_instance_arn: pulumi.Input[str]
    production_key_arn: pulumi.Input[str]
    staging_account_id: str
    tags: Mapping[str, str]
    runner_service: str = "ecs-tasks.amazonaws.com"
    deletion_window_days: int = 30

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z](?:-?[a-z0-9])*", self.prefix) or len(self.prefix) > 30:
            raise ValueError(
                f"prefix {self.prefix!r}: use up to 30 lowercase letters, digits and single hyphens"
            )
        if not re.fullmatch(r"\d{12}", self.staging_account_id):
            raise ValueError(
                f"staging_account_id {self.staging_account_id!r}: give a 12-digit account id (never all)"
            )
        if len(self.isolated_subnet_ids) < 2:
            raise ValueError("isolated_subnet_ids: RDS subnet groups need subnets in at least two AZs")


def share_key_policy(account_id: str, partition: str, staging_account_id: str) -> str:
    """Key policy of the share CMK: this account administers it; the staging account may use it for
    snapshots (encrypt/decrypt/describe) and create grants for AWS resources (RDS) only."""
    staging = {"AWS": f"arn:{partition}:iam::{staging_account_id}:root"}
    return policy_document(
        [
            account_administers_key(partition, account_id),
            {
                "Sid": "StagingAccountUsesKey",
                "Effect": "Allow",
                "Principal": staging,
                "Action": SHARE_KEY_USE,
                "Resource": "*",
            },
            {
                "Sid": "StagingAccountGrantsToRds",
                "Effect": "Allow",
                "Principal": staging,
                "Action": SHARE_KEY_GRANTS,
                "Resource": "*",
                "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
            },
        ]
    )


def private_key_policy(account_id: str, partition: str) -> str:
    """Key policy of the sanitizing CMK: the account, through IAM policies, and nobody else."""
    return policy_document(
        [
            account_administers_key(partition, account_id),
        ]
    )


@dataclass(frozen=True)
class RunnerScope:
    """Everything the runner's policy names (plain strings, resolved inside ``Output.apply``)."""

    partition: str
    region: str
    account_id: str
    prefix: str
    production_instance_arn: str
    subnet_group: str
    keys: Sequence[str]
    sanitize_key: str
    hmac_secret_arn: str

    def rds(self, kind: str, name: str) -> str:
        return f"arn:{self.partition}:rds:{self.region}:{self.account_id}:{kind}:{name}"


def _allow(
    sid: str, actions: list[str], resources: Any, condition: dict[str, Any] | None = None
) -> dict[str, Any]:
    statement = {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}
    if condition:
        statement["Condition"] = condition
    return statement


def _rds_statements(s: RunnerScope) -> list[dict[str, Any]]:
    own_dbs, own_snaps = s.rds("db", f"{s.prefix}-*"), s.rds("snapshot", f"{s.prefix}-*")
    prod_auto = s.rds("snapshot", "rds:" + s.production_instance_arn.rsplit(":", 1)[-1] + "-*")
    groups = [s.rds("subgrp", s.subnet_group), s.rds("pg", "*"), s.rds("og", "*")]
    describe = ["rds:DescribeDBInstances", "rds:DescribeDBSnapshots", "rds:DescribeDBSnapshotAttributes"]
    operate = [
        "rds:ModifyDBInstance",
        "rds:DeleteDBInstance",
        "rds:DeleteDBSnapshot",
        "rds:ModifyDBSnapshotAttribute",
        "rds:AddTagsToResource",
        "rds:ListTagsForResource",
    ]
    return [
        _allow("DescribeRds", describe, "*"),
        _allow(
            "SnapshotProductionAndScratch",
            ["rds:CreateDBSnapshot"],
            [s.production_instance_arn, own_dbs, own_snaps],
        ),
        _allow("CopySnapshots", ["rds:CopyDBSnapshot"], [own_snaps, prod_auto]),
        _allow(
            "ScratchInstances",
            ["rds:RestoreDBInstanceFromDBSnapshot", "rds:CreateDBInstance"],
            [own_dbs, own_snaps, *groups],
        ),
        _allow("OperateScratch", operate, [own_dbs, own_snaps]),
    ]


def _key_and_secret_statements(s: RunnerScope) -> list[dict[str, Any]]:
    rds_secrets = f"arn:{s.partition}:secretsmanager:{s.region}:{s.account_id}:secret:rds!db-*"
    via_secrets = {"StringEquals": {"kms:ViaService": f"secretsmanager.{s.region}.amazonaws.com"}}
    return [
        _allow(
            "KeysForRdsGrants",
            ["kms:CreateGrant"],
            list(s.keys),
            {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        ),
        _allow("DescribeKeys", ["kms:DescribeKey"], list(s.keys)),
        _allow(
            "SecretsWithSanitizingKey", ["kms:Decrypt", "kms:GenerateDataKey"], s.sanitize_key, via_secrets
        ),
        _allow(
            "RefreshKey",
            ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],
            s.hmac_secret_arn,
        ),
        _allow(
            "ScratchMasterSecrets",
            ["secretsmanager:GetSecretValue", "secretsmanager:CreateSecret", "secretsmanager:TagResource"],
            rds_secrets,
        ),
    ]


def runner_policy(s: RunnerScope) -> str:
    """The runner's permissions: each statement is one group of the calls ``blueprint/refresh/pipeline.py``
    makes.

    ``og:*``/``pg:*``: a restore keeps production's parameter and option groups and a new instance uses the
    defaults; RDS authorizes those ARNs on RestoreDBInstanceFromDBSnapshot and CreateDBInstance (Service
    Authorization Reference, "Actions defined by Amazon RDS"). RDS-managed master secrets are named
    ``rds!db-<uuid>``, so that is their ARN pattern.
    """
    return policy_document(_rds_statements(s) + _key_and_secret_statements(s))


class DataSanitizer(StagingComponent):
    """The sanitizing account's infrastructure for the data refresh (see the module docstring); its outputs
    are the values a refresh plan file needs.

    Outputs:
        sanitize_key_arn: the CMK the copies of production are re-encrypted with.
        share_key_arn: the CMK of the snapshot shared with staging (the staging account may use it).
        hmac_secret_arn: the Secrets Manager secret holding the per-refresh HMAC key.
        subnet_group_name: the scratch instances' DB subnet group (isolated subnets).
        security_group_id: the scratch instances' security group (the runner only, on 5432).
        runner_role_arn: the masking runner's least-privilege role.
    """

    sanitize_key_arn: pulumi.Output[str]
    share_key_arn: pulumi.Output[str]
    hmac_secret_arn: pulumi.Output[str]
    subnet_group_name: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    runner_role_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: DataSanitizerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(name, opts)
        ctx = AwsContext(self)
        sanitize = self._key(
            name,
            "sanitize",
            args,
            pulumi.Output.all(ctx.account_id, ctx.partition).apply(lambda v: private_key_policy(*v)),
        )
        share = self._key(
            name,
            "share",
            args,
            pulumi.Output.all(ctx.account_id, ctx.partition).apply(
                lambda v: share_key_policy(v[0], v[1], args.staging_account_id)
            ),
        )
        secret, subnets = self._secret(name, args, sanitize.arn), self._subnets(name, args)
        group = data_store_security_group(
            f"{name}-scratch",
            parent=self,
            vpc_id=args.vpc_id,
            description="Scratch databases: the masking runner only",
            ports=[ServicePort(5432, "PostgreSQL")],
            clients=[Client("runner", security_group_id=args.runner_security_group_id)],
            tags=args.tags,
        )
        role = self._runner_role(
            name, args, ctx, keys=[sanitize.arn, share.arn], secret_arn=secret.arn, subnet_group=subnets.name
        )
        self.sanitize_key_arn, self.share_key_arn, self.hmac_secret_arn = sanitize.arn, share.arn, secret.arn
        self.subnet_group_name, self.security_group_id, self.runner_role_arn = (
            subnets.name,
            group.id,
            role.arn,
        )
        self.register()

    def _secret(
        self, name: str, args: DataSanitizerArgs, key_arn: pulumi.Output[str]
    ) -> aws.secretsmanager.Secret:
        return aws.secretsmanager.Secret(
            f"{name}-refresh-key",
            name=f"{args.prefix}-refresh-key",
            kms_key_id=key_arn,
            recovery_window_in_days=7,
            description="Per-refresh HMAC key of the staging data refresh (a new version per run)",
            tags=with_name(args.tags, f"{args.prefix}-refresh-key"),
            opts=child_opts(self),
        )

    def _subnets(self, name: str, args: DataSanitizerArgs) -> aws.rds.SubnetGroup:
        return aws.rds.SubnetGroup(
            f"{name}-subnets",
            name=f"{args.prefix}-sanitizer-scratch",
            subnet_ids=list(args.isolated_subnet_ids),
            description="Scratch instances of the staging data refresh (isolated tier)",
            tags=with_name(args.tags, f"{args.prefix}-sanitizer-scratch"),
            opts=child_opts(self),
        )

    def _key(self, name: str, role: str, args: DataSanitizerArgs, policy: pulumi.Output[str]) -> aws.kms.Key:
        key = aws.kms.Key(
            f"{name}-{role}-key",
            description=f"Staging data refresh of {args.prefix}: {role} key",
            enable_key_rotation=True,
            deletion_window_in_days=args.deletion_window_days,
            policy=policy,
            tags=with_name(args.tags, f"{name}-{role}-key"),
            # Outlives the stack (as the vault key does): `pulumi destroy` must not schedule the deletion of
            # a key that shared snapshots, their copies in progress and the retained scratch backups are
            # encrypted with. Delete it by hand once nothing needs it.
            opts=child_opts(self, retain_on_delete=True),
        )
        aws.kms.Alias(
            f"{name}-{role}-alias",
            name=f"alias/{args.prefix}-refresh-{role}",
            target_key_id=key.key_id,
            opts=child_opts(self),
        )
        return key

    def _runner_role(
        self,
        name: str,
        args: DataSanitizerArgs,
        ctx: AwsContext,
        *,
        keys: list[pulumi.Output[str]],
        secret_arn: pulumi.Output[str],
        subnet_group: pulumi.Output[str],
    ) -> aws.iam.Role:
        trust = ctx.account_id.apply(
            lambda acct: assume_role_policy(
                args.runner_service, {"StringEquals": {"aws:SourceAccount": acct}}
            )
        )
        role = aws.iam.Role(
            f"{name}-runner",
            assume_role_policy=trust,
            max_session_duration=3600,
            description="Runs python -m blueprint data refresh",
            tags=with_name(args.tags, f"{name}-runner"),
            opts=child_opts(self),
        )

        def document(v: list[Any]) -> str:
            scope = RunnerScope(v[0], v[1], v[2], args.prefix, v[3], v[4], [v[5], v[6], v[7]], v[5], v[8])
            return runner_policy(scope)

        policy = pulumi.Output.all(
            ctx.partition,
            ctx.region,
            ctx.account_id,
            args.production_instance_arn,
            subnet_group,
            keys[0],
            keys[1],
            args.production_key_arn,
            secret_arn,
        ).apply(document)
        aws.iam.RolePolicy(f"{name}-runner-policy", role=role.id, policy=policy, opts=child_opts(self))
        return role
