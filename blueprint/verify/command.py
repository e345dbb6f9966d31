"""``python -m blueprint verify``: is what AWS now holds isolated, encrypted and reachable only the right
way? Reads the stack outputs, checks the live account read-only with boto3 (and the edge over HTTP with
``--url``), prints the go/no-go report (``blueprint.verify.runner`` does the work; it is imported only
when ``verify`` runs, so other commands do not pay for boto3).

Exit codes: ``0`` go, ``1`` no-go (a check failed, or nothing could be verified), ``2`` usage error (bad
arguments or outputs file, no credentials, unreachable endpoint, credentials or region of another account
than the outputs'). Internal errors are ``3`` (``blueprint.cli``). The options are declared without
importing the checks, so ``verify --help`` loads neither boto3 nor pulumi.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from blueprint.cli import options
from blueprint.verify import DEFAULT_MAX_SESSION_SECONDS


def configure(parser: argparse.ArgumentParser) -> None:
    """``--outputs`` (required), ``--region``, ``--endpoint-url``, ``--format``, ``--url``,
    ``--max-session-seconds``, ``--emulation-notes``."""
    parser.description = (
        "Check what AWS holds for a deployed stack, read-only (boto3), and the edge over HTTP. "
        "Exit codes: 0 go, 1 no-go, 2 usage error, 3 internal error."
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
    options.add_format(parser, ("text", "markdown", "json"))
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
        blueprint.cli.errors.UsageError: see the module docstring.
    """
    from blueprint.verify.runner import verify

    return verify(args)
