"""Lambda entry point of the slice provisioner, invoked by the slice's stack through
``aws.lambda_.Invocation`` with ``lifecycleScope: CRUD``: the input carries ``tf.action`` (``create``,
``update`` or ``delete``; Terraform AWS provider docs, ``aws_lambda_invocation``, "CRUD Lifecycle Scope").

Environment: ``DB_HOST``, ``DB_PORT``, ``DB_SECRET_ARN`` (the RDS-managed master secret), ``DATABASE``,
``DATABASE_USER``, ``SEED_FROM`` (optional: the idle database on the same instance the slice's database is
copied from, once, when it is created; postgres.py); ``MQ_URL``, ``MQ_SECRET_ARN`` (the broker's admin
secret), ``VHOST``, ``MQ_USER``, ``MQ_USER_SECRET_ARN`` (where the slice user's generated password is
stored). Credentials are read from Secrets Manager inside the VPC and never returned: the result lists what
was done, nothing more.
PostgreSQL access uses the pure-Python ``pg8000`` driver, bundled in the deployment package
(components/pr_slice_package.py), always over TLS: ``DB_CA_BUNDLE`` names the PEM file of the CAs that sign
the server's certificate, verified with its hostname. RDS signs with its own CAs (``rds-ca-rsa2048-g1`` and
others), which are in no public trust store: the bundle comes from RDS (RDS User Guide, "Using SSL/TLS to
encrypt a connection to a DB instance or cluster", "Certificate bundles for all AWS Regions":
``global-bundle.pem``). Without ``DB_CA_BUNDLE`` the connection is still encrypted (pg8000 refuses a server
that declines SSL) but the server is not authenticated, and the result says so.
"""

from __future__ import annotations

import json
import os
import secrets
import ssl
from typing import Any

from . import postgres, rabbitmq


def _secret(client: Any, arn: str) -> dict[str, Any]:
    return json.loads(client.get_secret_value(SecretId=arn)["SecretString"])


def tls_context(cafile: str | None) -> ssl.SSLContext:
    """A client context requiring TLS 1.2+: with ``cafile`` (a PEM bundle) the server's certificate and
    hostname are verified (libpq's ``verify-full``); without, the channel is encrypted only.

    Raises:
        OSError / ssl.SSLError: ``cafile`` is unreadable or holds no certificate.
    """
    if cafile:
        context = ssl.create_default_context(cafile=cafile)
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _ca_bundle() -> str | None:
    """``DB_CA_BUNDLE``, relative to this package's directory unless absolute; None when unset."""
    name = os.environ.get("DB_CA_BUNDLE")
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), name) if name else None


def connect_postgres(master: dict[str, Any], database: str = "postgres") -> Any:
    """A pg8000 DB-API connection (autocommit) as the secret's ``username`` to ``DB_HOST``:``DB_PORT``,
    over TLS (``tls_context(DB_CA_BUNDLE)``); pg8000 raises ``InterfaceError`` when the server refuses SSL."""
    import pg8000.dbapi  # type: ignore[import-untyped]  # bundled with the function (no py.typed)

    conn = pg8000.dbapi.connect(
        host=os.environ["DB_HOST"],
        port=int(os.environ["DB_PORT"]),
        user=master["username"],
        password=master["password"],
        database=database,
        ssl_context=tls_context(_ca_bundle()),
    )
    conn.autocommit = True
    return conn


def _postgres(client: Any, create: bool) -> list[str]:
    master = _secret(client, os.environ["DB_SECRET_ARN"])
    database, role, seed = os.environ["DATABASE"], os.environ["DATABASE_USER"], os.environ.get("SEED_FROM")
    conn = connect_postgres(master)
    try:
        if create:
            done = postgres.create_slice_database(conn, database, role, seed or None)
        else:
            done = postgres.drop_slice_database(conn, database, role)
    finally:
        conn.close()
    if create and seed:
        conn = connect_postgres(master, database)
        try:
            done += postgres.adopt_seeded_objects(conn, role)
        finally:
            conn.close()
    if not os.environ.get("DB_CA_BUNDLE"):
        done.append("warning: database server certificate not verified (no DB_CA_BUNDLE)")
    return done


def _rabbitmq(client: Any, create: bool) -> list[str]:
    admin = _secret(client, os.environ["MQ_SECRET_ARN"])
    call = rabbitmq.management_call(os.environ["MQ_URL"], admin["username"], admin["password"])
    vhost, user = os.environ["VHOST"], os.environ["MQ_USER"]
    if not create:
        rabbitmq.drop_vhost(call, vhost, user)
        return [f"dropped vhost {vhost}"]
    password = secrets.token_urlsafe(32)
    rabbitmq.create_vhost(call, vhost, user, password)
    client.put_secret_value(
        SecretId=os.environ["MQ_USER_SECRET_ARN"],
        SecretString=json.dumps({"username": user, "password": password}),
    )
    return [f"created vhost {vhost}"]


def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """Create (``create``/``update``) or drop (``delete``) the slice's parts; returns ``{"done": [...]}``."""
    import boto3

    action = (event.get("tf") or {}).get("action", "create")
    create = action != "delete"
    client = boto3.client("secretsmanager")
    done: list[str] = []
    if os.environ.get("DATABASE"):
        done += _postgres(client, create)
    if os.environ.get("VHOST"):
        done += _rabbitmq(client, create)
    return {"action": action, "done": done}
