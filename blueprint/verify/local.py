"""``make verify-local``: deploy the default stack into a moto server on loopback and verify it.

Starts a ``ThreadedMotoServer`` on 127.0.0.1 (a free port), deploys ``Pulumi.<stack>.yaml`` into it with
the moto-backed engine, writes the stack outputs (as ``pulumi stack output --json --show-secrets`` does)
and what was not emulated to ``--out-dir``, runs ``python -m blueprint verify --endpoint-url <server>``
on them (the same code path as against a real account) and prints the report and the time taken. The
server is stopped whatever happens. Exit code: verify's (0 go, 1 no-go, 2 usage), or 2 when the
deployment fails.

The whole run uses fake credentials (``moto``), never the caller's: whatever AWS profile or keys the
environment holds are set aside (the server runs in this process and reads the same environment) and
restored afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from rich.console import Console
from rich.text import Text

from blueprint import cli
from blueprint.cli.errors import EXIT_USAGE
from blueprint.engine import PROJECT_DIR, ProgramError, StackFileError, read_stack
from blueprint.engine.moto import deploy_stack, moto_server, write_json
from stack_config import ConfigError

#: Environment of the verify run: fake credentials for the local server, no profile or real keys.
_FAKE_ENV = {"AWS_ACCESS_KEY_ID": "moto", "AWS_SECRET_ACCESS_KEY": "moto"}
_CLEARED_ENV = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_DEFAULT_PROFILE")


@contextlib.contextmanager
def fake_credentials() -> Iterator[None]:
    """Fake credentials in the environment for the block; the previous environment is restored."""
    saved = {k: os.environ.get(k) for k in (*_FAKE_ENV, *_CLEARED_ENV)}
    try:
        for key in _CLEARED_ENV:
            os.environ.pop(key, None)
        os.environ.update(_FAKE_ENV)
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run(stack: str, out_dir: Path, fmt: str, console: Console) -> int:
    """Deploy ``stack`` into a fresh moto server, write its outputs to ``out_dir`` and verify it."""
    started = time.perf_counter()
    settings = read_stack(PROJECT_DIR, stack)
    region = settings.config.get("aws:region", "us-east-1")
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs, notes = out_dir / "outputs.json", out_dir / "emulation-notes.json"
    with fake_credentials(), moto_server() as server:
        console.print(Text(f"moto server on {server.endpoint_url}; deploying stack {stack} ({region})"))
        deployment = deploy_stack(settings, server.clients(region))
        write_json(outputs, deployment.outputs())
        write_json(notes, deployment.notes_json())
        deployed = time.perf_counter() - started
        console.print(
            Text(
                f"deployed {len(deployment.created)} resources into moto in {deployed:.1f} s "
                f"({len(deployment.not_emulated)} kinds of thing not emulated); outputs: {outputs}"
            )
        )
        argv = ["verify", "--outputs", str(outputs), "--endpoint-url", server.endpoint_url]
        code = cli.main([*argv, "--emulation-notes", str(notes), "--format", fmt])
    console.print(Text(f"verify-local took {time.perf_counter() - started:.1f} s (moto server stopped)"))
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m blueprint.verify.local", description=__doc__)
    parser.add_argument("--stack", default="staging", help="stack name; reads Pulumi.<stack>.yaml")
    parser.add_argument("--out-dir", type=Path, default=PROJECT_DIR / ".verify-local", metavar="DIR")
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    args = parser.parse_args(argv)
    console = Console(stderr=True, highlight=False)
    try:
        return run(args.stack, args.out_dir, args.format, console)
    except (StackFileError, ConfigError, ProgramError) as exc:
        console.print(Text.assemble(("error:", "bold red"), f" deployment into moto failed: {exc}"))
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
