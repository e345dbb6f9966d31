"""The optional usage file: usage-dependent quantities per resource, for the ``usage`` cost lines.

YAML (or JSON), keyed by the resource's logical name as the preview shows it::

    resources:
      network-nat-0: {dataProcessedGb: 120}      # NAT gateway and interface endpoints: GB processed
      token-broker-function: {requests: 200000}   # Lambda function or HTTP API: requests a month
      cluster-logs: {ingestedGb: 5, storedGb: 20}  # log group: GB ingested, GB stored
      broker-events: {partitions: 12}             # MSK Serverless: partitions
      db-ledger-instance-0: {acuHours: 100}       # Aurora Serverless v2: ACU hours above the minimum

Every quantity is a number >= 0 a month; anything not stated is zero, and the report shows those zero
lines. Unknown keys are refused, with their path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import yaml

KEYS = ("dataProcessedGb", "requests", "ingestedGb", "storedGb", "partitions", "acuHours", "storageGb")
SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["resources"],
    "properties": {
        "resources": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "properties": {key: {"type": "number", "minimum": 0} for key in KEYS},
            },
        }
    },
}


class UsageFileError(ValueError):
    """The usage file cannot be read or is invalid; the message names the file, the key path and the fix."""


def load_usage(path: Path) -> dict[str, dict[str, Any]]:
    """Resource logical name -> usage quantities, from ``path``.

    Raises:
        UsageFileError: unreadable, not YAML, or not matching the shape above.
    """
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageFileError(f"--usage {path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise UsageFileError(f"--usage {path}: not YAML ({exc})") from None
    errors = sorted(jsonschema.Draft202012Validator(SCHEMA).iter_errors(document), key=lambda e: list(e.path))
    if errors:
        where = ".".join(str(p) for p in errors[0].absolute_path) or "(top level)"
        raise UsageFileError(
            f"--usage {path}: {where}: {errors[0].message} (keys: {', '.join(KEYS)}; numbers >= 0)"
        )
    return dict(document["resources"])
