"""EKS clusters: a private API, encrypted Secrets, control-plane logs, and no admin by accident.

The properties are pulumi-aws 7.x ``aws.eks.Cluster`` inputs. The API's defaults are the unsafe ones, so an
absent value fails: ``vpcConfig.endpointPublicAccess`` defaults to true with ``publicAccessCidrs``
``0.0.0.0/0``; ``accessConfig.authenticationMode`` to ``CONFIG_MAP`` (the ``aws-auth`` ConfigMap, which no
review sees) and ``bootstrapClusterCreatorAdminPermissions`` to true (EKS API reference, "CreateCluster",
"CreateAccessConfigRequest").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from . import _types as t
from ._kms import cmk_problem
from ._network import is_everything
from ._props import as_list, known, lower_all, peek
from ._rule import Equivalents, RuleContext, RuleSpec, resource_rule

#: The control-plane logs an investigation needs: who called the API, what changed, who authenticated.
REQUIRED_LOG_TYPES = ("api", "audit", "authenticator")
_MANDATORY = EnforcementLevel.MANDATORY

ENDPOINT = RuleSpec(
    name="eks-endpoint-private",
    concern="isolation",
    description="The EKS API endpoint must be private, or public only for listed CIDRs.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Set vpcConfig.endpointPrivateAccess: true and endpointPublicAccess: false; if CI runs "
    "outside the VPC, keep the public endpoint for publicAccessCidrs naming the runners' egress addresses "
    "(never 0.0.0.0/0).",
    equivalents=Equivalents(checkov=("CKV_AWS_38", "CKV_AWS_39"), cdk_nag=("AwsSolutions-EKS1",)),
)


def _check_endpoint(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    vpc = known(props, "vpcConfig") or {}
    if known(vpc, "endpointPrivateAccess") is not True:
        yield "endpointPrivateAccess is not true: nodes and pods reach the API over the internet."
    if known(vpc, "endpointPublicAccess") is False:
        return
    cidrs = as_list(known(vpc, "publicAccessCidrs"))
    if not cidrs:
        yield "the public endpoint is on (the default) for 0.0.0.0/0: anyone can reach the API."
    for cidr in cidrs:
        if is_everything(cidr):
            yield f"publicAccessCidrs includes {cidr}: anyone can reach the API."


SECRETS_ENCRYPTION = RuleSpec(
    name="eks-secrets-encryption",
    concern="encryption",
    description="EKS must envelope-encrypt Kubernetes Secrets with the stack's customer-managed KMS key.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Set encryptionConfig {resources: [secrets], provider: {keyArn: <the vault CMK>}} (the "
    "Cluster component does). It cannot be removed once set.",
    equivalents=Equivalents(checkov=("CKV_AWS_58",)),
)


def _check_secrets_encryption(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    config = known(props, "encryptionConfig")
    if "secrets" not in lower_all(as_list(peek(config, "resources"))):
        yield "encryptionConfig does not cover secrets: Kubernetes Secrets are stored with AWS's key only."
    elif problem := cmk_problem(
        peek(config, "provider", "keyArn"), "encryptionConfig.provider.keyArn", "no KMS key is named"
    ):
        yield problem


LOGGING = RuleSpec(
    name="eks-control-plane-logging",
    concern="logging",
    description="EKS must send the api, audit and authenticator control-plane logs to CloudWatch Logs.",
    level=_MANDATORY,
    severity=Severity.MEDIUM,
    remediation="Set enabledClusterLogTypes to include api, audit and authenticator, and create the log "
    "group /aws/eks/<cluster>/cluster first, encrypted with the CMK and with a retention (the Cluster "
    "component does).",
    equivalents=Equivalents(checkov=("CKV_AWS_37",), cdk_nag=("AwsSolutions-EKS2",)),
)


def _check_logging(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    enabled = {str(v) for v in as_list(known(props, "enabledClusterLogTypes"))}
    missing = [log for log in REQUIRED_LOG_TYPES if log not in enabled]
    if missing:
        yield f"enabledClusterLogTypes lacks {', '.join(missing)}: API calls cannot be traced to a person."


CREATOR_ADMIN = RuleSpec(
    name="eks-no-creator-admin",
    concern="access",
    description="EKS access must come from access entries only, with no implicit admin for the cluster's "
    "creator.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Set accessConfig {authenticationMode: API, bootstrapClusterCreatorAdminPermissions: false} "
    "and grant the deploying role cluster admin with an access entry (the Cluster component does, from "
    "cluster.adminRoleArns). The bootstrap flag cannot change after creation.",
)


def _check_creator_admin(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    access: Any = known(props, "accessConfig") or {}
    mode = known(access, "authenticationMode")
    if mode != "API":
        shown = mode or "not set (CONFIG_MAP)"
        yield f"authenticationMode is {shown}: the aws-auth ConfigMap can grant access no review sees."
    if known(access, "bootstrapClusterCreatorAdminPermissions") is not False:
        yield "bootstrapClusterCreatorAdminPermissions is not false: the cluster's creator stays its admin."


POLICIES = [
    resource_rule(ENDPOINT, {t.EKS_CLUSTER}, _check_endpoint),
    resource_rule(SECRETS_ENCRYPTION, {t.EKS_CLUSTER}, _check_secrets_encryption),
    resource_rule(LOGGING, {t.EKS_CLUSTER}, _check_logging),
    resource_rule(CREATOR_ADMIN, {t.EKS_CLUSTER}, _check_creator_admin),
]
