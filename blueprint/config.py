"""The stack configuration: one pydantic model tree, read once from Pulumi config.

Every key lives in the ``staging-blueprint`` namespace of ``Pulumi.<stack>.yaml``; structured values are
YAML objects. ``load_stack_config`` turns the raw key/value map into a validated ``StackConfig`` or
raises ``ConfigError`` listing every problem as ``staging-blueprint:<key path>: <fix> (got <value>)``.
The reference table in README.md is generated from these models (``python -m blueprint config-reference``)
and a test keeps the two in sync.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationError, field_validator

from blueprint.config_access import TokenBrokerConfig, access_checks
from blueprint.config_base import (
    LOG_RETENTION_DAYS,
    NAMESPACE,
    ConfigError,
    ConfigModel,
    Problem,
    decode_value,
    join_path,
)
from blueprint.config_data import BrokerConfig, DatabaseConfig, data_plane_checks

#: Tags every taggable AWS resource must carry besides ``environment`` (enforced by the policy pack too).
REQUIRED_TAGS = ("owner", "cost-center")

#: Interface endpoint short names this blueprint knows (``com.amazonaws.<region>.<name>``).
InterfaceEndpoint = Literal[
    "sts", "kms", "secretsmanager", "logs", "ecr.api", "ecr.dkr", "ssm", "ssmmessages", "ec2messages",
    "monitoring", "sqs", "sns", "execute-api", "elasticloadbalancing", "autoscaling", "eks", "eks-auth",
]  # fmt: skip

#: Smallest VPC the subnet plan fits: the public and isolated tiers get 1/32 of the VPC per AZ, and AWS's
#: smallest subnet is a /28 (VPC User Guide, "Subnet CIDR blocks"), so the VPC needs at most a /23.
MAX_VPC_PREFIX = 23
#: AWS's largest VPC is a /16 (VPC User Guide, "VPC CIDR blocks").
MIN_VPC_PREFIX = 16
MAX_AZS = 6


def _check_retention(days: int) -> int:
    if days not in LOG_RETENTION_DAYS:
        allowed = ", ".join(map(str, LOG_RETENTION_DAYS))
        raise ValueError(f"must be one of CloudWatch Logs' retention periods in days: {allowed}")
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


_SECRET_NAME = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$")


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
    recovery_window_days: int = Field(
        default=30, description="Days a deleted secret stays recoverable: 0 (immediate) or 7-30."
    )

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not _SECRET_NAME.match(value):
            raise ValueError("must be 1-512 characters of letters, digits and /_+=.@-")
        return value

    @field_validator("recovery_window_days")
    @classmethod
    def _valid_window(cls, value: int) -> int:
        if value != 0 and not 7 <= value <= 30:
            raise ValueError("must be 0 or between 7 and 30 days (Secrets Manager DeleteSecret)")
        return value


class VaultConfig(ConfigModel):
    """``staging-blueprint:vault``: the customer-managed KMS key and the declared secrets."""

    deletion_window_days: int = Field(
        default=30, ge=7, le=30, description="KMS key deletion waiting period in days (7-30)."
    )
    rotation_period_days: int = Field(
        default=365, ge=90, le=2560, description="Automatic key rotation period in days (90-2560)."
    )
    secrets: list[SecretSpec] = Field(default=[], description="Secrets Manager secrets to create.")


def _check_environment(value: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9-]{1,19}", value):
        raise ValueError("must be 2-20 characters: a lowercase letter, then lowercase letters, digits or -")
    return value


class StackConfig(ConfigModel):
    """The whole stack config (every key of the ``staging-blueprint`` namespace)."""

    environment: Annotated[str, AfterValidator(_check_environment)] = Field(
        default="staging",
        description="Environment name: prefixes resource names and is the `environment` tag.",
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

    @field_validator("tags")
    @classmethod
    def _required_tags(cls, value: dict[str, str]) -> dict[str, str]:
        missing = [t for t in REQUIRED_TAGS if not value.get(t, "").strip()]
        if missing:
            raise ValueError(f"missing required tag(s) {', '.join(missing)}; add them under tags")
        for key, tag_value in value.items():
            if len(key) > 128 or len(tag_value) > 256 or key.lower().startswith("aws:"):
                raise ValueError(
                    f"tag {key!r}: keys are at most 128 characters, values 256, no `aws:` prefix"
                )
        return value

    def resource_tags(self) -> dict[str, str]:
        """The tags every taggable resource gets: config tags plus ``environment``."""
        return {**self.tags, "environment": self.environment}


#: Checks that need several keys at once; each returns the problems it finds. Modules that add config
#: sections append their own check here.
CrossCheck = Callable[[StackConfig, Mapping[str, Any]], Iterable[Problem]]


def _check_azs(cfg: StackConfig, _raw: Mapping[str, Any]) -> Iterable[Problem]:
    azs = cfg.network.availability_zones
    if azs is not None and cfg.network.az_count > len(azs):
        yield Problem(
            "network.azCount",
            cfg.network.az_count,
            f"is more than the {len(azs)} AZ(s) listed in network.availabilityZones; "
            "lower azCount or list more AZs",
        )


def _check_secret_refs(cfg: StackConfig, raw: Mapping[str, Any]) -> Iterable[Problem]:
    for i, secret in enumerate(cfg.vault.secrets):
        ref = secret.from_config
        if ref is not None and ref not in raw:
            yield Problem(
                join_path("vault", "secrets", i, "fromConfig"),
                ref,
                f"names no config key; set it with `pulumi config set --secret {ref} <value>`",
            )


CROSS_CHECKS: list[CrossCheck] = [_check_azs, _check_secret_refs, data_plane_checks, access_checks]


def load_stack_config(raw: Mapping[str, Any], secret_keys: Iterable[str] = ()) -> StackConfig:
    """Validate the raw config of the ``staging-blueprint`` namespace.

    Args:
        raw: key (without namespace, camelCase) -> value; structured values already decoded from JSON.
        secret_keys: keys whose values are secrets; they may only be referenced, never used as settings.

    Returns:
        The validated, frozen ``StackConfig``.

    Raises:
        ConfigError: with one ``Problem`` per invalid, unknown or missing key (all of them, not the first).
    """
    secret_keys = set(secret_keys)
    secret_refs = _secret_references(raw)
    settings = {k: v for k, v in raw.items() if k not in secret_refs}
    try:
        cfg = StackConfig.model_validate(settings)
    except ValidationError as exc:
        problems = [_problem_from_error(err) for err in exc.errors()]
        raise ConfigError([_hide_secret_value(p, secret_keys) for p in problems]) from None
    problems = [p for check in CROSS_CHECKS for p in check(cfg, raw)]
    problems += _unsecured_references(cfg, set(raw), secret_keys)
    if problems:
        raise ConfigError(problems)
    return cfg


def _hide_secret_value(problem: Problem, secret_keys: set[str]) -> Problem:
    top = re.split(r"[.\[]", problem.path, maxsplit=1)[0]
    return Problem(problem.path, "[secret]", problem.message) if top in secret_keys else problem


def _secret_references(raw: Mapping[str, Any]) -> set[str]:
    """Top-level keys that vault secrets reference by ``fromConfig`` (they hold values, not settings)."""
    vault = raw.get("vault")
    secrets = vault.get("secrets") if isinstance(vault, dict) else None
    if not isinstance(secrets, list):
        return set()
    return {s["fromConfig"] for s in secrets if isinstance(s, dict) and isinstance(s.get("fromConfig"), str)}


def _unsecured_references(cfg: StackConfig, present: set[str], secret_keys: set[str]) -> list[Problem]:
    return [
        Problem(
            join_path("vault", "secrets", i, "fromConfig"),
            s.from_config,
            f"config key {s.from_config!r} is not a secret; set it with "
            f"`pulumi config set --secret {s.from_config} <value>`",
        )
        for i, s in enumerate(cfg.vault.secrets)
        if s.from_config in present and s.from_config not in secret_keys
    ]


def _problem_from_error(err: Mapping[str, Any]) -> Problem:
    loc = tuple(err["loc"])
    if err["type"] == "extra_forbidden":
        return Problem(join_path(*loc), err["input"], _unknown_key_message(loc))
    message = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "missing":
        message = "is required"
    elif err["type"] == "literal_error":
        message = message.replace("Input should be", "must be one of")
    message = message.replace("Input should be", "must be")
    return Problem(join_path(*loc), err.get("input"), message)


def _unknown_key_message(loc: tuple[str | int, ...]) -> str:
    allowed = _allowed_keys(loc[:-1])
    hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
    suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
    return f"unknown key{suggestion}; allowed keys here: {', '.join(sorted(allowed))}"


def _allowed_keys(parent: tuple[str | int, ...]) -> list[str]:
    """The camelCase keys the model at ``parent`` accepts (walks the model tree by alias)."""
    model: Any = StackConfig
    for part in parent:
        if isinstance(part, int):
            continue
        field = next(f for name, f in model.model_fields.items() if (f.alias or name) == part)
        model = model_of(field.annotation)
    return [f.alias or name for name, f in model.model_fields.items()]


def model_of(annotation: Any) -> Any:
    """The ConfigModel inside ``X``, ``list[X]``, ``X | None``."""
    if isinstance(annotation, type) and issubclass(annotation, ConfigModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = model_of(arg)
        if found is not None:
            return found
    return None


def raw_from_pulumi() -> tuple[dict[str, Any], set[str]]:
    """Collect this namespace's config from the running Pulumi program.

    Returns:
        (key -> decoded value, the set of keys marked secret). Keys are without the namespace prefix.
    """
    import pulumi.runtime.config as runtime_config

    prefix = f"{NAMESPACE}:"
    merged = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    raw = {k[len(prefix) :]: decode_value(v) for k, v in merged.items() if k.startswith(prefix)}
    secret = {k[len(prefix) :] for k in raw_secret_keys() if k.startswith(prefix)}
    return raw, secret


def raw_secret_keys() -> set[str]:
    """Fully qualified config keys the engine marked secret."""
    import pulumi.runtime.config as runtime_config

    return set(runtime_config._SECRET_KEYS.get()) | set(runtime_config.get_config_secret_keys_env())


__all__ = [
    "NAMESPACE",
    "REQUIRED_TAGS",
    "ConfigError",
    "NetworkConfig",
    "Problem",
    "SecretSpec",
    "StackConfig",
    "VaultConfig",
    "load_stack_config",
    "raw_from_pulumi",
]
