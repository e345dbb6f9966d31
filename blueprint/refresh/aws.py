"""RDS helpers of the refresh pipeline: look-ups that answer "does it exist yet?", and waits with progress.

Every look-up returns None for "not there" (``DBInstanceNotFound``/``DBSnapshotNotFound``) so a step can
check whether it already happened; every other AWS error becomes ``RefreshError`` for the running step.
Waits poll ``Describe*`` (what boto3's RDS waiters do) so the Rich progress display can show elapsed time,
and fail fast on terminal states instead of waiting for the timeout.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from rich.progress import Progress

from blueprint.refresh.errors import InputError, RefreshError

_MISSING = {"DBInstanceNotFound", "DBInstanceNotFoundFault", "DBSnapshotNotFound", "DBSnapshotNotFoundFault"}
#: States from which an instance or snapshot never becomes available (RDS User Guide, "Viewing Amazon
#: RDS DB instance status"; DB snapshot status values of DescribeDBSnapshots).
_TERMINAL = {
    "failed",
    "incompatible-restore",
    "incompatible-parameters",
    "incompatible-network",
    "storage-full",
    "inaccessible-encryption-credentials",
    "error",
}


#: The one line ``data refresh`` prints (exit 2) when no AWS credentials are configured (as ``verify`` does).
NO_CREDENTIALS = "no AWS credentials: configure them (e.g. AWS_PROFILE or OIDC in CI) and retry"


def require_credentials(session: Any) -> None:
    """Raise ``InputError`` (exit 2, one line) when the boto3 ``session`` resolves no credentials: the
    refresh then stops before any step, instead of failing at the first AWS call."""
    if session.get_credentials() is None:
        raise InputError([NO_CREDENTIALS])


def aws_error(step: str, exc: Exception) -> RefreshError:
    """``RefreshError`` for an AWS error: its code and message (AWS messages hold no secret values)."""
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return RefreshError(step, [f"{err.get('Code', 'Error')}: {err.get('Message', '')}".strip()])
    return RefreshError(step, [f"{type(exc).__name__}: {exc}"])


def instance(rds: Any, identifier: str) -> dict[str, Any] | None:
    """The DB instance ``identifier`` (DescribeDBInstances), or None if it does not exist."""
    try:
        found = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _MISSING:
            return None
        raise
    return found[0] if found else None


def snapshot(rds: Any, identifier: str, snapshot_type: str | None = None) -> dict[str, Any] | None:
    """The DB snapshot ``identifier`` (DescribeDBSnapshots), or None if it does not exist.

    ``snapshot_type`` must be ``"automated"`` for an automated snapshot: RDS requires ``SnapshotType`` with
    the identifier of one (RDS API Reference, DescribeDBSnapshots, DBSnapshotIdentifier: "If this
    identifier is for an automated snapshot, the SnapshotType parameter must also be specified";
    https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBSnapshots.html, read
    2026-12-07). Moto does not enforce it. None (manual snapshots) sends no ``SnapshotType``.
    """
    extra = {"SnapshotType": snapshot_type} if snapshot_type else {}
    try:
        found = rds.describe_db_snapshots(DBSnapshotIdentifier=identifier, **extra)["DBSnapshots"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _MISSING:
            return None
        raise
    return found[0] if found else None


def latest_automated_snapshot(rds: Any, instance_id: str) -> dict[str, Any] | None:
    """The newest available automated snapshot of ``instance_id``, or None."""
    pages = rds.get_paginator("describe_db_snapshots").paginate(
        DBInstanceIdentifier=instance_id, SnapshotType="automated"
    )
    done = [s for page in pages for s in page["DBSnapshots"] if s.get("Status") == "available"]
    return max(done, key=lambda s: s["SnapshotCreateTime"]) if done else None


class Waiter:
    """Polls until a resource reaches a state, showing a spinner and elapsed time.

    Args:
        progress: the Rich progress display of the run.
        delay: seconds between polls (RDS waiters use 30; tests use 0).
        timeout: seconds before giving up (default 4 hours: restores of large databases take hours).
    """

    def __init__(self, progress: Progress, delay: float = 30.0, timeout: float = 4 * 3600.0) -> None:
        self.progress = progress
        self.delay = delay
        self.timeout = timeout

    def until(self, step: str, what: str, status: Callable[[], str | None], want: set[str]) -> None:
        """Wait until ``status()`` is in ``want``; ``RefreshError(step)`` on a terminal state, a vanished
        resource (None) or the timeout."""
        task = self.progress.add_task(f"{step}: waiting for {what}", total=None)
        started = time.monotonic()
        try:
            while True:
                current = status()
                if current in want:
                    return
                if current is None or current in _TERMINAL:
                    raise RefreshError(step, [f"{what} is {current or 'gone'}"])
                if time.monotonic() - started > self.timeout:
                    raise RefreshError(step, [f"{what} still {current} after {self.timeout:.0f} s"])
                self.progress.update(task, description=f"{step}: {what} is {current}")
                time.sleep(self.delay)
        finally:
            self.progress.remove_task(task)


def guarded(step: str, action: Callable[[], Any]) -> Any:
    """Run ``action``; AWS errors become ``RefreshError(step)``."""
    try:
        return action()
    except (ClientError, BotoCoreError) as exc:
        raise aws_error(step, exc) from None
