"""Config of intended parity differences: ``staging-blueprint:parity``.

``python -m blueprint parity STACK_A STACK_B`` compares two stacks (e.g. staging and production) property
by property; a difference listed here is *intended* rather than *drift*. Each entry has the shape of a
policy exemption (``policies/guardrails/exemptions.py``): what it covers, why, who answers for it, and
until when::

    staging-blueprint:parity:
      - resource: "db-orders/*"        # fnmatch pattern over the logical identity
        property: instanceClass        # a parity property name (or an fnmatch pattern of names)
        reason: burstable class in staging; load tests run in the perf account
        owner: platform-team
        expires: "2027-02-15"          # quote it: YAML reads an unquoted date as a date

Loading the config checks the shape (a reason of at least ``MIN_REASON_LENGTH`` characters, an owner, a
``YYYY-MM-DD`` date, a pattern that names something). Whether an entry is still honoured depends on the
day the parity report runs, so the report decides that, exactly as for exemptions: an entry past its date
is *expired*, one expiring more than the maximum horizon ahead (90 days by default,
``STAGING_GUARDRAILS_MAX_WAIVER_DAYS``) is *invalid*, and neither explains anything. A deployment never
fails because a date passed.

The logical identity is the resource's component path and name, with the environment name replaced by
``<env>``: ``db-orders/db-orders-instance``, ``vault/vault-secret-<env>/payments/psp-api-key``.
"""

from __future__ import annotations

import datetime as dt
import fnmatch

from pydantic import Field, field_validator

from stack_config.base import ConfigModel

#: Shortest acceptable ``reason``; the same as the policy pack's exemptions
#: (``policies/guardrails/exemptions.py`` ``MIN_REASON_LENGTH``).
MIN_REASON_LENGTH = 10
#: Identities unlike each other in every part: a pattern matching all of them matches every resource.
_PROBE_IDENTITIES = ("network/network-vpc", "db-orders/db-orders-instance", "x", "a/b/c-<env>")


class ParityDeclaration(ConfigModel):
    """One intended difference between this stack and another (see the module docstring)."""

    resource: str = Field(
        description="fnmatch pattern over the logical identity `<component path>/<name>` (environment "
        "name written `<env>`), e.g. `db-orders/*`. A pattern matching every resource is rejected."
    )
    property: str = Field(
        description="Parity property it covers, e.g. `instanceClass`, `engineVersion`, "
        "`parameters.log_statement`, or `presence` for a resource only one stack has; fnmatch patterns "
        "allowed."
    )
    reason: str = Field(
        description=f"Why the difference is intended, at least {MIN_REASON_LENGTH} characters."
    )
    owner: str = Field(description="Team or e-mail answering for it.")
    expires: str = Field(
        description="Last day it applies, `YYYY-MM-DD` (quoted), at most 90 days ahead when the report runs."
    )

    @field_validator("resource")
    @classmethod
    def _specific(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must be a pattern naming resources, e.g. `db-orders/*`")
        if all(fnmatch.fnmatchcase(probe, value) for probe in _PROBE_IDENTITIES):
            raise ValueError("matches every resource; name the resources the difference is intended for")
        return value

    @field_validator("property", "owner")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("reason")
    @classmethod
    def _long_enough(cls, value: str) -> str:
        if len(value.strip()) < MIN_REASON_LENGTH:
            raise ValueError(
                f"must be at least {MIN_REASON_LENGTH} characters: say why the difference is intended"
            )
        return value

    @field_validator("expires")
    @classmethod
    def _date(cls, value: str) -> str:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError("must be a date YYYY-MM-DD (quote it in YAML)") from None
        return value
