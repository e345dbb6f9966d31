"""Keys, secrets, logs and IAM in moto: the KMS key and alias, Secrets Manager secrets and versions, log
groups, IAM roles, inline and managed policies and the OIDC provider, the staging schedule's EventBridge
Scheduler schedules; plus ``random`` passwords, which
the random provider generates locally (so does this engine)."""

from __future__ import annotations

import secrets
import string

from blueprint.engine.moto.account import AwsClients
from blueprint.engine.moto.base import Created, Handler, NotEmulated, Registration, arn_tail, integer


def _key(aws: AwsClients, reg: Registration) -> Created:
    kms = aws("kms")
    params = {"Description": reg.get("description", "")}
    if reg.get("policy"):
        params["Policy"] = reg.get("policy")
    tags = [{"TagKey": k, "TagValue": v} for k, v in reg.tags().items()]
    key = kms.create_key(**params, Tags=tags)["KeyMetadata"]
    if reg.get("enableKeyRotation"):
        rotation = {}
        if reg.get("rotationPeriodInDays"):
            rotation["RotationPeriodInDays"] = integer(reg.get("rotationPeriodInDays"))
        kms.enable_key_rotation(KeyId=key["KeyId"], **rotation)
    return Created(key["KeyId"], {"arn": key["Arn"], "keyId": key["KeyId"]})


def _alias(aws: AwsClients, reg: Registration) -> Created:
    kms = aws("kms")
    name = reg.physical_name()
    kms.create_alias(AliasName=name, TargetKeyId=reg.get("targetKeyId"))
    target = kms.describe_key(KeyId=reg.get("targetKeyId"))["KeyMetadata"]
    alias = next(a for a in kms.list_aliases(KeyId=target["KeyId"])["Aliases"] if a["AliasName"] == name)
    outputs = {"arn": alias["AliasArn"], "name": name, "targetKeyArn": target["Arn"]}
    return Created(name, outputs)


def _log_group(aws: AwsClients, reg: Registration) -> Created:
    logs = aws("logs")
    name = reg.physical_name()
    params = {"kmsKeyId": reg.get("kmsKeyId")} if reg.get("kmsKeyId") else {}
    logs.create_log_group(logGroupName=name, tags=reg.tags(), **params)
    if reg.get("retentionInDays"):
        logs.put_retention_policy(logGroupName=name, retentionInDays=integer(reg.get("retentionInDays")))
    group = next(
        g for g in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"] if g["logGroupName"] == name
    )
    # The provider reports the ARN without the trailing ":*" DescribeLogGroups adds.
    return Created(name, {"arn": str(group["arn"]).removesuffix(":*"), "name": name})


def _secret(aws: AwsClients, reg: Registration) -> Created:
    params = {"Description": reg.get("description")} if reg.get("description") else {}
    if reg.get("kmsKeyId"):
        params["KmsKeyId"] = reg.get("kmsKeyId")
    answer = aws("secretsmanager").create_secret(Name=reg.physical_name(), Tags=reg.tag_list(), **params)
    return Created(answer["ARN"], {"arn": answer["ARN"], "name": answer["Name"]})


def _secret_version(aws: AwsClients, reg: Registration) -> Created:
    value = {"SecretString": reg.get("secretString")} if reg.get("secretString") is not None else {}
    answer = aws("secretsmanager").put_secret_value(SecretId=reg.get("secretId"), **value)
    outputs = {
        "arn": answer["ARN"],
        "versionId": answer["VersionId"],
        "versionStages": answer["VersionStages"],
    }
    return Created(f"{answer['ARN']}|{answer['VersionId']}", outputs)


def _role(aws: AwsClients, reg: Registration) -> Created:
    params = {
        key: reg.get(wire)
        for wire, key in (("description", "Description"), ("permissionsBoundary", "PermissionsBoundary"))
        if reg.get(wire)
    }
    role = aws("iam").create_role(
        RoleName=reg.physical_name(),
        Path=reg.get("path", "/"),
        AssumeRolePolicyDocument=reg.get("assumeRolePolicy"),
        MaxSessionDuration=integer(reg.get("maxSessionDuration", 3600)),
        Tags=reg.tag_list(),
        **params,
    )["Role"]
    outputs = {
        "arn": role["Arn"],
        "name": role["RoleName"],
        "uniqueId": role["RoleId"],
        "createDate": role["CreateDate"].isoformat(),
    }
    note = NotEmulated(
        reg.type,
        "trust policy evaluation",
        "moto stores the trust policy but STS does not evaluate it on AssumeRole; verify reads the "
        "document instead",
    )
    return Created(role["RoleName"], outputs, [note])


