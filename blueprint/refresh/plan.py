"""The refresh plan file (``--plan FILE``): where production is, where the scratch copy runs, who gets it.

Shape (camelCase keys; docs/data-refresh.md)::

    name: orders                       # prefix of every scratch resource (lowercase, digits, hyphens)
    region: eu-west-1
    rules: masking-rules.yaml          # relative to the plan file
    hmacKeySecretArn: arn:aws:secretsmanager:eu-west-1:111122223333:secret:orders-refresh-key-AbCdEf
    production:
      dbInstanceIdentifier: orders-prod
      snapshot: new                    # or latestAutomated (copy its newest automated snapshot)
    scratch:                           # the sanitizing side: what DataSanitizer creates
      dbSubnetGroupName: orders-sanitizer
      vpcSecurityGroupIds: [sg-0123456789abcdef0]
      dbInstanceClass: db.t4g.large
      kmsKeyId: arn:aws:kms:eu-west-1:111122223333:key/...   # the sanitizing CMK
      databaseName: orders
    share:
      kmsKeyId: arn:aws:kms:eu-west-1:111122223333:key/...   # the CMK the staging account may use
      stagingAccountId: "444455556666"

``load_plan`` raises ``InputError`` with one line per problem, naming the key, the value and the fix.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator

from blueprint.refresh.errors import DataModel, InputError, read_yaml, validation_problems

_KMS_KEY_ARN = r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$"
_SECRET_ARN = r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@!-]+$"
#: RDS identifiers: a letter, then letters, digits and single hyphens (RDS API reference, CreateDBInstance).
_RDS_ID = r"^[A-Za-z](?:-?[A-Za-z0-9])*$"


class Production(DataModel):
    """The production database (only ever read: snapshotted or its snapshots copied)."""

    db_instance_identifier: str = Field(pattern=_RDS_ID, max_length=63)
    snapshot: Literal["new", "latestAutomated"] = "new"


class Scratch(DataModel):
    """Where the production copy and the masked database live while the refresh runs."""

    db_subnet_group_name: str = Field(min_length=1, max_length=255)
    vpc_security_group_ids: list[str] = Field(min_length=1)
    db_instance_class: str = Field(pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$")
    kms_key_id: str = Field(pattern=_KMS_KEY_ARN)
    database_name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")

    @field_validator("vpc_security_group_ids")
    @classmethod
    def _sg_ids(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not re.fullmatch(r"sg-[0-9a-f]{8,17}", v)]
        if bad:
            raise ValueError(f"security group ids look like sg-0123456789abcdef0; got {bad}")
        return value


class Share(DataModel):
    """Who receives the sanitized snapshot: one staging account id (never ``all``), and the CMK it may use."""

    kms_key_id: str = Field(pattern=_KMS_KEY_ARN)
    staging_account_id: str

    @field_validator("staging_account_id", mode="before")
    @classmethod
    def _account(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() == "all":
            raise ValueError(
                "snapshots are never shared publicly ('all'); give the staging account's 12-digit id"
            )
        if not (isinstance(value, str) and re.fullmatch(r"\d{12}", value)):
            raise ValueError('give the staging account\'s 12-digit id, quoted ("444455556666")')
        return value


class Plan(DataModel):
    """A refresh plan (see the module docstring)."""

    name: str = Field(pattern=r"^[a-z](?:-?[a-z0-9])*$", max_length=30)
    region: str = Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")
    rules: Path
    hmac_key_secret_arn: str = Field(pattern=_SECRET_ARN)
    production: Production
    scratch: Scratch
    share: Share

    def resource(self, run_id: str, role: str) -> str:
        """Identifier of a scratch resource of run ``run_id``: ``<name>-<run id>-<role>``."""
        return f"{self.name}-{run_id}-{role}"


def load_plan(path: Path) -> Plan:
    """Read and validate a plan; ``rules`` is made relative to the plan's directory.

    Raises:
        InputError: unreadable file, bad YAML or invalid plan (one line per problem).
    """
    source = f"plan {path}"
    data = read_yaml(path, source)
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        raise InputError(validation_problems(source, exc)) from None
    return plan.model_copy(update={"rules": (path.parent / plan.rules)})
