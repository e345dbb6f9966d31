"""Config of the edge and the mail sink: ``staging-blueprint:edge`` and ``staging-blueprint:mailSink``.

The edge is the only way into staging's apps: Envoy Gateway behind an internal NLB, answering every request
with ``X-Robots-Tag: noindex, nofollow``, ``/robots.txt`` with ``Disallow: /`` and everything else only
after basic auth or an OIDC login. Credentials come from secret config keys named here (``...FromConfig``),
never from this section itself. The mail sink (Mailpit) catches every email staging sends; its UI is
reached through the edge. Rules over several keys are in ``kubernetes_checks.py``.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from stack_config.access import _check_issuer
from stack_config.base import ConfigModel

#: Envoy Gateway releases of the pinned line (v1.9: Gateway API v1.6 CRDs, bundled in its Helm chart).
ENVOY_GATEWAY_LINE = "v1.9"
DEFAULT_ENVOY_GATEWAY_VERSION = "v1.9.2"
DEFAULT_MAILPIT_IMAGE = "axllent/mailpit:v1.29.7"
#: A Gateway API listener hostname: a DNS name, optionally with one leading ``*.`` label.
_HOSTNAME = re.compile(r"(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+")
#: An image reference pinned by version tag or digest (``:latest`` and untagged references are refused).
_PINNED_IMAGE = re.compile(
    r"[a-z0-9.-]+(?::\d+)?(?:/[a-z0-9._-]+)+(?::(?!latest$)[\w][\w.-]{0,127}|@sha256:[0-9a-f]{64})"
)


def _check_hostname(value: str) -> str:
    if len(value) > 253 or not _HOSTNAME.fullmatch(value):
        raise ValueError("must be a lowercase DNS name such as staging.example.com or *.staging.example.com")
    return value


def _check_exact_hostname(value: str) -> str:
    _check_hostname(value)
    if value.startswith("*"):
        raise ValueError("must be one DNS name, without a wildcard")
    return value


def _check_cidrs(value: list[str]) -> list[str]:
    for cidr in value:
        try:
            network = ipaddress.ip_network(cidr, strict=True)
        except ValueError as exc:
            raise ValueError(f"{cidr!r} is not a CIDR without host bits: {exc}") from None
        if network.prefixlen == 0:
            raise ValueError(f"{cidr!r} allows every address; list the networks that may reach the edge")
    if len(set(value)) != len(value):
        raise ValueError("CIDRs must be unique")
    return value


def _check_version(value: str) -> str:
    if not re.fullmatch(rf"{re.escape(ENVOY_GATEWAY_LINE)}\.\d+", value):
        raise ValueError(
            f"must be an Envoy Gateway {ENVOY_GATEWAY_LINE}.x release such as "
            f"{DEFAULT_ENVOY_GATEWAY_VERSION}: the edge's objects follow that line's CRDs (Gateway API v1.6)"
        )
    return value


def _check_image(value: str) -> str:
    if not _PINNED_IMAGE.fullmatch(value):
        raise ValueError(
            "must be an image pinned by version tag or digest, e.g. axllent/mailpit:v1.29.7 or "
            "docker.io/axllent/mailpit@sha256:<64 hex digits> (not :latest)"
        )
    return value


Hostname = Annotated[str, AfterValidator(_check_hostname)]
Cidrs = Annotated[list[str], AfterValidator(_check_cidrs)]
SecretKey = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")]
#: A Kubernetes Secret name (DNS-1123 subdomain).
SecretName = Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", max_length=253)]


class BasicAuthConfig(ConfigModel):
    """Basic auth at the edge (Envoy Gateway ``SecurityPolicy.basicAuth``)."""

    htpasswd_from_config: SecretKey = Field(
        description="Secret config key holding htpasswd lines with SHA hashes, the only hash Envoy Gateway "
        'accepts: `pulumi config set --secret <key> "$(htpasswd -nbs <user> <password>)"`.'
    )


class OidcConfig(ConfigModel):
    """An OIDC login at the edge (Envoy Gateway ``SecurityPolicy.oidc``)."""

    issuer: Annotated[str, AfterValidator(_check_issuer)] = Field(
        description="OIDC issuer URL (https, exactly the tokens' `iss`), e.g. https://idp.example.com/realms/staging."
    )
    client_id: str = Field(min_length=1, description="OIDC client id registered for the edge.")
    client_secret_from_config: SecretKey = Field(
        description="Secret config key holding the OIDC client secret (`pulumi config set --secret <key>`)."
    )
    scopes: list[str] = Field(default=["openid", "email"], description="Scopes to request.")


class EdgeConfig(ConfigModel):
    """``staging-blueprint:edge``: the authenticated, unindexable way into staging (needs ``cluster``)."""

    hostname: Hostname = Field(
        description="Hostname of the Gateway's HTTPS listener, e.g. *.staging.example.com; apps' routes "
        "use names under it."
    )
    tls_secret_name: SecretName = Field(
        default="edge-tls",
        description="kubernetes.io/tls Secret in the namespace with the listener's certificate (issued by "
        "cert-manager or your PKI, out of band). TLS ends at Envoy; the NLB passes TCP through.",
    )
    auth: Literal["basic", "oidc"] = Field(
        default="basic", description="How people authenticate: `basic` (htpasswd) or `oidc` (your IdP)."
    )
    basic_auth: BasicAuthConfig | None = Field(default=None, description="Required with `auth: basic`.")
    oidc: OidcConfig | None = Field(default=None, description="Required with `auth: oidc`.")
    client_cidrs: Cidrs = Field(
        default=[],
        description="If set, only clients from these CIDRs are let in (after authentication), e.g. the "
        "office and VPN ranges. Default: any client that authenticates.",
    )
    public: bool = Field(
        default=False,
        description="Make the NLB internet-facing. The policy pack flags it (edge-load-balancer-internal) "
        "unless exempted, and `sourceRanges` must then list who may connect.",
    )
    source_ranges: Cidrs = Field(
        default=[], description="With `public`: the only CIDRs the NLB admits (loadBalancerSourceRanges)."
    )
    envoy_gateway_version: Annotated[str, AfterValidator(_check_version)] = Field(
        default=DEFAULT_ENVOY_GATEWAY_VERSION,
        description="Envoy Gateway Helm chart version (oci://docker.io/envoyproxy/gateway-helm), pinned.",
    )
    replicas: int = Field(default=2, ge=1, le=10, description="Envoy proxy replicas.")


class MailSinkConfig(ConfigModel):
    """``staging-blueprint:mailSink``: Mailpit catches all mail; nothing is relayed (needs ``cluster``)."""

    hostname: str | None = Field(
        default=None,
        description="Hostname of the Mailpit UI through the edge (under `edge.hostname`). Default: no UI "
        "route; read mail with `kubectl port-forward`.",
    )
    image: Annotated[str, AfterValidator(_check_image)] = Field(
        default=DEFAULT_MAILPIT_IMAGE, description="Mailpit image, pinned by version tag or digest."
    )
    max_messages: int = Field(
        default=5000, ge=100, le=100000, description="Messages kept; older ones are deleted first."
    )

    @field_validator("hostname")
    @classmethod
    def _exact_hostname(cls, value: str | None) -> str | None:
        return None if value is None else _check_exact_hostname(value)
