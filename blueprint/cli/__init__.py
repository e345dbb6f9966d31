"""``python -m blueprint <command>``: the command line of the offline tools.

The commands are listed in ``blueprint.cli.registry`` (one line each, imported only when chosen); the
shared options are in ``blueprint.cli.options``, printing and ``--output`` in ``blueprint.cli.output``,
the error type and exit codes in ``blueprint.cli.errors``. ``main()`` parses the arguments and runs the
command inside the one handler that owns the exit codes below, for every command alike.

Exit codes:

- ``0``: success: no mandatory policy violation (``preview``), no unexplained difference (``parity``),
  compatible (``contracts``), go (``verify``), the sanitized snapshot is shared (``data refresh``).
- ``1``: a check failed: a mandatory violation (including a mandatory rule downgraded by the policy config
  without a valid justification, an exemption a mandatory rule does not honour, a topic-contract break);
  an unexplained engine, version or security difference (``parity``); a break (``contracts``); no-go
  (``verify``); a refresh step or masking assertion that failed (``data refresh``: nothing was shared).
- ``2``: usage or config error (``UsageError``): bad arguments, an ``--output`` that cannot be written, a
  file option naming a file that cannot be read, an invalid stack file, stack config, policy config or
  refresh plan, a ``--compare`` document or ``--base`` that cannot be used, a program or policy-pack
  failure, credentials of another account. One ``error:`` line (one per problem); nothing is written.
- ``3``: internal error (a bug in these tools): one line on stderr; ``--debug`` or ``BLUEPRINT_DEBUG=1``
  adds the traceback. Nothing is written.
- ``130`` / ``143``: interrupted by Ctrl-C (SIGINT) / terminated (SIGTERM, what CI cancellation sends):
  the policy pack is stopped, nothing is written, one line ``interrupted`` on stderr.

Everything printed from user input or config (error messages, violation messages, resource names, paths)
is printed literally, never as Rich markup: ``[secret]`` or ``[/x]`` in a value prints as written.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import traceback
from collections.abc import Iterator, Sequence

from blueprint.cli import registry
from blueprint.cli.errors import (
    EXIT_INTERNAL,
    EXIT_SIGINT,
    EXIT_SIGTERM,
    EXIT_USAGE,
    Terminated,
    UsageError,
)
from blueprint.cli.options import add_debug

#: Set (to anything but empty or ``0``) to print the traceback of an internal error.
DEBUG_ENV = "BLUEPRINT_DEBUG"


def chosen_command(argv: Sequence[str]) -> str | None:
    """The registered command ``argv`` starts with (``data refresh`` for ``data refresh --plan x``)."""
    for name in registry.COMMANDS:
        words = name.split()
        if list(argv[: len(words)]) == words:
            return name
    return None


def build_parser(command: str | None) -> argparse.ArgumentParser:
    """The parser listing every command (from the registry, nothing imported); only ``command``, when
    given, gets its arguments (its module is imported and its ``configure()`` called)."""
    parser = argparse.ArgumentParser(
        prog="python -m blueprint", description="staging-blueprint offline tools"
    )
    top = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    groups: dict[str, argparse._SubParsersAction] = {}
    for name, (_, help_line) in registry.COMMANDS.items():
        *group, leaf = name.split()
        sub = top
        if group:
            if group[0] not in groups:
                parent = top.add_parser(group[0], help=registry.GROUPS.get(group[0], ""))
                groups[group[0]] = parent.add_subparsers(dest="subcommand", required=True, metavar="COMMAND")
            sub = groups[group[0]]
        child = sub.add_parser(leaf, help=help_line, description=help_line[:1].upper() + help_line[1:] + ".")
        if name == command:
            add_debug(child)
            registry.load(name).configure(child)
            child.set_defaults(command_name=name)
    return parser


def _debugging(argv: Sequence[str], args: argparse.Namespace | None) -> bool:
    flag = getattr(args, "debug", False) if args is not None else "--debug" in argv
    return bool(flag) or os.environ.get(DEBUG_ENV, "") not in ("", "0")


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


def _internal_error(exc: Exception, debug: bool) -> int:
    from blueprint.cli.output import error

    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    first_line = (str(exc).strip().splitlines() or [""])[0]
    hint = "" if debug else f" (--debug or {DEBUG_ENV}=1 shows the traceback)"
    error(f"internal error: {type(exc).__name__}: {first_line}; please report{hint}")
    return EXIT_INTERNAL


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default ``sys.argv[1:]``), run the command, return the process exit code (see the
    module docstring). ``--help`` and argument errors exit through argparse's ``SystemExit`` (0 / 2)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args: argparse.Namespace | None = None
    try:
        with _sigterm_raises():
            args = build_parser(chosen_command(argv)).parse_args(argv)
            return int(registry.load(args.command_name).run(args))
    except UsageError as exc:
        from blueprint.cli.output import error

        error(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt as exc:
        print("interrupted", file=sys.stderr)
        return EXIT_SIGTERM if isinstance(exc, Terminated) else EXIT_SIGINT
    except Exception as exc:
        return _internal_error(exc, _debugging(argv, args))
