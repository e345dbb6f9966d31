"""The slice provisioner's deployment package as the program registers it: the handler and the pure-Python
PostgreSQL driver with its dependencies, importable with nothing else on ``sys.path`` (as in Lambda, where
the .zip is unpacked under /var/task), connecting over TLS with the server's certificate verified."""

from __future__ import annotations

import json
import os
import re
import shutil
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from blueprint.devtools.localpg import SUPERUSER, LocalPostgres
from blueprint.engine import PROJECT_DIR, run_stack
from blueprint.engine.graph import StackGraph
from blueprint.engine.stack_files import read_stack_file
from components.pr_slice_package import package_files
from functions.slice_provisioner import handler
from functions.slice_provisioner.postgres import drop_slice_database
from tests.functions.tls_support import enable_tls, make_ca

EXAMPLE = PROJECT_DIR / "examples" / "Pulumi.pr-123.yaml"
PIN = re.compile(r"^([A-Za-z0-9._-]+)==(\S+)")
#: What pg8000 imports, transitively (the wheels' METADATA Requires-Dist): the top-level names in the zip.
DRIVER_TOP_LEVEL = ("pg8000/", "scramp/", "asn1crypto/", "dateutil/", "six.py")

#: Runs inside ``python -I -S`` with only the extracted package on sys.path.
SCRIPT = """
import json, os, sys
root = sys.argv[1]
sys.path.insert(0, root)
import slice_provisioner.handler as handler

class Secrets:
    def get_secret_value(self, SecretId):
        assert SecretId == "arn:test:master"
        secret = {"username": os.environ["T_USER"], "password": os.environ["T_PW"]}
        return {"SecretString": json.dumps(secret)}

done = handler._postgres(Secrets(), True)
conn = handler.connect_postgres({"username": os.environ["T_USER"], "password": os.environ["T_PW"]}, "pr_9")
cur = conn.cursor()
cur.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
ssl_on = cur.fetchone()[0]
conn.close()
outside = sorted(
    m.__name__ for m in list(sys.modules.values())
    if "site-packages" in (getattr(m, "__file__", None) or "") and not m.__file__.startswith(root)
)
print(json.dumps({"done": done, "ssl": ssl_on, "outside": outside, "no_site": "site" not in sys.modules}))
"""


@pytest.fixture(scope="module")
def slice_graph() -> StackGraph:
    return run_stack(read_stack_file(PROJECT_DIR, EXAMPLE))


def registered_assets(graph: StackGraph) -> dict[str, Path]:
    function = next(r for r in graph.resources if r.type == "aws:lambda/function:Function")
    assets = function.inputs["code"]["assets"]
    return {name: PROJECT_DIR / asset["path"] for name, asset in assets.items()}


@pytest.fixture(scope="module")
def extracted(slice_graph: StackGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("package")
    for name, source in registered_assets(slice_graph).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, root / name)
    return root


@pytest.fixture(scope="module")
def tls(pg: LocalPostgres, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """TLS on in the module's server; the CA that signed it and an unrelated CA."""
    directory = tmp_path_factory.mktemp("ca")
    ca, key, name = make_ca(directory, "server")
    other, _, _ = make_ca(directory, "other")
    enable_tls(pg, key, name)
    return {"ca": ca, "other": other}


@pytest.fixture
def cleanup(pg: LocalPostgres) -> Iterator[None]:
    yield
    import psycopg

    with psycopg.connect(pg.dsn(), autocommit=True) as conn:
        drop_slice_database(conn, "pr_9", "pr_9_app")


def pins(path: Path) -> dict[str, str]:
    return {m[1].lower(): m[2] for line in path.read_text().splitlines() if (m := PIN.match(line.strip()))}


def test_the_program_and_the_package_pin_the_same_driver_versions_with_hashes():
    bundled = pins(PROJECT_DIR / "functions" / "slice_provisioner" / "requirements.txt")
    program = pins(PROJECT_DIR / "requirements.txt")
    assert {"pg8000", "scramp", "asn1crypto"} <= bundled.keys()
    assert {name: program.get(name) for name in bundled} == bundled
    lines = (PROJECT_DIR / "functions" / "slice_provisioner" / "requirements.txt").read_text().splitlines()
    assert all("--hash=sha256:" in line for line in lines if PIN.match(line))


def test_the_registered_archive_holds_the_handler_and_the_driver(slice_graph):
    names = set(registered_assets(slice_graph))
    assert {"slice_provisioner/handler.py", "slice_provisioner/postgres.py"} <= names
    for top in DRIVER_TOP_LEVEL:
        assert any(n == top or n.startswith(top) for n in names), top
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", "/RECORD", "/INSTALLER"))]
    assert any(n.startswith("pg8000-") and n.endswith(".dist-info/METADATA") for n in names)


def test_the_package_is_the_same_on_every_run():
    first, second = package_files(PROJECT_DIR), package_files(PROJECT_DIR)
    assert list(first) == sorted(first) == list(second)
    assert {k: v.read_bytes() for k, v in first.items()} == {k: v.read_bytes() for k, v in second.items()}


def run_extracted(root: Path, pg: LocalPostgres, ca_bundle: str | None) -> dict[str, object]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DB_HOST": "127.0.0.1",
        "DB_PORT": str(pg.port),
        "DB_SECRET_ARN": "arn:test:master",
        "DATABASE": "pr_9",
        "DATABASE_USER": "pr_9_app",
        "T_USER": SUPERUSER,
        "T_PW": pg.password,
    } | ({"DB_CA_BUNDLE": ca_bundle} if ca_bundle else {})
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", SCRIPT, str(root)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert pg.password not in result.stdout + result.stderr
    return json.loads(result.stdout)


def test_the_extracted_package_alone_creates_the_database_over_verified_tls(extracted, pg, tls, cleanup):
    shutil.copyfile(tls["ca"], extracted / "slice_provisioner" / "test-ca.pem")
    out = run_extracted(extracted, pg, "test-ca.pem")
    assert out == {
        "done": ["created role pr_9_app", "created database pr_9"],
        "ssl": True,
        "outside": [],
        "no_site": True,
    }


def test_without_a_ca_bundle_the_channel_is_encrypted_and_the_result_says_unverified(
    extracted, pg, tls, cleanup
):
    out = run_extracted(extracted, pg, None)
    assert out["ssl"] is True
    assert out["done"][-1].startswith("warning: database server certificate not verified")


def test_a_server_certificate_from_another_ca_is_refused(pg, tls, monkeypatch):
    monkeypatch.setenv("DB_HOST", "127.0.0.1")
    monkeypatch.setenv("DB_PORT", str(pg.port))
    monkeypatch.setenv("DB_CA_BUNDLE", str(tls["other"]))
    with pytest.raises(ssl.SSLCertVerificationError):
        handler.connect_postgres({"username": SUPERUSER, "password": pg.password})


def test_tls_context_requires_tls_1_2_and_verifies_hostnames_with_a_bundle(tls):
    verified = handler.tls_context(str(tls["ca"]))
    assert (verified.verify_mode, verified.check_hostname) == (ssl.CERT_REQUIRED, True)
    assert verified.minimum_version == ssl.TLSVersion.TLSv1_2
    assert handler.tls_context(None).minimum_version == ssl.TLSVersion.TLSv1_2
