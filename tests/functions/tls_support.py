"""A throwaway certificate authority and a server certificate for 127.0.0.1 (``cryptography``), and TLS
switched on in a running local PostgreSQL server (``ALTER SYSTEM``, then a configuration reload)."""

from __future__ import annotations

import datetime
import ipaddress
import os
from pathlib import Path

import psycopg
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from blueprint.devtools.localpg import LocalPostgres


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(subject: str, issuer: str, key: ec.EllipticCurvePrivateKey) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
    )


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def make_ca(directory: Path, label: str) -> tuple[Path, ec.EllipticCurvePrivateKey, str]:
    """A self-signed CA written to ``<directory>/<label>-ca.pem``: (path, key, common name)."""
    key = ec.generate_private_key(ec.SECP256R1())
    common_name = f"test {label} CA"
    cert = (
        _builder(common_name, common_name, key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = directory / f"{label}-ca.pem"
    path.write_bytes(_pem(cert))
    return path, key, common_name


def enable_tls(server: LocalPostgres, ca_key: ec.EllipticCurvePrivateKey, ca_name: str) -> None:
    """A server certificate for 127.0.0.1 signed by the CA, and ``ssl = on`` in ``server``."""
    key = ec.generate_private_key(ec.SECP256R1())
    san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    builder = _builder("127.0.0.1", ca_name, key).add_extension(san, critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    cert_file, key_file = server.root / "server.crt", server.root / "server.key"
    cert_file.write_bytes(_pem(cert))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_file.chmod(0o600)  # PostgreSQL refuses a key file readable by others
    if server.account is not None:
        for path in (cert_file, key_file):
            os.chown(path, server.account.pw_uid, server.account.pw_gid)
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        conn.execute(f"ALTER SYSTEM SET ssl_cert_file = '{cert_file}'")
        conn.execute(f"ALTER SYSTEM SET ssl_key_file = '{key_file}'")
        conn.execute("ALTER SYSTEM SET ssl = on")
        conn.execute("SELECT pg_reload_conf()")
