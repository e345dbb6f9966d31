"""The stack config schema: one pydantic model tree, ``StackConfig``, read once from Pulumi config.

Every key lives in the ``staging-blueprint`` namespace of ``Pulumi.<stack>.yaml``; structured values are
YAML objects. This module holds the top-level model and the network and vault sections; the data plane
(``data.py``), the token broker (``access.py``) and the Kubernetes side (``cluster.py``, ``edge.py``) have
their own. Field rules live on the models; rules
that span several keys live in ``checks.py`` and the section ``*_checks.py`` modules; ``load.py`` runs
them all. The reference table in docs/configuration.md is generated from these models (``reference.py``).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from components.aws_limits import (
    KMS_DELETION_WINDOW,
    KMS_ROTATION_PERIOD,
    LOG_RETENTION_DAYS,
    LOG_RETENTION_SOURCE,
    SECRET_NAME,
    SECRET_RECOVERY_WINDOW,
    VPC_PREFIX,
)
from stack_config.access import TokenBrokerConfig
from stack_config.base import ConfigModel
from stack_config.cluster import ClusterConfig, NamespaceConfig
from stack_config.data import BrokerConfig, DatabaseConfig
from stack_config.edge import EdgeConfig, MailSinkConfig
from stack_config.ephemeral import EphemeralConfig
from stack_config.parity import ParityDeclaration
from stack_config.schedule import ScheduleConfig

#: Tags every taggable AWS resource must carry besides ``environment`` (enforced by the policy pack too).
REQUIRED_TAGS = ("owner", "cost-center")

#: Interface endpoint short names this blueprint knows (``com.amazonaws.<region>.<name>``).
InterfaceEndpoint = Literal[
    "sts", "kms", "secretsmanager", "logs", "ecr.api", "ecr.dkr", "ssm", "ssmmessages", "ec2messages",
    "monitoring", "sqs", "sns", "execute-api", "elasticloadbalancing", "autoscaling", "eks", "eks-auth",
]  # fmt: skip

#: Smallest VPC the subnet plan fits, and AWS's largest (``components.aws_limits.VPC_PREFIX``).
MAX_VPC_PREFIX = VPC_PREFIX.high
MIN_VPC_PREFIX = VPC_PREFIX.low
MAX_AZS = 6


def _check_retention(days: int) -> int:
    if days not in LOG_RETENTION_DAYS:
        allowed = ", ".join(map(str, LOG_RETENTION_DAYS))
        raise ValueError(
            f"must be one of CloudWatch Logs' retention periods in days: {allowed} ({LOG_RETENTION_SOURCE})"
        )
    return days


#: Log retention in days; one of CloudWatch Logs' allowed values.
RetentionDays = Annotated[int, AfterValidator(_check_retention)]


def _check_vpc_cidr(value: str) -> str:
    try:
        net = ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"must be an IPv4 network in CIDR notation with no host bits set: {exc}") from None
    if not net.is_private:
        raise ValueError("must be a private range (RFC 1918: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)")
    if not MIN_VPC_PREFIX <= net.prefixlen <= MAX_VPC_PREFIX:
        raise ValueError(
            f"prefix must be /{MIN_VPC_PREFIX} to /{MAX_VPC_PREFIX}: AWS allows at most a /16 and three "
            f"subnet tiers in up to {MAX_AZS} AZs need at least a /{MAX_VPC_PREFIX}"
        )
    return str(net)


class NetworkConfig(ConfigModel):
    """``staging-blueprint:network``: the VPC and its three subnet tiers."""

    cidr: Annotated[str, AfterValidator(_check_vpc_cidr)] = Field(
        default="10.42.0.0/16",
        description="VPC IPv4 CIDR, /16 to /23, private range. Subnets are carved from it deterministically.",
    )
    az_count: int = Field(
        default=3, ge=1, le=MAX_AZS, description="Availability zones to spread the subnets over (1-6)."
    )
    availability_zones: list[str] | None = Field(
        default=None,
        description="AZ names to use, in order (e.g. eu-west-1a). Default: the region's first `azCount` "
        "available AZs, looked up at deploy time.",
    )
    nat_strategy: Literal["single", "perAz", "none"] = Field(
        default="single",
        description="NAT gateways: `single` (one, cheapest), `perAz` (one per AZ, survives an AZ outage), "
        "`none` (private tier reaches AWS only through VPC endpoints).",
    )
    interface_endpoints: list[InterfaceEndpoint] = Field(
        default=["sts", "kms", "secretsmanager", "logs", "ecr.api", "ecr.dkr"],
        description="Interface VPC endpoints (private DNS on) in the private tier; an S3 gateway endpoint "
        "is always created.",
    )
    flow_log_retention_days: RetentionDays = Field(
        default=90, description="Retention of the VPC flow log group, in days (CloudWatch allowed values)."
    )

    @field_validator("availability_zones")
    @classmethod
    def _azs_unique(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError("AZ names must be unique")
        return value


_SECRET_NAME = re.compile(rf"^[A-Za-z0-9/_+=.@-]{{{SECRET_NAME.low},{SECRET_NAME.high}}}$")
#: Default recovery windows of a deleted vault secret (see ``SecretSpec.recovery_window``).
RECOVERY_DAYS_FROM_CONFIG = 0
RECOVERY_DAYS_OUT_OF_BAND = SECRET_RECOVERY_WINDOW.low


class SecretSpec(ConfigModel):
    """One Secrets Manager secret the vault declares. Its value is never in config or code."""

    name: str = Field(
        description="Secret name, unique in the account and region, e.g. `app/payments/api-key` "
        "(letters, digits and /_+=.@-, up to 512 characters)."
    )
    description: str = Field(default="", max_length=2048, description="What the secret is for.")
    from_config: str | None = Field(
        default=None,
        description="Name of a secret config key (`pulumi config set --secret <key>`) whose value is "
        "stored as the first version. Default: no value; set it out of band.",
    )
    recovery_window_days: int | None = Field(
        default=None,
        description="Days a deleted secret stays recoverable, 0 (immediate) or 7-30; its name stays taken "
        "that long, so re-creating the stack waits for it. Default: 0 with `fromConfig` (the value is in "
        "config and comes back with the stack), else 7 (a value set out of band can be restored).",
    )

    def recovery_window(self) -> int:
        """The recovery window in days: as configured, else 0 with ``fromConfig`` and 7 without."""
        if self.recovery_window_days is not None:
            return self.recovery_window_days
        return RECOVERY_DAYS_FROM_CONFIG if self.from_config else RECOVERY_DAYS_OUT_OF_BAND

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not _SECRET_NAME.match(value):
            raise ValueError("must be 1-512 characters of letters, digits and /_+=.@-")
        return value

    @field_validator("recovery_window_days")
    @classmethod
    def _valid_window(cls, value: int | None) -> int | None:
        if value is not None and value != 0 and value not in SECRET_RECOVERY_WINDOW:
            raise ValueError(
                f"must be 0 or {SECRET_RECOVERY_WINDOW.text()} (Secrets Manager DeleteSecret "
                "RecoveryWindowInDays)"
            )
        return value


class VaultConfig(ConfigModel):
    """``staging-blueprint:vault``: the customer-managed KMS key and the declared secrets."""

    deletion_window_days: int = Field(
        default=30,
        ge=KMS_DELETION_WINDOW.low,
        le=KMS_DELETION_WINDOW.high,
        description="KMS key deletion waiting period in days (7-30). The key is retained on `pulumi "
        "destroy` (backups and snapshots need it), so this applies only if Pulumi ever deletes it.",
    )
    rotation_period_days: int = Field(
        default=365,
        ge=KMS_ROTATION_PERIOD.low,
        le=KMS_ROTATION_PERIOD.high,
        description="Automatic key rotation period in days (90-2560).",
    )
    secrets: list[SecretSpec] = Field(default=[], description="Secrets Manager secrets to create.")


ENVIRONMENT_PATTERN = re.compile(r"[a-z][a-z0-9-]{1,19}")
ENVIRONMENT_RULE = "2-20 characters: a lowercase letter, then lowercase letters, digits or -"


def _check_environment(value: str) -> str:
    if not ENVIRONMENT_PATTERN.fullmatch(value):
        raise ValueError(f"must be {ENVIRONMENT_RULE}")
    return value


class StackConfig(ConfigModel):
    """The whole stack config (every key of the ``staging-blueprint`` namespace)."""

    environment: Annotated[str, AfterValidator(_check_environment)] = Field(
        default="staging",
        description="Environment name: prefixes physical resource names and is the `environment` tag. "
        "Default: the Pulumi stack name, so two stacks in one account never collide.",
        json_schema_extra={"defaultText": "the stack name"},
    )
    tags: dict[str, str] = Field(
        default={},
        description="Tags on every taggable resource. Must include `owner` and `cost-center`; "
        "`environment` is added from `environment`.",
    )
    log_retention_days: RetentionDays = Field(
        default=90, description="Retention of the stack's log groups, in days (CloudWatch allowed values)."
    )
    network: NetworkConfig = Field(default_factory=NetworkConfig, description="VPC and subnets.")
    vault: VaultConfig = Field(default_factory=VaultConfig, description="KMS key and secrets.")
    databases: list[DatabaseConfig] = Field(default=[], description="PostgreSQL databases (RDS or Aurora).")
    brokers: list[BrokerConfig] = Field(default=[], description="Message brokers (MSK Kafka or Amazon MQ).")
    token_broker: TokenBrokerConfig | None = Field(
        default=None, description="The short-lived-credential broker; omit to deploy none."
    )
    cluster: ClusterConfig | None = Field(
        default=None,
        description="The Kubernetes cluster (EKS or existing); omit to deploy no Kubernetes side.",
    )
    namespace: NamespaceConfig = Field(
        default_factory=NamespaceConfig, description="The namespace staging's apps run in (with `cluster`)."
    )
    edge: EdgeConfig | None = Field(
        default=None,
        description="The authenticated, unindexable entry point (Envoy Gateway); needs `cluster`.",
    )
    mail_sink: MailSinkConfig | None = Field(
        default=None, description="Mailpit, catching all mail staging sends; needs `cluster`."
    )
    ephemeral: EphemeralConfig | None = Field(
        default=None,
        description="A pull request's slice of a baseline stack (docs/ephemeral.md); `pr-<n>` stacks only.",
    )
    schedule: ScheduleConfig | None = Field(
        default=None,
        description="The hours staging runs (time zone, days, start, stop): outside them the EKS node group "
        "scales to zero and the databases stop (docs/cost.md). Omit it to run around the clock. Refused by "
        "the policy pack on a production-like stack.",
    )
    parity: list[ParityDeclaration] = Field(
        default=[],
        description="Intended differences from another stack (e.g. production) for `python -m blueprint "
        "parity`: resource pattern, property, reason, owner, expiry. Not used by `pulumi up`.",
    )

    @field_validator("tags")
    @classmethod
    def _required_tags(cls, value: dict[str, str]) -> dict[str, str]:
        missing = [t for t in REQUIRED_TAGS if not value.get(t, "").strip()]
        if missing:
            raise ValueError(f"missing required tag(s) {', '.join(missing)}; add them under tags")
        return value

    def resource_tags(self) -> dict[str, str]:
        """The tags every taggable resource gets: config tags plus ``environment``."""
        return {**self.tags, "environment": self.environment}
