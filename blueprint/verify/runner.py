"""What ``python -m blueprint verify`` does (``blueprint.verify.command`` declares the arguments): read the
outputs, make sure the credentials reach the stack's account, run every check with a progress bar on
stderr, print the report, and return 0 (go) or 1 (no-go). Usage problems raise ``UsageError``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from blueprint.cli.errors import EXIT_FAILED, EXIT_OK, UsageError
from blueprint.cli.output import console
from blueprint.verify.aws import AwsReader
from blueprint.verify.outputs import OutputsError, StackOutputs, load_outputs
from blueprint.verify.registry import Check, Context, all_checks, run_checks
from blueprint.verify.report import build_report, render_report, render_text
from blueprint.verify.results import CheckResult


def _http_url(option: str, value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"{option} {value!r}: expected an http(s) URL, e.g. https://staging.example.com")
    return value


def _notes(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        notes = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"--emulation-notes {path}: cannot read it as JSON ({exc})") from None
    if not isinstance(notes, dict) or not isinstance(notes.get("notEmulated"), list):
        raise UsageError(f"--emulation-notes {path}: expected an object with a notEmulated list")
    return notes


def _account(aws: AwsReader, outputs: StackOutputs) -> str:
    """The caller's account, which must be the stack's (sts:GetCallerIdentity needs no permission)."""
    try:
        account = str(aws("sts").get_caller_identity()["Account"])
    except NoCredentialsError:
        raise UsageError(
            "no AWS credentials: configure them (e.g. AWS_PROFILE or OIDC in CI) and retry"
        ) from None
    except (BotoCoreError, ClientError) as exc:
        raise UsageError(f"cannot reach the account: {exc}") from None
    if account != outputs.account:
        raise UsageError(
            f"the credentials are for account {account} but the stack outputs are in {outputs.account} "
            "(kmsKeyArn); use credentials for the stack's account"
        )
    return account


def context(args: argparse.Namespace) -> tuple[Context, str]:
    """The checks' context and the caller's account, from the arguments.

    Raises:
        UsageError: see the module docstring.
    """
    try:
        outputs = load_outputs(args.outputs)
    except OutputsError as exc:
        raise UsageError(str(exc)) from None
    if args.region and args.region != outputs.region:
        raise UsageError(
            f"--region {args.region}: the stack's resources are in {outputs.region} (kmsKeyArn); "
            "drop --region"
        )
    if args.max_session_seconds < 900:
        raise UsageError(
            f"--max-session-seconds {args.max_session_seconds}: must be at least 900 (STS's minimum)"
        )
    url = _http_url("--url", args.url)
    aws = AwsReader(outputs.region, _http_url("--endpoint-url", args.endpoint_url))
    account = _account(aws, outputs)
    ctx = Context(outputs, aws, args.max_session_seconds, url)
    return ctx, account


def _run_with_progress(ctx: Context, checks: list[Check], err: Console) -> list[CheckResult]:
    """Run the checks with a progress bar on stderr (shown on terminals only)."""
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"))
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task("verify", total=len(checks))

        def step(check: Check) -> None:
            progress.update(task, description=f"verify {check.id}", completed=checks.index(check))

        results = run_checks(ctx, checks, on_check=step)
        progress.update(task, completed=len(checks))
    return results


def verify(args: argparse.Namespace) -> int:
    """Run ``verify`` for parsed arguments; returns 0 (go) or 1 (no-go).

    Raises:
        UsageError: bad outputs file, URL or region; no credentials; unreachable endpoint; another account.
    """
    notes = _notes(args.emulation_notes)
    ctx, account = context(args)
    results = _run_with_progress(ctx, all_checks(), console(stderr=True))
    target = {
        "account": account,
        "region": ctx.aws.region,
        "endpointUrl": ctx.aws.endpoint_url,
        "url": ctx.url,
        "outputs": str(args.outputs),
    }
    report = build_report(results, target, api_calls=sorted(ctx.aws.calls), emulation=notes)
    if args.format == "text":
        render_text(report, console())
    else:
        print(render_report(report, args.format), end="")
    return EXIT_OK if report["verdict"] == "go" else EXIT_FAILED