def _role_policy(aws: AwsClients, reg: Registration) -> Created:
    name = reg.physical_name()
    aws("iam").put_role_policy(RoleName=reg.get("role"), PolicyName=name, PolicyDocument=reg.get("policy"))
    return Created(f"{reg.get('role')}:{name}", {"name": name})


def _role_policy_attachment(aws: AwsClients, reg: Registration) -> Created:
    """``AttachRolePolicy``; the id is the role name and a suffix, as the provider's is."""
    aws("iam").attach_role_policy(RoleName=reg.get("role"), PolicyArn=reg.get("policyArn"))
    return Created(f"{reg.get('role')}-{arn_tail(reg.get('policyArn'))}", {})


def _policy(aws: AwsClients, reg: Registration) -> Created:
    params = {"Description": reg.get("description")} if reg.get("description") else {}
    policy = aws("iam").create_policy(
        PolicyName=reg.physical_name(),
        Path=reg.get("path", "/"),
        PolicyDocument=reg.get("policy"),
        Tags=reg.tag_list(),
        **params,
    )["Policy"]
    outputs = {"arn": policy["Arn"], "name": policy["PolicyName"], "policyId": policy["PolicyId"]}
    return Created(policy["Arn"], {**outputs, "attachmentCount": 0})


def _oidc_provider(aws: AwsClients, reg: Registration) -> Created:
    answer = aws("iam").create_open_id_connect_provider(
        Url=reg.get("url"),
        ClientIDList=list(reg.get("clientIdLists", [])),
        ThumbprintList=list(reg.get("thumbprintLists", [])),
        Tags=reg.tag_list(),
    )
    arn = answer["OpenIDConnectProviderArn"]
    return Created(arn, {"arn": arn})


#: Characters of ``random.RandomPassword`` classes (pulumi-random / terraform-provider-random).
_SPECIAL = "!@#$%&*()-_=+[]{}<>:?"


def _schedule(aws: AwsClients, reg: Registration) -> Created:
    """``CreateSchedule`` (EventBridge Scheduler): moto stores the schedule; it never runs its target."""
    target = reg.get("target") or {}
    params = {
        key: reg.get(wire)
        for wire, key in (
            ("scheduleExpressionTimezone", "ScheduleExpressionTimezone"),
            ("description", "Description"),
            ("state", "State"),
        )
        if reg.get(wire)
    }
    window = reg.get("flexibleTimeWindow") or {}
    answer = aws("scheduler").create_schedule(
        Name=reg.physical_name(),
        ScheduleExpression=reg.get("scheduleExpression"),
        FlexibleTimeWindow={"Mode": window.get("mode", "OFF")},
        Target={"Arn": target.get("arn"), "RoleArn": target.get("roleArn"), "Input": target.get("input", "")},
        **params,
    )
    note = NotEmulated(
        reg.type, "schedule invocations", "moto stores the schedule but never invokes its target"
    )
    return Created(f"default/{reg.physical_name()}", {"arn": answer["ScheduleArn"]}, [note])


def _random_password(_aws: AwsClients, reg: Registration) -> Created:
    """A password generated here with ``secrets``, meeting the ``min_*`` counts, as the random provider
    does locally (it never calls a cloud API). The program marks it secret."""
    length = integer(reg.get("length", 16))
    classes = [
        (string.ascii_uppercase, "upper", "minUpper"),
        (string.ascii_lowercase, "lower", "minLower"),
        (string.digits, "numeric", "minNumeric"),
        (_SPECIAL, "special", "minSpecial"),
    ]
    chosen = [
        (chars, integer(reg.get(minimum, 0))) for chars, flag, minimum in classes if reg.get(flag, True)
    ]
    picks = [secrets.choice(chars) for chars, count in chosen for _ in range(count)]
    alphabet = "".join(chars for chars, _ in chosen)
    picks += [secrets.choice(alphabet) for _ in range(length - len(picks))]
    secrets.SystemRandom().shuffle(picks)
    return Created(reg.name, {"result": "".join(picks)})


HANDLERS: dict[str, Handler] = {
    "aws:kms/key:Key": _key,
    "aws:kms/alias:Alias": _alias,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:secretsmanager/secretVersion:SecretVersion": _secret_version,
    "aws:iam/role:Role": _role,
    "aws:iam/rolePolicy:RolePolicy": _role_policy,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _role_policy_attachment,
    "aws:iam/policy:Policy": _policy,
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _oidc_provider,
    "aws:scheduler/schedule:Schedule": _schedule,
    "random:index/randomPassword:RandomPassword": _random_password,
}
