"""Command line of the offline tools: ``python -m blueprint preview|parity|contracts|config-reference``
and ``verify``.

``verify`` checks a deployed stack (``blueprint.verify.command``: exit 0 go, 1 no-go, 2 usage, 3 internal).

Exit codes:

- ``0``: no mandatory policy violation.
- ``1``: at least one mandatory violation (including a mandatory rule downgraded by the policy config
  without a valid justification, an exemption that is not honoured by a mandatory rule, and a break of a
  topic contract); for ``parity``, an unexplained engine, version or security difference; for
  ``contracts``, a break.
- ``2``: usage error: bad arguments, ``--output`` that cannot be written, invalid stack file, stack
  config or policy config, a ``--compare`` document or ``--base`` that cannot be used, or a
  program/policy-pack failure. Nothing is written.
- ``3``: internal error (a bug in these tools): one line on stderr; ``--debug`` or ``BLUEPRINT_DEBUG=1``
  adds the traceback. Nothing is written.
- ``130`` / ``143``: interrupted by Ctrl-C (SIGINT) / terminated (SIGTERM, what CI cancellation sends):
  the policy pack is stopped, nothing is written, one line ``interrupted`` on stderr.

Everything printed from user input or config (error messages, violation messages, resource names) is
printed literally, never as Rich markup: ``[secret]`` or ``[/x]`` in a value prints as written.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from blueprint.engine import PROJECT_DIR, ProgramError, run_stack
from blueprint.engine.graph import StackGraph
from blueprint.engine.stack_files import StackFileError, StackSettings, read_stack
from blueprint.policy import BackgroundAnalysis, PolicyPackError, PolicyReport
from blueprint.policy.config import PolicyConfigError, load_exemptions_module, load_policy_config
from blueprint.refresh import cli as data_cli
from blueprint.report import build_report, render_report, render_text
from blueprint.report.cost import BudgetError, apply_cost, parse_budget
from blueprint.review import contracts_command, parity_command
from blueprint.review.preview_steps import ReviewInputError, apply_review, contract_report, load_base
from blueprint.verify import command as verify_command
from stack_config import ConfigError, load_stack_config
from stack_config.base import NAMESPACE

EXIT_OK, EXIT_MANDATORY, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
#: 128 + signal number, as shells report a process killed by the signal.
EXIT_SIGINT, EXIT_SIGTERM = 128 + signal.SIGINT, 128 + signal.SIGTERM
#: Set (to anything but empty or ``0``) to print the traceback of an internal error.
DEBUG_ENV = "BLUEPRINT_DEBUG"


class UsageError(Exception):
    """Bad input (arguments, output path, stack file, config, policy config, program failure): the
    message is shown, exit code 2."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread like Ctrl-C's ``KeyboardInterrupt`` so every cleanup runs."""


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days >= 1")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="print the traceback of an internal error")
    parser = argparse.ArgumentParser(
        prog="python -m blueprint", description="staging-blueprint offline tools"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    preview = sub.add_parser(
        "preview",
        parents=[common],
        help="run the program offline, check it with the policy pack, print the resource tree",
        description="Run the Pulumi program for a stack without the Pulumi CLI or a cloud account. "
        "Exit codes: 0 pass, 1 mandatory violation, 2 usage error, 3 internal error, 130/143 interrupted.",
    )
    preview.add_argument("--stack", default="staging", help="stack name; reads Pulumi.<stack>.yaml")
    preview.add_argument("--format", choices=("text", "markdown", "json", "sarif"), default="text")
    preview.add_argument("--output", type=Path, help="write the report to FILE instead of stdout")
    preview.add_argument(
        "--policy-config", type=Path, help="policy pack config JSON (as --policy-pack-config)"
    )
    preview.add_argument(
        "--max-waiver-days",
        type=_positive_int,
        metavar="DAYS",
        help="latest expiry allowed for exemptions and downgrades, in days from today "
        "(default 90, or STAGING_GUARDRAILS_MAX_WAIVER_DAYS)",
    )
    preview.add_argument(
        "--compare", type=Path, metavar="BASE.json", help="show the change against this base preview (JSON)"
    )
    preview.add_argument(
        "--base",
        metavar="REF",
        help="git revision topic contracts are checked against (default: merge base with main)",
    )
    preview.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help=argparse.SUPPRESS)
    # --- cost (blueprint.report.cost): the estimate is in every preview; --budget fails it when over ---
    preview.add_argument("--budget", metavar="USD", help="exit 1 when the monthly cost estimate is over USD")
    for command in (parity_command, contracts_command):
        command.add_parser(sub, common)
    reference = sub.add_parser(
        "config-reference", parents=[common], help="print the stack config reference (Markdown)"
    )
    reference.add_argument("--update-readme", action="store_true", help="rewrite the block in README.md")
    data_cli.add_parser(sub)
    verify_command.add_parser(sub, [common])
    return parser


