"""Keys and secrets: the stack's CMK rotates automatically, and every secret the stack exports (vault
secrets, RDS-managed master secrets, generated broker credentials) is encrypted with it.

Secrets Manager reports ``KmsKeyId`` only for a customer-managed key; a secret without it uses the
AWS-managed ``aws/secretsmanager`` key (DescribeSecret API reference), so an absent key id is a fail.
"""

from __future__ import annotations

from collections.abc import Iterator

from blueprint.verify.registry import Check, Context, Subject, one
from blueprint.verify.results import NOT_CONFIGURED, SkipError, Verdict, require

AREA = "keys and secrets"


def _rotation(ctx: Context, key_arn: str) -> Verdict:
    kms = ctx.aws("kms")
    metadata = kms.describe_key(KeyId=key_arn)["KeyMetadata"]
    where = f"key {key_arn}"
    problems = []
    state = require(metadata, "KeyState", where)
    if state != "Enabled":
        problems.append(f"KeyState={state}")
    manager = require(metadata, "KeyManager", where)
    if manager != "CUSTOMER":
        problems.append(f"KeyManager={manager}: not a customer-managed key")
    status = kms.get_key_rotation_status(KeyId=key_arn)
    enabled = require(status, "KeyRotationEnabled", f"the rotation status of {where}")
    if enabled is not True:
        problems.append(f"KeyRotationEnabled={enabled}")
    period = status.get("RotationPeriodInDays")
    fact = f"KeyRotationEnabled={enabled}" + (f", every {period} days" if period else "")
    return Verdict(problems, [fact, f"KeyState={state}, KeyManager={manager}"])


def rotation_subjects(ctx: Context) -> Iterator[Subject]:
    yield one(ctx.outputs.kms_key_arn, _rotation, ctx, ctx.outputs.kms_key_arn)


def stack_secrets(ctx: Context) -> dict[str, str]:
    """Label -> ARN of every secret in the outputs."""
    found = {f"vault secret {name}": arn for name, arn in ctx.outputs.secret_arns.items()}
    found |= {
        f"master secret of database {n}": d.master_secret_arn
        for n, d in ctx.outputs.databases.items()
        if d.master_secret_arn
    }
    found |= {
        f"credentials of broker {n}": b.credentials_secret_arn
        for n, b in ctx.outputs.brokers.items()
        if b.credentials_secret_arn
    }
    return found


def _secret(ctx: Context, arn: str) -> Verdict:
    secret = ctx.aws("secretsmanager").describe_secret(SecretId=arn)
    key = require(secret, "KmsKeyId", f"secret {arn} (no KmsKeyId: the AWS-managed key)")
    fact = f"encrypted with {key}"
    return Verdict([] if ctx.is_stack_key(key) else [f"{fact}, not the stack's key"], [fact])


def secret_subjects(ctx: Context) -> Iterator[Subject]:
    secrets = stack_secrets(ctx)
    if not secrets:
        raise SkipError(NOT_CONFIGURED, "the stack exports no secrets")
    for label, arn in sorted(secrets.items()):
        yield one(label, _secret, ctx, arn)


CHECKS = (
    Check(
        "kms.rotation",
        AREA,
        "The stack's customer-managed key is enabled and rotates automatically",
        ("kms:DescribeKey", "kms:GetKeyRotationStatus"),
        rotation_subjects,
    ),
    Check(
        "secrets.encrypted",
        AREA,
        "Every secret of the stack is encrypted with the stack's KMS key",
        ("secretsmanager:DescribeSecret", "kms:DescribeKey"),
        secret_subjects,
    ),
)
