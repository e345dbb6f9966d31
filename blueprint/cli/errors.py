"""The command line's one error type and one set of exit codes (see ``blueprint.cli`` for what each means).

A leaf module (standard library only): command modules and the libraries they drive raise ``UsageError``
without loading the dispatcher's dependencies.
"""

from __future__ import annotations

import signal

#: Success: no mandatory violation, a go, nothing failed.
EXIT_OK = 0
#: A check failed: a mandatory policy violation, a contract break, an unexplained parity difference, a
#: verify no-go, a refresh step or masking assertion that failed.
EXIT_FAILED = 1
#: Usage or config error (``UsageError``): nothing was done or written.
EXIT_USAGE = 2
#: Internal error (a bug in these tools): one line; ``--debug`` or ``BLUEPRINT_DEBUG=1`` adds the traceback.
EXIT_INTERNAL = 3
#: Interrupted by Ctrl-C (SIGINT) / terminated (SIGTERM): 128 + the signal number, as shells report it.
EXIT_SIGINT, EXIT_SIGTERM = 128 + signal.SIGINT, 128 + signal.SIGTERM


class UsageError(Exception):
    """Bad input: arguments, an output path, a stack file, stack or policy config, a plan, an account that
    cannot be checked. ``str()`` is the message shown literally after ``error:``; exit code 2."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread like Ctrl-C's ``KeyboardInterrupt`` so every cleanup runs."""