def validate_config(settings: StackSettings) -> None:
    """Raise ``UsageError`` with one line per problem if the stack config is invalid."""
    try:
        load_stack_config(
            settings.namespace(NAMESPACE), settings.secret_keys_in(NAMESPACE), settings.context(NAMESPACE)
        )
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def _load_policy_config(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        return load_policy_config(path)
    except PolicyConfigError as exc:
        raise UsageError(str(exc)) from None


def _pack_env(max_waiver_days: int | None) -> dict[str, str]:
    if max_waiver_days is None:
        return {}
    return {load_exemptions_module().MAX_WAIVER_DAYS_ENV: str(max_waiver_days)}


def analyze_while_running(
    settings: StackSettings, project_dir: Path, policy_config: Any, env: dict[str, str] | None = None
) -> tuple[StackGraph, PolicyReport]:
    """Run the program with ``staging-guardrails`` analyzing each registration as it happens (the pack
    boots while the program starts, as the engine starts analyzers up front); ``UsageError`` on failure.

    ``env`` is extra environment for the pack (e.g. the maximum waiver horizon).
    """
    try:
        with BackgroundAnalysis(
            settings.project, settings.stack, policy_config, stack_config=settings.config, env=env
        ) as analysis:
            graph = run_stack(settings, project_dir, on_register=analysis.submit)
            return graph, analysis.finish(graph)
    except (ProgramError, PolicyPackError, PolicyConfigError) as exc:
        raise UsageError(str(exc)) from None


def check_output(path: Path) -> Path:
    """The file ``--output`` names, checked before anything runs (a symlink is followed, so it stays).

    Raises:
        UsageError: ``path`` is a directory, its directory is missing or not writable, or the file
            exists and is not writable.
    """
    target = path.resolve() if path.is_symlink() else path
    if target.is_dir():
        raise UsageError(f"--output {path}: is a directory; name a file, e.g. {path / 'preview.md'}")
    folder = target.parent
    if not folder.is_dir():
        raise UsageError(f"--output {path}: directory {folder} does not exist; create it first")
    if target.exists() and not os.access(target, os.W_OK):
        raise UsageError(f"--output {path}: the file is not writable; fix its permissions")
    try:  # access() is not enough (root, read-only mounts): create an anonymous file there
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise UsageError(f"--output {path}: cannot write in {folder} ({exc.strerror})") from None
    return target


def _new_file_mode() -> int:
    """The mode ``open()`` gives a new file: 0o666 minus the umask (a temp file would get 0o600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temp file and a rename: readers never see a half-written
    report, a failure or interrupt removes the temp file, and a replaced file keeps its mode.

    Raises:
        UsageError: the file cannot be written (message names the path and the OS error).
    """
    mode = path.stat().st_mode & 0o7777 if path.exists() else _new_file_mode()
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise UsageError(f"--output {path}: cannot write ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise UsageError(f"--output {path}: cannot write ({exc.strerror or exc})") from None
        raise


def preview(args: argparse.Namespace) -> int:
    """The ``preview`` command; returns the exit code."""
    target = check_output(args.output) if args.output is not None else None
    try:
        settings = read_stack(args.project_dir, args.stack)
        base = load_base(args.compare) if args.compare is not None else None
        validate_config(settings)
        contracts = contract_report(settings, args.project_dir, args.base)
    except (StackFileError, ReviewInputError) as exc:
        raise UsageError(str(exc)) from None
    policy_config = _load_policy_config(args.policy_config)
    env = _pack_env(args.max_waiver_days)
    graph, policy = analyze_while_running(settings, args.project_dir, policy_config, env)
    note = f"policy config {args.policy_config}" if args.policy_config else "default policy config"
    report = build_report(graph, policy, note)
    try:
        apply_review(report, contracts, base, args.compare.name if args.compare else "")
    except ReviewInputError as exc:
        raise UsageError(str(exc)) from None
    # --- cost (blueprint.report.cost): the cost block, its --compare delta and the --budget verdict ---
    try:
        budget = parse_budget(args.budget) if args.budget is not None else None
        over_budget = apply_cost(report, graph, settings, base, budget)
    except BudgetError as exc:
        raise UsageError(str(exc)) from None
    # --- end cost ---
    if target is not None:
        write_atomically(target, render_report(report, args.format, project_dir=args.project_dir))
        Console(stderr=True, highlight=False).print(Text(report["summary"]["line"]))
    elif args.format == "text":
        render_text(report, Console(emoji=False, highlight=False))
    else:
        sys.stdout.write(render_report(report, args.format, project_dir=args.project_dir))
    return EXIT_MANDATORY if policy.has_mandatory or contracts.breaks or over_budget else EXIT_OK


def _config_reference(args: argparse.Namespace) -> int:
    from stack_config.reference import render_reference, update_readme

    if args.update_readme:
        changed = update_readme(PROJECT_DIR / "README.md")
        print("README.md updated" if changed else "README.md already up to date")
    else:
        sys.stdout.write(render_reference())
    return EXIT_OK


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """While active (main thread only), SIGTERM raises ``Terminated`` in the main thread, so it stops
    the pack and cleans up exactly as Ctrl-C does. Later SIGTERMs are ignored while that cleanup runs
    (it is bounded; a SIGKILL still ends everything, and the pack dies with us)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _error(message: str) -> None:
    """``error: <message>`` on stderr, printed literally (never parsed as markup)."""
    Console(stderr=True, highlight=False, soft_wrap=True).print(
        Text.assemble(("error:", "bold red"), " ", message)
    )


def _internal_error(exc: Exception, debug: bool) -> int:
    if debug or os.environ.get(DEBUG_ENV, "") not in ("", "0"):
        traceback.print_exception(exc, file=sys.stderr)
    first_line = (str(exc).strip().splitlines() or [""])[0]
    hint = "" if debug else f" (--debug or {DEBUG_ENV}=1 shows the traceback)"
    _error(f"internal error: {type(exc).__name__}: {first_line}; please report{hint}")
    return EXIT_INTERNAL


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code (see the module docstring)."""
    args = _parser().parse_args(argv)
    if args.command == "data":
        return data_cli.run(args)
    try:
        with _sigterm_raises():
            commands = {"config-reference": _config_reference, "preview": preview}
            commands |= {"parity": parity_command.run, "contracts": contracts_command.run}
            commands["verify"] = verify_command.run
            return commands[args.command](args)
    except (UsageError, verify_command.UsageError) as exc:
        _error(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt as exc:
        print("interrupted", file=sys.stderr)
        return EXIT_SIGTERM if isinstance(exc, Terminated) else EXIT_SIGINT
    except Exception as exc:
        return _internal_error(exc, args.debug)
