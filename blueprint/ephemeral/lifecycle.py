"""A slice's lifecycle through Pulumi's Automation API (``pulumi.automation``): up, down, extend, list.

Every CLI call goes through one ``PulumiCommand`` (``pulumi.automation``'s runner of the ``pulumi`` binary),
injected so tests can record the exact invocations. Nothing here ever removes a stack whose destroy failed
unless asked with ``force`` and a reason.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pulumi import automation as auto
from pulumi.automation.errors import CommandError, ConcurrentUpdateError, StackNotFoundError

from blueprint.engine.stack_files import read_stack
from components.slice_names import SliceNames, pr_number_of
from stack_config.base import NAMESPACE
from stack_config.ephemeral import DEFAULT_TTL_HOURS, TTL_HOURS

EPHEMERAL_KEY = f"{NAMESPACE}:ephemeral"
#: How often a locked stack is retried, and the waits between tries (seconds).
LOCK_RETRIES = 3
LOCK_BACKOFF_SECONDS = (10.0, 30.0)


class LifecycleError(Exception):
    """A lifecycle step failed; ``str()`` is one line for the user (exit 1)."""


@dataclass(frozen=True)
class SliceStatus:
    """One slice as ``list`` shows it."""

    stack: str
    expires_at: str | None
    expired: bool
    update_in_progress: bool


def expiry(now: datetime, ttl_hours: int) -> str:
    """``now + ttl_hours`` as ``2026-12-09T18:00:00Z``."""
    return (now + timedelta(hours=ttl_hours)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def slice_section(
    pr: int, baseline: str, ttl_hours: int, now: datetime, parts: Mapping[str, Any]
) -> dict[str, Any]:
    """The ``staging-blueprint:ephemeral`` section ``up`` writes."""
    if ttl_hours not in TTL_HOURS:
        raise ValueError(f"--ttl-hours must be {TTL_HOURS.text()}")
    section: dict[str, Any] = {"pullRequest": pr, "baseline": baseline, "ttlHours": ttl_hours}
    section["expiresAt"] = expiry(now, ttl_hours)
    if parts:
        section["parts"] = dict(parts)
    return section


class Lifecycle:
    """Drives ``pr-<n>`` stacks of the project in ``project_dir``.

    Args:
        project_dir: where ``Pulumi.yaml`` and the baseline's stack file live.
        command: the ``PulumiCommand`` every call goes through.
        clock: the current time (UTC).
        sleep: waits between retries of a locked stack.
        echo: where progress lines go.
    """

    def __init__(
        self,
        project_dir: Path,
        command: Any,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
        echo: Callable[[str], None] = print,
    ) -> None:
        self.project_dir, self.command, self.clock, self.sleep, self.echo = (
            project_dir,
            command,
            clock,
            sleep,
            echo,
        )

    def _opts(self) -> auto.LocalWorkspaceOptions:
        """``PULUMI_SECRETS_PROVIDER`` (e.g. ``awskms://alias/...``) is used for stacks it creates."""
        return auto.LocalWorkspaceOptions(
            work_dir=str(self.project_dir),
            pulumi_command=self.command,
            secrets_provider=os.environ.get("PULUMI_SECRETS_PROVIDER") or None,
        )

    def _workspace(self) -> auto.LocalWorkspace:
        return auto.LocalWorkspace(work_dir=str(self.project_dir), pulumi_command=self.command)

    def _locked(self, stack: str, step: Callable[[], Any]) -> Any:
        """Run ``step``, retrying a locked stack ``LOCK_RETRIES`` times in all."""
        for attempt in range(LOCK_RETRIES):
            try:
                return step()
            except ConcurrentUpdateError:
                if attempt == LOCK_RETRIES - 1:
                    break
                self.sleep(LOCK_BACKOFF_SECONDS[min(attempt, len(LOCK_BACKOFF_SECONDS) - 1)])
        raise LifecycleError(
            f"stack {stack} is locked by another update (tried {LOCK_RETRIES} times); wait for it, or if it "
            f"died, `pulumi cancel --stack {stack}`"
        )

    def up(
        self,
        pr: int,
        baseline: str = "staging",
        ttl_hours: int = DEFAULT_TTL_HOURS,
        parts: Mapping[str, Any] | None = None,
    ) -> str | None:
        """Create or update the slice of ``pr``, its expiry renewed; returns its URL (None without routes)."""
        names = SliceNames(pr)
        base = read_stack(self.project_dir, baseline).config
        stack = auto.create_or_select_stack(names.stack, work_dir=str(self.project_dir), opts=self._opts())
        current = _current_section(stack)
        section = slice_section(pr, baseline, ttl_hours, self.clock(), parts or current.get("parts") or {})
        config = {EPHEMERAL_KEY: auto.ConfigValue(json.dumps(section))}
        for key in ("aws:region", f"{NAMESPACE}:tags"):
            if key in base:
                config[key] = auto.ConfigValue(base[key])
        stack.set_all_config(config)
        result = self._locked(names.stack, lambda: stack.up(on_output=self.echo))
        exported = result.outputs.get("slice")
        url = (exported.value or {}).get("url") if exported is not None else None
        self.echo(f"{names.stack}: up, expires {section['expiresAt']}" + (f", {url}" if url else ""))
        return url

    def extend(self, pr: int, ttl_hours: int | None = None) -> str:
        """Renew the slice's expiry (``ttl_hours`` from now, default its own TTL) and re-tag its resources."""
        names = SliceNames(pr)
        try:
            stack = auto.select_stack(names.stack, work_dir=str(self.project_dir), opts=self._opts())
        except StackNotFoundError:
            raise LifecycleError(
                f"stack {names.stack} does not exist; `ephemeral up --pr {pr}` creates it"
            ) from None
        section = _current_section(stack)
        hours = ttl_hours or int(section.get("ttlHours", DEFAULT_TTL_HOURS))
        section |= {"ttlHours": hours, "expiresAt": expiry(self.clock(), hours)}
        stack.set_config(EPHEMERAL_KEY, auto.ConfigValue(json.dumps(section)))
        self._locked(names.stack, lambda: stack.up(on_output=self.echo))
        self.echo(f"{names.stack}: expires {section['expiresAt']}")
        return str(section["expiresAt"])

    def down(self, pr: int, *, force: bool = False, reason: str | None = None) -> bool:
        """Destroy the slice and remove its stack; True when there was something to destroy.

        Raises:
            LifecycleError: the destroy failed (the stack is kept, and listed), or it is locked.
        """
        name = SliceNames(pr).stack
        try:
            stack = auto.select_stack(name, work_dir=str(self.project_dir), opts=self._opts())
        except StackNotFoundError:
            self.echo(f"{name}: no such stack, nothing to destroy")
            return False
        try:
            self._locked(name, lambda: stack.destroy(on_output=self.echo))
        except CommandError as exc:
            if not force:
                raise LifecycleError(
                    f"{name}: destroy failed, the stack is kept (see `ephemeral list`): {_first_error(exc)}"
                ) from None
            self.echo(f"{name}: destroy failed; removing the stack anyway (--force): {reason}")
            stack.workspace.remove_stack(name, force=True)
            return True
        stack.workspace.remove_stack(name)
        self.echo(f"{name}: destroyed and removed")
        return True

    def list(self) -> list[SliceStatus]:
        """Every ``pr-<n>`` stack of the backend with its expiry."""
        workspace, now = self._workspace(), self.clock()
        found = []
        for summary in workspace.list_stacks(include_all=False):
            name = summary.name.rsplit("/", 1)[-1]
            if pr_number_of(name) is None:
                continue
            try:
                value = workspace.get_config(name, EPHEMERAL_KEY)
                expires = json.loads(value.value).get("expiresAt")
            except (CommandError, ValueError, AttributeError):
                expires = None
            expired = (
                expires is None or datetime.strptime(expires, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) <= now
            )
            found.append(SliceStatus(name, expires, expired, bool(summary.update_in_progress)))
        return found


def _current_section(stack: auto.Stack) -> dict[str, Any]:
    try:
        value = stack.get_config(EPHEMERAL_KEY)
    except CommandError:
        return {}
    try:
        decoded = json.loads(value.value)
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}


def _first_error(exc: CommandError) -> str:
    text = str(exc)
    lines = [line.strip() for line in text.splitlines() if "error" in line.lower()]
    return (lines[0] if lines else text.strip().splitlines()[-1] if text.strip() else "unknown error")[:300]
