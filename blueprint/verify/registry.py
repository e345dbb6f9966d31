"""The checks ``verify`` runs, how each runs, and the read-only IAM actions they need.

A check names the subjects it looks at (each with an evaluation returning a ``Verdict``) and the IAM
actions its calls need. Running a check turns every evaluation into a ``CheckResult`` and fails closed:
an absent attribute, a denied call or any other API error is a fail, never a pass. Only an endpoint
that does not implement an API (moto) makes a subject ``skipped: not emulated``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from blueprint.verify import DEFAULT_MAX_SESSION_SECONDS
from blueprint.verify.aws import AwsReader, access_denied, not_implemented
from blueprint.verify.outputs import StackOutputs
from blueprint.verify.results import (
    NOT_CONFIGURED,
    NOT_EMULATED,
    AbsentAttributeError,
    CheckResult,
    SkipError,
    Status,
    Verdict,
)


@dataclass
class Context:
    """What every check reads: the stack outputs, the account, the limits and the edge URL.

    Attributes:
        outputs: the stack's exports.
        aws: read-only clients of the account.
        max_session_seconds: the highest IAM ``MaxSessionDuration`` an access role may have.
        url: the edge's base URL for the HTTP checks; None skips them.
        http_timeout: seconds per HTTP request of the edge checks.
    """

    outputs: StackOutputs
    aws: AwsReader
    max_session_seconds: int = DEFAULT_MAX_SESSION_SECONDS
    url: str | None = None
    http_timeout: float = 10.0
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def cached(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per run (lookups several checks share, e.g. the edge's responses)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def is_stack_key(self, key: str | None) -> bool:
        """True when ``key`` (a key ARN, key id, alias name or alias ARN) is the stack's CMK."""
        if not key:
            return False
        if key == self.outputs.kms_key_arn or key == self.outputs.kms_key_arn.rsplit("/", 1)[-1]:
            return True
        if key.startswith("arn:") and ":key/" in key:
            return False  # another key's ARN: no call needed
        resolved = self.aws("kms").describe_key(KeyId=key)["KeyMetadata"]["Arn"]
        return bool(resolved == self.outputs.kms_key_arn)


Subject = tuple[str, Callable[[], Verdict]]


@dataclass(frozen=True)
class Check:
    """One property of the deployed stack.

    Attributes:
        id: stable id, ``<area>.<property>`` (what the report and the exit status name).
        area: the service area (the module the check lives in).
        title: what must hold, in one line.
        actions: the read-only IAM actions its calls need (the policy in docs/verify.md is built from these).
        subjects: ``(subject, evaluation)`` pairs for a context; raises ``SkipError`` when the stack has
            no such part.
    """

    id: str
    area: str
    title: str
    actions: tuple[str, ...]
    subjects: Callable[[Context], Iterable[Subject]]

    def result(
        self, subject: str, status: Status, evidence: list[str], reason: str | None = None
    ) -> CheckResult:
        return CheckResult(self.id, self.area, self.title, subject, status, evidence, reason)


def one(name: str, evaluate: Callable[..., Verdict], *args: Any) -> Subject:
    """A subject whose evaluation is ``evaluate(*args)`` (bound now, so loops bind each subject's own)."""
    return name, functools.partial(evaluate, *args)


def _failure(check: Check, subject: str, exc: Exception, endpoint: str | None) -> CheckResult:
    if isinstance(exc, SkipError):
        return check.result(subject, Status.SKIPPED, [exc.detail], exc.reason)
    if not_implemented(exc):
        where = endpoint or "the in-process emulator"
        operation = getattr(exc, "operation_name", None)
        said = f"{operation} is not implemented" if operation else str(exc)
        return check.result(subject, Status.SKIPPED, [f"{said} ({where})"], NOT_EMULATED)
    if isinstance(exc, AbsentAttributeError):
        return check.result(subject, Status.FAIL, [str(exc)])
    if access_denied(exc):
        fix = "attach the verify policy (docs/verify.md, 'The IAM policy `verify` needs')"
        return check.result(subject, Status.FAIL, [f"access denied: {exc}; {fix}"])
    return check.result(subject, Status.FAIL, [f"{type(exc).__name__}: {exc}"])


_EXPECTED = (SkipError, AbsentAttributeError, ClientError, BotoCoreError, NotImplementedError)


def run_check(check: Check, ctx: Context) -> list[CheckResult]:
    """Every subject's result; a ``SkipError`` before any subject is one skipped result for the check."""
    endpoint = ctx.aws.endpoint_url
    try:
        subjects = list(check.subjects(ctx))
    except _EXPECTED as exc:
        return [_failure(check, "stack", exc, endpoint)]
    if not subjects:
        return [
            check.result(
                "stack", Status.SKIPPED, ["the stack has nothing this check applies to"], NOT_CONFIGURED
            )
        ]
    results = []
    for subject, evaluate in subjects:
        try:
            verdict = evaluate()
        except _EXPECTED as exc:
            results.append(_failure(check, subject, exc, endpoint))
            continue
        results.append(check.result(subject, Status.PASS if verdict.ok else Status.FAIL, verdict.evidence))
    return results


def all_checks() -> list[Check]:
    """Every check, in report order: network, data stores, keys and secrets, IAM, API, edge."""
    from blueprint.verify.checks import api, brokers, data_stores, edge, iam, keys, network

    modules = (network, data_stores, brokers, keys, iam, api, edge)
    return [check for module in modules for check in module.CHECKS]


def required_actions(checks: Iterable[Check] | None = None) -> list[str]:
    """The IAM actions the checks need, sorted and without duplicates (the policy in docs/verify.md)."""
    return sorted({action for check in checks or all_checks() for action in check.actions})


def run_checks(
    ctx: Context, checks: Iterable[Check] | None = None, on_check: Callable[[Check], None] | None = None
) -> list[CheckResult]:
    """Run ``checks`` (default: all) in order; ``on_check`` is called before each (the progress display)."""
    results: list[CheckResult] = []
    for check in checks or all_checks():
        if on_check is not None:
            on_check(check)
        results.extend(run_check(check, ctx))
    return results
