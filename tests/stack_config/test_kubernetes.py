"""``cluster``, ``namespace``, ``edge`` and ``mailSink``: secure defaults, and every rule names the exact key
path, the bad value and the fix; credentials only from secret config keys, never shown."""

from __future__ import annotations

from typing import Any

import pytest

from stack_config import ConfigError, load_stack_config
from stack_config.kubernetes_versions import DEFAULT_KUBERNETES_VERSION, KUBERNETES_VERSIONS

BASE = {"tags": {"owner": "team-a", "cost-center": "cc-1"}}
ADMIN = "arn:aws:iam::111122223333:role/platform-deployer"
HTPASSWD = "staging:{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M="


def kubernetes(**sections: Any) -> dict[str, Any]:
    """A valid Kubernetes side (cluster, edge with basic auth, mail sink) with ``sections`` replaced."""
    raw = {
        **BASE,
        "cluster": {"adminRoleArns": [ADMIN]},
        "edge": {"hostname": "*.staging.example.com", "basicAuth": {"htpasswdFromConfig": "edgeHtpasswd"}},
        "mailSink": {"hostname": "mail.staging.example.com"},
        "edgeHtpasswd": HTPASSWD,
        **sections,
    }
    return {k: v for k, v in raw.items() if v is not None}


def load(raw: dict[str, Any], secret_keys: tuple[str, ...] = ("edgeHtpasswd",)):
    return load_stack_config(raw, secret_keys)


def problems(raw: dict[str, Any], secret_keys: tuple[str, ...] = ("edgeHtpasswd",)) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(raw, secret_keys)
    return [p.render() for p in info.value.problems]


def test_secure_defaults():
    cfg = load(kubernetes())
    cluster = cfg.cluster
    assert (cluster.mode, cluster.version, cluster.public_access_cidrs) == (
        "eks",
        DEFAULT_KUBERNETES_VERSION,
        [],
    )
    assert cluster.deletion_protection is True
    assert (cfg.namespace.name, cfg.namespace.quota_hard()["pods"]) == ("apps", "100")
    assert (cfg.edge.auth, cfg.edge.public, cfg.edge.client_cidrs) == ("basic", False, [])
    assert cfg.edge.envoy_gateway_version.startswith("v1.9.")
    assert cfg.mail_sink.image.startswith("axllent/mailpit:v")
    assert load_stack_config(BASE).cluster is None


def test_the_default_version_is_in_standard_support_and_the_newest():
    assert DEFAULT_KUBERNETES_VERSION == "1.35"
    assert all(v.end_of_standard_support > v.released for v in KUBERNETES_VERSIONS.values())
    assert KUBERNETES_VERSIONS["1.34"].end_of_standard_support.isoformat() == "2026-12-02"


