"""``python -m blueprint``: the offline tools (see ``blueprint.cli``).

Once the command has returned, the process takes the first steps of an ordinary interpreter exit (join the
non-daemon threads, which also stops idle executor workers, then run the ``atexit`` handlers, which flush
``logging``), flushes stdout and stderr, and ends with ``os._exit``. What it skips is the last step, tearing
down every module: freeing the hundreds of thousands of objects the Pulumi SDKs create (pulumi-aws,
pulumi-kubernetes) takes about a second and serves nothing once every file is closed and the policy pack is
stopped (``make bench`` measures the preview with it).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading

from blueprint.cli import main

code = main()
# CPython's exit sequence (Py_FinalizeEx): threading's shutdown hook, then atexit, then module teardown.
getattr(threading, "_shutdown")()  # noqa: B009 (private, as the interpreter itself calls it)
getattr(atexit, "_run_exitfuncs")()  # noqa: B009
with contextlib.suppress(OSError):  # a reader that went away (``| head``) must not turn 0 into a traceback
    sys.stdout.flush()
    sys.stderr.flush()
os._exit(code)
