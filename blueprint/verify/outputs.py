"""The stack outputs ``verify`` reads: the JSON object ``pulumi stack output --json --show-secrets`` prints.

Only the exports ``verify`` uses are modelled; others are ignored. ``vpcId``, ``subnetIds``,
``flowLogGroup``, ``kmsKeyArn`` and ``environment`` are required (every stack of this program exports
them); the data stores, the token broker and the secrets are optional, and their checks are skipped as
"not configured" when the stack has none.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class OutputsError(Exception):
    """The outputs file cannot be used; the message names the file, the key path and the fix."""


class _Exports(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class SubnetIds(_Exports):
    public: list[str] = Field(default_factory=list)
    private: list[str] = Field(default_factory=list)
    isolated: list[str]


class DatabaseExport(_Exports):
    identifier: str = Field(description="RDS instance or Aurora cluster identifier")
    engine: str = Field(description="postgres (an instance) or aurora-postgresql (a cluster)")
    endpoint: str
    master_secret_arn: str | None = Field(default=None, alias="masterSecretArn")

    @property
    def is_cluster(self) -> bool:
        return self.engine.startswith("aurora")


class BrokerExport(_Exports):
    engine: str = Field(description="kafka or rabbitmq")
    arn: str
    credentials_secret_arn: str | None = Field(default=None, alias="credentialsSecretArn")


class StackOutputs(_Exports):
    """The exports of one stack (``__main__.py``), by their export names."""

    environment: str
    vpc_id: str = Field(alias="vpcId")
    subnet_ids: SubnetIds = Field(alias="subnetIds")
    flow_log_group: str = Field(alias="flowLogGroup")
    kms_key_arn: str = Field(alias="kmsKeyArn", pattern=r"^arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:key/.+$")
    secret_arns: dict[str, str] = Field(default_factory=dict, alias="secretArns")
    databases: dict[str, DatabaseExport] = Field(default_factory=dict)
    brokers: dict[str, BrokerExport] = Field(default_factory=dict)
    token_broker_url: str | None = Field(default=None, alias="tokenBrokerUrl")
    token_broker_role_arn: str | None = Field(default=None, alias="tokenBrokerRoleArn")
    staging_role_arns: dict[str, str] = Field(default_factory=dict, alias="stagingRoleArns")
    ci_deploy_role_arn: str | None = Field(default=None, alias="ciDeployRoleArn")

    @property
    def account(self) -> str:
        """The account the stack lives in (from ``kmsKeyArn``)."""
        return self.kms_key_arn.split(":")[4]

    @property
    def region(self) -> str:
        """The region the stack lives in (from ``kmsKeyArn``)."""
        return self.kms_key_arn.split(":")[3]


_FIX = "write it with `pulumi stack output --json --show-secrets > FILE` after `pulumi up` of this version"


def load_outputs(path: Path) -> StackOutputs:
    """Read and validate an outputs file.

    Raises:
        OutputsError: the file is missing, not JSON, not an object, or an export verify needs is missing
            or malformed (the message names the first such key path, e.g. ``databases.orders.identifier``).
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise OutputsError(f"--outputs {path}: cannot read ({exc.strerror}); {_FIX}") from None
    except json.JSONDecodeError as exc:
        raise OutputsError(f"--outputs {path}: not JSON (line {exc.lineno}: {exc.msg}); {_FIX}") from None
    if not isinstance(document, dict):
        raise OutputsError(f"--outputs {path}: expected a JSON object of stack outputs; {_FIX}")
    try:
        return StackOutputs.model_validate(document)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise OutputsError(f"--outputs {path}: {where}: {error['msg'].lower()}; {_FIX}") from None