@pytest.mark.parametrize(
    ("sections", "expected"),
    [
        (
            {"cluster": {"adminRoleArns": [ADMIN], "version": "1.33"}},
            "staging-blueprint:cluster.version: must be a Kubernetes minor version EKS offers under standard "
            "support: 1.34, 1.35",
        ),
        (
            {"cluster": {}},
            "staging-blueprint:cluster.adminRoleArns: must name the IAM role(s) `pulumi up` runs as",
        ),
        (
            {"cluster": {"adminRoleArns": [ADMIN], "publicAccessCidrs": ["0.0.0.0/0"]}},
            "staging-blueprint:cluster.publicAccessCidrs: '0.0.0.0/0': list the public CIDRs",
        ),
        (
            {"cluster": {"adminRoleArns": ["arn:aws:iam::111122223333:user/me"]}},
            "staging-blueprint:cluster.adminRoleArns: 'arn:aws:iam::111122223333:user/me' is not an "
            "IAM role ARN",
        ),
        (
            {"cluster": {"adminRoleArns": [ADMIN], "nodeGroup": {"minSize": 2, "desiredSize": 1}}},
            "staging-blueprint:cluster.nodeGroup.desiredSize: must lie between minSize (2) and maxSize (3) "
            "(got 1)",
        ),
        (
            {"cluster": {"adminRoleArns": [ADMIN], "nodeGroup": {"instanceTypes": ["m7i.large"]}}},
            "staging-blueprint:cluster.nodeGroup.instanceTypes[0]: is an x86_64 type but amiType is "
            "AL2023_ARM_64_STANDARD",
        ),
        (
            {
                "cluster": {"mode": "existing", "adminRoleArns": [ADMIN], "kubeconfigFromConfig": "kc"},
                "kc": "x",
            },
            "staging-blueprint:cluster.adminRoleArns: applies to mode eks only; remove it",
        ),
        (
            {"cluster": {"mode": "existing"}},
            "staging-blueprint:cluster.kubeconfigFromConfig: is required with mode existing",
        ),
    ],
    ids=[
        "version",
        "no-admin",
        "public-everyone",
        "admin-not-a-role",
        "desired-below-min",
        "arch",
        "eks-only-key",
        "no-kubeconfig",
    ],
)
def test_cluster_rules(sections, expected):
    found = problems(kubernetes(**sections), ("edgeHtpasswd", "kc"))
    assert any(line.startswith(expected) for line in found), found


@pytest.mark.parametrize(
    ("namespace", "expected"),
    [
        ({"name": "kube-system"}, "staging-blueprint:namespace.name: is reserved"),
        ({"name": "Apps"}, "staging-blueprint:namespace.name: must be a DNS-1123 label"),
        (
            {"quota": {"requestsCpu": "8 cores"}},
            "staging-blueprint:namespace.quota.requestsCpu: must be a CPU quantity",
        ),
        (
            {"limits": {"maxMemory": "8GB"}},
            "staging-blueprint:namespace.limits.maxMemory: must be a memory quantity",
        ),
        (
            {"limits": {"defaultCpu": "2", "maxCpu": "1"}},
            "staging-blueprint:namespace.limits.defaultCpu: must not exceed namespace.limits.maxCpu (1) "
            "(got '2')",
        ),
        (
            {"limits": {"defaultRequestMemory": "1Gi", "defaultMemory": "512Mi"}},
            "staging-blueprint:namespace.limits.defaultRequestMemory: must not exceed "
            "namespace.limits.defaultMemory",
        ),
    ],
    ids=["reserved", "not-a-label", "cpu", "memory", "default-above-max", "request-above-limit"],
)
def test_namespace_rules(namespace, expected):
    found = problems(kubernetes(namespace=namespace))
    assert any(line.startswith(expected) for line in found), found


EDGE = {"hostname": "*.staging.example.com", "basicAuth": {"htpasswdFromConfig": "edgeHtpasswd"}}


@pytest.mark.parametrize(
    ("edge", "expected"),
    [
        (
            {"hostname": "*.staging.example.com"},
            "staging-blueprint:edge.basicAuth: is required with auth: basic",
        ),
        (
            {**EDGE, "public": True},
            "staging-blueprint:edge.sourceRanges: must list the CIDRs allowed to reach a public edge",
        ),
        (
            {**EDGE, "sourceRanges": ["203.0.113.0/24"]},
            "staging-blueprint:edge.sourceRanges: applies to a public edge only",
        ),
        (
            {**EDGE, "clientCidrs": ["0.0.0.0/0"]},
            "staging-blueprint:edge.clientCidrs: '0.0.0.0/0' allows every address",
        ),
        (
            {**EDGE, "envoyGatewayVersion": "v1.8.3"},
            "staging-blueprint:edge.envoyGatewayVersion: must be an Envoy Gateway v1.9.x",
        ),
        (
            {**EDGE, "hostname": "Staging.Example.com"},
            "staging-blueprint:edge.hostname: must be a lowercase DNS name",
        ),
        (
            {**EDGE, "auth": "oidc"},
            "staging-blueprint:edge.oidc: is required with auth: oidc",
        ),
    ],
    ids=[
        "basic-without-key",
        "public-without-ranges",
        "ranges-without-public",
        "clients-everyone",
        "version",
        "hostname",
        "oidc-missing",
    ],
)
def test_edge_rules(edge, expected):
    referenced = "basicAuth" in edge  # an unreferenced secret key would be reported as unknown
    found = problems(kubernetes(edge=edge, edgeHtpasswd=HTPASSWD if referenced else None))
    assert any(line.startswith(expected) for line in found), found


