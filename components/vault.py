"""``SecretVault``: the stack's customer-managed KMS key and its Secrets Manager secrets.

The key outlives the stack: it is created with ``retain_on_delete``, so ``pulumi destroy`` removes it from
the stack but never schedules its deletion. The final database snapshots, retained automated backups and
exported logs a destroy leaves behind are encrypted with it, and a key scheduled for deletion in the same
run would make them unrecoverable once the waiting period ends. Delete it by hand once nothing needs it
(README, "Tearing down and replacing").

A secret whose value (from secret config) is shaped like a live key of a well-known provider (Stripe
``sk_live_``/``rk_live_`` and others in ``components/live_credentials.py``) fails the deployment naming the
secret, never the value (``refuse_live_key``, called by the program on the decrypted value before anything is
registered): staging holds test versions of payment gateways and sandboxed third-party APIs only.

Secrets are named by their Secrets Manager name (``<name>-secret-<secret name>``), never by list position, so
adding, removing or reordering one leaves the others alone. A deleted secret's name stays taken for its
recovery window (DeleteSecret API reference), which would block re-creating the stack: secrets whose value
comes from config (reproducible) default to immediate deletion, the others to the shortest window, 7 days.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.common import (
    AwsContext,
    StagingComponent,
    account_administers_key,
    as_secret,
    child_opts,
    policy_document,
    with_name,
)
from components.live_credentials import live_key_message, live_key_shape


def refuse_live_key(secret_name: str, value: str | None) -> str | None:
    """``value`` unchanged, unless it is shaped like a live third-party key (``LIVE_KEY_SHAPES``).

    The program calls it with the decrypted config value before any resource is registered, so
    ``pulumi preview`` and ``pulumi up`` stop before anything is created.

    Raises:
        pulumi.RunError: naming the secret and the provider, never the value.
    """
    shape = live_key_shape(value) if isinstance(value, str) else None
    if shape is not None:
        raise pulumi.RunError(live_key_message(secret_name, shape))
    return value


#: Actions CloudWatch Logs needs on a CMK that encrypts log groups (CloudWatch Logs User Guide,
#: "Encrypt log data in CloudWatch Logs using AWS Key Management Service", step 2 key policy).
LOGS_KEY_ACTIONS = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]


@dataclass(frozen=True)
class SecretArgs:
    """One secret to declare.

    Attributes:
        name: Secrets Manager name (unique per account and region).
        description: what it is for.
        recovery_window_days: 0 (immediate) or 7-30 days before a deleted secret is gone; the name is
            taken until then (default 7).
        value: optional secret value (a Pulumi secret Output from secret config) stored as the first
            version; None leaves the secret empty, to be set out of band. Pulumi state keeps it encrypted.
        index: the secret's position in earlier versions of this component, whose logical names were
            ``<name>-secret-<index>``: set it once so existing stacks adopt the secret under its new
            name (a Pulumi alias) instead of replacing it.
    """

    name: str
    description: str = ""
    recovery_window_days: int = 7
    value: pulumi.Output[str] | None = None
    index: int | None = None


@dataclass(frozen=True)
class SecretVaultArgs:
    """Arguments of ``SecretVault``.

    Attributes:
        alias: KMS alias name without the ``alias/`` prefix, e.g. ``staging-blueprint-staging``.
        tags: tags for every resource.
        deletion_window_days: KMS key deletion waiting period, 7-30 days (default 30). The key is retained
            on ``pulumi destroy``, so this applies only if it is ever deleted through Pulumi.
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
            account_administers_key(partition, account_id),
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


class SecretVault(StagingComponent):
    """A customer-managed KMS key (rotation on), its alias, and Secrets Manager secrets encrypted with it.

    Outputs:
        key_arn: ARN of the CMK (use it as ``kms_key_id`` everywhere).
        key_id: key id.
        alias_name: ``alias/<alias>``.
        secret_arns: secret name -> ARN.

    Raises:
        ValueError: two secrets share a name (Secrets Manager names are unique per account and region).
    """

    key_arn: pulumi.Output[str]
    key_id: pulumi.Output[str]
    alias_name: pulumi.Output[str]
    secret_arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: SecretVaultArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, opts)
        names = [s.name for s in args.secrets]
        if len(set(names)) != len(names):
            raise ValueError(f"{name}: secret names must be unique, got {names}")
        key = self._key(name, args)
        alias = aws.kms.Alias(
            f"{name}-alias", name=f"alias/{args.alias}", target_key_id=key.key_id, opts=child_opts(self)
        )
        self.key_arn = key.arn
        self.key_id = key.key_id
        self.alias_name = alias.name
        self.secret_arns = {s.name: self._secret(name, s, args.tags).arn for s in args.secrets}
        self.register()

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
            # The data a destroy leaves behind (final snapshots, retained backups) is encrypted with this
            # key: never schedule its deletion in the same run. See the module docstring.
            opts=child_opts(self, retain_on_delete=True),
        )

    def _secret(self, name: str, spec: SecretArgs, tags: Mapping[str, str]) -> aws.secretsmanager.Secret:
        label = f"{name}-secret-{spec.name}"
        old = f"{name}-secret-{spec.index}" if spec.index is not None else None
        secret = aws.secretsmanager.Secret(
            label,
            name=spec.name,
            description=spec.description or None,
            kms_key_id=self.key_arn,
            recovery_window_in_days=spec.recovery_window_days,
            tags=with_name(tags, spec.name),
            opts=child_opts(self, aliases=[pulumi.Alias(name=old)] if old else None),
        )
        if spec.value is not None:
            aws.secretsmanager.SecretVersion(
                f"{label}-version",
                secret_id=secret.id,
                secret_string=as_secret(spec.value),
                opts=child_opts(self, aliases=[pulumi.Alias(name=f"{old}-version")] if old else None),
            )
        return secret
