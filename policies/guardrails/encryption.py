"""Encryption: data at rest under the stack's customer-managed key, data in transit over TLS."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, Severity

from . import _iam
from . import _types as t
from ._kms import cmk_problem
from ._props import as_list, is_set, known, peek, statements
from ._rule import Equivalents, Finding, RuleContext, RuleSpec, resource_rule, stack_rule
from ._stack import StackIndex

_MANDATORY = EnforcementLevel.MANDATORY
_CMK_HINT = "Pass the SecretVault key's ARN"

RDS_STORAGE = RuleSpec(
    name="rds-storage-encrypted-with-cmk",
    concern="encryption",
    description="RDS and Aurora storage must be encrypted with the stack's customer-managed KMS key.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation=f"Set storageEncrypted=true and kmsKeyId. {_CMK_HINT}; the AWS-managed aws/rds key cannot "
    "be shared, audited per stack or disabled in an incident.",
    equivalents=Equivalents(
        checkov=("CKV_AWS_16", "CKV_AWS_96", "CKV_AWS_327"),
        cdk_nag=("AwsSolutions-RDS2", "NIST.800.53.R5-RDSStorageEncrypted"),
        awsguard=("rds-storage-encrypted",),
    ),
)


def _check_rds_storage(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if is_set(peek(props, "replicateSourceDb")):
        return  # read replicas inherit the source's encryption (and key, within a region)
    if known(props, "storageEncrypted") is not True:
        yield "storageEncrypted is not true: data, snapshots and replicas are stored in plaintext."
    if problem := cmk_problem(
        peek(props, "kmsKeyId"), "kmsKeyId", "storage would use the AWS managed aws/rds key"
    ):
        yield problem


PI_KEY = RuleSpec(
    name="rds-performance-insights-cmk",
    concern="encryption",
    description="Performance Insights data must be encrypted with the stack's customer-managed KMS key.",
    level=_MANDATORY,
    severity=Severity.MEDIUM,
    remediation=f"When performanceInsightsEnabled=true, set performanceInsightsKmsKeyId. {_CMK_HINT}: "
    "Performance Insights stores query text, which can contain data.",
    equivalents=Equivalents(checkov=("CKV_AWS_354",)),
)


def _check_pi_key(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if known(props, "performanceInsightsEnabled") is not True:
        return
    key = peek(props, "performanceInsightsKmsKeyId")
    if problem := cmk_problem(key, "performanceInsightsKmsKeyId", "Performance Insights uses aws/rds"):
        yield problem


#: Engine (or parameter-group family) prefix -> parameter that forces TLS for client connections.
_TLS_PARAMETER = {
    "aurora-postgresql": "rds.force_ssl",
    "postgres": "rds.force_ssl",
    "aurora-mysql": "require_secure_transport",
    "mysql": "require_secure_transport",
    "mariadb": "require_secure_transport",
}
_ON = {"1", "on", "true"}


def tls_parameter(engine_or_family: Any) -> str | None:
    """The TLS-forcing parameter for an engine or family name (``postgres16`` -> ``rds.force_ssl``)."""
    if not isinstance(engine_or_family, str):
        return None
    return next((p for prefix, p in _TLS_PARAMETER.items() if engine_or_family.startswith(prefix)), None)


PARAMETER_GROUP_TLS = RuleSpec(
    name="rds-parameter-group-forces-tls",
    concern="encryption",
    description="DB parameter groups must force TLS for client connections.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Add the parameter rds.force_ssl=1 (PostgreSQL, Aurora PostgreSQL) or "
    "require_secure_transport=1 (MySQL, MariaDB, Aurora MySQL) to the parameter group.",
    equivalents=Equivalents(checkov=("CKV2_AWS_69",)),
)


def _check_parameter_group(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    family = known(props, "family")
    parameter = tls_parameter(family)
    if parameter is None:
        return
    settings = {
        known(p, "name"): known(p, "value")
        for p in as_list(known(props, "parameters"))
        if isinstance(p, Mapping)
    }
    value = settings.get(parameter)
    if str(value).lower() not in _ON:
        shown = "not set" if value is None else f"{value!r}"
        yield f"{parameter} is {shown} for family {family}: clients may connect without TLS."


USES_TLS_GROUP = RuleSpec(
    name="rds-uses-tls-parameter-group",
    concern="encryption",
    description="Databases must use a parameter group of this stack (which must force TLS).",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Create an aws.rds.ParameterGroup (instances) or ClusterParameterGroup (clusters) forcing "
    "TLS in the Database component and pass its name; engine default groups cannot be changed or audited.",
    equivalents=Equivalents(checkov=("CKV2_AWS_69",)),
)
#: Database type -> (property naming its parameter group, parameter-group type).
_GROUP_OF = {
    t.RDS_INSTANCE: ("parameterGroupName", t.RDS_PARAMETER_GROUP),
    t.RDS_CLUSTER: ("dbClusterParameterGroupName", t.RDS_CLUSTER_PARAMETER_GROUP),
}


def _group_problem(db: PolicyResource, index: StackIndex) -> str | None:
    prop, group_type = _GROUP_OF[db.resource_type]
    if tls_parameter(peek(db.props, "engine")) is None:
        return None
    if not is_set(peek(db.props, prop)):
        return f"{prop} is not set: the engine's default parameter group cannot be made to force TLS."
    if not index.referenced(db, prop, {group_type}):
        return (
            f"{prop} {peek(db.props, prop)!r} is not a parameter group of this stack; TLS cannot be verified."
        )
    return None


def _check_uses_group(resources: list[PolicyResource], ctx: RuleContext) -> Iterator[Finding]:
    index = StackIndex(resources)
    for db in index.of_type(*_GROUP_OF):
        problem = _group_problem(db, index)
        if problem:
            yield Finding(db, problem)


MSK_ENCRYPTION = RuleSpec(
    name="msk-encryption",
    concern="encryption",
    description="MSK clusters must use TLS for clients and between brokers, and the stack's CMK at rest.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Set encryptionInfo.encryptionInTransit.clientBroker='TLS', inCluster=true and "
    f"encryptionInfo.encryptionAtRestKmsKeyArn. {_CMK_HINT}. (MSK Serverless always uses TLS and IAM.)",
    equivalents=Equivalents(checkov=("CKV_AWS_81",), cdk_nag=("AwsSolutions-MSK2", "AwsSolutions-MSK3")),
)


def _check_msk(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    client_broker = known(props, "encryptionInfo", "encryptionInTransit", "clientBroker")
    if client_broker not in (None, "TLS"):  # absent means MSK's default, TLS
        yield f"encryptionInTransit.clientBroker is {client_broker!r}: clients may connect in plaintext."
    if known(props, "encryptionInfo", "encryptionInTransit", "inCluster") is False:
        yield "encryptionInTransit.inCluster is false: brokers replicate in plaintext."
    key = peek(props, "encryptionInfo", "encryptionAtRestKmsKeyArn")
    where = "encryptionInfo.encryptionAtRestKmsKeyArn"
    if problem := cmk_problem(key, where, "data at rest uses the AWS managed aws/kafka key"):
        yield problem


SECRET_CMK = RuleSpec(
    name="secret-encrypted-with-cmk",
    concern="encryption",
    description="Secrets Manager secrets must be encrypted with the stack's customer-managed KMS key.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation=f"Set kmsKeyId on the secret. {_CMK_HINT}; with aws/secretsmanager anyone allowed "
    "secretsmanager:GetSecretValue in the account can read it.",
    equivalents=Equivalents(checkov=("CKV_AWS_149",), cdk_nag=("NIST.800.53.R5-SecretsManagerUsingKMSKey",)),
)
LOG_GROUP_CMK = RuleSpec(
    name="log-group-encrypted-with-cmk",
    concern="encryption",
    description="CloudWatch log groups must be encrypted with the stack's customer-managed KMS key.",
    level=_MANDATORY,
    severity=Severity.MEDIUM,
    remediation=f"Set kmsKeyId on the log group (components.common.encrypted_log_group does). {_CMK_HINT}; "
    "its key policy must allow logs.<region>.amazonaws.com with an encryption-context condition.",
    equivalents=Equivalents(
        checkov=("CKV_AWS_158",), cdk_nag=("NIST.800.53.R5-CloudWatchLogGroupEncrypted",)
    ),
)


_DEFAULT_KEY = "the data would be encrypted with an AWS-managed key"


def _check_kms_key_id(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if problem := cmk_problem(peek(props, "kmsKeyId"), "kmsKeyId", _DEFAULT_KEY):
        yield problem


LAMBDA_ENVIRONMENT_CMK = RuleSpec(
    name="lambda-environment-encrypted-with-cmk",
    concern="encryption",
    description="Lambda functions with environment variables must encrypt them with the stack's "
    "customer-managed KMS key.",
    level=_MANDATORY,
    severity=Severity.MEDIUM,
    remediation=f"Set kmsKeyArn on the function. {_CMK_HINT} (the TokenBroker does); without it Lambda "
    "uses aws/lambda, which anyone allowed lambda:GetFunctionConfiguration can decrypt through.",
    equivalents=Equivalents(checkov=("CKV_AWS_173",)),
)


def _check_lambda_environment(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    variables = known(props, "environment", "variables")
    if not (isinstance(variables, Mapping) and list(variables)):
        return  # nothing to encrypt
    key = peek(props, "kmsKeyArn")
    if problem := cmk_problem(key, "kmsKeyArn", "the environment is encrypted with aws/lambda"):
        yield problem


AUDIT_TRAIL_CMK = RuleSpec(
    name="cloudtrail-encrypted-with-cmk",
    concern="encryption",
    description="CloudTrail trails and event data stores must be encrypted with the stack's "
    "customer-managed KMS key.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation=f"Set kmsKeyId on the trail or event data store. {_CMK_HINT}; its key policy must allow "
    "cloudtrail.amazonaws.com kms:GenerateDataKey* with an aws:SourceArn condition naming the trail.",
    equivalents=Equivalents(checkov=("CKV_AWS_35", "CKV_AWS_294")),
)
#: Without a key: trail log files get SSE-S3 (CloudTrail User Guide, "Encrypting CloudTrail log files,
#: digest files, and event data stores with AWS KMS keys"); event data stores CloudTrail's own encryption.
#: ``kmsKeyId`` takes an alias, alias ARN, key ARN or key id (CloudTrail API, UpdateEventDataStore).
_TRAIL_DEFAULTS = {
    t.CLOUDTRAIL_TRAIL: "log files get SSE-S3 only, readable by whoever reads the bucket",
    t.CLOUDTRAIL_EVENT_DATA_STORE: "events are encrypted by CloudTrail, not with the stack's key",
}


def _check_audit_trail(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    unset = _TRAIL_DEFAULTS[ctx.resource_type]
    if problem := cmk_problem(peek(props, "kmsKeyId"), "kmsKeyId", unset):
        yield problem


KMS_ROTATION = RuleSpec(
    name="kms-key-rotation-enabled",
    concern="encryption",
    description="Symmetric customer-managed KMS keys must rotate automatically.",
    level=_MANDATORY,
    severity=Severity.MEDIUM,
    remediation="Set enableKeyRotation=true (and rotationPeriodInDays, 90-2560) on the key.",
    equivalents=Equivalents(
        checkov=("CKV_AWS_7",),
        cdk_nag=("AwsSolutions-KMS5", "NIST.800.53.R5-KMSBackingKeyRotationEnabled"),
        awsguard=("cmk-backing-key-rotation-enabled",),
    ),
)


def _check_rotation(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    spec = peek(props, "customerMasterKeySpec")
    usage = peek(props, "keyUsage")
    # Asymmetric, HMAC and external-key-store keys cannot rotate automatically.
    if spec not in (None, "SYMMETRIC_DEFAULT") or usage not in (None, "ENCRYPT_DECRYPT"):
        return
    if is_set(peek(props, "customKeyStoreId")):
        return
    if known(props, "enableKeyRotation") is not True:
        yield "enableKeyRotation is not true: the key material never changes."


KMS_POLICY = RuleSpec(
    name="kms-key-policy-no-public-principal",
    concern="encryption",
    description='KMS key policies must not allow any principal ("*") unless a condition restricts who '
    "can use the key.",
    level=_MANDATORY,
    severity=Severity.CRITICAL,
    remediation="Name the principals (account root, roles, service principals) in every Allow statement, "
    'or bound a "*" principal with StringEquals on aws:PrincipalAccount, aws:PrincipalOrgID or '
    "kms:CallerAccount.",
    equivalents=Equivalents(checkov=("CKV_AWS_33",)),
)


def _check_key_policy(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    for sid in _iam.public_sids(statements(known(props, "policy"))):
        yield f"statement {sid} {_iam.PUBLIC_GRANT}: any account may use the key."


POLICIES = [
    resource_rule(RDS_STORAGE, {t.RDS_INSTANCE, t.RDS_CLUSTER}, _check_rds_storage),
    resource_rule(PI_KEY, {t.RDS_INSTANCE, t.RDS_CLUSTER, t.RDS_CLUSTER_INSTANCE}, _check_pi_key),
    resource_rule(
        PARAMETER_GROUP_TLS, {t.RDS_PARAMETER_GROUP, t.RDS_CLUSTER_PARAMETER_GROUP}, _check_parameter_group
    ),
    stack_rule(USES_TLS_GROUP, set(_GROUP_OF), _check_uses_group),
    resource_rule(MSK_ENCRYPTION, {t.MSK_CLUSTER}, _check_msk),
    resource_rule(SECRET_CMK, {t.SECRET}, _check_kms_key_id),
    resource_rule(LOG_GROUP_CMK, {t.LOG_GROUP}, _check_kms_key_id),
    resource_rule(LAMBDA_ENVIRONMENT_CMK, {t.LAMBDA_FUNCTION}, _check_lambda_environment),
    resource_rule(AUDIT_TRAIL_CMK, set(_TRAIL_DEFAULTS), _check_audit_trail),
    resource_rule(KMS_ROTATION, {t.KMS_KEY}, _check_rotation),
    resource_rule(KMS_POLICY, {t.KMS_KEY}, _check_key_policy),
]
