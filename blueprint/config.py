"""The stack configuration: one pydantic model tree, read once from Pulumi config.

Every key lives in the ``staging-blueprint`` namespace of ``Pulumi.<stack>.yaml``; structured values are
YAML objects. ``load_stack_config`` turns the raw key/value map into a validated ``StackConfig`` or
raises ``ConfigError`` listing every problem as ``staging-blueprint:<key path>: <fix> (got <value>)``.
Stack-level facts the namespace alone does not hold (the stack name, ``aws:region``, the keys of other
namespaces) come in a ``StackContext``. The reference table in README.md is generated from these models
(``python -m blueprint config-reference``) and a test keeps the two in sync.

Secrets: a ``secure:`` value is accepted only where the schema says a secret belongs (a key that
``vault.secrets[].fromConfig`` references); anywhere else it is rejected, because a setting flows into
resource inputs unmarked and the real engine would store it decrypted in state. Every problem passes
through one redaction step (``Problem.redacted``) before it is shown, and the values of unknown keys are
never echoed.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationError, field_validator

from blueprint.config_access import TokenBrokerConfig, access_checks
from blueprint.config_base import (
    NAMESPACE,
    ConfigError,
    ConfigModel,
    Problem,
    decode_value,
    join_path,
    leaf_strings,
)
from blueprint.config_data import BrokerConfig, DatabaseConfig, data_plane_checks
from components.aws_limits import (
    AZ_SUFFIX_PATTERN,
    KMS_DELETION_WINDOW,
    KMS_ROTATION_PERIOD,
    LOG_RETENTION_DAYS,
    LOG_RETENTION_SOURCE,
    REGION_PATTERN,
    SECRET_NAME,
    SECRET_RECOVERY_WINDOW,
    VPC_PREFIX,
)

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
#: Config namespaces a stack file may use besides this project's: the providers the program runs.
KNOWN_NAMESPACES = (NAMESPACE, "aws", "kubernetes", "random", "pulumi")


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


_ENVIRONMENT = re.compile(r"[a-z][a-z0-9-]{1,19}")
_ENVIRONMENT_RULE = "2-20 characters: a lowercase letter, then lowercase letters, digits or -"


def _check_environment(value: str) -> str:
    if not _ENVIRONMENT.fullmatch(value):
        raise ValueError(f"must be {_ENVIRONMENT_RULE}")
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


@dataclass(frozen=True)
class StackContext:
    """What the stack config is checked against besides its own namespace.

    Attributes:
        stack: the Pulumi stack name; the default ``environment``.
        region: ``aws:region`` as configured (None when it is not set: an error, never a silent default).
        other_keys: fully qualified config keys outside this namespace (``aws:region``, ``kubernetes:...``),
            checked for typos of a known namespace.
        secret_values: the values of secret keys outside this namespace (a ``secure:`` ``aws:region``),
            so problems that quote them are redacted too.
    """

    stack: str
    region: str | None
    other_keys: frozenset[str] = frozenset()
    secret_values: frozenset[str] = frozenset()


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
    seen: set[str] = set()
    for i, secret in enumerate(cfg.vault.secrets):
        if secret.name in seen:
            yield Problem(
                join_path("vault", "secrets", i, "name"),
                secret.name,
                "is used twice; Secrets Manager names are unique per account and region",
            )
        seen.add(secret.name)
        ref = secret.from_config
        if ref is not None and ref not in raw:
            yield Problem(
                join_path("vault", "secrets", i, "fromConfig"),
                ref,
                f"names no config key; set it with `pulumi config set --secret {ref} <value>`",
            )


def _check_tags(cfg: StackConfig, _raw: Mapping[str, Any]) -> Iterable[Problem]:
    """Per-tag limits (Tagging AWS Resources, "Tag naming limits"), reported at ``tags.<key>``."""
    for key, value in cfg.tags.items():
        path = join_path("tags", key)
        if len(key) > 128 or key.lower().startswith("aws:"):
            yield Problem(path, key, "tag keys are at most 128 characters and must not start with `aws:`")
        if len(value) > 256:
            yield Problem(path, value, "tag values are at most 256 characters")


CROSS_CHECKS: list[CrossCheck] = [
    _check_azs,
    _check_secret_refs,
    _check_tags,
    data_plane_checks,
    access_checks,
]


def load_stack_config(
    raw: Mapping[str, Any], secret_keys: Iterable[str] = (), context: StackContext | None = None
) -> StackConfig:
    """Validate the raw config of the ``staging-blueprint`` namespace.

    Args:
        raw: key (without namespace, camelCase) -> value; structured values already decoded from JSON.
        secret_keys: keys whose values are secrets; allowed only where ``vault.secrets[].fromConfig``
            references them.
        context: the stack name, region and other namespaces' keys. The program and the preview always
            pass it; None (unit tests of single sections) skips the checks that need it and keeps the
            ``environment`` default ``staging``.

    Returns:
        The validated, frozen ``StackConfig``.

    Raises:
        ConfigError: with one redacted ``Problem`` per invalid, unknown or missing key (all of them).
    """
    secret_keys = set(secret_keys)
    secrets = [text for k in secret_keys if k in raw for text in leaf_strings(raw[k])]
    secrets += context.secret_values if context is not None else ()
    secret_refs = _secret_references(raw)
    settings = {k: v for k, v in raw.items() if k not in secret_refs}
    if context is not None and "environment" not in settings and _ENVIRONMENT.fullmatch(context.stack):
        settings["environment"] = context.stack
    problems = _context_problems(context, settings) + _secure_settings(settings, secret_keys)
    try:
        cfg = StackConfig.model_validate(settings)
    except ValidationError as exc:
        problems += [_hide_secret_value(_problem_from_error(err), secret_keys) for err in exc.errors()]
        raise ConfigError([p.redacted(secrets) for p in problems]) from None
    problems += [p for check in CROSS_CHECKS for p in check(cfg, raw)]
    problems += _unsecured_references(cfg, set(raw), secret_keys)
    if context is not None:
        problems += _az_region_problems(cfg, context.region)
    if problems:
        raise ConfigError([p.redacted(secrets) for p in problems])
    return cfg


def _context_problems(context: StackContext | None, settings: Mapping[str, Any]) -> list[Problem]:
    """The region, namespace typos and a stack name that cannot be the default environment."""
    if context is None:
        return []
    problems = _region_problems(context.region)
    problems += _namespace_problems(context.other_keys)
    if "environment" not in settings and not _ENVIRONMENT.fullmatch(context.stack):
        problems.append(
            Problem(
                "environment",
                context.stack,
                f"is not set and defaults to the stack name, which is not a valid environment name "
                f"({_ENVIRONMENT_RULE}); set staging-blueprint:environment",
            )
        )
    return problems


def _region_problems(region: str | None) -> list[Problem]:
    if region is None:
        return [
            Problem(
                "aws:region",
                None,
                "is not set; set it with `pulumi config set aws:region <region>` (e.g. eu-west-1): "
                "the provider would otherwise pick one from the environment, or none",
                hidden=True,
            )
        ]
    if not re.fullmatch(REGION_PATTERN, region):
        return [Problem("aws:region", region, "is not an AWS region name such as eu-west-1 or us-gov-west-1")]
    return []


def _namespace_problems(other_keys: Iterable[str]) -> list[Problem]:
    """Keys whose namespace looks like a typo of a known one (``staging-bluprint:environment``)."""
    problems = []
    for key in sorted(other_keys):
        namespace = key.split(":", 1)[0]
        if namespace in KNOWN_NAMESPACES:
            continue
        close = difflib.get_close_matches(namespace, KNOWN_NAMESPACES, n=1, cutoff=0.75)
        if close:
            problems.append(
                Problem(
                    key,
                    None,
                    f"is in namespace {namespace!r}, which nothing reads; did you mean {close[0]!r}?",
                    hidden=True,
                )
            )
    return problems


def _az_region_problems(cfg: StackConfig, region: str | None) -> list[Problem]:
    azs = cfg.network.availability_zones or []
    if region is None:
        return []
    return [
        Problem(
            join_path("network", "availabilityZones", i),
            az,
            f"is not an availability zone of aws:region {region} (expected {region}a, {region}b, ...)",
        )
        for i, az in enumerate(azs)
        if not re.fullmatch(re.escape(region) + AZ_SUFFIX_PATTERN, az)
    ]


def _secure_settings(settings: Mapping[str, Any], secret_keys: set[str]) -> list[Problem]:
    """``secure:`` values used as ordinary settings: rejected, their values never shown."""
    return [
        Problem(
            key,
            None,
            "holds a secure (secret) value, but it is a setting: settings flow into resource inputs "
            "unmarked and would be stored decrypted in state. Set it in plain text, or if it is a secret, "
            "reference its key from vault.secrets[].fromConfig",
            hidden=True,
        )
        for key in sorted(secret_keys & set(settings) & _top_level_keys())
    ]


def _top_level_keys() -> set[str]:
    """The keys ``StackConfig`` accepts (a secure value under an unknown key is reported as unknown)."""
    return {f.alias or name for name, f in StackConfig.model_fields.items()}


def _hide_secret_value(problem: Problem, secret_keys: set[str]) -> Problem:
    top = re.split(r"[.\[]", problem.path, maxsplit=1)[0]
    if top in secret_keys:
        return Problem(problem.path, None, problem.message, hidden=True)
    return problem


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
        # The value of an unknown key may be anything, a misplaced password included: never echo it.
        return Problem(join_path(*loc), None, _unknown_key_message(loc), hidden=True)
    message = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "missing":
        message = "is required"
    elif err["type"] == "literal_error":
        message = message.replace("Input should be", "must be one of")
    message = message.replace("Input should be", "must be")
    value = err.get("input")
    if err["type"] == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
        message += (
            f'; YAML read {value!r} as a number (16.10 becomes 16.1): quote it, e.g. "{value}" '
            "(write the digits exactly as intended)"
        )
    return Problem(join_path(*loc), value, message)


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
        field = next((f for name, f in model.model_fields.items() if (f.alias or name) == part), None)
        nested = model_of(field.annotation) if field is not None else None
        if nested is None:  # a dict key (e.g. a group name) sits between two models
            continue
        model = nested
    return [f.alias or name for name, f in model.model_fields.items()]


def model_of(annotation: Any) -> Any:
    """The ConfigModel inside ``X``, ``list[X]``, ``X | None``, ``dict[str, X]``."""
    if isinstance(annotation, type) and issubclass(annotation, ConfigModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = model_of(arg)
        if found is not None:
            return found
    return None


def raw_from_pulumi() -> tuple[dict[str, Any], set[str], StackContext]:
    """Collect the config of the running Pulumi program.

    Returns:
        (key -> decoded value of this namespace, the set of its keys marked secret, the stack context).
        Keys are without the namespace prefix.
    """
    import pulumi
    import pulumi.runtime.config as runtime_config

    prefix = f"{NAMESPACE}:"
    merged = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    raw = {k[len(prefix) :]: decode_value(v) for k, v in merged.items() if k.startswith(prefix)}
    secret = {k[len(prefix) :] for k in raw_secret_keys() if k.startswith(prefix)}
    foreign_secrets = {k for k in raw_secret_keys() if not k.startswith(prefix) and k in merged}
    context = StackContext(
        stack=pulumi.get_stack(),
        region=merged.get("aws:region"),
        other_keys=frozenset(k for k in merged if not k.startswith(prefix)),
        secret_values=frozenset(
            text for k in foreign_secrets for text in leaf_strings(decode_value(merged[k]))
        ),
    )
    return raw, secret, context


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
    "StackContext",
    "VaultConfig",
    "load_stack_config",
    "raw_from_pulumi",
]
