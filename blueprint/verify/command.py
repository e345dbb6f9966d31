"""``python -m blueprint verify``: is what AWS now holds isolated, encrypted and reachable only the right
way? Reads the stack outputs, checks the live account read-only with boto3 (and the edge over HTTP with
``--url``), prints the go/no-go report (``blueprint.verify.runner`` does the work; it is imported only
when ``verify`` runs, so other commands do not pay for boto3).

Exit codes: ``0`` go, ``1`` no-go (a check failed, or nothing could be verified), ``2`` usage error (bad
arguments or outputs file, no credentials, unreachable endpoint, credentials or region of another account
than the outputs'). Internal errors are ``3`` (``blueprint.cli``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

#: The default ceiling of an access role's IAM ``MaxSessionDuration``, in seconds: IAM's minimum (IAM API
#: reference, CreateRole ``MaxSessionDuration``: 3600-43200); the broker issues shorter sessions itself.
DEFAULT_MAX_SESSION_SECONDS = 3600


class UsageError(Exception):
    """Bad input or an account that cannot be checked: the message is shown, exit code 2."""


def add_parser(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Register ``verify`` on the CLI's subparsers."""
    parser = subparsers.add_parser(
        "verify",
        parents=parents,
        help="check a deployed stack read-only: go/no-go",
        description="Check what AWS holds for a deployed stack, read-only (boto3), and the edge over HTTP. "
        "Exit codes: 0 go, 1 no-go, 2 usage error, 3 internal error.",
    )
    parser.add_argument(
        "--outputs",
        type=Path,
        required=True,
        metavar="FILE",
        help="the stack's outputs: `pulumi stack output --json --show-secrets > FILE`",
    )
    parser.add_argument("--region", help="AWS region (default: the region of the outputs' kmsKeyArn)")
    parser.add_argument("--endpoint-url", metavar="URL", help="send AWS calls here, e.g. a moto server")
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    parser.add_argument("--url", metavar="URL", help="the edge's base URL: also check it over HTTP")
    parser.add_argument(
        "--max-session-seconds",
        type=int,
        default=DEFAULT_MAX_SESSION_SECONDS,
        metavar="SECONDS",
        help=f"highest MaxSessionDuration an access role may have (default {DEFAULT_MAX_SESSION_SECONDS})",
    )
    parser.add_argument(
        "--emulation-notes",
        type=Path,
        metavar="FILE",
        help="what the moto engine did not emulate, to list in the report (written by make verify-local)",
    )


def run(args: argparse.Namespace) -> int:
    """The ``verify`` command; returns the exit code (0 go, 1 no-go).

    Raises:
        UsageError: see the module docstring.
    """
    from blueprint.verify.runner import verify

    return verify(args)
