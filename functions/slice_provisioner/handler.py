"""Lambda entry point of the slice provisioner, invoked by the slice's stack through
``aws.lambda_.Invocation`` with ``lifecycleScope: CRUD``: the input carries ``tf.action`` (``create``,
``update`` or ``delete``; Terraform AWS provider docs, ``aws_lambda_invocation``, "CRUD Lifecycle Scope").

Environment: ``DB_HOST``, ``DB_PORT``, ``DB_SECRET_ARN`` (the RDS-managed master secret), ``DATABASE``,
``DATABASE_USER``; ``MQ_URL``, ``MQ_SECRET_ARN`` (the broker's admin secret), ``VHOST``, ``MQ_USER``,
``MQ_USER_SECRET_ARN`` (where the slice user's generated password is stored). Credentials are read from
Secrets Manager inside the VPC and never returned: the result lists what was done, nothing more.
PostgreSQL access needs the pure-Python ``pg8000`` driver in the deployment package.
"""

from __future__ import annotations

import json
import os
import secrets
from typing import Any

from . import postgres, rabbitmq


def _secret(client: Any, arn: str) -> dict[str, Any]:
    return json.loads(client.get_secret_value(SecretId=arn)["SecretString"])


def _postgres(client: Any, create: bool) -> list[str]:
    import pg8000.dbapi  # type: ignore[import-not-found]  # bundled with the function

    master = _secret(client, os.environ["DB_SECRET_ARN"])
    conn = pg8000.dbapi.connect(
        host=os.environ["DB_HOST"],
        port=int(os.environ["DB_PORT"]),
        user=master["username"],
        password=master["password"],
        database="postgres",
        ssl_context=True,
    )
    conn.autocommit = True
    try:
        action = postgres.create_slice_database if create else postgres.drop_slice_database
        return action(conn, os.environ["DATABASE"], os.environ["DATABASE_USER"])
    finally:
        conn.close()


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
