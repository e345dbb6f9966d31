"""``python -m blueprint ephemeral plan|up|down|extend|list|reap``: pull requests' slices of staging.

``plan`` is offline (stack name, derived config, expiry, names, what is created, and what the slice costs a
month, a day and over its time to live: ``plan_cost``). The others drive Pulumi through its Automation
API: they need the ``pulumi`` CLI, the backend's login and AWS credentials (in CI: OIDC only, see
docs/ephemeral.md). Exit codes: 0 done, 1 a step failed (a locked stack after retries, a failed destroy),
2 usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from blueprint.cli.errors import UsageError
from blueprint.engine import PROJECT_DIR
from blueprint.engine.stack_files import read_stack_file
from blueprint.ephemeral.janitor import GitHubPullRequests, reap_stacks
from blueprint.ephemeral.lifecycle import Lifecycle, LifecycleError, slice_section
from blueprint.ephemeral.plan_cost import plan_cost_lines
from blueprint.ephemeral.sweep import SweepRefusedError, sweep
from components.slice_names import MAX_PR_NUMBER, SliceNames
from stack_config.base import NAMESPACE, decode_value
from stack_config.ephemeral import DEFAULT_TTL_HOURS


def _pr(value: str) -> int:
    number = int(value) if value.isdigit() else 0
    if not 1 <= number <= MAX_PR_NUMBER:
        raise argparse.ArgumentTypeError(f"must be a PR number 1-{MAX_PR_NUMBER}")
    return number


def configure(parser: argparse.ArgumentParser) -> None:
    """Subcommands and their arguments."""
    sub = parser.add_subparsers(dest="action", required=True)
    for name, text in [
        ("plan", "offline: what the slice of a PR would be"),
        ("up", "create or update a PR's slice (renews its expiry)"),
        ("down", "destroy a PR's slice and remove its stack"),
        ("extend", "renew a slice's expiry"),
    ]:
        p = sub.add_parser(name, help=text)
        p.add_argument("--pr", type=_pr, required=True, help="the pull request number")
        if name in ("plan", "up", "extend"):
            p.add_argument(
                "--ttl-hours", type=int, default=None, help=f"time to live (default {DEFAULT_TTL_HOURS})"
            )
        if name in ("plan", "up"):
            p.add_argument("--baseline", default="staging", help="the baseline stack (default staging)")
            p.add_argument(
                "--parts-from", type=Path, help="a stack file whose ephemeral.parts the slice gets"
            )
        if name == "down":
            p.add_argument("--force", action="store_true", help="remove the stack even if its destroy fails")
            p.add_argument("--reason", help="why --force (required with it)")
    sub.add_parser("list", help="every slice and its expiry")
    reap = sub.add_parser("reap", help="the janitor: destroy slices of closed PRs and expired ones")
    reap.add_argument("--apply", action="store_true", help="really destroy (default: dry run)")
    reap.add_argument("--repository", default=os.environ.get("GITHUB_REPOSITORY"), help="owner/name")
    reap.add_argument(
        "--allowed-account", action="append", default=[], help="AWS account the sweep may touch (repeatable)"
    )
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help=argparse.SUPPRESS)


def _parts(path: Path | None, project_dir: Path) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        section = decode_value(read_stack_file(project_dir, path).config.get(f"{NAMESPACE}:ephemeral"))
    except Exception as exc:
        raise UsageError(f"--parts-from {path}: {exc}") from None
    return dict(section.get("parts") or {}) if isinstance(section, dict) else {}


def plan(args: argparse.Namespace, now: datetime) -> int:
    """Print the slice's stack, config, expiry, names and parts (offline)."""
    names = SliceNames(args.pr)
    ttl = args.ttl_hours or DEFAULT_TTL_HOURS
    try:
        section = slice_section(args.pr, args.baseline, ttl, now, _parts(args.parts_from, args.project_dir))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(f"stack: {names.stack} (baseline {args.baseline})")
    print(f"config {NAMESPACE}:ephemeral: {json.dumps(section)}")
    print(f"expires: {section['expiresAt']} ({ttl} h from now; `extend` renews)")
    for what, (name, limit) in names.limited().items():
        print(f"  {what}: {name} ({len(name.encode())}/{limit.high} {limit.unit})")
    parts = section.get("parts", {})
    creates = ["namespace", "ServiceAccount", "workload role + Pod Identity association"]
    creates += ["edge route"] if parts.get("routes") else []
    creates += ["provisioner Lambda (database/vhost)"] if {"database", "rabbitmq"} & set(parts) else []
    print(f"creates: {', '.join(creates)} (never a cluster, broker, NAT, endpoint or database instance)")
    for line in plan_cost_lines(args.project_dir, args.pr, args.baseline, section):
        print(line)
    return 0


def run(args: argparse.Namespace, command: Any = None, sleep: Callable[[float], None] = time.sleep) -> int:
    """Run the subcommand; ``command`` is the ``PulumiCommand`` and ``sleep`` waits between retries of a
    locked stack (tests inject both)."""
    now = datetime.now(UTC)
    if args.action == "plan":
        return plan(args, now)
    if args.action == "down" and args.force and not (args.reason or "").strip():
        raise UsageError("--force removes a stack whose resources may still exist: give --reason")
    if command is None:
        from pulumi.automation import PulumiCommand

        command = PulumiCommand()
    life = Lifecycle(args.project_dir, command, sleep=sleep)
    try:
        return _drive(life, args)
    except LifecycleError as exc:
        print(f"error: {exc}")
        return 1


def _sweep(life: Lifecycle, args: argparse.Namespace) -> int:
    """The AWS pass after the stacks: resources of slices that are gone or expired."""
    import boto3

    live = {s.stack: s.expires_at for s in life.list()}
    try:
        sweep(boto3.Session(), allowed_accounts=set(args.allowed_account), live=live, dry_run=not args.apply)
    except SweepRefusedError as exc:
        print(f"error: {exc}")
        return 1
    return 0


def _drive(life: Lifecycle, args: argparse.Namespace) -> int:
    if args.action == "up":
        life.up(
            args.pr,
            args.baseline,
            args.ttl_hours or DEFAULT_TTL_HOURS,
            _parts(args.parts_from, args.project_dir),
        )
    elif args.action == "down":
        life.down(args.pr, force=args.force, reason=args.reason)
    elif args.action == "extend":
        life.extend(args.pr, args.ttl_hours)
    elif args.action == "list":
        for s in life.list():
            state = "expired" if s.expired else "live"
            print(
                f"{s.stack}\t{s.expires_at or '-'}\t{state}" + ("\tupdating" if s.update_in_progress else "")
            )
    elif args.action == "reap":
        if not args.repository:
            raise UsageError("reap needs --repository owner/name (GITHUB_REPOSITORY in Actions)")
        if not args.allowed_account:
            raise UsageError(
                "reap needs --allowed-account <12 digits>: the only accounts its sweep may touch"
            )
        token = os.environ.get("GITHUB_TOKEN", "")
        verdicts = reap_stacks(life, GitHubPullRequests(args.repository, token), dry_run=not args.apply)
        return max(int(any(v.action.startswith("failed") for v in verdicts)), _sweep(life, args))
    return 0
