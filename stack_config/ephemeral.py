"""``staging-blueprint:ephemeral``: a pull request's slice of staging, legal only on a ``pr-<n>`` stack.

A slice builds on a baseline stack (default ``staging``) and creates only thin parts: a namespace on the
shared cluster, routes on the shared edge under ``pr-<n>.<edge domain>``, a workload role, and a database,
vhost and topic prefix on the shared data stores. Its expiry lives in config (``expiresAt``, written by
``python -m blueprint ephemeral up`` and ``extend``: the time to live counted from the last update) and in
tags on every AWS resource, so any backend keeps it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, Field

from components.aws_limits import Range
from components.slice_names import MAX_PR_NUMBER, SliceNames, pr_number_of
from stack_config.base import ConfigModel, Problem

#: The time to live of a slice, in hours: default 72 (a working week-end), at most 168 (one week): longer
#: and a forgotten slice holds shared capacity for weeks; ``extend`` renews it.
TTL_HOURS = Range(1, 168, "hours", "this blueprint's bound (docs/ephemeral.md, 'Limits')")
DEFAULT_TTL_HOURS = 72
#: How far an ``expiresAt`` may lie ahead of the time the config is checked, beyond the maximum TTL
#: (clock skew between the machine that wrote it and the one that checks it).
EXPIRY_SLACK = timedelta(minutes=10)


def _check_baseline(value: str) -> str:
    from stack_config.schema import ENVIRONMENT_PATTERN, ENVIRONMENT_RULE  # schema imports this module

    if not ENVIRONMENT_PATTERN.fullmatch(value):
        raise ValueError(f"must be a stack name, {ENVIRONMENT_RULE}")
    if pr_number_of(value) is not None:
        raise ValueError("must be a full stack such as staging, not another slice")
    return value


def _check_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        raise ValueError("must be a UTC time in RFC 3339 form, e.g. 2026-12-09T18:00:00Z")
    return value.astimezone(UTC)


class SliceRoute(ConfigModel):
    """One route of the slice on the shared edge: ``pr-<n>.<domain><pathPrefix>`` -> ``service:port``."""

    service: str = Field(
        pattern=r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$", description="Service in the slice's namespace."
    )
    port: int = Field(ge=1, le=65535, description="The Service's port.")
    path_prefix: str = Field(default="/", pattern=r"^/", description="Path the Service serves (default `/`).")


class SliceQuota(ConfigModel):
    """The slice namespace's ResourceQuota: a fraction of staging's."""

    requests_cpu: str = Field(default="2", description="Sum of CPU requests (Kubernetes quantity).")
    requests_memory: str = Field(default="4Gi", description="Sum of memory requests (Kubernetes quantity).")
    limits_cpu: str = Field(default="4", description="Sum of CPU limits.")
    limits_memory: str = Field(default="8Gi", description="Sum of memory limits.")
    pods: int = Field(default=20, ge=1, le=200, description="Pods at most.")

    def hard(self) -> dict[str, str]:
        """ResourceQuota ``hard`` entries."""
        return {
            "requests.cpu": self.requests_cpu,
            "requests.memory": self.requests_memory,
            "limits.cpu": self.limits_cpu,
            "limits.memory": self.limits_memory,
            "pods": str(self.pods),
        }


class SliceParts(ConfigModel):
    """What the slice gets on the baseline's shared parts (each named after the baseline's entry)."""

    routes: list[SliceRoute] = Field(default=[], description="Routes on the shared edge (per-PR hostname).")
    database: str | None = Field(
        default=None,
        description="Baseline database (`databases[].name`) hosting the slice's own database and role.",
    )
    seed_from: str | None = Field(
        default=None,
        pattern=r"^[a-z_][a-z0-9_]{0,62}$",
        description=(
            "Database on `database`'s instance the slice's database is copied from when it is created "
            "(`CREATE DATABASE ... TEMPLATE`): an idle copy of staging's sanitized data, such as "
            "`orders_seed`; no other session may be connected to it. Unset: an empty database."
        ),
    )
    rabbitmq: str | None = Field(
        default=None, description="Baseline RabbitMQ broker hosting the slice's vhost and user."
    )
    kafka: str | None = Field(
        default=None,
        description="Baseline Kafka broker on which the slice may use topics and groups `pr-<n>.*`.",
    )
    quota: SliceQuota = Field(default_factory=SliceQuota, description="The slice namespace's quota.")


class EphemeralConfig(ConfigModel):
    """``staging-blueprint:ephemeral``: the slice of pull request ``pullRequest`` on ``baseline``."""

    pull_request: int = Field(ge=1, le=MAX_PR_NUMBER, description=f"The PR number (1-{MAX_PR_NUMBER}).")
    baseline: Annotated[str, AfterValidator(_check_baseline)] = Field(
        default="staging", description="The full stack whose cluster, edge and data stores the slice shares."
    )
    ttl_hours: int = Field(
        default=DEFAULT_TTL_HOURS,
        ge=TTL_HOURS.low,
        le=TTL_HOURS.high,
        description="Time to live in hours (1-168), from creation or the last `ephemeral up`/`extend`.",
    )
    expires_at: Annotated[datetime, AfterValidator(_check_utc)] = Field(
        description="When the janitor may destroy the slice (UTC, RFC 3339); written by `ephemeral up`."
    )
    parts: SliceParts = Field(default_factory=SliceParts, description="What the slice gets.")

    def names(self, project: str = "staging-blueprint") -> SliceNames:
        return SliceNames(self.pull_request, project)

    def expiry_tag(self) -> str:
        """``expiresAt`` as the ``ephemeral:expires-at`` tag value (``2026-12-09T18:00:00Z``)."""
        return self.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def ephemeral_problems(
    section: EphemeralConfig | None, stack: str, environment: str, now: datetime | None = None
) -> Iterable[Problem]:
    """The section is present exactly on ``pr-<n>`` stacks, names that stack, and expires within the
    maximum time to live from ``now`` (default: the current time).

    A typo must never make a full stack reapable: an ``ephemeral`` section elsewhere is an error.
    """
    number = pr_number_of(stack)
    if section is None:
        if number is not None:
            yield Problem(
                "ephemeral",
                None,
                f"is required on stack {stack!r}: a pr-<n> stack is a pull request's slice of staging "
                "(set pullRequest, expiresAt; `python -m blueprint ephemeral up` writes them)",
                hidden=True,
            )
        return
    if number is None:
        yield Problem(
            "ephemeral",
            None,
            f"is only legal on a stack named pr-<number> (this is {stack!r}); remove it: it would make the "
            "stack reapable",
            hidden=True,
        )
        return
    if section.pull_request != number:
        yield Problem(
            "ephemeral.pullRequest", section.pull_request, f"must be {number}, the stack's PR number"
        )
    if environment != stack:
        yield Problem("environment", environment, f"must be the slice's stack name {stack!r} (or unset)")
    yield from _seed_problems(section.parts)
    latest = (now or datetime.now(UTC)) + timedelta(hours=section.ttl_hours) + EXPIRY_SLACK
    if section.expires_at > latest:
        yield Problem(
            "ephemeral.expiresAt",
            section.expiry_tag(),
            f"is more than ttlHours ({section.ttl_hours} h) ahead; run `python -m blueprint ephemeral "
            "extend` to renew a slice",
        )


#: Databases that are never a seed: the server's own (RDS's ``rdsadmin`` included).
NOT_SEEDS = frozenset({"postgres", "template0", "template1", "rdsadmin"})


def _seed_problems(parts: SliceParts) -> Iterable[Problem]:
    """``parts.seedFrom`` needs ``parts.database`` and names neither a slice's nor a system database."""
    seed = parts.seed_from
    if seed is None:
        return
    if parts.database is None:
        yield Problem(
            "ephemeral.parts.seedFrom", seed, "needs ephemeral.parts.database (the instance it is copied on)"
        )
    if seed in NOT_SEEDS or pr_number_of(seed.replace("_", "-")) is not None:
        yield Problem(
            "ephemeral.parts.seedFrom",
            seed,
            "must be an idle copy of a staging database (such as orders_seed), not a system or slice "
            "database",
        )