@pytest.mark.parametrize(
    ("mail", "expected"),
    [
        (
            {"image": "axllent/mailpit:latest"},
            "staging-blueprint:mailSink.image: must be an image pinned",
        ),
        (
            {"image": "axllent/mailpit"},
            "staging-blueprint:mailSink.image: must be an image pinned",
        ),
        (
            {"hostname": "mail.example.org"},
            "staging-blueprint:mailSink.hostname: is not under edge.hostname (*.staging.example.com)",
        ),
        (
            {"hostname": "*.staging.example.com"},
            "staging-blueprint:mailSink.hostname: must be one DNS name",
        ),
    ],
    ids=["latest", "untagged", "outside-the-listener", "wildcard"],
)
def test_mail_sink_rules(mail, expected):
    found = problems(kubernetes(mailSink=mail))
    assert any(line.startswith(expected) for line in found), found


def test_sections_need_the_cluster():
    found = problems(kubernetes(cluster=None, namespace={"name": "apps"}))
    assert "staging-blueprint:edge: needs staging-blueprint:cluster (the cluster it runs in); add it" in found
    assert (
        "staging-blueprint:namespace: needs staging-blueprint:cluster (the cluster it runs in); add it"
        in found
    )
    assert (
        "staging-blueprint:mailSink: needs staging-blueprint:cluster (the cluster it runs in); add it"
        in found
    )


def test_the_htpasswd_key_must_exist_and_be_a_secret_and_is_never_shown():
    missing = problems({k: v for k, v in kubernetes().items() if k != "edgeHtpasswd"}, ())
    assert missing == [
        "staging-blueprint:edge.basicAuth.htpasswdFromConfig: names no config key; set it with "
        "`pulumi config set --secret edgeHtpasswd <value>` (got 'edgeHtpasswd')"
    ]
    plain = problems(kubernetes(), ())
    assert plain == [
        "staging-blueprint:edge.basicAuth.htpasswdFromConfig: config key 'edgeHtpasswd' is not a secret; "
        "set it with `pulumi config set --secret edgeHtpasswd <value>` (got 'edgeHtpasswd')"
    ]
    assert not any(HTPASSWD in line for line in missing + plain)


def test_oidc_and_existing_mode_take_their_secrets_from_config():
    raw = kubernetes(
        cluster={"mode": "existing", "kubeconfigFromConfig": "kubeconfig"},
        edge={
            "hostname": "*.staging.example.com",
            "auth": "oidc",
            "oidc": {
                "issuer": "https://idp.example.com/realms/staging",
                "clientId": "edge",
                "clientSecretFromConfig": "edgeOidc",
            },
        },
        kubeconfig="apiVersion: v1",
        edgeOidc="s3cret",
        edgeHtpasswd=None,
    )
    cfg = load(raw, ("kubeconfig", "edgeOidc"))
    assert (cfg.cluster.kubeconfig_from_config, cfg.edge.oidc.client_secret_from_config) == (
        "kubeconfig",
        "edgeOidc",
    )
    found = problems({**raw, "edgeOidc": "s3cret"}, ("kubeconfig",))
    assert found == [
        "staging-blueprint:edge.oidc.clientSecretFromConfig: config key 'edgeOidc' is not a secret; set it "
        "with `pulumi config set --secret edgeOidc <value>` (got 'edgeOidc')"
    ]
