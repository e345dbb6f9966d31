"""Topic-contract checks: is a changed schema still compatible with its earlier versions?

``avro`` implements the Avro specification's schema-resolution rules, ``json_schema`` the JSON Schema
content-model rules the Confluent and AWS Glue registries document, ``modes`` the registry compatibility
modes on top of both, ``history`` reads earlier versions from git, ``check`` ties them to a stack's
declared schemas, ``findings`` adds breaks to the preview report, ``command`` is ``python -m blueprint
contracts``.
"""

from __future__ import annotations

from blueprint.review.contracts.check import ContractReport, ContractResult, check_contracts
from blueprint.review.contracts.modes import Break, check_versions

__all__ = ["Break", "ContractReport", "ContractResult", "check_contracts", "check_versions"]
