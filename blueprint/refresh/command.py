"""``python -m blueprint data refresh --plan FILE [--run-id ID] [--dry-run]``.

Exit codes: 0 the sanitized snapshot is shared (its ``snapshotIdentifier`` is printed); 1 an assertion or a
refresh step failed: nothing was shared, production is untouched, the message names the step and the
command that resumes; 2 a usage, plan or rules error (one line per problem, nothing done).
Secrets (the HMAC key, database passwords) are never printed.
"""

from __future__ import annotations

import argparse
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from blueprint.cli import output
from blueprint.cli.errors import EXIT_FAILED, EXIT_OK, UsageError
from blueprint.refresh.errors import InputError, RefreshError

if TYPE_CHECKING:
    from rich.progress import Progress

    from blueprint.refresh.pipeline import Refresh


def configure(parser: argparse.ArgumentParser) -> None:
    """``--plan FILE`` (required), ``--run-id ID``, ``--dry-run``."""
    parser.description = (
        "Produce a sanitized snapshot of production and share it with the staging account. "
        "Exit codes: 0 shared, 1 a step or assertion failed (nothing shared), 2 usage, plan or rules error."
    )
    parser.add_argument("--plan", type=Path, required=True, metavar="FILE", help="the refresh plan (YAML)")
    parser.add_argument(
        "--run-id",
        default=None,
        help="names this run's resources; re-run with the same id to resume (default: today, UTC, YYYYMMDD)",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the steps and resources; call nothing")


def _run_id(value: str | None) -> str:
    run_id = value or datetime.now(UTC).strftime("%Y%m%d")
    if not re.fullmatch(r"[a-z0-9]{1,16}", run_id):
        raise InputError([f"--run-id: {run_id!r} is not 1-16 lowercase letters or digits; e.g. 20260615"])
    return run_id


def build(
    args: argparse.Namespace, progress: Progress, session: Any = None, poll_delay: float = 30.0
) -> Refresh:
    """The ``Refresh`` for the parsed arguments (boto3 clients in the plan's region)."""
    import boto3

    from blueprint.refresh import aws
    from blueprint.refresh.aws import Waiter
    from blueprint.refresh.pipeline import Refresh
    from blueprint.refresh.plan import load_plan
    from blueprint.refresh.rules import load_rules

    plan = load_plan(args.plan)
    rules = load_rules(plan.rules)
    session = session or boto3.session.Session(region_name=plan.region)
    if not args.dry_run:
        aws.require_credentials(session)
    return Refresh(
        plan=plan,
        rules=rules,
        run_id=_run_id(args.run_id),
        rds=session.client("rds", region_name=plan.region),
        secretsmanager=session.client("secretsmanager", region_name=plan.region),
        waiter=Waiter(progress, delay=poll_delay),
    )


def _resume_hint(args: argparse.Namespace, run_id: str) -> str:
    return f"python -m blueprint data refresh --plan {args.plan} --run-id {run_id}"


def _print_failure(exc: RefreshError, resume: str) -> None:
    """The failed step, its reasons and the command that resumes, on stderr, literally."""
    err = output.console(stderr=True, soft_wrap=True)
    err.print(
        Text.assemble(
            ("refresh failed", "bold red"),
            f" at step {exc.step!r}; nothing was shared, production is untouched:",
        )
    )
    for reason in exc.reasons:
        err.print(Text(f"  - {reason}"))
    err.print(Text(f"resume (after fixing the cause) with: {resume}"))


def refresh_command(
    args: argparse.Namespace,
    console: Console,
    session: Any = None,
    poll_delay: float = 30.0,
    **overrides: Any,
) -> int:
    """The ``data refresh`` command; returns the exit code. ``session`` is a boto3 session (default: the
    environment's), ``poll_delay`` the seconds between status polls, ``overrides`` replace ``Refresh``
    fields (tests: ``connector``, ``masker``).

    Raises:
        blueprint.cli.errors.UsageError: the plan, rules or ``--run-id`` is wrong (one line per problem).
    """
    # The pipeline (boto3, psycopg) loads only when this command runs: `preview` stays fast.
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from blueprint.refresh.runner import describe, execute

    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    try:
        refresh = build(args, progress, session, poll_delay)
    except InputError as exc:
        raise UsageError(str(exc)) from None
    for field, value in overrides.items():
        setattr(refresh, field, value)
    if args.dry_run:
        console.print(
            Text.assemble(("Refresh plan", "bold"), f" (run id {refresh.run_id}; nothing is called):")
        )
        for line in describe(refresh):
            console.print(Text(line))
        return EXIT_OK
    try:
        with progress:
            arn, report = execute(refresh, console)
    except RefreshError as exc:
        _print_failure(exc, _resume_hint(args, refresh.run_id))
        return EXIT_FAILED
    if report is not None:
        console.print(
            Text(
                f"masked {report.total_rows} rows in {report.seconds:.1f} s; "
                f"checks passed: {', '.join(report.checks)}"
            )
        )
    console.print(Text(f"snapshotIdentifier: {arn}"))
    console.print(
        Text("The staging account copies it with its own CMK before restoring (docs/data-refresh.md).")
    )
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    """The ``data refresh`` command (``blueprint.cli.registry``): 0 shared, 1 failed (``UsageError``: 2)."""
    return refresh_command(args, output.console(soft_wrap=True))
