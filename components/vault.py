"""``SecretVault``: the stack's customer-managed KMS key and its Secrets Manager secrets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.common import TYPE_PREFIX, AwsContext, child_opts, policy_document, with_name

#: Actions CloudWatch Logs needs on a CMK that encrypts log groups (CloudWatch Logs User Guide,
#: "Encrypt log data in CloudWatch Logs using AWS Key Management Service", step 2 key policy).
LOGS_KEY_ACTIONS = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]


@dataclass(frozen=True)
class SecretArgs:
    """One secret to declare.

    Attributes:
        name: Secrets Manager name (unique per account and region).
        description: what it is for.
        recovery_window_days: 0 or 7-30 days before a deleted secret is gone.
        value: optional secret value (a Pulumi secret Output from secret config) stored as the first
            version; None leaves the secret empty, to be set out of band.
    """

    name: str
    description: str = ""
    recovery_window_days: int = 30
    value: pulumi.Output[str] | None = None


@dataclass(frozen=True)
class SecretVaultArgs:
    """Arguments of ``SecretVault``.

    Attributes:
        alias: KMS alias name without the ``alias/`` prefix, e.g. ``staging-blueprint-staging``.
        tags: tags for every resource.
        deletion_window_days: KMS key deletion waiting period, 7-30 days (default 30).
        rotation_period_days: automatic rotation period, 90-2560 days (default 365).
        secrets: secrets to create, encrypted with the key.
    """

    alias: str
    tags: Mapping[str, str]
    deletion_window_days: int = 30
    rotation_period_days: int = 365
    secrets: Sequence[SecretArgs] = field(default_factory=tuple)


def key_policy(account_id: str, partition: str, region: str) -> str:
    """The CMK's key policy as JSON.

    Two statements: the account administers and uses the key through IAM policies (the AWS default
    statement, "Allows access to the AWS account and enables IAM policies", AWS KMS Developer Guide), and
    CloudWatch Logs may use it only for this account's log groups in this region, enforced by the
    ``kms:EncryptionContext:aws:logs:arn`` condition (CloudWatch Logs User Guide, "Encrypt log data ...").
    """
    logs_arn = f"arn:{partition}:logs:{region}:{account_id}:log-group:*"
    return policy_document(
        [
            {
                "Sid": "AccountAdministersKeyThroughIam",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "CloudWatchLogsForThisAccountOnly",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                "Action": LOGS_KEY_ACTIONS,
                "Resource": "*",
                "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": logs_arn}},
            },
        ]
    )


class SecretVault(pulumi.ComponentResource):
    """A customer-managed KMS key (rotation on), its alias, and Secrets Manager secrets encrypted with it.

    Outputs:
        key_arn: ARN of the CMK (use it as ``kms_key_id`` everywhere).
        key_id: key id.
        alias_name: ``alias/<alias>``.
        secret_arns: secret name -> ARN.
    """

    key_arn: pulumi.Output[str]
    key_id: pulumi.Output[str]
    alias_name: pulumi.Output[str]
    secret_arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: SecretVaultArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(f"{TYPE_PREFIX}SecretVault", name, None, opts)
        key = self._key(name, args)
        alias = aws.kms.Alias(
            f"{name}-alias", name=f"alias/{args.alias}", target_key_id=key.key_id, opts=child_opts(self)
        )
        self.key_arn = key.arn
        self.key_id = key.key_id
        self.alias_name = alias.name
        self.secret_arns = {
            s.name: self._secret(name, i, s, args.tags).arn for i, s in enumerate(args.secrets)
        }
        self.register_outputs(
            {"keyArn": self.key_arn, "aliasName": self.alias_name, "secretArns": self.secret_arns}
        )

    def _key(self, name: str, args: SecretVaultArgs) -> aws.kms.Key:
        ctx = AwsContext(self)
        policy = pulumi.Output.all(ctx.account_id, ctx.partition, ctx.region).apply(lambda v: key_policy(*v))
        return aws.kms.Key(
            f"{name}-key",
            description=f"Customer-managed key of {args.alias}: data stores, secrets, logs",
            enable_key_rotation=True,
            rotation_period_in_days=args.rotation_period_days,
            deletion_window_in_days=args.deletion_window_days,
            policy=policy,
            tags=with_name(args.tags, f"{name}-key"),
            opts=child_opts(self),
        )

    def _secret(self, name: str, index: int, spec: SecretArgs, tags: Mapping[str, str]) -> Any:
        secret = aws.secretsmanager.Secret(
            f"{name}-secret-{index}",
            name=spec.name,
            description=spec.description or None,
            kms_key_id=self.key_arn,
            recovery_window_in_days=spec.recovery_window_days,
            tags=with_name(tags, spec.name),
            opts=child_opts(self),
        )
        if spec.value is not None:
            aws.secretsmanager.SecretVersion(
                f"{name}-secret-{index}-version",
                secret_id=secret.id,
                secret_string=pulumi.Output.secret(spec.value),
                opts=child_opts(self),
            )
        return secret
