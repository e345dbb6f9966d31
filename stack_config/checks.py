"""Rules of the stack config that span several keys or need the stack itself: the stack name, the
region and its availability zones, config namespaces, secret references and tags.

Secrets: a ``secure:`` value is accepted only where the schema says a secret belongs (a key that
``vault.secrets[].fromConfig`` or a Kubernetes section's ``...FromConfig`` references); anywhere else it is
rejected, because a setting flows into resource inputs unmarked and the real engine would store it
decrypted in state.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from components.aws_limits import (
    AZ_SUFFIX_PATTERN,
    AZS_PER_REGION,
    AZS_SOURCE,
    KNOWN_REGIONS,
    MAX_ENDPOINT_VPC_PREFIX,
    MIN_AZS_PER_REGION,
    REGION_PATTERN,
    SUBNET_MIN_PREFIX_SOURCE,
    az_count_evidence,
)
from stack_config.base import NAMESPACE, Problem, join_path
from stack_config.kubernetes_checks import raw_secret_keys, secret_reference_paths
from stack_config.schema import ENVIRONMENT_PATTERN, ENVIRONMENT_RULE, StackConfig

#: Config namespaces a stack file may use besides this project's: the providers the program runs.
KNOWN_NAMESPACES = (NAMESPACE, "aws", "kubernetes", "random", "pulumi")


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


def check_azs(cfg: StackConfig, _raw: Mapping[str, Any]) -> Iterable[Problem]:
    azs = cfg.network.availability_zones
    if azs is not None and cfg.network.az_count > len(azs):
        yield Problem(
            "network.azCount",
            cfg.network.az_count,
            f"is more than the {len(azs)} AZ(s) listed in network.availabilityZones; "
            "lower azCount or list more AZs",
        )


def check_nat_for_cluster(cfg: StackConfig, _raw: Mapping[str, Any]) -> Iterable[Problem]:
    """An EKS cluster's nodes need a way out: they pull the edge's and the mail sink's images from public
    registries and reach AWS APIs no interface endpoint of the stack serves (EKS User Guide, "Deploy
    private clusters with limited internet access": every image from ECR, endpoints for EC2, ELB, ...)."""
    if cfg.cluster is not None and cfg.cluster.mode == "eks" and cfg.network.nat_strategy == "none":
        yield Problem(
            "network.natStrategy",
            "none",
            "leaves the EKS cluster (cluster.mode: eks) without internet egress: its nodes could not pull "
            "images from public registries (Envoy Gateway, Mailpit) nor reach the EKS and EC2 APIs; set "
            "natStrategy to single or perAz, or deploy into an existing cluster (cluster.mode: existing)",
        )


def check_endpoint_subnets(cfg: StackConfig, _raw: Mapping[str, Any]) -> Iterable[Problem]:
    """Interface endpoints get a subnet of their own per AZ, 1/256 of the VPC: at least a /28 needs a /20."""
    net = cfg.network
    prefix = int(net.cidr.rsplit("/", 1)[1])
    if net.interface_endpoints and prefix > MAX_ENDPOINT_VPC_PREFIX:
        yield Problem(
            "network.cidr",
            net.cidr,
            f"is too small for the interface endpoints' own subnets (one per AZ, 1/256 of the VPC, at least "
            f"a /28: {SUBNET_MIN_PREFIX_SOURCE}); use a /16 to /{MAX_ENDPOINT_VPC_PREFIX}, or set "
            "network.interfaceEndpoints: []",
        )


def check_secret_refs(cfg: StackConfig, raw: Mapping[str, Any]) -> Iterable[Problem]:
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


def check_tags(cfg: StackConfig, _raw: Mapping[str, Any]) -> Iterable[Problem]:
    """Per-tag limits (Tagging AWS Resources, "Tag naming limits"), reported at ``tags.<key>``."""
    for key, value in cfg.tags.items():
        path = join_path("tags", key)
        if len(key) > 128 or key.lower().startswith("aws:"):
            yield Problem(path, key, "tag keys are at most 128 characters and must not start with `aws:`")
        if len(value) > 256:
            yield Problem(path, value, "tag values are at most 256 characters")


def context_problems(context: StackContext | None, settings: Mapping[str, Any]) -> list[Problem]:
    """The region, namespace typos and a stack name that cannot be the default environment."""
    if context is None:
        return []
    problems = _region_problems(context.region)
    problems += _namespace_problems(context.other_keys)
    if "environment" not in settings and not ENVIRONMENT_PATTERN.fullmatch(context.stack):
        problems.append(
            Problem(
                "environment",
                context.stack,
                f"is not set and defaults to the stack name, which is not a valid environment name "
                f"({ENVIRONMENT_RULE}); set staging-blueprint:environment",
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
    if region not in KNOWN_REGIONS:
        close = difflib.get_close_matches(region, sorted(KNOWN_REGIONS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return [
            Problem(
                "aws:region",
                region,
                f"is not an AWS region this blueprint knows (components/aws_limits.py KNOWN_REGIONS){hint} "
                "Set `pulumi config set aws:region <region>`, or add a newly opened region to the table",
            )
        ]
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


def az_region_problems(cfg: StackConfig, region: str | None) -> list[Problem]:
    """AZ names of another region, and more AZs than the region offers (``AZS_PER_REGION``)."""
    azs = cfg.network.availability_zones or []
    if region is None:
        return []
    return _az_count_problems(cfg, region) + [
        Problem(
            join_path("network", "availabilityZones", i),
            az,
            f"is not an availability zone of aws:region {region} (expected {region}a, {region}b, ...)",
        )
        for i, az in enumerate(azs)
        if not re.fullmatch(re.escape(region) + AZ_SUFFIX_PATTERN, az)
    ]


def _az_count_problems(cfg: StackConfig, region: str) -> list[Problem]:
    count, documented = cfg.network.az_count, AZS_PER_REGION.get(region)
    if region not in KNOWN_REGIONS or count <= (documented or MIN_AZS_PER_REGION):
        return []
    if documented is not None:
        why = f"aws:region {region} offers {documented} availability zone(s) ({AZS_SOURCE})"
    elif cfg.network.availability_zones is None:
        evidence = az_count_evidence(region)
        why = (
            f"what the preview can tell for {region} ({evidence}; {AZS_SOURCE}); name the zones in "
            "network.availabilityZones if the region has more"
        )
    else:
        return []
    return [Problem("network.azCount", count, f"is more than {why}; lower azCount")]


def secure_settings(settings: Mapping[str, Any], secret_keys: set[str]) -> list[Problem]:
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


def secret_references(raw: Mapping[str, Any]) -> set[str]:
    """Top-level keys that vault secrets (``fromConfig``) and the Kubernetes sections (``...FromConfig``)
    reference: they hold values, not settings."""
    vault = raw.get("vault")
    secrets = vault.get("secrets") if isinstance(vault, dict) else None
    found = raw_secret_keys(raw)
    if isinstance(secrets, list):
        found |= {
            s["fromConfig"] for s in secrets if isinstance(s, dict) and isinstance(s.get("fromConfig"), str)
        }
    return found


def unsecured_references(cfg: StackConfig, present: set[str], secret_keys: set[str]) -> list[Problem]:
    """References (``fromConfig``, ``...FromConfig``) to config keys that hold plain, not secret, values."""
    refs = [
        (join_path("vault", "secrets", i, "fromConfig"), s.from_config)
        for i, s in enumerate(cfg.vault.secrets)
        if s.from_config is not None
    ]
    refs += secret_reference_paths(cfg.cluster, cfg.edge)
    return [
        Problem(
            path,
            key,
            f"config key {key!r} is not a secret; set it with `pulumi config set --secret {key} <value>`",
        )
        for path, key in refs
        if key in present and key not in secret_keys
    ]
